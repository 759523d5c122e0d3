"""The database connection: engine set-up, the unit of work, and schema migrations."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

P = ParamSpec("P")
T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Execution option marking a connection whose transaction only reads.
READ_ONLY = "learnflow_read_only"


def normalize_database_url(url: str) -> URL:
    """Return ``url`` with the driver LearnFlow uses for its database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r} in {parsed.render_as_string()!r}: "
        "LearnFlow runs on SQLite or PostgreSQL"
    )


class Database:
    """One engine, a thread pool for database work, and the unit-of-work helper.

    SQLAlchemy's synchronous API is used from a small thread pool, so database work
    never runs on the server's event loop: handlers ``await database.run(...)``.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 4,
        sqlite_busy_timeout_s: float = 10.0,
        log: logging.Logger | None = None,
    ) -> None:
        self.url = normalize_database_url(url)
        self.log = log or logging.getLogger(__name__)
        self.engine = self._create_engine(pool_size, sqlite_busy_timeout_s)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._executor = ThreadPoolExecutor(
            max_workers=pool_size, thread_name_prefix="learnflow-db"
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def insert(self, model: type[Any]) -> Any:
        """Return an INSERT for ``model`` that supports ``on_conflict_do_*`` on this database."""
        return (sqlite_insert if self.is_sqlite else postgresql_insert)(model)

    @property
    def display_url(self) -> str:
        """Return the URL with any password masked, fit for logs."""
        return self.url.render_as_string(hide_password=True)

    def _create_engine(self, pool_size: int, busy_timeout_s: float) -> Engine:
        if not self.is_sqlite:
            return create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )

        if self.url.database and self.url.database != ":memory:":
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}
        )

        @event.listens_for(engine, "connect")
        def configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def begin_immediately(connection: Any) -> None:
            # Taking the write lock up front makes concurrent writers wait for each
            # other (up to the busy timeout) instead of failing with "database is locked".
            # Readers need no lock: in WAL mode they see the last commit and block nobody.
            if connection.get_execution_options().get(READ_ONLY):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Open a session whose work is committed on success and rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Open a connection for Core queries that only read.

        It skips the ORM's bookkeeping, and on SQLite it neither waits for writers nor
        makes them wait.
        """
        with (
            self.engine.connect().execution_options(**{READ_ONLY: True}) as connection,
            connection.begin(),
        ):
            yield connection

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking service code on the database thread pool and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def upgrade_schema(self) -> None:
        """Bring the schema up to the newest Alembic migration."""
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        """Release every connection and stop the thread pool."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.engine.dispose()
