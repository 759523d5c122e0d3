"""Benchmark code execution: a raw warm kernel, a subprocess per run, and LearnFlow over HTTP.

Run from the repository root (it starts its own Jupyter server on loopback):

    python bench/execution.py [--seconds 10]

For two workloads (print(1), and a typical student program) it prints, side by side,
the latency of one client (p50, p95, p99) and the throughput with 1, 8 and 32
concurrent users, plus the memory of the server and its kernels.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jupyter_client.manager import start_new_async_kernel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live_server import call, live_server

WORKLOADS = {
    "print(1)": "print(1)",
    "student program": (
        "import json, re, statistics, datetime\n"
        "from collections import Counter\n"
        "text = 'the quick brown fox jumps over the lazy dog the end'\n"
        "words = re.findall(r'[a-z]+', text)\n"
        "counts = Counter(words)\n"
        "lengths = [len(w) for w in words]\n"
        "summary = {'most_common': counts.most_common(3), 'mean': statistics.mean(lengths),\n"
        "           'day': datetime.date(2026, 12, 3).isoformat()}\n"
        "print(json.dumps(summary, sort_keys=True))\n"
    ),
}
CONCURRENCY = (1, 8, 32)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return pick(0.50) * 1000, pick(0.95) * 1000, pick(0.99) * 1000


def throughput(
    run_once: Callable[[int], str], workers: int, seconds: float
) -> tuple[float, Counter]:
    """Run ``run_once(worker)`` in ``workers`` threads for ``seconds``; return runs/s, outcomes."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop(worker: int) -> None:
        while time.monotonic() < stop:
            outcome = run_once(worker)
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=loop, args=(w,)) for w in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return sum(n for o, n in outcomes.items() if o == "ok") / elapsed, outcomes


# -- (a) a raw warm kernel through jupyter-client ---------------------------------------------


def raw_kernel_latency(code: str, runs: int) -> list[float]:
    async def measure() -> list[float]:
        manager, client = await start_new_async_kernel(kernel_name="python3")
        try:
            samples = []
            for _ in range(runs + 5):
                started = time.perf_counter()
                await client.execute_interactive(code, output_hook=lambda _msg: None, timeout=30)
                samples.append(time.perf_counter() - started)
            return samples[5:]
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    return asyncio.run(measure())


# -- (b) a new Python process per run ---------------------------------------------------------


def subprocess_once(code: str) -> str:
    result = subprocess.run(  # noqa: S603 - the benchmark's own workloads
        [sys.executable, "-c", code], capture_output=True, check=False
    )
    return "ok" if result.returncode == 0 else "error"


# -- (c) LearnFlow over HTTP ------------------------------------------------------------------


class LearnFlowClient:
    """One user with a keep-alive connection to the server."""

    def __init__(self, api_root: str) -> None:
        self.api_root = api_root
        email = f"bench-{uuid.uuid4().hex[:10]}@example.org"
        call(
            api_root, "POST", "/auth/register", {"email": email, "password": "p" * 12, "name": "B"}
        )
        self.token = call(api_root, "POST", "/auth/login", {"email": email, "password": "p" * 12})[
            "access_token"
        ]
        host = api_root.split("//", 1)[1].split("/", 1)[0]
        self.path = "/" + api_root.split("//", 1)[1].split("/", 1)[1] + "/code/execute"
        self.connection = http.client.HTTPConnection(host, timeout=60)

    def execute(self, code: str) -> str:
        body = json.dumps({"code": code, "language": "python"})
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        self.connection.request("POST", self.path, body=body, headers=headers)
        reply = self.connection.getresponse()
        payload = reply.read()
        if reply.status != 200:
            return f"http {reply.status}"
        return json.loads(payload)["status"]


def pss_mb(pids: list[int]) -> float:
    """Proportional set size: shared pages (a kernel and its forked child) counted once."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def processes_matching(text: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if text.encode() in cmdline.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def is_kernel_process(pid: int) -> bool:
    """Tell a kernel's Python process from the bubblewrap processes around it."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"python" in cmdline.read().split(b"\0", 1)[0]
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each throughput run")
    parser.add_argument("--runs", type=int, default=200, help="runs for the latency figures")
    options = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as home:
        settings = [
            "--LearnFlow.execution_warm_kernels=8",
            "--LearnFlow.execution_max_kernels=40",
            "--LearnFlow.execution_max_queued_runs=64",
        ]
        database = f"sqlite:///{home}/bench.db"
        with live_server(Path(home), database, *settings) as api_root:
            time.sleep(10)  # let the warm pool fill
            clients = [LearnFlowClient(api_root) for _ in range(max(CONCURRENCY))]
            # Give every user their kernel first: throughput is about warm users.
            with ThreadPoolExecutor(max_workers=len(clients)) as executor:
                list(executor.map(lambda client: client.execute("pass"), clients))
            for name, code in WORKLOADS.items():
                print(f"\n== {name}")
                raw = raw_kernel_latency(code, options.runs)
                spawn = []
                for _ in range(min(options.runs, 100)):
                    started = time.perf_counter()
                    subprocess_once(code)
                    spawn.append(time.perf_counter() - started)
                ours = []
                clients[0].execute(code)
                for _ in range(options.runs):
                    started = time.perf_counter()
                    clients[0].execute(code)
                    ours.append(time.perf_counter() - started)
                print(f"{'latency, 1 client (ms)':34} {'p50':>8} {'p95':>8} {'p99':>8}")
                for label, samples in (
                    ("(a) raw warm kernel", raw),
                    ("(b) subprocess per run", spawn),
                    ("(c) LearnFlow POST /code/execute", ours),
                ):
                    p50, p95, p99 = percentiles(samples)
                    print(f"{label:34} {p50:8.1f} {p95:8.1f} {p99:8.1f}")
                print(
                    f"{'throughput (runs/s)':34} " + " ".join(f"{n:>6} users" for n in CONCURRENCY)
                )
                rows = {"(b) subprocess per run": [], "(c) LearnFlow": []}
                notes = []
                for users in CONCURRENCY:
                    rate, _ = throughput(
                        lambda _w, code=code: subprocess_once(code), users, options.seconds
                    )
                    rows["(b) subprocess per run"].append(rate)
                    rate, outcomes = throughput(
                        lambda w, code=code: clients[w].execute(code), users, options.seconds
                    )
                    rows["(c) LearnFlow"].append(rate)
                    notes.append(f"{users} users: {dict(outcomes)}")
                for label, rates in rows.items():
                    print(f"{label:34} " + " ".join(f"{rate:12.1f}" for rate in rates))
                print("LearnFlow outcomes: " + "; ".join(notes))
            server = processes_matching("jupyter_server")
            kernels = [p for p in processes_matching("sandbox_kernel.py") if is_kernel_process(p)]
            # Each kernel's runner, and the child it has forked for the next run.
            runners = processes_matching("/runner.py")
            kernels_mb = pss_mb(kernels + runners)
            print(
                f"\nmemory (PSS): server {pss_mb(server):.0f} MB; {len(kernels)} kernels with "
                f"their runners and waiting children {kernels_mb:.0f} MB, "
                f"{kernels_mb / max(1, len(kernels)):.0f} MB per kernel"
            )


if __name__ == "__main__":
    main()
