"""GET /openapi.json describes every route, and live responses match what it says."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from learnflow_ext.app import ROUTES
from learnflow_ext.handlers.base import LearnFlowHandler
from learnflow_ext.openapi import build_openapi
from tests.conftest import Account, ApiClient, Response


@pytest.fixture
def openapi() -> dict[str, Any]:
    return build_openapi("/learnflow/api")


def documented_path(route: str) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)


def assert_documented(openapi: dict[str, Any], method: str, path: str, reply: Response) -> None:
    """Assert ``reply``'s status is documented for the operation and its body fits the schema."""
    responses = openapi["paths"][path][method.lower()]["responses"]
    assert str(reply.status) in responses, f"{method} {path} answered undocumented {reply.status}"
    content = responses[str(reply.status)].get("content")
    if content is None:
        assert reply.body == b""
        return
    schema = {**content["application/json"]["schema"], "components": openapi["components"]}
    Draft202012Validator(schema).validate(reply.json())


async def test_openapi_is_served_as_openapi_31(api: ApiClient) -> None:
    reply = await api.get("/openapi.json")

    assert reply.status == 200
    assert reply.json()["openapi"] == "3.1.0"


async def test_openapi_server_url_includes_base_url(api: ApiClient, jp_base_url: str) -> None:
    reply = await api.get("/openapi.json")

    assert reply.json()["servers"] == [{"url": f"{jp_base_url}learnflow/api"}]


def test_openapi_documents_exactly_the_served_routes(openapi: dict[str, Any]) -> None:
    served = {documented_path(route) for route, _handler in ROUTES}

    assert set(openapi["paths"]) == served


@pytest.mark.parametrize(("route", "handler"), ROUTES)
def test_openapi_documents_exactly_each_routes_methods(
    openapi: dict[str, Any], route: str, handler: type[LearnFlowHandler]
) -> None:
    implemented = {
        method.lower() for method in handler.allowed_methods() if method not in ("OPTIONS", "HEAD")
    }

    assert set(openapi["paths"][documented_path(route)]) == implemented


def test_openapi_error_responses_all_use_error_schema(openapi: dict[str, Any]) -> None:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)


async def test_live_account_responses_match_openapi(
    api: ApiClient, openapi: dict[str, Any]
) -> None:
    account = {"email": "doc@example.org", "password": "p" * 10, "name": "Doc"}

    replies = [
        ("POST", "/auth/register", await api.post("/auth/register", account)),
        ("POST", "/auth/register", await api.post("/auth/register", account)),
        ("POST", "/auth/register", await api.post("/auth/register", {"email": "x"})),
        ("POST", "/auth/register", await api.post("/auth/register", body=b"{")),
        ("POST", "/auth/login", await api.post("/auth/login", account | {"name": None})),
        ("POST", "/auth/login", await api.post("/auth/login", {"email": "d", "password": "x"})),
    ]
    login = await api.post("/auth/login", {"email": account["email"], "password": "p" * 10})
    token = login.json()["access_token"]
    replies += [
        ("POST", "/auth/login", login),
        ("GET", "/auth/me", await api.get("/auth/me", token=token)),
        ("GET", "/auth/me", await api.get("/auth/me")),
        ("POST", "/auth/logout", await api.post("/auth/logout", token=token)),
    ]

    for method, path, reply in replies:
        assert_documented(openapi, method, path, reply)


async def test_live_course_responses_match_openapi(api: ApiClient, openapi: dict[str, Any]) -> None:
    replies = [
        ("GET", "/modules", await api.get("/modules")),
        ("GET", "/modules/{module_id}", await api.get("/modules/loops")),
        ("GET", "/modules/{module_id}", await api.get("/modules/no-such-module")),
        ("GET", "/exercises/topic/{topic}", await api.get("/exercises/topic/loops")),
        ("GET", "/exercises/topic/{topic}", await api.get("/exercises/topic/loops?difficulty=x")),
        ("GET", "/openapi.json", await api.get("/openapi.json")),
    ]

    for method, path, reply in replies:
        assert_documented(openapi, method, path, reply)


async def test_live_progress_responses_match_openapi(
    api: ApiClient, openapi: dict[str, Any], student: Account, other_student: Account
) -> None:
    put = "/modules/{module_id}/progress"
    get = "/progress/user/{user_id}"

    replies = [
        (
            "PUT",
            put,
            await api.put(
                "/modules/loops/progress", {"progress": 5, "mastery": 0.5}, token=student.token
            ),
        ),
        (
            "PUT",
            put,
            await api.put(
                "/modules/loops/progress", {"progress": 500, "mastery": 0}, token=student.token
            ),
        ),
        (
            "PUT",
            put,
            await api.put(
                "/modules/nope/progress", {"progress": 5, "mastery": 0.5}, token=student.token
            ),
        ),
        ("GET", get, await api.get(f"/progress/user/{student.id}", token=student.token)),
        ("GET", get, await api.get(f"/progress/user/{student.id}", token=other_student.token)),
        ("GET", get, await api.get(f"/progress/user/{student.id}")),
    ]

    for method, path, reply in replies:
        assert_documented(openapi, method, path, reply)
