"""Two LearnFlow service processes behind one JupyterHub share one PostgreSQL database.

Ada reaches the service ``learnflow`` and Bo the service ``learnflow-2``; each is a
separate process with its own OAuth client. What one process stores, the other
serves, and chat crosses between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.chat_client import ChatSockets, next_message
from tests.conftest import new_postgres_database
from tests.hub import Hub, HubBrowser, running_hub

pytestmark = pytest.mark.timeout(300)

TEACHER = "teacher"
SECOND = "learnflow-2"
EXERCISE = "celsius-to-fahrenheit"
SOLUTION = "def celsius_to_fahrenheit(celsius):\n    return celsius * 9 / 5 + 32\n"
# Everyone may use the second service too; the tests choose who goes where.
USERS = ("ada", "bo", "cy", TEACHER)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str) -> Iterator[Hub]:
    with (
        new_postgres_database(postgres_admin_url) as database_url,
        running_hub(
            tmp_path_factory.mktemp("hub"),
            database_url,
            admins=(TEACHER,),
            second_service_users=USERS,
        ) as running,
    ):
        yield running


def signed_in(hub: Hub, name: str, service: str) -> HubBrowser:
    browser = HubBrowser(hub, name)
    browser.sign_in_to_hub()
    browser.sign_in_to_learnflow(service)
    return browser


def test_a_token_from_one_service_is_accepted_by_the_other(hub: Hub) -> None:
    ada = signed_in(hub, "ada", "learnflow")

    first = ada.call("GET", "/auth/me")
    second = ada.call("GET", "/auth/me", service=SECOND)

    assert first == second


def test_a_submission_through_one_service_is_in_the_class_progress_of_the_other(
    hub: Hub,
) -> None:
    ada = signed_in(hub, "ada", "learnflow")
    teacher = signed_in(hub, TEACHER, SECOND)

    submission = ada.call(
        "POST", f"/exercises/{EXERCISE}/submissions", {"code": SOLUTION}, expect=201
    )
    progress = teacher.call("GET", "/class/progress", service=SECOND)
    listed = teacher.call(
        "GET",
        f"/exercises/{EXERCISE}/submissions?user_id={submission['user_id']}",
        service=SECOND,
    )

    assert "ada" in {student["name"] for student in progress["students"]}
    assert submission["id"] in {s["id"] for s in listed}


def test_one_person_signing_in_on_both_services_at_once_gets_one_account(hub: Hub) -> None:
    browsers = [HubBrowser(hub, "cy"), HubBrowser(hub, "cy")]
    for browser in browsers:
        browser.sign_in_to_hub()

    with ThreadPoolExecutor(2) as pool:
        logins = list(
            pool.map(
                lambda pair: pair[0].sign_in_to_learnflow(pair[1]),
                zip(browsers, ["learnflow", SECOND], strict=True),
            )
        )

    assert logins[0]["user"]["id"] == logins[1]["user"]["id"]


def test_messages_sent_at_once_through_both_services_are_each_stored_once(hub: Hub) -> None:
    ada = signed_in(hub, "ada", "learnflow")
    bo = signed_in(hub, "bo", SECOND)
    bo_id = bo.call("GET", "/auth/me", service=SECOND)["id"]
    conversation = ada.call(
        "POST", "/chat/conversations", {"title": "Burst", "members": [bo_id]}, expect=201
    )
    sends = [(ada, "learnflow", f"ada {n}") for n in range(10)] + [
        (bo, SECOND, f"bo {n}") for n in range(10)
    ]

    with ThreadPoolExecutor(8) as pool:
        sent = list(
            pool.map(
                lambda send: send[0].call(
                    "POST",
                    "/chat/message",
                    {"conversation_id": conversation["id"], "message": send[2]},
                    service=send[1],
                ),
                sends,
            )
        )
    history = bo.call(
        "GET", f"/chat/conversations/{conversation['id']}/messages?limit=50", service=SECOND
    )

    stored = [m["message"] for m in history["messages"]]
    assert sorted(stored) == sorted(text for _, _, text in sends)
    assert len({m["id"] for m in history["messages"]}) == len(sent) == 20


async def test_a_message_through_one_service_reaches_a_chat_socket_on_the_other(
    hub: Hub,
) -> None:
    ada = signed_in(hub, "ada", "learnflow")
    bo = signed_in(hub, "bo", SECOND)
    bo_id = bo.call("GET", "/auth/me", service=SECOND)["id"]
    conversation = ada.call(
        "POST", "/chat/conversations", {"title": "Live", "members": [bo_id]}, expect=201
    )
    sockets = ChatSockets(hub.api_root(SECOND).replace("http://", "ws://") + "/chat/ws")
    try:
        socket = await sockets.signed_in(bo.token)

        sent = ada.call(
            "POST",
            "/chat/message",
            {"conversation_id": conversation["id"], "message": "across the hub"},
        )

        received = await next_message(socket)
        assert received["id"] == sent["id"]
        assert received["message"] == "across the hub"
    finally:
        sockets.close_all()
