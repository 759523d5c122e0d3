"""A real ``jupyter server`` process with LearnFlow, for tools that need a live URL."""

from __future__ import annotations

import json
import os
import pwd
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(
    home: Path,
    database_url: str,
    *extra_args: str,
    python: str = sys.executable,
    user: str | None = None,
) -> Iterator[str]:
    """Start ``jupyter server`` with LearnFlow in ``home``; yield the API root URL.

    ``python`` is the interpreter it runs on, and ``user`` the account it runs as (only
    a root caller can choose one); by default this interpreter and this account.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "LEARNFLOW_DATABASE_URL": database_url,
    }
    if user is not None:
        env["HOME"] = str(home)
    command = [
        python,
        "-m",
        "jupyter_server",
        "--allow-root",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={home}",
        "--ServerApp.jpserver_extensions=learnflow_ext=True",
        *extra_args,
    ]
    log_path = home / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            user=user,
            group=pwd.getpwnam(user).pw_gid if user else None,
            extra_groups=[] if user else None,
        )
    api_root = f"http://127.0.0.1:{port}/learnflow/api"
    try:
        _wait_until_serving(api_root, process, log_path)
        yield api_root
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """Ask a server to stop, and kill it if it has not within ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_serving(api_root: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{api_root}/modules", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"jupyter server did not start within 60 s:\n{log.read_text()}")


def call(api_root: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    """Send one JSON request to a live server and return the decoded reply."""
    request = urllib.request.Request(
        f"{api_root}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read() or b"null")
