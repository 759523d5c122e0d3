"""The runner: a small process in the sandbox that runs each cell in a fresh child.

The kernel starts it and hands it cells over a socket. It loads no IPython, only
Python and the standard library modules students use most, so forking it is cheap.
Ahead of each cell it forks a child, a pristine copy of itself (nothing of an earlier
run survives: names, imports, patched modules, files), which sets its per-run limits
and waits. The cell runs there like a notebook cell: plain Python, with the value of a
last expression printed. The runner collects the child's output, answers the kernel,
and then kills every other process in the sandbox, empties the working directory and
forks the child for the next cell.

    runner.py SOCKET_FD        (limits in the LEARNFLOW_LIMITS environment variable)

Messages on the socket are JSON documents, each preceded by its length (4 bytes, big
endian). The kernel sends ``{"code": ...}``; the runner answers with an outcome:
``status`` (ok, error, timeout, memory_limit, output_limit, killed), ``stdout``,
``stderr``, ``cpu_time_s`` and ``tests``.

To grade a submission the kernel also sends ``"grading": {"tests", "names"}``: the
exercise's hidden tests and the names of their test functions. The child then hands
the run to ``grader.py``. ``tests`` in the outcome lists
``{"name", "passed", "message"}`` for each test, in source order; it is None for plain
runs and when the child could not report them, which counts as a failure.

The child reports on a pipe of its own, in one line that starts with a random token
the runner gave it with the code; whatever else a program writes there is ignored.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import errno
import functools
import gc
import json
import linecache
import marshal
import os
import re
import resource
import secrets
import selectors
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
import types
from dataclasses import asdict, dataclass, field

# Started with -I, so this directory is not on sys.path by itself.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grader import EXIT_CODES, print_exception, report_line

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# The kernel enforces RLIMIT_CPU on tick-sampled CPU time, which on a busy machine can
# run ahead of the exact time wait4() reports afterwards: a run killed for its CPU
# limit may show a little less than the limit.
CPU_LIMIT_MARGIN = 0.9
# Imported once by the runner so that runs importing them start at once.
WARM_MODULES = (
    "collections", "datetime", "decimal", "fractions", "functools", "itertools", "json",
    "math", "random", "re", "statistics", "string", "textwrap", "time", "typing",
)  # fmt: skip
# The file name tracebacks give the cell's own lines.
CELL = "<cell>"
# The most a child may write on its report pipe; more stops the run.
MAX_REPORT_BYTES = 1024 * 1024

# What a run's own process may report; every other outcome the runner observes itself.
REPORTED_STATUSES = ("ok", "error", "memory_limit")
# The program that grades submissions, in a fresh process of its own.
GRADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grader.py")
# Scheduling priority of the runner and its runs, below the server's and the kernels'.
RUN_NICENESS = 5
HEADER = struct.Struct(">I")
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


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
    stdout: str
    stderr: str
    cpu_time_s: float
    #: Each hidden test's ``{"name", "passed", "message"}`` when grading, else None.
    tests: list[dict] | None = field(default=None)


# -- messages between the kernel and the runner ----------------------------------------------------


def send_message(channel: socket.socket, document: dict) -> None:
    body = json.dumps(document).encode()
    channel.sendall(HEADER.pack(len(body)) + body)


def receive_message(channel: socket.socket) -> dict | None:
    """Return the next message, or None if the other side has closed the socket."""
    header = _receive_exactly(channel, HEADER.size)
    if header is None:
        return None
    (length,) = HEADER.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        raise ValueError(f"a message of {length} bytes is too long")
    body = _receive_exactly(channel, length)
    if body is None:
        return None
    return json.loads(body)


def _receive_exactly(channel: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = channel.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


# -- running one cell, in the child ----------------------------------------------------------------


def run_cell(code: str, namespace: dict | None = None) -> str:
    """Run ``code`` as a notebook cell in ``namespace``; return the status to report.

    Like a notebook, the value of a last expression is printed, unless the cell ends
    with a semicolon. Exceptions print a traceback that starts at the cell.
    """
    linecache.cache[CELL] = (len(code), None, code.splitlines(keepends=True), CELL)
    if namespace is None:
        namespace = {"__name__": "__main__", "__builtins__": builtins}
    stderr = sys.stderr
    try:
        tree = ast.parse(code, CELL)
        last = []
        if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
            last = [tree.body.pop()]
        exec(compile(tree, CELL, "exec"), namespace)  # noqa: S102 - running the cell is the point
        if last:
            # "single" mode passes the value to sys.displayhook, as Python's own prompt does.
            exec(compile(ast.Interactive(last), CELL, "single"), namespace)  # noqa: S102
    except BaseException as error:  # whatever the program raised is its own result
        print_exception(error, stderr, CELL)
        return "memory_limit" if isinstance(error, MemoryError) else "error"
    return "ok"


def _child(limits: Limits, workdir: str, code_pipe: int, writes: list[int]) -> None:
    exit_code, leave = EXIT_CODES["error"], os._exit
    try:
        out, err, status_pipe = writes
        os.setsid()
        os.dup2(out, 1)
        os.dup2(err, 2)
        # Keep nothing else of the runner: above all not its socket to the kernel.
        keep = sorted({code_pipe, status_pipe})
        os.closerange(3, keep[0])
        for low, high in zip(keep, [*keep[1:], 65536], strict=True):
            os.closerange(low + 1, high)
        sys.stdout = sys.__stdout__ = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = sys.__stderr__ = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stdin = sys.__stdin__ = open(os.devnull)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _set_limits(limits)
        os.chdir(workdir)
        with open(code_pipe, "rb") as pipe:
            request = json.loads(pipe.read())
        token, code, grading = request["token"], request["code"], request.get("grading")
        if grading is not None:
            _become_grader(code, grading, token, status_pipe)
        # The program's module is its own, not the runner's.
        main = types.ModuleType("__main__")
        sys.modules["__main__"] = main
        main.__builtins__ = builtins  # type: ignore[attr-defined]
        # The program may replace any module: what is needed after it is taken now.
        run_pid, getpid, write, usage = os.getpid(), os.getpid, os.write, resource.getrusage

        status = run_cell(code, main.__dict__)
        # Processes the cell forked return here too: only the run's own process reports.
        if getpid() == run_pid:
            spent = usage(resource.RUSAGE_SELF)
            cpu_time_s = spent.ru_utime + spent.ru_stime
            write(status_pipe, report_line(token, status, cpu_time_s, []))
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            exit_code = EXIT_CODES[status]
    finally:
        # Whatever happened, the child ends here and never returns into the runner. The
        # exit code repeats the status, for when the program garbled the status pipe.
        leave(exit_code)


def _become_grader(code: str, grading: dict, token: str, report: int) -> None:
    """Replace this child with a fresh Python that grades the request (see grader.py).

    The new program holds none of what the runner loaded (ctypes, above all, which reads
    any memory). Installing signal handlers is refused for it first, where seccomp is
    available, since a handler is given the frame it interrupts.
    """
    document = {
        "code": code,
        "tests": str(grading["tests"]),
        "names": [str(name) for name in grading["names"]],
        "token": token,
        "signal_handlers_refused": _load_filter(signal_handler_filter()),
    }
    # An anonymous file: it has no name to open again once the grader has closed it.
    descriptor = os.memfd_create("learnflow-grading", 0)
    with open(descriptor, "wb", closefd=False) as sink:
        sink.write(marshal.dumps(document))
    os.lseek(descriptor, 0, os.SEEK_SET)
    os.set_inheritable(descriptor, True)
    os.set_inheritable(report, True)
    # -S: only the standard library, none of the environment's packages.
    os.execv(sys.executable, [sys.executable, "-I", "-S", GRADER, str(descriptor), str(report)])


@functools.cache
def signal_handler_filter() -> bytes:
    """Return a seccomp program refusing new signal handlers, or b"" without seccomp.

    The runner compiles it once, so that each child that grades only loads it.
    """
    try:
        import pyseccomp
    except ImportError:
        return b""
    rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    # sigaction with a new action; asking for the current one stays possible.
    new_action = pyseccomp.Arg(1, pyseccomp.NE, 0)
    rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "rt_sigaction", new_action)
    descriptor = os.memfd_create("learnflow-filter", 0)
    with open(descriptor, "wb+") as program:
        rules.export_bpf(program)
        program.seek(0)
        return program.read()


def _load_filter(program: bytes) -> bool:
    """Apply a compiled seccomp ``program`` to this process; False if there is none."""
    if not program:
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    instructions = ctypes.create_string_buffer(program, len(program))
    # struct sock_fprog { unsigned short len; struct sock_filter *filter; }
    fprog = struct.pack("HxxxxxxP", len(program) // 8, ctypes.addressof(instructions))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.prctl(
        PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0
    ):
        raise OSError(ctypes.get_errno(), "could not load the seccomp filter")
    return True


def _set_limits(limits: Limits) -> None:
    cpu = max(1, int(limits.cpu_time_s + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    file_size = limits.max_file_size_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    # Address space counts the copy of the runner the child starts as.
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


# -- the child's life, seen from the runner --------------------------------------------------------


class RunSlot:
    """A forked child waiting for one cell, with the pipes to talk to it."""

    def __init__(self, pid: int, workdir: str, code: int, reads: list[int]) -> None:
        self.pid = pid
        self.workdir = workdir
        self.code = code
        self.out, self.err, self.status = reads

    @classmethod
    def fork(cls, limits: Limits) -> RunSlot:
        workdir = tempfile.mkdtemp(prefix="run-", dir="/tmp" if limits.sandboxed else None)
        # Frozen objects are never touched by the child's garbage collector, so the pages
        # it shares with the runner are not copied.
        gc.freeze()
        code_read, code_write = os.pipe()
        pipes = [os.pipe() for _ in range(3)]  # stdout, stderr, status
        pid = os.fork()
        if pid == 0:
            os.close(code_write)
            for read, _write in pipes:
                os.close(read)
            _child(limits, workdir, code_read, [write for _read, write in pipes])
        os.close(code_read)
        for _read, write in pipes:
            os.close(write)
        return cls(pid, workdir, code_write, [read for read, _write in pipes])

    def run(self, code: str, limits: Limits, grading: dict | None = None) -> Outcome:
        """Hand the child ``code`` (and ``grading`` to grade it) and collect what it reports."""
        started = time.monotonic()
        token = secrets.token_hex(16)
        request = {"code": code, "grading": grading, "token": token}
        try:
            with open(self.code, "wb", closefd=False) as pipe:
                pipe.write(json.dumps(request).encode())
        except BrokenPipeError:
            pass  # the child is gone; the supervision below reports it
        os.close(self.code)
        outcome = _supervise(self.pid, started, limits, self.out, self.err, self.status, token)
        if grading is None:
            outcome.tests = None
        return outcome

    def clean_up(self, limits: Limits) -> None:
        for fd in (self.out, self.err, self.status):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        if limits.sandboxed:
            clean_up_sandbox()
        else:
            # Without a PID namespace only the run's own session can be found again.
            _kill_session(self.pid)
            shutil.rmtree(self.workdir, ignore_errors=True)
        _reap()


def _supervise(
    pid: int, started: float, limits: Limits, out: int, err: int, status_pipe: int, token: str
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
                if key.fd == status_pipe and (
                    at_end or _report(bytes(captured[status_pipe]), token) is not None
                ):
                    finished = True
        if len(captured[out]) + len(captured[err]) > limits.max_output_bytes:
            stopped = "output_limit"
        if len(captured[status_pipe]) > MAX_REPORT_BYTES:
            stopped = "output_limit"
    for fd in (out, err, status_pipe):
        if fd in selector.get_map():
            _drain(fd, captured[fd], selector)
    selector.close()

    reported = _report(bytes(captured[status_pipe]), token)
    os.close(pidfd)
    stdout, stderr = bytes(captured[out]), bytes(captured[err])
    if reported is not None and not stopped:
        # The run reported; its process is only exiting, and clean_up collects it later.
        report, cpu_time_s, tests = reported
        outcome = _outcome("", report, 0, stdout, stderr, cpu_time_s, limits)
        outcome.tests = tests
        return outcome

    # The child is stopped here or already dead: learn how it ended.
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _pid, wait_status, usage = os.wait4(pid, 0)
    cpu_time_s = usage.ru_utime + usage.ru_stime
    signum, report = 0, None
    if not stopped:
        if os.WIFSIGNALED(wait_status):
            signum = os.WTERMSIG(wait_status)
        else:
            exited_with = os.WEXITSTATUS(wait_status)
            report = next((st for st, code in EXIT_CODES.items() if code == exited_with), None)
    return _outcome(stopped, report, signum, stdout, stderr, cpu_time_s, limits)


def _report(text: bytes, token: str) -> tuple[str, float, list[dict]] | None:
    """Return the status, CPU time and test results of the child's report, if it made one.

    The report is the first whole line that starts with the run's token; anything else
    a program wrote on the pipe is ignored.
    """
    prefix = f"{token} ".encode()
    for line in text.split(b"\n")[:-1]:
        if line.startswith(prefix):
            return _parse_report(line[len(prefix) :].decode("utf-8", "replace"))
    return None


def _parse_report(line: str) -> tuple[str, float, list[dict]] | None:
    status, _, rest = line.partition(" ")
    cpu, _, results = rest.partition(" ")
    try:
        cpu_time_s = float(cpu)
        tests = ast.literal_eval(results)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if status not in REPORTED_STATUSES or not 0 <= cpu_time_s < 1e6:
        return None
    if not isinstance(tests, list) or not all(
        isinstance(test, tuple)
        and len(test) == 3
        and isinstance(test[0], str)
        and isinstance(test[1], bool)
        and isinstance(test[2], str)
        for test in tests
    ):
        return None
    return status, cpu_time_s, [{"name": n, "passed": p, "message": m} for n, p, m in tests]


def _outcome(
    stopped: str,
    report: str | None,
    signum: int,
    stdout: bytes,
    stderr: bytes,
    cpu_time_s: float,
    limits: Limits,
) -> Outcome:
    note = ""
    status = report or "killed"
    if stopped == "output_limit":
        cut = limits.max_output_bytes
        stdout, stderr = stdout[:cut], stderr[: max(0, cut - len(stdout))]
        status, note = stopped, f"the program printed more than {cut} bytes"
    elif stopped == "timeout":
        status, note = stopped, f"the program ran longer than {limits.wall_time_s:g} s"
    elif report == "memory_limit":
        note = f"the program used more than {limits.memory_mb} MB of memory"
    elif report is not None:
        pass
    elif signum in (signal.SIGXCPU, signal.SIGKILL) and cpu_time_s >= (
        limits.cpu_time_s * CPU_LIMIT_MARGIN
    ):
        status, note = "timeout", f"the program used more than {limits.cpu_time_s:g} s of CPU"
    elif signum:
        note = f"the program crashed ({signal.Signals(signum).name})"
    else:
        note = "the program ended the interpreter before finishing"
    errors = ANSI_ESCAPES.sub("", stderr.decode("utf-8", "replace"))
    if note:
        errors += f"\nStopped: {note}.\n"
    return Outcome(status, stdout.decode("utf-8", "replace"), errors, cpu_time_s)


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


# -- cleaning up after a run -----------------------------------------------------------------------


def clean_up_sandbox() -> None:
    """Kill every process a run left in the sandbox and empty /tmp."""
    _kill_other_processes()
    _empty_tmp()


def _kill_other_processes() -> None:
    """Kill every process of the sandbox but its init, the kernel and this runner.

    The sandbox has its own PID namespace: every other process in it is a run's, however
    it hid (double-forked, in a session of its own).
    """
    spared = {1, os.getppid(), os.getpid()}
    for _round in range(50):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in spared]
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


# -- the runner's loop -----------------------------------------------------------------------------


def serve(channel: socket.socket, limits: Limits) -> None:
    """Run each cell the kernel sends, until the kernel closes the socket."""
    if limits.sandboxed:
        # A runner that a program killed may have left that program running.
        clean_up_sandbox()
    slot = RunSlot.fork(limits)
    try:
        while (request := receive_message(channel)) is not None:
            code, grading = str(request["code"]), request.get("grading")
            try:
                outcome = slot.run(code, limits, grading)
            except Exception as error:  # the kernel must get an answer whatever the run did
                outcome = Outcome("killed", "", f"\nStopped: {error}\n", 0.0)
            send_message(channel, asdict(outcome))
            # Clean up and prepare the next run once the kernel has its answer.
            slot.clean_up(limits)
            slot = RunSlot.fork(limits)
    finally:
        slot.clean_up(limits)


def _warm_up() -> None:
    """Load what every run needs, so that each child finds it ready."""
    for name in WARM_MODULES:
        __import__(name)
    signal_handler_filter()
    with (
        open(os.devnull, "w") as devnull,
        contextlib.redirect_stdout(devnull),
        contextlib.redirect_stderr(devnull),
    ):
        run_cell("_warm = [1]\n_warm")
        run_cell("raise ValueError('warm-up')")
    linecache.cache.pop(CELL, None)


def main(argv: list[str]) -> None:
    # Imported here, not at the top, to keep raw memory access out of the runner's globals,
    # which a graded program can reach.
    import ctypes

    libc = ctypes.CDLL(None)
    # Runs are forked from this process: they must not read its memory through /proc.
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    # The runner never outlives its kernel.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    limits = Limits(**json.loads(os.environ.pop("LEARNFLOW_LIMITS", "{}")))
    channel = socket.socket(fileno=int(argv[0]))
    # Runs yield the processor to the server and to kernels answering other students.
    os.nice(RUN_NICENESS)
    _warm_up()
    serve(channel, limits)


if __name__ == "__main__":
    main(sys.argv[1:])
