"""Accounts: registration, sign-in, token checks and sign-out."""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import Database
from ..errors import (
    AuthenticationError,
    ConflictError,
    FieldProblem,
    InvalidInputError,
    PermissionDeniedError,
    ServiceUnavailableError,
)
from ..models import ROLES, ExternalIdentity, RevokedToken, User
from ..models.base import new_id, utc_now
from .passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PasswordHasher
from .throttle import LoginThrottleService
from .tokens import TokenSigner

MAX_NAME_LENGTH = 100
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# One message for an unknown email and a wrong password, so sign-in reveals no accounts.
BAD_CREDENTIALS = "the email or password is not correct"
# The password hash of accounts signed in only by another system; it matches no password.
UNUSABLE_HASH = "!"
# The account a token names, and whether the token has been revoked; built once, so that
# checking a token compiles nothing.
ACCOUNT_OF_TOKEN = select(
    User.id,
    User.email,
    User.name,
    User.role,
    select(RevokedToken.jti).where(RevokedToken.jti == bindparam("jti")).exists().label("revoked"),
).where(User.id == bindparam("user_id"))


def normalize_email(email: str) -> str:
    """Return ``email`` trimmed and lower-cased, or raise ``InvalidInputError``."""
    address = email.strip()
    # email-validator refuses special-use domains (example.local, example.test) since no
    # mail reaches them. LearnFlow sends no mail and schools use such domains, so those
    # are checked with a harmless suffix added, which is removed again afterwards.
    suffix = ""
    if address.rpartition("@")[2].rpartition(".")[2].lower() in SPECIAL_USE_DOMAIN_NAMES:
        suffix = ".example"
    try:
        checked = validate_email(
            address + suffix, check_deliverability=False, globally_deliverable=False
        )
    except EmailNotValidError as error:
        raise InvalidInputError(
            "email is not a valid address",
            problems=[FieldProblem("email", f"not a valid email address: {error}")],
        ) from error
    return checked.normalized.removesuffix(suffix).lower()


