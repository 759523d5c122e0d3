"""Lessons completed, graded submissions, and the progress and mastery derived from them.

The server runs on a small course written for these tests, so that every figure can be
worked out by hand (knowledge tracing from the prior 0.25: a pass gives 0.64, a failure
0.136).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Account, ApiClient, assert_error
from tests.services.test_content import (
    exercise_cells,
    exercise_facts,
    lesson_facts,
    markdown,
    module_facts,
    notebook,
    write,
)

# -- the course ---------------------------------------------------------------------------------

DOUBLE_TEST = 'def test_doubles_three():\n    assert double(3) == 6, "double(3) should be 6"'
ADD_TEST = 'def test_adds_two_and_three():\n    assert add(2, 3) == 5, "add(2, 3) should be 5"'
HALVE_TEST = 'def test_halves_eight():\n    assert halve(8) == 4, "halve(8) should be 4"'
DOUBLE = "def double(n):\n    return n * 2"
WRONG_DOUBLE = "def double(n):\n    return n + 2"
ADD = "def add(a, b):\n    return a + b"
HALVE = "def halve(n):\n    return n // 2"


def lesson_notebook(lesson_id: str, title: str, order: int) -> Any:
    facts = lesson_facts(id=lesson_id, title=title, order=order)
    return notebook(facts, [markdown(f"# {title}\n\nSome words.")])


def exercise_notebook(
    exercise_id: str, title: str, topic: str, difficulty: str, order: int, test: str, solution: str
) -> Any:
    facts = exercise_facts(
        id=exercise_id, title=title, topic=topic, difficulty=difficulty, order=order
    )
    starter = solution.splitlines()[0] + "\n    pass"
    return notebook(facts, exercise_cells(starter=[starter], tests=[test], solution=[solution]))


def write_course(root: Path) -> Path:
    """Write a course small enough to work out every figure by hand.

    - ``01-doubling``: lessons doubling-why and doubling-how; exercises double-easy and
      double-hard, both of topic doubling;
    - ``02-arithmetic``: lesson arithmetic-intro; exercises add-two (topic adding) and
      halve (topic halving, whose prior the module sets to 0.4);
    - ``03-reading``: lessons reading-one and reading-two, no exercises.
    """
    doubling = root / "01-doubling"
    write(doubling / "index.ipynb", notebook(module_facts(id="doubling", title="Doubling")))
    write(doubling / "lesson-1.ipynb", lesson_notebook("doubling-why", "Why double", 1))
    write(doubling / "lesson-2.ipynb", lesson_notebook("doubling-how", "How to double", 2))
    write(
        doubling / "exercise-1.ipynb",
        exercise_notebook("double-easy", "Double it", "doubling", "easy", 3, DOUBLE_TEST, DOUBLE),
    )
    write(
        doubling / "exercise-2.ipynb",
        exercise_notebook(
            "double-hard", "Double it again", "doubling", "hard", 4, DOUBLE_TEST, DOUBLE
        ),
    )

    arithmetic = root / "02-arithmetic"
    facts = module_facts(
        id="arithmetic", title="Arithmetic", order=2, topics={"halving": {"p_init": 0.4}}
    )
    write(arithmetic / "index.ipynb", notebook(facts))
    write(arithmetic / "lesson-1.ipynb", lesson_notebook("arithmetic-intro", "Sums", 1))
    write(
        arithmetic / "exercise-1.ipynb",
        exercise_notebook("add-two", "Add two numbers", "adding", "easy", 2, ADD_TEST, ADD),
    )
    write(
        arithmetic / "exercise-2.ipynb",
        exercise_notebook("halve", "Halve a number", "halving", "easy", 3, HALVE_TEST, HALVE),
    )

    reading = root / "03-reading"
    write(reading / "index.ipynb", notebook(module_facts(id="reading", title="Reading", order=3)))
    write(reading / "lesson-1.ipynb", lesson_notebook("reading-one", "Reading one", 1))
    write(reading / "lesson-2.ipynb", lesson_notebook("reading-two", "Reading two", 2))
    return root


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    return write_course(tmp_path / "course")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], course_dir: Path) -> dict[str, Any]:
    # The learnflow_config marker takes fixed values; each test's course lives in its tmp_path.
    jp_server_config["LearnFlow"]["course_dir"] = str(course_dir)
    return jp_server_config


# -- calling the API ----------------------------------------------------------------------------


async def complete(api: ApiClient, account: Account, lesson_id: str) -> dict[str, Any]:
    reply = await api.post(f"/lessons/{lesson_id}/complete", token=account.token)
    assert reply.status == 200, reply.body
    return reply.json()


async def submit(api: ApiClient, account: Account, exercise_id: str, code: str) -> dict[str, Any]:
    reply = await api.post(
        f"/exercises/{exercise_id}/submissions", {"code": code}, token=account.token
    )
    assert reply.status == 201, reply.body
    return reply.json()


async def put_progress(
    api: ApiClient, account: Account, module_id: str, progress: float, mastery: float
) -> None:
    reply = await api.put(
        f"/modules/{module_id}/progress",
        {"progress": progress, "mastery": mastery},
        token=account.token,
    )
    assert reply.status == 200, reply.body


async def listing(api: ApiClient, account: Account) -> list[dict[str, Any]]:
    reply = await api.get(f"/progress/user/{account.id}", token=account.token)
    assert reply.status == 200, reply.body
    return reply.json()


async def figures(api: ApiClient, account: Account) -> dict[str, tuple[float, float, bool]]:
    """Return ``{module_id: (progress, mastery, completed)}`` of every module started."""
    return {
        record["module_id"]: (record["progress"], record["mastery"], record["completed"])
        for record in await listing(api, account)
    }


# -- POST /lessons/{lesson_id}/complete ---------------------------------------------------------


async def test_complete_lesson_returns_the_lesson_its_module_and_the_time(
    api: ApiClient, student: Account
) -> None:
    reply = await api.post("/lessons/doubling-how/complete", token=student.token)

    assert reply.status == 200
    completion = reply.json()
    assert set(completion) == {"lesson_id", "module_id", "completed_at"}
    assert (completion["lesson_id"], completion["module_id"]) == ("doubling-how", "doubling")
    completed_at = datetime.fromisoformat(completion["completed_at"])
    assert abs(datetime.now(UTC) - completed_at) < timedelta(minutes=1)


async def test_complete_lesson_twice_keeps_the_first_completion_time(
    api: ApiClient, student: Account
) -> None:
    first = await complete(api, student, "doubling-why")

    again = await complete(api, student, "doubling-why")

    assert again == first


async def test_complete_lesson_twice_counts_it_once(api: ApiClient, student: Account) -> None:
    await complete(api, student, "doubling-why")

    await complete(api, student, "doubling-why")

    assert await figures(api, student) == {"doubling": (25.0, 0.0, False)}


@SQLITE_ONLY
@pytest.mark.parametrize(
    "lesson_id",
    ["no-such-lesson", "DOUBLING-WHY", "doubling", "double-easy", "%00", "x" * 300],
    ids=["unknown", "upper-case", "a-module", "an-exercise", "nul", "300-chars"],
)
async def test_complete_lesson_not_in_the_course_is_404_and_starts_nothing(
    api: ApiClient, student: Account, lesson_id: str
) -> None:
    reply = await api.post(f"/lessons/{lesson_id}/complete", token=student.token)

    assert_error(reply, 404, "lesson_not_found")
    assert await listing(api, student) == []


async def test_complete_lesson_removed_from_the_course_is_404(
    api: ApiClient, learnflow: Any, course_dir: Path, student: Account
) -> None:
    (course_dir / "01-doubling" / "lesson-2.ipynb").unlink()
    learnflow.reload_course()

    reply = await api.post("/lessons/doubling-how/complete", token=student.token)

    assert_error(reply, 404, "lesson_not_found")


@SQLITE_ONLY
async def test_complete_lesson_without_token_is_401(api: ApiClient, student: Account) -> None:
    reply = await api.post("/lessons/doubling-why/complete")

    assert_error(reply, 401, "not_authenticated")
    assert await listing(api, student) == []


async def test_complete_lesson_starts_its_module_with_the_derived_progress(
    api: ApiClient, student: Account
) -> None:
    await complete(api, student, "doubling-why")

    records = await listing(api, student)

    # One of two lessons and two exercises.
    assert [{key: value for key, value in record.items() if key != "id"} for record in records] == [
        {"module_id": "doubling", "progress": 25.0, "mastery": 0.0, "completed": False}
    ]


async def test_complete_every_lesson_of_a_module_without_exercises_completes_it(
    api: ApiClient, student: Account
) -> None:
    await complete(api, student, "reading-one")
    assert await figures(api, student) == {"reading": (50.0, 0.0, False)}

    await complete(api, student, "reading-two")

    assert await figures(api, student) == {"reading": (100.0, 0.0, True)}


@SQLITE_ONLY
async def test_user_progress_lists_modules_started_by_lessons_in_course_order(
    api: ApiClient, student: Account
) -> None:
    await complete(api, student, "reading-one")
    await complete(api, student, "arithmetic-intro")

    records = await listing(api, student)

    assert [record["module_id"] for record in records] == ["arithmetic", "reading"]


# -- stored and derived progress ----------------------------------------------------------------


async def test_progress_stored_above_the_derived_one_is_kept(
    api: ApiClient, student: Account
) -> None:
    await complete(api, student, "doubling-why")

    await put_progress(api, student, "doubling", progress=80, mastery=0.5)

    assert await figures(api, student) == {"doubling": (80, 0.5, False)}


async def test_progress_derived_above_the_stored_one_wins(api: ApiClient, student: Account) -> None:
    await put_progress(api, student, "doubling", progress=10, mastery=0.5)

    await complete(api, student, "doubling-why")
    await complete(api, student, "doubling-how")

    assert await figures(api, student) == {"doubling": (50.0, 0.5, False)}


async def test_progress_stored_below_the_derived_one_cannot_move_it_back(
    api: ApiClient, student: Account
) -> None:
    await complete(api, student, "doubling-why")
    await complete(api, student, "doubling-how")

    await put_progress(api, student, "doubling", progress=10, mastery=0.5)

    assert await figures(api, student) == {"doubling": (50.0, 0.5, False)}


async def test_mastery_before_any_graded_submission_is_the_stored_one(
    api: ApiClient, student: Account
) -> None:
    await put_progress(api, student, "doubling", progress=10, mastery=0.7)

    await complete(api, student, "doubling-why")

    assert await figures(api, student) == {"doubling": (25.0, 0.7, False)}


# -- graded submissions (these run code) --------------------------------------------------------


async def test_first_submission_passing_gives_the_topic_mastery_0_64(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, "double-easy", DOUBLE)

    assert submission["status"] == "passed"
    assert submission["mastery"] == {
        "topic": "doubling",
        "p_known": 0.64,
        "attempts": 1,
        "mastered": False,
    }


async def test_first_submission_failing_starts_the_module_with_mastery_0_136(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, "double-easy", WRONG_DOUBLE)

    assert (submission["status"], submission["mastery"]["p_known"]) == ("failed", 0.136)
    assert await figures(api, student) == {"doubling": (0.0, 0.136, False)}


async def test_lesson_and_passed_exercise_give_progress_50_and_mastery_0_64(
    api: ApiClient, student: Account
) -> None:
    await complete(api, student, "doubling-why")
    assert await figures(api, student) == {"doubling": (25.0, 0.0, False)}

    await submit(api, student, "double-easy", DOUBLE)

    assert await figures(api, student) == {"doubling": (50.0, 0.64, False)}


async def test_graded_submission_replaces_the_stored_mastery_even_when_lower(
    api: ApiClient, student: Account
) -> None:
    await put_progress(api, student, "doubling", progress=10, mastery=0.9)

    await submit(api, student, "double-easy", WRONG_DOUBLE)

    assert await figures(api, student) == {"doubling": (10, 0.136, False)}


async def test_module_mastery_counts_a_topic_not_graded_yet_as_zero(
    api: ApiClient, student: Account
) -> None:
    await submit(api, student, "add-two", ADD)

    # (0.64 for adding + 0 for halving, whatever its prior) / 2; one of three items done.
    assert await figures(api, student) == {"arithmetic": (33.3, 0.32, False)}


@pytest.mark.parametrize("code", [DOUBLE, WRONG_DOUBLE], ids=["passing-again", "failing-after"])
async def test_submitting_an_exercise_already_passed_leaves_mastery_unchanged(
    api: ApiClient, student: Account, code: str
) -> None:
    await submit(api, student, "double-easy", DOUBLE)

    again = await submit(api, student, "double-easy", code)

    assert again["mastery"] == {
        "topic": "doubling",
        "p_known": 0.64,
        "attempts": 1,
        "mastered": False,
    }
    assert await figures(api, student) == {"doubling": (25.0, 0.64, False)}


async def test_passing_submissions_sent_together_move_mastery_once(
    api: ApiClient, student: Account
) -> None:
    replies = await asyncio.gather(
        *(
            api.post("/exercises/double-easy/submissions", {"code": DOUBLE}, token=student.token)
            for _ in range(2)
        )
    )

    assert [reply.status for reply in replies] == [201, 201]
    assert [reply.json()["mastery"]["attempts"] for reply in replies] == [1, 1]
    assert await figures(api, student) == {"doubling": (25.0, 0.64, False)}


async def test_topics_with_token_after_a_graded_submission_give_the_new_mastery(
    api: ApiClient, student: Account
) -> None:
    await submit(api, student, "double-easy", DOUBLE)

    reply = await api.get("/topics", token=student.token)

    assert reply.status == 200
    assert {topic["topic"]: topic["mastery"] for topic in reply.json()}["doubling"] == {
        "topic": "doubling",
        "p_known": 0.64,
        "attempts": 1,
        "mastered": False,
    }


# -- GET /topics --------------------------------------------------------------------------------


@SQLITE_ONLY
async def test_topics_without_token_count_exercises_and_give_no_mastery(api: ApiClient) -> None:
    reply = await api.get("/topics")

    assert reply.status == 200
    assert reply.json() == [
        {"topic": "doubling", "exercises": {"easy": 1, "medium": 0, "hard": 1}, "mastery": None},
        {"topic": "adding", "exercises": {"easy": 1, "medium": 0, "hard": 0}, "mastery": None},
        {"topic": "halving", "exercises": {"easy": 1, "medium": 0, "hard": 0}, "mastery": None},
    ]


@SQLITE_ONLY
async def test_topics_with_token_before_grading_give_each_topics_prior(
    api: ApiClient, student: Account
) -> None:
    reply = await api.get("/topics", token=student.token)

    assert reply.status == 200
    assert [topic["mastery"] for topic in reply.json()] == [
        {"topic": "doubling", "p_known": 0.25, "attempts": 0, "mastered": False},
        {"topic": "adding", "p_known": 0.25, "attempts": 0, "mastered": False},
        {"topic": "halving", "p_known": 0.4, "attempts": 0, "mastered": False},
    ]


# -- GET /recommendations/next ------------------------------------------------------------------


@SQLITE_ONLY
async def test_next_step_of_a_new_student_is_the_first_lesson_of_the_course(
    api: ApiClient, student: Account
) -> None:
    reply = await api.get("/recommendations/next", token=student.token)

    assert reply.status == 200
    step = reply.json()
    assert (step["kind"], step["id"], step["module_id"], step["topic"]) == (
        "lesson",
        "doubling-why",
        "doubling",
        "doubling",
    )


@SQLITE_ONLY
async def test_next_step_after_the_first_modules_lessons_is_its_easy_exercise(
    api: ApiClient, student: Account
) -> None:
    await complete(api, student, "doubling-why")
    await complete(api, student, "doubling-how")

    reply = await api.get("/recommendations/next", token=student.token)

    step = reply.json()
    assert (step["kind"], step["id"], step["difficulty"], step["mastery"]) == (
        "exercise",
        "double-easy",
        "easy",
        0.25,
    )
