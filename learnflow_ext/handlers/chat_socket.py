"""Live chat over a WebSocket: every new message of the caller's conversations, as it arrives.

The connection is signed in with the same bearer token as the REST API, given one of
three ways, and never in the URL (URLs end up in logs and browser history):

- offered as a subprotocol ``learnflow.bearer.<token>`` beside ``learnflow.chat.v1``,
  which the server selects (browsers cannot set headers on a WebSocket);
- an ``Authorization: Bearer <token>`` header, for clients that can set one;
- or a first message ``{"type": "authenticate", "token": "<token>"}`` within 10 s.

The server then sends ``{"type": "ready", "user": {...}}`` and, from then on, events:
``message`` (with the message as history shows it), ``conversation`` (a conversation
of the caller was started or its members changed), ``removed`` (the caller left or
was removed from one) and ``resync`` (events may have been missed: fetch again). A
client may send ``{"type": "ping"}`` and gets ``{"type": "pong"}``. The connection is
closed with code 4401 once its token expires or is revoked: at once when the token signs
out on this server, within ``chat_token_recheck_s`` when it signs out on another.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from tornado import ioloop
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from ..errors import AuthenticationError, MalformedRequestError, PermissionDeniedError
from .base import LearnFlowHandler

SUBPROTOCOL = "learnflow.chat.v1"
TOKEN_SUBPROTOCOL_PREFIX = "learnflow.bearer."  # noqa: S105 - a prefix, not a secret
SIGN_IN_TIMEOUT_S = 10
MAX_CLIENT_MESSAGE_BYTES = 16 * 1024
PING_INTERVAL_S = 30

# Close codes in the range RFC 6455 leaves to applications, named after HTTP statuses.
CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_SIGN_IN_TIMEOUT = 4408
CLOSE_TOO_MANY_CONNECTIONS = 4429


class ChatSocketHandler(WebSocketHandler, LearnFlowHandler):
    """One client's live connection to the chat of the conversations it is a member of."""

    _token: str | None = None
    _connected = False

    @property
    def max_message_size(self) -> int:
        return MAX_CLIENT_MESSAGE_BYTES

    @property
    def ping_interval(self) -> float:
        return PING_INTERVAL_S

    def check_origin(self, origin: str = "") -> bool:
        """Judge the origin as every LearnFlow route does, not as tornado's WebSockets do.

        A page of another origin that carries cookies is refused in ``prepare`` (404, as
        Jupyter answers); without cookies, only the token counts.
        """
        return LearnFlowHandler.check_origin(self, origin)

    @allow_unauthenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Check the request and the token, if it carries one, then upgrade to a WebSocket."""
        if {"token", "access_token"} & set(self.request.query_arguments):
            raise MalformedRequestError(
                "send the token as a subprotocol, a header or the first message, never in the URL",
                code="token_in_url",
            )
        if self.request.headers.get("Upgrade", "").lower() != "websocket":
            raise MalformedRequestError(
                "this route only speaks WebSocket", code="websocket_expected"
            )
        offered = self._offered_token()
        if offered is not None:
            self.learnflow_user = await self.run(self.learnflow.accounts.authenticate, offered)
            self._token = offered
        elif self.learnflow_user is not None:
            self._token = self._bearer_token
        if self.learnflow_user is not None:
            self._check_connection_allowed()

        await super().get(*args, **kwargs)

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        """Choose the chat protocol; never echo the token back."""
        return SUBPROTOCOL if SUBPROTOCOL in subprotocols else None

    def open(self, *args: Any, **kwargs: Any) -> None:
        """Start sending events, or wait for the first message to sign in."""
        if self.learnflow_user is not None:
            self._start()
        else:
            self._sign_in_deadline = ioloop.IOLoop.current().call_later(
                SIGN_IN_TIMEOUT_S,
                self.close,
                CLOSE_SIGN_IN_TIMEOUT,
                f"sign in within {SIGN_IN_TIMEOUT_S} s",
            )

    async def on_message(self, message: str | bytes) -> None:
        """Sign in with the first message, or answer a ping."""
        try:
            request = json.loads(message)
            kind = request.get("type") if isinstance(request, dict) else None
        except (ValueError, UnicodeDecodeError):
            kind = None
        if self._connected:
            if kind == "ping":
                self.send_event(json.dumps({"type": "pong"}))
            else:
                self._send_error(
                    "unknown_request", "send ping, or nothing: events come by themselves"
                )
            return
        token = request.get("token") if kind == "authenticate" else None
        if not isinstance(token, str):
            self.close(CLOSE_BAD_MESSAGE, 'the first message must be {"type": "authenticate", ...}')
            return
        try:
            self.learnflow_user = await self.run(self.learnflow.accounts.authenticate, token)
        except AuthenticationError as error:
            self.log.warning("chat: refused a WebSocket sign-in: %s", error.code)
            self.close(CLOSE_UNAUTHENTICATED, error.message)
            return
        self._token = token
        ioloop.IOLoop.current().remove_timeout(self._sign_in_deadline)
        try:
            self._check_connection_allowed()
        except PermissionDeniedError as error:
            self.close(CLOSE_TOO_MANY_CONNECTIONS, error.message)
            return
        self._start()

    def on_close(self) -> None:
        """Forget the connection and its timers."""
        if self._connected:
            assert self.learnflow_user is not None
            self.learnflow.chat.broker.disconnect(self.learnflow_user["id"], self)
            self._connected = False
            self._recheck.stop()
            ioloop.IOLoop.current().remove_timeout(self._expiry)
        elif hasattr(self, "_sign_in_deadline"):
            ioloop.IOLoop.current().remove_timeout(self._sign_in_deadline)

    @property
    def token(self) -> str | None:
        return self._token

    def sign_out(self) -> None:
        """Close the connection: its token has been signed out."""
        self.close(CLOSE_UNAUTHENTICATED, "the token has been revoked")

    def send_event(self, text: str) -> None:
        """Send one event; a connection closing meanwhile just misses it."""
        try:
            sent = self.write_message(text)
        except WebSocketClosedError:
            return
        sent.add_done_callback(lambda future: future.cancelled() or future.exception())

    def _start(self) -> None:
        assert self.learnflow_user is not None
        assert self._token is not None
        self.learnflow.chat.broker.connect(self.learnflow_user["id"], self)
        self._connected = True
        self.send_event(json.dumps({"type": "ready", "user": self.learnflow_user}))

        expires_at = self.learnflow.accounts.signer.decode(self._token).expires_at
        remaining_s = max(0.0, (expires_at - datetime.now(UTC)).total_seconds())
        self._expiry = ioloop.IOLoop.current().call_later(
            remaining_s, self.close, CLOSE_UNAUTHENTICATED, "the token has expired"
        )
        recheck_ms = self.learnflow.chat_token_recheck_s * 1000
        self._recheck = ioloop.PeriodicCallback(self._check_token, recheck_ms)
        self._recheck.start()

    async def _check_token(self) -> None:
        try:
            await self.run(self.learnflow.accounts.authenticate, self._token or "")
        except AuthenticationError as error:
            self.close(CLOSE_UNAUTHENTICATED, error.message)

    def _check_connection_allowed(self) -> None:
        assert self.learnflow_user is not None
        limit = self.learnflow.chat_max_connections_per_user
        if self.learnflow.chat.broker.connections_of(self.learnflow_user["id"]) >= limit:
            raise PermissionDeniedError(
                f"at most {limit} live chat connections per account; close one first",
                code="too_many_connections",
            )

    def _offered_token(self) -> str | None:
        offered = self.request.headers.get("Sec-WebSocket-Protocol", "")
        for protocol in (part.strip() for part in offered.split(",")):
            if protocol.startswith(TOKEN_SUBPROTOCOL_PREFIX):
                return protocol.removeprefix(TOKEN_SUBPROTOCOL_PREFIX)
        return None

    def _send_error(self, code: str, message: str) -> None:
        self.send_event(json.dumps({"type": "error", "code": code, "message": message}))
