"""Students' progress and mastery, and who may read it.

Mastery of a topic is the knowledge tracing estimate kept from graded submissions
(``submissions.py``). A module's figures are derived from what the student did in it:

- ``progress``: the share of its lessons completed and exercises passed, in percent;
- ``mastery``: the mean of the student's mastery of the topics its exercises practise,
  a topic not graded yet counting as 0.

Frontends that compute their own figures still store them with
``PUT /modules/{id}/progress``. A module's reported ``progress`` is the larger of the
stored and the derived one, so neither source can move it backwards. Its ``mastery``
is the derived one as soon as the student has been graded on one of its topics, and
the stored one before that.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from ..database import Database
from ..errors import NotFoundError, PermissionDeniedError
from ..models import (
    Lesson,
    LessonCompletion,
    Module,
    ModuleProgress,
    Submission,
    TopicMastery,
    User,
)
from ..models.base import new_id, utc_now
from .courses import CourseService, OutlineModule
from .mastery import is_mastered

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Learner:
    """What is stored about one student's work, from which their figures derive."""

    completed_lessons: set[str] = field(default_factory=set)
    passed_exercises: set[str] = field(default_factory=set)
    #: topic -> (probability known, graded attempts)
    topics: dict[str, tuple[float, int]] = field(default_factory=dict)
    #: module id -> the module_progress row's (id, progress, mastery)
    stored: dict[str, tuple[str, float, float]] = field(default_factory=dict)

    def module_figures(self, module: OutlineModule) -> tuple[float, float]:
        """Return the student's progress (percent) and mastery (0 to 1) in ``module``."""
        _id, stored_progress, stored_mastery = self.stored.get(module.id, ("", 0.0, 0.0))
        items = len(module.lessons) + len(module.exercises)
        done = sum(lesson_id in self.completed_lessons for lesson_id, _title in module.lessons)
        done += sum(exercise[0] in self.passed_exercises for exercise in module.exercises)
        derived_progress = round(100 * done / items, 1) if items else 0.0
        progress = max(stored_progress, derived_progress)

        topics = module.topics
        graded = [self.topics[topic][0] for topic in topics if topic in self.topics]
        mastery = round(sum(graded) / len(topics), 4) if graded else stored_mastery
        return progress, mastery


class ProgressService:
    """Record and report how far each user is through each module, and their mastery."""

    def __init__(self, database: Database, courses: CourseService) -> None:
        self.database = database
        self.courses = courses

    def set_module_progress(
        self, *, user_id: str, module_id: str, progress: float, mastery: float
    ) -> dict[str, Any]:
        """Create or replace the caller's progress in one module; the same call twice is a no-op."""
        now = utc_now()
        statement = self.database.insert(ModuleProgress).values(
            id=new_id(),
            user_id=user_id,
            module_id=module_id,
            progress=progress,
            mastery=mastery,
            updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[ModuleProgress.user_id, ModuleProgress.module_id],
            set_={"progress": progress, "mastery": mastery, "updated_at": now},
        )
        with self.database.transaction() as session:
            CourseService.active_module(session, module_id)
            session.execute(statement)
            record = session.scalars(
                select(ModuleProgress)
                .where(ModuleProgress.user_id == user_id, ModuleProgress.module_id == module_id)
                .execution_options(populate_existing=True)
            ).one()
            return record.to_dict()

    def complete_lesson(self, *, user_id: str, lesson_id: str) -> dict[str, Any]:
        """Mark a lesson completed for the caller; completing it again changes nothing."""
        with self.database.transaction() as session:
            lesson = CourseService.active_lesson(session, lesson_id)
            session.execute(
                self.database.insert(LessonCompletion)
                .values(user_id=user_id, lesson_id=lesson.id, completed_at=utc_now())
                .on_conflict_do_nothing()
            )
            self.start_module(session.connection(), user_id, lesson.module_id)
            completion = session.get(LessonCompletion, (user_id, lesson.id))
            assert completion is not None
            return {
                "lesson_id": lesson.id,
                "module_id": lesson.module_id,
                "completed_at": completion.completed_at.isoformat(),
            }

    def start_module(self, connection: Connection, user_id: str, module_id: str) -> None:
        """Make sure the user has a progress record in the module, so it is listed."""
        connection.execute(
            self.database.insert(ModuleProgress)
            .values(
                id=new_id(),
                user_id=user_id,
                module_id=module_id,
                progress=0.0,
                mastery=0.0,
                updated_at=utc_now(),
            )
            .on_conflict_do_nothing()
        )

    def progress_of(self, *, caller: dict[str, str], user_id: str) -> list[dict[str, Any]]:
        """Return ``user_id``'s progress in every module they started, if ``caller`` may see it."""
        self.check_may_read(caller, user_id)
        outline = self.courses.outline()
        with self.database.reading() as connection:
            learner = load_learners(connection, [user_id])[user_id]
        listing = []
        for module in outline:
            if module.id not in learner.stored:
                continue
            progress, mastery = learner.module_figures(module)
            listing.append(
                {
                    "id": learner.stored[module.id][0],
                    "module_id": module.id,
                    "progress": progress,
                    "mastery": mastery,
                    "completed": progress >= 100,
                }
            )
        return listing

    def topics_with_mastery(self, user_id: str | None) -> list[dict[str, Any]]:
        """Return the course's topics, each with ``user_id``'s mastery (None if anonymous)."""
        topics = self.courses.list_topics()
        if user_id is None:
            return [{**topic, "mastery": None} for topic in topics]
        with self.database.reading() as connection:
            learner = load_learners(connection, [user_id])[user_id]
        for topic in topics:
            name = topic["topic"]
            prior = self.courses.knowledge_tracing(name).p_init
            p_known, attempts = learner.topics.get(name, (prior, 0))
            topic["mastery"] = mastery_entry(name, p_known, attempts)
        return topics

    def class_progress(self) -> dict[str, Any]:
        """Return every student's figures per module and topic, and every exercise's results."""
        outline = self.courses.outline()
        topics = list(dict.fromkeys(topic for module in outline for topic in module.topics))
        with self.database.reading() as connection:
            students = connection.execute(
                select(User.id, User.name, User.email)
                .where(User.role == "student")
                .order_by(User.name, User.email)
            ).all()
            learners = load_learners(connection, [student.id for student in students])
            attempts = connection.execute(
                select(Submission.exercise_id, Submission.user_id, Submission.status)
                .join(User, User.id == Submission.user_id)
                .where(User.role == "student")
            ).all()

        entries = []
        for student in students:
            learner = learners[student.id]
            modules = []
            for module in outline:
                progress, mastery = learner.module_figures(module)
                modules.append(
                    {
                        "module_id": module.id,
                        "progress": progress,
                        "mastery": mastery,
                        "completed": progress >= 100,
                    }
                )
            topic_entries = []
            for topic in topics:
                p_known, graded = learner.topics.get(
                    topic, (self.courses.knowledge_tracing(topic).p_init, 0)
                )
                topic_entries.append(mastery_entry(topic, p_known, graded))
            entries.append(
                {
                    "id": student.id,
                    "name": student.name,
                    "email": student.email,
                    "modules": modules,
                    "topics": topic_entries,
                }
            )
        return {"students": entries, "exercises": exercise_results(outline, attempts)}

    def check_may_read(self, caller: dict[str, str], user_id: str) -> None:
        """Raise unless ``caller`` is ``user_id`` or a teacher asking about a student."""
        if caller["id"] == user_id:
            return
        if caller["role"] != "teacher":
            raise PermissionDeniedError(
                "students may read only their own progress", code="not_your_progress"
            )
        with self.database.transaction() as session:
            student = session.get(User, user_id) if UUID_PATTERN.fullmatch(user_id) else None
            if student is None or student.role != "student":
                raise NotFoundError(f"no student with id {user_id!r}", code="user_not_found")


