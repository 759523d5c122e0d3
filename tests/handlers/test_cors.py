"""CORS for external frontends: exact origins from an allow-list, nothing by default."""

from __future__ import annotations

import pytest

from tests.conftest import Account, ApiClient, assert_error

APP_ORIGIN = "https://app.example.org"


def preflight(method: str) -> dict[str, str]:
    return {
        "Origin": APP_ORIGIN,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_preflight_from_any_origin_is_refused_by_default(api: ApiClient) -> None:
    reply = await api.request("OPTIONS", "/auth/login", headers=preflight("POST"))

    assert_error(reply, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in reply.headers


async def test_request_from_unlisted_origin_gets_no_cors_headers(api: ApiClient) -> None:
    reply = await api.get("/modules", headers={"Origin": APP_ORIGIN})

    assert "Access-Control-Allow-Origin" not in reply.headers


@pytest.mark.learnflow_config(allowed_origins=[APP_ORIGIN])
async def test_preflight_from_allowed_origin_is_answered(api: ApiClient) -> None:
    reply = await api.request("OPTIONS", "/modules/loops/progress", headers=preflight("PUT"))

    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "PUT" in reply.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in reply.headers["Access-Control-Allow-Headers"]


@pytest.mark.learnflow_config(allowed_origins=[APP_ORIGIN])
async def test_request_from_allowed_origin_is_allowed(api: ApiClient, student: Account) -> None:
    reply = await api.get("/auth/me", token=student.token, headers={"Origin": APP_ORIGIN})

    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "Origin" in reply.headers["Vary"]


@pytest.mark.learnflow_config(allowed_origins=[APP_ORIGIN])
async def test_error_from_allowed_origin_is_readable_cross_origin(api: ApiClient) -> None:
    reply = await api.get("/auth/me", headers={"Origin": APP_ORIGIN})

    assert reply.status == 401
    assert reply.headers["Access-Control-Allow-Origin"] == APP_ORIGIN


@pytest.mark.learnflow_config(allowed_origins=[APP_ORIGIN])
async def test_origin_matching_is_exact(api: ApiClient) -> None:
    reply = await api.get("/modules", headers={"Origin": APP_ORIGIN + ".evil.example"})

    assert "Access-Control-Allow-Origin" not in reply.headers
