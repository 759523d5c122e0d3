"""Conversations and their members, and who may do what with them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Account, ApiClient, Response, assert_error
from tests.handlers.test_chat_messages import add, history, posted

TUTOR_MEMBER = {"id": "tutor", "name": "LearnFlow tutor", "role": "tutor"}


async def create(
    api: ApiClient, owner: Account, title: str = "Revision", members: list[str] | None = None
) -> Response:
    return await api.post(
        "/chat/conversations", {"title": title, "members": members or []}, token=owner.token
    )


async def created(
    api: ApiClient, owner: Account, title: str = "Revision", members: list[str] | None = None
) -> dict[str, Any]:
    reply = await create(api, owner, title, members)
    assert reply.status == 201, reply.body
    return reply.json()


@pytest.fixture
def third_student(make_account: Any) -> Account:
    return make_account("student", "Cy Student")


@pytest.fixture
def outsider(make_account: Any, request: pytest.FixtureRequest) -> Account:
    """Someone in no conversation, as a student or, parametrized, as a teacher."""
    return make_account(getattr(request, "param", "student"), "Out Sider")


@pytest.fixture
def owner(make_account: Any, request: pytest.FixtureRequest) -> Account:
    return make_account(getattr(request, "param", "student"), "Owen Owner")


def member_ids(conversation: dict[str, Any]) -> list[str]:
    return [member["id"] for member in conversation["members"]]


# -- creating and reading -------------------------------------------------------------------------


async def test_create_conversation_is_201_with_its_location(
    api: ApiClient, student: Account
) -> None:
    reply = await create(api, student)

    assert reply.status == 201
    conversation = reply.json()
    assert reply.headers["Location"].endswith(
        f"/learnflow/api/chat/conversations/{conversation['id']}"
    )
    assert (
        await api.get(f"/chat/conversations/{conversation['id']}", token=student.token)
    ).json() == conversation


async def test_create_conversation_makes_the_caller_owner_and_first_member(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student, members=[other_student.id])

    assert conversation["owner_id"] == student.id
    assert member_ids(conversation) == [student.id, other_student.id]


async def test_create_conversation_accepts_members_by_email_in_any_case(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student, members=[other_student.email.upper()])

    assert member_ids(conversation) == [student.id, other_student.id]


@SQLITE_ONLY
async def test_create_conversation_lists_a_repeated_member_once(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    members = [other_student.id, other_student.email, student.id]

    conversation = await created(api, student, members=members)

    assert member_ids(conversation) == [student.id, other_student.id]


@SQLITE_ONLY
async def test_create_conversation_shows_members_without_their_emails(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student, members=[other_student.id])

    assert conversation["members"][1] == {
        "id": other_student.id,
        "name": other_student.name,
        "role": "student",
    }


async def test_create_conversation_with_the_tutor_lists_it_as_a_member(
    api: ApiClient, student: Account
) -> None:
    conversation = await created(api, student, members=["tutor"])

    assert conversation["tutor"] is True
    assert conversation["members"][-1] == TUTOR_MEMBER


@pytest.mark.parametrize(
    "member",
    ["00000000-0000-4000-8000-000000000000", "nobody@example.org", "not an id", "TUTOR"],
    ids=["unknown-id", "unknown-email", "junk", "tutor-upper-case"],
)
async def test_create_conversation_with_an_unknown_member_is_422_and_creates_nothing(
    api: ApiClient, student: Account, other_student: Account, member: str
) -> None:
    reply = await create(api, student, members=[other_student.id, member])

    body = assert_error(reply, 422, "unknown_member")
    assert [problem["field"] for problem in body["details"]] == ["members.1"]
    assert (await api.get("/chat/conversations", token=student.token)).json() == []


@SQLITE_ONLY
@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": "bad\x07title"},
        {"title": 5},
        {"title": "ok", "members": "someone"},
        {"title": "ok", "members": [5]},
        {"title": "ok", "members": [""]},
        {"title": "ok", "owner_id": "someone"},
        {"members": []},
    ],
    ids=[
        "empty",
        "blank",
        "long",
        "control",
        "number",
        "members-str",
        "member-number",
        "member-empty",
        "owner",
        "no-title",
    ],
)
async def test_create_conversation_with_invalid_fields_is_422(
    api: ApiClient, student: Account, body: dict[str, Any]
) -> None:
    reply = await api.post("/chat/conversations", body, token=student.token)

    assert_error(reply, 422, "invalid_input")
    assert (await api.get("/chat/conversations", token=student.token)).json() == []


async def test_list_conversations_shows_only_the_callers_most_recent_first(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    older = await created(api, student, "Older")
    newer = await created(api, student, "Newer")
    await created(api, other_student, "Not mine")
    await posted(api, student, "bump", older["id"])

    reply = await api.get("/chat/conversations", token=student.token)

    assert [conversation["title"] for conversation in reply.json()] == ["Older", "Newer"]
    assert reply.json()[0]["last_message"]["message"] == "bump"
    assert newer["last_message"] is None


# -- members --------------------------------------------------------------------------------------


async def test_owner_adds_a_member_who_then_reads_the_history(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await posted(api, student, "before you came")

    await add(api, student, "study-group", other_student)

    reply = await history(api, other_student)
    assert [message["message"] for message in reply.json()["messages"]] == ["before you came"]


@SQLITE_ONLY
async def test_adding_an_existing_member_again_changes_nothing(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student, members=[other_student.id])

    reply = await api.post(
        f"/chat/conversations/{conversation['id']}/members",
        {"members": [other_student.id]},
        token=student.token,
    )

    assert member_ids(reply.json()) == [student.id, other_student.id]


async def test_member_who_is_not_the_owner_cannot_add_members(
    api: ApiClient, student: Account, other_student: Account, third_student: Account
) -> None:
    third = third_student
    conversation = await created(api, student, members=[other_student.id])

    reply = await api.post(
        f"/chat/conversations/{conversation['id']}/members",
        {"members": [third.id]},
        token=other_student.token,
    )

    assert_error(reply, 403, "not_conversation_owner")
    current = await api.get(f"/chat/conversations/{conversation['id']}", token=student.token)
    assert member_ids(current.json()) == [student.id, other_student.id]


async def test_teacher_who_is_a_member_adds_members(
    api: ApiClient, student: Account, other_student: Account, teacher: Account
) -> None:
    conversation = await created(api, student, members=[teacher.id])

    reply = await api.post(
        f"/chat/conversations/{conversation['id']}/members",
        {"members": [other_student.id]},
        token=teacher.token,
    )

    assert reply.status == 200
    assert other_student.id in member_ids(reply.json())


async def test_member_leaves_and_can_no_longer_read(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student, members=[other_student.id])

    reply = await api.delete(
        f"/chat/conversations/{conversation['id']}/members/{other_student.id}",
        token=other_student.token,
    )

    assert reply.status == 204
    assert_error(await history(api, other_student, conversation["id"]), 404)


@SQLITE_ONLY
async def test_owner_removes_a_member(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student, members=[other_student.id])

    reply = await api.delete(
        f"/chat/conversations/{conversation['id']}/members/{other_student.id}", token=student.token
    )

    assert reply.status == 204
    current = await api.get(f"/chat/conversations/{conversation['id']}", token=student.token)
    assert member_ids(current.json()) == [student.id]


@SQLITE_ONLY
async def test_member_cannot_remove_another_member(
    api: ApiClient, student: Account, other_student: Account, third_student: Account
) -> None:
    third = third_student
    conversation = await created(api, student, members=[other_student.id, third.id])

    reply = await api.delete(
        f"/chat/conversations/{conversation['id']}/members/{third.id}", token=other_student.token
    )

    assert_error(reply, 403, "not_conversation_owner")


@SQLITE_ONLY
async def test_owner_cannot_leave_their_conversation(api: ApiClient, student: Account) -> None:
    conversation = await created(api, student)

    reply = await api.delete(
        f"/chat/conversations/{conversation['id']}/members/{student.id}", token=student.token
    )

    assert_error(reply, 409, "owner_cannot_leave")


@SQLITE_ONLY
async def test_removing_someone_who_is_not_a_member_is_404(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    conversation = await created(api, student)

    reply = await api.delete(
        f"/chat/conversations/{conversation['id']}/members/{other_student.id}", token=student.token
    )

    assert_error(reply, 404, "member_not_found")


@SQLITE_ONLY
async def test_owner_removes_the_tutor(api: ApiClient, student: Account) -> None:
    conversation = await created(api, student, members=["tutor"])

    reply = await api.delete(
        f"/chat/conversations/{conversation['id']}/members/tutor", token=student.token
    )

    assert reply.status == 204
    current = await api.get(f"/chat/conversations/{conversation['id']}", token=student.token)
    assert current.json()["tutor"] is False
    assert TUTOR_MEMBER not in current.json()["members"]


# -- who may call each route ----------------------------------------------------------------------

# Each route, with a body that would succeed for a member who owns the conversation.
CONVERSATION_ROUTES = [
    ("GET", "/chat/conversations/{id}", None),
    ("POST", "/chat/conversations/{id}/members", {"members": ["tutor"]}),
    ("DELETE", "/chat/conversations/{id}/members/tutor", None),
    ("GET", "/chat/conversations/{id}/messages", None),
    ("POST", "/chat/conversations/{id}/read", {}),
]
ALL_ROUTES = [
    ("POST", "/chat/message", {"message": "hi", "conversation_id": "{id}"}),
    ("GET", "/chat/conversations", None),
    ("POST", "/chat/conversations", {"title": "t"}),
    ("GET", "/chat/tutor", None),
    *CONVERSATION_ROUTES,
]


async def call(
    api: ApiClient, method: str, path: str, body: Any, conversation_id: str, token: str | None
) -> Response:
    if isinstance(body, dict):
        body = {key: value.replace("{id}", conversation_id) if isinstance(value, str) else value
                for key, value in body.items()}  # fmt: skip
    return await api.request(
        method, path.replace("{id}", conversation_id), json_body=body, token=token
    )


@SQLITE_ONLY
@pytest.mark.parametrize(
    "token", [None, "garbage", "a.b.c"], ids=["none", "garbage", "three-parts"]
)
@pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES)
async def test_chat_route_without_a_valid_token_is_401(
    api: ApiClient, student: Account, method: str, path: str, body: Any, token: str | None
) -> None:
    conversation = await created(api, student)

    reply = await call(api, method, path, body, conversation["id"], token)

    assert_error(reply, 401)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


@SQLITE_ONLY
@pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES)
async def test_chat_route_with_a_signed_out_token_is_401(
    api: ApiClient, student: Account, method: str, path: str, body: Any
) -> None:
    conversation = await created(api, student)
    await api.post("/auth/logout", token=student.token)

    reply = await call(api, method, path, body, conversation["id"], student.token)

    assert_error(reply, 401)


@pytest.mark.parametrize("outsider", ["student", "teacher"], indirect=True)
@pytest.mark.parametrize(("method", "path", "body"), CONVERSATION_ROUTES)
async def test_conversation_route_for_a_non_member_is_404_whatever_their_role(
    api: ApiClient, student: Account, outsider: Account, method: str, path: str, body: Any
) -> None:
    conversation = await created(api, student)

    reply = await call(api, method, path, body, conversation["id"], outsider.token)

    assert_error(reply, 404, "conversation_not_found")


@SQLITE_ONLY
@pytest.mark.parametrize(("method", "path", "body"), CONVERSATION_ROUTES)
async def test_conversation_route_for_an_unknown_id_is_the_same_404(
    api: ApiClient, student: Account, method: str, path: str, body: Any
) -> None:
    reply = await call(api, method, path, body, "no-such-conversation", student.token)

    assert_error(reply, 404, "conversation_not_found")


@SQLITE_ONLY
@pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES)
@pytest.mark.parametrize("owner", ["student", "teacher"], indirect=True)
async def test_chat_route_for_the_owner_succeeds(
    api: ApiClient, owner: Account, method: str, path: str, body: Any
) -> None:
    conversation = await created(api, owner, members=["tutor"])

    reply = await call(api, method, path, body, conversation["id"], owner.token)

    assert reply.status in (200, 201, 204), reply.body
