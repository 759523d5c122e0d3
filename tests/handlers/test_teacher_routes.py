"""GET /class/progress and POST /course/reload, and who may call the learning routes.

The server runs on the small course of ``test_learning_progress.py``, so that every
figure can be worked out by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Account, ApiClient, assert_error
from tests.handlers.test_learning_progress import (
    DOUBLE,
    DOUBLE_TEST,
    WRONG_DOUBLE,
    complete,
    exercise_notebook,
    lesson_notebook,
    submit,
    write_course,
)
from tests.services.test_content import write

MODULE_IDS = ["doubling", "arithmetic", "reading"]
UNTRIED = {"attempts": 0, "students": 0, "students_passed": 0, "pass_rate": None}
EXERCISES = [
    {"exercise_id": "double-easy", "title": "Double it", "module_id": "doubling"},
    {"exercise_id": "double-hard", "title": "Double it again", "module_id": "doubling"},
    {"exercise_id": "add-two", "title": "Add two numbers", "module_id": "arithmetic"},
    {"exercise_id": "halve", "title": "Halve a number", "module_id": "arithmetic"},
]
TOPIC_AND_DIFFICULTY = [
    ("doubling", "easy"),
    ("doubling", "hard"),
    ("adding", "easy"),
    ("halving", "easy"),
]
# After a failure then a pass: 0.25 -> 0.136 -> 0.1224 / 0.2952 + (1 - 0.1224 / 0.2952) * 0.1.
FAIL_THEN_PASS = 0.4732


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    return write_course(tmp_path / "course")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], course_dir: Path) -> dict[str, Any]:
    # The learnflow_config marker takes fixed values; each test's course lives in its tmp_path.
    jp_server_config["LearnFlow"]["course_dir"] = str(course_dir)
    return jp_server_config


async def class_progress(api: ApiClient, teacher: Account) -> dict[str, Any]:
    reply = await api.get("/class/progress", token=teacher.token)
    assert reply.status == 200, reply.body
    return reply.json()


async def reload_course(api: ApiClient, teacher: Account) -> dict[str, Any]:
    reply = await api.post("/course/reload", token=teacher.token)
    assert reply.status == 200, reply.body
    return reply.json()


async def play_history(api: ApiClient, ada: Account, bo: Account) -> None:
    """Ada reads a lesson, fails double-easy, then passes it; Bo fails double-easy once."""
    await complete(api, ada, "doubling-why")
    await submit(api, ada, "double-easy", WRONG_DOUBLE)
    await submit(api, ada, "double-easy", DOUBLE)
    await submit(api, bo, "double-easy", WRONG_DOUBLE)


def student_entry(progress: dict[str, Any], account: Account) -> dict[str, Any]:
    [entry] = [student for student in progress["students"] if student["id"] == account.id]
    return entry


# -- GET /class/progress ------------------------------------------------------------------------


async def test_class_progress_without_students_lists_every_exercise_untried(
    api: ApiClient, teacher: Account
) -> None:
    progress = await class_progress(api, teacher)

    assert progress == {
        "students": [],
        "exercises": [
            {**exercise, "topic": topic, "difficulty": difficulty, **UNTRIED}
            for exercise, (topic, difficulty) in zip(EXERCISES, TOPIC_AND_DIFFICULTY, strict=True)
        ],
    }


async def test_class_progress_lists_every_student_by_name_and_no_teacher(
    api: ApiClient, teacher: Account, other_student: Account, student: Account
) -> None:
    progress = await class_progress(api, teacher)

    assert [(entry["id"], entry["name"], entry["email"]) for entry in progress["students"]] == [
        (student.id, "Ada Student", student.email),
        (other_student.id, "Bo Student", other_student.email),
    ]


async def test_class_progress_of_a_student_who_did_nothing_is_zero_in_every_module(
    api: ApiClient, teacher: Account, student: Account
) -> None:
    progress = await class_progress(api, teacher)

    entry = student_entry(progress, student)
    assert entry["modules"] == [
        {"module_id": module_id, "progress": 0.0, "mastery": 0.0, "completed": False}
        for module_id in MODULE_IDS
    ]
    assert entry["topics"] == [
        {"topic": "doubling", "p_known": 0.25, "attempts": 0, "mastered": False},
        {"topic": "adding", "p_known": 0.25, "attempts": 0, "mastered": False},
        {"topic": "halving", "p_known": 0.4, "attempts": 0, "mastered": False},
    ]


async def test_class_progress_gives_each_students_figures_per_module(
    api: ApiClient, teacher: Account, student: Account, other_student: Account
) -> None:
    await play_history(api, student, other_student)

    progress = await class_progress(api, teacher)

    assert student_entry(progress, student)["modules"] == [
        # One lesson and one exercise of four.
        {"module_id": "doubling", "progress": 50.0, "mastery": FAIL_THEN_PASS, "completed": False},
        {"module_id": "arithmetic", "progress": 0.0, "mastery": 0.0, "completed": False},
        {"module_id": "reading", "progress": 0.0, "mastery": 0.0, "completed": False},
    ]
    assert student_entry(progress, other_student)["modules"][0] == {
        "module_id": "doubling",
        "progress": 0.0,
        "mastery": 0.136,
        "completed": False,
    }


async def test_class_progress_gives_each_students_mastery_per_topic(
    api: ApiClient, teacher: Account, student: Account, other_student: Account
) -> None:
    await play_history(api, student, other_student)

    progress = await class_progress(api, teacher)

    untried = [
        {"topic": "adding", "p_known": 0.25, "attempts": 0, "mastered": False},
        {"topic": "halving", "p_known": 0.4, "attempts": 0, "mastered": False},
    ]
    assert student_entry(progress, student)["topics"] == [
        {"topic": "doubling", "p_known": FAIL_THEN_PASS, "attempts": 2, "mastered": False},
        *untried,
    ]
    assert student_entry(progress, other_student)["topics"] == [
        {"topic": "doubling", "p_known": 0.136, "attempts": 1, "mastered": False},
        *untried,
    ]


async def test_class_progress_gives_each_exercises_attempts_students_and_pass_rate(
    api: ApiClient, teacher: Account, student: Account, other_student: Account
) -> None:
    await play_history(api, student, other_student)

    progress = await class_progress(api, teacher)

    results = {
        exercise["exercise_id"]: {key: exercise[key] for key in UNTRIED}
        for exercise in progress["exercises"]
    }
    assert results == {
        "double-easy": {"attempts": 3, "students": 2, "students_passed": 1, "pass_rate": 0.5},
        "double-hard": UNTRIED,
        "add-two": UNTRIED,
        "halve": UNTRIED,
    }


@SQLITE_ONLY
async def test_class_progress_exercise_results_count_only_students(
    api: ApiClient, teacher: Account
) -> None:
    await submit(api, teacher, "double-easy", DOUBLE)

    progress = await class_progress(api, teacher)

    assert {key: progress["exercises"][0][key] for key in UNTRIED} == UNTRIED


# -- POST /course/reload ------------------------------------------------------------------------


async def test_course_reload_of_an_unchanged_course_reports_its_counts_and_no_problems(
    api: ApiClient, teacher: Account
) -> None:
    summary = await reload_course(api, teacher)

    assert summary == {"modules": 3, "lessons": 5, "exercises": 4, "problems": []}


async def test_course_reload_after_a_lesson_is_added_serves_it(
    api: ApiClient, teacher: Account, course_dir: Path
) -> None:
    write(
        course_dir / "01-doubling" / "lesson-3.ipynb",
        lesson_notebook("doubling-why-not", "Why not", 3),
    )

    summary = await reload_course(api, teacher)

    assert summary["lessons"] == 6
    reply = await api.get("/modules/doubling")
    assert [lesson["id"] for lesson in reply.json()["lessons"]] == [
        "doubling-why",
        "doubling-how",
        "doubling-why-not",
    ]


async def test_course_reload_after_a_lesson_is_added_lowers_the_derived_progress(
    api: ApiClient, teacher: Account, student: Account, course_dir: Path
) -> None:
    await complete(api, student, "doubling-why")
    write(
        course_dir / "01-doubling" / "lesson-3.ipynb",
        lesson_notebook("doubling-why-not", "Why not", 3),
    )

    await reload_course(api, teacher)

    reply = await api.get(f"/progress/user/{student.id}", token=student.token)
    # One lesson of three, plus two exercises.
    assert [record["progress"] for record in reply.json()] == [20.0]


async def test_course_reload_after_a_title_is_edited_serves_the_new_title(
    api: ApiClient, teacher: Account, course_dir: Path
) -> None:
    write(
        course_dir / "01-doubling" / "exercise-1.ipynb",
        exercise_notebook(
            "double-easy", "Twice as much", "doubling", "easy", 3, DOUBLE_TEST, DOUBLE
        ),
    )

    await reload_course(api, teacher)

    reply = await api.get("/exercises/double-easy")
    assert reply.json()["title"] == "Twice as much"


async def test_course_reload_with_a_new_broken_notebook_reports_it_and_loads_the_rest(
    api: ApiClient, teacher: Account, course_dir: Path
) -> None:
    write(course_dir / "01-doubling" / "lesson-3.ipynb", "{ this is not a notebook")

    summary = await reload_course(api, teacher)

    assert [problem["path"] for problem in summary["problems"]] == ["01-doubling/lesson-3.ipynb"]
    assert summary["problems"][0]["problem"].strip()
    assert (summary["modules"], summary["lessons"], summary["exercises"]) == (3, 5, 4)
    reply = await api.get("/modules/doubling")
    assert [lesson["id"] for lesson in reply.json()["lessons"]] == ["doubling-why", "doubling-how"]


async def test_course_reload_with_an_exercise_broken_by_an_edit_leaves_it_out(
    api: ApiClient, teacher: Account, course_dir: Path
) -> None:
    write(course_dir / "01-doubling" / "exercise-1.ipynb", "{ this is not a notebook")

    summary = await reload_course(api, teacher)

    assert [problem["path"] for problem in summary["problems"]] == ["01-doubling/exercise-1.ipynb"]
    assert summary["exercises"] == 3
    assert_error(await api.get("/exercises/double-easy"), 404, "exercise_not_found")


async def test_course_reload_after_an_exercise_is_removed_makes_it_404(
    api: ApiClient, teacher: Account, student: Account, course_dir: Path
) -> None:
    (course_dir / "01-doubling" / "exercise-2.ipynb").unlink()

    summary = await reload_course(api, teacher)

    assert summary["exercises"] == 3
    assert_error(await api.get("/exercises/double-hard"), 404, "exercise_not_found")
    reply = await api.post(
        "/exercises/double-hard/submissions", {"code": DOUBLE}, token=student.token
    )
    assert_error(reply, 404, "exercise_not_found")


async def test_course_reload_after_an_exercise_is_removed_drops_it_from_class_progress(
    api: ApiClient, teacher: Account, course_dir: Path
) -> None:
    (course_dir / "01-doubling" / "exercise-2.ipynb").unlink()

    await reload_course(api, teacher)

    progress = await class_progress(api, teacher)
    assert [exercise["exercise_id"] for exercise in progress["exercises"]] == [
        "double-easy",
        "add-two",
        "halve",
    ]


# -- who may do what ----------------------------------------------------------------------------

LEARNING_ROUTES = [
    ("POST", "/lessons/doubling-why/complete"),
    ("GET", "/recommendations/next"),
    ("POST", "/exercises/double-easy/submissions"),
    ("GET", "/exercises/double-easy/submissions"),
    ("GET", "/exercises/double-easy/submissions/00000000-0000-4000-8000-000000000000"),
    ("GET", "/class/progress"),
    ("POST", "/course/reload"),
]
TEACHER_ROUTES = [("GET", "/class/progress"), ("POST", "/course/reload")]


async def call(api: ApiClient, method: str, path: str, token: str | None) -> Any:
    json_body = {"code": DOUBLE} if path.endswith("/submissions") and method == "POST" else None
    return await api.request(method, path, json_body=json_body, token=token)


@SQLITE_ONLY
@pytest.mark.parametrize(("method", "path"), LEARNING_ROUTES)
async def test_route_without_token_is_401_with_bearer_challenge(
    api: ApiClient, method: str, path: str
) -> None:
    reply = await call(api, method, path, token=None)

    assert_error(reply, 401, "not_authenticated")
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


@SQLITE_ONLY
@pytest.mark.parametrize("token", ["garbage", "a.b.c"], ids=["garbage", "three-parts"])
@pytest.mark.parametrize(("method", "path"), [*LEARNING_ROUTES, ("GET", "/topics")])
async def test_route_with_bad_token_is_401(
    api: ApiClient, method: str, path: str, token: str
) -> None:
    reply = await call(api, method, path, token=token)

    assert_error(reply, 401)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


@SQLITE_ONLY
@pytest.mark.parametrize(("method", "path"), LEARNING_ROUTES)
async def test_route_with_signed_out_token_is_401(
    api: ApiClient, student: Account, method: str, path: str
) -> None:
    await api.post("/auth/logout", token=student.token)

    reply = await call(api, method, path, token=student.token)

    assert_error(reply, 401)


@SQLITE_ONLY
@pytest.mark.parametrize(("method", "path"), TEACHER_ROUTES)
async def test_teacher_route_for_a_student_is_403(
    api: ApiClient, student: Account, method: str, path: str
) -> None:
    reply = await call(api, method, path, token=student.token)

    assert_error(reply, 403, "teachers_only")


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        ("student", "POST", "/lessons/doubling-why/complete", 200),
        ("student", "GET", "/recommendations/next", 200),
        ("student", "POST", "/exercises/double-easy/submissions", 201),
        ("student", "GET", "/exercises/double-easy/submissions", 200),
        ("teacher", "GET", "/class/progress", 200),
        ("teacher", "POST", "/course/reload", 200),
    ],
)
async def test_route_for_its_caller_succeeds(
    api: ApiClient,
    student: Account,
    teacher: Account,
    role: str,
    method: str,
    path: str,
    status: int,
) -> None:
    caller = {"student": student, "teacher": teacher}[role]

    reply = await call(api, method, path, token=caller.token)

    assert reply.status == status, reply.body


@SQLITE_ONLY
async def test_progress_of_another_student_is_403_and_shows_nothing_of_it(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await complete(api, other_student, "doubling-why")

    reply = await api.get(f"/progress/user/{other_student.id}", token=student.token)

    assert_error(reply, 403, "not_your_progress")
    assert b"doubling" not in reply.body


@SQLITE_ONLY
async def test_submissions_of_another_student_are_403(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    reply = await api.get(
        f"/exercises/double-easy/submissions?user_id={other_student.id}", token=student.token
    )

    assert_error(reply, 403, "not_your_progress")


@SQLITE_ONLY
async def test_submissions_of_a_student_for_a_teacher_are_the_students_own_view(
    api: ApiClient, student: Account, teacher: Account
) -> None:
    await submit(api, student, "double-easy", WRONG_DOUBLE)
    own_view = await api.get("/exercises/double-easy/submissions", token=student.token)

    reply = await api.get(
        f"/exercises/double-easy/submissions?user_id={student.id}", token=teacher.token
    )

    assert reply.status == 200
    assert reply.json() == own_view.json()
    assert [submission["status"] for submission in reply.json()] == ["failed"]
