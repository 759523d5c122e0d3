"""POST /auth/login, POST /auth/logout and GET /auth/me."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from learnflow_ext.models import User
from tests.conftest import Account, ApiClient, assert_error


async def test_login_returns_bearer_token_and_account(api: ApiClient, student: Account) -> None:
    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})

    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"access_token", "token_type", "user"}
    assert body["token_type"] == "bearer"
    assert body["user"] == {
        "id": student.id,
        "email": student.email,
        "name": student.name,
        "role": "student",
    }


async def test_login_token_is_hs256_with_required_claims(api: ApiClient, student: Account) -> None:
    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})

    token = reply.json()["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert {"sub", "iat", "exp", "jti"} <= set(claims)
    assert claims["sub"] == student.id


@pytest.mark.learnflow_config(token_lifetime_s=600)
async def test_login_token_expires_after_configured_lifetime(
    api: ApiClient, student: Account
) -> None:
    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})

    claims = jwt.decode(reply.json()["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600


async def test_login_email_is_case_insensitive(api: ApiClient, student: Account) -> None:
    reply = await api.post(
        "/auth/login", {"email": f"  {student.email.upper()} ", "password": student.password}
    )

    assert reply.status == 200


async def test_login_unknown_email_and_wrong_password_get_identical_401(
    api: ApiClient, student: Account
) -> None:
    unknown = await api.post("/auth/login", {"email": "nobody@example.org", "password": "x" * 12})
    wrong = await api.post("/auth/login", {"email": student.email, "password": "x" * 12})

    assert_error(unknown, 401, "invalid_credentials")
    assert unknown.body == wrong.body
    assert unknown.headers["WWW-Authenticate"] == wrong.headers["WWW-Authenticate"]


async def test_login_invalid_email_is_401_not_a_hint(api: ApiClient) -> None:
    reply = await api.post("/auth/login", {"email": "not an email", "password": "x" * 12})

    assert_error(reply, 401, "invalid_credentials")


@pytest.mark.parametrize(
    "body", [{"email": "a@example.org"}, {"password": "x"}, {"email": 1, "password": "x"}]
)
async def test_login_incomplete_body_is_422(api: ApiClient, body: dict[str, Any]) -> None:
    reply = await api.post("/auth/login", body)

    assert_error(reply, 422)


@pytest.mark.learnflow_config(login_max_failures=3, login_lockout_s=120)
async def test_login_repeated_failures_lock_account_with_429(
    api: ApiClient, student: Account
) -> None:
    for _ in range(3):
        await api.post("/auth/login", {"email": student.email, "password": "wrong password"})

    reply = await api.post("/auth/login", {"email": student.email, "password": "wrong password"})

    assert_error(reply, 429, "too_many_login_attempts")
    assert 0 < int(reply.headers["Retry-After"]) <= 120


@pytest.mark.learnflow_config(login_max_failures=3)
async def test_login_locked_account_refuses_even_right_password(
    api: ApiClient, student: Account
) -> None:
    for _ in range(3):
        await api.post("/auth/login", {"email": student.email, "password": "wrong password"})

    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})

    assert reply.status == 429


@pytest.mark.learnflow_config(login_max_failures=3)
async def test_login_success_resets_account_failure_count(api: ApiClient, student: Account) -> None:
    for _ in range(2):
        await api.post("/auth/login", {"email": student.email, "password": "wrong password"})
    await api.post("/auth/login", {"email": student.email, "password": student.password})

    for _ in range(2):
        await api.post("/auth/login", {"email": student.email, "password": "wrong password"})
    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})

    assert reply.status == 200


@pytest.mark.learnflow_config(login_max_failures=50, login_max_failures_per_client=4)
async def test_login_failures_across_accounts_lock_the_client(
    api: ApiClient, student: Account
) -> None:
    for number in range(4):
        await api.post(
            "/auth/login", {"email": f"guess{number}@example.org", "password": "wrong password"}
        )

    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})

    assert_error(reply, 429, "too_many_login_attempts")


async def test_login_rehashes_password_made_with_old_parameters(
    api: ApiClient, student: Account, learnflow: Any
) -> None:
    old_hash = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash(student.password)
    with learnflow.database.transaction() as session:
        session.get_one(User, student.id).password_hash = old_hash

    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})

    assert reply.status == 200
    with learnflow.database.transaction() as session:
        new_hash = session.scalars(select(User.password_hash).where(User.id == student.id)).one()
    assert new_hash != old_hash
    assert not learnflow.accounts.hasher.needs_rehash(new_hash)


async def test_login_logs_no_password_or_token(
    api: ApiClient, student: Account, learnflow_log: pytest.LogCaptureFixture
) -> None:
    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})
    await api.post("/auth/login", {"email": student.email, "password": "a wrong password"})

    logged = learnflow_log.text
    assert "refused sign-in" in logged
    assert student.password not in logged
    assert "a wrong password" not in logged
    assert reply.json()["access_token"] not in logged


async def test_login_refusal_is_logged_as_warning(
    api: ApiClient, student: Account, learnflow_log: pytest.LogCaptureFixture
) -> None:
    await api.post("/auth/login", {"email": student.email, "password": "a wrong password"})

    assert any(
        record.levelname == "WARNING" and "refused sign-in" in record.getMessage()
        for record in learnflow_log.records
    )


async def test_me_returns_account_of_token(api: ApiClient, student: Account) -> None:
    reply = await api.get("/auth/me", token=student.token)

    assert reply.json()["id"] == student.id


async def test_logout_revokes_the_token(api: ApiClient, student: Account) -> None:
    logout = await api.post("/auth/logout", token=student.token)

    reply = await api.get("/auth/me", token=student.token)

    assert logout.status == 204
    assert_error(reply, 401, "token_revoked")


async def test_logout_leaves_other_tokens_of_same_account_valid(
    api: ApiClient, student: Account
) -> None:
    second = await api.post("/auth/login", {"email": student.email, "password": student.password})

    await api.post("/auth/logout", token=student.token)

    reply = await api.get("/auth/me", token=second.json()["access_token"])
    assert reply.status == 200


async def test_logout_without_token_is_401(api: ApiClient) -> None:
    reply = await api.post("/auth/logout")

    assert_error(reply, 401, "not_authenticated")
