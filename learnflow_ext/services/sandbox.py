"""Which protections this machine offers for running student code, found out at start-up."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .cgroups import SandboxCgroups, probe_cgroups, sandbox_tag


def bundled_kernels_dir() -> Path:
    """Return the kernel specs shipped with LearnFlow: inside the wheel, or in a checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "kernels"
    return installed if installed.is_dir() else package_dir.parent / "kernels"


def load_kernel_module(name: str) -> ModuleType:
    """Import one of the sandbox kernel's own modules (they are scripts, not a package)."""
    module_name = f"learnflow_sandbox_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = bundled_kernels_dir() / "learnflow-python" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Protections:
    """What the sandbox can rely on here."""

    bwrap: str = ""
    bwrap_version: str = ""
    namespaces: bool = False
    separate_uids: bool = False
    landlock_abi: int = 0
    seccomp: bool = False
    #: Where each kernel gets a memory and process ceiling, if this machine allows it.
    cgroups: SandboxCgroups | None = None
    #: Why there are no such ceilings, if there are none.
    cgroups_missing: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def sufficient(self) -> bool:
        """Whether every isolation promise holds: namespaces and a filter on system calls."""
        return self.namespaces and self.seccomp

    def describe(self) -> str:
        parts = []
        if self.namespaces:
            parts.append(f"{self.bwrap_version} with PID, network, mount, IPC and UTS namespaces")
        parts.append("a separate uid per kernel" if self.separate_uids else "the server's uid")
        if self.landlock_abi:
            parts.append(f"Landlock ABI {self.landlock_abi}")
        if self.seccomp:
            parts.append("a seccomp filter")
        parts.append("rlimits")
        if self.cgroups is not None:
            parts.append(self.cgroups.describe())
        else:
            parts.append(f"no cgroups ({self.cgroups_missing})")
        return ", ".join(parts)


def probe_protections() -> Protections:
    """Find out which protections work on this machine, by trying them."""
    problems = []
    bwrap = shutil.which("bwrap") or ""
    version, namespaces = "", False
    if not bwrap:
        problems.append("bubblewrap (bwrap) is not installed; Debian: apt-get install bubblewrap")
    else:
        version = _run([bwrap, "--version"]).stdout.strip()
        isolate = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
        if os.geteuid() != 0:
            isolate.append("--unshare-user")
        trial = _run([bwrap, *isolate, "--ro-bind", "/", "/", "--proc", "/proc", "true"])
        namespaces = trial.returncode == 0
        if not namespaces:
            problems.append(f"bubblewrap cannot create namespaces here: {trial.stderr.strip()}")

    confine = load_kernel_module("confine")
    try:
        import pyseccomp  # noqa: F401

        seccomp = True
    except (ImportError, RuntimeError) as error:
        seccomp = False
        problems.append(f"seccomp is unavailable: {error}")
    cgroups, cgroups_missing = probe_cgroups(sandbox_tag())
    return Protections(
        bwrap=bwrap if namespaces else "",
        bwrap_version=version,
        namespaces=namespaces,
        separate_uids=os.geteuid() == 0,
        landlock_abi=confine.landlock_abi(),
        seccomp=seccomp,
        cgroups=cgroups,
        cgroups_missing=cgroups_missing,
        problems=problems,
    )


def python_problem_for(uid: int, python: str = sys.executable) -> str:
    """Return why ``python`` cannot run as ``uid`` on the host, or "" when it can.

    Without a sandbox, kernels run straight from the host's file system under a uid of
    their own, which may not reach a Python installed in a private home directory.
    """
    try:
        finished = subprocess.run(  # noqa: S603 - our own interpreter, no shell
            [python, "-I", "-c", "pass"],
            user=uid,
            group=uid,
            extra_groups=[],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"uid {uid} cannot run {python}: {error}"
    if finished.returncode != 0:
        last_line = (finished.stderr.strip().splitlines() or ["it failed"])[-1]
        return f"uid {uid} cannot run {python}: {last_line}"
    return ""


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - our own fixed commands
            command, capture_output=True, text=True, timeout=20, check=False
        )
    except OSError as error:
        return subprocess.CompletedProcess(command, 1, "", str(error))
