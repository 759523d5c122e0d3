"""The course as stored: indexing loaded content, and what students may read of it."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..database import Database
from ..errors import NotFoundError
from ..models import DIFFICULTIES, Exercise, Lesson, Module
from .content import ID_PATTERN, Course, ModuleContent, test_function_names
from .mastery import KnowledgeTracing
from .notebooks import exercise_notebook, lesson_notebook


@dataclass(frozen=True)
class IndexSummary:
    modules: int
    lessons: int
    exercises: int
    problems: int
    #: Each problem: the notebook or folder left out (``path``) and why (``problem``).
    reported: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class GradableExercise:
    id: str
    module_id: str
    topic: str
    tests_code: str
    hint: str
    #: The test functions the hidden tests define, in source order.
    test_names: list[str]


@dataclass(frozen=True)
class OutlineModule:
    """What of a module progress and recommendations need: ids, in course order."""

    id: str
    title: str
    lessons: list[tuple[str, str]]
    #: ``(id, title, topic, difficulty)`` of each exercise.
    exercises: list[tuple[str, str, str, str]]

    @property
    def topics(self) -> list[str]:
        return list(dict.fromkeys(topic for _id, _title, topic, _level in self.exercises))


class CourseService:
    """Index the course into the database and serve modules, lessons and exercises."""

    def __init__(self, database: Database, *, log: logging.Logger) -> None:
        self.database = database
        self.log = log
        self._tracing: dict[str, KnowledgeTracing] = {}

    def knowledge_tracing(self, topic: str) -> KnowledgeTracing:
        """Return the knowledge tracing parameters of ``topic`` in the indexed course."""
        return self._tracing.get(topic) or KnowledgeTracing()

    def index(self, course: Course) -> IndexSummary:
        """Store ``course``, keyed by its stable ids; what is gone becomes inactive.

        A module the database refuses is logged and left out, like a broken notebook.
        """
        reported = [{"path": p.path, "problem": p.problem} for p in course.problems]
        for problem in course.problems:
            self.log.warning("course: skipped %s: %s", problem.path, problem.problem)

        stored = []
        with self.database.transaction() as session:
            for model in (Module, Lesson, Exercise):
                session.execute(update(model).values(active=False))
            for module in course.modules:
                try:
                    with session.begin_nested():
                        self._store_module(session, module)
                except SQLAlchemyError as error:
                    self.log.warning(
                        "course: skipped %s: the database refused it: %s",
                        module.source_path,
                        error.__class__.__name__,
                    )
                    reported.append(
                        {"path": module.source_path, "problem": "the database refused it"}
                    )
                else:
                    stored.append(module)

        self._tracing = {
            topic: course.knowledge_tracing(topic)
            for module in course.modules
            for topic in module.topics
        }
        return IndexSummary(
            modules=len(stored),
            lessons=sum(len(module.lessons) for module in stored),
            exercises=sum(len(module.exercises) for module in stored),
            problems=len(reported),
            reported=reported,
        )

    def _store_module(self, session: Session, content: ModuleContent) -> None:
        facts = {f.name: getattr(content, f.name) for f in fields(content)}
        del facts["lessons"], facts["exercises"], facts["topics"]
        _upsert(session, Module, facts)
        session.flush()
        for lesson in content.lessons:
            _upsert(session, Lesson, {**asdict(lesson), "module_id": content.id})
        for exercise in content.exercises:
            _upsert(session, Exercise, {**asdict(exercise), "module_id": content.id})

    def list_modules(self) -> list[dict[str, Any]]:
        """Return every module in course order, each with its lessons in order."""
        with self.database.transaction() as session:
            modules = session.scalars(
                select(Module).where(Module.active).order_by(Module.order, Module.id)
            )
            return [module.to_dict() for module in modules]

    def get_module(self, module_id: str) -> dict[str, Any]:
        """Return one module with its lessons."""
        with self.database.transaction() as session:
            return self.active_module(session, module_id).to_dict()

    def get_lesson(self, lesson_id: str) -> dict[str, Any]:
        """Return one lesson with the id of its module."""
        with self.database.transaction() as session:
            lesson = self.active_lesson(session, lesson_id)
            return {**lesson.to_dict(), "module_id": lesson.module_id}

    def lesson_notebook(self, lesson_id: str) -> dict[str, Any]:
        """Return a lesson's notebook, to open in a student's workspace."""
        with self.database.transaction() as session:
            return lesson_notebook(self.active_lesson(session, lesson_id))

    def exercise_notebook(self, exercise_id: str) -> dict[str, Any]:
        """Return an exercise's notebook: its prompt and starter code only."""
        with self.database.transaction() as session:
            return exercise_notebook(self.active_exercise(session, exercise_id))

    def exercises_by_topic(self, topic: str, difficulty: str | None) -> list[dict[str, Any]]:
        """Return the exercises practising ``topic``, optionally of one difficulty only."""
        topic = topic.strip().lower()
        if not ID_PATTERN.fullmatch(topic):
            return []
        query = (
            select(Exercise)
            .join(Module, Exercise.module_id == Module.id)
            .where(Exercise.active, Exercise.topic == topic)
            .order_by(Module.order, Exercise.order, Exercise.id)
        )
        if difficulty is not None:
            query = query.where(Exercise.difficulty == difficulty)
        with self.database.transaction() as session:
            return [exercise.to_dict() for exercise in session.scalars(query)]

    def list_topics(self) -> list[dict[str, Any]]:
        """Return every topic with its number of exercises per difficulty, in course order."""
        query = (
            select(Exercise.topic, Exercise.difficulty)
            .join(Module, Exercise.module_id == Module.id)
            .where(Exercise.active, Module.active)
            .order_by(Module.order, Module.id, Exercise.order, Exercise.id)
        )
        topics: dict[str, dict[str, int]] = {}
        with self.database.transaction() as session:
            for topic, difficulty in session.execute(query):
                counts = topics.setdefault(topic, dict.fromkeys(DIFFICULTIES, 0))
                counts[difficulty] += 1
        return [{"topic": topic, "exercises": counts} for topic, counts in topics.items()]

    def get_exercise(self, exercise_id: str) -> dict[str, Any]:
        """Return one exercise of the course, without its hidden tests or solution."""
        with self.database.transaction() as session:
            return self.active_exercise(session, exercise_id).to_detail_dict()

    def outline(self) -> list[OutlineModule]:
        """Return every active module with its lesson and exercise ids, in course order."""
        with self.database.reading() as connection:
            modules = connection.execute(
                select(Module.id, Module.title)
                .where(Module.active)
                .order_by(Module.order, Module.id)
            ).all()
            lessons = connection.execute(
                select(Lesson.module_id, Lesson.id, Lesson.title)
                .where(Lesson.active)
                .order_by(Lesson.order, Lesson.id)
            ).all()
            exercises = connection.execute(
                select(
                    Exercise.module_id,
                    Exercise.id,
                    Exercise.title,
                    Exercise.topic,
                    Exercise.difficulty,
                )
                .where(Exercise.active)
                .order_by(Exercise.order, Exercise.id)
            ).all()
        outline = {
            module_id: OutlineModule(module_id, title, [], []) for module_id, title in modules
        }
        for module_id, *lesson in lessons:
            if module_id in outline:
                outline[module_id].lessons.append(tuple(lesson))  # type: ignore[arg-type]
        for module_id, *exercise in exercises:
            if module_id in outline:
                outline[module_id].exercises.append(tuple(exercise))  # type: ignore[arg-type]
        return list(outline.values())

    def gradable_exercise(self, exercise_id: str) -> GradableExercise:
        """Return what grading ``exercise_id`` needs: its hidden tests, topic and hint."""
        with self.database.transaction() as session:
            exercise = self.active_exercise(session, exercise_id)
            return GradableExercise(
                id=exercise.id,
                module_id=exercise.module_id,
                topic=exercise.topic,
                tests_code=exercise.tests_code,
                hint=exercise.hint,
                test_names=test_function_names(exercise.tests_code),
            )

    @staticmethod
    def active_exercise(session: Session, exercise_id: str) -> Exercise:
        return _in_course(session, Exercise, exercise_id, "exercise")

    @staticmethod
    def active_lesson(session: Session, lesson_id: str) -> Lesson:
        return _in_course(session, Lesson, lesson_id, "lesson")

    @staticmethod
    def active_module(session: Session, module_id: str) -> Module:
        return _in_course(session, Module, module_id, "module")


def _in_course(session: Session, model: type[Any], row_id: str, noun: str) -> Any:
    """Return the row ``row_id`` of ``model`` if it is in the course; 404 otherwise.

    A lesson or exercise whose module has left the course has left it too.
    """
    row = session.get(model, row_id) if ID_PATTERN.fullmatch(row_id) else None
    in_course = row is not None and row.active and (model is Module or row.module.active)
    if not in_course:
        raise NotFoundError(f"no {noun} with id {row_id!r}", code=f"{noun}_not_found")
    return row


def _upsert(session: Session, model: type[Any], values: dict[str, Any]) -> None:
    """Create or update the row ``values["id"]`` of ``model`` and mark it active."""
    row = session.get(model, values["id"]) or model(id=values["id"])
    for name, value in values.items():
        setattr(row, name, value)
    row.active = True
    session.add(row)
