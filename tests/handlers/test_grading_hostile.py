"""Hostile submissions: whatever a wrong answer does to the grader, it is never passed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Account, ApiClient
from tests.handlers.test_submissions import (
    DOUBLE_SOLUTION,
    DOUBLE_TEST_NAMES,
    HIDDEN_TEST_LINE,
    WRONG_DOUBLE,
    submit,
    write_course,
)

# A wrong answer that claims to equal anything: only a test checking its type sees through it.
ALWAYS_EQUAL = """
class Anything:
    def __eq__(self, other):
        return True

def double(number):
    return Anything()
"""
# Were it allowed, the handler would be given the frame it interrupts, and walk up to the
# grader's, whose built-ins and locals it could change.
SABOTAGING_SIGNAL_HANDLER = """
import signal

def sabotage(signum, frame):
    while frame is not None:
        frame.f_builtins["isinstance"] = lambda *args: True
        frame = frame.f_back

signal.signal(signal.SIGALRM, sabotage)
"""
# Walks up from the submission's frame to the grader's, whose locals hold what it was sent.
GRADER_LOCALS = """
import sys
frame = sys._getframe()
while frame is not None and "token" not in frame.f_locals:
    frame = frame.f_back
grader_locals = frame.f_locals
"""
# The same walk, starting from the frame of a traceback.
GRADER_LOCALS_FROM_A_TRACEBACK = """
try:
    raise ValueError
except ValueError as error:
    frame = error.__traceback__.tb_frame
while frame is not None and "token" not in frame.f_locals:
    frame = frame.f_back
grader_locals = frame.f_locals
"""
# Finds the tests' copy of the built-ins among every object, and makes it approve anything.
PATCH_THROUGH_GC = """
import builtins, gc
for found in gc.get_objects():
    if type(found) is dict and "isinstance" in found and found is not vars(builtins):
        found["isinstance"] = lambda *args: True
        found["type"] = lambda obj: int
"""
# Raw memory access: what ctypes classes this process knows of, however they are reached.
CTYPES_CLASSES = """
seen = set()

def subclasses(cls):
    for sub in type.__subclasses__(cls):
        if sub not in seen:
            seen.add(sub)
            yield sub
            yield from subclasses(sub)

found = [cls for cls in subclasses(object) if cls.__module__ in ("ctypes", "_ctypes")]
print("ctypes classes:", len(found))
"""


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    """Grading does not depend on the database: SQLite is enough."""
    return f"sqlite:///{tmp_path / 'learnflow.db'}"


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The server serves the small course of test_submissions, with its `double` exercise."""
    jp_server_config["LearnFlow"]["course_dir"] = str(write_course(tmp_path / "course"))
    return jp_server_config


def assert_not_passed(submission: dict[str, Any]) -> None:
    """Assert that the hidden tests saw a wrong answer: not one of them passed."""
    assert submission["status"] != "passed", submission
    assert submission["score"] == 0.0
    assert [test["name"] for test in submission["tests"]] == DOUBLE_TEST_NAMES
    assert not any(test["passed"] for test in submission["tests"])


def messages(submission: dict[str, Any]) -> list[str]:
    return [test["message"] for test in submission["tests"]]


# -- tampering with the tests -------------------------------------------------------------------


async def test_submission_redefining_the_tests_helper_is_judged_by_the_hidden_helper(
    api: ApiClient, student: Account
) -> None:
    source = f"{WRONG_DOUBLE}\n\ndef check(number, expected):\n    pass\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "failed"
    assert messages(submission)[0] == "double(3) should be 6, got 4"


async def test_submission_redefining_the_hidden_tests_is_judged_by_the_hidden_tests(
    api: ApiClient, student: Account
) -> None:
    own_tests = "".join(f"\n\ndef {name}():\n    pass\n" for name in DOUBLE_TEST_NAMES)

    submission = await submit(api, student, WRONG_DOUBLE + own_tests)

    assert_not_passed(submission)
    assert submission["status"] == "failed"


async def test_submission_defining_an_extra_passing_test_does_not_have_it_run(
    api: ApiClient, student: Account
) -> None:
    source = f"{WRONG_DOUBLE}\n\ndef test_extra():\n    pass\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "failed"


