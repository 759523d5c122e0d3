"""LearnFlow as a JupyterHub service: a real hub, its proxy and spawner, on PostgreSQL.

Students and a teacher sign in through the hub's own login form; LearnFlow's
sign-in rides on the hub's OAuth. One hub serves every test of the module.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import new_postgres_database
from tests.hub import PASSWORD, Hub, HubBrowser, running_hub
from tests.test_labextension import CHROMIUM, run_jlpm, tail

pytestmark = pytest.mark.timeout(300)

ADMIN = "ms-admin"
GROUP_TEACHER = "mr-group"
EXERCISE = "celsius-to-fahrenheit"
SOLUTION = "def celsius_to_fahrenheit(celsius):\n    return celsius * 9 / 5 + 32\n"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str) -> Iterator[Hub]:
    with (
        new_postgres_database(postgres_admin_url) as database_url,
        running_hub(
            tmp_path_factory.mktemp("hub"),
            database_url,
            admins=(ADMIN,),
            groups={"learnflow-teachers": [GROUP_TEACHER]},
        ) as running,
    ):
        yield running


def person(hub: Hub, prefix: str = "student") -> HubBrowser:
    """A new hub user, signed in to the hub and to LearnFlow."""
    browser = HubBrowser(hub, f"{prefix}-{uuid.uuid4().hex[:6]}")
    browser.sign_in_to_hub()
    browser.sign_in_to_learnflow()
    return browser


def hub_api_token(browser: HubBrowser) -> str:
    """Create a JupyterHub API token for the browser's user, as the hub's token page does."""
    xsrf = browser.session.cookies.get("_xsrf", path="/hub/")
    reply = browser.session.post(
        f"{browser.hub.url}/hub/api/users/{browser.name}/tokens",
        json={"note": "test"},
        headers={"X-XSRFToken": xsrf or ""},
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["token"]


def test_a_hub_user_is_signed_in_to_learnflow_as_themselves(hub: Hub) -> None:
    alice = person(hub)

    me = alice.call("GET", "/auth/me")

    assert me["name"] == alice.name
    assert me["role"] == "student"


def test_a_hub_admin_is_a_teacher(hub: Hub) -> None:
    admin = HubBrowser(hub, ADMIN)
    admin.sign_in_to_hub()

    login = admin.sign_in_to_learnflow()

    assert login["user"]["role"] == "teacher"


def test_a_member_of_the_teacher_group_is_a_teacher(hub: Hub) -> None:
    member = HubBrowser(hub, GROUP_TEACHER)
    member.sign_in_to_hub()

    login = member.sign_in_to_learnflow()

    assert login["user"]["role"] == "teacher"


def test_signing_in_again_through_the_hub_gives_the_same_account(hub: Hub) -> None:
    alice = person(hub)
    first = alice.call("GET", "/auth/me")

    again = alice.sign_in_to_learnflow()

    assert again["user"]["id"] == first["id"]
    assert again["access_token"] != ""


def test_signing_out_of_the_hub_ends_the_sign_in_to_learnflow_through_it(hub: Hub) -> None:
    alice = person(hub)

    alice.session.get(f"{hub.url}/hub/logout", timeout=30)
    reply = alice.session.get(f"{hub.api_root()}/auth/hub", timeout=30)

    assert reply.status_code == 401
    assert reply.json()["code"] == "hub_sign_in_expired"


def test_a_hub_sign_in_left_in_the_browser_by_someone_else_is_not_used(hub: Hub) -> None:
    shared = person(hub)
    # Alice's hub session ends without a sign-out (its cookies expire, say): her
    # hub token for LearnFlow stays valid, and LearnFlow's cookie holding it stays.
    for cookie in [c for c in shared.session.cookies if c.path.startswith("/hub")]:
        shared.session.cookies.clear(cookie.domain, cookie.path, cookie.name)
    bob = HubBrowser(hub, f"student-{uuid.uuid4().hex[:6]}")
    bob.session = shared.session
    bob.sign_in_to_hub()

    left = bob.session.get(f"{hub.api_root()}/auth/hub", params={"user": bob.name}, timeout=30)
    login = bob.sign_in_to_learnflow()

    assert left.status_code == 401
    assert left.json()["code"] == "hub_sign_in_required"
    assert login["user"]["name"] == bob.name


def test_learnflow_without_a_hub_sign_in_answers_401_in_json(hub: Hub) -> None:
    reply = requests.get(f"{hub.api_root()}/auth/hub", timeout=30)

    assert reply.status_code == 401
    assert reply.json()["code"] == "hub_sign_in_required"


def test_a_hub_api_token_is_not_a_learnflow_token(hub: Hub) -> None:
    alice = person(hub)
    alice.token = hub_api_token(alice)

    reply = requests.get(
        f"{hub.api_root()}/auth/me",
        headers={"Authorization": f"Bearer {alice.token}"},
        timeout=30,
    )

    assert reply.status_code == 401
    assert reply.json()["code"] == "invalid_token"


def test_a_hub_api_token_does_not_sign_anyone_in_to_learnflow(hub: Hub) -> None:
    alice = person(hub)
    token = hub_api_token(alice)

    replies = [
        requests.get(
            f"{hub.api_root()}/auth/hub", headers={"Authorization": f"token {token}"}, timeout=30
        ),
        requests.get(f"{hub.api_root()}/auth/hub", params={"token": token}, timeout=30),
    ]

    assert [reply.status_code for reply in replies] == [401, 401]
    assert {reply.json()["code"] for reply in replies} == {"hub_sign_in_required"}


def test_a_learnflow_token_is_not_a_hub_token(hub: Hub) -> None:
    alice = person(hub)

    reply = requests.get(
        f"{hub.url}/hub/api/user", headers={"Authorization": f"token {alice.token}"}, timeout=30
    )

    assert reply.status_code == 403


def test_an_oauth_callback_that_this_service_did_not_start_is_refused(hub: Hub) -> None:
    alice = HubBrowser(hub, f"student-{uuid.uuid4().hex[:6]}")
    alice.sign_in_to_hub()

    reply = alice.session.get(
        f"{hub.url}/services/learnflow/oauth_callback",
        params={"code": "forged", "state": "forged"},
        timeout=30,
    )

    assert reply.status_code == 401
    assert reply.json()["code"] == "hub_state_mismatch"
    assert alice.session.get(f"{hub.api_root()}/auth/hub", timeout=30).status_code == 401


def test_the_teachers_class_progress_shows_each_students_submission(hub: Hub) -> None:
    alice, bob = person(hub), person(hub)
    teacher = HubBrowser(hub, ADMIN)
    teacher.sign_in_to_hub()
    teacher.sign_in_to_learnflow()

    alice.call("POST", f"/exercises/{EXERCISE}/submissions", {"code": SOLUTION}, expect=201)
    bob.call("POST", f"/exercises/{EXERCISE}/submissions", {"code": "pass"}, expect=201)
    progress = teacher.call("GET", "/class/progress")

    names = {student["name"] for student in progress["students"]}
    assert {alice.name, bob.name} <= names
    exercise = next(e for e in progress["exercises"] if e["exercise_id"] == EXERCISE)
    assert exercise["students"] >= 2


def test_a_student_cannot_read_another_students_progress_or_submissions(hub: Hub) -> None:
    alice, bob = person(hub), person(hub)
    bob_id = bob.call("GET", "/auth/me")["id"]
    submission = bob.call(
        "POST", f"/exercises/{EXERCISE}/submissions", {"code": SOLUTION}, expect=201
    )

    progress = alice.call("GET", f"/progress/user/{bob_id}", expect=403)
    theirs = alice.call("GET", f"/exercises/{EXERCISE}/submissions/{submission['id']}", expect=404)
    listed = alice.call("GET", f"/exercises/{EXERCISE}/submissions?user_id={bob_id}", expect=403)

    assert progress["code"] == "not_your_progress"
    assert theirs["code"] == "submission_not_found"
    assert listed["code"] == "not_your_progress"


def test_students_chat_through_the_service(hub: Hub) -> None:
    alice, bob = person(hub), person(hub)
    bob_id = bob.call("GET", "/auth/me")["id"]
    conversation = alice.call(
        "POST", "/chat/conversations", {"title": "Homework", "members": [bob_id]}, expect=201
    )

    alice.call(
        "POST",
        "/chat/message",
        {"conversation_id": conversation["id"], "message": "Did you get the loop one?"},
    )
    history = bob.call("GET", f"/chat/conversations/{conversation['id']}/messages")

    assert [m["message"] for m in history["messages"]] == ["Did you get the loop one?"]


def test_a_student_cannot_read_a_conversation_they_are_not_in(hub: Hub) -> None:
    alice, bob, carol = person(hub), person(hub), person(hub)
    carol_id = carol.call("GET", "/auth/me")["id"]
    conversation = bob.call(
        "POST", "/chat/conversations", {"title": "Private", "members": [carol_id]}, expect=201
    )

    reply = alice.call("GET", f"/chat/conversations/{conversation['id']}/messages", expect=404)

    assert reply["code"] == "conversation_not_found"


def test_a_users_jupyterlab_is_pointed_at_the_service(hub: Hub) -> None:
    alice = HubBrowser(hub, f"student-{uuid.uuid4().hex[:6]}")
    alice.sign_in_to_hub()

    lab = alice.open_jupyterlab()

    page_config = re.search(r'"learnflowApiUrl":\s*"([^"]+)"', lab.text)
    assert page_config is not None, lab.text[:2000]
    assert page_config.group(1) == "/services/learnflow/learnflow/api"
    assert '"learnflowSignIn": "hub"' in lab.text
    assert f'"hubUser": "{alice.name}"' in lab.text


def test_a_users_server_serves_no_learnflow_api_of_its_own(hub: Hub) -> None:
    alice = HubBrowser(hub, f"student-{uuid.uuid4().hex[:6]}")
    alice.sign_in_to_hub()
    alice.open_jupyterlab()

    reply = alice.session.get(f"{hub.url}/user/{alice.name}/learnflow/api/modules", timeout=30)

    assert reply.status_code == 404
    assert reply.json()["code"] == "api_served_elsewhere"


@pytest.mark.timeout(600)
def test_students_and_a_teacher_use_learnflow_in_jupyterlab_through_the_hub(hub: Hub) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}; apt-get install chromium (.ci/run does)")
    environment = {
        "LEARNFLOW_E2E_HUB_URL": hub.url,
        "LEARNFLOW_E2E_HUB_PASSWORD": PASSWORD,
        "LEARNFLOW_E2E_HUB_ADMIN": ADMIN,
    }

    result = run_jlpm("test:e2e:hub", timeout=540, env=environment)

    assert result.returncode == 0, (
        f"jlpm test:e2e:hub failed (screenshots and traces are in test-artifacts/ui/):\n"
        f"{tail(result.stdout)}\n--- hub log ---\n{hub.log.read_text()[-4000:]}"
    )
