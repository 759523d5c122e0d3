"""The tutor: a chat member that answers questions from the course itself.

For each question it searches the lessons and exercise prompts (``course_search.py``)
and answers with the best passage, a link to its lesson, and an exercise to practise
with. That needs nothing but the course, so it works offline. When an operator
configures a language model, the same passages ground the model's answer, under a
policy of hints rather than answers; if the model fails, or its answer quotes a hidden
test or a reference solution, the tutor falls back to the course-only answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..database import Database
from ..models import Exercise, Lesson
from .course_search import CourseSearch, Hit, Passage
from .language_model import ChatTurn, LanguageModel, LanguageModelError

TUTOR_NAME = "LearnFlow tutor"
# Sections that quiz the student: the tutor links them but never quotes their answers.
QUIZ_HEADINGS = ("check your understanding",)
MAX_EXCERPT_CHARS = 1200
# Hidden lines shorter than this are too common ("return total") to tell a leak.
MIN_HIDDEN_LINE_CHARS = 16
# Messages of the conversation a language model is shown, besides the question.
HISTORY_TURNS = 8
NOT_FOUND = (
    "I could not find that in the course. Try asking with words the lessons use, such "
    "as “for loop”, “dictionary” or “return value”, or ask your teacher."
)
POLICY = """You are the tutor of a beginner Python course, chatting with a student.
Answer from the course passages below, and link the lesson you draw on with its link.
Give hints, explanations and small examples of your own. Never write the solution of an
exercise and never show or guess its hidden tests: when asked for a solution, explain
the idea or the next step instead and let the student write the code. Keep answers
short and friendly. If the passages do not cover the question, say so and suggest
asking the teacher.

