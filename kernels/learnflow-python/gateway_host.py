"""Under Jupyter Enterprise Gateway: build the same sandbox here, and connect the gateway to it.

The gateway starts this kernel spec like any other: it picks TCP ports, writes a
connection file and runs the launcher. The sandboxed kernel has no network, so it
cannot listen on those ports itself. Instead, this process, outside the sandbox:

1. makes a private socket directory and, when it runs as root, picks an unused uid
   for the kernel (lock files under the gateway root, released at exit);
2. describes the sandbox as the LearnFlow server would (``policy.py``), with the
   per-run limits the server sent in ``KERNEL_LEARNFLOW_LIMITS``;
3. starts ``launcher.py`` with Unix sockets in that directory, and forwards each of
   the gateway's TCP ports to the matching socket until the kernel exits.

Environment of the gateway (operator's settings):

    LEARNFLOW_GATEWAY_ROOT       where socket directories and uid locks live
                                 (default /run/learnflow-gateway as root, else a
                                 directory in the system's temporary directory)
    LEARNFLOW_GATEWAY_UID_BASE   first uid given to kernels when running as root (900000)
    LEARNFLOW_GATEWAY_UIDS       how many uids from there (1000)
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import zmq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from policy import SandboxPolicy  # noqa: E402

#: The per-run limits a server may set, and their types (see runner.Limits).
LIMIT_TYPES = {
    "wall_time_s": float,
    "cpu_time_s": float,
    "memory_mb": int,
    "max_processes": int,
    "max_file_size_mb": int,
    "max_output_bytes": int,
}
# Channels whose kernel side is a ROUTER socket: a ROUTER/DEALER pair forwards them.
ROUTED_PORTS = ("shell_port", "control_port", "stdin_port", "hb_port")
# Socket numbers of the kernel's Unix sockets, as jupyter_client numbers ipc endpoints.
IPC_NUMBERS = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5}


def gateway_root() -> Path:
    default = (
        "/run/learnflow-gateway"
        if os.geteuid() == 0
        else os.path.join(tempfile.gettempdir(), f"learnflow-gateway-{os.getuid()}")
    )
    root = Path(os.environ.get("LEARNFLOW_GATEWAY_ROOT", default))
    root.mkdir(parents=True, exist_ok=True)
    # Kernels under their own uids must reach their socket directory below it.
    os.chmod(root, 0o711)  # noqa: S103 - traverse only; nobody may list or write
    return root


def parse_limits(text: str) -> dict[str, Any]:
    """The limits the server sent, each of a known name and type; anything else is refused."""
    sent = json.loads(text) if text else {}
    if not isinstance(sent, dict) or not set(sent) <= set(LIMIT_TYPES):
        raise SystemExit(f"gateway_host: unknown limits in KERNEL_LEARNFLOW_LIMITS: {text!r}")
    limits = {}
    for name, value in sent.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise SystemExit(f"gateway_host: limit {name} must be a positive number")
        limits[name] = LIMIT_TYPES[name](value)
    return limits


def claim_uid(root: Path) -> tuple[int, Path]:
    """Take a uid no other kernel of this gateway holds; return it and its lock file."""
    locks = root / "uids"
    locks.mkdir(mode=0o700, exist_ok=True)
    base = int(os.environ.get("LEARNFLOW_GATEWAY_UID_BASE", "900000"))
    count = int(os.environ.get("LEARNFLOW_GATEWAY_UIDS", "1000"))
    for uid in range(base, base + count):
        lock = locks / str(uid)
        if _held(lock):
            continue
        try:
            descriptor = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "w") as held:
            held.write(str(os.getpid()))
        return uid, lock
    raise SystemExit(f"gateway_host: all {count} kernel uids from {base} are in use")


def _held(lock: Path) -> bool:
    """Whether a live process holds ``lock``; a lock left by one that died is removed."""
    try:
        holder = int(lock.read_text() or "0")
    except FileNotFoundError:
        return False
    except ValueError:
        holder = 0
    if holder > 0:
        try:
            os.kill(holder, 0)
            return True
        except ProcessLookupError:
            pass
        except PermissionError:
            return True
    lock.unlink(missing_ok=True)
    return False


def forward(context: zmq.Context, outer: dict[str, Any], ipc_dir: str) -> None:
    """Forward each TCP port of the gateway's connection file to the kernel's Unix socket."""
    address = outer["ip"]

    def socket_path(port_name: str) -> str:
        return f"ipc://{ipc_dir}/kernel-{IPC_NUMBERS[port_name]}"

    pairs = []
    for port_name in ROUTED_PORTS:
        frontend, backend = context.socket(zmq.ROUTER), context.socket(zmq.DEALER)
        pairs.append((frontend, backend, port_name))
    iopub = (context.socket(zmq.XPUB), context.socket(zmq.XSUB), "iopub_port")
    for frontend, backend, port_name in [*pairs, iopub]:
        frontend.bind(f"tcp://{address}:{outer[port_name]}")
        backend.connect(socket_path(port_name))
        threading.Thread(
            target=_proxy, args=(frontend, backend), name=f"forward-{port_name}", daemon=True
        ).start()


def _proxy(frontend: zmq.Socket, backend: zmq.Socket) -> None:
    # Ends with an error when the sockets are closed at exit.
    with contextlib.suppress(zmq.ZMQError):
        zmq.proxy(frontend, backend)


def main(connection_file: str) -> None:
    with open(connection_file) as given:
        outer = json.load(given)
    limits = parse_limits(os.environ.get("KERNEL_LEARNFLOW_LIMITS", ""))
    bwrap = shutil.which("bwrap") or ""
    if not bwrap:
        raise SystemExit("gateway_host: bubblewrap (bwrap) is missing on the gateway host")

    root = gateway_root()
    ipc_dir = tempfile.mkdtemp(prefix="k-", dir=root)
    uid, lock = claim_uid(root) if os.geteuid() == 0 else (None, None)
    inner = {**outer, "transport": "ipc", "ip": f"{ipc_dir}/kernel", **IPC_NUMBERS}
    inner_file = os.path.join(ipc_dir, "gateway.json")
    with open(os.open(inner_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as copy:
        json.dump(inner, copy)
    policy = SandboxPolicy(
        ipc_dir=ipc_dir, bwrap=bwrap, drop_to_uid=uid, limits={**limits, "sandboxed": True}
    )

    context = zmq.Context()
    kernel = subprocess.Popen(
        [sys.executable, "-I", str(HERE / "launcher.py"), "-f", inner_file],
        env={"LEARNFLOW_SANDBOX": policy.to_json(), "PATH": os.environ.get("PATH", "")},
    )
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda received, _frame: kernel.send_signal(received))
    try:
        forward(context, outer, ipc_dir)
        code = kernel.wait()
    finally:
        if kernel.poll() is None:
            kernel.kill()
            kernel.wait()
        shutil.rmtree(ipc_dir, ignore_errors=True)
        if lock is not None:
            lock.unlink(missing_ok=True)
    # Not sys.exit: the forwarding threads are still blocked in their sockets.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if code >= 0 else 128 - code)