# -- tampering with built-ins -------------------------------------------------------------------


async def test_submission_patching_builtins_isinstance_and_type_is_judged_by_the_originals(
    api: ApiClient, student: Account
) -> None:
    patch = (
        "import builtins\n"
        "builtins.isinstance = lambda *args: True\n"
        "builtins.type = lambda obj: int\n"
    )

    submission = await submit(api, student, ALWAYS_EQUAL + patch)

    assert_not_passed(submission)
    assert submission["status"] == "failed"


async def test_submission_shadowing_builtins_globally_is_judged_by_the_originals(
    api: ApiClient, student: Account
) -> None:
    shadows = "isinstance = lambda *args: True\ntype = lambda obj: int\n"

    submission = await submit(api, student, ALWAYS_EQUAL + shadows)

    assert_not_passed(submission)
    assert submission["status"] == "failed"


async def test_submission_patching_assertion_error_still_fails_its_tests(
    api: ApiClient, student: Account
) -> None:
    patch = "import builtins\nclass Never(Exception):\n    pass\nbuiltins.AssertionError = Never\n"

    submission = await submit(api, student, WRONG_DOUBLE + "\n" + patch)

    assert_not_passed(submission)
    assert submission["status"] == "failed"


async def test_submission_returning_an_always_equal_object_fails_the_type_checks(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, ALWAYS_EQUAL)

    assert_not_passed(submission)
    assert submission["status"] == "failed"


async def test_submission_installing_a_signal_handler_is_refused_and_not_graded(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, ALWAYS_EQUAL + SABOTAGING_SIGNAL_HANDLER)

    assert_not_passed(submission)
    assert submission["status"] == "error"
    assert "PermissionError" in submission["errors"]


# -- forging the report -------------------------------------------------------------------------


async def test_submission_printing_fake_passed_lines_fails(
    api: ApiClient, student: Account
) -> None:
    fake = "".join(
        f"print('{name} PASSED')\nprint('ok {name} passed', file=__import__('sys').stderr)\n"
        for name in DOUBLE_TEST_NAMES
    )
    source = f"{WRONG_DOUBLE}\n{fake}print('PASSED 3/3')\nprint('status: passed, score: 1.0')\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "failed"
    assert "PASSED 3/3" in submission["output"]


@pytest.mark.parametrize(
    ("forgery", "status"),
    [
        (
            b"ok 0.01 [('test_doubles_three', True, ''), ('test_doubles_zero', True, '')]\n",
            "failed",
        ),
        (b'{"status": "passed", "score": 1.0, "tests": []}\n', "failed"),
        # A line cut short runs into the grader's own report, which is then lost.
        (b"ok 0.01 [('test_doubles_three', True, '')] ", "error"),
    ],
    ids=["report-line", "json-line", "unfinished-line"],
)
async def test_submission_writing_forged_reports_on_every_descriptor_fails(
    api: ApiClient, student: Account, forgery: bytes, status: str
) -> None:
    source = (
        f"{WRONG_DOUBLE}\n\nimport os\nfor fd in range(3, 51):\n"
        f"    try:\n        os.write(fd, {forgery!r})\n    except OSError:\n        pass\n"
    )

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == status


# -- ending the process -------------------------------------------------------------------------


@pytest.mark.parametrize("exit_call", ["sys.exit(0)", "sys.exit()", "raise SystemExit(0)"])
async def test_submission_exiting_at_top_level_is_error_with_no_test_run(
    api: ApiClient, student: Account, exit_call: str
) -> None:
    source = f"import sys\n\ndef double(number):\n    return 2 * number\n\n{exit_call}\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "error"
    for message in messages(submission):
        assert message.startswith("not run: your code stopped with SystemExit")


async def test_submission_ending_the_interpreter_with_os_exit_0_is_killed(
    api: ApiClient, student: Account
) -> None:
    source = f"{DOUBLE_SOLUTION}\n\nimport os\nos._exit(0)\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "killed"
    assert set(messages(submission)) == {"not run: the program was stopped"}


async def test_submission_exiting_with_the_graders_own_ok_code_is_error(
    api: ApiClient, student: Account
) -> None:
    source = f"{DOUBLE_SOLUTION}\n\nimport os\nos._exit(80)\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "error"
    assert set(messages(submission)) == {
        "not run: the program stopped the grader before it could report"
    }