def check_password_rules(password: str) -> None:
    """Raise ``InvalidInputError`` if ``password`` is too short or too long."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInputError(
            "password has the wrong length",
            problems=[
                FieldProblem(
                    "password",
                    f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long",
                )
            ],
        )


def check_name(name: str) -> str:
    """Return ``name`` trimmed, or raise ``InvalidInputError`` if it is empty or too long."""
    if CONTROL_CHARACTERS.search(name):
        raise InvalidInputError(
            "name contains control characters",
            problems=[FieldProblem("name", "must not contain control characters")],
        )
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInputError(
            "name has the wrong length",
            problems=[FieldProblem("name", f"must be 1 to {MAX_NAME_LENGTH} visible characters")],
        )
    return name


class AccountService:
    """Create accounts, sign people in and out, and tell who holds a token."""

    def __init__(
        self,
        database: Database,
        *,
        hasher: PasswordHasher,
        signer: TokenSigner,
        throttle: LoginThrottleService,
        teacher_invite_code: str,
        log: logging.Logger,
    ) -> None:
        self.database = database
        self.hasher = hasher
        self.signer = signer
        self.throttle = throttle
        self.teacher_invite_code = teacher_invite_code
        self.log = log

    def register(
        self, *, email: str, password: str, name: str, role: str, invite_code: str | None
    ) -> dict[str, str]:
        """Create an account for anyone as a student, or as a teacher with the invite code."""
        if role == "teacher":
            self._check_invite_code(invite_code)
        return self.create_user(email=email, password=password, name=name, role=role)

    def create_user(self, *, email: str, password: str, name: str, role: str) -> dict[str, str]:
        """Create an account with any role; for operators, who need no invite code."""
        email = normalize_email(email)
        check_password_rules(password)
        name = check_name(name)
        if role not in ROLES:
            raise InvalidInputError(
                f"role {role!r} does not exist",
                problems=[FieldProblem("role", f"must be one of {', '.join(ROLES)}")],
            )

        password_hash = self.hasher.hash(password)
        try:
            with self.database.transaction() as session:
                if session.scalar(select(User.id).where(User.email == email)) is not None:
                    raise self._email_taken()
                user = User(email=email, name=name, role=role, password_hash=password_hash)
                session.add(user)
                session.flush()
                return user.to_dict()
        except IntegrityError as error:
            # Another request registered the same email between the check and the insert.
            raise self._email_taken() from error

    def sign_in_external(
        self, *, provider: str, subject: str, name: str, role: str
    ) -> dict[str, Any]:
        """Return a new access token for the account of a person another system vouches for.

        The first time, an account without a password is made for them; their role follows
        ``role`` at every sign-in, since the vouching system's configuration decides it.
        """
        for _attempt in range(2):
            try:
                with self.database.transaction() as session:
                    user = self._external_account(session, provider, subject, name, role)
                    account = user.to_dict()
                break
            except IntegrityError:
                # Another request made the same account first; the next pass finds it.
                continue
        else:
            raise ServiceUnavailableError("the account is being made; try again", retry_after_s=1)
        self.log.info("signed in %s user %s as account %s", provider, subject, account["id"])
        issued = self.signer.issue(account["id"])
        return {"access_token": issued.token, "token_type": "bearer", "user": account}

    @staticmethod
    def _external_account(
        session: Session, provider: str, subject: str, name: str, role: str
    ) -> User:
        identity = session.get(ExternalIdentity, (provider, subject))
        if identity is not None:
            user = session.get_one(User, identity.user_id)
            user.role = role
            return user
        local = re.sub(r"[^a-z0-9._-]+", "-", subject.lower()).strip(".-")[:48] or "user"
        email = f"{local}@{provider}.invalid"
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            email = f"{local}-{new_id()[:8]}@{provider}.invalid"
        user = User(
            email=email,
            name=CONTROL_CHARACTERS.sub(" ", name).strip()[:MAX_NAME_LENGTH] or local,
            role=role,
            # Not a hash of anything: no password can sign this account in.
            password_hash=UNUSABLE_HASH,
        )
        session.add(user)
        session.flush()
        session.add(ExternalIdentity(provider=provider, subject=subject, user_id=user.id))
        session.flush()
        return user

    def login(self, *, email: str, password: str, client_address: str) -> dict[str, Any]:
        """Return a new access token and the account, or refuse with 401 or 429."""
        try:
            email = normalize_email(email)
        except InvalidInputError:
            # No account can have this address; only the client's attempts are counted.
            email = ""
        keys = self.throttle.keys(email, client_address)
        user = None
        with self.database.transaction() as session:
            self.throttle.ensure_allowed(session, keys)
            if email:
                user = session.scalar(select(User).where(User.email == email))

        # Hashing takes tens of milliseconds: keep it outside any transaction.
        if user is None or not self.hasher.verify(user.password_hash, password):
            if user is None:
                self.hasher.verify(None, password)
            self.throttle.record_failure(self.database, keys)
            self.log.warning(
                "refused sign-in from %s: %s",
                client_address,
                "unknown email" if user is None else "wrong password",
            )
            raise AuthenticationError(BAD_CREDENTIALS, code="invalid_credentials")

        new_hash = None
        if self.hasher.needs_rehash(user.password_hash):
            new_hash = self.hasher.hash(password)
        with self.database.transaction() as session:
            self.throttle.clear(session, keys)
            if new_hash is not None:
                session.get_one(User, user.id).password_hash = new_hash
        issued = self.signer.issue(user.id)
        return {"access_token": issued.token, "token_type": "bearer", "user": user.to_dict()}

    def authenticate(self, token: str) -> dict[str, str]:
        """Return the account holding ``token``, or raise ``AuthenticationError``."""
        claims = self.signer.decode(token)
        # Every authenticated request comes here: one read, without the ORM's bookkeeping.
        with self.database.reading() as connection:
            account = connection.execute(
                ACCOUNT_OF_TOKEN, {"user_id": claims.user_id, "jti": claims.jti}
            ).one_or_none()
        if account is None:
            raise AuthenticationError("the token's account no longer exists", code="invalid_token")
        if account.revoked:
            raise AuthenticationError("the token has been revoked", code="token_revoked")
        return {
            "id": account.id,
            "email": account.email,
            "name": account.name,
            "role": account.role,
        }

    def logout(self, token: str) -> None:
        """Revoke ``token`` until it expires; also forget revocations that have expired."""
        claims = self.signer.decode(token)
        with self.database.transaction() as session:
            session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utc_now()))
            if session.get(RevokedToken, claims.jti) is None:
                session.add(RevokedToken(jti=claims.jti, expires_at=claims.expires_at))

    def _check_invite_code(self, invite_code: str | None) -> None:
        if not self.teacher_invite_code:
            raise PermissionDeniedError(
                "teacher accounts cannot be self-registered here; ask an operator to create one",
                code="teacher_registration_closed",
            )
        if invite_code is None or not hmac.compare_digest(
            invite_code.encode(), self.teacher_invite_code.encode()
        ):
            raise PermissionDeniedError(
                "the invite code for teacher accounts is not correct", code="invalid_invite_code"
            )

    @staticmethod
    def _email_taken() -> ConflictError:
        return ConflictError(
            "an account with this email already exists", code="email_already_registered"
        )
