"""PUT /modules/{module_id}/progress and GET /progress/user/{user_id}."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from learnflow_ext.models import ModuleProgress
from tests.conftest import Account, ApiClient, assert_error

COURSE_ORDER = ["values-and-variables", "conditionals", "loops", "functions"]
PROGRESS_FIELDS = {"id", "user_id", "module_id", "progress", "mastery"}
LISTING_FIELDS = {"id", "module_id", "progress", "mastery", "completed"}
MISSING = object()


def update(**overrides: Any) -> dict[str, Any]:
    """Return a valid progress body, with fields replaced, added or (as MISSING) left out."""
    body = {"progress": 40, "mastery": 0.5, **overrides}
    return {field: value for field, value in body.items() if value is not MISSING}


def progress_row_count(learnflow: Any, user_id: str | None = None) -> int:
    query = select(func.count()).select_from(ModuleProgress)
    if user_id is not None:
        query = query.where(ModuleProgress.user_id == user_id)
    with learnflow.database.transaction() as session:
        return session.scalar(query)


async def stored_progress(api: ApiClient, account: Account) -> list[dict[str, Any]]:
    reply = await api.get(f"/progress/user/{account.id}", token=account.token)
    assert reply.status == 200, reply.body
    return reply.json()


async def put_progress(
    api: ApiClient, account: Account, module_id: str = "loops", **values: Any
) -> dict[str, Any]:
    reply = await api.put(f"/modules/{module_id}/progress", update(**values), token=account.token)
    assert reply.status == 200, reply.body
    return reply.json()


# -- PUT /modules/{module_id}/progress: storing ---------------------------------------------------


async def test_put_progress_returns_the_new_record(api: ApiClient, student: Account) -> None:
    reply = await api.put(
        "/modules/loops/progress", {"progress": 40, "mastery": 0.5}, token=student.token
    )

    assert reply.status == 200
    record = reply.json()
    assert set(record) == PROGRESS_FIELDS
    assert record["user_id"] == student.id
    assert record["module_id"] == "loops"
    assert record["progress"] == 40
    assert record["mastery"] == 0.5
    assert str(uuid.UUID(record["id"])) == record["id"]


async def test_put_progress_stores_the_record(api: ApiClient, student: Account) -> None:
    created = await put_progress(api, student, progress=40, mastery=0.5)

    listing = await stored_progress(api, student)

    assert listing == [
        {
            "id": created["id"],
            "module_id": "loops",
            "progress": 40,
            "mastery": 0.5,
            "completed": False,
        }
    ]


async def test_put_progress_twice_keeps_one_record_with_the_same_id(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    first = await put_progress(api, student, progress=40, mastery=0.5)

    second = await put_progress(api, student, progress=40, mastery=0.5)

    assert second == first
    assert progress_row_count(learnflow) == 1


async def test_put_progress_sent_concurrently_keeps_one_record(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    replies = await asyncio.gather(
        *(api.put("/modules/loops/progress", update(), token=student.token) for _ in range(8))
    )

    assert [reply.status for reply in replies] == [200] * 8
    assert len({reply.json()["id"] for reply in replies}) == 1
    assert progress_row_count(learnflow) == 1


async def test_put_progress_with_new_values_replaces_the_old_ones(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    first = await put_progress(api, student, progress=40, mastery=0.5)

    second = await put_progress(api, student, progress=75.5, mastery=0.8)

    assert second == {**first, "progress": 75.5, "mastery": 0.8}
    assert (await stored_progress(api, student))[0]["progress"] == 75.5
    assert progress_row_count(learnflow) == 1


async def test_put_progress_in_several_modules_keeps_one_record_each(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    for module_id in COURSE_ORDER:
        await put_progress(api, student, module_id)

    assert progress_row_count(learnflow, student.id) == len(COURSE_ORDER)


@pytest.mark.parametrize(
    ("progress", "mastery"),
    [(50, 1), (12.3, 0.45), (66.6, 0), (7, 0.1)],
    ids=["ints", "floats", "float-and-int", "int-and-float"],
)
async def test_put_progress_accepts_ints_and_floats(
    api: ApiClient, student: Account, progress: float, mastery: float
) -> None:
    reply = await api.put(
        "/modules/loops/progress", {"progress": progress, "mastery": mastery}, token=student.token
    )

    assert reply.status == 200
    assert (reply.json()["progress"], reply.json()["mastery"]) == (progress, mastery)


@pytest.mark.parametrize(
    ("progress", "mastery"),
    [(0, 0), (100, 1), (0.0, 1.0), (100.0, 0.0)],
    ids=["lowest", "highest", "float-lowest-progress", "float-highest-progress"],
)
async def test_put_progress_accepts_the_boundaries(
    api: ApiClient, student: Account, progress: float, mastery: float
) -> None:
    reply = await api.put(
        "/modules/loops/progress", {"progress": progress, "mastery": mastery}, token=student.token
    )

    assert reply.status == 200
    assert (await stored_progress(api, student))[0]["progress"] == progress


# -- PUT /modules/{module_id}/progress: bad requests ----------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("progress", -1),
        ("progress", 100.01),
        ("progress", "50"),
        ("progress", True),
        ("progress", None),
        ("progress", MISSING),
        ("progress", [50]),
        ("mastery", -0.1),
        ("mastery", 1.5),
        ("mastery", "0.5"),
        ("mastery", False),
        ("mastery", MISSING),
        ("completed", True),
        ("user_id", "someone-else"),
    ],
    ids=[
        "progress-negative",
        "progress-over-100",
        "progress-string",
        "progress-bool",
        "progress-null",
        "progress-missing",
        "progress-list",
        "mastery-negative",
        "mastery-over-1",
        "mastery-string",
        "mastery-bool",
        "mastery-missing",
        "extra-completed",
        "extra-user-id",
    ],
)
async def test_put_progress_invalid_field_is_422_and_keeps_stored_progress(
    api: ApiClient, student: Account, field: str, value: Any
) -> None:
    await put_progress(api, student, progress=40, mastery=0.5)
    before = await stored_progress(api, student)

    reply = await api.put("/modules/loops/progress", update(**{field: value}), token=student.token)

    body = assert_error(reply, 422)
    assert [problem["field"] for problem in body["details"]] == [field]
    assert await stored_progress(api, student) == before


@pytest.mark.parametrize(
    ("raw_body", "field"),
    [
        ('{"progress": NaN, "mastery": 0.5}', "progress"),
        ('{"progress": Infinity, "mastery": 0.5}', "progress"),
        ('{"progress": -Infinity, "mastery": 0.5}', "progress"),
        ('{"progress": 40, "mastery": NaN}', "mastery"),
        ('{"progress": 40, "mastery": Infinity}', "mastery"),
        ('{"progress": 1e999, "mastery": 0.5}', "progress"),
    ],
    ids=[
        "progress-nan",
        "progress-inf",
        "progress-minus-inf",
        "mastery-nan",
        "mastery-inf",
        "1e999",
    ],
)
async def test_put_progress_non_finite_number_is_422_and_keeps_stored_progress(
    api: ApiClient, student: Account, raw_body: str, field: str
) -> None:
    await put_progress(api, student, progress=40, mastery=0.5)
    before = await stored_progress(api, student)

    reply = await api.request("PUT", "/modules/loops/progress", body=raw_body, token=student.token)

    body = assert_error(reply, 422)
    assert [problem["field"] for problem in body["details"]] == [field]
    assert await stored_progress(api, student) == before


@pytest.mark.parametrize(
    "raw_body",
    ['{"progress": 40,', "progress=40&mastery=0.5", "{'progress': 40, 'mastery': 0.5}", "\xff"],
    ids=["truncated", "form-encoded", "single-quoted", "not-utf8"],
)
async def test_put_progress_malformed_json_is_400_and_keeps_stored_progress(
    api: ApiClient, student: Account, raw_body: str
) -> None:
    await put_progress(api, student, progress=40, mastery=0.5)
    before = await stored_progress(api, student)

    reply = await api.request(
        "PUT", "/modules/loops/progress", body=raw_body.encode("latin-1"), token=student.token
    )

    assert_error(reply, 400, "malformed_json")
    assert await stored_progress(api, student) == before


async def test_put_progress_json_nested_too_deeply_is_400_and_keeps_stored_progress(
    api: ApiClient, student: Account
) -> None:
    await put_progress(api, student, progress=40, mastery=0.5)
    before = await stored_progress(api, student)
    nested = "[" * 100_000 + "]" * 100_000

    reply = await api.request(
        "PUT",
        "/modules/loops/progress",
        body=f'{{"progress": 40, "mastery": 0.5, "note": {nested}}}',
        token=student.token,
    )

    assert_error(reply, 400, "malformed_json")
    assert await stored_progress(api, student) == before


@pytest.mark.parametrize("raw_body", ["[40, 0.5]", '"40"', "40", "null"])
async def test_put_progress_body_not_an_object_is_400(
    api: ApiClient, student: Account, raw_body: str
) -> None:
    reply = await api.request("PUT", "/modules/loops/progress", body=raw_body, token=student.token)

    assert_error(reply, 400, "not_an_object")


@pytest.mark.parametrize("raw_body", ["", "  \n"], ids=["empty", "blank"])
async def test_put_progress_empty_body_is_400(
    api: ApiClient, learnflow: Any, student: Account, raw_body: str
) -> None:
    reply = await api.request("PUT", "/modules/loops/progress", body=raw_body, token=student.token)

    assert_error(reply, 400, "missing_body")
    assert progress_row_count(learnflow) == 0


@pytest.mark.parametrize(
    "module_id",
    ["no-such-module", "LOOPS", "%00", "x" * 300],
    ids=["unknown", "upper-case", "nul", "300-chars"],
)
async def test_put_progress_unknown_module_is_404_and_stores_nothing(
    api: ApiClient, learnflow: Any, student: Account, module_id: str
) -> None:
    reply = await api.put(f"/modules/{module_id}/progress", update(), token=student.token)

    assert_error(reply, 404, "module_not_found")
    assert progress_row_count(learnflow) == 0


@pytest.mark.learnflow_config(max_request_body_bytes=1024)
async def test_put_progress_body_over_the_size_limit_is_413(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    padded = json.dumps(update()).ljust(1025)

    reply = await api.request("PUT", "/modules/loops/progress", body=padded, token=student.token)

    assert_error(reply, 413, "body_too_large")
    assert progress_row_count(learnflow) == 0


@pytest.mark.learnflow_config(max_request_body_bytes=1024)
async def test_put_progress_body_at_the_size_limit_is_accepted(
    api: ApiClient, student: Account
) -> None:
    padded = json.dumps(update()).ljust(1024)

    reply = await api.request("PUT", "/modules/loops/progress", body=padded, token=student.token)

    assert reply.status == 200


# -- GET /progress/user/{user_id} ---------------------------------------------------------------


async def test_user_progress_gives_each_record_exactly_the_documented_fields(
    api: ApiClient, student: Account
) -> None:
    created = await put_progress(api, student, progress=40, mastery=0.5)

    reply = await api.get(f"/progress/user/{student.id}", token=student.token)

    assert reply.status == 200
    [record] = reply.json()
    assert set(record) == LISTING_FIELDS
    assert record["id"] == created["id"]


async def test_user_progress_lists_modules_in_course_order(
    api: ApiClient, student: Account
) -> None:
    for module_id in ["functions", "values-and-variables", "loops", "conditionals"]:
        await put_progress(api, student, module_id)

    listing = await stored_progress(api, student)

    assert [record["module_id"] for record in listing] == COURSE_ORDER


async def test_user_progress_lists_only_modules_with_progress(
    api: ApiClient, student: Account
) -> None:
    await put_progress(api, student, "functions")
    await put_progress(api, student, "conditionals")

    listing = await stored_progress(api, student)

    assert [record["module_id"] for record in listing] == ["conditionals", "functions"]


async def test_user_progress_without_records_is_empty_list(
    api: ApiClient, student: Account
) -> None:
    reply = await api.get(f"/progress/user/{student.id}", token=student.token)

    assert reply.status == 200
    assert reply.json() == []


@pytest.mark.parametrize(
    ("progress", "completed"),
    [(0, False), (99.99, False), (100, True), (100.0, True)],
)
async def test_user_progress_is_completed_exactly_at_100(
    api: ApiClient, student: Account, progress: float, completed: bool
) -> None:
    await put_progress(api, student, progress=progress, mastery=0.5)

    listing = await stored_progress(api, student)

    assert listing[0]["completed"] is completed


async def test_user_progress_completion_does_not_depend_on_mastery(
    api: ApiClient, student: Account
) -> None:
    await put_progress(api, student, progress=100, mastery=0)

    listing = await stored_progress(api, student)

    assert listing[0]["completed"] is True


# -- who may do what ----------------------------------------------------------------------------

PROGRESS_ROUTES = [
    ("PUT", "/modules/loops/progress"),
    ("GET", "/progress/user/{user_id}"),
]


async def call(api: ApiClient, method: str, path: str, student: Account, token: str | None) -> Any:
    json_body = update() if method == "PUT" else None
    return await api.request(
        method, path.format(user_id=student.id), json_body=json_body, token=token
    )


@pytest.mark.parametrize(("method", "path"), PROGRESS_ROUTES)
async def test_progress_route_without_token_is_401_with_bearer_challenge(
    api: ApiClient, learnflow: Any, student: Account, method: str, path: str
) -> None:
    reply = await call(api, method, path, student, token=None)

    assert_error(reply, 401, "not_authenticated")
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert progress_row_count(learnflow) == 0


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"], ids=["garbage", "empty", "three-parts"])
@pytest.mark.parametrize(("method", "path"), PROGRESS_ROUTES)
async def test_progress_route_with_bad_token_is_401(
    api: ApiClient, learnflow: Any, student: Account, method: str, path: str, token: str
) -> None:
    reply = await call(api, method, path, student, token=token)

    assert_error(reply, 401)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert progress_row_count(learnflow) == 0


@pytest.mark.parametrize(("method", "path"), PROGRESS_ROUTES)
async def test_progress_route_with_signed_out_token_is_401(
    api: ApiClient, learnflow: Any, student: Account, method: str, path: str
) -> None:
    await api.post("/auth/logout", token=student.token)

    reply = await call(api, method, path, student, token=student.token)

    assert_error(reply, 401)
    assert progress_row_count(learnflow) == 0


async def test_user_progress_of_another_student_is_403(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await put_progress(api, student)

    reply = await api.get(f"/progress/user/{student.id}", token=other_student.token)

    assert_error(reply, 403, "not_your_progress")


async def test_user_progress_of_unknown_user_for_a_student_is_403(
    api: ApiClient, student: Account
) -> None:
    reply = await api.get(f"/progress/user/{uuid.uuid4()}", token=student.token)

    assert_error(reply, 403, "not_your_progress")


async def test_user_progress_of_a_student_for_a_teacher_is_200(
    api: ApiClient, student: Account, teacher: Account
) -> None:
    await put_progress(api, student, "conditionals", progress=100, mastery=0.9)
    own_view = await stored_progress(api, student)

    reply = await api.get(f"/progress/user/{student.id}", token=teacher.token)

    assert reply.status == 200
    assert reply.json() == own_view


@pytest.mark.parametrize(
    "user_id",
    [str(uuid.UUID(int=0)), "nobody", "%00", "x" * 300],
    ids=["unused-uuid", "not-a-uuid", "nul", "300-chars"],
)
async def test_user_progress_of_unknown_user_for_a_teacher_is_404(
    api: ApiClient, teacher: Account, user_id: str
) -> None:
    reply = await api.get(f"/progress/user/{user_id}", token=teacher.token)

    assert_error(reply, 404, "user_not_found")


async def test_put_progress_changes_only_the_callers_record(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await put_progress(api, other_student, progress=10, mastery=0.1)
    before = await stored_progress(api, other_student)

    mine = await put_progress(api, student, progress=90, mastery=0.9)

    assert mine["user_id"] == student.id
    assert mine["id"] != before[0]["id"]
    assert await stored_progress(api, other_student) == before
