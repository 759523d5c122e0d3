"""Reading a course directory of notebooks into modules, lessons and exercises.

This module only reads files; ``courses.py`` stores what it finds. The format is
described in ``docs/course-format.md``. A notebook that breaks the format is
reported as a problem and left out, and the rest of the course still loads.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat.validator import ValidationError as NotebookValidationError

from ..errors import CourseContentError
from ..models import DIFFICULTIES
from .mastery import PARAMETERS, KnowledgeTracing
from .notebooks import lesson_notebook_json

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MODULE_NOTEBOOK = "index.ipynb"
EXERCISE_ROLES = ("prompt", "starter", "tests", "solution")
MAX_TITLE_LENGTH = 200
# Orders are stored as SQL INTEGER.
ORDER_RANGE = (-(2**31), 2**31 - 1)


@dataclass(frozen=True)
class LessonContent:
    id: str
    title: str
    order: int
    content: str
    source_path: str
    #: The notebook as nbformat JSON without outputs, as students open it.
    notebook: str = ""


@dataclass(frozen=True)
class ExerciseContent:
    id: str
    title: str
    description: str
    topic: str
    difficulty: str
    order: int
    prompt: str
    starter_code: str
    tests_code: str
    solution_code: str
    source_path: str
    #: Shown with a failed test whose assertion has no message of its own.
    hint: str = ""


@dataclass
class ModuleContent:
    id: str
    title: str
    description: str
    order: int
    source_path: str
    lessons: list[LessonContent] = field(default_factory=list)
    exercises: list[ExerciseContent] = field(default_factory=list)
    #: Knowledge tracing parameters the module sets for topics, instead of the defaults.
    topics: dict[str, KnowledgeTracing] = field(default_factory=dict)


@dataclass
class Course:
    """Everything that loaded from a course directory, and every problem found on the way."""

    modules: list[ModuleContent] = field(default_factory=list)
    problems: list[CourseContentError] = field(default_factory=list)

    @property
    def lesson_count(self) -> int:
        return sum(len(module.lessons) for module in self.modules)

    @property
    def exercise_count(self) -> int:
        return sum(len(module.exercises) for module in self.modules)

    def knowledge_tracing(self, topic: str) -> KnowledgeTracing:
        """Return the knowledge tracing parameters of ``topic``: a module's, or the defaults."""
        for module in self.modules:
            if topic in module.topics:
                return module.topics[topic]
        return KnowledgeTracing()


def load_course(course_dir: Path) -> Course:
    """Read every module folder of ``course_dir``; problems are collected, not raised."""
    course = Course()
    if not course_dir.is_dir():
        course.problems.append(CourseContentError(str(course_dir), "is not a directory"))
        return course

    seen_ids: dict[str, str] = {}
    for folder in sorted(course_dir.iterdir()):
        if folder.is_dir() and not folder.name.startswith((".", "_")):
            module = _load_module(course_dir, folder, seen_ids, course.problems)
            if module is not None:
                course.modules.append(module)
    if not course.modules and not course.problems:
        course.problems.append(CourseContentError(str(course_dir), "holds no module folders"))
    course.modules.sort(key=lambda module: (module.order, module.id))
    _keep_one_setting_per_topic(course)
    return course


def _keep_one_setting_per_topic(course: Course) -> None:
    """Report a topic that modules set differently; the first module in order wins."""
    first: dict[str, ModuleContent] = {}
    for module in course.modules:
        for topic, tracing in list(module.topics.items()):
            winner = first.setdefault(topic, module)
            if winner.topics[topic] != tracing:
                del module.topics[topic]
                course.problems.append(
                    CourseContentError(
                        f"{module.source_path}/{MODULE_NOTEBOOK}",
                        f"topic {topic!r} has other parameters in {winner.source_path}, "
                        "which apply",
                    )
                )


def _load_module(
    course_dir: Path, folder: Path, seen_ids: dict[str, str], problems: list[CourseContentError]
) -> ModuleContent | None:
    relative = folder.relative_to(course_dir).as_posix()
    index_path = folder / MODULE_NOTEBOOK
    if not index_path.is_file():
        problems.append(CourseContentError(relative, f"module folder has no {MODULE_NOTEBOOK}"))
        return None
    try:
        facts = _read_facts(course_dir, index_path, "module")
        module = ModuleContent(
            id=_claim_id(facts, seen_ids, f"{relative}/{MODULE_NOTEBOOK}"),
            title=_text(facts, "title", MAX_TITLE_LENGTH),
            description=_text(facts, "description", 2000, required=False),
            order=_integer(facts, "order"),
            source_path=relative,
            topics=_topic_parameters(facts, f"{relative}/{MODULE_NOTEBOOK}"),
        )
    except CourseContentError as error:
        problems.append(error)
        return None

    for path in sorted(folder.glob("*.ipynb")):
        if path.name == MODULE_NOTEBOOK:
            continue
        try:
            _load_item(course_dir, path, module, seen_ids)
        except CourseContentError as error:
            problems.append(error)
    module.lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    module.exercises.sort(key=lambda exercise: (exercise.order, exercise.id))
    return module


