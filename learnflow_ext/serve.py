"""``jupyter learnflow serve``: a Jupyter server that serves LearnFlow and nothing else.

This is how LearnFlow runs as a JupyterHub service, or on its own for external
frontends. No other server extension is loaded, and no one can sign in to the
Jupyter server itself, so its own routes (files, kernels, terminals) answer 403
to everyone; the LearnFlow API has its own accounts and tokens. Started by
JupyterHub, it listens where the hub's environment says and serves under the
service's URL prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Any
from urllib.parse import urlsplit

from jupyter_server.auth.identity import IdentityProvider
from jupyter_server.serverapp import ServerApp
from traitlets import default

from .services.hub import running_as_hub_service


class NobodyIdentityProvider(IdentityProvider):
    """Signs no one in to the Jupyter server: only LearnFlow's own routes are of use."""

    @default("token")
    def _token_default(self) -> str:
        # Kept so Jupyter's auth stays on; it signs no one in, so it is never shown.
        return secrets.token_hex(24)

    def get_user(self, handler: Any) -> None:
        """Nobody is a Jupyter user here."""
        return None

    @property
    def login_available(self) -> bool:
        return False


class LearnFlowServer(ServerApp):
    """A Jupyter server running only the LearnFlow extension."""

    description = __doc__

    @default("identity_provider_class")
    def _default_identity_provider_class(self) -> type[IdentityProvider]:
        return NobodyIdentityProvider

    @default("open_browser")
    def _default_open_browser(self) -> bool:
        return False

    @default("terminals_enabled")
    def _default_terminals_enabled(self) -> bool:
        return False

    @default("base_url")
    def _default_base_url(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")

    @default("ip")
    def _default_ip(self) -> str:
        if running_as_hub_service() and "JUPYTERHUB_SERVICE_URL" in os.environ:
            return urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"]).hostname or "127.0.0.1"
        return "127.0.0.1"

    @default("port")
    def _default_port(self) -> int:
        if running_as_hub_service() and "JUPYTERHUB_SERVICE_URL" in os.environ:
            return urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"]).port or 8888
        return int(os.environ.get("JUPYTER_PORT", 8888))

    @default("cookie_secret")
    def _default_cookie_secret(self) -> bytes:
        # Processes sharing LEARNFLOW_JWT_SECRET accept each other's cookies too, so a
        # hub sign-in that another replica started finishes on this one.
        shared = os.environ.get("LEARNFLOW_JWT_SECRET", "")
        if shared:
            return hmac.new(shared.encode(), b"learnflow cookie secret", hashlib.sha256).digest()
        return super()._default_cookie_secret()

    @default("allow_root")
    def _default_allow_root(self) -> bool:
        # Nobody signs in to this server, and as root it runs each kernel as its own uid.
        return True

    @default("port_retries")
    def _default_port_retries(self) -> int:
        # The hub's proxy sends the service's requests to exactly this port.
        return 0 if running_as_hub_service() else 50

    @default("allow_remote_access")
    def _default_allow_remote_access(self) -> bool:
        # Behind the hub's proxy, requests name the hub's public host.
        return running_as_hub_service()

    def init_server_extensions(self) -> None:
        """Load LearnFlow, whatever other extensions the configuration enables."""
        self.jpserver_extensions = {"learnflow_ext": True}
        super().init_server_extensions()
