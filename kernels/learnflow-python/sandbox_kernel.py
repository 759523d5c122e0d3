"""The LearnFlow sandbox kernel: an IPython kernel that runs every cell in a fresh process.

The kernel process itself never runs student code. For each execute request it
forks a child with a pristine copy of its own state (so nothing from an earlier
run survives: names, imports, patched modules, files), gives the child per-run
limits, runs the cell there with IPython, and collects its output. After the run
every other process in the sandbox is killed and the working directory removed.
The result's status (ok, error, timeout, memory_limit, output_limit, killed) is
returned in the execute reply under ``learnflow``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import resource
import selectors
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass

from ipykernel.ipkernel import IPythonKernel
from ipykernel.kernelapp import IPKernelApp
from IPython.core.displayhook import DisplayHook

ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Imported once in the kernel so that runs importing them start at once.
WARM_MODULES = (
    "collections", "datetime", "decimal", "fractions", "functools", "itertools", "json",
    "math", "random", "re", "statistics", "string", "textwrap", "time", "typing",
)  # fmt: skip


@dataclass(frozen=True)
class Limits:
    wall_time_s: float = 10.0
    cpu_time_s: float = 5.0
    memory_mb: int = 256
    max_processes: int = 64
    max_file_size_mb: int = 1
    max_output_bytes: int = 1024 * 1024
    #: True inside the bubblewrap sandbox, whose /tmp and processes are the kernel's alone.
    sandboxed: bool = True


@dataclass
class Outcome:
    status: str
    stdout: bytes
    stderr: bytes
    cpu_time_s: float
    note: str = ""


class TextDisplayHook(DisplayHook):
    """Write each cell result's ``text/plain`` to stdout, without prompts."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> None:
        print(format_dict.get("text/plain", ""))


class SandboxKernel(IPythonKernel):
    implementation = "learnflow-sandbox"
    implementation_version = "1"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.limits = Limits(**json.loads(os.environ.pop("LEARNFLOW_LIMITS", "{}")))
        for name in WARM_MODULES:
            __import__(name)
        self._warm_up_tracebacks()

    def _warm_up_tracebacks(self) -> None:
        """Format one traceback now, so that runs do not each load IPython's formatter."""
        self.shell.InteractiveTB.set_colors("NoColor")
        self.shell.InteractiveTB.set_mode("Plain")
        try:
            raise ValueError("warm-up")
        except ValueError:
            self.shell.InteractiveTB.structured_traceback(*sys.exc_info())

    async def do_execute(  # type: ignore[override]
        self, code: str, silent: bool, store_history: bool = True, *args: object, **kwargs: object
    ) -> dict:
        self.execution_count += 1
        outcome = run_isolated(self.shell, code, self.limits)

        stdout = outcome.stdout.decode("utf-8", "replace")
        stderr = ANSI_ESCAPES.sub("", outcome.stderr.decode("utf-8", "replace")) + outcome.note
        if not silent:
            if stdout:
                self.session.send(
                    self.iopub_socket,
                    "stream",
                    {"name": "stdout", "text": stdout},
                    parent=self.get_parent(),
                    ident=self._topic("stream"),
                )
            if stderr:
                self.session.send(
                    self.iopub_socket,
                    "stream",
                    {"name": "stderr", "text": stderr},
                    parent=self.get_parent(),
                    ident=self._topic("stream"),
                )
        reply: dict = {
            "status": "ok" if outcome.status == "ok" else "error",
            "execution_count": self.execution_count,
            "user_expressions": {},
            "payload": [],
            "learnflow": {
                "status": outcome.status,
                "stdout": stdout,
                "stderr": stderr,
                "cpu_time_s": outcome.cpu_time_s,
            },
        }
        if outcome.status != "ok":
            reply.update(ename=outcome.status, evalue=outcome.note.strip(), traceback=[])
        return reply


def run_isolated(shell: object, code: str, limits: Limits) -> Outcome:
    """Run ``code`` in a forked child under ``limits``; clean up everything it left."""
    workdir = tempfile.mkdtemp(prefix="run-", dir="/tmp" if limits.sandboxed else None)
    # Frozen objects are never touched by the child's garbage collector, so the pages
    # it shares with the kernel are not copied.
    gc.freeze()
    pipes = [os.pipe() for _ in range(3)]  # stdout, stderr, status
    pid = os.fork()
    if pid == 0:
        _child(shell, code, limits, workdir, [write for _read, write in pipes])
    for _read, write in pipes:
        os.close(write)
    try:
        return _supervise(pid, limits, [read for read, _write in pipes])
    finally:
        for read, _write in pipes:
            os.close(read)
        if limits.sandboxed:
            _kill_other_processes()
            _empty_tmp()
        else:
            # Without a PID namespace only the run's own session can be found again.
            _kill_session(pid)
            shutil.rmtree(workdir, ignore_errors=True)