def _load_item(
    course_dir: Path, path: Path, module: ModuleContent, seen_ids: dict[str, str]
) -> None:
    relative = path.relative_to(course_dir).as_posix()
    notebook = _read_notebook(course_dir, path)
    facts = _learnflow_metadata(notebook, relative)
    kind = facts.get("kind")
    if kind == "lesson":
        lesson = LessonContent(
            id=_claim_id(facts, seen_ids, relative),
            title=_text(facts, "title", MAX_TITLE_LENGTH),
            order=_integer(facts, "order"),
            content=notebook_as_markdown(notebook),
            source_path=relative,
            notebook=lesson_notebook_json(notebook),
        )
        module.lessons.append(lesson)
    elif kind == "exercise":
        module.exercises.append(_exercise(notebook, facts, relative, seen_ids))
    elif kind == "module":
        raise CourseContentError(relative, f"only {MODULE_NOTEBOOK} may have kind 'module'")
    else:
        raise CourseContentError(
            relative, f"metadata.learnflow.kind must be 'lesson' or 'exercise', not {kind!r}"
        )


def _exercise(
    notebook: Any, facts: dict[str, Any], relative: str, seen_ids: dict[str, str]
) -> ExerciseContent:
    parts: dict[str, list[str]] = {role: [] for role in EXERCISE_ROLES}
    for number, cell in enumerate(notebook.cells, start=1):
        role = cell.get("metadata", {}).get("learnflow", {}).get("role")
        if role is None and cell.cell_type == "markdown":
            role = "prompt"
        if role not in EXERCISE_ROLES:
            raise CourseContentError(
                relative,
                f"cell {number} needs metadata.learnflow.role, one of {', '.join(EXERCISE_ROLES)}"
                f" (found {role!r})",
            )
        expected_type = "markdown" if role == "prompt" else "code"
        if cell.cell_type != expected_type:
            raise CourseContentError(
                relative, f"cell {number} has role {role!r} but is a {cell.cell_type} cell"
            )
        parts[role].append(cell.source)

    if not any(source.strip() for source in parts["prompt"]):
        raise CourseContentError(relative, "exercise has no prompt")
    for role in ("starter", "solution"):
        if len(parts[role]) != 1:
            raise CourseContentError(
                relative, f"exercise needs exactly one {role!r} cell, found {len(parts[role])}"
            )
    if not parts["tests"]:
        raise CourseContentError(relative, "exercise has no 'tests' cell")

    tests_code = "\n\n".join(parts["tests"])
    for role, code in (
        ("starter", parts["starter"][0]),
        ("tests", tests_code),
        ("solution", parts["solution"][0]),
    ):
        _check_syntax(code, role, relative)
    if not test_function_names(tests_code):
        raise CourseContentError(
            relative, "the 'tests' cells define no test function (def test_...() with no arguments)"
        )

    topic = facts.get("topic")
    if not isinstance(topic, str) or not ID_PATTERN.fullmatch(topic):
        raise CourseContentError(
            relative, f"topic {topic!r} must be lowercase letters, digits and dashes"
        )
    difficulty = facts.get("difficulty")
    if difficulty not in DIFFICULTIES:
        raise CourseContentError(
            relative, f"difficulty must be one of {', '.join(DIFFICULTIES)}, not {difficulty!r}"
        )
    return ExerciseContent(
        id=_claim_id(facts, seen_ids, relative),
        title=_text(facts, "title", MAX_TITLE_LENGTH),
        description=_text(facts, "description", 2000, required=False),
        topic=topic,
        difficulty=difficulty,
        order=_integer(facts, "order"),
        prompt="\n\n".join(source.strip() for source in parts["prompt"] if source.strip()),
        starter_code=parts["starter"][0],
        tests_code=tests_code,
        solution_code=parts["solution"][0],
        source_path=relative,
        hint=_text(facts, "hint", 2000, required=False),
    )


