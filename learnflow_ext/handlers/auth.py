"""Registration, sign-in, sign-out and the signed-in account."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

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
