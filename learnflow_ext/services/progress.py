"""Students' progress and mastery per module, and who may read it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..database import Database
from ..errors import NotFoundError, PermissionDeniedError
from ..models import Module, ModuleProgress, User
from ..models.base import new_id, utc_now
from .courses import CourseService

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class ProgressService:
    """Record and report how far each user is through each module."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def set_module_progress(
        self, *, user_id: str, module_id: str, progress: float, mastery: float
    ) -> dict[str, Any]:
        """Create or replace the caller's progress in one module; the same call twice is a no-op."""
        insert = sqlite_insert if self.database.is_sqlite else postgresql_insert
        now = utc_now()
        statement = insert(ModuleProgress).values(
            id=new_id(),
            user_id=user_id,
            module_id=module_id,
            progress=progress,
            mastery=mastery,
            updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[ModuleProgress.user_id, ModuleProgress.module_id],
            set_={"progress": progress, "mastery": mastery, "updated_at": now},
        )
        with self.database.transaction() as session:
            CourseService.active_module(session, module_id)
            session.execute(statement)
            record = session.scalars(
                select(ModuleProgress)
                .where(ModuleProgress.user_id == user_id, ModuleProgress.module_id == module_id)
                .execution_options(populate_existing=True)
            ).one()
            return record.to_dict()

    def progress_of(self, *, caller: dict[str, str], user_id: str) -> list[dict[str, Any]]:
        """Return ``user_id``'s progress in every module, if ``caller`` may see it."""
        if caller["id"] != user_id and caller["role"] != "teacher":
            raise PermissionDeniedError(
                "students may read only their own progress", code="not_your_progress"
            )
        with self.database.transaction() as session:
            if caller["id"] != user_id:
                student = session.get(User, user_id) if UUID_PATTERN.fullmatch(user_id) else None
                if student is None or student.role != "student":
                    raise NotFoundError(f"no student with id {user_id!r}", code="user_not_found")
            records = session.scalars(
                select(ModuleProgress)
                .join(Module, ModuleProgress.module_id == Module.id)
                .where(ModuleProgress.user_id == user_id, Module.active)
                .order_by(Module.order, Module.id)
            )
            return [record.to_listing() for record in records]
