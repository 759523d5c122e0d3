"""Alembic migrations build the schema the models describe, and SQLite is set up for a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from learnflow_ext.database import MIGRATIONS_DIR, Database
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


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def newest_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_to(database: Database, revision: str) -> None:
    config = alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_upgrade_of_empty_database_matches_models(database: Database) -> None:
    database.upgrade_schema()

    assert schema_differences(database) == []


def test_upgrade_of_empty_database_reaches_newest_revision(database: Database) -> None:
    database.upgrade_schema()

    assert current_revision(database) == newest_revision()


def test_upgrade_twice_keeps_schema_and_revision(database: Database) -> None:
    database.upgrade_schema()

    database.upgrade_schema()

    assert schema_differences(database) == []
    assert current_revision(database) == newest_revision()


def test_upgrade_twice_keeps_stored_rows(database: Database) -> None:
    database.upgrade_schema()
    with database.transaction() as session:
        session.add(Module(id="loops", title="Loops", description="", order=1, source_path="x"))

    database.upgrade_schema()

    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Module)) == 1


def test_upgrade_from_first_revision_keeps_exercises_and_gives_them_no_hint(
    database: Database,
) -> None:
    upgrade_to(database, "0001")
    with database.engine.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO modules (id, title, description, "order", active, source_path) '
                "VALUES ('loops', 'Loops', '', 1, TRUE, 'loops')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO exercises (id, module_id, title, description, topic, difficulty, "
                '"order", prompt, starter_code, tests_code, solution_code, active, source_path) '
                "VALUES ('sum-up', 'loops', 'Sum up', '', 'loops', 'easy', 1, 'p', 's', 't', "
                "'x', TRUE, 'loops/sum-up.ipynb')"
            )
        )

    database.upgrade_schema()

    with database.engine.connect() as connection:
        hints = connection.execute(text("SELECT id, hint FROM exercises")).all()
    assert [tuple(row) for row in hints] == [("sum-up", "")]


def test_downgrade_to_first_revision_and_upgrade_again_matches_models(
    database: Database,
) -> None:
    database.upgrade_schema()
    config = alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")

    database.upgrade_schema()

    assert schema_differences(database) == []


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
