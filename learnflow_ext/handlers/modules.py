"""Modules of the course and their lessons; public, since the course is no secret."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from .base import LearnFlowHandler


class ModuleCollectionHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        """List the modules in course order, each with its lessons."""
        self.reply(await self.run(self.learnflow.courses.list_modules))


class ModuleHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, module_id: str) -> None:
        """Return one module with its lessons."""
        self.reply(await self.run(self.learnflow.courses.get_module, module_id))


class LessonHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, lesson_id: str) -> None:
        """Return one lesson as Markdown, with the module it belongs to."""
        self.reply(await self.run(self.learnflow.courses.get_lesson, lesson_id))


class LessonNotebookHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, lesson_id: str) -> None:
        """Return a lesson's notebook, without outputs, for a student to open and run."""
        self.reply(await self.run(self.learnflow.courses.lesson_notebook, lesson_id))
