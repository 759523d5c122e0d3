"""Hostile code: every program is stopped, cleaned up after, and harms no one else."""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from jupyter_core.paths import jupyter_data_dir, jupyter_runtime_dir

from tests.conftest import Account, ApiClient
from tests.handlers.test_execution import run_code
from tests.live_server import call, live_server

WALL_S = 3
LIMITS = {
    "wall_time_limit_s": WALL_S,
    "cpu_time_limit_s": 2,
    "memory_limit_mb": 128,
    "max_processes": 32,
    "max_output_bytes": 64 * 1024,
}
pytestmark = pytest.mark.learnflow_config(**LIMITS)

STATUSES = {"ok", "error", "timeout", "memory_limit", "output_limit", "killed"}
# A stopped run is reported this long after the wall-clock limit at the latest.
REPORT_MARGIN_S = 1.5
SECRET_NAMES = re.compile(r"LEARNFLOW|JUPYTER|JPY|TOKEN|SECRET|DATABASE|PASSWORD", re.IGNORECASE)

# Prints every file and directory below /tmp, except the run's own working directory
# and the directory holding the kernel's connection file and sockets.
FIND_LEFTOVERS = """
import os, stat, sys
sockets = os.path.dirname(sys.argv[-1])
expected = {os.getcwd(), sys.argv[-1], sockets, os.path.dirname(sockets)}
found = []
for root, dirs, files in os.walk('/tmp'):
    for name in dirs + files:
        path = os.path.join(root, name)
        if path not in expected and not stat.S_ISSOCK(os.lstat(path).st_mode):
            found.append(path)
print(sorted(found))
"""
# Finds the kernel's pid: the parent of the runner, which is the parent of every run.
KERNEL_PID = "kernel = int(open(f'/proc/{os.getppid()}/stat').read().rsplit(')', 1)[1].split()[1])"
# Prints the processes of the sandbox other than its init, the kernel, the kernel's
# runner (this run's parent) and this run.
FIND_OTHER_PROCESSES = (
    "import os\n"
    "runner = os.getppid()\n"
    f"{KERNEL_PID}\n"
    "pids = {int(entry) for entry in os.listdir('/proc') if entry.isdigit()}\n"
    "print(sorted(pids - {1, kernel, runner, os.getpid()}))\n"
)
# A grandchild in a session of its own, deaf to every signal it can ignore, that
# writes a marker after a while.
ESCAPE = """
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGXCPU):
            signal.signal(signum, signal.SIG_IGN)
        time.sleep(1)
        open('/tmp/escaped.txt', 'w').write('still running')
    os._exit(0)
print('left behind a grandchild')
"""
# Eight processes of 100 MB each, every one within the per-run memory limit; prints how
# many are still alive once they all had time to fill their memory.
SPREAD_MEMORY = """
import os, time
children = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        block = b'x' * (100 * 2**20)
        time.sleep(60)
        os._exit(0)
    children.append(pid)
time.sleep(2)
print(sum(os.waitpid(pid, os.WNOHANG)[0] == 0 for pid in children))
"""
WRITE_2_GB = """
chunk = b'0' * 2**20
with open('big.bin', 'wb') as file:
    for _ in range(2048):
        file.write(chunk)
"""
# Programs that leave things in /tmp, each in its own way.
LEFTOVER_MAKERS = {
    "2-gb-file": WRITE_2_GB,
    "nested-directories": """
import os
for n in range(200):
    os.makedirs(f'd{n}/e')
    open(f'd{n}/e/f', 'w').write('x')
""",
    "hidden-file-and-fifo": """
import os
open('/tmp/.hidden', 'w').write('x')
os.mkfifo('/tmp/fifo')
""",
    "symlinks": """
import os
os.symlink('/etc/ld.so.cache', '/tmp/link')
os.symlink('/tmp', 'loop')
""",
    "read-only-directory": """
import os
os.makedirs('/tmp/keep/inner')
open('/tmp/keep/inner/f', 'w').write('x')
os.chmod('/tmp/keep', 0o500)
""",
    "inaccessible-directories": """
import os
os.makedirs('/tmp/keep/inner')
os.chmod('/tmp/keep/inner', 0)
os.chmod('/tmp/keep', 0)
""",
    "file-beside-the-sockets": """
import os, sys
open(os.path.join(os.path.dirname(sys.argv[-1]), 'note.txt'), 'w').write('x')
""",
}
TRY_TO_READ = """
import os
path = {path!r}
try:
    print(os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read(100))
except OSError as error:
    print('refused:', type(error).__name__)
"""
TRY_TO_CONNECT = """
import socket, time
started = time.monotonic()
try:
    socket.create_connection(({host!r}, {port}), timeout=5).close()
    print('connected')
except OSError as error:
    print('refused:', type(error).__name__)
print('quick' if time.monotonic() - started < 1 else 'slow')
"""
FORGE_REPORT_ON_PIPES = """
import os
for fd in map(int, os.listdir('/proc/self/fd')):
    try:
        if fd > 2 and os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
            os.write(fd, b'{"status": "hacked", "cpu_time_s": 0}')
    except OSError:
        pass
raise ValueError('the true outcome')
"""