def mastery_entry(topic: str, p_known: float, attempts: int) -> dict[str, Any]:
    return {
        "topic": topic,
        "p_known": round(p_known, 4),
        "attempts": attempts,
        "mastered": is_mastered(p_known),
    }


def exercise_results(outline: list[OutlineModule], attempts: list[Any]) -> list[dict[str, Any]]:
    """Return each exercise's attempts, and the share of students who tried it and passed."""
    submissions: defaultdict[str, int] = defaultdict(int)
    tried: defaultdict[str, set[str]] = defaultdict(set)
    passed: defaultdict[str, set[str]] = defaultdict(set)
    for exercise_id, user_id, status in attempts:
        submissions[exercise_id] += 1
        tried[exercise_id].add(user_id)
        if status == "passed":
            passed[exercise_id].add(user_id)
    results = []
    for module in outline:
        for exercise_id, title, topic, difficulty in module.exercises:
            students = len(tried[exercise_id])
            results.append(
                {
                    "exercise_id": exercise_id,
                    "title": title,
                    "module_id": module.id,
                    "topic": topic,
                    "difficulty": difficulty,
                    "attempts": submissions[exercise_id],
                    "students": students,
                    "students_passed": len(passed[exercise_id]),
                    "pass_rate": round(len(passed[exercise_id]) / students, 4)
                    if students
                    else None,
                }
            )
    return results


def load_learners(connection: Connection, user_ids: list[str]) -> dict[str, Learner]:
    """Read what is stored about each of ``user_ids``, in four queries whatever their number."""
    learners = {user_id: Learner() for user_id in user_ids}
    if not user_ids:
        return learners
    rows = connection.execute(
        select(LessonCompletion.user_id, LessonCompletion.lesson_id)
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(LessonCompletion.user_id.in_(user_ids), Lesson.active)
    )
    for user_id, lesson_id in rows:
        learners[user_id].completed_lessons.add(lesson_id)
    rows = connection.execute(
        select(Submission.user_id, Submission.exercise_id)
        .where(Submission.user_id.in_(user_ids), Submission.status == "passed")
        .distinct()
    )
    for user_id, exercise_id in rows:
        learners[user_id].passed_exercises.add(exercise_id)
    rows = connection.execute(
        select(
            TopicMastery.user_id, TopicMastery.topic, TopicMastery.p_known, TopicMastery.attempts
        ).where(TopicMastery.user_id.in_(user_ids))
    )
    for user_id, topic, p_known, attempts in rows:
        learners[user_id].topics[topic] = (p_known, attempts)
    rows = connection.execute(
        select(
            ModuleProgress.user_id,
            ModuleProgress.module_id,
            ModuleProgress.id,
            ModuleProgress.progress,
            ModuleProgress.mastery,
        )
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id.in_(user_ids), Module.active)
    )
    for user_id, module_id, record_id, progress, mastery in rows:
        learners[user_id].stored[module_id] = (record_id, progress, mastery)
    return learners
