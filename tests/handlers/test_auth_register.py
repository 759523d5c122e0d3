"""POST /auth/register."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from learnflow_ext.models import User
from tests.conftest import TEACHER_INVITE_CODE, ApiClient, assert_error


def registration(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "ada@example.org",
        "password": "correct horse battery",
        "name": "Ada Lovelace",
        "role": "student",
        **overrides,
    }


def user_count(learnflow: Any) -> int:
    with learnflow.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(User))


async def test_register_student_returns_created_account(api: ApiClient) -> None:
    reply = await api.post("/auth/register", registration())

    assert reply.status == 201
    body = reply.json()
    assert set(body) == {"id", "email", "name", "role"}
    assert body["email"] == "ada@example.org"
    assert body["name"] == "Ada Lovelace"
    assert body["role"] == "student"


async def test_register_without_role_creates_student(api: ApiClient) -> None:
    body = registration()
    del body["role"]

    reply = await api.post("/auth/register", body)

    assert reply.status == 201
    assert reply.json()["role"] == "student"


async def test_register_normalizes_email_case_and_spaces(api: ApiClient) -> None:
    reply = await api.post("/auth/register", registration(email="  Ada@Example.ORG "))

    assert reply.json()["email"] == "ada@example.org"


async def test_register_same_email_in_other_case_is_conflict(
    api: ApiClient, learnflow: Any
) -> None:
    await api.post("/auth/register", registration())

    reply = await api.post("/auth/register", registration(email="ADA@example.org"))

    assert_error(reply, 409, "email_already_registered")
    assert user_count(learnflow) == 1


async def test_register_stores_argon2id_hash_not_password(api: ApiClient, learnflow: Any) -> None:
    await api.post("/auth/register", registration())

    with learnflow.database.transaction() as session:
        stored = session.scalars(select(User)).one().password_hash
    assert stored.startswith("$argon2id$")
    assert "correct horse battery" not in stored


async def test_register_accepts_64_character_password(api: ApiClient) -> None:
    reply = await api.post("/auth/register", registration(password="p" * 64))

    assert reply.status == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", ""),
        ("email", "a@b@c.org"),
        ("email", 42),
        ("password", "short"),
        ("password", "x" * 257),
        ("password", None),
        ("name", ""),
        ("name", "   "),
        ("name", "n" * 101),
        ("name", "Bad\x00Name"),
        ("role", "admin"),
        ("invite_code", 7),
    ],
)
async def test_register_invalid_field_is_422_and_creates_nothing(
    api: ApiClient, learnflow: Any, field: str, value: Any
) -> None:
    reply = await api.post("/auth/register", registration(**{field: value}))

    body = assert_error(reply, 422)
    assert [problem["field"] for problem in body["details"]] == [field]
    assert user_count(learnflow) == 0


async def test_register_missing_field_is_422(api: ApiClient) -> None:
    body = registration()
    del body["password"]

    reply = await api.post("/auth/register", body)

    assert assert_error(reply, 422)["details"] == [
        {"field": "password", "message": "Field required"}
    ]


async def test_register_unknown_field_is_422(api: ApiClient) -> None:
    reply = await api.post("/auth/register", registration(is_admin=True))

    assert assert_error(reply, 422)["details"][0]["field"] == "is_admin"


async def test_register_never_echoes_password_in_errors(api: ApiClient) -> None:
    reply = await api.post("/auth/register", registration(password="tiny"))

    assert b"tiny" not in reply.body


async def test_register_teacher_without_configured_code_is_403(
    api: ApiClient, learnflow: Any
) -> None:
    reply = await api.post("/auth/register", registration(role="teacher", invite_code="anything"))

    assert_error(reply, 403, "teacher_registration_closed")
    assert user_count(learnflow) == 0


@pytest.mark.learnflow_config(teacher_invite_code=TEACHER_INVITE_CODE)
async def test_register_teacher_with_wrong_code_is_403(api: ApiClient) -> None:
    reply = await api.post("/auth/register", registration(role="teacher", invite_code="guess"))

    assert_error(reply, 403, "invalid_invite_code")


@pytest.mark.learnflow_config(teacher_invite_code=TEACHER_INVITE_CODE)
async def test_register_teacher_without_code_is_403(api: ApiClient) -> None:
    reply = await api.post("/auth/register", registration(role="teacher"))

    assert_error(reply, 403, "invalid_invite_code")


@pytest.mark.learnflow_config(teacher_invite_code=TEACHER_INVITE_CODE)
async def test_register_teacher_with_invite_code_creates_teacher(api: ApiClient) -> None:
    reply = await api.post(
        "/auth/register", registration(role="teacher", invite_code=TEACHER_INVITE_CODE)
    )

    assert reply.status == 201
    assert reply.json()["role"] == "teacher"