# The cell forks, and both processes run it to its end.
FORK_AND_FINISH_TWICE = """
import os, time
if os.fork() == 0:
    print('child')
else:
    time.sleep(0.5)
    print('parent')
"""


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    """Code execution does not touch the database: SQLite is enough."""
    return f"sqlite:///{tmp_path / 'learnflow.db'}"


async def run_while_others_are_served(
    api: ApiClient, attacker: Account, bystander: Account, code: str
) -> dict[str, Any]:
    """Run ``code`` for ``attacker``; meanwhile the server and ``bystander`` must be served."""
    for account in (bystander, attacker):
        await run_code(api, account, "pass")  # both kernels started, so the runs overlap
    attack = asyncio.ensure_future(run_code(api, attacker, code))
    try:
        await asyncio.sleep(0.5)
        neighbour, modules = await asyncio.gather(
            run_code(api, bystander, "print('unharmed')"), api.get("/modules")
        )
        served_during_attack = not attack.done()
    finally:
        result = await attack

    assert served_during_attack, f"the attack ended before the others were served: {result}"
    assert (neighbour["status"], neighbour["output"]) == ("ok", "unharmed\n")
    assert modules.status == 200
    return result


async def kernel_identity(api: ApiClient, account: Account) -> str:
    """Return what tells one kernel from another: the path of its connection file."""
    return (await run_code(api, account, "import sys; print(sys.argv[-1])"))["output"]


# -- time ---------------------------------------------------------------------------------------


async def test_infinite_loop_is_stopped_as_timeout_while_others_are_served(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    result = await run_while_others_are_served(api, student, other_student, "while True:\n    pass")

    assert result["status"] == "timeout"
    assert "CPU" in result["errors"]


async def test_endless_sleep_is_stopped_at_the_wall_clock_limit_while_others_are_served(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    code = "import time\ntime.sleep(10**6)"

    result = await run_while_others_are_served(api, student, other_student, code)

    assert result["status"] == "timeout"
    assert f"longer than {WALL_S} s" in result["errors"]
    assert result["execution_time"] < WALL_S + REPORT_MARGIN_S


@pytest.mark.parametrize(
    "code",
    [
        "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass",
        "import time\nwhile True:\n    try:\n        time.sleep(100)\n"
        "    except BaseException:\n        pass",
        "sum(range(10**12))",
        "import re\nre.match('(a+)+$', 'a' * 64 + 'b')",
    ],
    ids=["ignoring-sigxcpu", "catching-every-exception", "busy-in-c", "catastrophic-regex"],
)
async def test_stubborn_endless_program_is_stopped_as_timeout(
    api: ApiClient, student: Account, code: str
) -> None:
    result = await run_code(api, student, code)

    assert result["status"] == "timeout"
    assert result["execution_time"] < WALL_S + REPORT_MARGIN_S


# -- memory and output --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "bytearray(10**10)",
        "chunks = []\nwhile True:\n    chunks.append(bytearray(10 * 2**20))",
        "text = 'x'\nwhile True:\n    text += text",
    ],
    ids=["huge-allocation", "steady-growth", "doubling-string"],
)
async def test_program_using_too_much_memory_is_stopped_as_memory_limit(
    api: ApiClient, student: Account, code: str
) -> None:
    result = await run_code(api, student, code)

    assert result["status"] == "memory_limit"
    assert "128 MB" in result["errors"]


