"""Raw syscalls through ctypes, and their numbers, for the confinement modules."""

from __future__ import annotations

import ctypes
import os
import platform

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def check(ret: int, what: str) -> int:
    """``ret`` of a libc call, or OSError with errno and a message naming ``what``."""
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


# Numbers from the kernel's uapi headers (asm/unistd_64.h for x86_64, asm-generic/unistd.h for arm64).
_X86_64 = dict(socket=41, ptrace=101, process_vm_readv=310, process_vm_writev=311, unshare=272, setns=308,
               mount=165, umount2=166, pivot_root=155, chroot=161, keyctl=250, add_key=248, request_key=249,
               bpf=321, perf_event_open=298, userfaultfd=323, kexec_load=246, kexec_file_load=320,
               init_module=175, finit_module=313, delete_module=176, reboot=169, swapon=167, swapoff=168,
               acct=163, quotactl=179, name_to_handle_at=303, open_by_handle_at=304, syslog=103, ioperm=173,
               iopl=172, kcmp=312, lookup_dcookie=212, inotify_add_watch=254, fanotify_init=300,
               chmod=90, fchmod=91, fchmodat=268, chown=92, fchown=93, lchown=94, fchownat=260, utime=132,
               utimes=235, utimensat=280, futimesat=261, setxattr=188, lsetxattr=189, fsetxattr=190,
               removexattr=197, lremovexattr=198, fremovexattr=199, setsid=112, setpgid=109,
               execve=59, execveat=322, kill=62, tkill=200, tgkill=234, rt_sigqueueinfo=129,
               rt_tgsigqueueinfo=297, clone=56, prctl=157, ioctl=16, capset=126)
_AARCH64 = dict(socket=198, ptrace=117, process_vm_readv=270, process_vm_writev=271, unshare=97, setns=268,
                mount=40, umount2=39, pivot_root=41, chroot=51, keyctl=219, add_key=217, request_key=218,
                bpf=280, perf_event_open=241, userfaultfd=282, kexec_load=104, kexec_file_load=294,
                init_module=105, finit_module=273, delete_module=106, reboot=142, swapon=224, swapoff=225,
                acct=89, quotactl=60, name_to_handle_at=264, open_by_handle_at=265, syslog=116, kcmp=272,
                lookup_dcookie=18, inotify_add_watch=27, fanotify_init=262, fchmod=52, fchmodat=53,
                fchown=55, fchownat=54, utimensat=88, setxattr=5, lsetxattr=6, fsetxattr=7, removexattr=14,
                lremovexattr=15, fremovexattr=16, setsid=157, setpgid=154, execve=221, execveat=281,
                kill=129, tkill=130, tgkill=131, rt_sigqueueinfo=138, rt_tgsigqueueinfo=240, clone=220,
                prctl=167, ioctl=29, capset=91)
# Syscalls numbered alike on every architecture (added after the tables were unified).
_COMMON = dict(pidfd_send_signal=424, io_uring_setup=425, io_uring_enter=426, io_uring_register=427,
               open_tree=428, move_mount=429, fsopen=430, fsconfig=431, fsmount=432, fspick=433,
               pidfd_open=434, clone3=435, pidfd_getfd=438, process_madvise=440, mount_setattr=442,
               landlock_create_ruleset=444, landlock_add_rule=445, landlock_restrict_self=446,
               fchmodat2=452, setxattrat=463, removexattrat=466)
SYSCALLS = {**{"x86_64": _X86_64, "aarch64": _AARCH64}.get(platform.machine(), {}), **_COMMON}
