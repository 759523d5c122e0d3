"""The grader: a fresh Python process that runs a submission, then its hidden tests.

    python -I -S grader.py DOCUMENT_FD REPORT_FD

The runner's child becomes this program (``execv``) when it is given hidden tests, so
nothing the runner loaded is in its memory. It reads ``{"code", "tests", "names",
"token", "signal_handlers_refused"}`` (``marshal``) from the anonymous file
DOCUMENT_FD and closes it; ``names`` are the test functions, as the runner found them.
It imports as little as it can, to start in a few milliseconds. The
program runs first, as a script in a fresh ``__main__``; then the tests cells run, and
each ``test_*`` function they define is called in source order. The outcome goes back
as one line on REPORT_FD that starts with the run's token:

    <token> <status> <cpu seconds> [(name, passed, message), ...]

The program and the tests share this process, so what the program could use to change
that line is taken away before it runs:

- the grader binds everything it calls beforehand, restores the built-ins and its own
  globals after the program and after every test, and gives the tests a private copy
  of the original built-ins and only the program's own names;
- an audit hook refuses, for the whole run, the ways into the grader's frames and
  memory: ``sys._getframe`` and the like, the frames of tracebacks and generators,
  ``gc``'s object lists, trace and profile functions, more audit hooks, new code
  objects, ``/proc`` (memory and open files), new links, starting programs, and every
  module outside the standard library or able to read raw memory (``ctypes``) or start
  a second interpreter;
- the runner's seccomp filter, where the sandbox has seccomp, refuses new signal
  handlers, which are given the frame they interrupt;
- a program that leaves a thread running is not graded.

Only the run's own process reports, never a process the program forked. What a
program prints is its output, never its grade. What remains possible is corrupting the
interpreter's memory with crafted bytecode, which is beyond a student's reach in
practice; every submission's code is kept for teachers to read.
"""

from __future__ import annotations

import _thread
import builtins
import gc
import marshal
import os
import resource
import signal
import sys
import types

# Exit codes no program uses by chance, so that os._exit(0) is not taken for a finished run.
EXIT_CODES = {"ok": 80, "error": 81, "memory_limit": 83}
SUBMISSION = "<submission>"
TESTS = "<tests>"
# The longest message reported for one test.
MAX_TEST_MESSAGE_CHARS = 500
# Audit events that lead into the grader's frames or memory, or past the guard itself.
REFUSED_EVENTS = frozenset(
    {
        "sys._getframe",
        "sys._current_frames",
        "sys._current_exceptions",
        "sys.settrace",
        "sys.setprofile",
        "sys.addaudithook",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        # A code object built by hand can read and write any memory.
        "code.__new__",
        "os.symlink",
        "os.link",
        # A new program would be outside this process's audit hook.
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.system",
        "os.forkpty",
        "pty.spawn",
        "subprocess.Popen",
    }
)
REFUSED_EVENT_PREFIXES = ("ctypes.", "cpython._xxsubinterpreters.", "sqlite3.")
# Attributes that hand out a frame: of a traceback, a generator or a coroutine.
REFUSED_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
# Standard modules that read raw memory, start programs or a second interpreter.
REFUSED_MODULES = frozenset(
    {"ctypes", "_ctypes", "_posixsubprocess", "_xxsubinterpreters", "_xxinterpchannels"}
)
ALLOWED_MODULES = frozenset(sys.stdlib_module_names) - REFUSED_MODULES - {"__main__"}


class InspectionRefusedError(RuntimeError, ValueError):
    """Raised for what a graded program may not do: look into the grader.

    It is a ValueError too: the standard library's callers of ``sys._getframe``
    (``namedtuple``, ``enum``, ``typing``, ``logging``) take one to mean "no frame".
    """


