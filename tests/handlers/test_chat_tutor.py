"""The tutor in conversations, and the teachers' switch for it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chat_client import ChatSockets, events_within, next_message
from tests.conftest import SQLITE_ONLY, Account, ApiClient, assert_error
from tests.handlers.test_chat_conversations import created
from tests.handlers.test_chat_messages import history, posted

QUIET_S = 0.5


async def ask(api: ApiClient, sockets: ChatSockets, student: Account, question: str) -> dict:
    """Ask the tutor in a conversation of the student's own; return the tutor's answer."""
    conversation = await created(api, student, "Tutor", members=["tutor"])
    socket = await sockets.signed_in(student.token)
    await posted(api, student, question, conversation["id"])
    own = await next_message(socket)
    assert own["sender_id"] == student.id
    return await next_message(socket)


async def set_tutor(api: ApiClient, account: Account, enabled: bool) -> Any:
    return await api.put("/chat/tutor", {"enabled": enabled}, token=account.token)


async def test_tutor_answers_how_to_loop_over_a_list_with_the_loops_lesson(
    api: ApiClient, chat_sockets: ChatSockets, student: Account
) -> None:
    answer = await ask(api, chat_sockets, student, "how do I loop over a list")

    assert answer["sender_id"] == "tutor"
    assert answer["sender_name"] == "LearnFlow tutor"
    assert answer["sources"][0]["id"] == "looping-over-lists"
    assert answer["sources"][0]["module_id"] == "loops"
    assert "/learnflow/api/lessons/looping-over-lists" in answer["message"]


@SQLITE_ONLY
async def test_tutor_answer_is_kept_in_the_history(
    api: ApiClient, chat_sockets: ChatSockets, student: Account
) -> None:
    answer = await ask(api, chat_sockets, student, "what is a dictionary")

    conversation_id = answer["conversation_id"]
    messages = (await history(api, student, conversation_id)).json()["messages"]
    assert [message["sender_id"] for message in messages] == [student.id, "tutor"]
    assert messages[1] == answer


@SQLITE_ONLY
async def test_tutor_answer_links_lessons_that_serve_as_documented(
    api: ApiClient, chat_sockets: ChatSockets, student: Account
) -> None:
    answer = await ask(api, chat_sockets, student, "how do I loop over a list")

    lesson = answer["sources"][0]
    reply = await api.get(f"/lessons/{lesson['id']}")
    assert reply.status == 200
    assert reply.json()["title"] == lesson["title"]
    assert reply.json()["module_id"] == "loops"


@SQLITE_ONLY
async def test_tutor_in_a_group_stays_quiet_unless_mentioned(
    api: ApiClient, chat_sockets: ChatSockets, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student, members=[other_student.id, "tutor"])
    socket = await chat_sockets.signed_in(other_student.token)

    await posted(api, student, "how do I loop over a list, Bo?", conversation["id"])
    events = await events_within(socket, QUIET_S)

    assert [event["message"]["sender_id"] for event in events] == [student.id]


@SQLITE_ONLY
async def test_tutor_in_a_group_answers_when_mentioned(
    api: ApiClient, chat_sockets: ChatSockets, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student, members=[other_student.id, "tutor"])
    socket = await chat_sockets.signed_in(other_student.token)

    await posted(api, student, "@tutor how do I loop over a list?", conversation["id"])
    await next_message(socket)
    answer = await next_message(socket)

    assert answer["sender_id"] == "tutor"
    assert answer["sources"][0]["id"] == "looping-over-lists"


@SQLITE_ONLY
async def test_tutor_not_a_member_never_answers(
    api: ApiClient, chat_sockets: ChatSockets, student: Account
) -> None:
    conversation = await created(api, student)
    socket = await chat_sockets.signed_in(student.token)

    await posted(api, student, "@tutor how do I loop over a list?", conversation["id"])
    events = await events_within(socket, QUIET_S)

    assert [event["message"]["sender_id"] for event in events] == [student.id]


# -- the teachers' switch -------------------------------------------------------------------------


async def test_tutor_settings_say_it_is_on_and_without_a_model_by_default(
    api: ApiClient, student: Account
) -> None:
    reply = await api.get("/chat/tutor", token=student.token)

    assert reply.status == 200
    assert reply.json() == {"enabled": True, "language_model": False}


async def test_teacher_switches_the_tutor_off_for_everyone(
    api: ApiClient, teacher: Account, student: Account
) -> None:
    reply = await set_tutor(api, teacher, False)

    assert reply.json() == {"enabled": False, "language_model": False}
    assert (await api.get("/chat/tutor", token=student.token)).json()["enabled"] is False


async def test_student_cannot_switch_the_tutor_and_changes_nothing(
    api: ApiClient, student: Account
) -> None:
    reply = await set_tutor(api, student, False)

    assert_error(reply, 403, "teachers_only")
    assert (await api.get("/chat/tutor", token=student.token)).json()["enabled"] is True


@SQLITE_ONLY
@pytest.mark.parametrize("body", [{}, {"enabled": "no"}, {"enabled": 0}, {"enabled": True, "x": 1}])
async def test_tutor_switch_with_an_invalid_body_is_422(
    api: ApiClient, teacher: Account, body: dict[str, Any]
) -> None:
    reply = await api.put("/chat/tutor", body, token=teacher.token)

    assert_error(reply, 422, "invalid_input")


async def test_tutor_switched_off_stays_quiet_where_it_is_a_member(
    api: ApiClient, chat_sockets: ChatSockets, student: Account, teacher: Account
) -> None:
    conversation = await created(api, student, members=["tutor"])
    await set_tutor(api, teacher, False)
    socket = await chat_sockets.signed_in(student.token)

    await posted(api, student, "how do I loop over a list", conversation["id"])
    events = await events_within(socket, QUIET_S)

    assert [event["message"]["sender_id"] for event in events] == [student.id]


@SQLITE_ONLY
async def test_tutor_switched_off_cannot_be_added_to_a_conversation(
    api: ApiClient, student: Account, teacher: Account
) -> None:
    conversation = await created(api, student)
    await set_tutor(api, teacher, False)

    added = await api.post(
        f"/chat/conversations/{conversation['id']}/members",
        {"members": ["tutor"]},
        token=student.token,
    )
    started = await api.post(
        "/chat/conversations", {"title": "t", "members": ["tutor"]}, token=student.token
    )

    assert_error(added, 409, "tutor_disabled")
    assert_error(started, 409, "tutor_disabled")


@SQLITE_ONLY
async def test_tutor_switched_back_on_answers_again(
    api: ApiClient, chat_sockets: ChatSockets, student: Account, teacher: Account
) -> None:
    await set_tutor(api, teacher, False)
    await set_tutor(api, teacher, True)

    answer = await ask(api, chat_sockets, student, "how do I loop over a list")

    assert answer["sender_id"] == "tutor"
