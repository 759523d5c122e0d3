"""Graded submissions: the code a student submitted for an exercise, and how it fared."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, new_id, utc_now

SUBMISSION_STATUSES = (
    "passed",
    "failed",
    "error",
    "timeout",
    "memory_limit",
    "output_limit",
    "killed",
)


class Submission(Base):
    """One graded attempt at an exercise. Submissions are never changed or deleted."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        Index("ix_submissions_user_exercise", "user_id", "exercise_id", "created_at"),
    )

    #: Random id of the submission.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: Who submitted it.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The exercise it answers.
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id"), index=True)
    #: The topic the exercise practised when it was graded.
    topic: Mapped[str] = mapped_column(String(64))
    #: The code as submitted.
    code: Mapped[str] = mapped_column(Text)
    #: passed, failed, error, timeout, memory_limit, output_limit or killed.
    status: Mapped[str] = mapped_column(String(16))
    #: Share of the hidden tests passed, 0 to 1.
    score: Mapped[float] = mapped_column(Float)
    #: Each hidden test: ``{"name", "passed", "message"}``.
    tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: What the program printed, cut to a limit.
    output: Mapped[str] = mapped_column(Text)
    #: Its errors and tracebacks, cut to a limit.
    errors: Mapped[str] = mapped_column(Text)
    #: Seconds the grading run took.
    execution_time: Mapped[float] = mapped_column(Float)
    #: Whether this submission moved the student's mastery of the topic.
    counted: Mapped[bool] = mapped_column(default=False)
    #: When it was graded.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "exercise_id": self.exercise_id,
            "user_id": self.user_id,
            "status": self.status,
            "score": self.score,
            "tests": self.tests,
            "output": self.output,
            "errors": self.errors,
            "execution_time": self.execution_time,
            "code": self.code,
            "created_at": self.created_at.isoformat(),
        }


class TopicMastery(Base):
    """A student's knowledge tracing estimate for one topic."""

    __tablename__ = "topic_mastery"
    __table_args__ = (CheckConstraint("p_known >= 0 AND p_known <= 1", name="p_known_range"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Probability that the student knows the topic.
    p_known: Mapped[float] = mapped_column(Float)
    #: Graded attempts that updated the estimate.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class LessonCompletion(Base):
    """A lesson a student has marked as completed."""

    __tablename__ = "lesson_completions"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
