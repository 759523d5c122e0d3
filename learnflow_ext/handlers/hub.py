"""Sign-in through JupyterHub, when LearnFlow runs as a hub service (see services/hub.py)."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from ..errors import AuthenticationError, MalformedRequestError, NotFoundError
from ..services.hub import STATE_COOKIE, STATE_MAX_AGE_S, TOKEN_COOKIE, HubSignIn
from .base import LearnFlowHandler

SECONDS_PER_DAY = 24 * 3600


class HubHandler(LearnFlowHandler):
    """A handler of the hub sign-in; 404 where LearnFlow is not a JupyterHub service."""

    def hub(self) -> HubSignIn:
        if self.learnflow.hub is None:
            raise NotFoundError(
                "this LearnFlow server is not a JupyterHub service; sign in with a password",
                code="hub_sign_in_unavailable",
            )
        return self.learnflow.hub

    def set_service_cookie(self, name: str, value: str, **options: object) -> None:
        """Set a signed, HTTP-only cookie that only the service's own path receives."""
        self.set_secure_cookie(
            name,
            value,
            path=self.hub().cookie_path,
            httponly=True,
            secure=self.request.protocol == "https",
            samesite="Lax",
            **options,
        )


class HubLoginHandler(HubHandler):
    @allow_unauthenticated
    def get(self) -> None:
        """Send the browser to JupyterHub to confirm who it is."""
        state_cookie, hub_url = self.hub().start()

        self.set_service_cookie(
            STATE_COOKIE, state_cookie, expires_days=None, max_age=STATE_MAX_AGE_S
        )
        self.redirect(hub_url)


class HubCallbackHandler(HubHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        """Finish the hub's sign-in, keep the person's hub token, and go to ``/auth/hub``."""
        hub = self.hub()
        refusal = self.get_argument("error", "")
        if refusal:
            reason = self.get_argument("error_description", refusal)
            raise AuthenticationError(
                f"JupyterHub refused the sign-in: {reason}", code="hub_sign_in_refused"
            )
        code = self.get_argument("code", "")
        if not code:
            raise MalformedRequestError("the hub's answer carries no code", code="hub_code_missing")
        state_cookie = self.get_secure_cookie(
            STATE_COOKIE, max_age_days=STATE_MAX_AGE_S / SECONDS_PER_DAY
        )
        self.clear_cookie(STATE_COOKIE, path=hub.cookie_path)

        try:
            hub_token = await hub.finish(
                cookie_value=state_cookie, state=self.get_argument("state", ""), code=code
            )
        except AuthenticationError as error:
            self.log.warning(
                "refused JupyterHub sign-in from %s: %s", self.request.remote_ip, error.code
            )
            raise

        self.set_service_cookie(TOKEN_COOKIE, hub_token, expires_days=None)
        from ..app import API_ROOT

        self.redirect(f"{self.base_url}{API_ROOT}/auth/hub")


class HubSignInHandler(HubHandler):
    """Answer with a LearnFlow token for the person JupyterHub vouches for.

    Only the service's own cookie counts, set by the callback above; a hub token in
    a header is never looked at, and a bearer token must be LearnFlow's own. With
    ``?user=NAME``, a cookie of another hub user is cleared and counts as none.
    """

    @allow_unauthenticated
    async def get(self) -> None:
        """Exchange the hub sign-in for a LearnFlow access token."""
        hub = self.hub()
        hub_token = self.get_secure_cookie(TOKEN_COOKIE)
        if not hub_token:
            raise AuthenticationError(
                f"no JupyterHub sign-in yet: open {self.request.path}/login first",
                code="hub_sign_in_required",
            )

        try:
            person = await hub.person(hub_token.decode())
            expected = self.get_argument("user", "")
            if expected and person.name != expected:
                raise AuthenticationError(
                    f"the browser's JupyterHub sign-in is not {expected!r}'s: open "
                    f"{self.request.path}/login",
                    code="hub_sign_in_required",
                )
        except AuthenticationError:
            self.clear_cookie(TOKEN_COOKIE, path=hub.cookie_path)
            raise
        session = await self.run(
            self.learnflow.accounts.sign_in_external,
            provider="jupyterhub",
            subject=person.name,
            name=person.name,
            role=person.role,
        )

        self.reply(session)
