"""Topics and their exercises, without hidden tests or solutions."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from ..errors import FieldProblem, InvalidInputError
from ..models import DIFFICULTIES
from .base import LearnFlowHandler


class TopicExercisesHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, topic: str) -> None:
        """List a topic's exercises, optionally only those of one difficulty."""
        difficulty = self.get_query_argument("difficulty", None)
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise InvalidInputError(
                f"difficulty {difficulty!r} does not exist",
                problems=[FieldProblem("difficulty", f"must be one of {', '.join(DIFFICULTIES)}")],
            )

        exercises = await self.run(self.learnflow.courses.exercises_by_topic, topic, difficulty)

        self.reply(exercises)


class ExerciseHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, exercise_id: str) -> None:
        """Return one exercise: its prompt, starter code, topic, difficulty and module."""
        self.reply(await self.run(self.learnflow.courses.get_exercise, exercise_id))


class TopicCollectionHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        """List every topic of the course with its number of exercises per difficulty."""
        self.reply(await self.run(self.learnflow.courses.list_topics))