async def test_memory_spread_over_many_processes_stays_under_the_kernels_ceiling(
    api: ApiClient, student: Account, learnflow: Any
) -> None:
    assert learnflow.execution.pool.protections.cgroups is not None, "no cgroups here"

    result = await run_code(api, student, SPREAD_MEMORY)

    # 8 x 100 MB would fit the per-process limit; the kernel's ceiling holds far fewer. The
    # kernel itself may be the process the ceiling ends, which is reported as killed.
    assert result["status"] != "ok" or int(result["output"]) <= 4, result


async def test_memory_spread_over_many_processes_harms_no_other_kernel(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    before = await kernel_identity(api, other_student)

    await run_code(api, student, SPREAD_MEMORY)
    following = await run_code(api, student, "print('fine')")

    assert await kernel_identity(api, other_student) == before
    assert (following["status"], following["output"]) == ("ok", "fine\n")


@pytest.mark.parametrize(
    "code",
    [
        "while True:\n    print('spam' * 20)",
        "import sys\nwhile True:\n    print('eggs' * 20, file=sys.stderr)",
        "import sys\nsys.stdout.write('x' * 10**7)",
    ],
    ids=["endless-print", "endless-stderr", "one-huge-write"],
)
async def test_program_printing_too_much_is_stopped_as_output_limit(
    api: ApiClient, student: Account, code: str
) -> None:
    result = await run_code(api, student, code)

    assert result["status"] == "output_limit"
    assert len(result["output"].encode()) <= LIMITS["max_output_bytes"]
    assert "printed more than" in result["errors"]


# -- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        WRITE_2_GB,
        "with open('sparse.bin', 'wb') as file:\n    file.seek(2**31)\n    file.write(b'!')",
        "with open('empty.bin', 'wb') as file:\n    file.truncate(2**31)",
    ],
    ids=["written", "sparse", "truncated-to-size"],
)
async def test_writing_a_2_gb_file_fails_with_file_too_large(
    api: ApiClient, student: Account, code: str
) -> None:
    result = await run_code(api, student, code)

    assert result["status"] == "error"
    assert "File too large" in result["errors"]


@pytest.mark.parametrize("code", LEFTOVER_MAKERS.values(), ids=list(LEFTOVER_MAKERS))
async def test_files_a_run_leaves_are_gone_before_the_next_run(
    api: ApiClient, student: Account, code: str
) -> None:
    await run_code(api, student, code)

    result = await run_code(api, student, FIND_LEFTOVERS)

    assert result["output"] == "[]\n", result


async def test_creating_many_files_ends_in_a_limit_while_others_are_served(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    # It keeps creating files after /tmp is full, until a limit stops it.
    code = (
        "for n in range(10_000_000):\n"
        "    try:\n"
        "        with open(f'file{n}.txt', 'w') as file:\n"
        "            file.write('x')\n"
        "    except OSError:\n"
        "        pass\n"
    )

    result = await run_while_others_are_served(api, student, other_student, code)

    assert result["status"] in {"error", "timeout"}
    assert result["execution_time"] < WALL_S + REPORT_MARGIN_S


@pytest.mark.parametrize(
    "directory",
    ["'/tmp'", "os.path.dirname(sys.argv[-1])"],
    ids=["private-tmp", "socket-directory"],
)
async def test_program_cannot_store_more_than_its_private_tmp_holds(
    api: ApiClient, student: Account, directory: str
) -> None:
    # The private /tmp holds 64 MB; writing 1 MB files must stop well before 200 MB.
    code = (
        f"import os, sys\ndirectory = {directory}\nchunk = b'0' * 2**20\nwritten = 0\n"
        "try:\n    for n in range(200):\n"
        "        open(os.path.join(directory, f'f{n}.bin'), 'wb').write(chunk)\n"
        "        written += 1\nexcept OSError:\n    pass\nprint(written)"
    )

    result = await run_code(api, student, code)

    assert int(result["output"]) < 100, result


# -- recursion, crashes and exits -----------------------------------------------------------------


# Python's traceback of a RecursionError is longer than the suite's usual output limit.
@pytest.mark.learnflow_config(**{**LIMITS, "max_output_bytes": 1024 * 1024})
async def test_deep_recursion_is_error_naming_recursion_error(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "def down(n):\n    return down(n + 1)\n\ndown(0)")

    assert result["status"] == "error"
    assert "RecursionError" in result["errors"]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("import ctypes\nctypes.string_at(0)", "killed"),
        ("import os\nos.abort()", "killed"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "killed"),
        ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", "killed"),
        (f"import os, signal\n{KERNEL_PID}\nos.kill(kernel, signal.SIGKILL)", "killed"),
        ("import os, signal\nos.kill(-1, signal.SIGKILL)", "killed"),
        ("import os\nos._exit(0)", "killed"),
        ("import os\nos._exit(1)", "killed"),
        ("import sys\nsys.exit()", "error"),
        ("import sys\nsys.exit(3)", "error"),
    ],
    ids=[
        "segfault",
        "abort",
        "sigkill-itself",
        "sigkill-its-runner",
        "sigkill-its-kernel",
        "sigkill-everything",
        "os-exit-0",
        "os-exit-1",
        "sys-exit",
        "sys-exit-3",
    ],
)
async def test_program_ending_its_process_is_reported_and_the_next_run_works(
    api: ApiClient, student: Account, code: str, status: str
) -> None:
    ended = await run_code(api, student, code)

    following = await run_code(api, student, "print('fine')")

    assert ended["status"] == status, ended
    assert (following["status"], following["output"]) == ("ok", "fine\n")


