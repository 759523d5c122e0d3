"""Code execution on kernels of a real Jupyter Enterprise Gateway.

The server runs no kernel itself: each run goes to LearnFlow's kernel spec on the
gateway, whose launcher builds the same sandbox there. The limits and isolation
that hold for local kernels hold for these.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Account, ApiClient, assert_error
from tests.gateway import Gateway, gateway_kernels, running_gateway
from tests.handlers.test_execution import post_code, run_code
from tests.handlers.test_execution_isolation import (
    LIMITS,
    SECRET_NAMES,
    TRY_TO_CONNECT,
    TRY_TO_READ,
)

pytestmark = [SQLITE_ONLY, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("gateway")) as running:
        yield running


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], gateway: Gateway) -> dict[str, Any]:
    """The usual test server, with its kernels on the gateway."""
    settings = jp_server_config["LearnFlow"]
    settings.setdefault("gateway_url", gateway.url)
    settings.update(gateway_auth_token=gateway.auth_token, **LIMITS)
    return jp_server_config


async def test_code_runs_on_a_kernel_of_the_gateway(
    api: ApiClient, student: Account, gateway: Gateway
) -> None:
    result = await run_code(api, student, "print(6 * 7)")

    assert result["status"] == "ok", result
    assert result["output"] == "42\n"
    assert [kernel["name"] for kernel in gateway_kernels(gateway)] == ["learnflow-python"]


@pytest.mark.learnflow_config(gateway_url="http://127.0.0.1:9")
async def test_a_gateway_that_does_not_answer_gives_503_in_json(
    api: ApiClient, student: Account, gateway: Gateway
) -> None:
    reply = await post_code(api, student, "print(1)")

    assert_error(reply, 503, "kernel_start_failed")
    assert reply.headers["Retry-After"] == "5"
    assert gateway.auth_token not in reply.body.decode()


async def test_each_student_gets_a_kernel_of_their_own_on_the_gateway(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    await run_code(api, student, "secret = 'mine'")

    result = await run_code(api, other_student, "print('secret' in globals())")

    assert result["output"] == "False\n"


async def test_an_endless_loop_on_the_gateway_is_stopped_as_timeout(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "while True:\n    pass")

    assert result["status"] == "timeout", result


async def test_a_program_using_too_much_memory_on_the_gateway_is_stopped(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "block = bytearray(512 * 1024 * 1024)")

    assert result["status"] == "memory_limit", result


async def test_a_program_on_the_gateway_cannot_connect_to_the_gateway(
    api: ApiClient, student: Account, gateway: Gateway
) -> None:
    port = int(gateway.url.rsplit(":", 1)[1])

    result = await run_code(api, student, TRY_TO_CONNECT.format(host="127.0.0.1", port=port))

    assert result["output"].startswith("refused:"), result


async def test_a_program_on_the_gateway_sees_no_secret_in_its_environment(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "import json, os\nprint(json.dumps(sorted(os.environ)))")

    names = json.loads(result["output"])
    assert "PATH" in names
    assert [name for name in names if SECRET_NAMES.search(name)] == []


async def test_a_program_on_the_gateway_cannot_read_the_gateways_files(
    api: ApiClient, student: Account, gateway: Gateway
) -> None:
    runtime = Path(gateway.log).parent / "runtime"
    assert runtime.is_dir(), "the gateway keeps no runtime directory: the test would prove nothing"

    result = await run_code(api, student, TRY_TO_READ.format(path=str(runtime)))

    assert result["output"].startswith("refused:"), result


async def test_a_submission_is_graded_on_the_gateway(api: ApiClient, student: Account) -> None:
    solution = "def celsius_to_fahrenheit(celsius):\n    return celsius * 9 / 5 + 32\n"

    reply = await api.post(
        "/exercises/celsius-to-fahrenheit/submissions", {"code": solution}, token=student.token
    )

    assert reply.status == 201, reply.body
    graded = reply.json()
    assert graded["status"] == "passed", graded
    assert re.fullmatch(r"1(\.0)?", str(graded["score"]))