def _topic_parameters(facts: dict[str, Any], where: str) -> dict[str, KnowledgeTracing]:
    """Read a module's ``topics``: knowledge tracing parameters that replace the defaults."""
    declared = facts.get("topics", {})
    if not isinstance(declared, dict):
        raise CourseContentError(where, "'topics' must map topic ids to their parameters")
    topics = {}
    for topic, parameters in declared.items():
        if not ID_PATTERN.fullmatch(topic):
            raise CourseContentError(
                where, f"topic {topic!r} must be lowercase letters, digits and dashes"
            )
        if not isinstance(parameters, dict) or not set(parameters) <= set(PARAMETERS):
            raise CourseContentError(
                where, f"topic {topic!r}: parameters may only be {', '.join(PARAMETERS)}"
            )
        try:
            topics[topic] = KnowledgeTracing(**parameters)
        except ValueError as error:
            raise CourseContentError(where, f"topic {topic!r}: {error}") from None
    return topics


def notebook_as_markdown(notebook: Any) -> str:
    """Return a notebook as Markdown: markdown cells as they are, code cells fenced as Python."""
    blocks = []
    for cell in notebook.cells:
        source = cell.source.strip("\n")
        if not source.strip():
            continue
        if cell.cell_type == "markdown":
            blocks.append(source)
        elif cell.cell_type == "code":
            blocks.append(f"```python\n{source}\n```")
    return "\n\n".join(blocks) + "\n"


def _read_notebook(course_dir: Path, path: Path) -> Any:
    relative = path.relative_to(course_dir).as_posix()
    try:
        with warnings.catch_warnings():
            # Old notebooks without cell ids are fine to read; nbformat warns about them.
            warnings.simplefilter("ignore")
            notebook = nbformat.read(path, as_version=4)
            nbformat.validate(notebook)
    except (OSError, UnicodeDecodeError) as error:
        raise CourseContentError(relative, f"cannot be read: {error}") from error
    except nbformat.reader.NotJSONError as error:
        raise CourseContentError(
            relative, "is not a notebook: the file is not valid JSON"
        ) from error
    except NotebookValidationError as error:
        raise CourseContentError(relative, f"is not a valid notebook: {error.message}") from error
    except Exception as error:
        # nbformat raises assorted errors for damaged files; each is a content problem here.
        raise CourseContentError(relative, f"is not a valid notebook: {error}") from error
    if _contains_nul(notebook):
        # No database can store a NUL character in text; nor should a lesson hold one.
        raise CourseContentError(relative, "contains a NUL character (\\x00)")
    return notebook


def _read_facts(course_dir: Path, path: Path, kind: str) -> dict[str, Any]:
    relative = path.relative_to(course_dir).as_posix()
    facts = _learnflow_metadata(_read_notebook(course_dir, path), relative)
    if facts.get("kind") != kind:
        raise CourseContentError(
            relative, f"metadata.learnflow.kind must be {kind!r}, not {facts.get('kind')!r}"
        )
    return facts


def _learnflow_metadata(notebook: Any, relative: str) -> dict[str, Any]:
    facts = notebook.metadata.get("learnflow")
    if not isinstance(facts, dict):
        raise CourseContentError(relative, "has no 'learnflow' object in its notebook metadata")
    return {**facts, "_path": relative}


def _claim_id(facts: dict[str, Any], seen_ids: dict[str, str], relative: str) -> str:
    item_id = facts.get("id")
    if not isinstance(item_id, str) or not ID_PATTERN.fullmatch(item_id):
        raise CourseContentError(
            relative,
            f"id {item_id!r} must be 1 to 64 lowercase letters, digits and dashes, "
            "starting with a letter or digit",
        )
    if item_id in seen_ids:
        raise CourseContentError(relative, f"id {item_id!r} is already used by {seen_ids[item_id]}")
    seen_ids[item_id] = relative
    return item_id


def _text(facts: dict[str, Any], key: str, max_length: int, *, required: bool = True) -> str:
    value = facts.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise CourseContentError(facts["_path"], f"{key} must be a non-empty string")
    if len(value) > max_length:
        raise CourseContentError(facts["_path"], f"{key} is longer than {max_length} characters")
    return value.strip()


def _integer(facts: dict[str, Any], key: str) -> int:
    value = facts.get(key)
    low, high = ORDER_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CourseContentError(
            facts["_path"], f"{key} must be an integer from {low} to {high}, not {value!r}"
        )
    return value


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


def _check_syntax(code: str, role: str, relative: str) -> None:
    try:
        ast.parse(code)
    except SyntaxError as error:
        raise CourseContentError(
            relative, f"the {role!r} code has a syntax error on line {error.lineno}: {error.msg}"
        ) from error


def test_function_names(tests_code: str) -> list[str]:
    """Return the names of the top-level ``test_`` functions that take no arguments."""
    names = []
    for node in ast.parse(tests_code).body:
        if (
            isinstance(node, ast.FunctionDef)
            and node.name.startswith("test_")
            and not (node.args.args or node.args.posonlyargs or node.args.kwonlyargs)
            and node.name not in names
        ):
            names.append(node.name)
    return names