@pytest.mark.learnflow_config(wall_time_limit_s=2)
async def test_submission_looping_forever_is_timeout_with_no_test_run(
    api: ApiClient, student: Account
) -> None:
    source = f"{DOUBLE_SOLUTION}\n\nwhile True:\n    pass\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "timeout"
    assert set(messages(submission)) == {"not run: the program ran out of time"}


async def test_submission_killing_its_own_process_group_is_killed(
    api: ApiClient, student: Account
) -> None:
    source = f"{DOUBLE_SOLUTION}\n\nimport os, signal\nos.killpg(os.getpgid(0), signal.SIGKILL)\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "killed"


async def test_submission_raising_system_exit_inside_the_tested_function_fails_those_tests(
    api: ApiClient, student: Account
) -> None:
    source = "import sys\n\ndef double(number):\n    sys.exit(0)\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "failed"
    assert set(messages(submission)) == {"SystemExit: 0"}


# -- leaving something behind -------------------------------------------------------------------


async def test_submission_leaving_a_thread_running_is_error_with_no_test_run(
    api: ApiClient, student: Account
) -> None:
    source = (
        f"{DOUBLE_SOLUTION}\n\nimport threading, time\n"
        "threading.Thread(target=time.sleep, args=(5,), daemon=True).start()\n"
    )

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "error"
    for message in messages(submission):
        assert message.startswith("not run: your code left a thread running")


async def test_submission_installing_an_audit_hook_is_error_with_no_test_run(
    api: ApiClient, student: Account
) -> None:
    source = f"{DOUBLE_SOLUTION}\n\nimport sys\nsys.addaudithook(lambda event, args: None)\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "error"
    for message in messages(submission):
        assert message.startswith("not run: your code tried to install an audit hook")


async def test_solution_after_a_hostile_submission_passes_in_a_fresh_process(
    api: ApiClient, student: Account
) -> None:
    hostile = (
        "import builtins, os, threading, time\n"
        "builtins.isinstance = lambda *args: False\n"
        "builtins.int = str\n"
        "threading.Thread(target=time.sleep, args=(5,), daemon=True).start()\n"
        "open('double.py', 'w').write('def double(number):\\n    return None\\n')\n"
        "os._exit(0)\n"
    )
    await submit(api, student, hostile)

    submission = await submit(api, student, DOUBLE_SOLUTION)

    assert submission["status"] == "passed"
    assert submission["score"] == 1.0


# -- reaching into the grader -------------------------------------------------------------------


@pytest.mark.parametrize(
    "walk", [GRADER_LOCALS, GRADER_LOCALS_FROM_A_TRACEBACK], ids=["getframe", "traceback"]
)
async def test_submission_reading_the_graders_frames_is_refused_and_shows_no_hidden_test(
    api: ApiClient, student: Account, walk: str
) -> None:
    source = f"{WRONG_DOUBLE}\n{walk}print(grader_locals['tests'])\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["status"] == "error"
    assert "is not available to a graded program" in submission["errors"]
    assert HIDDEN_TEST_LINE not in submission["output"] + submission["errors"]


async def test_submission_forging_a_report_with_the_graders_token_is_refused(
    api: ApiClient, student: Account
) -> None:
    forge = (
        "import os\n"
        "line = f\"{grader_locals['token']} ok 0.01 \" + repr("
        f"[(name, True, '') for name in {DOUBLE_TEST_NAMES!r}]) + '\\n'\n"
        "os.write(grader_locals['report'], line.encode())\n"
        "os._exit(80)\n"
    )

    submission = await submit(api, student, f"{WRONG_DOUBLE}\n{GRADER_LOCALS}{forge}")

    assert_not_passed(submission)
    assert submission["status"] == "error"


async def test_submission_patching_the_tests_builtins_through_gc_is_refused(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, ALWAYS_EQUAL + PATCH_THROUGH_GC)

    assert_not_passed(submission)
    assert submission["status"] == "error"
    assert "gc.get_objects is not available" in submission["errors"]


