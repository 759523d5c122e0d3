"""Start a LearnFlow sandbox kernel: build the bubblewrap sandbox and exec into it.

Runs outside the sandbox, with the server's rights. The server describes the
sandbox in the LEARNFLOW_SANDBOX environment variable (JSON, see ``policy.py``);
nothing else of the server's environment reaches the kernel. Started by Jupyter
Enterprise Gateway instead, without that variable, it hands over to
``gateway_host.py``, which describes the sandbox itself.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from policy import SandboxPolicy  # noqa: E402

# Host directories that hold nothing but programs and libraries.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Where the kernel finds its socket directory and these programs inside the sandbox;
# fixed paths, so that nothing the host keeps below /tmp shows up in the sandbox's /tmp.
SANDBOX_SOCKETS = "/run/learnflow"
SANDBOX_PROGRAMS = "/opt/learnflow-kernel"
# The only files of /etc the kernel sees: the linker's cache and the time zone.
ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")
# Jupyter configuration, which may hold secrets, can live under these.
MASKED_DIRS = ("/usr/etc", "/usr/local/etc", "/usr/local/share/jupyter")


def python_dirs() -> list[str]:
    """Return the directories the kernel's Python needs: its programs and libraries only."""
    dirs = []
    for prefix in {sys.base_prefix, sys.prefix}:
        for name in ("bin", "lib", "lib64"):
            path = os.path.join(prefix, name)
            if os.path.isdir(path) and not path.startswith("/usr/"):
                dirs.append(os.path.realpath(path))
    return sorted(set(dirs))


def python_files() -> list[str]:
    """Return the files outside those directories that the kernel's Python reads.

    A virtual environment's ``pyvenv.cfg`` is how its Python finds the environment's
    packages; without it the kernel would not see them.
    """
    config = os.path.join(sys.prefix, "pyvenv.cfg")
    return [config] if sys.prefix != sys.base_prefix and os.path.isfile(config) else []


def _parents(paths: list[str]) -> list[str]:
    """bubblewrap options making every parent of ``paths`` a directory others may traverse.

    Directories bubblewrap creates on its own are private to root, which would hide
    the bound paths from the unprivileged kernel.
    """
    parents = {
        str(parent) for path in paths for parent in Path(path).parents if parent != Path("/")
    }
    options = []
    for parent in sorted(parents, key=lambda p: (p.count("/"), p)):
        options += ["--perms", "0755", "--dir", parent]
    return options


def bwrap_command(policy: SandboxPolicy, connection_file: str) -> list[str]:
    command = [policy.bwrap, "--die-with-parent", "--new-session", "--clearenv"]
    if policy.drop_to_uid is not None:
        # The server runs as root: bubblewrap builds the namespaces with root's rights,
        # keeps only the right to change ids, and confine.py drops to the kernel's own uid.
        command += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
        command += ["--unshare-cgroup-try", "--cap-drop", "ALL"]
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-all", "--unshare-user", "--cap-drop", "ALL"]

    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            command += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            command += ["--ro-bind", path, path]
    for path in MASKED_DIRS:
        if os.path.isdir(path):
            command += ["--tmpfs", path]
    command += ["--proc", "/proc", "--dev", "/dev"]
    command += ["--size", str(policy.tmpfs_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp"]
    bound = python_dirs()
    files = [*ETC_FILES, *python_files()]
    command += _parents([*files, *bound, SANDBOX_SOCKETS, SANDBOX_PROGRAMS])
    for path in files:
        command += ["--ro-bind-try", path, path]
    for path in bound:
        command += ["--ro-bind", path, path]
    command += ["--ro-bind", str(HERE), SANDBOX_PROGRAMS]
    command += ["--bind", policy.ipc_dir, SANDBOX_SOCKETS]

    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "MALLOC_ARENA_MAX": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "LEARNFLOW_LIMITS": json.dumps(policy.limits),
    }
    for name, value in environment.items():
        command += ["--setenv", name, value]
    command += ["--chdir", "/tmp"]

    confine = [sys.executable, "-I", f"{SANDBOX_PROGRAMS}/confine.py", "--sockets", SANDBOX_SOCKETS]
    if policy.drop_to_uid is not None:
        confine += ["--uid", str(policy.drop_to_uid)]
    kernel = [sys.executable, "-I", f"{SANDBOX_PROGRAMS}/sandbox_kernel.py", "-f", connection_file]
    return [*command, *confine, "--", *kernel]


def main() -> None:
    if sys.argv[1:2] != ["-f"] or len(sys.argv) != 3:
        sys.exit("usage: launcher.py -f CONNECTION_FILE")
    if "LEARNFLOW_SANDBOX" not in os.environ:
        # Started by Jupyter Enterprise Gateway rather than by a LearnFlow server.
        import gateway_host

        gateway_host.main(sys.argv[2])
        return
    policy = SandboxPolicy.from_json(os.environ["LEARNFLOW_SANDBOX"])

    # The kernel reads its connection file from its socket directory, the only host
    # directory it sees; inside the sandbox that directory has another path.
    with open(sys.argv[2]) as original:
        connection = json.load(original)
    sockets = SANDBOX_SOCKETS if policy.bwrap else policy.ipc_dir
    connection["ip"] = connection["ip"].replace(policy.ipc_dir, sockets, 1)
    connection_file = os.path.join(policy.ipc_dir, "connection.json")
    with open(connection_file, "w") as copy:
        json.dump(connection, copy)
    if policy.drop_to_uid is not None:
        os.chown(policy.ipc_dir, policy.drop_to_uid, policy.drop_to_uid)
        os.chown(connection_file, policy.drop_to_uid, policy.drop_to_uid)
    os.chmod(connection_file, 0o600)

    for procs in policy.cgroup_procs:
        with open(procs, "w") as group:
            group.write(str(os.getpid()))

    memory = policy.kernel_address_space_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    if policy.bwrap:
        command = bwrap_command(policy, f"{SANDBOX_SOCKETS}/connection.json")
    else:
        # Unsandboxed, allowed only by explicit operator choice: limits still apply.
        command = [
            sys.executable, "-I", str(HERE / "confine.py"), "--sockets", policy.ipc_dir,
            *(["--uid", str(policy.drop_to_uid)] if policy.drop_to_uid is not None else []),
            "--", sys.executable, "-I", str(HERE / "sandbox_kernel.py"), "-f", connection_file,
        ]  # fmt: skip
        os.environ.clear()
        os.environ.update({"PATH": "/usr/bin:/bin", "HOME": "/tmp", "MALLOC_ARENA_MAX": "1"})
        os.environ["LEARNFLOW_LIMITS"] = json.dumps(policy.limits)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
