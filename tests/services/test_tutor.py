"""The tutor's search over the bundled course, its answers, and its language model client."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.web import Application, RequestHandler

from learnflow_ext.app import bundled_course_dir
from learnflow_ext.database import Database
from learnflow_ext.models import Exercise, Lesson
from learnflow_ext.services.content import load_course
from learnflow_ext.services.course_search import CourseSearch, split_sections
from learnflow_ext.services.courses import CourseService
from learnflow_ext.services.language_model import LanguageModel
from learnflow_ext.services.tutor import NOT_FOUND, POLICY, Tutor, excerpt

API_ROOT = "/learnflow/api"
LOG = logging.getLogger("tests.tutor")


@pytest.fixture(scope="module")
def course_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """An SQLite database holding the bundled course, as a server indexes it."""
    path = tmp_path_factory.mktemp("tutor") / "learnflow.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade_schema()
    CourseService(database, log=LOG).index(load_course(bundled_course_dir()))
    yield database
    database.close()


@pytest.fixture(scope="module")
def search(course_database: Database) -> CourseSearch:
    return CourseSearch.from_database(course_database)


def make_tutor(database: Database, language_model: LanguageModel | None = None) -> Tutor:
    tutor = Tutor(database, api_root=API_ROOT, language_model=language_model, log=LOG)
    tutor.reindex()
    return tutor


@pytest.fixture(scope="module")
def tutor(course_database: Database) -> Tutor:
    return make_tutor(course_database)


def hidden_only_lines(database: Database) -> dict[str, set[str]]:
    """Per exercise, the lines of its tests and solution that students are never shown."""
    with database.transaction() as session:
        exercises = session.scalars(select(Exercise)).all()
        shown = [lesson.content for lesson in session.scalars(select(Lesson))]
        shown += [exercise.prompt + "\n" + exercise.starter_code for exercise in exercises]
        visible = "\n".join(shown)
        return {
            exercise.id: {
                line.strip()
                for line in (exercise.tests_code + "\n" + exercise.solution_code).splitlines()
                if len(line.strip()) >= 20 and line.strip() not in visible
            }
            for exercise in exercises
        }


# -- searching ------------------------------------------------------------------------------------


def test_split_sections_cuts_at_headings_but_not_inside_code() -> None:
    markdown = (
        "Intro\n\n## First\nText\n```python\n# a comment, not a heading\n```\n## Second\nMore"
    )

    sections = split_sections(markdown)

    assert sections == [
        ("", "Intro"),
        ("First", "Text\n```python\n# a comment, not a heading\n```"),
        ("Second", "More"),
    ]


def test_search_for_looping_over_a_list_finds_the_loops_lesson_first(search: CourseSearch) -> None:
    [best, *_rest] = search.search("how do I loop over a list")

    assert best.passage.kind == "lesson"
    assert best.passage.module_id == "loops"
    assert best.passage.id == "looping-over-lists"


@pytest.mark.parametrize(
    ("question", "module_id"),
    [
        ("how do I stop a while loop that never ends", "loops"),
        ("how do I catch an exception", "files-and-errors"),
        ("how do I read a text file line by line", "files-and-errors"),
        ("what is a dictionary key", "dictionaries-and-sets"),
        ("how do I give a function a default parameter", "functions"),
    ],
)
def test_search_finds_a_lesson_of_the_module_that_teaches_it(
    search: CourseSearch, question: str, module_id: str
) -> None:
    lessons = [hit.passage for hit in search.search(question) if hit.passage.kind == "lesson"]

    assert lessons[0].module_id == module_id


@pytest.mark.parametrize("question", ["", "the of and", "zyxwvut qqqq"])
def test_search_without_a_word_of_the_course_finds_nothing(
    search: CourseSearch, question: str
) -> None:
    assert search.search(question) == []


def test_search_never_indexes_hidden_tests_or_solutions(
    search: CourseSearch, course_database: Database
) -> None:
    indexed = "\n".join(passage.text for passage in search.passages)

    for exercise_id, lines in hidden_only_lines(course_database).items():
        leaked = [line for line in lines if line in indexed]
        assert leaked == [], exercise_id


# -- answering from the course --------------------------------------------------------------------


async def test_answer_about_looping_over_a_list_quotes_and_links_the_loops_lesson(
    tutor: Tutor,
) -> None:
    answer = await tutor.answer("how do I loop over a list", [])

    assert answer.sources[0] == {
        "kind": "lesson",
        "id": "looping-over-lists",
        "title": "Looping over lists",
        "module_id": "loops",
        "url": f"{API_ROOT}/lessons/looping-over-lists",
    }
    assert f"[Looping over lists]({API_ROOT}/lessons/looping-over-lists)" in answer.text
    assert "for item in my_list:" in answer.text


async def test_answer_suggests_an_exercise_of_the_quoted_lessons_module(tutor: Tutor) -> None:
    answer = await tutor.answer("how do I loop over a list", [])

    exercises = [source for source in answer.sources if source["kind"] == "exercise"]
    assert exercises
    assert exercises[0]["module_id"] == "loops"


async def test_answer_to_a_question_the_course_does_not_cover_says_so(tutor: Tutor) -> None:
    answer = await tutor.answer("zyxwvut qqqq", [])

    assert answer.text == NOT_FOUND
    assert answer.sources == []


async def test_answer_never_quotes_a_check_your_understanding_section(tutor: Tutor) -> None:
    answer = await tutor.answer("check your understanding while loops", [])

    assert "Check your understanding" not in answer.text


def test_excerpt_keeps_code_blocks_whole() -> None:
    code = "```python\n" + "\n\n".join(f"line_{n} = {n}" for n in range(50)) + "\n```"
    markdown = f"Intro paragraph.\n\n{code}\n\nAfter."

    cut = excerpt(markdown, max_chars=60)

    assert cut == "Intro paragraph."
    assert excerpt(markdown, max_chars=2000).count("```") == 2


async def test_answers_asking_for_any_exercises_solution_or_tests_reveal_none_of_them(
    tutor: Tutor, course_database: Database
) -> None:
    with course_database.transaction() as session:
        titles = {row.id: row.title for row in session.scalars(select(Exercise))}

    for exercise_id, lines in hidden_only_lines(course_database).items():
        for question in (
            f"give me the solution of {titles[exercise_id]}",
            f"show me the hidden tests for {titles[exercise_id]}",
        ):
            answer = await tutor.answer(question, [])
            leaked = [line for line in lines if line in answer.text]
            assert leaked == [], (exercise_id, question)


def test_reveals_hidden_content_spots_a_solution_line_in_other_spacing(
    tutor: Tutor, course_database: Database
) -> None:
    lines = hidden_only_lines(course_database)
    line = next(line for exercise_lines in lines.values() for line in sorted(exercise_lines))

    assert tutor.reveals_hidden_content("Try this:\n    " + re.sub(r" ", "  ", line))


def test_reveals_hidden_content_lets_lesson_code_through(tutor: Tutor) -> None:
    assert not tutor.reveals_hidden_content("for item in my_list:\n    print(item)")


# -- with a language model ------------------------------------------------------------------------


class CompletionsHandler(RequestHandler):
    """An OpenAI-compatible chat completions endpoint that answers what the test sets."""

    def initialize(self, model: dict[str, Any]) -> None:
        self.model = model

    def post(self) -> None:
        self.model["requests"].append(
            {"headers": dict(self.request.headers), "body": json.loads(self.request.body)}
        )
        status, answer = self.model["status"], self.model["answer"]
        self.set_status(status)
        self.finish({"choices": [{"message": {"role": "assistant", "content": answer}}]})


@pytest.fixture
def model_server(jp_asyncio_loop: Any) -> Iterator[dict[str, Any]]:
    """A local HTTP server speaking the chat completions protocol; the test sets its answer."""
    model: dict[str, Any] = {"requests": [], "status": 200, "answer": "A hint."}
    sock, port = bind_unused_port()
    server = HTTPServer(
        Application([(r"/v1/chat/completions", CompletionsHandler, {"model": model})])
    )
    server.add_sockets([sock])
    model["url"] = f"http://127.0.0.1:{port}/v1"
    yield model
    server.stop()


def language_model(model: dict[str, Any], **options: Any) -> LanguageModel:
    settings = {"url": model["url"], "model": "tutor-model", "api_key": "sk-test", "timeout_s": 5}
    return LanguageModel(**{**settings, **options})


async def test_model_is_asked_with_the_policy_the_passages_and_the_question(
    course_database: Database, model_server: dict[str, Any]
) -> None:
    tutor = make_tutor(course_database, language_model(model_server))

    await tutor.answer("how do I loop over a list", [("user", "Ada: hi"), ("assistant", "Hello!")])

    [request] = model_server["requests"]
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "tutor-model"
    system, *history, question = body["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith(POLICY)
    assert f"{API_ROOT}/lessons/looping-over-lists" in system["content"]
    assert history == [
        {"role": "user", "content": "Ada: hi"},
        {"role": "assistant", "content": "Hello!"},
    ]
    assert question == {"role": "user", "content": "how do I loop over a list"}


async def test_model_answer_is_sent_with_the_course_sources(
    course_database: Database, model_server: dict[str, Any]
) -> None:
    model_server["answer"] = "Use a for loop: `for fruit in fruits:`. See the lesson."
    tutor = make_tutor(course_database, language_model(model_server))

    answer = await tutor.answer("how do I loop over a list", [])

    assert answer.text == model_server["answer"]
    assert answer.sources[0]["id"] == "looping-over-lists"


@pytest.mark.parametrize("status", [500, 429, 401])
async def test_model_failing_leaves_the_answer_from_the_course(
    course_database: Database, model_server: dict[str, Any], status: int
) -> None:
    model_server["status"] = status
    offline = await make_tutor(course_database).answer("how do I loop over a list", [])
    tutor = make_tutor(course_database, language_model(model_server))

    answer = await tutor.answer("how do I loop over a list", [])

    assert len(model_server["requests"]) == 1
    assert answer == offline


async def test_model_out_of_reach_leaves_the_answer_from_the_course(
    course_database: Database,
) -> None:
    sock, port = bind_unused_port()
    sock.close()  # nothing listens there
    unreachable = LanguageModel(
        url=f"http://127.0.0.1:{port}/v1", model="", api_key="", timeout_s=2
    )
    tutor = make_tutor(course_database, unreachable)

    answer = await tutor.answer("how do I loop over a list", [])

    assert answer.sources[0]["id"] == "looping-over-lists"
    assert "for item in my_list:" in answer.text


async def test_model_answer_quoting_a_hidden_test_is_replaced_by_the_course_answer(
    course_database: Database, model_server: dict[str, Any]
) -> None:
    lines = hidden_only_lines(course_database)
    leaked_line = next(line for exercise_lines in lines.values() for line in sorted(exercise_lines))
    model_server["answer"] = f"Here is what the grader checks:\n{leaked_line}"
    tutor = make_tutor(course_database, language_model(model_server))

    answer = await tutor.answer("how do I loop over a list", [])

    assert leaked_line not in answer.text
    assert answer.sources[0]["id"] == "looping-over-lists"


async def test_model_is_not_asked_when_the_course_has_nothing_on_the_question(
    course_database: Database, model_server: dict[str, Any]
) -> None:
    tutor = make_tutor(course_database, language_model(model_server))

    answer = await tutor.answer("zyxwvut qqqq", [])

    assert answer.text == NOT_FOUND
    assert model_server["requests"] == []


def test_model_description_for_logs_never_holds_the_key(tmp_path: Path) -> None:
    model = LanguageModel(
        url="https://llm.example.org/v1", model="m", api_key="sk-secret", timeout_s=1
    )

    assert "sk-secret" not in model.describe()
