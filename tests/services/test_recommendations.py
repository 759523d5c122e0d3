"""Choosing a student's next step: recommend() and difficulty_for(), on scripted histories."""

from __future__ import annotations

import re
from typing import Any

import pytest

from learnflow_ext.services.courses import OutlineModule
from learnflow_ext.services.mastery import KnowledgeTracing
from learnflow_ext.services.progress import Learner
from learnflow_ext.services.recommendations import difficulty_for, recommend

VARIABLES = "values-and-variables"
CONDITIONALS = "conditionals"
LOOPS = "loops"

BASICS = OutlineModule(
    "basics",
    "Basics",
    lessons=[("intro", "Introduction"), ("names", "Names and values")],
    exercises=[
        ("name-a-value", "Name a value", VARIABLES, "easy"),
        ("swap-values", "Swap two values", VARIABLES, "easy"),
        ("count-up", "Count up", VARIABLES, "medium"),
        ("rename-all", "Rename them all", VARIABLES, "hard"),
    ],
)
CHOICES = OutlineModule(
    "choices",
    "Choices",
    lessons=[("if-statements", "if statements")],
    exercises=[
        ("pick-larger", "Pick the larger", CONDITIONALS, "easy"),
        ("grade-a-score", "Grade a score", CONDITIONALS, "medium"),
        ("leap-years", "Leap years", CONDITIONALS, "hard"),
    ],
)
REPETITION = OutlineModule(
    "repetition",
    "Repetition",
    lessons=[("for-loops", "for loops"), ("while-loops", "while loops")],
    exercises=[
        ("sum-a-list", "Sum a list", LOOPS, "easy"),
        ("fizzbuzz", "FizzBuzz", LOOPS, "medium"),
        ("primes-below", "Primes below n", LOOPS, "hard"),
    ],
)
OUTLINE = [BASICS, CHOICES, REPETITION]

EVERY_LESSON = {lesson_id for module in OUTLINE for lesson_id, _title in module.lessons}
EVERY_EXERCISE = {exercise[0] for module in OUTLINE for exercise in module.exercises}
VARIABLES_EXERCISES = {exercise[0] for exercise in BASICS.exercises}
MASTERED = (0.97, 3)
STEP_FIELDS = {"kind", "id", "title", "module_id", "topic", "difficulty", "mastery", "reason"}
TRACING = KnowledgeTracing()


class CourseTracing:
    """Stands in for the course: the only thing recommend() asks of it is a topic's tracing."""

    def __init__(self, **by_topic: KnowledgeTracing) -> None:
        self.by_topic = by_topic

    def knowledge_tracing(self, topic: str) -> KnowledgeTracing:
        return self.by_topic.get(topic, TRACING)


def learner(
    *,
    lessons: set[str] | frozenset[str] = frozenset(),
    passed: set[str] | frozenset[str] = frozenset(),
    topics: dict[str, tuple[float, int]] | None = None,
) -> Learner:
    """Return a student who completed ``lessons``, passed ``passed`` and has ``topics``."""
    return Learner(
        completed_lessons=set(lessons), passed_exercises=set(passed), topics=dict(topics or {})
    )


def next_step(student: Learner, outline: list[OutlineModule] = OUTLINE) -> dict[str, Any]:
    step = recommend(outline, student, CourseTracing())  # type: ignore[arg-type]
    assert set(step) == STEP_FIELDS
    return step


def only_weak(topic: str, p_known: float, attempts: int = 2) -> dict[str, tuple[float, int]]:
    """Return topic estimates where ``topic`` is at ``p_known`` and every other one mastered."""
    every_topic_mastered = dict.fromkeys((VARIABLES, CONDITIONALS, LOOPS), MASTERED)
    return {**every_topic_mastered, topic: (p_known, attempts)}


# -- lessons first ------------------------------------------------------------------------------


def test_recommend_new_student_gets_first_lesson_of_first_module() -> None:
    step = next_step(learner())

    assert {key: value for key, value in step.items() if key != "reason"} == {
        "kind": "lesson",
        "id": "intro",
        "title": "Introduction",
        "module_id": "basics",
        "topic": VARIABLES,
        "difficulty": None,
        "mastery": 0.25,
    }


def test_recommend_after_first_lesson_gets_the_next_lesson_of_that_module() -> None:
    step = next_step(learner(lessons={"intro"}))

    assert (step["kind"], step["id"], step["module_id"]) == ("lesson", "names", "basics")


def test_recommend_after_the_modules_lessons_gets_an_easy_exercise_of_its_topic() -> None:
    step = next_step(learner(lessons={"intro", "names"}))

    assert {key: value for key, value in step.items() if key != "reason"} == {
        "kind": "exercise",
        "id": "name-a-value",
        "title": "Name a value",
        "module_id": "basics",
        "topic": VARIABLES,
        "difficulty": "easy",
        "mastery": 0.25,
    }


