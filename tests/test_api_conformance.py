"""Schemathesis against a live server: no server error, no undocumented status or body."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.live_server import call, live_server

pytestmark = pytest.mark.timeout(600)


CONFIG = Path(__file__).with_name("schemathesis.toml")
INVITE_CODE = "fuzz-teachers-2026"
# Routes only teachers may call (all of /chat/tutor is tested with them, though a student
# may read it): a student's token gets 403 on every request.
TEACHER_PATHS = ("/class/progress", "/course/reload", "/chat/tutor")


def signed_in_token(api_root: str, role: str = "student") -> str:
    email = f"fuzz-{uuid.uuid4().hex[:8]}@example.org"
    account = {"email": email, "password": "p" * 12, "name": "F", "role": role}
    if role == "teacher":
        account["invite_code"] = INVITE_CODE
    call(api_root, "POST", "/auth/register", account)
    return call(api_root, "POST", "/auth/login", {"email": email, "password": "p" * 12})[
        "access_token"
    ]


def schemathesis(
    api_root: str, token: str, workdir: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    command = [
        shutil.which("st") or "st",
        "--config-file",
        str(CONFIG),
        "run",
        f"{api_root}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        "50",
        "--workers",
        "1",
        *options,
    ]
    # Schemathesis keeps its state in the working directory: keep it out of the checkout.
    return subprocess.run(
        command, capture_output=True, text=True, timeout=540, check=False, cwd=workdir
    )


def test_schemathesis_finds_no_failure_in_any_operation(tmp_path: Path, database_url: str) -> None:
    with live_server(tmp_path, database_url) as api_root:
        token = signed_in_token(api_root)

        # Signing out would revoke the token the other operations are tested with, and
        # /auth/jupyter answers only Jupyter's own cookie, so every request here is a 401.
        excluded = [
            option
            for path in ("/auth/logout", "/auth/jupyter", *TEACHER_PATHS)
            for option in ("--exclude-path", path)
        ]
        result = schemathesis(api_root, token, tmp_path, *excluded)

    assert result.returncode == 0, result.stdout[-6000:]
    assert "Authentication failed" not in result.stdout


def test_schemathesis_finds_no_failure_in_logout(tmp_path: Path, database_url: str) -> None:
    with live_server(tmp_path, database_url) as api_root:
        token = signed_in_token(api_root)

        result = schemathesis(api_root, token, tmp_path, "--include-path", "/auth/logout")

    assert result.returncode == 0, result.stdout[-6000:]


def test_schemathesis_finds_no_failure_in_teachers_operations(
    tmp_path: Path, database_url: str
) -> None:
    invite = f"--LearnFlow.teacher_invite_code={INVITE_CODE}"
    with live_server(tmp_path, database_url, invite) as api_root:
        token = signed_in_token(api_root, "teacher")

        included = [option for path in TEACHER_PATHS for option in ("--include-path", path)]
        result = schemathesis(api_root, token, tmp_path, *included)

    assert result.returncode == 0, result.stdout[-6000:]
    assert "Authentication failed" not in result.stdout