def inspection_guard(state: list[bool]) -> object:
    """Return an audit hook refusing ways into the grader while ``state[0]`` is true.

    It notes in ``state[1]`` that the program tried to add an audit hook, and lets
    tracebacks be read while ``state[2]`` is true. Everything it uses is bound here,
    since the program may replace any global or built-in.
    """
    events, prefixes, attributes = REFUSED_EVENTS, REFUSED_EVENT_PREFIXES, REFUSED_ATTRIBUTES
    allowed, forbidden, current_directory = ALLOWED_MODULES, REFUSED_MODULES, os.getcwd
    refused, missing, text, data, number = (
        InspectionRefusedError,
        ModuleNotFoundError,
        str,
        bytes,
        int,
    )

    def in_proc(path: object) -> bool:
        """Tell whether ``path`` names something below /proc, with string operations only."""
        if path.__class__ is data:
            path = path.decode("utf-8", "replace")
        if path.__class__ is not text:
            return True  # a path object could name one file here and another when opened
        if path[:1] != "/":
            path = current_directory() + "/" + path
        parts: list[str] = []
        for part in path.split("/"):
            if part == "..":
                parts[-1:] = []
            elif part not in ("", "."):
                parts.append(part)
        return parts[:1] == ["proc"]

    def guard(event: str, args: tuple) -> None:
        if not state[0]:
            return
        if event == "sys.addaudithook":
            state[1] = True
        if event in events or event.startswith(prefixes):
            raise refused(f"{event} is not available to a graded program")
        printing = state[2] and args[1:2] == ("tb_frame",)
        if event == "object.__getattr__" and args[1] in attributes and not printing:
            raise refused(f"{args[1]} is not available to a graded program")
        # Replacing a function's code would change what the grader runs.
        if event == "object.__setattr__" and args[1] == "__code__":
            raise refused("replacing __code__ is not available to a graded program")
        if event == "import" and args[0].partition(".")[0] not in allowed:
            # As if it were not installed: modules that try an optional import go on.
            name = args[0]
            if name in forbidden:
                raise missing(f"module {name} is not available to a graded program")
            raise missing(f"a graded program may import only the standard library, not {name}")
        # /proc holds this process's memory and, through fd/, its report pipe.
        if event in ("open", "os.chdir") and args[0].__class__ is not number and in_proc(args[0]):
            raise refused("/proc is not available to a graded program (nor are path objects)")

    return guard


def print_exception(error: BaseException, stderr: object, start: str) -> None:
    """Print the traceback of ``error`` from the first frame of file ``start`` on."""
    import contextlib
    import traceback

    frames = error.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename != start:
        frames = frames.tb_next
    try:
        traceback.print_exception(type(error), error, frames, file=stderr)
    except BaseException:  # the program may have broken printing itself, or memory is short
        with contextlib.suppress(BaseException):
            os.write(2, f"{type(error).__name__}: {error}\n".encode(errors="replace"))


def report_line(token: str, status: str, cpu_time_s: float, results: list) -> bytes:
    """Return the report the runner accepts: the token, status, CPU time and results."""
    return f"{token} {status} {cpu_time_s:.6f} {results!r}\n".encode("utf-8", "replace")