def test_recommend_untried_topic_gets_the_first_lesson_of_the_module_practising_it() -> None:
    student = learner(lessons={"intro", "names"}, topics={VARIABLES: (0.64, 1)})

    step = next_step(student)

    assert (step["kind"], step["id"], step["module_id"], step["topic"]) == (
        "lesson",
        "if-statements",
        "choices",
        CONDITIONALS,
    )


def test_recommend_untried_topic_starts_at_the_difficulty_of_its_own_prior() -> None:
    courses = CourseTracing(
        **{
            VARIABLES: KnowledgeTracing(p_init=0.6),
            CONDITIONALS: KnowledgeTracing(p_init=0.7),
            LOOPS: KnowledgeTracing(p_init=0.7),
        }
    )

    step = recommend(OUTLINE, learner(lessons=EVERY_LESSON), courses)  # type: ignore[arg-type]

    assert (step["topic"], step["id"], step["difficulty"], step["mastery"]) == (
        VARIABLES,
        "count-up",
        "medium",
        0.6,
    )


# -- which topic --------------------------------------------------------------------------------


def test_recommend_weakest_unmastered_topic_wins() -> None:
    student = learner(
        lessons=EVERY_LESSON,
        topics={VARIABLES: (0.64, 1), CONDITIONALS: (0.136, 1), LOOPS: (0.4732, 2)},
    )

    step = next_step(student)

    assert (step["topic"], step["id"], step["mastery"]) == (CONDITIONALS, "pick-larger", 0.136)


@pytest.mark.parametrize(
    ("outline", "topic"),
    [(OUTLINE, VARIABLES), (OUTLINE[::-1], LOOPS)],
    ids=["course-order", "reversed-course"],
)
def test_recommend_tie_goes_to_the_topic_first_in_the_course(
    outline: list[OutlineModule], topic: str
) -> None:
    student = learner(
        lessons=EVERY_LESSON,
        topics={LOOPS: (0.4, 2), CONDITIONALS: (0.4, 2), VARIABLES: (0.4, 2)},
    )

    step = next_step(student, outline)

    assert step["topic"] == topic


def test_recommend_skips_mastered_topics() -> None:
    student = learner(
        lessons=EVERY_LESSON,
        topics={VARIABLES: (0.96, 3), CONDITIONALS: (0.9, 3), LOOPS: (0.94, 4)},
    )

    step = next_step(student)

    assert (step["topic"], step["id"]) == (CONDITIONALS, "leap-years")


def test_recommend_topic_with_every_exercise_passed_gives_way_to_the_next_weakest() -> None:
    student = learner(
        lessons=EVERY_LESSON,
        passed=VARIABLES_EXERCISES,
        topics={VARIABLES: (0.3, 4), CONDITIONALS: (0.6, 2), LOOPS: MASTERED},
    )

    step = next_step(student)

    assert (step["topic"], step["id"], step["difficulty"]) == (
        CONDITIONALS,
        "grade-a-score",
        "medium",
    )


# -- which difficulty ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p_known", "difficulty"),
    [
        (0.0, "easy"),
        (0.3, "easy"),
        (0.4999, "easy"),
        (0.5, "medium"),
        (0.6, "medium"),
        (0.7999, "medium"),
        (0.8, "hard"),
        (0.9, "hard"),
        (1.0, "hard"),
    ],
)
def test_difficulty_for_mastery_is_easy_below_half_medium_below_0_8_and_hard_above(
    p_known: float, difficulty: str
) -> None:
    assert difficulty_for(p_known) == difficulty


@pytest.mark.parametrize(
    ("p_known", "exercise_id", "difficulty"),
    [(0.3, "name-a-value", "easy"), (0.6, "count-up", "medium"), (0.9, "rename-all", "hard")],
)
def test_recommend_exercise_difficulty_follows_mastery(
    p_known: float, exercise_id: str, difficulty: str
) -> None:
    student = learner(lessons=EVERY_LESSON, topics=only_weak(VARIABLES, p_known))

    step = next_step(student)

    assert (step["id"], step["difficulty"], step["mastery"]) == (exercise_id, difficulty, p_known)


def test_recommend_skips_a_passed_exercise_of_the_wanted_difficulty() -> None:
    student = learner(
        lessons=EVERY_LESSON, passed={"name-a-value"}, topics=only_weak(VARIABLES, 0.3)
    )

    step = next_step(student)

    assert (step["id"], step["difficulty"]) == ("swap-values", "easy")


@pytest.mark.parametrize(
    ("p_known", "passed", "exercise_id"),
    [
        (0.3, {"name-a-value", "swap-values"}, "count-up"),
        (0.9, {"rename-all"}, "count-up"),
        (0.6, {"count-up"}, "name-a-value"),
        (0.3, {"name-a-value", "swap-values", "count-up"}, "rename-all"),
    ],
    ids=["easy-gone", "hard-gone", "medium-gone-easier-first", "easy-and-medium-gone"],
)
def test_recommend_wanted_difficulty_all_passed_gives_the_nearest_difficulty_left(
    p_known: float, passed: set[str], exercise_id: str
) -> None:
    student = learner(lessons=EVERY_LESSON, passed=passed, topics=only_weak(VARIABLES, p_known))

    step = next_step(student)

    assert (step["kind"], step["topic"], step["id"]) == ("exercise", VARIABLES, exercise_id)


