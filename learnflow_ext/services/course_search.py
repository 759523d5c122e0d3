"""Full-text search over what students may read of the course, for the tutor.

Lessons are cut into passages at their headings; each exercise gives one passage made
of its title, description and prompt. Hidden tests and reference solutions are never
indexed, so nothing built on this search can quote them. Passages are ranked with
BM25 (``bm25s``) on English stems (``PyStemmer``), with titles and headings counted
twice, since they say what a passage is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import bm25s
import Stemmer
from bm25s.tokenization import Tokenizer
from sqlalchemy import select

from ..database import Database
from ..models import Exercise, Lesson, Module

HEADING = re.compile(r"^#{1,6}\s+(.*)$")
FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Passage:
    """A piece of a lesson or an exercise prompt, with where it comes from."""

    kind: Literal["lesson", "exercise"]
    #: The lesson's or exercise's id.
    id: str
    title: str
    module_id: str
    module_title: str
    #: The heading of the lesson section; empty for an exercise or a lesson's opening.
    heading: str
    #: The passage as Markdown.
    text: str
    #: For an exercise: its topic and difficulty.
    topic: str = ""
    difficulty: str = ""

    @property
    def searchable(self) -> str:
        return f"{self.title}\n{self.title}\n{self.heading}\n{self.heading}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


def split_sections(markdown: str) -> list[tuple[str, str]]:
    """Cut Markdown into ``(heading, body)`` sections at headings outside code blocks."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    in_code = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_code = not in_code
        heading = None if in_code else HEADING.match(line)
        if heading:
            sections.append((heading.group(1).strip(), []))
        else:
            sections[-1][1].append(line)
    return [(heading, "\n".join(body).strip()) for heading, body in sections if "".join(body)]


class CourseSearch:
    """A BM25 index of course passages; build one per indexed course."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self._tokenizer = Tokenizer(stopwords="en", stemmer=Stemmer.Stemmer("english").stemWord)
        self._index: bm25s.BM25 | None = None
        if passages:
            tokens = self._tokenizer.tokenize(
                [passage.searchable for passage in passages], show_progress=False
            )
            self._index = bm25s.BM25()
            self._index.index(tokens, show_progress=False)

    @classmethod
    def from_database(cls, database: Database) -> CourseSearch:
        """Index the lessons and exercise prompts of the course as the database serves it."""
        with database.reading() as connection:
            lessons = connection.execute(
                select(Lesson.id, Lesson.title, Lesson.content, Module.id, Module.title)
                .join(Module, Lesson.module_id == Module.id)
                .where(Lesson.active, Module.active)
                .order_by(Module.order, Module.id, Lesson.order, Lesson.id)
            ).all()
            exercises = connection.execute(
                select(
                    Exercise.id,
                    Exercise.title,
                    Exercise.description,
                    Exercise.prompt,
                    Exercise.topic,
                    Exercise.difficulty,
                    Module.id,
                    Module.title,
                )
                .join(Module, Exercise.module_id == Module.id)
                .where(Exercise.active, Module.active)
                .order_by(Module.order, Module.id, Exercise.order, Exercise.id)
            ).all()
        passages = [
            Passage("lesson", lesson_id, title, module_id, module_title, heading, body)
            for lesson_id, title, content, module_id, module_title in lessons
            for heading, body in split_sections(content)
            if heading != title or body
        ]
        for row in exercises:
            exercise_id, title, description, prompt, topic, difficulty, module_id, module_title = (
                row
            )
            text = f"{description}\n\n{prompt}".strip()
            passages.append(
                Passage(
                    "exercise",
                    exercise_id,
                    title,
                    module_id,
                    module_title,
                    "",
                    text,
                    topic,
                    difficulty,
                )
            )
        return cls(passages)

    def search(
        self, query: str, *, limit: int = 5, where: Callable[[Passage], bool] | None = None
    ) -> list[Hit]:
        """Return the passages that best match ``query``, best first; none for no match.

        ``where`` keeps only the passages it accepts.
        """
        if self._index is None:
            return []
        tokens = self._tokenizer.tokenize([query], update_vocab=False, show_progress=False)
        if not any(tokens[0]):  # no word the course uses (id 0 stands for none)
            return []
        wanted = len(self.passages) if where else min(limit, len(self.passages))
        found, scores = self._index.retrieve(tokens, k=wanted, show_progress=False)
        hits = [
            Hit(self.passages[int(position)], float(score))
            for position, score in zip(found[0], scores[0], strict=True)
            if score > 0 and (where is None or where(self.passages[int(position)]))
        ]
        return hits[:limit]
