"""The LearnFlow sandbox kernel: an IPython kernel that runs every cell in a fresh process.

The kernel process itself never runs student code. Ahead of each execute request it
forks a child, a pristine copy of its own state (so nothing from an earlier run
survives: names, imports, patched modules, files), which sets its per-run limits and
waits for the cell. The cell runs there with IPython; the kernel collects its output,
replies, and then kills every other process in the sandbox, removes the working
directory and forks the child for the next run. The result's status (ok, error,
timeout, memory_limit, output_limit, killed) is returned in the execute reply under
``learnflow``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
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

PR_SET_DUMPABLE = 4
ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Imported once in the kernel so that runs importing them start at once.
WARM_MODULES = (
    "collections", "datetime", "decimal", "fractions", "functools", "itertools", "json",
    "math", "random", "re", "statistics", "string", "textwrap", "time", "typing",
)  # fmt: skip


# What a run's own process may report; every other outcome the kernel observes itself.
REPORTED_STATUSES = ("ok", "error", "memory_limit")
# Exit codes no program uses by chance, so that os._exit(0) in a cell is not taken for
# a finished run.
EXIT_CODES = {"ok": 80, "error": 81, "memory_limit": 83}


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
        # Runs are forked from this process: they must not read its memory through /proc.
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        # The connection file holds the key to this kernel's sockets; runs need not see it.
        with contextlib.suppress(Exception):
            os.unlink(self.parent.abs_connection_file)
        for name in WARM_MODULES:
            __import__(name)
        self._warm_up_tracebacks()
        self._warm_up_cells()
        self._next_run: RunSlot | None = None
        self._spent_run: RunSlot | None = None

    def _warm_up_tracebacks(self) -> None:
        """Format one traceback now, so that runs do not each load IPython's formatter."""
        self.shell.InteractiveTB.set_colors("NoColor")
        self.shell.InteractiveTB.set_mode("Plain")
        try:
            raise ValueError("warm-up")
        except ValueError:
            self.shell.InteractiveTB.structured_traceback(*sys.exc_info())

    def _warm_up_cells(self) -> None:
        """Run IPython's cell machinery once, so each run's child finds it compiled."""
        self.shell.run_cell("_learnflow_warm_up = [1]\n_learnflow_warm_up", store_history=False,
                            silent=True)  # fmt: skip
        self.shell.user_ns.pop("_learnflow_warm_up", None)

    async def do_execute(  # type: ignore[override]
        self, code: str, silent: bool, store_history: bool = True, *args: object, **kwargs: object
    ) -> dict:
        self.execution_count += 1
        self._recycle()
        slot, self._next_run = self._next_run, None
        assert slot is not None
        try:
            outcome = slot.run(code, self.limits)
        except Exception as error:  # the kernel must answer whatever the run did
            self.log.exception("LearnFlow sandbox: a run could not be supervised")
            outcome = Outcome("killed", b"", b"", 0.0, f"\nStopped: {error}\n")
        self._spent_run = slot
        # Clean up and prepare the next run as soon as this reply has been sent.
        asyncio.get_running_loop().call_soon(self._recycle)

        stdout = outcome.stdout.decode("utf-8", "replace")
        stderr = ANSI_ESCAPES.sub("", outcome.stderr.decode("utf-8", "replace")) + outcome.note
        if not silent:
            for name, text in (("stdout", stdout), ("stderr", stderr)):
                if text:
                    self.session.send(
                        self.iopub_socket,
                        "stream",
                        {"name": name, "text": text},
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

    def _recycle(self) -> None:
        """Remove every trace of the last run, and fork the child for the next one."""
        if self._spent_run is not None:
            self._spent_run.clean_up(self.limits)
            self._spent_run = None
        if self._next_run is None:
            self._next_run = RunSlot.fork(self.shell, self.limits)


class RunSlot:
    """A forked child waiting for one cell, with the pipes to talk to it."""

    def __init__(self, pid: int, workdir: str, code: int, reads: list[int]) -> None:
        self.pid = pid
        self.workdir = workdir
        self.code = code
        self.out, self.err, self.status = reads

    @classmethod
    def fork(cls, shell: object, limits: Limits) -> RunSlot:
        workdir = tempfile.mkdtemp(prefix="run-", dir="/tmp" if limits.sandboxed else None)
        # Frozen objects are never touched by the child's garbage collector, so the pages
        # it shares with the kernel are not copied.
        gc.freeze()
        code_read, code_write = os.pipe()
        pipes = [os.pipe() for _ in range(3)]  # stdout, stderr, status
        pid = os.fork()
        if pid == 0:
            os.close(code_write)
            for read, _write in pipes:
                os.close(read)
            _child(shell, limits, workdir, code_read, [write for _read, write in pipes])
        os.close(code_read)
        for _read, write in pipes:
            os.close(write)
        return cls(pid, workdir, code_write, [read for read, _write in pipes])

    def run(self, code: str, limits: Limits) -> Outcome:
        """Hand the child ``code`` and collect what it prints until it reports its status."""
        started = time.monotonic()
        try:
            with open(self.code, "wb", closefd=False) as pipe:
                pipe.write(code.encode())
        except BrokenPipeError:
            pass  # the child is gone; the supervision below reports it
        os.close(self.code)
        return _supervise(self.pid, started, limits, self.out, self.err, self.status)

    def clean_up(self, limits: Limits) -> None:
        for fd in (self.out, self.err, self.status):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        if limits.sandboxed:
            _kill_other_processes()
            _empty_tmp()
        else:
            # Without a PID namespace only the run's own session can be found again.
            _kill_session(self.pid)
            shutil.rmtree(self.workdir, ignore_errors=True)
        _reap()


def _child(shell: object, limits: Limits, workdir: str, code_pipe: int, writes: list[int]) -> None:
    exit_code = EXIT_CODES["error"]
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
        with open(code_pipe, "rb") as pipe:
            code = pipe.read().decode("utf-8", "replace")
        run_pid = os.getpid()

        result = shell.run_cell(code, store_history=False)

        status = "ok" if result.success else "error"
        if isinstance(result.error_in_exec, MemoryError):
            status = "memory_limit"
        # Processes the cell forked return here too, and the cell may have replaced any
        # module: only the run's own process reports, and without help from its modules.
        if os.getpid() == run_pid:
            sys.stdout.flush()
            sys.stderr.flush()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            os.write(status_pipe, f"{status} {cpu:.6f}\n".encode("ascii"))
            exit_code = EXIT_CODES[status]
    finally:
        # Whatever happened, the child ends here and never returns into the kernel. The
        # exit code repeats the status, for when the program garbled the status pipe.
        os._exit(exit_code)


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


def _supervise(
    pid: int, started: float, limits: Limits, out: int, err: int, status_pipe: int
) -> Outcome:
    """Collect the child's output until it reports, dies, or breaks a limit."""
    deadline = started + limits.wall_time_s
    pidfd = os.pidfd_open(pid)
    selector = selectors.DefaultSelector()
    for fd in (pidfd, out, err, status_pipe):
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    captured = {out: bytearray(), err: bytearray(), status_pipe: bytearray()}
    stopped, finished = "", False
    while not stopped and not finished:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stopped = "timeout"
            break
        for key, _events in selector.select(remaining):
            if key.fd == pidfd:
                finished = True
            else:
                at_end = not _drain(key.fd, captured[key.fd], selector)
                # The run is over once it reported validly, without waiting for it to exit;
                # anything else on the pipe waits for the process to end.
                reported = _reported_status(bytes(captured[status_pipe]))[0] is not None
                if key.fd == status_pipe and (at_end or reported):
                    finished = True
        if len(captured[out]) + len(captured[err]) > limits.max_output_bytes:
            stopped = "output_limit"
    for fd in (out, err, status_pipe):
        if fd in selector.get_map():
            _drain(fd, captured[fd], selector)
    selector.close()

    report, cpu_time_s = _reported_status(bytes(captured[status_pipe]))
    os.close(pidfd)
    stdout, stderr = bytes(captured[out]), bytes(captured[err])
    if report is not None and not stopped:
        # The run reported; its process is only exiting, and clean_up collects it later.
        return _outcome("", report, 0, stdout, stderr, cpu_time_s, limits)

    # The child is stopped here or already dead: learn how it ended.
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _pid, wait_status, usage = os.wait4(pid, 0)
    cpu_time_s = usage.ru_utime + usage.ru_stime
    signum = 0
    if not stopped:
        if os.WIFSIGNALED(wait_status):
            signum = os.WTERMSIG(wait_status)
        else:
            exited_with = os.WEXITSTATUS(wait_status)
            report = next((st for st, code in EXIT_CODES.items() if code == exited_with), None)
    return _outcome(stopped, report, signum, stdout, stderr, cpu_time_s, limits)


def _reported_status(text: bytes) -> tuple[str | None, float]:
    """Return the status and CPU time the child reported on its first line, if valid."""
    status, _, cpu = text.split(b"\n", 1)[0].decode("ascii", "replace").partition(" ")
    try:
        cpu_time_s = float(cpu)
    except ValueError:
        return None, 0.0
    if status not in REPORTED_STATUSES or not 0 <= cpu_time_s < 1e6:
        return None, 0.0
    return status, cpu_time_s


def _outcome(
    stopped: str,
    report: str | None,
    signum: int,
    stdout: bytes,
    stderr: bytes,
    cpu_time_s: float,
    limits: Limits,
) -> Outcome:
    if stopped == "output_limit":
        cut = limits.max_output_bytes
        note = f"\nStopped: the program printed more than {cut} bytes.\n"
        return Outcome("output_limit", stdout[:cut], stderr[: max(0, cut - len(stdout))],
                       cpu_time_s, note)  # fmt: skip
    if stopped == "timeout":
        note = f"\nStopped: the program ran longer than {limits.wall_time_s:g} s.\n"
        return Outcome("timeout", stdout, stderr, cpu_time_s, note)
    if report is not None:
        note = ""
        if report == "memory_limit":
            note = f"\nStopped: the program used more than {limits.memory_mb} MB of memory.\n"
        return Outcome(report, stdout, stderr, cpu_time_s, note)
    if signum in (signal.SIGXCPU, signal.SIGKILL) and cpu_time_s >= limits.cpu_time_s - 0.05:
        note = f"\nStopped: the program used more than {limits.cpu_time_s:g} s of CPU.\n"
        return Outcome("timeout", stdout, stderr, cpu_time_s, note)
    if signum:
        note = f"\nStopped: the program crashed ({signal.Signals(signum).name}).\n"
        return Outcome("killed", stdout, stderr, cpu_time_s, note)
    note = "\nStopped: the program ended the interpreter before finishing.\n"
    return Outcome("killed", stdout, stderr, cpu_time_s, note)


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


def _kill_other_processes() -> None:
    """Kill every process of the sandbox but its init and this kernel, however they hid.

    The sandbox has its own PID namespace: every other process in it is a run's.
    """
    me = os.getpid()
    for _round in range(50):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
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


def _reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _unlock(directory: str) -> None:
    """Make every directory below ``directory`` readable and writable by its owner again."""
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.chmod(entry.path, 0o700)
                _unlock(entry.path)


def _empty_tmp() -> None:
    """Delete everything in /tmp, first giving back the rights a run may have taken away."""
    _unlock("/tmp")
    for entry in os.listdir("/tmp"):
        path = os.path.join("/tmp", entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=SandboxKernel)