Course passages:
"""


@dataclass(frozen=True)
class TutorAnswer:
    text: str
    #: Each lesson or exercise the answer draws on: kind, id, title, module_id, url.
    sources: list[dict[str, str]] = field(default_factory=list)


def excerpt(markdown: str, max_chars: int = MAX_EXCERPT_CHARS) -> str:
    """Return the first paragraphs of ``markdown`` up to ``max_chars``, never cutting code."""
    blocks: list[str] = []
    current: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        if not line.strip() and not in_code:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    kept: list[str] = []
    for block in blocks:
        if kept and sum(len(part) + 2 for part in kept) + len(block) > max_chars:
            break
        kept.append(block)
    return "\n\n".join(kept)


def normalize_code(line: str) -> str:
    return " ".join(line.split())


class Tutor:
    """Answer questions from the course; optionally through a grounded language model."""

    def __init__(
        self,
        database: Database,
        *,
        api_root: str,
        language_model: LanguageModel | None,
        log: logging.Logger,
    ) -> None:
        self.database = database
        self.api_root = api_root.rstrip("/")
        self.language_model = language_model
        self.log = log
        self.search = CourseSearch([])
        self._hidden_lines: frozenset[str] = frozenset()

    def reindex(self) -> None:
        """Read the indexed course again: its passages and the lines it must never show."""
        self.search = CourseSearch.from_database(self.database)
        self._hidden_lines = self._load_hidden_lines()

    def _load_hidden_lines(self) -> frozenset[str]:
        with self.database.reading() as connection:
            exercises = connection.execute(
                select(
                    Exercise.tests_code,
                    Exercise.solution_code,
                    Exercise.prompt,
                    Exercise.starter_code,
                ).where(Exercise.active)
            ).all()
            lessons = connection.scalars(select(Lesson.content).where(Lesson.active)).all()
        shown = [*lessons, *(row.prompt for row in exercises)]
        shown += [row.starter_code for row in exercises]
        visible = {normalize_code(line) for text in shown for line in text.splitlines()}
        return frozenset(
            normalized
            for row in exercises
            for line in (row.tests_code + "\n" + row.solution_code).splitlines()
            if len(normalized := normalize_code(line)) >= MIN_HIDDEN_LINE_CHARS
            and normalized not in visible
        )

    def reveals_hidden_content(self, text: str) -> bool:
        """Tell whether ``text`` quotes a line of a hidden test or a reference solution."""
        normalized = normalize_code(text)
        return any(line in normalized for line in self._hidden_lines)

    async def answer(self, question: str, history: list[tuple[str, str]]) -> TutorAnswer:
        """Answer ``question``; ``history`` is the conversation before it, as (role, text)."""
        hits = self.search.search(question, limit=8)
        offline = self.compose(question, hits)
        if self.language_model is None or not hits:
            return offline
        try:
            text = await self.language_model.complete(self._turns(question, history, hits))
        except LanguageModelError as error:
            self.log.warning("tutor: %s; answering from the course alone", error)
            return offline
        if self.reveals_hidden_content(text):
            self.log.warning("tutor: the model's answer quoted hidden course content; not sent")
            return offline
        return TutorAnswer(text, offline.sources)

    def compose(self, question: str, hits: list[Hit]) -> TutorAnswer:
        """Answer from the course alone: the best lesson passage, its link, and an exercise."""
        lessons = [hit.passage for hit in hits if hit.passage.kind == "lesson"]
        exercises = [hit.passage for hit in hits if hit.passage.kind == "exercise"]
        if not lessons and not exercises:
            return TutorAnswer(NOT_FOUND)

        parts: list[str] = []
        sources: list[dict[str, str]] = []
        if lessons:
            best = lessons[0]
            quoted = next((passage for passage in lessons if _quotable(passage, best)), None)
            section = f", section “{quoted.heading}”" if quoted and quoted.heading else ""
            parts.append(
                f"From the lesson {self._link(best)} ({best.module_title}){section}:"
                if quoted
                else f"The lesson {self._link(best)} ({best.module_title}) covers this."
            )
            if quoted:
                parts.append(excerpt(quoted.text))
            sources.append(self._source(best))
            others = _distinct(lessons[1:], exclude={best.id})[:2]
            if others:
                parts.append(
                    "See also " + " and ".join(self._link(other) for other in others) + "."
                )
                sources += [self._source(other) for other in others]
            # Practice from the module of the lesson quoted, if one of its exercises matches.
            same_module = self.search.search(
                question,
                limit=1,
                where=lambda p: p.kind == "exercise" and p.module_id == best.module_id,
            )
            exercises = [hit.passage for hit in same_module] + exercises
        if exercises:
            exercise = exercises[0]
            parts.append(
                f"To practise, try the exercise {self._link(exercise)} "
                f"({exercise.topic.replace('-', ' ')}, {exercise.difficulty})."
            )
            sources.append(self._source(exercise))
        return TutorAnswer("\n\n".join(parts), sources)

    def _turns(
        self, question: str, history: list[tuple[str, str]], hits: list[Hit]
    ) -> list[ChatTurn]:
        passages = "\n\n".join(
            f"[{hit.passage.title}{' / ' + hit.passage.heading if hit.passage.heading else ''}]"
            f"({self._url(hit.passage)})\n{excerpt(hit.passage.text)}"
            for hit in hits[:4]
        )
        turns = [ChatTurn("system", POLICY + passages)]
        turns += [ChatTurn(role, text) for role, text in history[-HISTORY_TURNS:]]
        turns.append(ChatTurn("user", question))
        return turns

    def _url(self, passage: Passage) -> str:
        collection = "lessons" if passage.kind == "lesson" else "exercises"
        return f"{self.api_root}/{collection}/{passage.id}"

    def _link(self, passage: Passage) -> str:
        title = passage.title.replace("[", "(").replace("]", ")")
        return f"[{title}]({self._url(passage)})"

    def _source(self, passage: Passage) -> dict[str, Any]:
        return {
            "kind": passage.kind,
            "id": passage.id,
            "title": passage.title,
            "module_id": passage.module_id,
            "url": self._url(passage),
        }


def _quotable(passage: Passage, lesson: Passage) -> bool:
    """Tell whether ``passage`` is part of ``lesson`` and explains rather than quizzes."""
    return passage.id == lesson.id and not passage.heading.lower().startswith(QUIZ_HEADINGS)


def _distinct(passages: list[Passage], *, exclude: set[str]) -> list[Passage]:
    seen = set(exclude)
    distinct = []
    for passage in passages:
        if passage.id not in seen:
            seen.add(passage.id)
            distinct.append(passage)
    return distinct
