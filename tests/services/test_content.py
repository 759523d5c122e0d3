"""Reading a course directory of notebooks: load_course."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from learnflow_ext.app import bundled_course_dir
from learnflow_ext.models import DIFFICULTIES
from learnflow_ext.services.content import Course, load_course
from learnflow_ext.services.mastery import KnowledgeTracing

# -- building course notebooks ------------------------------------------------------------------

PROMPT = "Write a function `double(number)` that returns twice `number`."
STARTER = "def double(number):\n    pass"
TESTS = 'def test_doubles_three():\n    assert double(3) == 6, "double(3) should be 6"'
SOLUTION = "def double(number):\n    return 2 * number"


def markdown(source: str, role: str | None = None) -> Any:
    cell = new_markdown_cell(source)
    if role is not None:
        cell.metadata["learnflow"] = {"role": role}
    return cell


def code(source: str, role: str | None = None, outputs: list[Any] | None = None) -> Any:
    cell = new_code_cell(source, outputs=outputs or [])
    if role is not None:
        cell.metadata["learnflow"] = {"role": role}
    return cell


def notebook(facts: Any, cells: list[Any] | None = None) -> Any:
    """Return a notebook whose ``metadata.learnflow`` is ``facts`` (none at all if None)."""
    made = new_notebook(cells=cells or [])
    if facts is not None:
        made.metadata["learnflow"] = facts
    return made


def write(path: Path, content: Any) -> Path:
    """Write a notebook, or raw text when ``content`` is a string."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    else:
        nbformat.write(content, path)
    return path


def without(facts: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in facts.items() if name != key}


def module_facts(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "module",
        "id": "basics",
        "title": "Basics",
        "description": "Numbers and names.",
        "order": 1,
        **overrides,
    }


def lesson_facts(**overrides: Any) -> dict[str, Any]:
    return {"kind": "lesson", "id": "broken", "title": "A lesson", "order": 1, **overrides}


def exercise_facts(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "exercise",
        "id": "broken",
        "title": "An exercise",
        "description": "Double a number.",
        "topic": "functions",
        "difficulty": "easy",
        "order": 1,
        **overrides,
    }


def exercise_cells(
    *,
    starter: list[str] | None = None,
    tests: list[str] | None = None,
    solution: list[str] | None = None,
) -> list[Any]:
    """Cells of a valid exercise; give a role an empty list to leave it out."""
    return [
        markdown(PROMPT, "prompt"),
        *(code(source, "starter") for source in ([STARTER] if starter is None else starter)),
        *(code(source, "tests") for source in ([TESTS] if tests is None else tests)),
        *(code(source, "solution") for source in ([SOLUTION] if solution is None else solution)),
    ]


def lesson(facts: dict[str, Any]) -> Any:
    return notebook(facts, [markdown("# A lesson\n\nSome words."), code("print('hello')")])


def exercise(facts: dict[str, Any], cells: list[Any] | None = None) -> Any:
    return notebook(facts, exercise_cells() if cells is None else cells)


def build_course(root: Path) -> Path:
    """Write a small valid course: two modules, each with one lesson and one exercise."""
    write(root / "01-basics" / "index.ipynb", notebook(module_facts(), [markdown("# Basics")]))
    write(
        root / "01-basics" / "lesson-numbers.ipynb",
        lesson(lesson_facts(id="numbers", title="Numbers", order=1)),
    )
    write(
        root / "01-basics" / "exercise-double.ipynb",
        exercise(exercise_facts(id="double", title="Double it", order=2)),
    )
    write(
        root / "02-loops" / "index.ipynb",
        notebook(module_facts(id="loops", title="Loops", order=2), [markdown("# Loops")]),
    )
    write(
        root / "02-loops" / "lesson-for.ipynb",
        lesson(lesson_facts(id="for-loops", title="for loops", order=1)),
    )
    write(
        root / "02-loops" / "exercise-total.ipynb",
        exercise(
            exercise_facts(id="total", title="Add them up", topic="loops", difficulty="medium"),
        ),
    )
    return root


