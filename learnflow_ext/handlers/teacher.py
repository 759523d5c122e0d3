"""Teachers' views of the class, and re-reading the course after editing it."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from .base import LearnFlowHandler


class ClassProgressHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        """Every student's progress and mastery, and each exercise's attempts and pass rate."""
        self.require_teacher()

        self.reply(await self.run(self.learnflow.progress.class_progress))


class CourseReloadHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self) -> None:
        """Read the course directory again; report notebooks left out, keep the rest."""
        teacher = self.require_teacher()

        summary = await self.learnflow.reload_course_async()
        self.log.info(
            "course reloaded by %s: %d modules, %d lessons, %d exercises, %d problems",
            teacher["id"],
            summary.modules,
            summary.lessons,
            summary.exercises,
            summary.problems,
        )

        self.reply(
            {
                "modules": summary.modules,
                "lessons": summary.lessons,
                "exercises": summary.exercises,
                "problems": summary.reported,
            }
        )