# -- nothing left -------------------------------------------------------------------------------

NOTHING_LEFT = {
    "kind": "none",
    "id": None,
    "title": None,
    "module_id": None,
    "topic": None,
    "difficulty": None,
    "mastery": None,
}


def test_recommend_every_topic_mastered_is_none() -> None:
    student = learner(topics=dict.fromkeys((VARIABLES, CONDITIONALS, LOOPS), MASTERED))

    step = next_step(student)

    assert {key: value for key, value in step.items() if key != "reason"} == NOTHING_LEFT


def test_recommend_every_exercise_passed_is_none_whatever_the_mastery() -> None:
    student = learner(
        lessons=EVERY_LESSON,
        passed=EVERY_EXERCISE,
        topics={VARIABLES: (0.5, 4), CONDITIONALS: (0.7, 3), LOOPS: (0.9, 3)},
    )

    step = next_step(student)

    assert {key: value for key, value in step.items() if key != "reason"} == NOTHING_LEFT


# -- the reason ---------------------------------------------------------------------------------

ONE_SENTENCE = re.compile(r"[^.!?]+[.!?]")


@pytest.mark.parametrize(
    "student",
    [
        learner(),
        learner(lessons=EVERY_LESSON),
        learner(lessons=EVERY_LESSON, topics=only_weak(VARIABLES, 0.64, attempts=1)),
    ],
    ids=["lesson", "first-exercise", "weakest-topic"],
)
def test_recommend_reason_is_one_sentence_naming_the_topic(student: Learner) -> None:
    step = next_step(student)

    assert step["topic"] == VARIABLES
    assert ONE_SENTENCE.fullmatch(step["reason"]), step["reason"]
    assert "values and variables" in step["reason"].lower()


def test_recommend_reason_for_a_practised_topic_gives_its_mastery_in_percent() -> None:
    student = learner(lessons=EVERY_LESSON, topics=only_weak(LOOPS, 0.4732))

    step = next_step(student)

    assert "47% mastered" in step["reason"]


def test_recommend_reason_when_nothing_is_left_is_one_sentence() -> None:
    student = learner(topics=dict.fromkeys((VARIABLES, CONDITIONALS, LOOPS), MASTERED))

    step = next_step(student)

    assert ONE_SENTENCE.fullmatch(step["reason"]), step["reason"]


# -- replayed histories -------------------------------------------------------------------------


def traced(history: dict[str, list[bool]]) -> dict[str, tuple[float, int]]:
    """Return each topic's estimate and attempts after its graded outcomes, oldest first."""
    return {topic: (TRACING.trace(outcomes), len(outcomes)) for topic, outcomes in history.items()}


def test_recommend_after_replayed_history_practises_the_weakest_topic_at_its_level() -> None:
    history = {VARIABLES: [True, True, True], CONDITIONALS: [False, True], LOOPS: [True]}
    student = learner(lessons=EVERY_LESSON, topics=traced(history))

    step = next_step(student)

    # conditionals: 0.25 -> 0.136 -> 0.1224 / 0.2952 + (1 - 0.1224 / 0.2952) * 0.1 = 0.4732;
    # loops: 0.64; values and variables: 0.978, mastered.
    assert (step["topic"], step["id"], step["difficulty"]) == (CONDITIONALS, "pick-larger", "easy")
    assert step["mastery"] == pytest.approx(0.4732, abs=1e-4)


def test_recommend_student_failing_a_topic_stays_on_its_easy_exercise() -> None:
    history = {VARIABLES: [False, False]}
    student = learner(lessons=EVERY_LESSON, topics=traced(history))

    step = next_step(student)

    assert (step["id"], step["difficulty"]) == ("name-a-value", "easy")
    assert step["mastery"] == pytest.approx(round(TRACING.trace([False, False]), 4))


def test_recommend_student_passing_every_step_reads_lessons_then_climbs_each_topic() -> None:
    student = learner()
    history: dict[str, list[bool]] = {}
    taken = []

    for _ in range(30):
        step = next_step(student)
        if step["kind"] == "none":
            break
        taken.append(step["id"])
        if step["kind"] == "lesson":
            student.completed_lessons.add(step["id"])
        else:
            student.passed_exercises.add(step["id"])
            history.setdefault(step["topic"], []).append(True)
            student.topics = traced(history)

    assert taken == [
        "intro",
        "names",
        "name-a-value",
        "if-statements",
        "pick-larger",
        "for-loops",
        "while-loops",
        "sum-a-list",
        # Every topic at 0.64: medium, in course order.
        "count-up",
        "grade-a-score",
        "fizzbuzz",
        # Every topic at 0.9: hard; a third pass masters each one.
        "rename-all",
        "leap-years",
        "primes-below",
    ]