#: Every id of the course ``build_course`` writes, modules first, in course order.
VALID_COURSE_IDS = ["basics", "numbers", "double", "loops", "for-loops", "total"]


def loaded_ids(course: Course) -> list[str]:
    ids = []
    for module in course.modules:
        ids += [module.id, *(item.id for item in module.lessons + module.exercises)]
    return ids


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    return build_course(tmp_path / "course")


# -- the bundled course -------------------------------------------------------------------------

BUNDLED_COURSE = load_course(bundled_course_dir())
BUNDLED_EXERCISES = {
    exercise.id: exercise for module in BUNDLED_COURSE.modules for exercise in module.exercises
}


def test_bundled_course_loads_without_problems() -> None:
    assert [str(problem) for problem in BUNDLED_COURSE.problems] == []


def test_bundled_course_has_eight_modules_of_three_to_five_lessons() -> None:
    assert len(BUNDLED_COURSE.modules) >= 8
    assert all(3 <= len(module.lessons) <= 5 for module in BUNDLED_COURSE.modules)


def test_bundled_course_has_sixty_exercises_or_more() -> None:
    assert BUNDLED_COURSE.exercise_count >= 60


def test_bundled_course_exercises_cover_ten_topics_or_more() -> None:
    assert len({exercise.topic for exercise in BUNDLED_EXERCISES.values()}) >= 10


def test_bundled_course_has_every_difficulty_in_every_topic() -> None:
    difficulties: dict[str, set[str]] = {}
    for exercise in BUNDLED_EXERCISES.values():
        difficulties.setdefault(exercise.topic, set()).add(exercise.difficulty)

    assert {
        topic: found for topic, found in difficulties.items() if found != set(DIFFICULTIES)
    } == {}


# -- a valid course -----------------------------------------------------------------------------


def test_valid_course_loads_without_problems(course_dir: Path) -> None:
    course = load_course(course_dir)

    assert course.problems == []


def test_valid_course_loads_modules_with_ids_titles_and_order(course_dir: Path) -> None:
    course = load_course(course_dir)

    assert [
        (module.id, module.title, module.description, module.order, module.source_path)
        for module in course.modules
    ] == [
        ("basics", "Basics", "Numbers and names.", 1, "01-basics"),
        ("loops", "Loops", "Numbers and names.", 2, "02-loops"),
    ]


def test_valid_course_loads_lessons_with_ids_titles_and_order(course_dir: Path) -> None:
    course = load_course(course_dir)

    assert [
        (lesson.id, lesson.title, lesson.order, lesson.source_path)
        for module in course.modules
        for lesson in module.lessons
    ] == [
        ("numbers", "Numbers", 1, "01-basics/lesson-numbers.ipynb"),
        ("for-loops", "for loops", 1, "02-loops/lesson-for.ipynb"),
    ]


def test_valid_course_loads_exercise_facts(course_dir: Path) -> None:
    course = load_course(course_dir)

    assert [
        (item.id, item.title, item.description, item.topic, item.difficulty, item.order)
        for module in course.modules
        for item in module.exercises
    ] == [
        ("double", "Double it", "Double a number.", "functions", "easy", 2),
        ("total", "Add them up", "Double a number.", "loops", "medium", 1),
    ]


def test_exercise_parts_come_from_cell_roles(course_dir: Path) -> None:
    course = load_course(course_dir)

    double = course.modules[0].exercises[0]
    assert (double.prompt, double.starter_code, double.tests_code, double.solution_code) == (
        PROMPT,
        STARTER,
        TESTS,
        SOLUTION,
    )


def test_exercise_markdown_cells_without_role_join_the_prompt(course_dir: Path) -> None:
    cells = [markdown("Write `double`."), *exercise_cells()[1:], markdown("For example: 3 -> 6.")]
    write(course_dir / "01-basics" / "exercise-double.ipynb", exercise(exercise_facts(), cells))

    course = load_course(course_dir)

    assert course.modules[0].exercises[0].prompt == "Write `double`.\n\nFor example: 3 -> 6."


