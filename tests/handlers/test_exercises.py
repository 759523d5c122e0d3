"""GET /exercises/topic/{topic} and GET /exercises/{exercise_id}."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

import nbformat
import pytest
from sqlalchemy import select

from learnflow_ext.app import bundled_course_dir
from learnflow_ext.models import DIFFICULTIES, Exercise
from learnflow_ext.services.content import load_course
from tests.conftest import ApiClient, assert_error

TOPICS = ["values-and-variables", "conditionals", "loops", "functions"]
EXERCISE_FIELDS = {"id", "title", "description", "topic", "difficulty", "content"}
EXERCISE_DETAIL_FIELDS = EXERCISE_FIELDS | {"module_id", "prompt", "starter_code"}


@dataclass(frozen=True)
class StoredExercise:
    """What the database holds for an exercise, including the parts students never see."""

    id: str
    prompt: str
    starter_code: str
    tests_code: str
    solution_code: str


def stored_exercises(learnflow: Any, topic: str) -> list[StoredExercise]:
    query = select(Exercise).where(Exercise.topic == topic).order_by(Exercise.order)
    with learnflow.database.transaction() as session:
        return [
            StoredExercise(row.id, row.prompt, row.starter_code, row.tests_code, row.solution_code)
            for row in session.scalars(query)
        ]


def hidden_test_names(tests_code: str) -> list[str]:
    return [
        node.name
        for node in ast.parse(tests_code).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]


def solution_only_lines(exercise: StoredExercise) -> list[str]:
    """Return the solution's lines that the starter code does not already show."""
    starter = {line.strip() for line in exercise.starter_code.splitlines()}
    return [
        line.strip()
        for line in exercise.solution_code.splitlines()
        if line.strip() and line.strip() not in starter
    ]


async def exercises_by_id(api: ApiClient, topic: str) -> dict[str, dict[str, Any]]:
    reply = await api.get(f"/exercises/topic/{topic}")
    assert reply.status == 200, reply.body
    return {exercise["id"]: exercise for exercise in reply.json()}


# -- listing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", TOPICS)
async def test_topic_exercises_are_that_topics_exercises(
    api: ApiClient, learnflow: Any, topic: str
) -> None:
    expected = [exercise.id for exercise in stored_exercises(learnflow, topic)]

    reply = await api.get(f"/exercises/topic/{topic}")

    assert reply.status == 200
    exercises = reply.json()
    assert [exercise["id"] for exercise in exercises] == expected
    assert {exercise["topic"] for exercise in exercises} == {topic}
    assert [exercise["difficulty"] for exercise in exercises] == ["easy", "medium", "hard"]


async def test_topic_exercises_give_exactly_the_documented_fields(api: ApiClient) -> None:
    reply = await api.get("/exercises/topic/loops")

    for exercise in reply.json():
        assert set(exercise) == EXERCISE_FIELDS
        assert exercise["title"].strip()
        assert isinstance(exercise["description"], str)


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
@pytest.mark.parametrize("topic", TOPICS)
async def test_topic_exercises_filtered_by_difficulty_are_only_that_difficulty(
    api: ApiClient, topic: str, difficulty: str
) -> None:
    reply = await api.get(f"/exercises/topic/{topic}?difficulty={difficulty}")

    assert reply.status == 200
    exercises = reply.json()
    assert len(exercises) == 1
    assert exercises[0]["difficulty"] == difficulty
    assert exercises[0]["topic"] == topic


@pytest.mark.parametrize("topic", ["LOOPS", "Loops", "lOoPs"])
async def test_topic_exercises_match_topic_regardless_of_case(api: ApiClient, topic: str) -> None:
    expected = (await api.get("/exercises/topic/loops")).json()

    reply = await api.get(f"/exercises/topic/{topic}")

    assert reply.status == 200
    assert reply.json() == expected


@pytest.mark.parametrize(
    "topic",
    ["no-such-topic", "loop", "%00", "..", "x" * 300, "loops'%20OR%20'1'='1"],
    ids=["unknown", "prefix", "nul", "dot-dot", "300-chars", "quote"],
)
async def test_topic_exercises_unknown_topic_is_empty_list(api: ApiClient, topic: str) -> None:
    reply = await api.get(f"/exercises/topic/{topic}")

    assert reply.status == 200
    assert reply.json() == []


