"""POST and GET /exercises/{exercise_id}/submissions: grading code against hidden tests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from learnflow_ext.app import bundled_course_dir
from learnflow_ext.models import Submission
from learnflow_ext.services.content import load_course
from tests.conftest import SQLITE_ONLY, Account, ApiClient, Response, assert_error
from tests.services.test_content import (
    code,
    exercise_facts,
    markdown,
    module_facts,
    notebook,
    write,
)

SUBMISSION_FIELDS = {
    "id", "exercise_id", "user_id", "status", "score", "tests", "output", "errors",
    "execution_time", "code", "created_at",
}  # fmt: skip
MASTERY_FIELDS = {"topic", "p_known", "attempts", "mastered"}
DEFAULT_HINT = "This check failed. Compare what your code gives with the examples in the prompt."
OUTPUT_LIMIT_CHARS = 10_000

# -- a small course -----------------------------------------------------------------------------

DOUBLE_HINT = "Multiply the number by two and return it as an int."
# Lines of the hidden tests and the solution that must never reach a student.
HIDDEN_TEST_LINE = '"""Hidden helper 5e1d: double(number) must be the int expected."""'
SOLUTION_LINE = "return number + number  # reference solution 9c2b"
DOUBLE_TESTS = f"""
def check(number, expected):
    {HIDDEN_TEST_LINE}
    result = double(number)
    assert isinstance(result, int), f"double({{number}}) should give an int, got {{result!r}}"
    assert result == expected, f"double({{number}}) should be {{expected}}, got {{result!r}}"


def test_doubles_three():
    check(3, 6)


def test_doubles_minus_four():
    check(-4, -8)


def test_doubles_zero():
    assert type(double(0)) is int and double(0) == 0


def test_taking_an_argument_is_no_test(number):
    check(number, 2 * number)
"""
DOUBLE_TEST_NAMES = ["test_doubles_three", "test_doubles_minus_four", "test_doubles_zero"]
DOUBLE_SOLUTION = f"def double(number):\n    {SOLUTION_LINE}"
# Wrong for every test: double(3) is 4, double(-4) is -3, double(0) is 1.
WRONG_DOUBLE = "def double(number):\n    return number + 1"
GREET_TESTS = 'def test_greets_ada():\n    assert greet("Ada") == "Hello, Ada!"'
GREET_SOLUTION = 'def greet(name):\n    return f"Hello, {name}!"'


def write_course(root: Path) -> Path:
    """Write a course of one module, one lesson and two exercises: double (with a hint), greet."""
    module = root / "01-basics"
    write(module / "index.ipynb", notebook(module_facts(), [markdown("# Basics")]))
    write(
        module / "lesson-numbers.ipynb",
        notebook(
            {"kind": "lesson", "id": "numbers", "title": "Numbers", "order": 1},
            [markdown("# Numbers"), code("print(2 * 21)")],
        ),
    )
    write(
        module / "exercise-double.ipynb",
        notebook(
            exercise_facts(id="double", title="Double it", order=2, hint=DOUBLE_HINT),
            [
                markdown("Write `double(number)`, which returns twice `number`.", "prompt"),
                code("def double(number):\n    pass", "starter"),
                code(DOUBLE_TESTS, "tests"),
                code(DOUBLE_SOLUTION, "solution"),
            ],
        ),
    )
    write(
        module / "exercise-greet.ipynb",
        notebook(
            exercise_facts(id="greet", title="Greet", order=3, topic="strings"),
            [
                markdown("Write `greet(name)`, which returns `Hello, name!`.", "prompt"),
                code("def greet(name):\n    pass", "starter"),
                code(GREET_TESTS, "tests"),
                code(GREET_SOLUTION, "solution"),
            ],
        ),
    )
    return root


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The server serves the small course, unless the test names a course of its own."""
    config = jp_server_config["LearnFlow"]
    config.setdefault("course_dir", str(write_course(tmp_path / "course")))
    return jp_server_config


# -- helpers ------------------------------------------------------------------------------------


async def post_submission(
    api: ApiClient, account: Account, source: str, exercise_id: str = "double"
) -> Response:
    return await api.post(
        f"/exercises/{exercise_id}/submissions", {"code": source}, token=account.token
    )


async def submit(
    api: ApiClient, account: Account, source: str, exercise_id: str = "double"
) -> dict[str, Any]:
    """Submit ``source`` as ``account`` and return the graded submission."""
    reply = await post_submission(api, account, source, exercise_id)
    assert reply.status == 201, reply.body
    return reply.json()


def stored_count(learnflow: Any) -> int:
    with learnflow.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(Submission))