def _child(shell: object, code: str, limits: Limits, workdir: str, writes: list[int]) -> None:
    status = "error"
    try:
        out, err, status_pipe = writes
        os.setsid()
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdout = sys.__stdout__ = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = sys.__stderr__ = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stdin = open(os.devnull)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _set_limits(limits)
        os.chdir(workdir)

        shell.displayhook = TextDisplayHook(shell=shell)
        shell.display_trap.hook = shell.displayhook
        shell.display_pub.publish = lambda data, *a, **k: print(data.get("text/plain", ""))
        shell._showtraceback = lambda _t, _v, stb: print("\n".join(stb), file=sys.stderr)
        result = shell.run_cell(code, store_history=False)

        if result.success:
            status = "ok"
        elif isinstance(result.error_in_exec, MemoryError):
            status = "memory_limit"
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(status_pipe, status.encode())
    finally:
        # Whatever happened, the child ends here and never returns into the kernel.
        os._exit(0)


def _set_limits(limits: Limits) -> None:
    cpu = max(1, int(limits.cpu_time_s + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    file_size = limits.max_file_size_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    # Address space counts the copy of the kernel the child starts as.
    memory = _address_space_bytes() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # Processes are counted per uid, and this sandbox's uid is its own: count what runs.
    processes = _task_count() + limits.max_processes
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _address_space_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _task_count() -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                count += len(os.listdir(f"/proc/{entry}/task"))
    return count


def _supervise(pid: int, limits: Limits, reads: list[int]) -> Outcome:
    out, err, status_pipe = reads
    started = time.monotonic()
    deadline = started + limits.wall_time_s
    pidfd = os.pidfd_open(pid)
    selector = selectors.DefaultSelector()
    selector.register(pidfd, selectors.EVENT_READ)
    for fd in (out, err):
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    captured = {out: bytearray(), err: bytearray()}
    stopped, exited = "", False

    while not stopped and not exited:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stopped = "timeout"
            break
        for key, _events in selector.select(remaining):
            if key.fd == pidfd:
                exited = True
            elif not _drain(key.fd, captured[key.fd], selector):
                pass
        if sum(map(len, captured.values())) > limits.max_output_bytes:
            stopped = "output_limit"

    if stopped:
        os.kill(pid, signal.SIGKILL)
    _pid, wait_status, usage = os.wait4(pid, 0)
    for fd in (out, err):
        if fd in selector.get_map():
            _drain(fd, captured[fd], selector)
    selector.close()
    os.close(pidfd)
    cpu_time_s = usage.ru_utime + usage.ru_stime
    status_bytes = _read_available(status_pipe)
    stdout, stderr = bytes(captured[out]), bytes(captured[err])
    if stopped == "output_limit":
        cut = limits.max_output_bytes
        return Outcome(
            "output_limit",
            stdout[:cut],
            stderr[: max(0, cut - len(stdout))],
            cpu_time_s,
            f"\nStopped: the program printed more than {cut} bytes.\n",
        )
    if stopped == "timeout":
        return Outcome(
            "timeout",
            stdout,
            stderr,
            cpu_time_s,
            f"\nStopped: the program ran longer than {limits.wall_time_s:g} s.\n",
        )
    if os.WIFSIGNALED(wait_status):
        signum = os.WTERMSIG(wait_status)
        if signum in (signal.SIGXCPU, signal.SIGKILL) and cpu_time_s >= limits.cpu_time_s - 0.05:
            return Outcome(
                "timeout",
                stdout,
                stderr,
                cpu_time_s,
                f"\nStopped: the program used more than {limits.cpu_time_s:g} s of CPU.\n",
            )
        return Outcome(
            "killed",
            stdout,
            stderr,
            cpu_time_s,
            f"\nStopped: the program crashed ({signal.Signals(signum).name}).\n",
        )
    status = status_bytes.decode() or "killed"
    note = ""
    if status == "memory_limit":
        note = f"\nStopped: the program used more than {limits.memory_mb} MB of memory.\n"
    elif status == "killed":
        note = "\nStopped: the program ended the interpreter before finishing.\n"
    return Outcome(status, stdout, stderr, cpu_time_s, note)  # fmt: skip


def _drain(fd: int, buffer: bytearray, selector: selectors.BaseSelector) -> bool:
    """Read what ``fd`` holds into ``buffer``; unregister it at end of file."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not chunk:
            selector.unregister(fd)
            return False
        buffer += chunk


def _read_available(fd: int) -> bytes:
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 64)
    except BlockingIOError:
        return b""


def _kill_other_processes() -> None:
    """Kill every process of the sandbox but its init and this kernel, however they hid."""
    me = os.getpid()
    for _round in range(50):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        others = [pid for pid in others if _is_mine(pid)]
        if not others:
            return
        for pid in others:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _reap()
        time.sleep(0.002)


def _kill_session(session_id: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(session_id, signal.SIGKILL)
    _reap()


def _is_mine(pid: int) -> bool:
    try:
        return os.stat(f"/proc/{pid}").st_uid == os.getuid()
    except OSError:
        return False


def _reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _empty_tmp() -> None:
    for entry in os.listdir("/tmp"):
        path = os.path.join("/tmp", entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=SandboxKernel)
