"""Control groups that put one memory and process ceiling over each whole sandbox.

Rlimits bound each process of a run on its own; a run that starts many processes could
still use their sum. Where this server may create control groups (cgroup v1 memory and
pids hierarchies, or a cgroup v2 tree with both controllers delegated to it), every
kernel gets a group of its own, which its launcher joins before building the sandbox:
the kernel, its runner, every run and the files in its /tmp then count together.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

CONTROLLERS = ("memory", "pids")
# Each server's groups live in a directory named after it: this prefix and its pid.
TAG_PREFIX = "learnflow-"
# Limit files per cgroup version: memory, swap (absent where the kernel has no swap
# accounting), and processes.
LIMIT_FILES = {
    1: ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "pids.max"),
    2: ("memory.max", "memory.swap.max", "pids.max"),
}


@dataclass(frozen=True)
class SandboxCgroups:
    """The directories below which this server creates one group per kernel."""

    version: int
    #: One directory per hierarchy: two under cgroup v1 (memory, pids), one under v2.
    bases: tuple[Path, ...]

    def describe(self) -> str:
        return f"cgroup v{self.version} memory and process ceilings per kernel"

    def create(self, name: str, *, memory_bytes: int, max_tasks: int) -> list[str]:
        """Create the groups of one kernel; return the ``cgroup.procs`` files to join."""
        memory_file, swap_file, pids_file = LIMIT_FILES[self.version]
        procs = []
        try:
            for base in self.bases:
                group = base / name
                group.mkdir()
                if (group / memory_file).exists():
                    (group / memory_file).write_text(str(memory_bytes))
                    # Swapping would let the sandbox hold more than its ceiling.
                    with contextlib.suppress(OSError):
                        swap_limit = "0" if self.version == 2 else str(memory_bytes)
                        (group / swap_file).write_text(swap_limit)
                if (group / pids_file).exists():
                    (group / pids_file).write_text(str(max_tasks))
                procs.append(str(group / "cgroup.procs"))
        except OSError:
            self.remove(name)
            raise
        return procs

    def remove(self, name: str) -> None:
        """Remove the groups of one kernel once its processes are gone."""
        for base in self.bases:
            group = base / name
            # A killed sandbox's processes take a moment to leave the group.
            for _attempt in range(50):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)

    def close(self) -> None:
        for base in self.bases:
            with contextlib.suppress(OSError):
                base.rmdir()


def probe_cgroups(tag: str) -> tuple[SandboxCgroups | None, str]:
    """Find where this process may create limited groups; return them, or why it cannot.

    ``tag`` names this server's own directory in each hierarchy.
    """
    own = _own_cgroups()
    mounts = _cgroup_mounts()
    v1 = {c: mounts[c] / own[c].lstrip("/") for c in CONTROLLERS if c in mounts and c in own}
    try:
        if len(v1) == len(CONTROLLERS):
            bases = tuple(v1[c] / tag for c in CONTROLLERS)
            for base in bases:
                _remove_stale_groups(base.parent)
                base.mkdir(exist_ok=True)
            return SandboxCgroups(1, bases), ""
        if "" in mounts and "" in own:
            mine = mounts[""] / own[""].lstrip("/")
            available = set((mine / "cgroup.controllers").read_text().split())
            if not set(CONTROLLERS) <= available:
                return None, "cgroup v2 does not delegate the memory and pids controllers here"
            wanted = " ".join(f"+{c}" for c in CONTROLLERS)
            # Fails unless this group may pass the controllers on (a delegated tree, or
            # the root of a container's cgroup namespace).
            (mine / "cgroup.subtree_control").write_text(wanted)
            base = mine / tag
            _remove_stale_groups(mine)
            base.mkdir(exist_ok=True)
            (base / "cgroup.subtree_control").write_text(wanted)
            return SandboxCgroups(2, (base,)), ""
    except OSError as error:
        return None, f"cannot create control groups: {error.strerror or error}"
    return None, "no cgroup memory and pids controllers are mounted"


def _remove_stale_groups(parent: Path) -> None:
    """Remove the empty groups of LearnFlow servers on this machine that are gone."""
    for group in parent.glob(f"{TAG_PREFIX}*"):
        pid = group.name.removeprefix(TAG_PREFIX)
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        with contextlib.suppress(OSError):
            for kernel_group in group.iterdir():
                if kernel_group.is_dir():
                    kernel_group.rmdir()
            group.rmdir()


def _own_cgroups() -> dict[str, str]:
    """Map each controller of this process (and "" for cgroup v2) to its group's path."""
    own = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _id, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                own[controller] = path
    return own


def _cgroup_mounts() -> dict[str, Path]:
    """Map each cgroup v1 controller (and "" for cgroup v2) to where it is mounted."""
    mounts: dict[str, Path] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mounts").read_text().splitlines():
            _device, where, kind, options = line.split()[:4]
            if kind == "cgroup2":
                mounts.setdefault("", Path(where))
            elif kind == "cgroup":
                for option in options.split(","):
                    if option in CONTROLLERS:
                        mounts.setdefault(option, Path(where))
    return mounts


def sandbox_tag() -> str:
    """A directory name for this server's groups, unique among servers on the machine."""
    return f"{TAG_PREFIX}{os.getpid()}"
