"""Benchmark grading: a submission against running the same tests as a plain cell.

Run from the repository root (it starts its own Jupyter server on loopback):

    python bench/grading.py [--runs 100] [--seconds 8]

For the first exercise of a few modules of the bundled course, it prints side by side
the latency of one client (p50, p95) for

- (a) POST /code/execute of the reference solution followed by its hidden tests and a
  call of each test: the same work, ungraded, in a plain run;
- (b) POST /exercises/{id}/submissions of the reference solution: the grader process,
  its guard, the per-test report, and storing the submission and the mastery update;

and the throughput of both with 8 concurrent users.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from execution import percentiles, throughput

from learnflow_ext.app import bundled_course_dir
from learnflow_ext.services.content import ExerciseContent, load_course, test_function_names
from tests.live_server import call, live_server

USERS = 8


class Student:
    """One signed-in student with a connection of their own."""

    def __init__(self, api_root: str) -> None:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
        account = {"email": email, "password": "p" * 12, "name": "Bench"}
        call(api_root, "POST", "/auth/register", account)
        login = call(api_root, "POST", "/auth/login", {"email": email, "password": "p" * 12})
        self.headers = {
            "Authorization": f"Bearer {login['access_token']}",
            "Content-Type": "application/json",
        }
        host, port = api_root.split("//")[1].split("/")[0].split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)
        self.prefix = "/learnflow/api"

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        self.connection.request(
            "POST", self.prefix + path, body=json.dumps(body), headers=self.headers
        )
        reply = self.connection.getresponse()
        return reply.status, json.loads(reply.read())

    def execute(self, code: str) -> str:
        status, body = self.post("/code/execute", {"code": code, "language": "python"})
        return body["status"] if status == 200 else str(status)

    def submit(self, exercise: ExerciseContent) -> str:
        path = f"/exercises/{exercise.id}/submissions"
        status, body = self.post(path, {"code": exercise.solution_code})
        return body["status"] if status == 201 else str(status)


def ungraded(exercise: ExerciseContent) -> str:
    """Return the solution, the hidden tests and a call of each test, as one plain cell."""
    calls = "".join(f"{name}()\n" for name in test_function_names(exercise.tests_code))
    return f"{exercise.solution_code}\n\n{exercise.tests_code}\n\n{calls}"


def latency(run: callable, runs: int) -> list[float]:
    run()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        outcome = run()
        samples.append(time.perf_counter() - started)
        assert outcome in ("ok", "passed"), outcome
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="runs for the latency figures")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of a throughput run")
    options = parser.parse_args()

    course = load_course(bundled_course_dir())
    exercises = [module.exercises[0] for module in course.modules[::3]]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as home:
        settings = ["--LearnFlow.execution_warm_kernels=8", "--LearnFlow.execution_max_kernels=16"]
        with live_server(Path(home), f"sqlite:///{home}/bench.db", *settings) as api_root:
            time.sleep(8)  # let the warm pool fill
            students = [Student(api_root) for _ in range(USERS)]
            for student in students:
                student.execute("pass")
            print(f"{'latency, 1 client (ms)':44} {'p50':>8} {'p95':>8}")
            for exercise in exercises:
                plain = latency(lambda e=exercise: students[0].execute(ungraded(e)), options.runs)
                graded = latency(lambda e=exercise: students[0].submit(e), options.runs)
                for label, samples in (
                    (f"(a) {exercise.id}: plain run", plain),
                    (f"(b) {exercise.id}: graded", graded),
                ):
                    p50, p95, _p99 = percentiles(samples)
                    print(f"{label:44} {p50:8.1f} {p95:8.1f}")

            exercise = exercises[0]
            code = ungraded(exercise)
            plain_rate, plain_outcomes = throughput(
                lambda w: students[w].execute(code), USERS, options.seconds
            )
            graded_rate, graded_outcomes = throughput(
                lambda w: "ok" if students[w].submit(exercise) == "passed" else "failed",
                USERS,
                options.seconds,
            )
            print(f"\nthroughput, {USERS} users, {exercise.id} (runs/s)")
            print(f"{'(a) plain run':44} {plain_rate:8.1f}   {dict(plain_outcomes)}")
            print(f"{'(b) graded':44} {graded_rate:8.1f}   {dict(graded_outcomes)}")


if __name__ == "__main__":
    main()
