"""Progress and mastery: per module, lessons completed, and the next step to take."""

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


class LessonCompletionHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self, lesson_id: str) -> None:
        """Mark a lesson completed by the caller."""
        user = self.require_user()

        completion = await self.run(
            self.learnflow.progress.complete_lesson, user_id=user["id"], lesson_id=lesson_id
        )

        self.reply(completion)


class NextStepHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        """Recommend the caller's next lesson or exercise, with the reason."""
        user = self.require_user()

        self.reply(await self.run(self.learnflow.recommendations.next_step, user["id"]))
