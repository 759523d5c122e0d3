"""Progress and mastery per module."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from ..schemas import ProgressUpdate
from .base import LearnFlowHandler


class ModuleProgressHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def put(self, module_id: str) -> None:
        """Set the caller's progress and mastery in one module."""
        user = self.require_user()
        body = self.parse_body(ProgressUpdate)

        record = await self.run(
            self.learnflow.progress.set_module_progress,
            user_id=user["id"],
            module_id=module_id,
            progress=body.progress,
            mastery=body.mastery,
        )

        self.reply(record)


class UserProgressHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, user_id: str) -> None:
        """List a user's progress: students their own, teachers any student's."""
        user = self.require_user()

        records = await self.run(self.learnflow.progress.progress_of, caller=user, user_id=user_id)

        self.reply(records)