@pytest.mark.parametrize("difficulty", ["impossible", "EASY", "", "easy,hard"])
async def test_topic_exercises_unknown_difficulty_is_422(api: ApiClient, difficulty: str) -> None:
    reply = await api.get(f"/exercises/topic/loops?difficulty={difficulty}")

    body = assert_error(reply, 422)
    assert [problem["field"] for problem in body["details"]] == ["difficulty"]


async def test_topic_exercises_without_token_are_public(api: ApiClient) -> None:
    reply = await api.get("/exercises/topic/loops")

    assert reply.status == 200


# -- what a student may see ---------------------------------------------------------------------


@pytest.mark.parametrize("topic", TOPICS)
async def test_exercise_content_shows_the_prompt_and_the_starter_code(
    api: ApiClient, learnflow: Any, topic: str
) -> None:
    stored = stored_exercises(learnflow, topic)

    served = await exercises_by_id(api, topic)

    for exercise in stored:
        content = served[exercise.id]["content"]
        assert exercise.prompt.strip() in content
        assert f"```python\n{exercise.starter_code.rstrip()}\n```" in content


@pytest.mark.parametrize("topic", TOPICS)
async def test_exercise_content_never_shows_the_hidden_tests(
    api: ApiClient, learnflow: Any, topic: str
) -> None:
    stored = stored_exercises(learnflow, topic)

    served = await exercises_by_id(api, topic)

    for exercise in stored:
        content = served[exercise.id]["content"]
        assert "def test_" not in content
        for name in hidden_test_names(exercise.tests_code):
            assert name not in content, f"{exercise.id} shows its hidden test {name}"


@pytest.mark.parametrize("topic", TOPICS)
async def test_exercise_content_never_shows_the_solution(
    api: ApiClient, learnflow: Any, topic: str
) -> None:
    stored = stored_exercises(learnflow, topic)

    served = await exercises_by_id(api, topic)

    for exercise in stored:
        content = served[exercise.id]["content"]
        assert solution_only_lines(exercise), f"{exercise.id}: the solution adds nothing"
        for line in solution_only_lines(exercise):
            assert line not in content, f"{exercise.id} shows its solution line {line!r}"


# -- one exercise by id -------------------------------------------------------------------------


def all_stored_exercises(learnflow: Any) -> list[Exercise]:
    with learnflow.database.transaction() as session:
        return list(session.scalars(select(Exercise).order_by(Exercise.id)))


async def test_exercise_by_id_gives_exactly_the_documented_fields(
    api: ApiClient, learnflow: Any
) -> None:
    exercise = all_stored_exercises(learnflow)[0]

    reply = await api.get(f"/exercises/{exercise.id}")

    assert reply.status == 200
    assert set(reply.json()) == EXERCISE_DETAIL_FIELDS


async def test_exercise_by_id_is_that_exercise_with_its_prompt_starter_code_and_module(
    api: ApiClient, learnflow: Any
) -> None:
    for exercise in all_stored_exercises(learnflow):
        served = (await api.get(f"/exercises/{exercise.id}")).json()

        assert {key: served[key] for key in ("id", "module_id", "topic", "difficulty")} == {
            "id": exercise.id,
            "module_id": exercise.module_id,
            "topic": exercise.topic,
            "difficulty": exercise.difficulty,
        }
        assert (served["prompt"], served["starter_code"]) == (
            exercise.prompt,
            exercise.starter_code,
        )


async def test_exercise_by_id_never_shows_hidden_tests_or_solution(
    api: ApiClient, learnflow: Any
) -> None:
    for exercise in all_stored_exercises(learnflow):
        served = (await api.get(f"/exercises/{exercise.id}")).json()
        shown = "\n".join(str(value) for value in served.values())

        for name in hidden_test_names(exercise.tests_code):
            assert name not in shown, f"{exercise.id} shows its hidden test {name}"
        assert exercise.tests_code.strip() not in shown, f"{exercise.id} shows its tests"
        assert exercise.solution_code.strip() not in shown, f"{exercise.id} shows its solution"


