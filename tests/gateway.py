"""A real Jupyter Enterprise Gateway for the tests, serving LearnFlow's kernel spec.

Enterprise Gateway 3.3 needs older jupyter_client and jupyter_server than LearnFlow,
so it runs from a virtual environment of its own, made once with pip and kept in
~/.cache/learnflow (not below /tmp: the sandbox gives kernels a /tmp of their own,
which would hide the environment's Python from them).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.live_server import free_port, stop

REPO = Path(__file__).resolve().parent.parent
KERNEL_SPEC = REPO / "kernels" / "learnflow-python"
GATEWAY = "jupyter_enterprise_gateway==3.3.*"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "learnflow"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Gateway:
    url: str
    auth_token: str
    log: Path


def gateway_environment() -> Path:
    """Return the bin/ directory of a virtual environment with Enterprise Gateway."""
    venv = CACHE / "enterprise-gateway-3.3"
    done = venv / ".installed"
    wanted = f"{GATEWAY}\n{(KERNEL_SPEC / 'requirements.txt').read_text()}"
    if not done.exists() or done.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", GATEWAY,
             "-r", str(KERNEL_SPEC / "requirements.txt")],
            check=True,
        )  # fmt: skip
        done.write_text(wanted)
    return venv / "bin"


@contextmanager
def running_gateway(home: Path) -> Iterator[Gateway]:
    """Start Enterprise Gateway with only LearnFlow's kernel spec; stop it after."""
    bin_dir = gateway_environment()
    kernels = home / "jupyter" / "kernels"
    kernels.mkdir(parents=True, exist_ok=True)
    (kernels / KERNEL_SPEC.name).symlink_to(KERNEL_SPEC, target_is_directory=True)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "JUPYTER_PATH": str(home / "jupyter"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "LEARNFLOW_GATEWAY_ROOT": str(home / "sandboxes"),
    }
    command = [
        str(bin_dir / "jupyter-enterprisegateway"),
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port_retries=0",
        f"--EnterpriseGatewayApp.auth_token={token}",
        "--KernelSpecManager.whitelist=['learnflow-python']",
        "--EnterpriseGatewayApp.list_kernels=True",
        "--EnterpriseGatewayApp.default_kernel_name=learnflow-python",
    ]
    log_path = home / "gateway.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    gateway = Gateway(url=f"http://127.0.0.1:{port}", auth_token=token, log=log_path)
    try:
        _wait_until_serving(gateway, process)
        yield gateway
    finally:
        stop(process)


def _wait_until_serving(gateway: Gateway, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    request = urllib.request.Request(
        f"{gateway.url}/api/kernelspecs", headers={"Authorization": f"token {gateway.auth_token}"}
    )
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited early:\n{gateway.log.read_text()[-5000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise RuntimeError(f"the gateway did not start in time:\n{gateway.log.read_text()[-5000:]}")


def gateway_kernels(gateway: Gateway) -> list[dict]:
    """The kernels the gateway is running."""
    import json

    request = urllib.request.Request(
        f"{gateway.url}/api/kernels", headers={"Authorization": f"token {gateway.auth_token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())
