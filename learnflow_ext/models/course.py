"""The course as indexed from its notebooks: modules, lessons and exercises.

Rows are keyed by the ids written in the notebooks' metadata, so they stay the
same across restarts and re-indexing. Content that disappears from the course
directory is marked inactive rather than deleted, so progress that refers to it
is never lost.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

DIFFICULTIES = ("easy", "medium", "hard")


class Module(Base):
    """A unit of the course: a folder of lessons and exercises."""

    __tablename__ = "modules"

    #: Stable id from the module's ``index.ipynb`` metadata.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Title shown to students.
    title: Mapped[str] = mapped_column(String(200))
    #: One or two sentences on what the module teaches.
    description: Mapped[str] = mapped_column(Text, default="")
    #: Position in the course, smallest first.
    order: Mapped[int] = mapped_column(Integer)
    #: False once the module has gone from the course directory.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Folder of the module, relative to the course directory.
    source_path: Mapped[str] = mapped_column(String(500))

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module",
        order_by="(Lesson.order, Lesson.id)",
        primaryjoin="and_(Module.id == Lesson.module_id, Lesson.active)",
        viewonly=True,
    )

    def to_dict(self, *, lessons: bool = True) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "order": self.order,
            "lessons": [lesson.to_dict() for lesson in self.lessons] if lessons else [],
        }


class Lesson(Base):
    """A lesson notebook, served as Markdown."""

    __tablename__ = "lessons"

    #: Stable id from the lesson notebook's metadata.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The module the lesson belongs to.
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id"), index=True)
    #: Title shown to students.
    title: Mapped[str] = mapped_column(String(200))
    #: The notebook rendered as Markdown.
    content: Mapped[str] = mapped_column(Text)
    #: The notebook itself as nbformat 4 JSON, without outputs, for students to open.
    notebook: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Position within the module, smallest first.
    order: Mapped[int] = mapped_column(Integer)
    #: False once the lesson has gone from the course directory.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Notebook path, relative to the course directory.
    source_path: Mapped[str] = mapped_column(String(500))

    module: Mapped[Module] = relationship(viewonly=True)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "content": self.content, "order": self.order}


class Exercise(Base):
    """An exercise notebook: what students see, and the hidden parts they never do."""

    __tablename__ = "exercises"
    __table_args__ = (
        CheckConstraint("difficulty IN ('easy', 'medium', 'hard')", name="difficulty"),
    )

    #: Stable id from the exercise notebook's metadata.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The module the exercise belongs to.
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id"), index=True)
    #: Title shown to students.
    title: Mapped[str] = mapped_column(String(200))
    #: One sentence on what the student will do.
    description: Mapped[str] = mapped_column(Text, default="")
    #: The skill practised, such as ``loops``.
    topic: Mapped[str] = mapped_column(String(64), index=True)
    #: ``easy``, ``medium`` or ``hard``.
    difficulty: Mapped[str] = mapped_column(String(16))
    #: Position within the module, smallest first.
    order: Mapped[int] = mapped_column(Integer)
    #: The prompt as Markdown.
    prompt: Mapped[str] = mapped_column(Text)
    #: The code the student starts from.
    starter_code: Mapped[str] = mapped_column(Text)
    #: Hidden tests: never sent to a student.
    tests_code: Mapped[str] = mapped_column(Text)
    #: Reference solution: never sent to a student.
    solution_code: Mapped[str] = mapped_column(Text)
    #: Shown with a failed test whose assertion has no message of its own.
    hint: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: False once the exercise has gone from the course directory.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Notebook path, relative to the course directory.
    source_path: Mapped[str] = mapped_column(String(500))

    module: Mapped[Module] = relationship(viewonly=True)

    @property
    def content(self) -> str:
        """Return what a student is shown: the prompt, then the starter code."""
        return f"{self.prompt.rstrip()}\n\n```python\n{self.starter_code.rstrip()}\n```\n"

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "topic": self.topic,
            "difficulty": self.difficulty,
            "content": self.content,
        }

    def to_detail_dict(self) -> dict[str, str]:
        """Return everything a student may see of the exercise, in parts as well."""
        return {
            **self.to_dict(),
            "module_id": self.module_id,
            "prompt": self.prompt,
            "starter_code": self.starter_code,
        }
