"""Step 7 of grader.confine: a seccomp filter, written as classic BPF by hand (no libseccomp).

The filter is the last protection a worker gets, because it forbids syscalls the earlier steps
use. It denies (EPERM) what no student function needs and what could escape or outlive the
sandbox: sockets, ptrace and its relatives, namespaces and mounts, io_uring (which would bypass
the filter), BPF, keyrings, kernel modules, exec (in forked workers), setsid/setpgid (leaving the
process group), changing file modes, owners, times and attributes (Landlock governs contents
only), and signals to any process but the worker itself. Foreign architectures (x32 on x86_64)
are killed. Syscall numbers are in grader/syscalls.py.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

from grader.syscalls import SYSCALLS, check, libc

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_MM = 1, 4, 22, 35
PR_SET_PTRACER = 0x59616D61
_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
MACHINE = platform.machine()
_ARCHES = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

# Denied outright: escaping the sandbox (namespaces, mounts, ptrace and its relatives, io_uring which
# bypasses seccomp, BPF, keyrings, kernel modules), networking, changing the process group, and
# changing file metadata (Landlock governs contents, not modes, owners or times).
_DENY = ("socket ptrace process_vm_readv process_vm_writev unshare setns mount umount2 pivot_root chroot "
         "keyctl add_key request_key bpf perf_event_open userfaultfd kexec_load kexec_file_load init_module "
         "finit_module delete_module reboot swapon swapoff acct quotactl name_to_handle_at open_by_handle_at "
         "syslog ioperm iopl kcmp lookup_dcookie inotify_add_watch fanotify_init chmod fchmod fchmodat "
         "fchmodat2 chown fchown lchown fchownat utime utimes utimensat futimesat setxattr lsetxattr fsetxattr "
         "removexattr lremovexattr fremovexattr setxattrat removexattrat setsid setpgid pidfd_send_signal "
         "pidfd_open pidfd_getfd process_madvise io_uring_setup io_uring_enter io_uring_register open_tree "
         "move_mount fsopen fsconfig fsmount fspick mount_setattr").split()
_SIGNALS = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
_RET_ALLOW, _RET_KILL = 0x7FFF0000, 0x80000000
_RET_EPERM, _RET_ENOSYS = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
_TIOCSTI, _TIOCLINUX = 0x5412, 0x541C


def program(pid: int, *, block_exec: bool, lock_dumpable: bool = True) -> bytes:
    """A classic-BPF seccomp filter (see _DENY); signals may only target our own process or group.

    Signals are limited by target because Landlock's signal scoping needs Linux 6.12: without it a
    worker sharing the grader's uid (non-root) could kill the grader. ``block_exec``: deny execve
    (a spawned worker gets the filter before its exec, and a second one with exec blocked once its
    interpreter runs). ``lock_dumpable``: deny PR_SET_DUMPABLE (left open for that second step).
    Returned as the packed sock_filter array.
    """
    if MACHINE not in _ARCHES:
        raise OSError(errno.ENOSYS, f"no seccomp syscall table for {MACHINE}")
    deny = [SYSCALLS[n] for n in _DENY if n in SYSCALLS]
    if block_exec:
        deny += [SYSCALLS["execve"], SYSCALLS["execveat"]]
    prog: list[tuple] = []  # (code, jt, jf, k); jt/jf may be label names, resolved below
    ld_arch, ld_nr, ld_arg0, ld_arg1 = (0x20, 0, 0, 4), (0x20, 0, 0, 0), (0x20, 0, 0, 16), (0x20, 0, 0, 24)

    def jeq(k, target):
        prog.append((0x15, target, 0, k))

    prog += [ld_arch]
    prog.append((0x15, 0, "kill", _ARCHES[MACHINE]))
    prog.append(ld_nr)
    if MACHINE == "x86_64":
        prog.append((0x35, "kill", 0, 0x40000000))  # x32 ABI numbers: not ours
    for nr in deny:
        jeq(nr, "eperm")
    jeq(SYSCALLS["clone3"], "enosys")  # its flags are behind a pointer; glibc falls back to clone
    jeq(SYSCALLS["clone"], "clone")
    for name in _SIGNALS:
        jeq(SYSCALLS[name], "signal")
    jeq(SYSCALLS["prctl"], "prctl")
    jeq(SYSCALLS["ioctl"], "ioctl")
    prog.append(("ret", _RET_ALLOW))
    labels = {"clone": len(prog)}
    prog += [ld_arg0, (0x45, "eperm", 0, _NAMESPACE_FLAGS), ("ret", _RET_ALLOW)]
    labels["signal"] = len(prog)
    prog += [ld_arg0]
    for target in (pid, 0, (-pid) & 0xFFFFFFFF):
        jeq(target, "allow")
    prog.append(("ret", _RET_EPERM))
    labels["prctl"] = len(prog)
    prog.append(ld_arg0)
    for option in ((PR_SET_DUMPABLE,) if lock_dumpable else ()) + (PR_SET_PDEATHSIG, PR_SET_PTRACER, PR_SET_MM):
        jeq(option, "eperm")
    prog.append(("ret", _RET_ALLOW))
    labels["ioctl"] = len(prog)
    prog += [ld_arg1]
    jeq(_TIOCSTI, "eperm")
    jeq(_TIOCLINUX, "eperm")
    labels["allow"] = len(prog)
    prog.append(("ret", _RET_ALLOW))
    labels["eperm"] = len(prog)
    prog.append(("ret", _RET_EPERM))
    labels["enosys"] = len(prog)
    prog.append(("ret", _RET_ENOSYS))
    labels["kill"] = len(prog)
    prog.append(("ret", _RET_KILL))

    def rel(target, at: int) -> int:
        """A jump target as BPF wants it: an offset from the next instruction."""
        if not isinstance(target, str):
            return target
        off = labels[target] - at - 1
        if not 0 <= off < 256:
            raise ValueError("seccomp jump out of range")
        return off

    out = bytearray()
    for i, ins in enumerate(prog):
        if ins[0] == "ret":
            out += struct.pack("<HBBI", 0x06, 0, 0, ins[1])
        else:
            code, jt, jf, k = ins
            out += struct.pack("<HBBI", code, rel(jt, i), rel(jf, i), k)
    return bytes(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def install(prog: bytes) -> None:
    """Install ``prog`` (from :func:`program`) on this process and all its future children."""
    fprog = _SockFprog(len(prog) // 8, prog)
    check(libc.prctl(PR_SET_SECCOMP, 2, ctypes.addressof(fprog), 0, 0), "PR_SET_SECCOMP")