@pytest.mark.parametrize(
    "exercise_id", ["no-such-exercise", "..", "%2E%2E%2Fmodules", "x" * 300, "%00"]
)
async def test_exercise_unknown_id_is_404(api: ApiClient, exercise_id: str) -> None:
    reply = await api.get(f"/exercises/{exercise_id}")

    assert_error(reply, 404, "exercise_not_found")


async def test_exercise_that_left_the_course_is_404(api: ApiClient, learnflow: Any) -> None:
    exercise_id = all_stored_exercises(learnflow)[0].id
    with learnflow.database.transaction() as session:
        session.get_one(Exercise, exercise_id).active = False

    reply = await api.get(f"/exercises/{exercise_id}")

    assert_error(reply, 404, "exercise_not_found")


# -- topics -------------------------------------------------------------------------------------


def stored_counts(learnflow: Any) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for exercise in all_stored_exercises(learnflow):
        if exercise.active:
            per_difficulty = counts.setdefault(exercise.topic, dict.fromkeys(DIFFICULTIES, 0))
            per_difficulty[exercise.difficulty] += 1
    return counts


async def test_topics_are_the_courses_topics_in_course_order(api: ApiClient) -> None:
    course = load_course(bundled_course_dir())
    in_course_order = [
        exercise.topic
        for module in course.modules
        for exercise in sorted(module.exercises, key=lambda exercise: (exercise.order, exercise.id))
    ]

    reply = await api.get("/topics")

    assert reply.status == 200
    assert [entry["topic"] for entry in reply.json()] == list(dict.fromkeys(in_course_order))


async def test_topics_count_each_topics_exercises_per_difficulty(
    api: ApiClient, learnflow: Any
) -> None:
    reply = await api.get("/topics")

    assert {entry["topic"]: entry["exercises"] for entry in reply.json()} == stored_counts(
        learnflow
    )


async def test_topic_whose_exercises_all_left_the_course_is_not_listed(
    api: ApiClient, learnflow: Any
) -> None:
    with learnflow.database.transaction() as session:
        for exercise in session.scalars(select(Exercise).where(Exercise.topic == "loops")):
            exercise.active = False

    reply = await api.get("/topics")

    assert "loops" not in [entry["topic"] for entry in reply.json()]


# -- GET /exercises/{exercise_id}/notebook ------------------------------------------------------


async def test_exercise_notebook_holds_the_prompt_and_the_starter_code_only(
    api: ApiClient, learnflow: Any
) -> None:
    for exercise in all_stored_exercises(learnflow):
        reply = await api.get(f"/exercises/{exercise.id}/notebook")

        assert reply.status == 200
        notebook = nbformat.reads(reply.body.decode(), as_version=4)
        nbformat.validate(notebook)
        cells = [(c.cell_type, c.metadata["learnflow"]["role"], c.source) for c in notebook.cells]
        assert cells == [
            ("markdown", "prompt", exercise.prompt),
            ("code", "starter", exercise.starter_code),
        ]


async def test_exercise_notebook_names_the_exercise_in_its_metadata(
    api: ApiClient, learnflow: Any
) -> None:
    exercise = all_stored_exercises(learnflow)[0]

    notebook = (await api.get(f"/exercises/{exercise.id}/notebook")).json()

    facts = notebook["metadata"]["learnflow"]
    assert facts == {
        "kind": "exercise",
        "id": exercise.id,
        "module_id": exercise.module_id,
        "title": exercise.title,
        "topic": exercise.topic,
        "difficulty": exercise.difficulty,
    }


async def test_exercise_notebook_never_shows_hidden_tests_or_solution(
    api: ApiClient, learnflow: Any
) -> None:
    for exercise in all_stored_exercises(learnflow):
        served = (await api.get(f"/exercises/{exercise.id}/notebook")).body.decode()

        for name in hidden_test_names(exercise.tests_code):
            assert name not in served, f"{exercise.id} shows its hidden test {name}"
        assert json.dumps(exercise.solution_code)[1:-1] not in served, exercise.id


async def test_exercise_notebook_of_an_unknown_exercise_is_404(api: ApiClient) -> None:
    reply = await api.get("/exercises/no-such-exercise/notebook")

    assert_error(reply, 404)
