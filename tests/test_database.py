"""The unit of work on SQLite: writers take the write lock up front, readers never do."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from learnflow_ext.database import Database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    # No busy timeout: whatever would wait for the write lock fails at once instead.
    database = Database(f"sqlite:///{tmp_path / 'learnflow.db'}", sqlite_busy_timeout_s=0)
    database.upgrade_schema()
    yield database
    database.close()


@pytest.fixture
def writer_holding_the_lock(database: Database, tmp_path: Path) -> Iterator[None]:
    writer = sqlite3.connect(tmp_path / "learnflow.db", timeout=0, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    yield
    writer.rollback()
    writer.close()


def test_reading_does_not_wait_for_a_writer(
    database: Database, writer_holding_the_lock: None
) -> None:
    with database.reading() as connection:
        users = connection.execute(text("SELECT count(*) FROM users")).scalar_one()

    assert users == 0


def test_transaction_takes_the_write_lock_up_front(
    database: Database, writer_holding_the_lock: None
) -> None:
    with pytest.raises(OperationalError, match="locked"), database.transaction() as session:
        session.execute(text("SELECT count(*) FROM users"))
