"""A server run by an ordinary user: the sandbox then rests on user namespaces.

Run as root, these tests install LearnFlow into a virtual environment of the system's
Python (the one running the tests may live where other users cannot read) and start
the server as ``nobody``. Run by an ordinary user, they start the server as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import call, live_server

REPOSITORY = Path(__file__).resolve().parent.parent
UNPRIVILEGED_USER = "nobody"
SYSTEM_PYTHON = "/usr/bin/python3"
# Creating the environment and installing into it takes a minute or two.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def unprivileged_python() -> Iterator[tuple[str, str | None]]:
    """Return the interpreter and the account the unprivileged server runs with."""
    if os.geteuid() != 0:
        yield sys.executable, None
        return
    place = Path(tempfile.mkdtemp(prefix="learnflow-unprivileged-"))
    try:
        place.chmod(0o755)
        venv = place / "venv"
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", str(REPOSITORY)],
            check=True,
            capture_output=True,
        )
        yield str(venv / "bin" / "python"), UNPRIVILEGED_USER
    finally:
        shutil.rmtree(place, ignore_errors=True)


@pytest.fixture(scope="module")
def server(unprivileged_python: tuple[str, str | None]) -> Iterator[dict[str, Any]]:
    """A live server run by the unprivileged account, and a student signed in to it."""
    python, user = unprivileged_python
    home = Path(tempfile.mkdtemp(prefix="learnflow-unprivileged-home-"))
    try:
        if user is not None:
            account = pwd.getpwnam(user)
            os.chown(home, account.pw_uid, account.pw_gid)
        database = home / "learnflow.db"
        settings = ["--LearnFlow.execution_warm_kernels=1", "--LearnFlow.wall_time_limit_s=3"]
        with live_server(home, f"sqlite:///{database}", *settings, python=python, user=user) as api:
            email, password = f"ada-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery"
            call(api, "POST", "/auth/register", {"email": email, "password": password, "name": "A"})
            token = call(api, "POST", "/auth/login", {"email": email, "password": password})
            yield {"api": api, "token": token["access_token"], "home": home, "database": database}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(server: dict[str, Any], code: str) -> dict[str, Any]:
    body = {"code": code, "language": "python"}
    return call(server["api"], "POST", "/code/execute", body, server["token"])


def test_unprivileged_server_runs_code_in_a_sandbox(server: dict[str, Any]) -> None:
    result = run(server, "import os\nprint(os.getpid())")

    # In a PID namespace of its own, the run sees only the sandbox's few processes.
    assert result["status"] == "ok"
    assert int(result["output"]) < 100


def test_unprivileged_server_log_names_user_namespaces_instead_of_a_uid(
    server: dict[str, Any],
) -> None:
    log = (server["home"] / "server.log").read_text()

    assert "code execution: sandbox with" in log
    assert "the server's uid" in log


def test_unprivileged_servers_database_is_not_visible_to_code(server: dict[str, Any]) -> None:
    result = run(server, f"print(open({str(server['database'])!r}, 'rb').read(16))")

    assert result["status"] == "error"
    assert "FileNotFoundError" in result["errors"]


def test_unprivileged_server_cannot_be_reached_from_code(server: dict[str, Any]) -> None:
    port = int(server["api"].split(":")[2].split("/")[0])
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)"

    result = run(server, code)

    assert result["status"] == "error"
    assert "ConnectionRefusedError" in result["errors"]


def test_unprivileged_server_answers_after_a_persistent_fork_bomb(
    server: dict[str, Any],
) -> None:
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    run(server, bomb)

    following = run(server, "print('fine')")

    assert (following["status"], following["output"]) == ("ok", "fine\n")
