"""Running Python code in a sandboxed kernel."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from ..schemas import ExecuteRequest
from .base import LearnFlowHandler


class ExecuteHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self) -> None:
        """Run the caller's code on their own sandboxed kernel."""
        user = self.require_user()
        body = self.parse_body(ExecuteRequest)

        result = await self.learnflow.execution.execute(
            user_id=user["id"], code=body.code, language=body.language
        )

        self.reply(result)
