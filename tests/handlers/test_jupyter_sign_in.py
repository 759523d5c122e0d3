"""POST /auth/jupyter: JupyterLab signs its user in to LearnFlow without a second password."""

from __future__ import annotations

import getpass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from sqlalchemy import func, select

from learnflow_ext.models import ExternalIdentity
from tests.conftest import SQLITE_ONLY, Account, ApiClient, Response, assert_error

XSRF = "xsrf-value-for-the-test"


class JupyterBrowser:
    """A browser that signed in to Jupyter with the server's token, as JupyterLab's page has."""

    def __init__(self, api: ApiClient, jupyter_url: str, jupyter_token: str) -> None:
        self.api = api
        self.jupyter_url = jupyter_url
        self.jupyter_token = jupyter_token

    async def cookie(self) -> str:
        """Return the Cookie header Jupyter gives the browser, with an XSRF cookie."""
        reply = await self.api._http.fetch(
            f"{self.jupyter_url}api/me", headers={"Authorization": f"token {self.jupyter_token}"}
        )
        cookies: SimpleCookie = SimpleCookie()
        for header in reply.headers.get_list("Set-Cookie"):
            cookies.load(header)
        login = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
        assert login, "Jupyter set no login cookie"
        return f"{login}; _xsrf={XSRF}"

    async def sign_in(self, cookie: str | None = None, **headers: str) -> Response:
        """POST /auth/jupyter as JupyterLab does: cookies and the XSRF header."""
        cookie = cookie or await self.cookie()
        return await self.api.post(
            "/auth/jupyter", {}, headers={"Cookie": cookie, "X-XSRFToken": XSRF, **headers}
        )


@pytest.fixture
def browser(api: ApiClient, jp_serverapp: Any, jp_base_url: str) -> JupyterBrowser:
    return JupyterBrowser(api, jp_base_url, jp_serverapp.identity_provider.token)


def identities(learnflow: Any) -> int:
    with learnflow.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(ExternalIdentity))


async def test_jupyter_user_gets_a_token_for_the_servers_owner(
    api: ApiClient, browser: JupyterBrowser
) -> None:
    reply = await browser.sign_in()

    assert reply.status == 200
    body = reply.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["name"] == getpass.getuser()
    assert body["user"]["role"] == "student"
    me = await api.get("/auth/me", token=body["access_token"])
    assert me.json()["id"] == body["user"]["id"]


async def test_signing_in_again_gives_the_same_account(
    api: ApiClient, learnflow: Any, browser: JupyterBrowser
) -> None:
    first = (await browser.sign_in()).json()

    second = (await browser.sign_in()).json()

    assert second["user"]["id"] == first["user"]["id"]
    assert second["access_token"] != first["access_token"]
    assert identities(learnflow) == 1


@SQLITE_ONLY
@pytest.mark.learnflow_config(jupyter_teachers=[getpass.getuser()])
async def test_jupyter_user_named_in_jupyter_teachers_is_a_teacher(
    api: ApiClient, browser: JupyterBrowser
) -> None:
    reply = await browser.sign_in()

    assert reply.json()["user"]["role"] == "teacher"


@SQLITE_ONLY
async def test_account_of_a_jupyter_user_has_no_password_that_signs_in(
    api: ApiClient, learnflow: Any, browser: JupyterBrowser
) -> None:
    user = (await browser.sign_in()).json()["user"]

    for password in ("a long enough password", "!" * 12):
        reply = await api.post("/auth/login", {"email": user["email"], "password": password})
        assert_error(reply, 401, "invalid_credentials")


@SQLITE_ONLY
async def test_request_without_jupyter_cookie_is_401_and_makes_no_account(
    api: ApiClient, learnflow: Any
) -> None:
    reply = await api.post("/auth/jupyter", {})

    assert_error(reply, 401, "no_jupyter_identity")
    assert identities(learnflow) == 0


@SQLITE_ONLY
async def test_bearer_token_cannot_stand_in_for_the_jupyter_sign_in(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    reply = await api.post("/auth/jupyter", {}, token=student.token)

    assert_error(reply, 401, "no_jupyter_identity")
    assert identities(learnflow) == 0


@SQLITE_ONLY
async def test_jupyter_token_header_without_cookie_is_401(
    api: ApiClient, learnflow: Any, jp_serverapp: Any
) -> None:
    reply = await api.post(
        "/auth/jupyter",
        {},
        headers={"Authorization": f"token {jp_serverapp.identity_provider.token}"},
    )

    assert_error(reply, 401)
    assert identities(learnflow) == 0


@SQLITE_ONLY
async def test_jupyter_cookie_without_xsrf_token_is_403(
    api: ApiClient, learnflow: Any, browser: JupyterBrowser
) -> None:
    reply = await api.post("/auth/jupyter", {}, headers={"Cookie": await browser.cookie()})

    assert_error(reply, 403)
    assert identities(learnflow) == 0


@SQLITE_ONLY
async def test_jupyter_cookie_from_another_site_is_refused(
    api: ApiClient, learnflow: Any, browser: JupyterBrowser
) -> None:
    reply = await browser.sign_in(Origin="https://evil.example")

    # Jupyter answers a cross-origin cookie request as if the route did not exist.
    assert_error(reply, 404)
    assert identities(learnflow) == 0


@SQLITE_ONLY
async def test_forged_jupyter_cookie_is_401(learnflow: Any, browser: JupyterBrowser) -> None:
    reply = await browser.sign_in(f"username-127-0-0-1=forged; _xsrf={XSRF}")

    assert_error(reply, 401, "no_jupyter_identity")
    assert identities(learnflow) == 0