def messages(submission: dict[str, Any]) -> dict[str, str]:
    return {test["name"]: test["message"] for test in submission["tests"]}


def listed(submission: dict[str, Any]) -> dict[str, Any]:
    """Return a POST reply as the list of submissions shows it: without mastery."""
    return {key: value for key, value in submission.items() if key != "mastery"}


# -- grading ------------------------------------------------------------------------------------


@SQLITE_ONLY
async def test_submission_reply_is_201_with_exactly_the_documented_fields(
    api: ApiClient, student: Account
) -> None:
    reply = await post_submission(api, student, DOUBLE_SOLUTION)

    assert reply.status == 201
    submission = reply.json()
    assert set(submission) == SUBMISSION_FIELDS | {"mastery"}
    assert set(submission["mastery"]) == MASTERY_FIELDS
    assert (submission["exercise_id"], submission["user_id"]) == ("double", student.id)
    assert submission["code"] == DOUBLE_SOLUTION
    assert submission["execution_time"] > 0


@SQLITE_ONLY
async def test_submission_of_the_solution_passes_every_test_with_score_1(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, DOUBLE_SOLUTION)

    assert submission["status"] == "passed"
    assert submission["score"] == 1.0
    assert submission["tests"] == [
        {"name": name, "passed": True, "message": ""} for name in DOUBLE_TEST_NAMES
    ]


@SQLITE_ONLY
async def test_submission_tests_are_the_argumentless_test_functions_in_source_order(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, WRONG_DOUBLE)

    assert [test["name"] for test in submission["tests"]] == DOUBLE_TEST_NAMES


@SQLITE_ONLY
async def test_submission_of_wrong_code_fails_with_the_assertions_messages(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, WRONG_DOUBLE)

    assert submission["status"] == "failed"
    assert messages(submission)["test_doubles_three"] == "double(3) should be 6, got 4"
    assert messages(submission)["test_doubles_minus_four"] == "double(-4) should be -8, got -3"


@SQLITE_ONLY
async def test_submission_partly_right_scores_the_share_of_tests_passed(
    api: ApiClient, student: Account
) -> None:
    source = "def double(number):\n    return 6 if number == 3 else number + 1"

    submission = await submit(api, student, source)

    assert submission["status"] == "failed"
    assert submission["score"] == round(1 / 3, 4)
    assert [test["passed"] for test in submission["tests"]] == [True, False, False]


@SQLITE_ONLY
async def test_submission_failing_a_bare_assert_gets_the_exercises_hint(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, WRONG_DOUBLE)

    assert messages(submission)["test_doubles_zero"] == DOUBLE_HINT


@SQLITE_ONLY
async def test_submission_failing_a_bare_assert_without_hint_gets_the_default_message(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, "def greet(name):\n    return name", "greet")

    assert submission["status"] == "failed"
    assert submission["tests"] == [
        {"name": "test_greets_ada", "passed": False, "message": DEFAULT_HINT}
    ]


@SQLITE_ONLY
async def test_submission_raising_in_a_test_fails_it_naming_the_exception(
    api: ApiClient, student: Account
) -> None:
    source = "def double(number):\n    raise ValueError('no numbers today')"

    submission = await submit(api, student, source)

    assert submission["status"] == "failed"
    assert messages(submission)["test_doubles_three"] == "ValueError: no numbers today"


@SQLITE_ONLY
async def test_submission_with_a_syntax_error_is_error_with_no_test_run(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, "def double(number)\n    return 2 * number")

    assert submission["status"] == "error"
    assert submission["score"] == 0.0
    assert "SyntaxError" in submission["errors"]
    for test in submission["tests"]:
        assert not test["passed"]
        assert test["message"].startswith("not run: your code stopped with SyntaxError")


@SQLITE_ONLY
async def test_submission_raising_at_top_level_is_error_with_traceback_from_the_submission(
    api: ApiClient, student: Account
) -> None:
    source = "def double(number):\n    return 2 * number\n\nprint(1 / 0)"

    submission = await submit(api, student, source)

    assert submission["status"] == "error"
    assert submission["errors"].startswith("Traceback")
    assert 'File "<submission>", line 4' in submission["errors"]
    assert "runner.py" not in submission["errors"]
    for test in submission["tests"]:
        assert test["message"].startswith("not run: your code stopped with ZeroDivisionError")


@SQLITE_ONLY
async def test_submission_output_is_what_the_program_printed(
    api: ApiClient, student: Account
) -> None:
    source = f"import sys\nprint('trying')\nprint('careful', file=sys.stderr)\n{DOUBLE_SOLUTION}"

    submission = await submit(api, student, source)

    assert submission["status"] == "passed"
    assert submission["output"] == "trying\n"
    assert submission["errors"] == "careful\n"


