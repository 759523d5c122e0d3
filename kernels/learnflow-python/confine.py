"""Inside the sandbox, before the kernel starts: drop privileges, then lock the process down.

Runs as the first program in the bubblewrap sandbox (or alone, when an operator has
allowed unsandboxed execution). Order matters: change ids while that is still
allowed, forbid regaining privileges, restrict the file system with Landlock, filter
system calls with seccomp, and only then exec the kernel, which inherits it all.

    confine.py --sockets DIR [--uid UID] -- COMMAND...
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38

# Landlock system calls and constants (linux/landlock.h); the numbers are the same
# on every architecture.
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
ACCESS_EXECUTE, ACCESS_WRITE_FILE, ACCESS_READ_FILE, ACCESS_READ_DIR = 1, 2, 4, 8
ACCESS_REMOVE_DIR, ACCESS_REMOVE_FILE, ACCESS_MAKE_CHAR, ACCESS_MAKE_DIR = 16, 32, 64, 128
ACCESS_MAKE_REG, ACCESS_MAKE_SOCK, ACCESS_MAKE_FIFO, ACCESS_MAKE_BLOCK = 256, 512, 1024, 2048
ACCESS_MAKE_SYM, ACCESS_REFER, ACCESS_TRUNCATE = 4096, 8192, 16384
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
READ_ONLY = ACCESS_EXECUTE | ACCESS_READ_FILE | ACCESS_READ_DIR

# System calls no student program needs, that could reach other processes or the kernel.
DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd",
    "kcmp", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "move_mount",
    "open_tree", "fsopen", "fsmount", "fspick", "mount_setattr", "keyctl", "add_key",
    "request_key", "bpf", "perf_event_open", "userfaultfd", "kexec_load", "kexec_file_load",
    "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct",
    "quotactl", "syslog", "personality", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "open_by_handle_at", "name_to_handle_at", "iopl", "ioperm",
)  # fmt: skip

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("confine: could not drop root privileges")


def forbid_new_privileges() -> None:
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def landlock_abi() -> int:
    """Return the Landlock ABI version the running kernel offers (0 if none)."""
    version = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return max(int(version), 0)


def apply_landlock(sockets: str) -> int:
    """Allow reading everything visible and writing only in /tmp; return the ABI used.

    In ``sockets`` the kernel may only create and remove its sockets, so a run cannot
    store anything on the host through it.
    """
    abi = landlock_abi()
    if abi < 1:
        return 0
    handled = (1 << 13) - 1  # every file-system right of ABI 1
    if abi >= 2:
        handled |= ACCESS_REFER
    if abi >= 3:
        handled |= ACCESS_TRUNCATE
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    # struct landlock_ruleset_attr { u64 handled_access_fs; u64 handled_access_net; u64 scoped; }
    attr = struct.pack("QQQ", handled, 0, scoped)
    size = 24 if abi >= 6 else 8
    ruleset = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, attr, size, 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        _allow(ruleset, "/", READ_ONLY)
        _allow(ruleset, "/tmp", handled)
        _allow(ruleset, sockets, READ_ONLY | ACCESS_MAKE_SOCK | ACCESS_REMOVE_FILE)
        # Programs write to /dev/null all the time; it is a file, so only file rights apply.
        file_rights = ACCESS_READ_FILE | ACCESS_WRITE_FILE | (ACCESS_TRUNCATE if abi >= 3 else 0)
        _allow(ruleset, "/dev/null", file_rights)
        if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


def _allow(ruleset: int, path: str, access: int) -> None:
    descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        # struct landlock_path_beneath_attr { u64 allowed_access; s32 parent_fd; } (packed)
        rule = struct.pack("=Qi", access, descriptor)
        if libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, rule, 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(descriptor)


def apply_seccomp() -> None:
    import pyseccomp

    flt = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        # A system call this architecture or libseccomp does not know is skipped.
        with contextlib.suppress(RuntimeError, ValueError, OSError):
            flt.add_rule(pyseccomp.ERRNO(1), name)
    flt.load()


def main(argv: list[str]) -> None:
    separator = argv.index("--")
    options, command = argv[:separator], argv[separator + 1 :]
    sockets = options[options.index("--sockets") + 1]
    uid = next((int(options[i + 1]) for i, o in enumerate(options) if o == "--uid"), None)

    if uid is not None:
        drop_privileges(uid)
    forbid_new_privileges()
    apply_landlock(sockets)
    apply_seccomp()
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
