"""Topics and their exercises (without hidden tests or solutions), and graded submissions."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from ..errors import FieldProblem, InvalidInputError
from ..models import DIFFICULTIES
from ..schemas import SubmissionRequest
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


class ExerciseNotebookHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, exercise_id: str) -> None:
        """Return a notebook of an exercise's prompt and starter code, for a student to open."""
        self.reply(await self.run(self.learnflow.courses.exercise_notebook, exercise_id))


class TopicCollectionHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        """List every topic with its exercises per difficulty, and the caller's mastery of it."""
        user_id = self.learnflow_user["id"] if self.learnflow_user else None

        self.reply(await self.run(self.learnflow.progress.topics_with_mastery, user_id))


class SubmissionCollectionHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def post(self, exercise_id: str) -> None:
        """Grade the caller's code against the exercise's hidden tests, and keep the result."""
        user = self.require_user()
        body = self.parse_body(SubmissionRequest)

        submission = await self.learnflow.submissions.submit(
            user_id=user["id"], exercise_id=exercise_id, code=body.code
        )

        self.set_header("Location", f"{self.request.path.rstrip('/')}/{submission['id']}")
        self.reply(submission, status=201)

    @allow_unauthenticated
    async def get(self, exercise_id: str) -> None:
        """List the caller's submissions of the exercise; teachers may name a student."""
        user = self.require_user()
        user_id = self.get_query_argument("user_id", None)

        submissions = await self.run(
            self.learnflow.submissions.list_submissions,
            caller=user,
            exercise_id=exercise_id,
            user_id=user_id,
        )

        self.reply(submissions)


class SubmissionHandler(LearnFlowHandler):
    @allow_unauthenticated
    async def get(self, exercise_id: str, submission_id: str) -> None:
        """Return one submission: the student's own, or any student's for a teacher."""
        user = self.require_user()

        submission = await self.run(
            self.learnflow.submissions.get_submission,
            caller=user,
            exercise_id=exercise_id,
            submission_id=submission_id,
        )

        self.reply(submission)
