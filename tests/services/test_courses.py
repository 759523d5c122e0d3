"""Indexing the course into the database, through a running server: CourseService.index."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook
from sqlalchemy import select

from learnflow_ext.app import bundled_course_dir
from learnflow_ext.models import Exercise, Lesson, Module, ModuleProgress
from learnflow_ext.services.content import load_course
from tests.conftest import Account, ApiClient

BUNDLED_COURSE = load_course(bundled_course_dir())


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A copy of the bundled course that the test may change."""
    return Path(shutil.copytree(bundled_course_dir(), tmp_path / "course"))


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], course_dir: Path) -> dict[str, Any]:
    # The learnflow_config marker takes fixed values; each test's course lives in its tmp_path.
    jp_server_config["LearnFlow"]["course_dir"] = str(course_dir)
    return jp_server_config


def notebook_id(path: Path) -> str:
    return nbformat.read(path, as_version=4).metadata["learnflow"]["id"]


def active_ids(learnflow: Any) -> dict[str, list[str]]:
    """Return the ids of the active modules, lessons and exercises in the database."""
    with learnflow.database.transaction() as session:
        return {
            model.__tablename__: sorted(session.scalars(select(model.id).where(model.active)))
            for model in (Module, Lesson, Exercise)
        }


def bundled_ids() -> dict[str, list[str]]:
    modules = BUNDLED_COURSE.modules
    return {
        "modules": sorted(module.id for module in modules),
        "lessons": sorted(lesson.id for module in modules for lesson in module.lessons),
        "exercises": sorted(item.id for module in modules for item in module.exercises),
    }


async def listed_lesson_ids(api: ApiClient) -> list[str]:
    reply = await api.get("/modules")
    assert reply.status == 200, reply.body
    return [lesson["id"] for module in reply.json() for lesson in module["lessons"]]


async def listed_module_ids(api: ApiClient) -> list[str]:
    reply = await api.get("/modules")
    assert reply.status == 200, reply.body
    return [module["id"] for module in reply.json()]


async def test_bundled_course_is_indexed_by_notebook_ids(learnflow: Any) -> None:
    assert active_ids(learnflow) == bundled_ids()


async def test_bundled_course_modules_are_served_in_course_order(api: ApiClient) -> None:
    module_ids = await listed_module_ids(api)

    assert module_ids == [module.id for module in BUNDLED_COURSE.modules]


async def test_reload_of_unchanged_course_keeps_ids(learnflow: Any) -> None:
    before = active_ids(learnflow)

    learnflow.reload_course()

    assert active_ids(learnflow) == before


async def test_reload_of_unchanged_course_keeps_counts(learnflow: Any) -> None:
    summary = learnflow.reload_course()

    assert (summary.modules, summary.lessons, summary.exercises, summary.problems) == (
        len(BUNDLED_COURSE.modules),
        BUNDLED_COURSE.lesson_count,
        BUNDLED_COURSE.exercise_count,
        0,
    )


async def test_reload_after_lesson_deleted_hides_it_from_modules(
    api: ApiClient, learnflow: Any, course_dir: Path
) -> None:
    lesson_path = course_dir / "03-loops" / "lesson-02-while-loops.ipynb"
    lesson_id = notebook_id(lesson_path)
    assert lesson_id in await listed_lesson_ids(api)
    lesson_path.unlink()

    learnflow.reload_course()

    lesson_ids = await listed_lesson_ids(api)
    assert lesson_id not in lesson_ids
    assert len(lesson_ids) == BUNDLED_COURSE.lesson_count - 1


async def test_reload_after_module_deleted_hides_it_from_modules(
    api: ApiClient, learnflow: Any, course_dir: Path
) -> None:
    module_id = notebook_id(course_dir / "02-conditionals" / "index.ipynb")
    shutil.rmtree(course_dir / "02-conditionals")

    learnflow.reload_course()

    module_ids = await listed_module_ids(api)
    assert module_id not in module_ids
    assert len(module_ids) == len(BUNDLED_COURSE.modules) - 1


async def test_reload_after_module_deleted_keeps_students_progress(
    api: ApiClient, learnflow: Any, course_dir: Path, student: Account
) -> None:
    module_id = notebook_id(course_dir / "02-conditionals" / "index.ipynb")
    reply = await api.put(
        f"/modules/{module_id}/progress", {"progress": 40.0, "mastery": 0.5}, token=student.token
    )
    assert reply.status == 200, reply.body
    shutil.rmtree(course_dir / "02-conditionals")

    learnflow.reload_course()

    with learnflow.database.transaction() as session:
        stored = session.scalars(select(ModuleProgress)).all()
        assert [(row.user_id, row.module_id, row.progress, row.mastery) for row in stored] == [
            (student.id, module_id, 40.0, 0.5)
        ]


async def test_reload_after_module_restored_serves_it_again(
    api: ApiClient, learnflow: Any, course_dir: Path, tmp_path: Path
) -> None:
    module_folder = course_dir / "02-conditionals"
    shutil.move(module_folder, tmp_path / "set-aside")
    learnflow.reload_course()
    shutil.move(tmp_path / "set-aside", module_folder)

    learnflow.reload_course()

    assert await listed_module_ids(api) == [module.id for module in BUNDLED_COURSE.modules]


BROKEN_PATH = "02-conditionals/lesson-99-broken.ipynb"
LOG_TO_CAPLOG = {"logging_config": {"loggers": {"LearnFlow": {"propagate": True}}}}


def broken_lesson(source: str = "# Broken", **facts: Any) -> str:
    """Return a lesson notebook as JSON text: one markdown cell, ``facts`` over valid ones."""
    lesson = new_notebook(cells=[new_markdown_cell(source)])
    lesson.metadata["learnflow"] = {
        "kind": "lesson",
        "id": "broken",
        "title": "Broken",
        "order": 9,
        **facts,
    }
    return nbformat.writes(lesson)


@pytest.mark.parametrize(
    "broken_notebook",
    [
        pytest.param("{ this is not a notebook", id="not-json"),
        pytest.param(broken_lesson(order=2**31), id="order-out-of-range"),
        pytest.param(broken_lesson(source="# Broken\x00"), id="nul-character"),
    ],
)
class TestServerStartedOnCourseWithBrokenNotebook:
    @pytest.fixture
    def course_dir(self, course_dir: Path, broken_notebook: str) -> Path:
        (course_dir / BROKEN_PATH).write_text(broken_notebook)
        return course_dir

    async def test_server_serves_the_rest_of_the_course(self, api: ApiClient) -> None:
        lesson_ids = await listed_lesson_ids(api)

        assert sorted(lesson_ids) == bundled_ids()["lessons"]

    @pytest.mark.learnflow_config(**LOG_TO_CAPLOG)
    async def test_server_logs_warning_naming_the_notebook(
        self, learnflow: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        warnings = [
            record.getMessage()
            for record in caplog.get_records("setup")
            if record.name == learnflow.log.name and record.levelname == "WARNING"
        ]

        assert len(warnings) == 1
        assert BROKEN_PATH in warnings[0]
