"""Turning a grading run into a submission: status, score, messages and output."""

from __future__ import annotations

from typing import Any

import pytest

from learnflow_ext.services.courses import GradableExercise
from learnflow_ext.services.submissions import (
    DEFAULT_HINT,
    MAX_STORED_OUTPUT_CHARS,
    NOT_RUN,
    grade_result,
)

NAMES = ["test_one", "test_two", "test_three"]


def exercise(hint: str = "") -> GradableExercise:
    return GradableExercise(
        id="double", module_id="basics", topic="functions", tests_code="", hint=hint,
        test_names=NAMES,
    )  # fmt: skip


def run(status: str = "ok", tests: list[dict[str, Any]] | None = None, **output: str) -> dict:
    return {
        "status": status,
        "tests": tests,
        "output": output.get("output", ""),
        "errors": output.get("errors", ""),
        "execution_time": 0.02,
    }


def outcome(name: str, passed: bool, message: str = "") -> dict[str, Any]:
    return {"name": name, "passed": passed, "message": message}


def test_run_passing_every_test_is_passed_with_score_1() -> None:
    graded = grade_result(exercise(), run(tests=[outcome(name, True) for name in NAMES]))

    assert (graded["status"], graded["score"]) == ("passed", 1.0)


def test_run_passing_one_test_of_three_is_failed_with_its_share() -> None:
    tests = [
        outcome("test_one", True),
        outcome("test_two", False, "no"),
        outcome("test_three", False, "no"),
    ]

    graded = grade_result(exercise(), run(tests=tests))

    assert (graded["status"], graded["score"]) == ("failed", 0.3333)


def test_failed_test_without_message_gets_the_exercises_hint() -> None:
    tests = [outcome("test_one", False), *(outcome(name, True) for name in NAMES[1:])]

    graded = grade_result(exercise(hint="Return twice the number."), run(tests=tests))

    assert graded["tests"][0]["message"] == "Return twice the number."


def test_failed_test_without_message_or_hint_gets_the_default_message() -> None:
    tests = [outcome("test_one", False), *(outcome(name, True) for name in NAMES[1:])]

    graded = grade_result(exercise(), run(tests=tests))

    assert graded["tests"][0]["message"] == DEFAULT_HINT


@pytest.mark.parametrize(
    "reported",
    [
        [outcome("test_one", True)],
        [outcome(name, True) for name in reversed(NAMES)],
        [*(outcome(name, True) for name in NAMES), outcome("test_extra", True)],
    ],
    ids=["fewer", "reordered", "extra"],
)
def test_report_naming_other_tests_than_the_exercises_is_an_error(reported: list) -> None:
    graded = grade_result(exercise(), run(tests=reported))

    assert (graded["status"], graded["score"]) == ("error", 0.0)
    assert [test["name"] for test in graded["tests"]] == NAMES


def test_run_ending_without_a_report_is_an_error_with_every_test_not_run() -> None:
    graded = grade_result(exercise(), run(status="ok", tests=None))

    assert graded["status"] == "error"
    assert {test["message"] for test in graded["tests"]} == {NOT_RUN["ok"]}


@pytest.mark.parametrize("status", ["timeout", "memory_limit", "output_limit", "killed"])
def test_run_stopped_at_a_limit_keeps_its_status_with_every_test_not_run(status: str) -> None:
    graded = grade_result(exercise(), run(status=status, tests=None))

    assert (graded["status"], graded["score"]) == (status, 0.0)
    assert {test["message"] for test in graded["tests"]} == {NOT_RUN[status]}


def test_output_longer_than_kept_is_cut_with_a_note() -> None:
    graded = grade_result(exercise(), run(tests=None, output="x" * (MAX_STORED_OUTPUT_CHARS + 5)))

    assert graded["output"].startswith("x" * MAX_STORED_OUTPUT_CHARS + "\n[cut:")
