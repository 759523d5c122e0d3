"""POST /code/execute: what a run returns, what it refuses, and what never carries over."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest

from tests.conftest import Account, ApiClient, Response, assert_error

T = TypeVar("T")
RESULT_FIELDS = {"output", "errors", "execution_time", "status"}
# Short limits keep runs that hit them fast.
QUICK_LIMITS = {"wall_time_limit_s": 3, "cpu_time_limit_s": 2}


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    """Code execution does not touch the database: SQLite is enough."""
    return f"sqlite:///{tmp_path / 'learnflow.db'}"


@pytest.fixture
def third_student(make_account: Any) -> Account:
    return make_account("student", "Cy Student")


async def post_code(api: ApiClient, account: Account, code: str) -> Response:
    return await api.post(
        "/code/execute", {"code": code, "language": "python"}, token=account.token
    )


async def run_code(api: ApiClient, account: Account, code: str) -> dict[str, Any]:
    """Run ``code`` as ``account`` and return the result of the run."""
    reply = await post_code(api, account, code)
    assert reply.status == 200, reply.body
    return reply.json()


async def after(delay_s: float, action: Awaitable[T]) -> T:
    """Wait ``delay_s``, then await ``action``: lets a concurrent request arrive second."""
    await asyncio.sleep(delay_s)
    return await action


# -- running code -------------------------------------------------------------------------------


async def test_execute_print_returns_its_output_and_ok(api: ApiClient, student: Account) -> None:
    reply = await post_code(api, student, "print(1)")

    assert reply.status == 200
    result = reply.json()
    assert set(result) == RESULT_FIELDS
    assert result["status"] == "ok"
    assert result["output"] == "1\n"
    assert result["errors"] == ""
    assert result["execution_time"] > 0


async def test_execute_expression_result_appears_in_output(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "words = ['spam', 'eggs']\nsorted(words) * 2")

    assert result["status"] == "ok"
    assert result["output"] == "['eggs', 'spam', 'eggs', 'spam']\n"


async def test_execute_expression_result_is_hidden_by_a_trailing_semicolon(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "print('shown')\n40 + 2;")

    assert result["output"] == "shown\n"


async def test_execute_only_the_last_expression_result_appears(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "'first'\n'second'")

    assert result["output"] == "'second'\n"


async def test_execute_exception_is_error_with_a_plain_traceback(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "def halve(n):\n    return n / 0\n\nhalve(4)")

    assert result["status"] == "error"
    assert "Traceback" in result["errors"]
    assert "return n / 0" in result["errors"]
    assert "ZeroDivisionError: division by zero" in result["errors"]
    assert "\x1b" not in result["errors"]


async def test_execute_traceback_starts_at_the_cell(api: ApiClient, student: Account) -> None:
    result = await run_code(api, student, "import json\njson.loads('{')")

    frames = [line for line in result["errors"].splitlines() if line.startswith("  File ")]
    assert frames[0] == '  File "<cell>", line 2, in <module>'
    assert "runner" not in result["errors"]


async def test_execute_output_before_an_exception_is_kept(api: ApiClient, student: Account) -> None:
    result = await run_code(api, student, "print('before')\nraise ValueError('bad value')")

    assert result["status"] == "error"
    assert result["output"] == "before\n"
    assert "ValueError: bad value" in result["errors"]


async def test_execute_syntax_error_is_error_naming_it(api: ApiClient, student: Account) -> None:
    result = await run_code(api, student, "print('unclosed'")

    assert result["status"] == "error"
    assert "SyntaxError" in result["errors"]


@pytest.mark.parametrize("code", ["!cat /etc/passwd", "%timeit 1"])
async def test_execute_ipython_shell_escapes_and_magics_are_syntax_errors(
    api: ApiClient, student: Account, code: str
) -> None:
    result = await run_code(api, student, code)

    assert result["status"] == "error"
    assert "SyntaxError" in result["errors"]


# -- refused requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ruby", "Python", "python3", ""])
async def test_execute_unsupported_language_is_422(
    api: ApiClient, learnflow: Any, student: Account, language: str
) -> None:
    reply = await api.post(
        "/code/execute", {"code": "print(1)", "language": language}, token=student.token
    )

    body = assert_error(reply, 422)
    assert [problem["field"] for problem in body["details"]] == ["language"]
    assert learnflow.execution.pool.size == 0


@pytest.mark.learnflow_config(max_code_bytes=100)
@pytest.mark.parametrize(
    "code", ["#" * 101, "# " + "é" * 50], ids=["ascii-101-bytes", "utf8-102-bytes"]
)
async def test_execute_code_over_max_code_bytes_is_413_and_starts_no_kernel(
    api: ApiClient, learnflow: Any, student: Account, code: str
) -> None:
    reply = await post_code(api, student, code)

    assert_error(reply, 413, "code_too_large")
    assert learnflow.execution.pool.size == 0


@pytest.mark.learnflow_config(max_code_bytes=100)
async def test_execute_code_of_exactly_max_code_bytes_runs(
    api: ApiClient, student: Account
) -> None:
    code = "print('fits')  #".ljust(100, "#")

    result = await run_code(api, student, code)

    assert result["status"] == "ok"
    assert result["output"] == "fits\n"


async def test_execute_without_token_is_401_and_starts_no_kernel(
    api: ApiClient, learnflow: Any
) -> None:
    reply = await api.post("/code/execute", {"code": "print(1)", "language": "python"})

    assert_error(reply, 401)
    assert learnflow.execution.pool.size == 0


@pytest.mark.parametrize(
    ("raw_body", "code"),
    [
        ('{"code": "print(1)",', "malformed_json"),
        ("code=print(1)&language=python", "malformed_json"),
        ('["print(1)", "python"]', "not_an_object"),
        ("", "missing_body"),
    ],
    ids=["truncated", "form-encoded", "array", "empty"],
)
async def test_execute_malformed_body_is_400_and_starts_no_kernel(
    api: ApiClient, learnflow: Any, student: Account, raw_body: str, code: str
) -> None:
    reply = await api.request("POST", "/code/execute", body=raw_body, token=student.token)

    assert_error(reply, 400, code)
    assert learnflow.execution.pool.size == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "python"}, "code"),
        ({"code": "print(1)"}, "language"),
        ({"code": ["print(1)"], "language": "python"}, "code"),
        ({"code": None, "language": "python"}, "code"),
    ],
    ids=["no-code", "no-language", "code-a-list", "code-null"],
)
async def test_execute_missing_or_mistyped_field_is_422(
    api: ApiClient, student: Account, body: dict[str, Any], field: str
) -> None:
    reply = await api.post("/code/execute", body, token=student.token)

    error = assert_error(reply, 422)
    assert [problem["field"] for problem in error["details"]] == [field]


# -- nothing carries over from one run to the next ----------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "later", "expected_output"),
    [
        ("answer = 42", "print('answer' in globals())", "False\n"),
        ("import fractions", "print('fractions' in globals())", "False\n"),
        ("def helper(): return 1", "print('helper' in globals())", "False\n"),
        ("open('notes.txt', 'w').write('kept?')", "import os; print(os.listdir())", "[]\n"),
        (
            "open('/tmp/notes.txt', 'w').write('kept?')",
            "import os; print(os.path.exists('/tmp/notes.txt'))",
            "False\n",
        ),
        ("import json; json.dumps = None", "import json; print(json.dumps([1]))", "[1]\n"),
        ("import builtins; builtins.len = lambda _: -1", "print(len('abc'))", "3\n"),
        ("import sys; sys.modules['math'] = None", "import math; print(math.floor(2.5))", "2\n"),
        (
            "import os; os.environ['HINT'] = 'x'",
            "import os; print('HINT' in os.environ)",
            "False\n",
        ),
        ("import os; os.chdir('/')", "import os; print(os.getcwd() != '/')", "True\n"),
        (
            "import sys; sys.path.insert(0, '/tmp')",
            "import sys; print('/tmp' in sys.path)",
            "False\n",
        ),
    ],
    ids=[
        "variable",
        "imported-name",
        "function",
        "file-in-cwd",
        "file-in-tmp",
        "patched-module",
        "patched-builtin",
        "poisoned-sys-modules",
        "environment-variable",
        "working-directory",
        "sys-path",
    ],
)
async def test_execute_later_run_sees_nothing_of_an_earlier_one(
    api: ApiClient, student: Account, earlier: str, later: str, expected_output: str
) -> None:
    await run_code(api, student, earlier)

    result = await run_code(api, student, later)

    assert result["status"] == "ok", result
    assert result["output"] == expected_output


async def test_execute_each_run_draws_different_random_numbers(
    api: ApiClient, student: Account
) -> None:
    code = "import random; print(random.random())"

    draws = [(await run_code(api, student, code))["output"] for _ in range(3)]

    assert len(set(draws)) == 3


async def test_execute_two_users_run_under_different_uids(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    code = "import os; print(os.getuid())"

    uids = [
        int((await run_code(api, account, code))["output"]) for account in (student, other_student)
    ]

    assert uids[0] != uids[1]
    assert 0 not in uids


async def test_execute_file_in_tmp_is_invisible_to_another_user_running_at_the_same_time(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    for account in (student, other_student):
        await run_code(api, account, "pass")  # both kernels started, so the runs overlap
    writer = (
        "import time\nopen('/tmp/shared.txt', 'w').write('hello')\ntime.sleep(2)\n"
        "print(open('/tmp/shared.txt').read())"
    )
    reader = "import os, time\ntime.sleep(0.5)\nprint(os.path.exists('/tmp/shared.txt'))"

    written, read = await asyncio.gather(
        run_code(api, student, writer), run_code(api, other_student, reader)
    )

    assert written["output"] == "hello\n"
    assert read["output"] == "False\n"


# -- limits on runs in flight -------------------------------------------------------------------


@pytest.mark.learnflow_config(execution_max_runs_per_user=1)
async def test_execute_second_run_in_flight_for_one_user_is_429_with_retry_after(
    api: ApiClient, student: Account
) -> None:
    slow, second = await asyncio.gather(
        post_code(api, student, "import time; time.sleep(2)"),
        after(0.5, post_code(api, student, "print(1)")),
    )

    assert slow.status == 200
    assert_error(second, 429, "too_many_runs")
    assert int(second.headers["Retry-After"]) >= 1


@pytest.mark.learnflow_config(execution_max_runs_per_user=1)
async def test_execute_after_a_429_the_same_user_runs_normally(
    api: ApiClient, student: Account
) -> None:
    _slow, refused = await asyncio.gather(
        post_code(api, student, "import time; time.sleep(2)"),
        after(0.5, post_code(api, student, "print(1)")),
    )
    assert refused.status == 429

    result = await run_code(api, student, "print('my turn')")

    assert result["status"] == "ok"
    assert result["output"] == "my turn\n"


@pytest.mark.learnflow_config(execution_max_runs_per_user=2)
async def test_execute_runs_of_one_user_within_the_limit_run_one_after_the_other(
    api: ApiClient, student: Account
) -> None:
    first, second = await asyncio.gather(
        run_code(api, student, "import time; time.sleep(1); print('first')"),
        after(0.3, run_code(api, student, "print('second')")),
    )

    assert (first["output"], second["output"]) == ("first\n", "second\n")


@pytest.mark.learnflow_config(execution_max_concurrent_runs=1, execution_max_queued_runs=0)
async def test_execute_run_beyond_a_full_queue_is_503_with_retry_after(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    running, refused = await asyncio.gather(
        post_code(api, student, "import time; time.sleep(2)"),
        after(0.5, post_code(api, other_student, "print(1)")),
    )

    assert running.status == 200, running.body
    assert_error(refused, 503, "execution_queue_full")
    assert int(refused.headers["Retry-After"]) >= 1


@pytest.mark.learnflow_config(execution_max_concurrent_runs=1, execution_max_queued_runs=1)
async def test_execute_run_waiting_in_the_queue_runs_when_its_turn_comes(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    first, queued = await asyncio.gather(
        run_code(api, student, "import time; time.sleep(1); print('first')"),
        after(0.3, run_code(api, other_student, "print('queued')")),
    )

    assert (first["status"], queued["status"]) == ("ok", "ok")
    assert queued["output"] == "queued\n"


@pytest.mark.learnflow_config(execution_max_concurrent_runs=1, execution_max_queued_runs=1)
async def test_execute_after_a_503_the_refused_user_runs_normally(
    api: ApiClient, student: Account, other_student: Account, third_student: Account
) -> None:
    replies = await asyncio.gather(
        post_code(api, student, "import time; time.sleep(1.5)"),
        after(0.5, post_code(api, other_student, "pass")),
        after(0.8, post_code(api, third_student, "pass")),
    )
    assert [reply.status for reply in replies] == [200, 200, 503]

    result = await run_code(api, third_student, "print('my turn')")

    assert result["status"] == "ok"
    assert result["output"] == "my turn\n"


# -- quota kills --------------------------------------------------------------------------------


@pytest.mark.learnflow_config(**QUICK_LIMITS)
async def test_execute_run_stopped_by_a_limit_is_logged_as_a_warning(
    api: ApiClient, student: Account, learnflow_log: Any
) -> None:
    result = await run_code(api, student, "while True:\n    pass  # spin-marker")

    assert result["status"] == "timeout"
    warnings = [r for r in learnflow_log.records if r.levelname == "WARNING"]
    assert any(student.id in r.getMessage() and "timeout" in r.getMessage() for r in warnings)
    assert "spin-marker" not in learnflow_log.text


@pytest.mark.learnflow_config(**QUICK_LIMITS)
async def test_execute_after_a_run_stopped_by_a_limit_the_next_run_works(
    api: ApiClient, student: Account
) -> None:
    stopped = await run_code(api, student, "while True:\n    pass")
    assert stopped["status"] == "timeout"

    result = await run_code(api, student, "print('again')")

    assert result["status"] == "ok"
    assert result["output"] == "again\n"
