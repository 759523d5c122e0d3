"""Fixtures: a real Jupyter server with LearnFlow, on SQLite and on PostgreSQL, and API clients."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url
from tornado.httpclient import HTTPResponse

from tests.chat_client import ChatSockets
from tests.postgres import throwaway_postgres

pytest_plugins = ["pytest_jupyter.jupyter_server"]

TEACHER_INVITE_CODE = "let-me-teach-2026"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "learnflow_config(**traits): extra LearnFlow traits for the test's server"
    )


# -- databases ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """URL of a PostgreSQL server where tests may create databases."""
    configured = os.environ.get("LEARNFLOW_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    with throwaway_postgres() as url:
        yield url


@contextmanager
def new_postgres_database(admin_url: str) -> Iterator[str]:
    """Create an empty PostgreSQL database; yield its URL, and drop it afterwards."""
    name = f"learnflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        _drop_when_idle(connection, name)


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    with new_postgres_database(postgres_admin_url) as url:
        yield url


def _drop_when_idle(connection: psycopg.Connection[Any], name: str) -> None:
    """Drop a test database, ending this role's sessions on it and waiting out others'.

    A session of another role (autovacuum, say) makes the drop fail unless this role
    may end it (pg_signal_backend, which .ci/run grants); such sessions end on their
    own. Each attempt ends this role's own sessions again, such as a server's pool.
    """
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            time.sleep(0.2)
    sessions = connection.execute(
        "SELECT usename, backend_type, state, query FROM pg_stat_activity WHERE datname = %s",
        (name,),
    ).fetchall()
    raise RuntimeError(f"test database {name} is still in use after 60 s: {sessions}")


#: Runs a test on SQLite only, where the database makes no difference to what it checks.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """Every test that uses the server runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'learnflow.db'}"
    return request.getfixturevalue("postgres_url")


# -- the server ---------------------------------------------------------------------------------


@pytest.fixture
def jp_server_config(database_url: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("learnflow_config")
    return {
        "ServerApp": {"jpserver_extensions": {"learnflow_ext": True}},
        "LearnFlow": {
            "database_url": database_url,
            # Cheaper hashing keeps the suite fast; the defaults have a test of their own.
            "password_hash_time_cost": 1,
            "password_hash_memory_kib": 8 * 1024,
            "password_hash_parallelism": 1,
            # Kernels start only in tests that run code.
            "execution_warm_kernels": 0,
            **(marker.kwargs if marker else {}),
        },
    }


@pytest.fixture
def learnflow(jp_serverapp: Any) -> Any:
    """The running LearnFlow extension."""
    return jp_serverapp.web_app.settings["learnflow"]


@pytest.fixture
def learnflow_log(learnflow: Any, caplog: pytest.LogCaptureFixture) -> Iterator[Any]:
    """Capture everything LearnFlow logs (its logger does not propagate to the root)."""
    previous_level = learnflow.log.level
    learnflow.log.setLevel("DEBUG")
    learnflow.log.addHandler(caplog.handler)
    yield caplog
    learnflow.log.removeHandler(caplog.handler)
    learnflow.log.setLevel(previous_level)


@dataclass
class Response:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ApiClient:
    """An external frontend: it speaks only the REST API and holds no Jupyter credentials."""

    def __init__(self, http_client: Any, base_url: str) -> None:
        self._http = http_client
        self.root = f"{base_url}learnflow/api"

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body)
            headers.setdefault("Content-Type", "application/json")
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = b""
        reply: HTTPResponse = await self._http.fetch(
            self.root + path,
            method=method,
            body=body,
            headers=headers,
            raise_error=False,
            allow_nonstandard_methods=True,
            request_timeout=30,
        )
        return Response(reply.code, reply.headers, reply.body or b"")

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Response:
        return await self.request("POST", path, json_body=json_body, **kwargs)

    async def put(self, path: str, json_body: Any = None, **kwargs: Any) -> Response:
        return await self.request("PUT", path, json_body=json_body, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Response:
        return await self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(jp_serverapp: Any, http_server_client: Any, jp_base_url: str) -> ApiClient:
    return ApiClient(http_server_client, jp_base_url)


@pytest.fixture
def chat_sockets(api: ApiClient, jp_http_port: int, jp_base_url: str) -> Iterator[ChatSockets]:
    """Chat WebSockets to the server (``api`` starts it listening), closed after the test."""
    sockets = ChatSockets(f"ws://localhost:{jp_http_port}{jp_base_url}learnflow/api/chat/ws")
    yield sockets
    sockets.close_all()


# -- accounts -----------------------------------------------------------------------------------


@dataclass
class Account:
    id: str
    email: str
    password: str
    name: str
    role: str
    token: str


@pytest.fixture
def make_account(api: ApiClient, learnflow: Any, jp_asyncio_loop: Any) -> Any:
    """Create an account (teachers through the operator's path) and sign it in."""

    def make(role: str = "student", name: str = "Sam Student") -> Account:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        password = f"pw-{uuid.uuid4().hex}"
        user = learnflow.accounts.create_user(email=email, password=password, name=name, role=role)
        reply = jp_asyncio_loop.run_until_complete(
            api.post("/auth/login", {"email": email, "password": password})
        )
        assert reply.status == 200, reply.body
        return Account(user["id"], email, password, name, role, reply.json()["access_token"])

    return make


@pytest.fixture
def student(make_account: Any) -> Account:
    return make_account("student", "Ada Student")


@pytest.fixture
def other_student(make_account: Any) -> Account:
    return make_account("student", "Bo Student")


@pytest.fixture
def teacher(make_account: Any) -> Account:
    return make_account("teacher", "Tess Teacher")


def assert_error(reply: Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert ``reply`` is the JSON error body with ``status`` (and ``code``); return it."""
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"code", "message", "reason", "details"}
    assert "Traceback" not in reply.body.decode()
    if code is not None:
        assert body["code"] == code
    return body
