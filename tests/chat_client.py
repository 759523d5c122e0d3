"""A chat WebSocket client for the tests, speaking the protocol of handlers/chat_socket.py."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

PROTOCOL = "learnflow.chat.v1"


class ChatSockets:
    """Open chat WebSockets to one server; ``close_all`` closes every one opened."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._opened: list[WebSocketClientConnection] = []

    async def open(
        self,
        token: str | None = None,
        *,
        how: str = "subprotocol",
        headers: dict[str, str] | None = None,
        query: str = "",
    ) -> WebSocketClientConnection:
        """Connect, signing in with ``token`` as ``how`` says.

        ``how`` is ``subprotocol``, ``header`` or ``first-message``. Raises
        ``tornado.httpclient.HTTPClientError`` when the server refuses the upgrade.
        """
        headers = dict(headers or {})
        protocols = [PROTOCOL]
        if token is not None and how == "subprotocol":
            protocols.append(f"learnflow.bearer.{token}")
        if token is not None and how == "header":
            headers["Authorization"] = f"Bearer {token}"
        socket = await websocket_connect(
            HTTPRequest(self.url + query, headers=headers, request_timeout=10),
            subprotocols=protocols,
        )
        self._opened.append(socket)
        if token is not None and how == "first-message":
            await socket.write_message(json.dumps({"type": "authenticate", "token": token}))
        return socket

    async def signed_in(self, token: str, **options: Any) -> WebSocketClientConnection:
        """Connect, sign in, and read the ``ready`` event."""
        socket = await self.open(token, **options)
        ready = await next_event(socket)
        assert ready["type"] == "ready", ready
        return socket

    def close_all(self) -> None:
        for socket in self._opened:
            socket.close()


async def next_event(socket: WebSocketClientConnection, *, timeout_s: float = 10) -> dict:
    """Return the next event; fail if the connection closes or none comes in time."""
    text = await asyncio.wait_for(socket.read_message(), timeout_s)
    assert text is not None, f"closed: {socket.close_code} {socket.close_reason}"
    return json.loads(text)


async def next_message(socket: WebSocketClientConnection, *, timeout_s: float = 10) -> dict:
    """Return the next ``message`` event's message, skipping other events."""
    while True:
        event = await next_event(socket, timeout_s=timeout_s)
        if event["type"] == "message":
            return event["message"]


async def closing(socket: WebSocketClientConnection, *, timeout_s: float = 10) -> tuple:
    """Read until the server closes the connection; return its close code and reason."""
    while await asyncio.wait_for(socket.read_message(), timeout_s) is not None:
        pass
    return socket.close_code, socket.close_reason


async def events_within(socket: WebSocketClientConnection, seconds: float) -> list[dict]:
    """Return every event that arrives within ``seconds``."""
    events = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (remaining := deadline - loop.time()) > 0:
        try:
            text = await asyncio.wait_for(socket.read_message(), remaining)
        except TimeoutError:
            break
        if text is None:
            break
        events.append(json.loads(text))
    return events
