"""Sandboxed IPython kernels: starting them, running one cell, and keeping a warm pool."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager

from ..errors import ServiceUnavailableError
from .sandbox import Protections, bundled_kernels_dir, load_kernel_module

KERNEL_NAME = "learnflow-python"
# Memory of a sandbox beyond a run's limit and its /tmp: the kernel, its runner, and the
# libraries they map.
SANDBOX_BASE_MEMORY_MB = 256
# Tasks of a sandbox beyond a run's process limit: the kernel's and the runner's threads.
SANDBOX_BASE_TASKS = 64
# Time the server waits beyond the kernel's own wall-clock limit before it gives up on it.
GRACE_S = 5.0


@dataclass(frozen=True)
class RunResult:
    status: str
    stdout: str
    stderr: str
    #: When grading: each hidden test's name, pass or fail, and message; None if unknown.
    tests: list[dict[str, Any]] | None = None


class KernelDiedError(Exception):
    """The kernel process ended, or stopped answering, while running a cell."""


def execute_request(
    code: str, grading: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The content and metadata of the execute request for one run of a LearnFlow kernel."""
    # Silent: the outcome comes in the execute reply, so the kernel publishes no output.
    content = {
        "code": code,
        "silent": True,
        "store_history": False,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    return content, ({"learnflow": grading} if grading is not None else {})


def run_result(reply_content: dict[str, Any]) -> RunResult:
    """The outcome a LearnFlow kernel put in its execute reply."""
    outcome = reply_content.get("learnflow")
    if outcome is None:
        raise KernelDiedError("the kernel answered without a LearnFlow outcome")
    return RunResult(outcome["status"], outcome["stdout"], outcome["stderr"], outcome.get("tests"))


class SandboxedKernel:
    """One kernel in its own sandbox, serving one user at a time."""

    def __init__(
        self, manager: AsyncKernelManager, ipc_dir: str, uid: int | None, cgroup: str
    ) -> None:
        self.manager = manager
        self.client = manager.client()
        self.ipc_dir = ipc_dir
        self.uid = uid
        #: The name of the kernel's control groups, if the machine offers them.
        self.cgroup = cgroup
        self.user_id: str | None = None
        self.busy = False
        self.last_used = time.monotonic()

    async def run(
        self, code: str, timeout_s: float, grading: dict[str, Any] | None = None
    ) -> RunResult:
        """Run ``code``, graded if ``grading`` gives hidden tests; raise if the kernel hangs."""
        content, metadata = execute_request(code, grading)
        request = self.client.session.msg("execute_request", content, metadata=metadata)
        self.client.shell_channel.send(request)
        msg_id = request["header"]["msg_id"]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                reply = await self.client.get_shell_msg(timeout=0.25)
            except Exception:  # queue.Empty: nothing yet; see whether the kernel still lives
                if not await self.manager.is_alive():
                    raise KernelDiedError("the kernel process ended") from None
                continue
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            return run_result(reply["content"])
        raise KernelDiedError("the kernel did not answer in time")

    async def shutdown(self) -> None:
        self.client.stop_channels()
        with contextlib.suppress(Exception):
            await self.manager.shutdown_kernel(now=True)
        shutil.rmtree(self.ipc_dir, ignore_errors=True)


class KernelPool:
    """Pre-started kernels, and the kernel each active user is running on.

    A kernel is never shared: it belongs to one user from their first run until it
    has been idle for ``idle_timeout_s`` or is replaced after a crash. Subclasses say
    where kernels run: ``SandboxKernelPool`` here, ``GatewayKernelPool`` on a gateway.
    """

    def __init__(
        self, *, warm_size: int, max_kernels: int, idle_timeout_s: float, log: logging.Logger
    ) -> None:
        self.warm_size = warm_size
        self.max_kernels = max_kernels
        self.idle_timeout_s = idle_timeout_s
        self.log = log
        self._warm: list[Any] = []
        self._assigned: dict[str, Any] = {}
        self._starting = 0
        self._lock = asyncio.Lock()
        self._refill_task: asyncio.Task[None] | None = None

    async def _start_kernel(self) -> Any:
        """Start one kernel and return it once it answers."""
        raise NotImplementedError

    async def _retire(self, kernel: Any) -> None:
        """Shut ``kernel`` down and give back what it held."""
        raise NotImplementedError

    async def _close(self) -> None:
        """Release what the pool itself holds, once every kernel is retired."""

    @property
    def size(self) -> int:
        return len(self._warm) + len(self._assigned) + self._starting

    def start(self) -> None:
        """Begin filling the warm pool in the background."""
        self._schedule_refill()

    async def kernel_for(self, user_id: str) -> Any:
        """Return the user's own kernel, giving them a warm one (or a new one) if needed."""
        async with self._lock:
            kernel = self._assigned.get(user_id)
            if kernel is None:
                kernel = await self._take_kernel()
                kernel.user_id = user_id
                self._assigned[user_id] = kernel
            kernel.last_used = time.monotonic()
        self._schedule_refill()
        return kernel

    async def discard(self, kernel: Any) -> None:
        """Shut down a kernel that crashed or misbehaved; its user gets a fresh one next time."""
        async with self._lock:
            if kernel.user_id is not None and self._assigned.get(kernel.user_id) is kernel:
                del self._assigned[kernel.user_id]
        await self._retire(kernel)
        self._schedule_refill()

    async def shutdown(self) -> None:
        """Stop every kernel; nothing of them is left running."""
        if self._refill_task is not None:
            self._refill_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._refill_task
        kernels = [*self._warm, *self._assigned.values()]
        self._warm.clear()
        self._assigned.clear()
        await asyncio.gather(*(self._retire(kernel) for kernel in kernels))
        await self._close()

    async def _take_kernel(self) -> Any:
        if self._warm:
            return self._warm.pop()
        await self._cull_idle(force_one=self.size >= self.max_kernels)
        if self.size >= self.max_kernels:
            raise ServiceUnavailableError(
                "every code runner is busy; try again shortly",
                retry_after_s=2,
                code="no_kernel_available",
            )
        try:
            return await self._start_kernel()
        except Exception as error:
            self.log.exception("could not start a sandboxed kernel")
            raise ServiceUnavailableError(
                "no code runner could be started; the server log says why",
                retry_after_s=5,
                code="kernel_start_failed",
            ) from error

    async def _cull_idle(self, *, force_one: bool = False) -> None:
        """Retire kernels idle too long; if ``force_one``, also the least recently used idle one."""
        now = time.monotonic()
        idle = sorted(
            (k for k in self._assigned.values() if not k.busy),
            key=lambda k: k.last_used,
        )
        retire = [k for k in idle if now - k.last_used > self.idle_timeout_s]
        if force_one and idle and not retire:
            retire = idle[:1]
        for kernel in retire:
            assert kernel.user_id is not None
            del self._assigned[kernel.user_id]
            await self._retire(kernel)

    def _schedule_refill(self) -> None:
        if self._refill_task is None or self._refill_task.done():
            self._refill_task = asyncio.get_running_loop().create_task(self._refill())

    async def _refill(self) -> None:
        while len(self._warm) + self._starting < self.warm_size and self.size < self.max_kernels:
            try:
                kernel = await self._start_kernel()
            except Exception:
                self.log.exception("could not start a sandboxed kernel")
                await asyncio.sleep(5)
                continue
            self._warm.append(kernel)


class SandboxKernelPool(KernelPool):
    """Kernels on this machine, each in its own sandbox (see kernels/learnflow-python)."""

    def __init__(
        self,
        *,
        protections: Protections,
        limits: dict[str, Any],
        warm_size: int,
        max_kernels: int,
        idle_timeout_s: float,
        uid_base: int,
        log: logging.Logger,
    ) -> None:
        super().__init__(
            warm_size=warm_size, max_kernels=max_kernels, idle_timeout_s=idle_timeout_s, log=log
        )
        self.protections = protections
        self.limits = limits
        self._policy = load_kernel_module("policy")
        self._specs = KernelSpecManager(kernel_dirs=[str(bundled_kernels_dir())])
        self._root = tempfile.mkdtemp(prefix="learnflow-kernels-")
        # Kernels running under their own uids must reach their directory below this one.
        os.chmod(self._root, 0o711)  # noqa: S103 - traverse only; nobody may list or write
        self._free_uids = list(range(uid_base, uid_base + max_kernels))

    async def _retire(self, kernel: SandboxedKernel) -> None:
        await kernel.shutdown()
        if self.protections.cgroups is not None:
            await asyncio.to_thread(self.protections.cgroups.remove, kernel.cgroup)
        if kernel.uid is not None:
            self._free_uids.append(kernel.uid)

    async def _start_kernel(self) -> SandboxedKernel:
        uid = self._free_uids.pop(0) if self.protections.separate_uids else None
        ipc_dir = tempfile.mkdtemp(prefix="k-", dir=self._root)
        cgroup = os.path.basename(ipc_dir)
        policy = self._policy.SandboxPolicy(
            ipc_dir=ipc_dir,
            bwrap=self.protections.bwrap,
            drop_to_uid=uid,
            limits={**self.limits, "sandboxed": bool(self.protections.bwrap)},
        )
        manager = AsyncKernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=self._specs,
            transport="ipc",
            ip=os.path.join(ipc_dir, "kernel"),
        )
        self._starting += 1
        try:
            if self.protections.cgroups is not None:
                memory_mb = SANDBOX_BASE_MEMORY_MB + policy.tmpfs_mb + self.limits["memory_mb"]
                procs = self.protections.cgroups.create(
                    cgroup,
                    memory_bytes=memory_mb * 1024 * 1024,
                    max_tasks=SANDBOX_BASE_TASKS + self.limits["max_processes"],
                )
                policy = dataclasses.replace(policy, cgroup_procs=procs)
            await manager.start_kernel(
                env={"LEARNFLOW_SANDBOX": policy.to_json(), "PATH": os.environ.get("PATH", "")}
            )
            # The client takes the connection details the started kernel was given.
            kernel = SandboxedKernel(manager, ipc_dir, uid, cgroup)
            kernel.client.start_channels()
            await kernel.client.wait_for_ready(timeout=60)
            # Only the shell channel is used from here on; the heartbeat would cost a thread.
            kernel.client.iopub_channel.stop()
            kernel.client.stdin_channel.stop()
            kernel.client.hb_channel.stop()
        except Exception:
            await self._retire(SandboxedKernel(manager, ipc_dir, uid, cgroup))
            raise
        finally:
            self._starting -= 1
        return kernel

    async def _close(self) -> None:
        if self.protections.cgroups is not None:
            self.protections.cgroups.close()
        shutil.rmtree(self._root, ignore_errors=True)
