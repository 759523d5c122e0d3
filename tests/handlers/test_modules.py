"""GET /modules and GET /modules/{module_id}, and how the API answers routes it does not have."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jwt
import nbformat
import pytest
from sqlalchemy import select

from learnflow_ext.app import bundled_course_dir
from learnflow_ext.models import Lesson
from learnflow_ext.services.content import load_course
from tests.conftest import ApiClient, assert_error

BUNDLED_COURSE = load_course(bundled_course_dir())
MODULE_FIELDS = {"id", "title", "description", "order", "lessons"}
LESSON_FIELDS = {"id", "title", "content", "order"}
FENCE = re.compile(r"^```(.*)$", re.MULTILINE)


def lesson_code_cells(learnflow: Any) -> dict[str, list[str]]:
    """Return each lesson's code cells, read straight from its notebook."""
    with learnflow.database.transaction() as session:
        paths = dict(session.execute(select(Lesson.id, Lesson.source_path)).all())
    cells = {}
    for lesson_id, path in paths.items():
        notebook = nbformat.read(Path(learnflow.course_dir) / path, as_version=4)
        cells[lesson_id] = [
            cell.source.strip("\n")
            for cell in notebook.cells
            if cell.cell_type == "code" and cell.source.strip()
        ]
    return cells


def allowed_methods(reply: Any) -> set[str]:
    return {method.strip() for method in reply.headers["Allow"].split(",")}


# -- GET /modules -------------------------------------------------------------------------------


async def test_list_modules_returns_modules_in_course_order(api: ApiClient) -> None:
    reply = await api.get("/modules")

    assert reply.status == 200
    modules = reply.json()
    assert [module["id"] for module in modules] == [m.id for m in BUNDLED_COURSE.modules]
    assert [module["order"] for module in modules] == sorted(module["order"] for module in modules)


async def test_list_modules_gives_each_module_exactly_the_documented_fields(
    api: ApiClient,
) -> None:
    reply = await api.get("/modules")

    for module in reply.json():
        assert set(module) == MODULE_FIELDS
        assert module["title"].strip()
        assert isinstance(module["description"], str)


async def test_list_modules_lists_each_modules_lessons_in_order(api: ApiClient) -> None:
    reply = await api.get("/modules")

    for module in reply.json():
        orders = [lesson["order"] for lesson in module["lessons"]]
        assert orders == list(range(1, len(orders) + 1))


async def test_list_modules_gives_each_lesson_exactly_the_documented_fields(
    api: ApiClient,
) -> None:
    reply = await api.get("/modules")

    lessons = [lesson for module in reply.json() for lesson in module["lessons"]]
    assert len(lessons) == BUNDLED_COURSE.lesson_count
    for lesson in lessons:
        assert set(lesson) == LESSON_FIELDS
        assert lesson["title"].strip()


async def test_lesson_content_fences_each_code_cell_as_python(
    api: ApiClient, learnflow: Any
) -> None:
    code_cells = lesson_code_cells(learnflow)

    reply = await api.get("/modules")

    for module in reply.json():
        for lesson in module["lessons"]:
            assert code_cells[lesson["id"]], f"lesson {lesson['id']} has no code cells"
            for source in code_cells[lesson["id"]]:
                assert f"```python\n{source}\n```" in lesson["content"], lesson["id"]


async def test_lesson_content_closes_every_code_fence(api: ApiClient) -> None:
    reply = await api.get("/modules")

    for module in reply.json():
        for lesson in module["lessons"]:
            assert len(FENCE.findall(lesson["content"])) % 2 == 0, lesson["id"]
            assert '"cell_type"' not in lesson["content"]


# -- GET /lessons/{lesson_id}/notebook ----------------------------------------------------------


async def test_lesson_notebook_is_a_valid_notebook_with_the_lessons_cells(
    api: ApiClient, learnflow: Any
) -> None:
    for lesson_id, code_cells in lesson_code_cells(learnflow).items():
        reply = await api.get(f"/lessons/{lesson_id}/notebook")

        assert reply.status == 200
        notebook = nbformat.reads(reply.body.decode(), as_version=4)
        nbformat.validate(notebook)
        served = [c.source.strip("\n") for c in notebook.cells if c.cell_type == "code"]
        assert [source for source in served if source.strip()] == code_cells, lesson_id


async def test_lesson_notebook_names_its_lesson_and_module_and_has_no_outputs(
    api: ApiClient, learnflow: Any
) -> None:
    with learnflow.database.transaction() as session:
        lessons = session.execute(select(Lesson.id, Lesson.module_id)).all()

    for lesson_id, module_id in lessons:
        notebook = (await api.get(f"/lessons/{lesson_id}/notebook")).json()

        facts = notebook["metadata"]["learnflow"]
        assert (facts["kind"], facts["id"], facts["module_id"]) == ("lesson", lesson_id, module_id)
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                assert (cell["outputs"], cell["execution_count"]) == ([], None)


