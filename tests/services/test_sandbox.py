"""What the server finds out about the sandbox at start-up, and what it does without one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from learnflow_ext import app
from learnflow_ext.services import sandbox
from tests.conftest import Account, ApiClient, assert_error

SYSTEM_PYTHON = "/usr/bin/python3"
NOBODY_UID = 65534


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


@pytest.fixture
def python_runs_for_kernel_uids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the server start as where every uid may run its Python."""
    monkeypatch.setattr(app, "python_problem_for", lambda uid: "")


@pytest.fixture
def python_private_to_its_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the server start as where its Python lies in a home only its owner can read."""
    monkeypatch.setattr(
        app, "python_problem_for", lambda uid: f"uid {uid} cannot run /root/python: denied"
    )


@pytest.mark.learnflow_config(allow_unsandboxed_execution=True)
async def test_startup_without_sandbox_warns_when_operator_allows_it(
    without_bubblewrap: None, python_runs_for_kernel_uids: None, learnflow: Any
) -> None:
    assert learnflow.execution.pool is not None
    assert learnflow.execution.refusal == ""


@pytest.mark.learnflow_config(allow_unsandboxed_execution=True)
async def test_unsandboxed_execution_whose_python_kernel_uids_cannot_run_is_503_saying_why(
    without_bubblewrap: None,
    python_private_to_its_owner: None,
    api: ApiClient,
    student: Account,
) -> None:
    reply = await api.post(
        "/code/execute", {"code": "print(1)", "language": "python"}, token=student.token
    )

    body = assert_error(reply, 503, "execution_unavailable")
    assert "cannot run /root/python" in body["message"]


def test_python_in_a_directory_others_cannot_enter_cannot_run_as_another_uid(
    tmp_path: Path,
) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "python").symlink_to(SYSTEM_PYTHON)

    problem = sandbox.python_problem_for(NOBODY_UID, str(private / "python"))

    assert f"uid {NOBODY_UID} cannot run {private / 'python'}" in problem


def test_python_everyone_may_read_runs_as_another_uid() -> None:
    assert sandbox.python_problem_for(NOBODY_UID, SYSTEM_PYTHON) == ""
