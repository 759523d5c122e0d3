"""Benchmark chat fan-out: from posting a message to its arrival on every member's socket.

Run from the repository root (it starts its own servers on loopback):

    python bench/chat.py [--clients 50] [--messages 200] [--postgres URL]

Fifty students share one conversation and each holds a chat WebSocket open. One of them
posts a message over HTTP; the figure is the time from sending the POST to the message
arriving on each of the fifty sockets (the sender's included), as p50 and p99 over every
delivery. Side by side, in the same run:

- (a) a bare tornado server that accepts the same POST and writes its body to every
  open socket: no accounts, no database, no membership, the floor of the transport;
- (b) LearnFlow on one server with SQLite: the bearer token checked, the message
  validated, rate-limited and stored, its conversation's members looked up;
- (c) with ``--postgres``: two LearnFlow servers on one PostgreSQL database, half the
  clients on each, every message posted to the first, so half the deliveries cross
  processes through LISTEN/NOTIFY.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from execution import percentiles

from tests.live_server import call, live_server

PASSWORD = secrets.token_urlsafe(12)


class Receiver:
    """One open socket that notes when each message text arrives on it."""

    def __init__(self, socket: WebSocketClientConnection) -> None:
        self.socket = socket
        self.arrivals: dict[str, float] = {}
        self.arrived = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while (frame := await self.socket.read_message()) is not None:
            event = json.loads(frame)
            if event.get("type") == "message":
                self.arrivals[event["message"]["message"]] = time.perf_counter()
                self.arrived.set()

    async def wait_for(self, text: str) -> float:
        async with asyncio.timeout(10):
            while text not in self.arrivals:
                self.arrived.clear()
                await self.arrived.wait()
        return self.arrivals.pop(text)

    def close(self) -> None:
        self.socket.close()
        self.reader.cancel()


async def fan_out(receivers: list[Receiver], post: callable, messages: int) -> list[float]:
    """Post ``messages`` one after another; return every post-to-arrival time in seconds."""
    samples: list[float] = []
    for number in range(-5, messages):  # five to warm up
        text = f"bench message {number} {uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        await post(number, text)
        arrivals = await asyncio.gather(*(receiver.wait_for(text) for receiver in receivers))
        if number >= 0:
            samples.extend(arrival - started for arrival in arrivals)
    return samples


# -- (a) the baseline server -----------------------------------------------------------------


def serve_baseline(port: int) -> None:
    """Run the bare broadcast server until killed."""
    from tornado import web, websocket

    sockets: set[websocket.WebSocketHandler] = set()

    class Socket(websocket.WebSocketHandler):
        def open(self) -> None:
            sockets.add(self)

        def on_close(self) -> None:
            sockets.discard(self)

    class Post(web.RequestHandler):
        def post(self) -> None:
            text = json.loads(self.request.body)["message"]
            event = json.dumps({"type": "message", "message": {"message": text}})
            for each in sockets:
                each.write_message(event)
            self.set_status(201)
            self.finish({"message": text})

    async def main() -> None:
        web.Application([("/ws", Socket), ("/post", Post)]).listen(port, "127.0.0.1")
        await asyncio.Event().wait()

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def baseline(clients: int, messages: int) -> list[float]:
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--baseline-server", str(port)
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        receivers = [
            Receiver(await websocket_connect(f"ws://127.0.0.1:{port}/ws")) for _ in range(clients)
        ]
        http = AsyncHTTPClient()

        async def post(_number: int, text: str) -> None:
            await http.fetch(
                f"http://127.0.0.1:{port}/post", method="POST", body=json.dumps({"message": text})
            )

        try:
            return await fan_out(receivers, post, messages)
        finally:
            for receiver in receivers:
                receiver.close()
    finally:
        server.terminate()
        await server.wait()


# -- (b) and (c) LearnFlow ---------------------------------------------------------------


def students(api_root: str, count: int) -> list[dict[str, str]]:
    """Register ``count`` students; return each one's id and access token."""
    accounts = []
    for _ in range(count):
        email = f"bench-{uuid.uuid4().hex[:10]}@example.org"
        details = {"email": email, "password": PASSWORD, "name": "Bench Student"}
        user = call(api_root, "POST", "/auth/register", details)
        login = call(api_root, "POST", "/auth/login", {"email": email, "password": PASSWORD})
        accounts.append({"id": user["id"], "token": login["access_token"]})
    return accounts


async def learnflow(api_roots: list[str], clients: int, messages: int) -> list[float]:
    accounts = students(api_roots[0], clients)
    conversation = call(
        api_roots[0],
        "POST",
        "/chat/conversations",
        {"title": "Bench", "members": [account["id"] for account in accounts[1:]]},
        token=accounts[0]["token"],
    )
    receivers = []
    for index, account in enumerate(accounts):
        api_root = api_roots[index % len(api_roots)]
        request = HTTPRequest(api_root.replace("http", "ws", 1) + "/chat/ws")
        connection = await websocket_connect(
            request, subprotocols=["learnflow.chat.v1", f"learnflow.bearer.{account['token']}"]
        )
        ready = json.loads(await connection.read_message())
        assert ready["type"] == "ready", ready
        receivers.append(Receiver(connection))
    http = AsyncHTTPClient()

    async def post(number: int, text: str) -> None:
        # Senders take turns, so no one meets the per-user rate limit.
        sender = accounts[number % len(accounts)]
        await http.fetch(
            api_roots[0] + "/chat/message",
            method="POST",
            headers={"Authorization": f"Bearer {sender['token']}"},
            body=json.dumps({"message": text, "conversation_id": conversation["id"]}),
        )

    try:
        return await fan_out(receivers, post, messages)
    finally:
        for receiver in receivers:
            receiver.close()


def row(label: str, samples: list[float]) -> str:
    p50, _p95, p99 = percentiles(samples)
    return f"{label:58} {p50:8.1f} {p99:8.1f} {len(samples):10}"


async def run(options: argparse.Namespace) -> None:
    clients, messages = options.clients, options.messages
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"{clients} clients, {messages} messages\n")
    print(f"{'post to arrival on every socket (ms)':58} {'p50':>8} {'p99':>8} {'deliveries':>10}")
    print(row("(a) bare tornado broadcast", await baseline(clients, messages)))
    with tempfile.TemporaryDirectory() as home, ExitStack() as servers:
        api_root = servers.enter_context(
            live_server(Path(home) / "sqlite", f"sqlite:///{home}/bench.db")
        )
        samples = await learnflow([api_root], clients, messages)
        print(row("(b) LearnFlow, one server, SQLite", samples))
        if options.postgres:
            database = f"bench_{uuid.uuid4().hex[:8]}"
            admin = options.postgres
            create_database(admin, database)
            try:
                url = admin.rsplit("/", 1)[0] + "/" + database
                # One class shares one signing secret, as a JupyterHub deployment does.
                secret = f"--LearnFlow.jwt_secret={secrets.token_hex(32)}"
                roots = [
                    servers.enter_context(live_server(Path(home) / name, url, secret))
                    for name in ("pg-a", "pg-b")
                ]
                samples = await learnflow(roots, clients, messages)
                print(row("(c) LearnFlow, two servers, one PostgreSQL", samples))
            finally:
                servers.close()
                drop_database(admin, database)


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="connected students")
    parser.add_argument("--messages", type=int, default=200, help="messages to time")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("LEARNFLOW_TEST_POSTGRES_URL", ""),
        help="a PostgreSQL URL whose role may create databases, for (c)",
    )
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.baseline_server:
        serve_baseline(options.baseline_server)
    else:
        asyncio.run(run(options))


if __name__ == "__main__":
    main()