def test_exercise_tests_cells_are_joined_in_order(course_dir: Path) -> None:
    second = 'def test_doubles_zero():\n    assert double(0) == 0, "double(0) should be 0"'
    cells = exercise_cells(tests=[TESTS, second])
    write(course_dir / "01-basics" / "exercise-double.ipynb", exercise(exercise_facts(), cells))

    course = load_course(course_dir)

    assert course.modules[0].exercises[0].tests_code == f"{TESTS}\n\n{second}"


# -- lesson content -----------------------------------------------------------------------------


def write_numbers_lesson(course_dir: Path, cells: list[Any]) -> None:
    write(course_dir / "01-basics" / "lesson-numbers.ipynb", notebook(lesson_facts(), cells))


def test_lesson_content_keeps_markdown_and_fences_code_as_python(course_dir: Path) -> None:
    write_numbers_lesson(
        course_dir,
        [
            markdown("# Numbers\n\nPython does *arithmetic*:\n\n- `+` adds\n  - and more"),
            code("total = 1 + 2\nprint(total)"),
            markdown("That is all."),
        ],
    )

    content = load_course(course_dir).modules[0].lessons[0].content

    assert content == (
        "# Numbers\n\nPython does *arithmetic*:\n\n- `+` adds\n  - and more\n\n"
        "```python\ntotal = 1 + 2\nprint(total)\n```\n\n"
        "That is all.\n"
    )


def test_lesson_content_leaves_out_outputs(course_dir: Path) -> None:
    outputs = [
        new_output("stream", name="stdout", text="printed output\n"),
        new_output("execute_result", data={"text/plain": "'shown result'"}, execution_count=1),
    ]
    write_numbers_lesson(course_dir, [code("print('printed output')", outputs=outputs)])

    content = load_course(course_dir).modules[0].lessons[0].content

    assert content == "```python\nprint('printed output')\n```\n"


def test_lesson_content_leaves_out_blank_cells(course_dir: Path) -> None:
    write_numbers_lesson(course_dir, [markdown("# Numbers"), code("\n  \n"), markdown("")])

    content = load_course(course_dir).modules[0].lessons[0].content

    assert content == "# Numbers\n"


# -- order --------------------------------------------------------------------------------------


def test_modules_are_sorted_by_order_not_folder_name(tmp_path: Path) -> None:
    write(tmp_path / "a-module" / "index.ipynb", notebook(module_facts(id="later", order=2)))
    write(tmp_path / "b-module" / "index.ipynb", notebook(module_facts(id="sooner", order=1)))

    course = load_course(tmp_path)

    assert [module.id for module in course.modules] == ["sooner", "later"]


def test_lessons_are_sorted_by_order_not_file_name(course_dir: Path) -> None:
    module = course_dir / "01-basics"
    write(module / "a.ipynb", lesson(lesson_facts(id="third", order=30)))
    write(module / "b.ipynb", lesson(lesson_facts(id="second", order=20)))
    write(module / "z.ipynb", lesson(lesson_facts(id="first", order=0)))

    course = load_course(course_dir)

    assert [lesson.id for lesson in course.modules[0].lessons] == [
        "first",
        "numbers",
        "second",
        "third",
    ]


def test_exercises_are_sorted_by_order_not_file_name(course_dir: Path) -> None:
    write(course_dir / "01-basics" / "a.ipynb", exercise(exercise_facts(id="last", order=9)))

    course = load_course(course_dir)

    assert [item.id for item in course.modules[0].exercises] == ["double", "last"]


# -- broken notebooks ---------------------------------------------------------------------------