async def test_segfault_is_reported_as_the_signal_that_ended_it(
    api: ApiClient, student: Account
) -> None:
    result = await run_code(api, student, "import ctypes\nctypes.string_at(0)")

    assert "SIGSEGV" in result["errors"]


async def test_killing_every_process_it_can_spares_another_users_kernel(
    api: ApiClient, student: Account, other_student: Account
) -> None:
    before = await kernel_identity(api, other_student)

    await run_code(api, student, "import os, signal\nos.kill(-1, signal.SIGKILL)")

    assert await kernel_identity(api, other_student) == before
    assert (await api.get("/modules")).status == 200


async def test_stopping_its_own_kernel_is_reported_and_the_next_run_works(
    api: ApiClient, student: Account
) -> None:
    stopped = await run_code(
        api, student, "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)"
    )

    following = await run_code(api, student, "print('fine')")

    assert stopped["status"] == "killed"
    assert following["output"] == "fine\n"


# -- processes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "import os\nwhile True:\n    os.fork()",
        "import threading, time\nwhile True:\n"
        "    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()",
    ],
    ids=["fork-bomb", "thread-bomb"],
)
async def test_bomb_ends_within_the_wall_clock_limit(
    api: ApiClient, student: Account, code: str
) -> None:
    result = await run_code(api, student, code)

    assert result["status"] in {"error", "timeout", "memory_limit", "killed"}
    assert result["execution_time"] < WALL_S + REPORT_MARGIN_S


@pytest.mark.parametrize(
    "code",
    [
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        "import threading, time\nwhile True:\n    try:\n"
        "        threading.Thread(target=time.sleep, args=(100,), daemon=True).start()\n"
        "    except (RuntimeError, MemoryError):\n        pass",
    ],
    ids=["fork-bomb", "thread-bomb"],
)
async def test_persistent_bomb_is_stopped_while_others_are_served(
    api: ApiClient, student: Account, other_student: Account, code: str
) -> None:
    result = await run_while_others_are_served(api, student, other_student, code)

    assert result["status"] in {"timeout", "killed"}
    assert result["execution_time"] < WALL_S + REPORT_MARGIN_S


@pytest.mark.parametrize(
    "code",
    [
        "import os\nwhile True:\n    os.fork()",
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        "import threading, time\nwhile True:\n    try:\n"
        "        threading.Thread(target=time.sleep, args=(100,), daemon=True).start()\n"
        "    except (RuntimeError, MemoryError):\n        pass",
    ],
    ids=["fork-bomb", "persistent-fork-bomb", "persistent-thread-bomb"],
)
async def test_after_a_bomb_the_next_run_works(api: ApiClient, student: Account, code: str) -> None:
    await run_code(api, student, code)

    result = await run_code(api, student, "print('fine')")

    assert (result["status"], result["output"]) == ("ok", "fine\n")


