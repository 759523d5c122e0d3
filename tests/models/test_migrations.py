"""Alembic migrations build the schema the models describe, and SQLite is set up for a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from learnflow_ext.database import Database
from learnflow_ext.models import Base, Module


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A Database on an empty SQLite file or an empty PostgreSQL database."""
    opened = Database(database_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    opened = Database(f"sqlite:///{tmp_path / 'learnflow.db'}", sqlite_busy_timeout_s=2.5)
    yield opened
    opened.close()


def schema_differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_of_empty_database_matches_models(database: Database) -> None:
    database.upgrade_schema()

    assert schema_differences(database) == []


def test_upgrade_of_empty_database_reaches_newest_revision(database: Database) -> None:
    database.upgrade_schema()

    assert current_revision(database) == "0001"


def test_upgrade_twice_keeps_schema_and_revision(database: Database) -> None:
    database.upgrade_schema()

    database.upgrade_schema()

    assert schema_differences(database) == []
    assert current_revision(database) == "0001"


def test_upgrade_twice_keeps_stored_rows(database: Database) -> None:
    database.upgrade_schema()
    with database.transaction() as session:
        session.add(Module(id="loops", title="Loops", description="", order=1, source_path="x"))

    database.upgrade_schema()

    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Module)) == 1


def pragma(database: Database, name: str) -> object:
    with database.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("journal_mode", "wal"), ("busy_timeout", 2500), ("foreign_keys", 1)],
)
def test_sqlite_connection_pragma_is_set(
    sqlite_database: Database, name: str, expected: object
) -> None:
    value = pragma(sqlite_database, name)

    assert value == expected


def test_sqlite_busy_timeout_defaults_to_ten_seconds(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'learnflow.db'}")

    try:
        value = pragma(database, "busy_timeout")
    finally:
        database.close()

    assert value == 10_000


def test_sqlite_refuses_row_pointing_at_missing_module(sqlite_database: Database) -> None:
    sqlite_database.upgrade_schema()
    orphan = text(
        'INSERT INTO lessons (id, module_id, title, content, "order", active, source_path) '
        "VALUES ('orphan', 'no-such-module', 'Orphan', '', 1, 1, 'orphan.ipynb')"
    )

    with (
        pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"),
        sqlite_database.engine.begin() as connection,
    ):
        connection.execute(orphan)
