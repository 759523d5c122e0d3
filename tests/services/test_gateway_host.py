"""The gateway side of the sandbox kernel: the limits it accepts and the uids it hands out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from learnflow_ext.services.sandbox import load_kernel_module

gateway_host = load_kernel_module("gateway_host")


@pytest.fixture
def three_uids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNFLOW_GATEWAY_UID_BASE", "900000")
    monkeypatch.setenv("LEARNFLOW_GATEWAY_UIDS", "3")


def test_limits_of_known_names_are_kept_with_their_types() -> None:
    limits = gateway_host.parse_limits('{"memory_mb": 64, "wall_time_s": 2}')

    assert limits == {"memory_mb": 64, "wall_time_s": 2.0}
    assert isinstance(limits["wall_time_s"], float)


@pytest.mark.parametrize(
    "sent",
    [
        '{"sandboxed": false}',
        '{"memory_mb": -1}',
        '{"memory_mb": true}',
        "[1]",
        '{"cpu_time_s": "9"}',
    ],
    ids=["unknown-name", "negative", "boolean", "not-an-object", "text"],
)
def test_limits_the_server_could_not_have_sent_stop_the_kernel(sent: str) -> None:
    with pytest.raises(SystemExit):
        gateway_host.parse_limits(sent)


def test_each_kernel_gets_a_uid_no_other_holds(tmp_path: Path, three_uids: None) -> None:
    first, _ = gateway_host.claim_uid(tmp_path)
    second, _ = gateway_host.claim_uid(tmp_path)

    assert (first, second) == (900000, 900001)


def test_a_uid_whose_kernel_died_is_given_again(tmp_path: Path, three_uids: None) -> None:
    _uid, lock = gateway_host.claim_uid(tmp_path)
    lock.write_text(str(2**22 + 12345))  # a process id no process has

    again, _ = gateway_host.claim_uid(tmp_path)

    assert again == 900000


def test_no_uid_is_given_twice_when_all_are_held(tmp_path: Path, three_uids: None) -> None:
    for _ in range(3):
        gateway_host.claim_uid(tmp_path)

    with pytest.raises(SystemExit, match="in use"):
        gateway_host.claim_uid(tmp_path)


def test_uid_locks_are_private_to_the_gateway(tmp_path: Path, three_uids: None) -> None:
    _uid, lock = gateway_host.claim_uid(tmp_path)

    assert os.stat(lock.parent).st_mode & 0o777 == 0o700
    assert os.stat(lock).st_mode & 0o777 == 0o600
