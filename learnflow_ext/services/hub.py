"""Single sign-on through JupyterHub: its OAuth for services, and who is a teacher.

When LearnFlow runs as a JupyterHub service, the hub vouches for the person in
the browser. The sign-in goes:

1. ``GET …/auth/hub/login`` keeps a random state (and a PKCE verifier) in a
   signed cookie and redirects to the hub's ``/hub/api/oauth2/authorize``.
2. The hub, which already knows the person, redirects back to
   ``{service prefix}oauth_callback`` with a one-time code. The callback checks
   the state, trades the code for the person's hub token, and keeps that token in
   a signed, HTTP-only cookie of the service's own path.
3. ``GET …/auth/hub`` asks the hub who holds that token and answers with a
   LearnFlow access token for their account, as ``POST /auth/login`` does. With
   ``?user=NAME`` (JupyterLab sends the hub user whose server it runs on), a cookie
   of someone else, left by an earlier person in the same browser, counts as none.

Hub tokens never reach the page's scripts: only an HTTP-only cookie of the
service's own path carries one, and no LearnFlow route takes one in a header. A
LearnFlow token is signed by LearnFlow's own secret, which the hub does not know.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..errors import AuthenticationError, ServiceUnavailableError

#: Signed cookie holding the person's hub token, readable only by the service's own path.
TOKEN_COOKIE = "learnflow-hub-token"  # noqa: S105 - a cookie name, not a secret
#: Signed cookie holding the state of a sign-in under way.
STATE_COOKIE = "learnflow-hub-oauth-state"
#: How long a sign-in may take between leaving for the hub and coming back.
STATE_MAX_AGE_S = 600


def running_as_hub_service() -> bool:
    """Whether JupyterHub started this process as a service (not as a user's server)."""
    return bool(os.environ.get("JUPYTERHUB_API_TOKEN")) and not os.environ.get("JUPYTERHUB_USER")


def running_in_hub_user_server() -> bool:
    """Whether this process is a JupyterHub user's single-user server."""
    return bool(os.environ.get("JUPYTERHUB_USER"))


@dataclass(frozen=True)
class HubPerson:
    """Who the hub says holds a token, and the LearnFlow role that follows."""

    name: str
    role: str


class HubSignIn:
    """The service's side of JupyterHub's OAuth, from the environment the hub gives it."""

    def __init__(self, *, teacher_group: str, log: logging.Logger) -> None:
        # Imported here: jupyterhub is only needed where LearnFlow runs under a hub.
        from jupyterhub.services.auth import HubOAuth

        self.oauth = HubOAuth()
        self.teacher_group = teacher_group
        self.log = log

    @property
    def cookie_path(self) -> str:
        """The service's URL prefix: its cookies go to no other path of the hub."""
        return self.oauth.base_url

    def start(self) -> tuple[str, str]:
        """Return a new sign-in's state cookie value and the hub URL to send the browser to."""
        state = secrets.token_urlsafe(24)
        verifier, challenge, method = self.oauth.generate_pkce_code_challenge()
        url = (
            self.oauth.login_url
            + "&"
            + urlencode(
                {"state": state, "code_challenge": challenge, "code_challenge_method": method}
            )
        )
        return json.dumps({"state": state, "verifier": verifier}), url

    async def finish(self, *, cookie_value: bytes | None, state: str, code: str) -> str:
        """Check the state the hub sent back, and trade ``code`` for the person's hub token."""
        try:
            expected = json.loads(cookie_value or b"{}")
        except ValueError:
            expected = {}
        if not state or not hmac.compare_digest(
            str(expected.get("state", "")).encode(), state.encode()
        ):
            raise AuthenticationError(
                "this sign-in did not start here, or took too long; start it again",
                code="hub_state_mismatch",
            )
        try:
            return await self.oauth.token_for_code(
                code, code_verifier=expected.get("verifier"), sync=False
            )
        except Exception as error:
            self.log.warning("JupyterHub refused to trade a sign-in code: %s", _reason(error))
            raise AuthenticationError(
                "JupyterHub did not confirm this sign-in; start it again",
                code="hub_code_refused",
            ) from None

    async def person(self, hub_token: str) -> HubPerson:
        """Return who holds ``hub_token``, asking the hub; raise 401 if it no longer vouches."""
        try:
            # Not from the cache: the hub revokes a session's tokens when it signs out.
            model = await self.oauth.user_for_token(hub_token, use_cache=False, sync=False)
        except Exception as error:
            self.log.warning("could not ask JupyterHub who is signed in: %s", _reason(error))
            raise ServiceUnavailableError(
                "JupyterHub did not answer; try again shortly",
                retry_after_s=5,
                code="hub_unavailable",
            ) from None
        if not model or model.get("kind", "user") != "user":
            raise AuthenticationError(
                "JupyterHub no longer vouches for this sign-in; sign in again",
                code="hub_sign_in_expired",
            )
        return HubPerson(name=model["name"], role=self.role_of(model))

    def role_of(self, model: dict[str, Any]) -> str:
        """Teachers are hub admins and members of the teacher group; everyone else learns."""
        if model.get("admin"):
            return "teacher"
        if self.teacher_group and self.teacher_group in (model.get("groups") or []):
            return "teacher"
        return "student"


def _reason(error: Exception) -> str:
    """A one-line reason for the log, without anything a token could hide in."""
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if status else type(error).__name__