@SQLITE_ONLY
async def test_submission_output_longer_than_the_limit_is_cut_with_a_note(
    api: ApiClient, student: Account
) -> None:
    source = f"print('x' * 25_000)\n{DOUBLE_SOLUTION}"

    submission = await submit(api, student, source)

    assert submission["status"] == "passed"
    kept, note = (
        submission["output"][:OUTPUT_LIMIT_CHARS],
        submission["output"][OUTPUT_LIMIT_CHARS:],
    )
    assert kept == "x" * OUTPUT_LIMIT_CHARS
    assert note.strip().startswith("[cut:")
    assert len(note) < 100


@SQLITE_ONLY
@pytest.mark.parametrize(
    "source",
    [WRONG_DOUBLE, "def double(number):\n    assert False", "print(undefined_name)"],
    ids=["failing", "failing-inside-the-code", "error"],
)
async def test_submission_reply_never_shows_the_hidden_tests_or_the_solution(
    api: ApiClient, student: Account, source: str
) -> None:
    reply = await post_submission(api, student, source)

    assert reply.status == 201
    body = reply.body.decode()
    for line in (HIDDEN_TEST_LINE, "Hidden helper 5e1d", "def check(", "reference solution 9c2b"):
        assert line not in body


# -- storing and listing ------------------------------------------------------------------------


async def test_submission_is_stored_and_listed_oldest_first(
    api: ApiClient, student: Account
) -> None:
    first = await submit(api, student, WRONG_DOUBLE)
    second = await submit(api, student, DOUBLE_SOLUTION)

    reply = await api.get("/exercises/double/submissions", token=student.token)

    assert reply.status == 200
    assert reply.json() == [listed(first), listed(second)]


async def test_submission_list_shows_only_the_callers_own_of_that_exercise(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    own = await submit(api, student, WRONG_DOUBLE)
    await submit(api, other_student, DOUBLE_SOLUTION)
    await submit(api, student, GREET_SOLUTION, "greet")

    reply = await api.get("/exercises/double/submissions", token=student.token)

    assert [submission["id"] for submission in reply.json()] == [own["id"]]


@SQLITE_ONLY
async def test_submission_list_without_submissions_is_empty(
    api: ApiClient, student: Account
) -> None:
    reply = await api.get("/exercises/double/submissions", token=student.token)

    assert reply.status == 200
    assert reply.json() == []


async def test_submission_list_for_a_teacher_naming_a_student_is_that_students(
    api: ApiClient, student: Account, teacher: Account
) -> None:
    submission = await submit(api, student, WRONG_DOUBLE)

    reply = await api.get(
        f"/exercises/double/submissions?user_id={student.id}", token=teacher.token
    )

    assert reply.status == 200
    assert reply.json() == [listed(submission)]


async def test_submission_list_of_another_student_for_a_student_is_403(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await submit(api, other_student, WRONG_DOUBLE)

    reply = await api.get(
        f"/exercises/double/submissions?user_id={other_student.id}", token=student.token
    )

    assert_error(reply, 403, "not_your_progress")


@SQLITE_ONLY
@pytest.mark.parametrize("user_id", [str(uuid.uuid4()), "nobody"], ids=["unused-uuid", "not-uuid"])
async def test_submission_list_of_unknown_user_for_a_teacher_is_404(
    api: ApiClient, teacher: Account, user_id: str
) -> None:
    reply = await api.get(f"/exercises/double/submissions?user_id={user_id}", token=teacher.token)

    assert_error(reply, 404, "user_not_found")


async def test_submission_location_serves_the_stored_submission(
    api: ApiClient, student: Account
) -> None:
    reply = await post_submission(api, student, DOUBLE_SOLUTION)

    location = reply.headers["Location"]
    fetched = await api.get(location.partition("/learnflow/api")[2], token=student.token)

    assert location.endswith(f"/learnflow/api/exercises/double/submissions/{reply.json()['id']}")
    assert fetched.status == 200
    assert fetched.json() == listed(reply.json())


@SQLITE_ONLY
async def test_submission_of_another_student_is_404_for_a_student_and_200_for_a_teacher(
    api: ApiClient, student: Account, other_student: Account, teacher: Account
) -> None:
    submission = await submit(api, other_student, WRONG_DOUBLE)
    path = f"/exercises/double/submissions/{submission['id']}"

    as_student = await api.get(path, token=student.token)
    as_teacher = await api.get(path, token=teacher.token)

    assert_error(as_student, 404, "submission_not_found")
    assert as_teacher.json() == listed(submission)


@SQLITE_ONLY
@pytest.mark.parametrize(
    "path",
    [
        f"/exercises/double/submissions/{uuid.uuid4()}",
        "/exercises/double/submissions/not-an-id",
        "/exercises/greet/submissions/{id}",
    ],
    ids=["unknown-id", "malformed-id", "other-exercise"],
)
async def test_submission_by_unknown_or_mismatched_id_is_404(
    api: ApiClient, student: Account, path: str
) -> None:
    submission = await submit(api, student, WRONG_DOUBLE)

    reply = await api.get(path.format(id=submission["id"]), token=student.token)

    assert_error(reply, 404, "submission_not_found")


async def test_submission_list_of_unknown_exercise_is_404(api: ApiClient, student: Account) -> None:
    reply = await api.get("/exercises/no-such-exercise/submissions", token=student.token)

    assert_error(reply, 404, "exercise_not_found")


async def test_submission_to_unknown_exercise_is_404_and_stores_nothing(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    reply = await post_submission(api, student, DOUBLE_SOLUTION, "no-such-exercise")

    assert_error(reply, 404, "exercise_not_found")
    assert stored_count(learnflow) == 0


# -- refused requests ---------------------------------------------------------------------------


@SQLITE_ONLY
@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no-token", "bad-token"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_submission_without_valid_token_is_401_and_stores_nothing(
    api: ApiClient, learnflow: Any, token: str | None, method: str
) -> None:
    reply = await api.request(
        method,
        "/exercises/double/submissions",
        json_body={"code": DOUBLE_SOLUTION} if method == "POST" else None,
        token=token,
    )

    assert_error(reply, 401)
    assert stored_count(learnflow) == 0


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"{not json", 400),
        (b'["def double(n): return 2 * n"]', 400),
        (b'"def double(n): return 2 * n"', 400),
        (b"{}", 422),
        (b'{"code": 42}', 422),
        (b'{"code": null}', 422),
        (b'{"code": "pass", "language": "python"}', 422),
    ],
    ids=[
        "empty",
        "malformed-json",
        "array",
        "string",
        "no-code",
        "number-code",
        "null-code",
        "extra-field",
    ],
)
async def test_submission_with_a_bad_body_is_refused_and_stores_nothing(
    api: ApiClient, learnflow: Any, student: Account, body: bytes, status: int
) -> None:
    reply = await api.post(
        "/exercises/double/submissions",
        body=body,
        token=student.token,
        headers={"Content-Type": "application/json"},
    )

    assert_error(reply, status)
    assert stored_count(learnflow) == 0


