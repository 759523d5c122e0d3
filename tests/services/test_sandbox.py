"""What the server finds out about the sandbox at start-up, and what it does without one."""

from __future__ import annotations

from typing import Any

import pytest

from learnflow_ext.services import sandbox
from tests.conftest import Account, ApiClient, assert_error


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    # The sandbox does not depend on the database: SQLite is enough here.
    return f"sqlite:///{tmp_path / 'learnflow.db'}"


@pytest.fixture
def without_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the server start as on a machine where bubblewrap is not installed."""
    original = sandbox.shutil.which
    monkeypatch.setattr(
        sandbox.shutil, "which", lambda name: None if name == "bwrap" else original(name)
    )


def test_probe_finds_every_protection_on_this_machine() -> None:
    found = sandbox.probe_protections()

    assert found.problems == []
    assert found.sufficient
    assert found.landlock_abi >= 1


def test_probe_without_bubblewrap_is_insufficient_and_says_why(without_bubblewrap: None) -> None:
    found = sandbox.probe_protections()

    assert not found.sufficient
    assert "bubblewrap" in found.problems[0]


async def test_startup_finds_namespaces_and_seccomp(learnflow: Any) -> None:
    protections = learnflow.execution.pool.protections

    assert "namespaces" in protections.describe()
    assert "seccomp" in protections.describe()


async def test_execute_without_sandbox_is_503_with_reason(
    without_bubblewrap: None, api: ApiClient, student: Account
) -> None:
    reply = await api.post(
        "/code/execute", {"code": "print(1)", "language": "python"}, token=student.token
    )

    body = assert_error(reply, 503, "execution_unavailable")
    assert "bubblewrap" in body["message"]


@pytest.mark.learnflow_config(allow_unsandboxed_execution=True)
async def test_startup_without_sandbox_warns_when_operator_allows_it(
    without_bubblewrap: None, learnflow: Any
) -> None:
    assert learnflow.execution.pool is not None
    assert learnflow.execution.refusal == ""
