"""A real JupyterHub for the tests: its proxy, a local spawner, and LearnFlow as its service.

The hub runs the shipped configuration (``jupyter-config/jupyterhub_config.d``) and
adds only what a test machine needs: everything on 127.0.0.1, the ``dummy``
authenticator with one password, the ``simple`` local spawner, and
configurable-http-proxy from the lab extension's development dependencies.
``HubBrowser`` then does what a browser does: signs in to the hub with its form and
follows the redirects of LearnFlow's sign-in.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.live_server import free_port, stop

REPO = Path(__file__).resolve().parent.parent
SNIPPET = REPO / "jupyter-config" / "jupyterhub_config.d" / "learnflow.py"
PROXY = REPO / "labextension" / "node_modules" / ".bin" / "configurable-http-proxy"
BUILT_EXTENSION = REPO / "learnflow_ext" / "labextension"
PASSWORD = "hub-test-password"
START_TIMEOUT_S = 90

TEST_CONFIG = """\
c = get_config()
load_subconfig({snippet!r})

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = "sqlite:///{home}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{home}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{home}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.Authenticator.admin_users = {admins!r}
c.JupyterHub.load_groups = {groups!r}

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{home}/users/{{username}}"
c.Spawner.args = ["--allow-root", "--LabApp.expose_app_in_browser=True"]
# Users' JupyterLab serves the extension built in this checkout.
# ...and shows no news or update pop-ups over the panels.
c.Spawner.environment = {{
    "JUPYTER_DATA_DIR": "{home}/user-data",
    "JUPYTERLAB_SETTINGS_DIR": "{home}/user-settings",
}}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = {start_timeout}
c.Spawner.http_timeout = {start_timeout}

{extra}
"""

SECOND_SERVICE = """\
import os
import shutil
import sys

c.JupyterHub.services.append(
    {{
        "name": "learnflow-2",
        "url": "http://127.0.0.1:{port}",
        "command": [
            shutil.which("jupyter-learnflow", path=os.path.dirname(sys.executable)), "serve"
        ],
        "environment": {{name: os.environ[name] for name in {names!r} if name in os.environ}},
        "oauth_no_confirm": True,
    }}
)
c.JupyterHub.load_roles.append(
    {{"name": "learnflow-2-users", "scopes": ["access:services!service=learnflow-2"],
      "users": {users!r}}}
)
"""


@dataclass
class Hub:
    """A running hub: its public URL, and the URL prefix of each LearnFlow service."""

    url: str
    services: list[str]
    home: Path
    log: Path
    users: list[str] = field(default_factory=list)

    def api_root(self, service: str = "learnflow") -> str:
        """The LearnFlow API of ``service``, through the hub's proxy."""
        return f"{self.url}/services/{service}/learnflow/api"