BROKEN_PATH = "02-loops/broken.ipynb"


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        pytest.param("this is { not json", "not valid JSON", id="not-json"),
        pytest.param("", "not valid JSON", id="empty-file"),
        pytest.param('{"hello": "world"}', "not a valid notebook", id="json-object-not-notebook"),
        pytest.param("[1, 2, 3]", "not a valid notebook", id="json-list-not-notebook"),
        pytest.param(
            '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "none"}',
            "not a valid notebook",
            id="notebook-with-bad-cells",
        ),
        pytest.param(notebook(None, [markdown("# Hi")]), "'learnflow'", id="no-learnflow-metadata"),
        pytest.param(notebook("lesson"), "'learnflow'", id="learnflow-metadata-not-object"),
        pytest.param(lesson(lesson_facts(kind="quiz")), "'quiz'", id="unknown-kind"),
        pytest.param(lesson(without(lesson_facts(), "kind")), "kind", id="no-kind"),
        pytest.param(lesson(lesson_facts(kind="module")), "index.ipynb", id="module-not-index"),
        pytest.param(lesson(lesson_facts(id="Broken")), "'Broken'", id="id-uppercase"),
        pytest.param(lesson(lesson_facts(id="my lesson")), "'my lesson'", id="id-with-space"),
        pytest.param(lesson(lesson_facts(id="a" * 65)), "64", id="id-too-long"),
        pytest.param(lesson(lesson_facts(id="-broken")), "'-broken'", id="id-leading-dash"),
        pytest.param(lesson(lesson_facts(id="broken\n")), "id", id="id-trailing-newline"),
        pytest.param(lesson(lesson_facts(id="")), "id ''", id="id-empty"),
        pytest.param(lesson(lesson_facts(id=7)), "id 7", id="id-not-string"),
        pytest.param(lesson(without(lesson_facts(), "id")), "id None", id="id-missing"),
        pytest.param(
            lesson(lesson_facts(id="numbers")),
            "already used by 01-basics/lesson-numbers.ipynb",
            id="id-duplicate-across-modules",
        ),
        pytest.param(
            exercise(exercise_facts(id="basics")), "already used", id="id-duplicate-of-module"
        ),
        pytest.param(lesson(without(lesson_facts(), "title")), "title", id="title-missing"),
        pytest.param(lesson(lesson_facts(title="   ")), "title", id="title-blank"),
        pytest.param(lesson(lesson_facts(title="t" * 201)), "title", id="title-too-long"),
        pytest.param(lesson(lesson_facts(order="2")), "order", id="order-string"),
        pytest.param(lesson(lesson_facts(order=1.5)), "order", id="order-float"),
        pytest.param(lesson(lesson_facts(order=True)), "order", id="order-bool"),
        pytest.param(lesson(without(lesson_facts(), "order")), "order", id="order-missing"),
        pytest.param(lesson(lesson_facts(order=2**31)), "order", id="order-above-32-bits"),
        pytest.param(lesson(lesson_facts(order=-(2**31) - 1)), "order", id="order-below-32-bits"),
        pytest.param(lesson(lesson_facts(title="Bad\x00title")), "NUL", id="title-with-nul"),
        pytest.param(
            notebook(lesson_facts(), [markdown("# Broken\x00")]), "NUL", id="cell-with-nul"
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(solution=[])),
            "'solution'",
            id="exercise-without-solution",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(solution=[SOLUTION, SOLUTION])),
            "'solution'",
            id="exercise-with-two-solutions",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(starter=[STARTER, STARTER])),
            "'starter'",
            id="exercise-with-two-starters",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(starter=[])),
            "'starter'",
            id="exercise-without-starter",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(tests=[])),
            "'tests'",
            id="exercise-without-tests",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(tests=["def helper():\n    return 1"])),
            "test function",
            id="tests-without-test-function",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(tests=["def test_x(value):\n    pass"])),
            "test function",
            id="test-function-with-arguments",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(tests=["def test_x(:\n    pass"])),
            "syntax error",
            id="tests-with-syntax-error",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells(solution=["def double(:"])),
            "syntax error",
            id="solution-with-syntax-error",
        ),
        pytest.param(
            exercise(exercise_facts(), [*exercise_cells(), code("print('stray')")]),
            "role",
            id="code-cell-without-role",
        ),
        pytest.param(
            exercise(exercise_facts(), [*exercise_cells(), code("x = 1", "answer")]),
            "'answer'",
            id="code-cell-with-unknown-role",
        ),
        pytest.param(
            exercise(exercise_facts(), [*exercise_cells(), markdown("x = 1", "solution")]),
            "markdown cell",
            id="markdown-cell-with-code-role",
        ),
        pytest.param(
            exercise(exercise_facts(), exercise_cells()[1:]),
            "no prompt",
            id="exercise-without-prompt",
        ),
        pytest.param(
            exercise(exercise_facts(difficulty="expert")), "'expert'", id="unknown-difficulty"
        ),
        pytest.param(
            exercise(without(exercise_facts(), "difficulty")),
            "difficulty",
            id="difficulty-missing",
        ),
        pytest.param(exercise(exercise_facts(topic="For Loops")), "'For Loops'", id="topic-bad"),
        pytest.param(exercise(exercise_facts(topic="loops\n")), "topic", id="topic-newline"),
        pytest.param(exercise(without(exercise_facts(), "topic")), "topic", id="topic-missing"),
    ],
)
def test_broken_notebook_is_reported_by_path_and_rest_of_course_loads(
    course_dir: Path, content: Any, complaint: str
) -> None:
    write(course_dir / BROKEN_PATH, content)

    course = load_course(course_dir)

    assert [problem.path for problem in course.problems] == [BROKEN_PATH]
    assert complaint in course.problems[0].problem
    assert loaded_ids(course) == VALID_COURSE_IDS


