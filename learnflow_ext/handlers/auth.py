"""Registration, sign-in (with a password or as the Jupyter user), sign-out, the account."""

from __future__ import annotations

import getpass

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider

from ..errors import AuthenticationError
from ..schemas import LoginRequest, RegisterRequest
from .base import LearnFlowHandler


class RegisterHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self) -> None:
        """Create an account."""
        body = self.parse_body(RegisterRequest)

        user = await self.run(
            self.learnflow.accounts.register,
            email=body.email,
            password=body.password,
            name=body.name,
            role=body.role,
            invite_code=body.invite_code,
        )

        self.reply(user, status=201)


class LoginHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self) -> None:
        """Exchange an email and password for an access token."""
        body = self.parse_body(LoginRequest)

        session = await self.run(
            self.learnflow.accounts.login,
            email=body.email,
            password=body.password,
            client_address=self.request.remote_ip or "unknown",
        )

        self.reply(session)


class JupyterSignInHandler(LearnFlowHandler):
    """Sign in the person this Jupyter server has already signed in, without a password.

    Only pages of this server reach it: it needs Jupyter's login cookie and passes
    Jupyter's XSRF check, and a bearer token does not count.
    """

    @allow_unauthenticated
    async def post(self) -> None:
        """Exchange the Jupyter sign-in for a LearnFlow access token."""
        subject, name = self._jupyter_person()

        session = await self.run(
            self.learnflow.accounts.sign_in_external,
            provider="jupyter",
            subject=subject,
            name=name,
            role="teacher" if subject in self.learnflow.jupyter_teachers else "student",
        )

        self.reply(session)

    def _jupyter_person(self) -> tuple[str, str]:
        """Return the user name and display name of the Jupyter user, or raise 401."""
        user = self.current_user
        if user is None:
            raise AuthenticationError(
                "this request carries no Jupyter sign-in; sign in with email and password",
                code="no_jupyter_identity",
            )
        if type(self.identity_provider) in (IdentityProvider, PasswordIdentityProvider):
            # One shared token or password names no one but the server's owner, and
            # Jupyter makes up a new anonymous name for each browser.
            owner = getpass.getuser()
            return owner, owner
        return user.username, user.display_name or user.username


class LogoutHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self) -> None:
        """Revoke the token this request was made with; its live chat connections end."""
        token = self.bearer_token()
        user = self.require_user()

        await self.run(self.learnflow.accounts.logout, token)
        self.learnflow.chat.broker.sign_out(user["id"], token)

        self.set_status(204)
        self.finish()


class CurrentUserHandler(LearnFlowHandler):
    @allow_unauthenticated
    def get(self) -> None:
        """Return the account that holds the token."""
        self.reply(self.require_user())
