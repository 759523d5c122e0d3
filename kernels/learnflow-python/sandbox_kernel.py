"""The LearnFlow sandbox kernel: an IPython kernel that hands every cell to its runner.

The kernel process itself never runs student code. It starts ``runner.py``, a small
process that runs each cell in a fresh child and cleans up after it, and passes it the
cells of execute requests. The result's status (ok, error, timeout, memory_limit,
output_limit, killed) is returned in the execute reply under ``learnflow``. A run that
ends the runner itself is reported as killed, and the kernel starts a new runner.

An execute request whose metadata holds ``{"learnflow": {"tests": ..., "names": [...]}}``
grades the code against those hidden tests instead; each test's result comes back in
the reply under ``learnflow.tests``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import socket
import subprocess
import sys

from ipykernel.ipkernel import IPythonKernel
from ipykernel.kernelapp import IPKernelApp
from traitlets import Float

# The runner lives beside this file; -I keeps this directory off sys.path.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from runner import Limits, Outcome, receive_message, send_message  # noqa: E402

PR_SET_DUMPABLE = 4
# How long past its wall-clock limit the kernel waits for the runner's answer.
RUNNER_GRACE_S = 2.0


class Runner:
    """The runner process of this kernel, and the socket to it."""

    def __init__(self, limits_json: str) -> None:
        kernel_end, runner_end = socket.socketpair()
        with runner_end:
            self.process = subprocess.Popen(
                [sys.executable, "-I", os.path.join(HERE, "runner.py"), str(runner_end.fileno())],
                pass_fds=[runner_end.fileno()],
                env={**os.environ, "LEARNFLOW_LIMITS": limits_json},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        self.channel = kernel_end

    def run(self, code: str, timeout_s: float, grading: dict | None = None) -> Outcome | None:
        """Run ``code`` (graded as ``grading`` says); return None if the runner died or hung."""
        self.channel.settimeout(timeout_s)
        try:
            send_message(self.channel, {"code": code, "grading": grading})
            reply = receive_message(self.channel)
            if reply is None:
                return None
            return Outcome(
                status=str(reply["status"]),
                stdout=str(reply["stdout"]),
                stderr=str(reply["stderr"]),
                cpu_time_s=float(reply["cpu_time_s"]),
                tests=reply["tests"],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def stop(self) -> None:
        self.channel.close()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()


class SandboxKernel(IPythonKernel):
    implementation = "learnflow-sandbox"
    implementation_version = "1"
    # ipykernel pauses before each reply to let printed output reach clients first; this
    # kernel prints nothing itself, and its runs' output travels in the reply.
    _execute_sleep = Float(0.0)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.limits_json = os.environ.pop("LEARNFLOW_LIMITS", "{}")
        self.limits = Limits(**json.loads(self.limits_json))
        # Runs must not read this process's memory through /proc.
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        # The connection file holds the key to this kernel's sockets; runs need not see it.
        with contextlib.suppress(Exception):
            os.unlink(self.parent.abs_connection_file)
        self.runner = Runner(self.limits_json)

    async def do_execute(  # type: ignore[override]
        self, code: str, silent: bool, store_history: bool = True, *args: object, **kwargs: object
    ) -> dict:
        self.execution_count += 1
        grading = self.get_parent().get("metadata", {}).get("learnflow")
        timeout_s = self.limits.wall_time_s + RUNNER_GRACE_S
        outcome = self.runner.run(code, timeout_s, grading)
        if outcome is None:
            self.runner.stop()
            self.runner = Runner(self.limits_json)
            note = "\nStopped: the program ended the process running it.\n"
            outcome = Outcome("killed", "", note, 0.0)

        if not silent:
            for name, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
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
                "stdout": outcome.stdout,
                "stderr": outcome.stderr,
                "cpu_time_s": outcome.cpu_time_s,
                "tests": outcome.tests,
            },
        }
        if outcome.status != "ok":
            reply.update(ename=outcome.status, evalue=outcome.stderr.strip()[-200:], traceback=[])
        return reply

    async def do_shutdown(self, restart: bool) -> dict:  # type: ignore[override]
        self.runner.stop()
        return await super().do_shutdown(restart)


class SandboxKernelApp(IPKernelApp):
    def init_io(self) -> None:
        """Keep this process's own stdout and stderr, which lead to the server's log.

        Nothing here prints for clients to see, so ipykernel's streams that forward
        output to them (each flush a round trip to another thread) are set aside.
        """
        self.capture_fd_output = False
        super().init_io()
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


if __name__ == "__main__":
    SandboxKernelApp.launch_instance(kernel_class=SandboxKernel)