@contextmanager
def running_hub(
    home: Path,
    database_url: str,
    *,
    admins: tuple[str, ...] = (),
    groups: dict[str, list[str]] | None = None,
    second_service_users: tuple[str, ...] | None = None,
) -> Iterator[Hub]:
    """Start JupyterHub with LearnFlow as its service on ``database_url``; stop it after.

    With ``second_service_users``, a second LearnFlow process runs as the service
    ``learnflow-2`` on the same database, and those users may sign in to it.
    """
    if not PROXY.exists():
        raise RuntimeError(f"{PROXY} is missing: install the lab extension's dependencies")
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    services = ["learnflow"]
    # What the shipped configuration passes on to its service.
    passed = [
        "LEARNFLOW_DATABASE_URL",
        "LEARNFLOW_JWT_SECRET",
        "PATH",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
    ]
    extra = ""
    if second_service_users is not None:
        services.append("learnflow-2")
        extra = SECOND_SERVICE.format(
            port=free_port(), names=passed, users=list(second_service_users)
        )
    extensions = home / "user-data" / "labextensions" / "@learnflow"
    extensions.mkdir(parents=True, exist_ok=True)
    (extensions / "labextension").symlink_to(BUILT_EXTENSION, target_is_directory=True)
    notifications = home / "user-settings" / "@jupyterlab" / "apputils-extension"
    notifications.mkdir(parents=True, exist_ok=True)
    (notifications / "notification.jupyterlab-settings").write_text(
        json.dumps({"checkForUpdates": False, "fetchNews": "false"})
    )
    config = home / "jupyterhub_config.py"
    config.write_text(
        TEST_CONFIG.format(
            snippet=str(SNIPPET),
            port=port,
            hub_port=free_port(),
            proxy=str(PROXY),
            proxy_api_port=free_port(),
            home=home,
            password=PASSWORD,
            admins=set(admins),
            groups=groups or {},
            start_timeout=START_TIMEOUT_S,
            extra=extra,
        )
    )
    service_home = home / "service"
    env = {
        **os.environ,
        "LEARNFLOW_DATABASE_URL": database_url,
        "LEARNFLOW_JWT_SECRET": secrets.token_hex(32),
        "LEARNFLOW_SERVICE_URL": f"http://127.0.0.1:{free_port()}",
        "JUPYTER_CONFIG_DIR": str(service_home / "config"),
        "JUPYTER_DATA_DIR": str(service_home / "data"),
        "JUPYTER_RUNTIME_DIR": str(service_home / "runtime"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("LEARNFLOW_API_URL", None)
    log_path = home / "jupyterhub.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=home,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    hub = Hub(url=f"http://127.0.0.1:{port}", services=services, home=home, log=log_path)
    try:
        for service in services:
            _wait_until_serving(f"{hub.api_root(service)}/modules", process, log_path)
        yield hub
    finally:
        stop(process)


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited early:\n{log.read_text()[-5000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"{url} did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-5000:]}"
    )


class HubBrowser:
    """One person's browser: the hub's cookies, and the LearnFlow token it was given."""

    def __init__(self, hub: Hub, name: str) -> None:
        self.hub = hub
        self.name = name
        self.session = requests.Session()
        self.token = ""

    def sign_in_to_hub(self) -> None:
        """Fill in the hub's login form, as the person would."""
        page = self.session.get(f"{self.hub.url}/hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf"[^>]*value="([^"]+)"', page.text)
        reply = self.session.post(
            f"{self.hub.url}/hub/login?next=",
            data={
                "username": self.name,
                "password": PASSWORD,
                "_xsrf": xsrf.group(1) if xsrf else "",
            },
            allow_redirects=False,
            timeout=30,
        )
        if reply.status_code != 302:
            raise AssertionError(f"hub login answered {reply.status_code}: {reply.text[:500]}")

    def open_jupyterlab(self) -> requests.Response:
        """Start the person's server through the hub and return its JupyterLab page."""
        self.session.get(f"{self.hub.url}/hub/spawn", timeout=60)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            page = self.session.get(f"{self.hub.url}/user/{self.name}/lab", timeout=60)
            if page.ok and page.url.endswith(f"/user/{self.name}/lab"):
                return page
            time.sleep(0.5)
        raise AssertionError(
            f"{self.name}'s server did not start:\n{self.hub.log.read_text()[-3000:]}"
        )

    def sign_in_to_learnflow(self, service: str = "learnflow") -> dict[str, Any]:
        """Open LearnFlow's hub sign-in and follow its redirects; keep and return the answer."""
        reply = self.session.get(
            f"{self.hub.api_root(service)}/auth/hub/login",
            headers={"Accept": "application/json"},
            timeout=60,
        )
        if reply.status_code != 200:
            raise AssertionError(f"LearnFlow sign-in answered {reply.status_code}: {reply.text}")
        login = reply.json()
        self.token = login["access_token"]
        return login

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        service: str = "learnflow",
        expect: int | None = None,
    ) -> Any:
        """Send a LearnFlow API request with this person's bearer token; return the JSON."""
        reply = requests.request(
            method,
            f"{self.hub.api_root(service)}{path}",
            data=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            timeout=60,
        )
        if expect is not None and reply.status_code != expect:
            raise AssertionError(
                f"{method} {path} answered {reply.status_code}, not {expect}: {reply.text}"
            )
        if expect is None and not reply.ok:
            raise AssertionError(f"{method} {path} answered {reply.status_code}: {reply.text}")
        return reply.json() if reply.content else None
