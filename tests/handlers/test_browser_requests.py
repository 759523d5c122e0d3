"""Requests from browser pages of the Jupyter server itself keep Jupyter's XSRF protection."""

from __future__ import annotations

from tests.conftest import Account, ApiClient, assert_error


async def test_cookie_request_without_xsrf_token_is_refused(
    api: ApiClient, student: Account
) -> None:
    reply = await api.post(
        "/auth/login",
        {"email": student.email, "password": student.password},
        headers={"Cookie": "username-127-0-0-1=something"},
    )

    assert_error(reply, 403)


async def test_cookie_request_with_matching_xsrf_token_is_served(
    api: ApiClient, student: Account
) -> None:
    reply = await api.post(
        "/auth/login",
        {"email": student.email, "password": student.password},
        headers={"Cookie": "_xsrf=same-token-value", "X-XSRFToken": "same-token-value"},
    )

    assert reply.status == 200


async def test_cross_site_cookie_request_is_refused(api: ApiClient, student: Account) -> None:
    reply = await api.post(
        "/auth/login",
        {"email": student.email, "password": student.password},
        headers={
            "Cookie": "_xsrf=same-token-value",
            "X-XSRFToken": "same-token-value",
            "Origin": "https://evil.example",
        },
    )

    # Jupyter answers a cross-origin cookie request as if the route did not exist.
    assert_error(reply, 404)


async def test_bearer_request_needs_no_xsrf_token(api: ApiClient, student: Account) -> None:
    reply = await api.put(
        "/modules/loops/progress",
        {"progress": 10, "mastery": 0.1},
        token=student.token,
        headers={"Cookie": "username-127-0-0-1=something"},
    )

    assert reply.status == 200


async def test_bad_bearer_never_falls_back_to_cookie(api: ApiClient) -> None:
    reply = await api.get(
        "/modules", token="forged", headers={"Cookie": "_xsrf=x; username-127-0-0-1=y"}
    )

    assert_error(reply, 401, "invalid_token")


async def test_request_without_any_credentials_needs_no_xsrf_token(
    api: ApiClient, student: Account
) -> None:
    reply = await api.post("/auth/login", {"email": student.email, "password": student.password})

    assert reply.status == 200