async def test_escaped_grandchild_is_gone_after_the_run(api: ApiClient, student: Account) -> None:
    await run_code(api, student, ESCAPE)

    result = await run_code(api, student, FIND_OTHER_PROCESSES)

    assert result["output"] == "[]\n"


async def test_escaped_grandchild_cannot_write_after_the_run(
    api: ApiClient, student: Account
) -> None:
    await run_code(api, student, ESCAPE)

    result = await run_code(
        api, student, "import os, time\ntime.sleep(2)\nprint(os.path.exists('/tmp/escaped.txt'))"
    )

    assert result["output"] == "False\n"


@pytest.mark.parametrize(
    "call_and_arguments",
    [
        "ptrace(16, os.getppid(), 0, 0)",  # PTRACE_ATTACH to the kernel
        "ptrace(0, 0, 0, 0)",  # PTRACE_TRACEME
        "unshare(0x10000000)",  # CLONE_NEWUSER
        "mount(b'none', b'/tmp', b'tmpfs', 0, None)",
    ],
    ids=["ptrace-attach", "ptrace-traceme", "unshare-user-namespace", "mount"],
)
async def test_forbidden_system_call_returns_minus_one(
    api: ApiClient, student: Account, call_and_arguments: str
) -> None:
    code = (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        f"print(libc.{call_and_arguments})"
    )

    result = await run_code(api, student, code)

    assert result["output"] == "-1\n"


# -- the run's own report -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "true_status"),
    [
        ("import json\njson.dumps = None", "ok"),
        (
            "import json\n"
            """json.dumps = lambda _report: '{"status": "hacked", "cpu_time_s": 0}'""",
            "ok",
        ),
        (FORGE_REPORT_ON_PIPES, "error"),
        (FORK_AND_FINISH_TWICE, "ok"),
    ],
    ids=["breaking-json", "forging-through-json", "forging-on-every-pipe", "finishing-twice"],
)
async def test_program_tampering_with_its_run_report_gets_its_true_status(
    api: ApiClient, student: Account, code: str, true_status: str
) -> None:
    result = await run_code(api, student, code)

    assert result["status"] == true_status, result
    assert result["execution_time"] < WALL_S


# -- what a program can see -----------------------------------------------------------------------


SERVER_FILES = {
    "database": lambda learnflow: learnflow.database.url.database,
    "token-secret": lambda _: os.path.join(jupyter_data_dir(), "learnflow", "jwt_secret"),
    "jupyter-runtime-dir": lambda _: jupyter_runtime_dir(),
    "jupyter-data-dir": lambda _: jupyter_data_dir(),
    "etc-shadow": lambda _: "/etc/shadow",
    "etc-passwd": lambda _: "/etc/passwd",
    "project-source": lambda _: str(Path(__file__).resolve()),
}


def server_path(name: str, learnflow: Any) -> str:
    """Return the path of one of the server's files, which must exist for the test to mean much."""
    path = SERVER_FILES[name](learnflow)
    assert os.path.exists(path), f"the server has no {path}: the test would prove nothing"
    return path


@pytest.mark.parametrize("name", SERVER_FILES)
async def test_program_cannot_read_the_servers_files(
    api: ApiClient, learnflow: Any, student: Account, name: str
) -> None:
    path = server_path(name, learnflow)

    result = await run_code(api, student, TRY_TO_READ.format(path=path))

    assert result["output"].startswith("refused:"), result


async def test_program_cannot_read_the_database_through_a_planted_symlink(
    api: ApiClient, learnflow: Any, student: Account
) -> None:
    database = learnflow.database.url.database
    plant = (
        f"import os\nos.symlink({database!r}, '/tmp/db-link')\nos.symlink({database!r}, 'db-link')"
    )
    await run_code(api, student, plant)

    result = await run_code(api, student, TRY_TO_READ.format(path="/tmp/db-link"))

    assert result["output"].startswith("refused:"), result


async def test_program_cannot_see_another_users_socket_directory(
    api: ApiClient, learnflow: Any, student: Account, other_student: Account
) -> None:
    await run_code(api, other_student, "print(1)")
    theirs = learnflow.execution.pool._assigned[other_student.id].ipc_dir

    result = await run_code(api, student, TRY_TO_READ.format(path=theirs))

    assert result["output"].startswith("refused:"), result