@SQLITE_ONLY
@pytest.mark.learnflow_config(max_code_bytes=100)
async def test_submission_larger_than_max_code_bytes_is_413_and_stores_nothing(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    source = f"{DOUBLE_SOLUTION}\n# {'padding ' * 20}"

    reply = await post_submission(api, student, source)

    assert_error(reply, 413, "code_too_large")
    assert stored_count(learnflow) == 0


async def test_submission_with_a_nul_character_is_422_and_stores_nothing(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    reply = await post_submission(api, student, f"{DOUBLE_SOLUTION}\n# \x00")

    body = assert_error(reply, 422, "invalid_input")
    assert [problem["field"] for problem in body["details"]] == ["code"]
    assert stored_count(learnflow) == 0


# -- the bundled course -------------------------------------------------------------------------

BUNDLED_EXERCISES = [
    exercise
    for module in load_course(bundled_course_dir()).modules
    for exercise in module.exercises
]
BUNDLED_COURSE = pytest.mark.learnflow_config(course_dir=str(bundled_course_dir()))


@SQLITE_ONLY
@BUNDLED_COURSE
async def test_every_bundled_solution_passes_its_hidden_tests(
    api: ApiClient, student: Account
) -> None:
    failures = []

    for exercise in BUNDLED_EXERCISES:
        graded = await submit(api, student, exercise.solution_code, exercise.id)
        if graded["status"] != "passed":
            failures.append(f"{exercise.id}: {graded['status']} {graded['tests']}")

    assert BUNDLED_EXERCISES
    assert failures == []


@SQLITE_ONLY
@BUNDLED_COURSE
async def test_every_bundled_starter_fails_its_hidden_tests(
    api: ApiClient, student: Account
) -> None:
    failures = []

    for exercise in BUNDLED_EXERCISES:
        graded = await submit(api, student, exercise.starter_code, exercise.id)
        if graded["status"] == "passed":
            failures.append(exercise.id)

    assert BUNDLED_EXERCISES
    assert failures == []