def test_id_of_64_characters_is_accepted(course_dir: Path) -> None:
    write(course_dir / "02-loops" / "long-id.ipynb", lesson(lesson_facts(id="a" * 64)))

    course = load_course(course_dir)

    assert course.problems == []
    assert "a" * 64 in loaded_ids(course)


def test_broken_notebooks_are_each_reported(course_dir: Path) -> None:
    write(course_dir / "01-basics" / "broken.ipynb", "not json")
    write(course_dir / BROKEN_PATH, lesson(lesson_facts(order="first")))

    course = load_course(course_dir)

    assert [problem.path for problem in course.problems] == ["01-basics/broken.ipynb", BROKEN_PATH]


def test_module_folder_without_index_is_reported_and_skipped(course_dir: Path) -> None:
    write(course_dir / "03-extra" / "lesson.ipynb", lesson(lesson_facts(id="extra")))

    course = load_course(course_dir)

    assert [(problem.path, problem.problem) for problem in course.problems] == [
        ("03-extra", "module folder has no index.ipynb")
    ]
    assert loaded_ids(course) == VALID_COURSE_IDS


def test_module_with_broken_index_is_reported_and_skipped(course_dir: Path) -> None:
    write(course_dir / "02-loops" / "index.ipynb", notebook(module_facts(id="Loops!", order=2)))

    course = load_course(course_dir)

    assert [problem.path for problem in course.problems] == ["02-loops/index.ipynb"]
    assert loaded_ids(course) == ["basics", "numbers", "double"]


def test_module_index_of_another_kind_is_reported(course_dir: Path) -> None:
    write(course_dir / "02-loops" / "index.ipynb", lesson(lesson_facts(id="loops")))

    course = load_course(course_dir)

    assert [problem.path for problem in course.problems] == ["02-loops/index.ipynb"]
    assert "'module'" in course.problems[0].problem


