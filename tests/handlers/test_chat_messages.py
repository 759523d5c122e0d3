"""POST /chat/message, message history, and read markers."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Account, ApiClient, Response, assert_error

REPLY_FIELDS = {"id", "sender_id", "message", "timestamp"}


async def post(
    api: ApiClient, account: Account, text: str, conversation_id: str = "study-group"
) -> Response:
    return await api.post(
        "/chat/message", {"message": text, "conversation_id": conversation_id}, token=account.token
    )


async def posted(
    api: ApiClient, account: Account, text: str, conversation_id: str = "study-group"
) -> dict[str, Any]:
    reply = await post(api, account, text, conversation_id)
    assert reply.status == 201, reply.body
    return reply.json()


async def add(api: ApiClient, owner: Account, conversation_id: str, *members: Account) -> None:
    reply = await api.post(
        f"/chat/conversations/{conversation_id}/members",
        {"members": [member.id for member in members]},
        token=owner.token,
    )
    assert reply.status == 200, reply.body


async def history(
    api: ApiClient, account: Account, conversation_id: str = "study-group", query: str = ""
) -> Response:
    return await api.get(
        f"/chat/conversations/{conversation_id}/messages{query}", token=account.token
    )


async def texts(api: ApiClient, account: Account, conversation_id: str = "study-group") -> list:
    reply = await history(api, account, conversation_id, "?limit=200")
    assert reply.status == 200, reply.body
    return [message["message"] for message in reply.json()["messages"]]


# -- POST /chat/message ---------------------------------------------------------------------------


async def test_message_reply_is_201_with_exactly_the_documented_fields(
    api: ApiClient, student: Account
) -> None:
    reply = await post(api, student, "Hello!")

    assert reply.status == 201
    assert set(reply.json()) == REPLY_FIELDS


async def test_message_reply_names_the_token_holder_as_sender(
    api: ApiClient, student: Account
) -> None:
    message = await posted(api, student, "Hello!")

    assert message["sender_id"] == student.id


async def test_message_body_naming_another_sender_is_422(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    body = {"message": "I am Bo", "conversation_id": "c1", "sender_id": other_student.id}

    reply = await api.post("/chat/message", body, token=student.token)

    assert_error(reply, 422, "invalid_input")
    assert (await api.get("/chat/conversations", token=student.token)).json() == []


async def test_message_timestamp_is_iso_8601_in_utc(api: ApiClient, student: Account) -> None:
    message = await posted(api, student, "Hello!")

    timestamp = datetime.fromisoformat(message["timestamp"])
    assert timestamp.utcoffset() is not None
    assert timestamp.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        "  leading and trailing spaces  ",
        "line one\nline two\n\n",
        "**bold** and `code` and [a link](javascript:alert(1))",
        "emoji 🐍 and accents éü and right-to-left עברית",
    ],
    ids=["html", "spaces", "newlines", "markdown", "unicode"],
)
async def test_message_is_stored_and_returned_verbatim(
    api: ApiClient, student: Account, text: str
) -> None:
    message = await posted(api, student, text)

    assert message["message"] == text
    assert await texts(api, student) == [text]


async def test_message_to_a_new_conversation_id_starts_it_with_the_sender_as_owner(
    api: ApiClient, student: Account
) -> None:
    await posted(api, student, "Who wants to revise loops?", "revision")

    reply = await api.get("/chat/conversations/revision", token=student.token)

    assert reply.status == 200
    conversation = reply.json()
    assert conversation["owner_id"] == student.id
    assert [member["id"] for member in conversation["members"]] == [student.id]
    assert conversation["title"] == "Who wants to revise loops?"


async def test_message_from_a_non_member_is_404_and_stores_nothing(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "only for me")

    reply = await post(api, other_student, "let me in")

    assert_error(reply, 404, "conversation_not_found")
    assert await texts(api, student) == ["only for me"]


async def test_message_from_an_added_member_is_stored(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await add(api, student, "study-group", other_student)

    await posted(api, other_student, "hello")

    assert await texts(api, student) == ["hi", "hello"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"], ids=["empty", "spaces", "whitespace"])
async def test_message_empty_after_trimming_is_422_and_stores_nothing(
    api: ApiClient, student: Account, text: str
) -> None:
    reply = await post(api, student, text)

    body = assert_error(reply, 422, "invalid_input")
    assert body["details"][0]["field"] == "message"
    assert (await api.get("/chat/conversations", token=student.token)).json() == []


async def test_message_with_a_nul_character_is_422(api: ApiClient, student: Account) -> None:
    reply = await post(api, student, "a\x00b")

    assert_error(reply, 422, "invalid_input")


@pytest.mark.learnflow_config(chat_max_message_chars=20)
async def test_message_of_exactly_the_maximum_length_is_stored(
    api: ApiClient, student: Account
) -> None:
    message = await posted(api, student, "x" * 20)

    assert message["message"] == "x" * 20


@pytest.mark.learnflow_config(chat_max_message_chars=20)
async def test_message_longer_than_the_maximum_is_413_and_stores_nothing(
    api: ApiClient, student: Account
) -> None:
    await posted(api, student, "first")

    reply = await post(api, student, "x" * 21)

    assert_error(reply, 413, "message_too_long")
    assert await texts(api, student) == ["first"]


@SQLITE_ONLY
@pytest.mark.parametrize(
    "body",
    [
        {"message": "hi"},
        {"conversation_id": "c1"},
        {"message": 5, "conversation_id": "c1"},
        {"message": "hi", "conversation_id": ""},
        {"message": "hi", "conversation_id": "has space"},
        {"message": "hi", "conversation_id": "a/b"},
        {"message": "hi", "conversation_id": "x" * 65},
        {"message": "hi", "conversation_id": 7},
    ],
    ids=[
        "no-conversation",
        "no-message",
        "number",
        "empty-id",
        "space-in-id",
        "slash-in-id",
        "long-id",
        "numeric-id",
    ],
)
async def test_message_with_invalid_fields_is_422(
    api: ApiClient, student: Account, body: dict[str, Any]
) -> None:
    reply = await api.post("/chat/message", body, token=student.token)

    assert_error(reply, 422, "invalid_input")


@SQLITE_ONLY
@pytest.mark.parametrize(
    "body", [b"", b"{", b"[1]", b'"hi"'], ids=["empty", "broken", "list", "str"]
)
async def test_message_with_unreadable_body_is_400(
    api: ApiClient, student: Account, body: bytes
) -> None:
    reply = await api.post("/chat/message", body=body, token=student.token)

    assert_error(reply, 400)


@SQLITE_ONLY
@pytest.mark.parametrize("token", [None, "garbage"], ids=["no-token", "bad-token"])
async def test_message_without_a_valid_token_is_401(api: ApiClient, token: str | None) -> None:
    reply = await api.post("/chat/message", {"message": "hi", "conversation_id": "c1"}, token=token)

    assert_error(reply, 401)


@pytest.mark.learnflow_config(chat_max_messages_per_window=3, chat_rate_window_s=60)
async def test_message_beyond_the_rate_limit_is_429_with_retry_after_and_stores_nothing(
    api: ApiClient, student: Account
) -> None:
    for number in range(3):
        await posted(api, student, f"message {number}")

    reply = await post(api, student, "one too many")

    assert_error(reply, 429, "too_many_messages")
    assert 1 <= int(reply.headers["Retry-After"]) <= 61
    assert await texts(api, student) == ["message 0", "message 1", "message 2"]


@SQLITE_ONLY
@pytest.mark.learnflow_config(chat_max_messages_per_window=2, chat_rate_window_s=60)
async def test_message_rate_limit_counts_each_sender_apart(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "one")
    await add(api, student, "study-group", other_student)
    await posted(api, student, "two")

    reply = await post(api, other_student, "mine")

    assert reply.status == 201


@SQLITE_ONLY
@pytest.mark.learnflow_config(chat_max_messages_per_window=2, chat_rate_window_s=1)
async def test_message_rate_limit_lets_messages_through_once_the_window_passes(
    api: ApiClient, student: Account
) -> None:
    await posted(api, student, "one")
    await posted(api, student, "two")
    assert (await post(api, student, "too soon")).status == 429

    await asyncio.sleep(1.1)

    assert (await post(api, student, "later")).status == 201


# -- history --------------------------------------------------------------------------------------


async def test_history_lists_messages_oldest_first_with_sender_names(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "first")
    await add(api, student, "study-group", other_student)
    await posted(api, other_student, "second")

    reply = await history(api, student)

    messages = reply.json()["messages"]
    assert [(m["message"], m["sender_name"]) for m in messages] == [
        ("first", student.name),
        ("second", other_student.name),
    ]
    assert reply.json()["has_more"] is False


@SQLITE_ONLY
async def test_history_page_is_the_newest_messages_newest_last(
    api: ApiClient, student: Account
) -> None:
    for number in range(5):
        await posted(api, student, f"m{number}")

    reply = await history(api, student, query="?limit=2")

    assert [m["message"] for m in reply.json()["messages"]] == ["m3", "m4"]
    assert reply.json()["has_more"] is True


@SQLITE_ONLY
async def test_history_before_a_message_pages_back_to_the_first(
    api: ApiClient, student: Account
) -> None:
    for number in range(5):
        await posted(api, student, f"m{number}")
    pages = []
    query = "?limit=2"

    while True:
        page = (await history(api, student, query=query)).json()
        pages.append([m["message"] for m in page["messages"]])
        if not page["has_more"]:
            break
        query = f"?limit=2&before={page['messages'][0]['id']}"

    assert pages == [["m3", "m4"], ["m1", "m2"], ["m0"]]


@SQLITE_ONLY
async def test_history_after_a_message_gives_the_newer_ones_oldest_first(
    api: ApiClient, student: Account
) -> None:
    ids = [(await posted(api, student, f"m{number}"))["id"] for number in range(5)]

    reply = await history(api, student, query=f"?limit=2&after={ids[1]}")

    assert [m["message"] for m in reply.json()["messages"]] == ["m2", "m3"]
    assert reply.json()["has_more"] is True


@SQLITE_ONLY
@pytest.mark.parametrize(
    "query",
    ["?limit=0", "?limit=201", "?limit=ten", "?limit=-1", "?limit=%D9%A3"],
    ids=["zero", "too-many", "word", "negative", "arabic-digit"],
)
async def test_history_with_invalid_paging_is_422(
    api: ApiClient, student: Account, query: str
) -> None:
    await posted(api, student, "hi")

    reply = await history(api, student, query=query)

    assert_error(reply, 422, "invalid_input")


@SQLITE_ONLY
async def test_history_between_two_messages_gives_those_between_oldest_first(
    api: ApiClient, student: Account
) -> None:
    ids = [(await posted(api, student, f"m{number}"))["id"] for number in range(6)]

    reply = await history(api, student, query=f"?after={ids[0]}&before={ids[4]}&limit=2")

    assert [m["message"] for m in reply.json()["messages"]] == ["m1", "m2"]
    assert reply.json()["has_more"] is True


@SQLITE_ONLY
@pytest.mark.parametrize("cursor", ["before", "after"])
async def test_history_from_an_unknown_message_is_404(
    api: ApiClient, student: Account, cursor: str
) -> None:
    await posted(api, student, "hi")

    reply = await history(api, student, query=f"?{cursor}=nope")

    assert_error(reply, 404, "message_not_found")


@SQLITE_ONLY
async def test_history_from_a_message_of_another_conversation_is_404(
    api: ApiClient, student: Account
) -> None:
    elsewhere = await posted(api, student, "elsewhere", "other")
    await posted(api, student, "here")

    reply = await history(api, student, query=f"?before={elsewhere['id']}")

    assert_error(reply, 404, "message_not_found")


async def test_history_for_a_non_member_is_404_and_shows_nothing(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "secret plans")

    reply = await history(api, other_student)

    assert_error(reply, 404, "conversation_not_found")
    assert b"secret" not in reply.body


async def test_history_for_a_teacher_who_is_not_a_member_is_404(
    api: ApiClient, student: Account, teacher: Account
) -> None:
    await posted(api, student, "between us")

    reply = await history(api, teacher)

    assert_error(reply, 404, "conversation_not_found")


async def test_history_of_an_unknown_conversation_is_404_as_for_a_non_member(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    not_member = await history(api, other_student)

    unknown = await history(api, other_student, "no-such-conversation")

    assert unknown.status == not_member.status == 404
    assert unknown.json()["code"] == not_member.json()["code"]


# -- read markers ---------------------------------------------------------------------------------


async def unread(api: ApiClient, account: Account, conversation_id: str = "study-group") -> int:
    reply = await api.get(f"/chat/conversations/{conversation_id}", token=account.token)
    assert reply.status == 200, reply.body
    return reply.json()["unread"]


async def test_unread_counts_the_messages_from_others_since_the_callers_last_post(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await add(api, student, "study-group", other_student)
    await posted(api, other_student, "hello")
    await posted(api, other_student, "anyone?")

    assert await unread(api, student) == 2


@SQLITE_ONLY
async def test_unread_for_a_new_member_counts_the_history_before_they_joined(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await posted(api, student, "welcome")

    await add(api, student, "study-group", other_student)

    assert await unread(api, other_student) == 2


@SQLITE_ONLY
async def test_posting_marks_the_conversation_read_up_to_the_new_message(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await add(api, student, "study-group", other_student)

    await posted(api, other_student, "hello")

    assert await unread(api, other_student) == 0


@SQLITE_ONLY
async def test_unread_leaves_out_the_callers_own_messages(api: ApiClient, student: Account) -> None:
    await posted(api, student, "talking to myself")

    assert await unread(api, student) == 0


async def test_mark_read_without_a_message_marks_everything_read(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await add(api, student, "study-group", other_student)
    await posted(api, other_student, "hello")

    reply = await api.post("/chat/conversations/study-group/read", {}, token=student.token)

    assert reply.status == 200
    assert reply.json() == {"conversation_id": "study-group", "unread": 0}
    assert await unread(api, student) == 0


@SQLITE_ONLY
async def test_mark_read_up_to_a_message_leaves_the_later_ones_unread(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await add(api, student, "study-group", other_student)
    first = await posted(api, other_student, "one")
    await posted(api, other_student, "two")

    reply = await api.post(
        "/chat/conversations/study-group/read", {"message_id": first["id"]}, token=student.token
    )

    assert reply.json()["unread"] == 1


@SQLITE_ONLY
async def test_mark_read_never_moves_the_marker_back(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await add(api, student, "study-group", other_student)
    first = await posted(api, other_student, "one")
    await posted(api, other_student, "two")
    await api.post("/chat/conversations/study-group/read", {}, token=student.token)

    reply = await api.post(
        "/chat/conversations/study-group/read", {"message_id": first["id"]}, token=student.token
    )

    assert reply.json()["unread"] == 0


@SQLITE_ONLY
async def test_mark_read_of_a_non_member_is_404(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")

    reply = await api.post("/chat/conversations/study-group/read", {}, token=other_student.token)

    assert_error(reply, 404, "conversation_not_found")


@SQLITE_ONLY
async def test_mark_read_naming_an_unknown_message_is_422_and_moves_nothing(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "hi")
    await api.post(
        "/chat/conversations/study-group/members",
        {"members": [other_student.id]},
        token=student.token,
    )
    await posted(api, student, "anyone there?")

    reply = await api.post(
        "/chat/conversations/study-group/read", {"message_id": "nope"}, token=other_student.token
    )

    body = assert_error(reply, 422, "unknown_message")
    assert [problem["field"] for problem in body["details"]] == ["message_id"]
    listed = (await api.get("/chat/conversations", token=other_student.token)).json()
    assert listed[0]["unread"] == 2
