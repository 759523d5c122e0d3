"""The token signer and the generated signing secret."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from traitlets import TraitError

from learnflow_ext.app import LearnFlow
from learnflow_ext.errors import AuthenticationError
from learnflow_ext.services.tokens import TokenSigner, load_or_create_secret

LOG = logging.getLogger("test")


def test_secret_is_created_readable_only_by_owner(tmp_path: Path) -> None:
    path = tmp_path / "learnflow" / "jwt_secret"

    secret = load_or_create_secret(path, LOG)

    assert len(secret) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secret_is_reused_on_next_start(tmp_path: Path) -> None:
    path = tmp_path / "jwt_secret"
    first = load_or_create_secret(path, LOG)

    second = load_or_create_secret(path, LOG)

    assert first == second


def test_secret_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jwt_secret"
    load_or_create_secret(path, LOG)
    path.chmod(0o644)

    with pytest.raises(PermissionError):
        load_or_create_secret(path, LOG)


def test_secret_behind_symlink_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("a" * 64)
    target.chmod(0o600)
    path = tmp_path / "jwt_secret"
    os.symlink(target, path)

    with pytest.raises(OSError, match="symbolic link"):
        load_or_create_secret(path, LOG)


def test_configured_secret_shorter_than_32_bytes_is_refused() -> None:
    with pytest.raises(TraitError):
        LearnFlow(jwt_secret="too short")


def test_signer_refuses_short_secret() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenSigner(b"short", lifetime_s=60)


def test_signer_decodes_what_it_issued() -> None:
    signer = TokenSigner(b"s" * 32, lifetime_s=60)

    issued = signer.issue("user-1")

    claims = signer.decode(issued.token)
    assert (claims.user_id, claims.jti) == ("user-1", issued.jti)


def test_signer_refuses_token_of_other_secret() -> None:
    token = TokenSigner(b"a" * 32, lifetime_s=60).issue("user-1").token

    with pytest.raises(AuthenticationError):
        TokenSigner(b"b" * 32, lifetime_s=60).decode(token)


@pytest.mark.parametrize(
    "origin",
    ["*", "https://app.example.org/", "app.example.org", "ftp://x.org", "https://*.x.org/p"],
)
def test_allowed_origins_must_be_exact_origins(origin: str) -> None:
    with pytest.raises(TraitError):
        LearnFlow(allowed_origins=[origin])