@pytest.mark.parametrize(
    "hidden_folder", [".ipynb_checkpoints", "_drafts", ".git", "01-basics/.ipynb_checkpoints"]
)
def test_hidden_folders_are_ignored(course_dir: Path, hidden_folder: str) -> None:
    folder = course_dir / hidden_folder
    write(folder / "index.ipynb", notebook(module_facts(id="basics")))
    write(folder / "lesson-numbers-checkpoint.ipynb", lesson(lesson_facts(id="numbers")))
    write(folder / "broken.ipynb", "not json")

    course = load_course(course_dir)

    assert course.problems == []
    assert loaded_ids(course) == VALID_COURSE_IDS


def test_files_other_than_notebooks_are_ignored(course_dir: Path) -> None:
    (course_dir / "README.md").write_text("# The course")
    (course_dir / "01-basics" / "data.csv").write_text("a,b\n1,2\n")

    course = load_course(course_dir)

    assert course.problems == []
    assert loaded_ids(course) == VALID_COURSE_IDS


# -- the course directory itself ----------------------------------------------------------------


def test_missing_course_directory_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-course"

    course = load_course(missing)

    assert [(problem.path, problem.problem) for problem in course.problems] == [
        (str(missing), "is not a directory")
    ]
    assert course.modules == []


def test_empty_course_directory_is_a_problem(tmp_path: Path) -> None:
    course = load_course(tmp_path)

    assert [(problem.path, problem.problem) for problem in course.problems] == [
        (str(tmp_path), "holds no module folders")
    ]


# -- knowledge tracing parameters of topics -----------------------------------------------------


def set_topics(course_dir: Path, folder: str, topics: Any, **facts: Any) -> None:
    write(course_dir / folder / "index.ipynb", notebook(module_facts(topics=topics, **facts)))


def test_topic_without_settings_has_the_default_parameters(course_dir: Path) -> None:
    course = load_course(course_dir)

    assert course.knowledge_tracing("loops") == KnowledgeTracing()


def test_module_sets_parameters_of_a_topic_and_the_rest_keep_their_defaults(
    course_dir: Path,
) -> None:
    set_topics(course_dir, "01-basics", {"loops": {"p_learn": 0.15, "p_guess": 0.25}})

    course = load_course(course_dir)

    assert course.problems == []
    assert course.knowledge_tracing("loops") == KnowledgeTracing(p_learn=0.15, p_guess=0.25)


@pytest.mark.parametrize(
    ("topics", "said"),
    [
        ([0.1], "'topics' must map"),
        ({"Loops!": {"p_learn": 0.1}}, "lowercase"),
        ({"loops": {"p_learn": 0.1, "speed": 2}}, "parameters may only be"),
        ({"loops": 0.1}, "parameters may only be"),
        ({"loops": {"p_learn": 1.5}}, "p_learn must be a number"),
        ({"loops": {"p_init": True}}, "p_init must be a number"),
        ({"loops": {"p_guess": 0.5, "p_slip": 0.5}}, "p_guess + p_slip"),
    ],
    ids=[
        "not-a-mapping",
        "bad-topic-id",
        "unknown-parameter",
        "not-parameters",
        "above-one",
        "boolean",
        "guess-and-slip-too-high",
    ],
)
def test_module_with_invalid_topic_parameters_is_reported_and_skipped(
    course_dir: Path, topics: Any, said: str
) -> None:
    set_topics(course_dir, "02-loops", topics, id="loops", order=2)

    course = load_course(course_dir)

    assert [problem.path for problem in course.problems] == ["02-loops/index.ipynb"]
    assert said in course.problems[0].problem
    assert "loops" not in [module.id for module in course.modules]


def test_topic_set_differently_by_two_modules_keeps_the_first_modules_and_reports(
    course_dir: Path,
) -> None:
    set_topics(course_dir, "01-basics", {"loops": {"p_learn": 0.15}})
    set_topics(course_dir, "02-loops", {"loops": {"p_learn": 0.3}}, id="loops", order=2)

    course = load_course(course_dir)

    assert [problem.path for problem in course.problems] == ["02-loops/index.ipynb"]
    assert course.knowledge_tracing("loops") == KnowledgeTracing(p_learn=0.15)
    assert "loops" in [module.id for module in course.modules]
