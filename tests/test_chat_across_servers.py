"""Two real servers on one PostgreSQL database deliver each other's chat live."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.chat_client import ChatSockets, closing, next_event, next_message
from tests.live_server import call, live_server

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def two_servers(tmp_path: Path, postgres_url: str) -> Iterator[tuple[str, str]]:
    """Two LearnFlow servers sharing one database and one token secret; their API roots."""
    shared = [
        f"--LearnFlow.jwt_secret={secrets.token_hex(32)}",
        "--LearnFlow.chat_token_recheck_s=1",
    ]
    with ExitStack() as stack:
        roots = [
            stack.enter_context(live_server(tmp_path / name, postgres_url, *shared))
            for name in ("server-a", "server-b")
        ]
        yield roots[0], roots[1]


@pytest.fixture
def sockets_to(two_servers: tuple[str, str]) -> Iterator[dict[str, ChatSockets]]:
    """Chat sockets to each server, by its API root; closed after the test."""
    sockets = {
        root: ChatSockets(root.replace("http://", "ws://") + "/chat/ws") for root in two_servers
    }
    yield sockets
    for group in sockets.values():
        group.close_all()


def sign_up(api_root: str, name: str) -> tuple[str, str]:
    """Register and sign in on ``api_root``; return the account id and token."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    account = call(
        api_root, "POST", "/auth/register", {"email": email, "password": "p" * 12, "name": name}
    )
    login = call(api_root, "POST", "/auth/login", {"email": email, "password": "p" * 12})
    return account["id"], login["access_token"]


async def test_message_posted_on_one_server_reaches_a_socket_on_the_other(
    two_servers: tuple[str, str], sockets_to: dict[str, ChatSockets]
) -> None:
    server_a, server_b = two_servers
    _ada, ada_token = sign_up(server_a, "Ada")
    bo, bo_token = sign_up(server_b, "Bo")
    conversation = call(
        server_a, "POST", "/chat/conversations", {"title": "Pair", "members": [bo]}, ada_token
    )
    socket = await sockets_to[server_b].signed_in(bo_token)

    sent = call(
        server_a,
        "POST",
        "/chat/message",
        {"message": "hello from A", "conversation_id": conversation["id"]},
        ada_token,
    )

    received = await next_message(socket)
    assert received["id"] == sent["id"]
    assert received["message"] == "hello from A"
    assert received["sender_name"] == "Ada"


async def test_replies_cross_back_and_each_server_delivers_each_message_once(
    two_servers: tuple[str, str], sockets_to: dict[str, ChatSockets]
) -> None:
    server_a, server_b = two_servers
    ada, ada_token = sign_up(server_a, "Ada")
    bo, bo_token = sign_up(server_b, "Bo")
    conversation = call(
        server_a, "POST", "/chat/conversations", {"title": "Pair", "members": [bo]}, ada_token
    )
    on_a = await sockets_to[server_a].signed_in(ada_token)
    on_b = await sockets_to[server_b].signed_in(bo_token)

    for server, token, text in ((server_a, ada_token, "ping"), (server_b, bo_token, "pong")):
        call(
            server,
            "POST",
            "/chat/message",
            {"message": text, "conversation_id": conversation["id"]},
            token,
        )

    assert [(await next_message(on_a))["message"] for _ in range(2)] == ["ping", "pong"]
    assert [(await next_message(on_b))["message"] for _ in range(2)] == ["ping", "pong"]
    history = call(
        server_b, "GET", f"/chat/conversations/{conversation['id']}/messages", token=ada_token
    )
    assert [m["sender_id"] for m in history["messages"]] == [ada, bo]


async def test_member_added_on_one_server_is_told_on_the_other(
    two_servers: tuple[str, str], sockets_to: dict[str, ChatSockets]
) -> None:
    server_a, server_b = two_servers
    _ada, ada_token = sign_up(server_a, "Ada")
    bo, bo_token = sign_up(server_b, "Bo")
    conversation = call(server_a, "POST", "/chat/conversations", {"title": "Later"}, ada_token)
    socket = await sockets_to[server_b].signed_in(bo_token)

    call(
        server_a,
        "POST",
        f"/chat/conversations/{conversation['id']}/members",
        {"members": [bo]},
        ada_token,
    )

    assert await next_event(socket) == {
        "type": "conversation",
        "conversation_id": conversation["id"],
    }


async def test_tutor_answer_given_on_one_server_reaches_the_other(
    two_servers: tuple[str, str], sockets_to: dict[str, ChatSockets]
) -> None:
    server_a, server_b = two_servers
    _ada, ada_token = sign_up(server_a, "Ada")
    conversation = call(
        server_a, "POST", "/chat/conversations", {"title": "Tutor", "members": ["tutor"]}, ada_token
    )
    socket = await sockets_to[server_b].signed_in(ada_token)

    call(
        server_a,
        "POST",
        "/chat/message",
        {"message": "how do I loop over a list", "conversation_id": conversation["id"]},
        ada_token,
    )

    await next_message(socket)
    answer = await next_message(socket)
    assert answer["sender_id"] == "tutor"
    assert answer["sources"][0]["id"] == "looping-over-lists"


async def test_sign_out_on_one_server_closes_the_socket_on_the_other(
    two_servers: tuple[str, str], sockets_to: dict[str, ChatSockets]
) -> None:
    server_a, server_b = two_servers
    _ada, ada_token = sign_up(server_a, "Ada")
    socket = await sockets_to[server_b].signed_in(ada_token)

    call(server_a, "POST", "/auth/logout", token=ada_token)

    code, _reason = await closing(socket, timeout_s=10)
    assert code == 4401
