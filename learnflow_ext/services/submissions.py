"""Grading submissions: running hidden tests in the sandbox, storing the result, and
updating the student's mastery of the exercise's topic.

Grading runs through the same engine, queues and quotas as ``POST /code/execute``.
The runner (``kernels/learnflow-python/runner.py``) runs the submission in a fresh
process, then the exercise's hidden tests against it, and reports each test.

A submission moves the student's mastery of its topic by one knowledge tracing step,
unless they had already passed that exercise: once solved, an exercise is no longer
evidence, so submitting a known answer again cannot inflate mastery.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from ..database import Database
from ..errors import FieldProblem, InvalidInputError, NotFoundError
from ..models import Submission, TopicMastery
from ..models.base import utc_now
from .courses import CourseService, GradableExercise
from .execution import ExecutionService
from .progress import UUID_PATTERN, ProgressService, mastery_entry

# Most characters of output and errors kept with a submission.
MAX_STORED_OUTPUT_CHARS = 10_000
DEFAULT_HINT = "This check failed. Compare what your code gives with the examples in the prompt."
# Why no test ran, for runs stopped before the tests could report.
NOT_RUN = {
    "timeout": "not run: the program ran out of time",
    "memory_limit": "not run: the program used too much memory",
    "output_limit": "not run: the program printed too much",
    "killed": "not run: the program was stopped",
    "error": "not run: the program stopped the grader before it could report",
    "ok": "not run: the program stopped the grader before it could report",
}


class SubmissionService:
    """Grade exercise submissions and keep every one of them."""

    def __init__(
        self,
        database: Database,
        *,
        courses: CourseService,
        progress: ProgressService,
        execution: ExecutionService,
    ) -> None:
        self.database = database
        self.courses = courses
        self.progress = progress
        self.execution = execution

    async def submit(self, *, user_id: str, exercise_id: str, code: str) -> dict[str, Any]:
        """Grade ``code`` against the exercise's hidden tests; store and return the result."""
        if "\x00" in code:
            # Python refuses such source anyway, and no database stores NUL in text.
            problem = FieldProblem("code", "must not contain NUL characters")
            raise InvalidInputError(f"invalid request: code: {problem.message}", problems=[problem])
        exercise = await self.database.run(self.courses.gradable_exercise, exercise_id)
        run = await self.execution.grade(
            user_id=user_id, code=code, tests=exercise.tests_code, names=exercise.test_names
        )
        graded = grade_result(exercise, run)
        return await self.database.run(self._record, user_id, exercise, code, graded)

    def _record(
        self, user_id: str, exercise: GradableExercise, code: str, graded: dict[str, Any]
    ) -> dict[str, Any]:
        tracing = self.courses.knowledge_tracing(exercise.topic)
        with self.database.transaction() as session:
            # The mastery row is locked first, so that a user's submissions on one topic
            # update it one after the other, even from several servers.
            session.execute(
                self.database.insert(TopicMastery)
                .values(
                    user_id=user_id,
                    topic=exercise.topic,
                    p_known=tracing.p_init,
                    attempts=0,
                    updated_at=utc_now(),
                )
                .on_conflict_do_nothing()
            )
            mastery = session.scalars(
                select(TopicMastery)
                .where(TopicMastery.user_id == user_id, TopicMastery.topic == exercise.topic)
                .with_for_update()
            ).one()
            solved_before = session.scalar(
                select(
                    exists().where(
                        Submission.user_id == user_id,
                        Submission.exercise_id == exercise.id,
                        Submission.status == "passed",
                    )
                )
            )
            passed = graded["status"] == "passed"
            if not solved_before:
                mastery.p_known = min(1.0, max(0.0, tracing.update(mastery.p_known, passed)))
                mastery.attempts += 1
            submission = Submission(
                user_id=user_id,
                exercise_id=exercise.id,
                topic=exercise.topic,
                code=code,
                counted=not solved_before,
                created_at=utc_now(),
                **graded,
            )
            session.add(submission)
            self.progress.start_module(session.connection(), user_id, exercise.module_id)
            session.flush()
            return {
                **submission.to_dict(),
                "mastery": mastery_entry(exercise.topic, mastery.p_known, mastery.attempts),
            }

    def list_submissions(
        self, *, caller: dict[str, str], exercise_id: str, user_id: str | None
    ) -> list[dict[str, Any]]:
        """Return one user's submissions of an exercise, oldest first.

        Students see their own; a teacher may name any student with ``user_id``.
        """
        user_id = user_id or caller["id"]
        self.progress.check_may_read(caller, user_id)
        with self.database.transaction() as session:
            CourseService.active_exercise(session, exercise_id)
            submissions = session.scalars(
                select(Submission)
                .where(Submission.user_id == user_id, Submission.exercise_id == exercise_id)
                .order_by(Submission.created_at, Submission.id)
            )
            return [submission.to_dict() for submission in submissions]

    def get_submission(
        self, *, caller: dict[str, str], exercise_id: str, submission_id: str
    ) -> dict[str, Any]:
        """Return one submission, if ``caller`` made it or is a teacher."""
        with self.database.transaction() as session:
            submission = None
            if UUID_PATTERN.fullmatch(submission_id):
                submission = session.get(Submission, submission_id)
            if submission is None or submission.exercise_id != exercise_id:
                raise NotFoundError(
                    f"no submission with id {submission_id!r}", code="submission_not_found"
                )
            user_id = submission.user_id
            record = submission.to_dict()
        if user_id != caller["id"] and caller["role"] != "teacher":
            # As for an id that does not exist: ids of others' submissions tell nothing.
            raise NotFoundError(
                f"no submission with id {submission_id!r}", code="submission_not_found"
            )
        return record


def grade_result(exercise: GradableExercise, run: dict[str, Any]) -> dict[str, Any]:
    """Turn a grading run into a submission's status, score, tests and output."""
    status = run["status"]
    tests = run["tests"]
    # A report that does not name exactly the exercise's tests is no report.
    if tests is None or [test["name"] for test in tests] != exercise.test_names:
        # The run ended before the tests reported: every test counts as failed.
        note = NOT_RUN.get(status, NOT_RUN["killed"])
        tests = [{"name": name, "passed": False, "message": note} for name in exercise.test_names]
        if status == "ok":
            status = "error"
    for test in tests:
        if not test["passed"] and not test["message"]:
            test["message"] = exercise.hint or DEFAULT_HINT
    passed = sum(test["passed"] for test in tests)
    if status == "ok":
        status = "passed" if passed == len(tests) else "failed"
    return {
        "status": status,
        "score": round(passed / len(tests), 4) if tests else 0.0,
        "tests": tests,
        "output": _cut(run["output"]),
        "errors": _cut(run["errors"]),
        "execution_time": run["execution_time"],
    }


def _cut(text: str) -> str:
    if len(text) <= MAX_STORED_OUTPUT_CHARS:
        return text
    return text[:MAX_STORED_OUTPUT_CHARS] + "\n[cut: the rest was longer than LearnFlow keeps]\n"
