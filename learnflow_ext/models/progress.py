"""A student's progress through each module."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, new_id, utc_now


class ModuleProgress(Base):
    """How far one user is through one module, and how well they master it."""

    __tablename__ = "module_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("mastery >= 0 AND mastery <= 1", name="mastery_range"),
    )

    #: Random id of this progress record.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: Whose progress it is.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Which module it is about.
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id"), index=True)
    #: Percentage of the module completed, 0 to 100.
    progress: Mapped[float] = mapped_column(Float)
    #: Estimated mastery of the module, a fraction from 0 to 1.
    mastery: Mapped[float] = mapped_column(Float)
    #: When the record last changed.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    @property
    def completed(self) -> bool:
        return self.progress >= 100

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "module_id": self.module_id,
            "progress": self.progress,
            "mastery": self.mastery,
        }

    def to_listing(self) -> dict[str, object]:
        """Return the record as it appears in a user's progress list."""
        return {
            "id": self.id,
            "module_id": self.module_id,
            "progress": self.progress,
            "mastery": self.mastery,
            "completed": self.completed,
        }
