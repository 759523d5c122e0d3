"""Control groups for kernels, on this machine's real cgroup file system."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from learnflow_ext.services.cgroups import (
    LIMIT_FILES,
    TAG_PREFIX,
    SandboxCgroups,
    probe_cgroups,
)

MEMORY_BYTES = 300 * 1024 * 1024
MAX_TASKS = 50
# A process id no process has: above the largest the kernel hands out by default.
GONE_PID = 4_194_303


@pytest.fixture
def cgroups() -> Iterator[SandboxCgroups]:
    found, missing = probe_cgroups(f"{TAG_PREFIX}test-{uuid.uuid4().hex[:8]}")
    assert found is not None, missing
    yield found
    found.close()


@pytest.fixture
def group(cgroups: SandboxCgroups) -> Iterator[list[Path]]:
    procs = cgroups.create("k-test", memory_bytes=MEMORY_BYTES, max_tasks=MAX_TASKS)
    yield [Path(p).parent for p in procs]
    cgroups.remove("k-test")


def limit_values(groups: list[Path], version: int) -> dict[str, str]:
    memory_file, _swap_file, pids_file = LIMIT_FILES[version]
    values = {}
    for group in groups:
        for name in (memory_file, pids_file):
            if (group / name).exists():
                values[name] = (group / name).read_text().strip()
    return values


def test_probe_finds_memory_and_process_controllers_on_this_machine() -> None:
    found, missing = probe_cgroups(f"{TAG_PREFIX}test-{uuid.uuid4().hex[:8]}")

    assert found is not None, missing
    found.close()


def test_created_group_carries_the_memory_and_task_ceilings(
    cgroups: SandboxCgroups, group: list[Path]
) -> None:
    memory_file, _swap_file, pids_file = LIMIT_FILES[cgroups.version]

    assert limit_values(group, cgroups.version) == {
        memory_file: str(MEMORY_BYTES),
        pids_file: str(MAX_TASKS),
    }


def test_process_written_to_cgroup_procs_belongs_to_the_group(group: list[Path]) -> None:
    with subprocess.Popen(["sleep", "30"]) as sleeper:
        try:
            for procs in group:
                (procs / "cgroup.procs").write_text(str(sleeper.pid))

            members = [(procs / "cgroup.procs").read_text().split() for procs in group]
        finally:
            sleeper.kill()

    assert all(str(sleeper.pid) in listed for listed in members)


def test_removed_group_is_gone(cgroups: SandboxCgroups) -> None:
    procs = cgroups.create("k-gone", memory_bytes=MEMORY_BYTES, max_tasks=MAX_TASKS)

    cgroups.remove("k-gone")

    assert not any(Path(p).parent.exists() for p in procs)


def test_probe_removes_the_groups_of_a_server_that_is_gone() -> None:
    stale, _ = probe_cgroups(f"{TAG_PREFIX}{GONE_PID}")
    assert stale is not None
    stale.create("k-left-behind", memory_bytes=MEMORY_BYTES, max_tasks=MAX_TASKS)

    fresh, _ = probe_cgroups(f"{TAG_PREFIX}test-{uuid.uuid4().hex[:8]}")

    assert fresh is not None
    assert not any(base.exists() for base in stale.bases)
    fresh.close()
