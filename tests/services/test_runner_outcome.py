"""How the sandbox's runner names the way a run ended, from its signal and CPU time."""

from __future__ import annotations

import signal

import pytest

from learnflow_ext.services.sandbox import load_kernel_module

runner = load_kernel_module("runner")
LIMITS = runner.Limits(
    wall_time_s=3,
    cpu_time_s=2,
    memory_mb=128,
    max_processes=32,
    max_file_size_mb=1,
    max_output_bytes=65536,
)


def ended(signum: int, cpu_time_s: float) -> object:
    return runner._outcome("", None, signum, b"", b"", cpu_time_s, LIMITS)


@pytest.mark.parametrize("signum", [signal.SIGXCPU, signal.SIGKILL])
@pytest.mark.parametrize("cpu_time_s", [2.0, 1.9])
def test_a_run_ended_at_its_cpu_limit_is_a_timeout(signum: int, cpu_time_s: float) -> None:
    outcome = ended(signum, cpu_time_s)

    assert outcome.status == "timeout"
    assert "more than 2 s of CPU" in outcome.stderr


def test_a_run_killed_long_before_its_cpu_limit_is_killed() -> None:
    outcome = ended(signal.SIGKILL, 0.3)

    assert outcome.status == "killed"
    assert "SIGKILL" in outcome.stderr
