"""Live delivery of chat events to the WebSocket connections of the people they concern.

Each server process keeps the connections open on it, by account. An event stored by
this process is delivered to them straight after its transaction commits. When the
database is PostgreSQL, the transaction also sends a ``NOTIFY`` on one channel, which
PostgreSQL delivers at commit to every process listening, so that servers sharing one
database (a JupyterHub class) deliver each other's events: a process reads what the
notice names from the database and delivers it to its own connections. No service is
needed besides the database. On SQLite, events reach the connections of the process
that stored them only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..database import Database

CHANNEL = "learnflow_chat"
# Seconds between attempts to listen again after the database connection was lost.
RECONNECT_DELAYS_S = (0.5, 1, 2, 5, 10)
# PostgreSQL refuses notices longer than 8000 bytes; ours only name what to read.
MAX_NOTICE_BYTES = 8000

#: Turns a notice from another process into ``(event, recipients)`` pairs to deliver.
NoticeReader = Callable[[dict[str, Any]], Awaitable[list[tuple[dict[str, Any], list[str]]]]]


class Connection(Protocol):
    """A live connection that wants the events of one account."""

    #: The access token it signed in with.
    token: str | None

    def send_event(self, text: str) -> None:
        """Send one event, already encoded as JSON; never raise."""

    def sign_out(self) -> None:
        """Close the connection: its token no longer works."""


class ChatBroker:
    """Track this process's live connections, and carry events to those of other processes."""

    def __init__(self, database: Database, *, log: logging.Logger) -> None:
        self.database = database
        self.log = log
        #: Marks this process's notices, so it does not deliver its own events twice.
        self.origin = uuid.uuid4().hex
        self._connections: dict[str, set[Connection]] = defaultdict(set)
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    @property
    def crosses_processes(self) -> bool:
        return not self.database.is_sqlite

    def connect(self, user_id: str, connection: Connection) -> None:
        self._connections[user_id].add(connection)

    def disconnect(self, user_id: str, connection: Connection) -> None:
        connections = self._connections.get(user_id)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._connections[user_id]

    def connections_of(self, user_id: str) -> int:
        return len(self._connections.get(user_id, ()))

    def connections(self) -> list[Connection]:
        return [connection for group in self._connections.values() for connection in group]

    def sign_out(self, user_id: str, token: str) -> None:
        """Close this process's connections of ``user_id`` signed in with ``token``."""
        for connection in list(self._connections.get(user_id, ())):
            if connection.token == token:
                connection.sign_out()

    def notify(self, session: Session, notice: dict[str, Any]) -> None:
        """Within a transaction: tell the other processes about ``notice`` once it commits."""
        if not self.crosses_processes:
            return
        payload = json.dumps({"origin": self.origin, **notice})
        if len(payload.encode()) > MAX_NOTICE_BYTES:
            raise ValueError("a chat notice must only name what to read, not carry it")
        session.execute(select(func.pg_notify(CHANNEL, payload)))

    def deliver(self, event: dict[str, Any], recipients: Iterable[str]) -> None:
        """On the event loop: send ``event`` to every connection of ``recipients`` here."""
        text = json.dumps(event)
        for user_id in set(recipients):
            for connection in list(self._connections.get(user_id, ())):
                connection.send_event(text)

    async def start(self, read_notice: NoticeReader, *, wait_s: float = 10.0) -> None:
        """Listen for other processes' notices, when the database can carry them.

        Waits up to ``wait_s`` for the first ``LISTEN``, so that a server that starts
        serving also receives what its peers post.
        """
        if not self.crosses_processes or self._listener is not None:
            return
        self._listener = asyncio.create_task(self._listen(read_notice))
        try:
            await asyncio.wait_for(self._listening.wait(), wait_s)
        except TimeoutError:
            self.log.warning("chat: not yet listening to other servers; still trying")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def _listen(self, read_notice: NoticeReader) -> None:
        conninfo = self.database.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        failures = 0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    if failures:
                        self.log.info("chat: listening to other servers again")
                        # What was posted meanwhile was missed: clients fetch it again.
                        self._tell_everyone({"type": "resync"})
                    else:
                        self.log.info("chat: listening to other servers on %s", CHANNEL)
                    failures = 0
                    self._listening.set()
                    async for notice in connection.notifies():
                        await self._handle(notice.payload, read_notice)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError) as error:
                delay = RECONNECT_DELAYS_S[min(failures, len(RECONNECT_DELAYS_S) - 1)]
                failures += 1
                self.log.warning(
                    "chat: lost the database connection that listens to other servers (%s); "
                    "retrying in %s s",
                    error.__class__.__name__,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _handle(self, payload: str, read_notice: NoticeReader) -> None:
        try:
            notice = json.loads(payload)
            if notice.get("origin") == self.origin:
                return
            for event, recipients in await read_notice(notice):
                self.deliver(event, recipients)
        except Exception:
            # One unreadable notice must not stop delivery of the next ones.
            self.log.exception("chat: could not deliver a notice from another server")

    def _tell_everyone(self, event: dict[str, Any]) -> None:
        text = json.dumps(event)
        for connection in self.connections():
            connection.send_event(text)