async def test_submission_importing_ctypes_is_refused(api: ApiClient, student: Account) -> None:
    source = f"{WRONG_DOUBLE}\nimport ctypes\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert "ModuleNotFoundError: module ctypes is not available" in submission["errors"]


async def test_submission_finds_no_ctypes_class_in_the_grading_process(
    api: ApiClient, student: Account
) -> None:
    submission = await submit(api, student, DOUBLE_SOLUTION + "\n" + CTYPES_CLASSES)

    assert submission["output"] == "ctypes classes: 0\n"


@pytest.mark.parametrize(
    "module", ["grader", "runner", "learnflow_ext", "pyseccomp"], ids=lambda name: name
)
async def test_submission_importing_beyond_the_standard_library_is_refused(
    api: ApiClient, student: Account, module: str
) -> None:
    source = f"{WRONG_DOUBLE}\nimport {module}\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert "may import only the standard library" in submission["errors"]


@pytest.mark.parametrize(
    "reading",
    [
        "open('/proc/self/mem', 'rb')",
        "import os\nos.open('mem', os.O_RDONLY, dir_fd=os.open('/proc/self', os.O_RDONLY))",
        "import os\nos.symlink('/proc/self/mem', 'innocent')",
        "import os\nos.chdir('/')\nos.chdir('proc')",
        "open('/tmp/../proc/self/fd/1', 'w')",
    ],
    ids=["open", "relative-to-proc", "symlink", "chdir", "open-files"],
)
async def test_submission_reaching_into_proc_is_refused(
    api: ApiClient, student: Account, reading: str
) -> None:
    submission = await submit(api, student, f"{WRONG_DOUBLE}\n{reading}\n")

    assert_not_passed(submission)
    assert submission["status"] == "error"
    assert "InspectionRefusedError" in submission["errors"]


@pytest.mark.parametrize(
    "starting",
    ["import os\nos.system('true')", "import os\nos.execv('/bin/true', ['true'])"],
    ids=["system", "exec"],
)
async def test_submission_starting_a_program_is_refused(
    api: ApiClient, student: Account, starting: str
) -> None:
    submission = await submit(api, student, f"{WRONG_DOUBLE}\n{starting}\n")

    assert_not_passed(submission)
    assert "is not available to a graded program" in submission["errors"]


async def test_submission_starting_a_program_from_a_forked_copy_is_refused(
    api: ApiClient, student: Account
) -> None:
    source = (
        f"{WRONG_DOUBLE}\nimport os\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    try:\n"
        "        os.execv('/bin/true', ['true'])\n"
        "    except Exception as error:\n"
        "        print(type(error).__name__, flush=True)\n"
        "    os._exit(0)\n"
        "os.waitpid(child, 0)\n"
    )

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert submission["output"] == "InspectionRefusedError\n"


async def test_submission_importing_subprocess_is_refused(api: ApiClient, student: Account) -> None:
    submission = await submit(api, student, f"{WRONG_DOUBLE}\nimport subprocess\n")

    assert_not_passed(submission)
    assert "module _posixsubprocess is not available" in submission["errors"]


async def test_submission_replacing_a_functions_code_is_refused(
    api: ApiClient, student: Account
) -> None:
    source = f"{WRONG_DOUBLE}\ndef other():\n    pass\nother.__code__ = (lambda: None).__code__\n"

    submission = await submit(api, student, source)

    assert_not_passed(submission)
    assert "replacing __code__ is not available" in submission["errors"]


async def test_solution_using_namedtuple_enum_dataclass_and_logging_passes(
    api: ApiClient, student: Account
) -> None:
    # These look at their caller's frame, and take a refusal for "no frame to look at".
    source = (
        "import collections, dataclasses, enum, logging, typing\n"
        "Point = collections.namedtuple('Point', 'x y')\n"
        "class Colour(enum.Enum):\n    RED = 1\n"
        "@dataclasses.dataclass\nclass Box:\n    size: int = 1\n"
        "class Pair(typing.NamedTuple):\n    left: int\n    right: int\n"
        "logging.getLogger('student').warning('logged')\n"
        f"{DOUBLE_SOLUTION}\n"
    )

    submission = await submit(api, student, source)

    assert submission["status"] == "passed", submission
