"""What the server tells the launcher about one sandbox. Shared by both sides."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SandboxPolicy:
    #: Directory for the kernel's sockets and connection file; the only host path it may write.
    ipc_dir: str
    #: Path of the bubblewrap program, or "" to run without namespaces (operator's choice).
    bwrap: str
    #: When the server runs as root, the unprivileged uid (and gid) the kernel runs as.
    drop_to_uid: int | None
    #: Size of the kernel's private /tmp, where each run's working directory lives.
    tmpfs_mb: int = 64
    #: Address space for the whole kernel: its own Python plus one run's memory limit.
    kernel_address_space_mb: int = 2048
    #: ``cgroup.procs`` files the launcher joins before building the sandbox, so that all
    #: of the kernel's processes share one memory and process ceiling.
    cgroup_procs: list[str] = field(default_factory=list)
    #: Per-run limits enforced by the kernel's runner; see runner.Limits.
    limits: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SandboxPolicy:
        return cls(**json.loads(text))
