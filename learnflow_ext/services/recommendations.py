"""Choosing a student's next step from their mastery of each topic.

The next step practises the weakest topic not yet mastered (lowest knowledge tracing
estimate; ties go to the topic that comes first in the course). A student who has not
been graded on that topic and has not completed the lessons before its first exercise
gets the first such lesson. Otherwise they get an exercise of that topic they have not
passed, at the difficulty matching their mastery: easy below 0.5, medium below 0.8, hard
from there on, or the nearest difficulty left. A topic whose exercises are all passed
gives way to the next weakest one.
"""

from __future__ import annotations

from typing import Any

from ..models import DIFFICULTIES
from .courses import CourseService, OutlineModule
from .mastery import is_mastered
from .progress import Learner, load_learners

# Upper bounds of mastery for easy and medium exercises; hard ones above.
LEVEL_BOUNDS = ((0.5, "easy"), (0.8, "medium"))


def difficulty_for(p_known: float) -> str:
    """Return the exercise difficulty that matches a mastery estimate."""
    for bound, difficulty in LEVEL_BOUNDS:
        if p_known < bound:
            return difficulty
    return "hard"


class RecommendationService:
    def __init__(self, courses: CourseService) -> None:
        self.courses = courses

    def next_step(self, user_id: str) -> dict[str, Any]:
        """Return the lesson or exercise the user should do next, and why."""
        outline = self.courses.outline()
        with self.courses.database.reading() as connection:
            learner = load_learners(connection, [user_id])[user_id]
        return recommend(outline, learner, self.courses)


def recommend(outline: list[OutlineModule], learner: Learner, courses: CourseService) -> dict:
    topics = list(dict.fromkeys(topic for module in outline for topic in module.topics))
    estimates = {
        topic: learner.topics.get(topic, (courses.knowledge_tracing(topic).p_init, 0))
        for topic in topics
    }
    weakest_first = sorted(
        (topic for topic in topics if not is_mastered(estimates[topic][0])),
        key=lambda topic: (estimates[topic][0], topics.index(topic)),
    )
    for topic in weakest_first:
        p_known, attempts = estimates[topic]
        if attempts == 0:
            lesson = _lesson_before(outline, topic, learner)
            if lesson is not None:
                module, (lesson_id, title) = lesson
                return {
                    "kind": "lesson",
                    "id": lesson_id,
                    "title": title,
                    "module_id": module.id,
                    "topic": topic,
                    "difficulty": None,
                    "mastery": round(p_known, 4),
                    "reason": f"Read “{title}” first: it prepares you for {_name(topic)}, "
                    "which you have not practised yet.",
                }
        exercise = _exercise_for(outline, topic, difficulty_for(p_known), learner)
        if exercise is None:
            continue
        module, (exercise_id, title, _topic, difficulty) = exercise
        if attempts == 0:
            reason = f"Start practising {_name(topic)} with this {difficulty} exercise."
        else:
            reason = (
                f"{_name(topic).capitalize()} is your weakest topic so far "
                f"({round(100 * p_known)}% mastered); this {difficulty} exercise fits your level."
            )
        return {
            "kind": "exercise",
            "id": exercise_id,
            "title": title,
            "module_id": module.id,
            "topic": topic,
            "difficulty": difficulty,
            "mastery": round(p_known, 4),
            "reason": reason,
        }
    return {
        "kind": "none",
        "id": None,
        "title": None,
        "module_id": None,
        "topic": None,
        "difficulty": None,
        "mastery": None,
        "reason": "You have mastered every topic of the course, or solved every exercise: "
        "well done!",
    }


def _name(topic: str) -> str:
    return topic.replace("-", " ")


def _lesson_before(
    outline: list[OutlineModule], topic: str, learner: Learner
) -> tuple[OutlineModule, tuple[str, str]] | None:
    """Return the first lesson not completed in the module where ``topic`` is first practised."""
    for module in outline:
        if topic in module.topics:
            for lesson in module.lessons:
                if lesson[0] not in learner.completed_lessons:
                    return module, lesson
            return None
    return None


def _exercise_for(
    outline: list[OutlineModule], topic: str, difficulty: str, learner: Learner
) -> tuple[OutlineModule, tuple[str, str, str, str]] | None:
    """Return the first exercise of ``topic`` not passed, at the difficulty nearest the wanted."""
    wanted = DIFFICULTIES.index(difficulty)
    # The wanted difficulty first, then the nearest, easier before harder.
    order = sorted(range(len(DIFFICULTIES)), key=lambda level: (abs(level - wanted), level))
    for level in order:
        for module in outline:
            for exercise in module.exercises:
                if (
                    exercise[2] == topic
                    and exercise[3] == DIFFICULTIES[level]
                    and exercise[0] not in learner.passed_exercises
                ):
                    return module, exercise
    return None