def grade(
    code: str,
    tests: str,
    names: list[str],
    namespace: dict,
    report: int,
    token: str,
    *,
    handlers_locked: bool,
) -> str:
    """Run ``code``, then the hidden ``tests`` against it; report each test; return the status.

    From the moment the program starts, this function relies only on what it bound
    before: local names and closures, which the program cannot reach, and the
    built-ins and globals it restores after every step.
    """
    tests_code = compile(tests, TESTS, "exec", dont_inherit=True, optimize=0)

    run, build, fresh, line, text, describe = exec, compile, dict, report_line, _text, _describe
    any_error, not_passed, out_of_memory, string = BaseException, AssertionError, MemoryError, str
    pid, getpid, write = os.getpid(), os.getpid, os.write
    usage, own = resource.getrusage, resource.RUSAGE_SELF
    fork, waitpid, leave, close = os.fork, os.waitpid, os._exit, os.close
    count_threads, threads = _thread._count, _thread._count()
    system, stdout, stderr = sys, sys.stdout, sys.stderr
    real_builtins, own_globals = builtins.__dict__, globals()
    pristine_builtins, pristine_globals = dict(real_builtins), dict(own_globals)
    set_timer = signal.setitimer
    timers = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)
    set_signal, handlers = signal.signal, _signal_handlers()
    gc_callbacks = gc.callbacks
    # [refusing inspection, the program tried to add an audit hook, printing a traceback]
    guard = [False, False, False]
    sys.addaudithook(inspection_guard(guard))

    def restore() -> str:
        """Put back what the program may have changed; say why grading must stop, if so."""
        real_builtins.clear()
        real_builtins.update(pristine_builtins)
        own_globals.clear()
        own_globals.update(pristine_globals)
        system.stdout, system.stderr = stdout, stderr
        for timer in timers:
            set_timer(timer, 0)
        if not handlers_locked:
            for signum, handler in handlers.items():
                # Not contextlib.suppress: a module attribute the program may replace.
                try:  # noqa: SIM105
                    set_signal(signum, handler)
                except any_error:
                    pass
        gc_callbacks.clear()
        if count_threads() > threads:
            return "your code left a thread running; let every thread finish"
        if guard[1]:
            return "your code tried to install an audit hook, which cannot be graded"
        return ""

    def send(status: str, results: list[tuple[str, bool, str]]) -> None:
        if getpid() == pid:  # never a process the program forked
            # The runner stops reading output once it has the report.
            for stream in (stdout, stderr):
                try:  # noqa: SIM105 - not contextlib.suppress, which the program may replace
                    stream.flush()
                except any_error:
                    pass
            spent = usage(own)
            write(report, line(token, status, spent.ru_utime + spent.ru_stime, results))

    def print_traceback(error: BaseException) -> None:
        # Printing reads the traceback's frames, and runs the program's own code (its
        # exception's __str__), which could then reach the token through them. So a copy
        # of this process prints it, with no report pipe and still no way into /proc.
        child = fork()
        if child == 0:
            try:
                close(report)
                guard[2] = True
                import linecache

                lines = code.splitlines(keepends=True)
                linecache.cache[SUBMISSION] = (len(code), None, lines, SUBMISSION)
                print_exception(error, stderr, SUBMISSION)
                stderr.flush()
            finally:
                leave(0)
        waitpid(child, 0)

    guard[0] = True
    try:
        run(build(code, SUBMISSION, "exec", dont_inherit=True, optimize=0), namespace)
    except any_error as error:  # the program's own failure is its result
        restore()
        print_traceback(error)
        note = f"not run: your code stopped with {describe(error)} before the tests started"
        restore()
        status = "memory_limit" if error.__class__ is out_of_memory else "error"
        send(status, [(name, False, note) for name in names])
        return status

    refusal = restore()
    if refusal:
        send("error", [(name, False, f"not run: {refusal}") for name in names])
        return "error"
    scope = {
        name: value
        for name, value in namespace.items()
        if name.__class__ is string and name not in pristine_builtins and name[:2] != "__"
    }
    scope.update(__name__="__main__", __builtins__=fresh(pristine_builtins))
    try:
        run(tests_code, scope)
    except any_error as error:
        restore()
        note = f"the tests could not start: {describe(error)}"
        restore()
        send("ok", [(name, False, note) for name in names])
        return "ok"
    tests_to_run = [(name, scope.get(name)) for name in names]

    results = []
    for name, test in tests_to_run:
        refusal = restore()
        if refusal or test is None:
            results.append((name, False, f"not run: {refusal or 'the tests removed it'}"))
            continue
        try:
            test()
        except not_passed as error:
            restore()
            results.append((name, False, text(error) if error.args else ""))
        except any_error as error:  # a test fails however the code under test broke
            restore()
            results.append((name, False, describe(error)))
        else:
            results.append((name, True, ""))
    refusal = restore()
    if refusal:
        # Something the program left behind may have acted while the tests ran.
        send("error", [(name, False, f"not graded: {refusal}") for name in names])
        return "error"
    send("ok", results)
    return "ok"


def _signal_handlers() -> dict[int, object]:
    handlers = {}
    for signum in signal.valid_signals():
        try:
            handlers[signum] = signal.getsignal(signum)
        except (ValueError, OSError):
            continue
    return handlers


def _text(error: BaseException) -> str:
    """Return the text of ``error`` as a plain, bounded string, whatever the error does."""
    try:
        text = str.__str__(str(error))
    except BaseException:
        text = "(a message that could not be shown)"
    return text[:MAX_TEST_MESSAGE_CHARS]


def _describe(error: BaseException) -> str:
    try:
        name = str.__str__(error.__class__.__name__)
    except BaseException:
        name = "an exception"
    text = _text(error)
    return f"{name}: {text}"[:MAX_TEST_MESSAGE_CHARS] if text else name


def main(argv: list[str]) -> None:
    exit_code, leave = EXIT_CODES["error"], os._exit
    try:
        with open(int(argv[0]), "rb") as source:
            # Written by the runner; marshal is built in, so reading it imports nothing.
            document = marshal.loads(source.read())  # noqa: S302
        # The program's module is its own; this one leaves sys.modules.
        program = types.ModuleType("__main__")
        program.__builtins__ = builtins  # type: ignore[attr-defined]
        sys.modules["__main__"] = program
        status = grade(
            document.pop("code"),
            document.pop("tests"),
            document.pop("names"),
            program.__dict__,
            int(argv[1]),
            document.pop("token"),
            handlers_locked=bool(document.get("signal_handlers_refused")),
        )
        exit_code = EXIT_CODES[status]
        # The report is sent; the program may have broken its streams. (Not
        # contextlib.suppress: importing contextlib would slow every start.)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: S110
            pass
    finally:
        leave(exit_code)


if __name__ == "__main__":
    main(sys.argv[1:])
