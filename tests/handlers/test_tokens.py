"""Bearer tokens: every kind of bad token is refused the same way, on every route."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import delete

from learnflow_ext.models import ModuleProgress, User
from tests.conftest import Account, ApiClient, assert_error

PROTECTED_ROUTES = [
    ("GET", "/auth/me"),
    ("POST", "/auth/logout"),
    ("PUT", "/modules/loops/progress"),
    ("GET", "/progress/user/{user_id}"),
]


def claims_for(user_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": user_id, "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex, **overrides}


def secret_of(learnflow: Any) -> bytes:
    return learnflow.accounts.signer._secret


def unsigned_token(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def bad_tokens(learnflow: Any, user_id: str) -> dict[str, str]:
    secret = secret_of(learnflow)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "garbage": "not-a-token",
        "empty": "",
        "truncated": jwt.encode(claims_for(user_id), secret, algorithm="HS256")[:-5],
        "wrong_key": jwt.encode(claims_for(user_id), b"k" * 32, algorithm="HS256"),
        "alg_none": unsigned_token(claims_for(user_id)),
        "other_algorithm": jwt.encode(claims_for(user_id), secret, algorithm="HS512"),
        "rs256": jwt.encode(claims_for(user_id), private_key, algorithm="RS256"),
        "expired": jwt.encode(
            claims_for(user_id, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
            secret,
            algorithm="HS256",
        ),
        "missing_exp": jwt.encode(
            {k: v for k, v in claims_for(user_id).items() if k != "exp"}, secret, algorithm="HS256"
        ),
        "missing_jti": jwt.encode(
            {k: v for k, v in claims_for(user_id).items() if k != "jti"}, secret, algorithm="HS256"
        ),
        "unknown_user": jwt.encode(claims_for(str(uuid.uuid4())), secret, algorithm="HS256"),
    }


BAD_TOKEN_KINDS = [
    "garbage",
    "empty",
    "truncated",
    "wrong_key",
    "alg_none",
    "other_algorithm",
    "rs256",
    "expired",
    "missing_exp",
    "missing_jti",
    "unknown_user",
]


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
async def test_bad_token_is_401_with_bearer_challenge(
    api: ApiClient, learnflow: Any, student: Account, kind: str
) -> None:
    token = bad_tokens(learnflow, student.id)[kind]

    reply = await api.get("/auth/me", token=token)

    assert_error(reply, 401)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), PROTECTED_ROUTES)
async def test_protected_route_without_token_is_401(
    api: ApiClient, student: Account, method: str, path: str
) -> None:
    body = {"progress": 10, "mastery": 0.1} if method == "PUT" else None

    reply = await api.request(method, path.format(user_id=student.id), json_body=body)

    assert_error(reply, 401, "not_authenticated")
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), PROTECTED_ROUTES)
async def test_protected_route_with_forged_token_is_401(
    api: ApiClient, student: Account, method: str, path: str
) -> None:
    forged = jwt.encode(claims_for(student.id), b"f" * 32, algorithm="HS256")
    body = {"progress": 10, "mastery": 0.1} if method == "PUT" else None

    reply = await api.request(method, path.format(user_id=student.id), json_body=body, token=forged)

    assert_error(reply, 401, "invalid_token")


async def test_bad_token_on_public_route_is_401_not_anonymous(api: ApiClient) -> None:
    reply = await api.get("/modules", token="not-a-token")

    assert_error(reply, 401, "invalid_token")


async def test_expired_token_reports_expiry(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    reply = await api.get("/auth/me", token=bad_tokens(learnflow, student.id)["expired"])

    assert_error(reply, 401, "token_expired")


async def test_jupyter_token_is_not_a_learnflow_token(api: ApiClient, jp_serverapp: Any) -> None:
    jupyter_token = jp_serverapp.identity_provider.token

    reply = await api.get("/auth/me", token=jupyter_token)

    assert_error(reply, 401, "invalid_token")


async def test_token_of_deleted_account_is_401(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    with learnflow.database.transaction() as session:
        session.execute(delete(ModuleProgress).where(ModuleProgress.user_id == student.id))
        session.execute(delete(User).where(User.id == student.id))

    reply = await api.get("/auth/me", token=student.token)

    assert_error(reply, 401, "invalid_token")