async def test_program_environment_holds_no_server_names(api: ApiClient, student: Account) -> None:
    result = await run_code(api, student, "import json, os\nprint(json.dumps(sorted(os.environ)))")

    names = json.loads(result["output"])
    assert "PATH" in names
    assert [name for name in names if SECRET_NAMES.search(name)] == []


@pytest.mark.parametrize(
    ("host", "port"),
    [("127.0.0.1", "jupyter"), ("169.254.169.254", 80), ("1.1.1.1", 53), ("8.8.8.8", 443)],
    ids=["jupyter-server-on-loopback", "cloud-metadata", "outside-dns", "outside-https"],
)
async def test_program_cannot_connect_to_the_network(
    api: ApiClient, student: Account, jp_http_port: int, host: str, port: int | str
) -> None:
    port = jp_http_port if port == "jupyter" else port

    result = await run_code(api, student, TRY_TO_CONNECT.format(host=host, port=port))

    assert result["output"].startswith("refused:"), result
    assert result["output"].endswith("quick\n")


async def test_program_cannot_look_up_names(api: ApiClient, student: Account) -> None:
    code = "import socket\nsocket.getaddrinfo('example.org', 443)"

    result = await run_code(api, student, code)

    assert result["status"] == "error"
    assert "gaierror" in result["errors"]


# -- the others, after any attack ---------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "bytearray(10**10)",
        "chunks = []\nwhile True:\n    chunks.append(bytearray(10 * 2**20))",
        SPREAD_MEMORY,
        "while True:\n    print('spam' * 20)",
        WRITE_2_GB,
        "def down(n):\n    return down(n + 1)\n\ndown(0)",
        "import ctypes\nctypes.string_at(0)",
        "import os\nos.abort()",
        "import os, signal\nos.kill(-1, signal.SIGKILL)",
        "import os\nwhile True:\n    os.fork()",
    ],
    ids=[
        "huge-allocation",
        "steady-growth",
        "memory-over-many-processes",
        "endless-print",
        "2-gb-file",
        "deep-recursion",
        "segfault",
        "abort",
        "sigkill-everything",
        "fork-bomb",
    ],
)
async def test_attack_leaves_the_server_and_other_kernels_answering(
    api: ApiClient, student: Account, other_student: Account, code: str
) -> None:
    before = await kernel_identity(api, other_student)

    await run_code(api, student, code)

    assert await kernel_identity(api, other_student) == before
    assert (await api.get("/modules")).status == 200


# -- server shutdown ----------------------------------------------------------------------------


def kernel_processes_of(server_root_dir: Path) -> dict[int, bytes]:
    """Return the bwrap and sandbox kernel processes descending from the server serving a dir."""
    commands, parents = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            commands[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    marker = f"--ServerApp.root_dir={server_root_dir}".encode()
    servers = {pid for pid, command in commands.items() if marker in command}
    assert servers, "the live server's process was not found"

    def descends_from_server(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid in servers:
                return True
        return False

    return {
        pid: command
        for pid, command in commands.items()
        if (b"bwrap" in command or b"sandbox_kernel.py" in command) and descends_from_server(pid)
    }


def is_running(pid: int, command: bytes) -> bool:
    """Whether ``pid`` still runs ``command`` (a zombie no longer runs anything)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z" and Path(f"/proc/{pid}/cmdline").read_bytes() == command
    except OSError:
        return False


def test_server_shutdown_leaves_no_kernel_process_behind(tmp_path: Path) -> None:
    email, password = f"ada-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery"
    with live_server(tmp_path, f"sqlite:///{tmp_path / 'learnflow.db'}") as api_root:
        call(
            api_root,
            "POST",
            "/auth/register",
            {"email": email, "password": password, "name": "Ada"},
        )
        token = call(api_root, "POST", "/auth/login", {"email": email, "password": password})[
            "access_token"
        ]
        result = call(
            api_root, "POST", "/code/execute", {"code": "print(1)", "language": "python"}, token
        )
        assert result["status"] == "ok"
        kernels = kernel_processes_of(tmp_path)
        assert kernels, "no kernel process was found while the server ran"

    survivors = {pid: command for pid, command in kernels.items() if is_running(pid, command)}

    assert survivors == {}
