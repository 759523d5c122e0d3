"""``jupyter learnflow serve``: a Jupyter server with LearnFlow and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from learnflow_ext.serve import LearnFlowServer
from tests.live_server import free_port

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running ``jupyter learnflow serve`` on SQLite; its base URL."""
    home = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "LEARNFLOW_DATABASE_URL": f"sqlite:///{home / 'learnflow.db'}",
    }
    command = [
        str(Path(sys.executable).parent / "jupyter-learnflow"),
        "serve",
        f"--port={port}",
        "--LearnFlow.execution_warm_kernels=0",
    ]
    log = (home / "serve.log").open("w")
    process = subprocess.Popen(command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (home / "serve.log").read_text()
            try:
                if requests.get(f"{url}/learnflow/api/modules", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_serve_answers_the_learnflow_api(served: str) -> None:
    reply = requests.get(f"{served}/learnflow/api/modules", timeout=10)

    assert reply.status_code == 200
    assert len(reply.json()) > 0


@pytest.mark.parametrize("path", ["/api/contents", "/api/kernels", "/api/sessions", "/api/me"])
def test_serve_lets_nobody_use_jupyters_own_routes(served: str, path: str) -> None:
    reply = requests.get(f"{served}{path}", timeout=10)

    assert reply.status_code == 403


@pytest.mark.parametrize("path", ["/lab", "/api/terminals", "/login"])
def test_serve_loads_no_other_extension(served: str, path: str) -> None:
    reply = requests.get(f"{served}{path}", timeout=10)

    assert reply.status_code == 404


def test_processes_sharing_the_token_secret_accept_each_others_cookies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEARNFLOW_JWT_SECRET", "s" * 32)
    first, second = LearnFlowServer().cookie_secret, LearnFlowServer().cookie_secret
    monkeypatch.setenv("LEARNFLOW_JWT_SECRET", "t" * 32)
    other = LearnFlowServer().cookie_secret

    assert first == second
    assert first != other
    assert b"s" * 32 not in first
