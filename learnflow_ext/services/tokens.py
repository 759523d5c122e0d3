"""Signed access tokens (JWT, HS256) and the secret that signs them."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from ..errors import AuthenticationError

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
REQUIRED_CLAIMS = ("sub", "iat", "exp", "jti")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    jti: str
    expires_at: datetime


class TokenSigner:
    """Issue and check access tokens with one secret and one pinned algorithm."""

    def __init__(self, secret: bytes, *, lifetime_s: int) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the token secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self.lifetime_s = lifetime_s

    def issue(self, user_id: str) -> IssuedToken:
        now = datetime.now(UTC)
        expires_at = now + timedelta(seconds=self.lifetime_s)
        jti = uuid.uuid4().hex
        claims = {"sub": user_id, "iat": now, "exp": expires_at, "jti": jti}
        return IssuedToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), jti, expires_at)

    def decode(self, token: str) -> TokenClaims:
        """Return the token's claims, or raise ``AuthenticationError`` for any bad token."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError as error:
            raise AuthenticationError("the token has expired", code="token_expired") from error
        except jwt.InvalidTokenError as error:
            raise AuthenticationError("the token is not valid", code="invalid_token") from error
        if not isinstance(claims["sub"], str) or not isinstance(claims["jti"], str):
            raise AuthenticationError("the token is not valid", code="invalid_token")
        return TokenClaims(
            user_id=claims["sub"],
            jti=claims["jti"],
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )


def load_or_create_secret(path: Path, log: logging.Logger) -> bytes:
    """Return the secret stored at ``path``, creating it (mode 0600) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(descriptor, "w") as secret_file:
        secret_file.write(secrets.token_hex(MIN_SECRET_BYTES))
    log.info("created a new token signing secret at %s", path)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as secret_file:
        mode = os.fstat(secret_file.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PermissionError(
                f"{path} is readable by other users (mode {stat.filemode(mode)}); "
                "run 'chmod 600' on it or set LearnFlow.jwt_secret"
            )
        secret = secret_file.read().strip()
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"{path} holds fewer than {MIN_SECRET_BYTES} bytes; delete it to renew it")
    return secret
