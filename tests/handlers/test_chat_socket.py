"""The chat WebSocket: signing in, live delivery to members only, and ending with the token."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from tornado.httpclient import HTTPClientError

from learnflow_ext.handlers import chat_socket
from tests.chat_client import (
    PROTOCOL,
    ChatSockets,
    closing,
    events_within,
    next_event,
    next_message,
)
from tests.conftest import SQLITE_ONLY, Account, ApiClient
from tests.handlers.test_chat_messages import add, posted

# Long enough for a message that is coming to arrive, on a loaded machine.
QUIET_S = 0.5

pytestmark = SQLITE_ONLY


def error_body(error: HTTPClientError) -> dict[str, Any]:
    assert error.response is not None
    assert error.response.headers["Content-Type"].startswith("application/json")
    return json.loads(error.response.body)


# -- signing in -----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["subprotocol", "header", "first-message"])
async def test_socket_signed_in_any_way_says_ready_with_the_account(
    chat_sockets: ChatSockets, student: Account, how: str
) -> None:
    socket = await chat_sockets.open(student.token, how=how)

    event = await next_event(socket)

    assert event["type"] == "ready"
    assert event["user"]["id"] == student.id


async def test_socket_selects_the_chat_protocol_and_never_echoes_the_token(
    chat_sockets: ChatSockets, student: Account
) -> None:
    socket = await chat_sockets.open(student.token)

    assert socket.selected_subprotocol == PROTOCOL
    assert student.token not in str(socket.headers)


@pytest.mark.parametrize("how", ["subprotocol", "header"])
@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
async def test_socket_with_a_bad_token_before_upgrading_is_401_json(
    chat_sockets: ChatSockets, how: str, token: str
) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await chat_sockets.open(token, how=how)

    assert refused.value.code == 401
    assert error_body(refused.value)["code"] == "invalid_token"


async def test_socket_with_a_bad_token_as_first_message_is_closed_4401(
    chat_sockets: ChatSockets,
) -> None:
    socket = await chat_sockets.open("garbage", how="first-message")

    code, _reason = await closing(socket)

    assert code == chat_socket.CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize(
    "first",
    [
        "not json",
        "[]",
        '{"type": "ping"}',
        '{"type": "authenticate"}',
        '{"type": "authenticate", "token": 5}',
    ],
    ids=["text", "list", "ping", "no-token", "number-token"],
)
async def test_socket_whose_first_message_does_not_sign_in_is_closed_4400(
    chat_sockets: ChatSockets, first: str
) -> None:
    socket = await chat_sockets.open()

    await socket.write_message(first)

    code, _reason = await closing(socket)
    assert code == chat_socket.CLOSE_BAD_MESSAGE


async def test_socket_not_signed_in_in_time_is_closed_4408(
    chat_sockets: ChatSockets, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat_socket, "SIGN_IN_TIMEOUT_S", 0.2)
    socket = await chat_sockets.open()

    code, _reason = await closing(socket)

    assert code == chat_socket.CLOSE_SIGN_IN_TIMEOUT


@pytest.mark.parametrize("parameter", ["token", "access_token"])
async def test_socket_with_a_token_in_the_url_is_400_even_with_a_good_one(
    chat_sockets: ChatSockets, student: Account, parameter: str
) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await chat_sockets.open(student.token, query=f"?{parameter}={student.token}")

    assert refused.value.code == 400
    assert error_body(refused.value)["code"] == "token_in_url"


async def test_socket_route_over_plain_http_is_400_json(api: ApiClient) -> None:
    reply = await api.get("/chat/ws")

    assert reply.status == 400
    assert reply.json()["code"] == "websocket_expected"


async def test_socket_from_a_page_of_another_origin_with_cookies_is_404_as_for_any_route(
    chat_sockets: ChatSockets, student: Account
) -> None:
    headers = {"Origin": "https://evil.example.org", "Cookie": "session=stolen"}

    with pytest.raises(HTTPClientError) as refused:
        await chat_sockets.open(student.token, headers=headers)

    assert refused.value.code == 404
    assert error_body(refused.value)["code"] == "not_found"


@pytest.mark.learnflow_config(allowed_origins=["https://app.example.org"])
async def test_socket_from_an_allowed_origin_signs_in(
    chat_sockets: ChatSockets, student: Account
) -> None:
    headers = {"Origin": "https://app.example.org", "Cookie": "session=x"}

    socket = await chat_sockets.signed_in(student.token, headers=headers)

    assert socket.selected_subprotocol == PROTOCOL


@pytest.mark.learnflow_config(chat_max_connections_per_user=2)
async def test_socket_beyond_the_connections_per_account_is_refused(
    chat_sockets: ChatSockets, student: Account
) -> None:
    await chat_sockets.signed_in(student.token)
    await chat_sockets.signed_in(student.token)

    with pytest.raises(HTTPClientError) as refused:
        await chat_sockets.open(student.token)

    assert refused.value.code == 403
    assert error_body(refused.value)["code"] == "too_many_connections"


async def test_socket_answers_ping_with_pong(chat_sockets: ChatSockets, student: Account) -> None:
    socket = await chat_sockets.signed_in(student.token)

    await socket.write_message(json.dumps({"type": "ping"}))

    assert await next_event(socket) == {"type": "pong"}


async def test_socket_accepts_no_message_bigger_than_its_limit(
    chat_sockets: ChatSockets, student: Account
) -> None:
    socket = await chat_sockets.signed_in(student.token)

    await socket.write_message("x" * (chat_socket.MAX_CLIENT_MESSAGE_BYTES + 1))

    code, _reason = await closing(socket)
    assert code == 1009


# -- delivery -------------------------------------------------------------------------------------


async def test_message_reaches_the_other_members_socket(
    api: ApiClient, chat_sockets: ChatSockets, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await add(api, student, "study-group", other_student)
    socket = await chat_sockets.signed_in(other_student.token)

    sent = await posted(api, student, "are you there?")

    message = await next_message(socket)
    assert message["id"] == sent["id"]
    assert message["message"] == "are you there?"
    assert message["sender_name"] == student.name
    assert message["conversation_id"] == "study-group"


async def test_message_reaches_every_socket_of_the_sender_too(
    api: ApiClient, chat_sockets: ChatSockets, student: Account
) -> None:
    sockets = [await chat_sockets.signed_in(student.token) for _ in range(2)]

    sent = await posted(api, student, "from my laptop")

    for socket in sockets:
        assert (await next_message(socket))["id"] == sent["id"]


async def test_message_never_reaches_a_non_member(
    api: ApiClient,
    chat_sockets: ChatSockets,
    student: Account,
    other_student: Account,
    teacher: Account,
) -> None:
    outsiders = [
        await chat_sockets.signed_in(account.token) for account in (other_student, teacher)
    ]

    await posted(api, student, "just for me")

    for socket in outsiders:
        assert await events_within(socket, QUIET_S) == []


async def test_member_added_is_told_and_then_receives_messages(
    api: ApiClient, chat_sockets: ChatSockets, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    socket = await chat_sockets.signed_in(other_student.token)

    await add(api, student, "study-group", other_student)
    told = await next_event(socket)
    await posted(api, student, "welcome")

    assert told == {"type": "conversation", "conversation_id": "study-group"}
    assert (await next_message(socket))["message"] == "welcome"


async def test_member_removed_is_told_and_receives_no_more_messages(
    api: ApiClient, chat_sockets: ChatSockets, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await add(api, student, "study-group", other_student)
    socket = await chat_sockets.signed_in(other_student.token)

    await api.delete(
        f"/chat/conversations/study-group/members/{other_student.id}", token=student.token
    )
    told = await next_event(socket)
    await posted(api, student, "now they are gone")

    assert told == {"type": "removed", "conversation_id": "study-group"}
    assert await events_within(socket, QUIET_S) == []


# -- ending with the token ------------------------------------------------------------------------


async def test_socket_is_closed_4401_when_its_token_signs_out(
    api: ApiClient, chat_sockets: ChatSockets, student: Account
) -> None:
    socket = await chat_sockets.signed_in(student.token)

    await api.post("/auth/logout", token=student.token)

    code, _reason = await closing(socket, timeout_s=5)
    assert code == chat_socket.CLOSE_UNAUTHENTICATED


async def test_socket_signed_out_with_another_token_stays_open(
    api: ApiClient, chat_sockets: ChatSockets, student: Account
) -> None:
    login = await api.post("/auth/login", {"email": student.email, "password": student.password})
    socket = await chat_sockets.signed_in(student.token)

    await api.post("/auth/logout", token=login.json()["access_token"])
    await socket.write_message(json.dumps({"type": "ping"}))

    assert await next_event(socket) == {"type": "pong"}


@pytest.mark.learnflow_config(chat_token_recheck_s=1)
async def test_socket_is_closed_4401_soon_after_its_token_is_revoked_elsewhere(
    chat_sockets: ChatSockets, learnflow: Any, student: Account
) -> None:
    socket = await chat_sockets.signed_in(student.token)

    # As another server would: the revocation reaches only the database.
    await learnflow.database.run(learnflow.accounts.logout, student.token)

    code, _reason = await closing(socket, timeout_s=5)
    assert code == chat_socket.CLOSE_UNAUTHENTICATED


@pytest.mark.learnflow_config(token_lifetime_s=2)
async def test_socket_is_closed_4401_when_its_token_expires(
    chat_sockets: ChatSockets, student: Account
) -> None:
    socket = await chat_sockets.signed_in(student.token)

    code, reason = await closing(socket, timeout_s=6)

    assert code == chat_socket.CLOSE_UNAUTHENTICATED
    assert "expired" in reason


async def test_socket_with_an_expired_token_cannot_connect(
    chat_sockets: ChatSockets, learnflow: Any, student: Account
) -> None:
    expired = jwt.encode(
        {"sub": student.id, "iat": 1, "exp": 2, "jti": "x"},
        learnflow.signing_secret(),
        algorithm="HS256",
    )

    with pytest.raises(HTTPClientError) as refused:
        await chat_sockets.open(expired)

    assert refused.value.code == 401
    assert error_body(refused.value)["code"] == "token_expired"