@pytest.mark.parametrize("lesson_id", ["no-such-lesson", "UPPER", "a" * 65])
async def test_lesson_notebook_of_an_unknown_lesson_is_404(api: ApiClient, lesson_id: str) -> None:
    reply = await api.get(f"/lessons/{lesson_id}/notebook")

    assert_error(reply, 404)


# -- GET /modules/{module_id} -------------------------------------------------------------------


async def test_get_module_returns_the_module_with_its_lessons(api: ApiClient) -> None:
    listing = (await api.get("/modules")).json()

    reply = await api.get("/modules/loops")

    assert reply.status == 200
    module = reply.json()
    assert set(module) == MODULE_FIELDS
    assert module == next(item for item in listing if item["id"] == "loops")
    assert len(module["lessons"]) == 3


@pytest.mark.parametrize(
    "module_id",
    ["no-such-module", "%00", "..", "x" * 300, "loops%20", "%2E%2E%2Fsecrets", "loops'--"],
    ids=["unknown", "nul", "dot-dot", "300-chars", "trailing-space", "encoded-slash", "quote"],
)
async def test_get_module_unknown_id_is_404(api: ApiClient, module_id: str) -> None:
    reply = await api.get(f"/modules/{module_id}")

    assert_error(reply, 404, "module_not_found")


# -- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/modules", "/modules/loops"])
async def test_modules_without_token_are_public(api: ApiClient, path: str) -> None:
    reply = await api.get(path)

    assert reply.status == 200


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        jwt.encode({"sub": "someone", "jti": "x"}, "a-secret-that-is-not-the-servers-one-x"),
        "",
    ],
    ids=["garbage", "foreign-signature", "empty"],
)
@pytest.mark.parametrize("path", ["/modules", "/modules/loops"])
async def test_modules_with_bad_bearer_token_is_401(api: ApiClient, path: str, token: str) -> None:
    reply = await api.get(path, token=token)

    assert_error(reply, 401)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


# -- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/nope", "/modules/", "/modules/loops/lessons", "/progress/user", "/exercises/topic/"],
)
async def test_unknown_api_path_is_404(api: ApiClient, path: str) -> None:
    reply = await api.get(path)

    assert_error(reply, 404, "route_not_found")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_unknown_api_path_with_any_method_is_404(api: ApiClient, method: str) -> None:
    reply = await api.request(method, "/nope")

    assert_error(reply, 404, "route_not_found")


@pytest.mark.parametrize("path", ["", "/"], ids=["bare", "trailing-slash"])
async def test_api_root_is_404(api: ApiClient, path: str) -> None:
    reply = await api.get(path)

    assert_error(reply, 404, "route_not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/modules", {"GET", "OPTIONS"}),
        ("PUT", "/modules", {"GET", "OPTIONS"}),
        ("POST", "/modules/loops", {"GET", "OPTIONS"}),
        ("GET", "/modules/loops/progress", {"PUT", "OPTIONS"}),
        ("POST", "/progress/user/someone", {"GET", "OPTIONS"}),
        ("PATCH", "/exercises/topic/loops", {"GET", "OPTIONS"}),
    ],
)
async def test_wrong_method_is_405_with_allow_header(
    api: ApiClient, method: str, path: str, allowed: set[str]
) -> None:
    reply = await api.request(method, path)

    assert_error(reply, 405, "method_not_allowed")
    assert allowed_methods(reply) == allowed


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/nope", {}),
        ("GET", "/modules/nope", {}),
        ("GET", "/modules/%FF", {}),
        ("DELETE", "/modules", {}),
        ("PROPFIND", "/modules", {}),
        ("GET", "/modules", {"Authorization": "Bearer nonsense"}),
        ("GET", "/modules", {"Host": "attacker.example.org"}),
        ("PUT", "/modules/loops/progress", {}),
        ("GET", "/exercises/topic/loops?difficulty=impossible", {}),
    ],
    ids=[
        "unknown-route",
        "unknown-module",
        "invalid-utf8-in-path",
        "wrong-method",
        "unknown-method",
        "bad-token",
        "foreign-host",
        "not-signed-in",
        "invalid-query",
    ],
)
async def test_error_response_is_json_never_html(
    api: ApiClient, method: str, path: str, headers: dict[str, str]
) -> None:
    reply = await api.request(method, path, headers=headers)

    assert reply.status >= 400
    assert reply.headers["Content-Type"].startswith("application/json")
    assert b"<html" not in reply.body.lower()
    assert set(reply.json()) == {"code", "message", "reason", "details"}
