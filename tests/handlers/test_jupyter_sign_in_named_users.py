"""POST /auth/jupyter on a server whose identity provider names each person, as a hub's does."""

from __future__ import annotations

from typing import Any

import pytest
from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web

from tests.conftest import SQLITE_ONLY, ApiClient, Response

XSRF = "xsrf-value-for-the-test"
PERSON_COOKIE = "test-person"


class NamedPeople(IdentityProvider):
    """Signs in whoever a signed cookie names, as JupyterHub's single-user servers do."""

    def get_user(self, handler: web.RequestHandler) -> User | None:
        name = handler.get_secure_cookie(PERSON_COOKIE)
        if name is None:
            return None
        return User(username=name.decode(), name=f"{name.decode().title()} Person")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    jp_server_config["ServerApp"]["identity_provider_class"] = NamedPeople
    jp_server_config["LearnFlow"]["jupyter_teachers"] = ["grace"]
    return jp_server_config


async def sign_in_as(api: ApiClient, jp_serverapp: Any, person: str) -> Response:
    signed = web.create_signed_value(
        jp_serverapp.web_app.settings["cookie_secret"], PERSON_COOKIE, person
    ).decode()
    return await api.post(
        "/auth/jupyter",
        {},
        headers={"Cookie": f"{PERSON_COOKIE}={signed}; _xsrf={XSRF}", "X-XSRFToken": XSRF},
    )


@SQLITE_ONLY
async def test_each_jupyter_user_gets_an_account_of_their_own(
    api: ApiClient, jp_serverapp: Any
) -> None:
    ada = (await sign_in_as(api, jp_serverapp, "ada")).json()["user"]
    alan = (await sign_in_as(api, jp_serverapp, "alan")).json()["user"]

    assert ada["id"] != alan["id"]
    assert (ada["name"], alan["name"]) == ("Ada Person", "Alan Person")
    assert (ada["role"], alan["role"]) == ("student", "student")


@SQLITE_ONLY
async def test_jupyter_user_listed_as_teacher_is_a_teacher(
    api: ApiClient, jp_serverapp: Any
) -> None:
    reply = await sign_in_as(api, jp_serverapp, "grace")

    assert reply.json()["user"]["role"] == "teacher"


@SQLITE_ONLY
async def test_jupyter_user_names_that_are_not_emails_still_get_a_valid_account(
    api: ApiClient, jp_serverapp: Any
) -> None:
    reply = await sign_in_as(api, jp_serverapp, "Dr. O'Neil <lab>")

    assert reply.status == 200
    token = reply.json()["access_token"]
    me = await api.get("/auth/me", token=token)
    assert me.status == 200
    assert "@" in me.json()["email"]
