"""The protections applied to a worker process, one function each, composed by :func:`confine`.

Each function below applies one Linux mechanism to the calling process and raises ``OSError`` when
the kernel refuses. :func:`grader.probe.probe` tries them all once in a throw-away child, so the grader knows
which ones this machine offers before any student code runs; :func:`confine` then applies exactly
those in every worker, and a failure there aborts the worker instead of running it with less
protection than the report claims.

Ordering rule (each step needs the ones before it, or would be undone by the ones after it):

1. ``new_session``: setsid, so one killpg reaches every process the worker starts (and it loses
   any controlling terminal, so nothing can be pushed into the grader's terminal);
2. ``new_network_namespace``: needs privileges (root, or a fresh user namespace), so it comes
   before they are dropped. The zygote does this once for itself; its children inherit it;
3. ``set_rlimits``: memory, file size, open files, processes, core dumps, CPU backstop;
4. ``drop_user``: a dedicated unprivileged uid/gid when the grader is root (after the scratch
   directory was handed to that uid, which needs root), then ``limit_capabilities``: none left
   (or only CAP_DAC_READ_SEARCH, see there), whoever runs the grader;
5. ``no_new_privs`` and ``no_parent_death_escape``: after the uid change, which would reset the
   parent-death signal;
6. ``landlock``: needs no_new_privs when unprivileged;
7. ``seccomp`` (grader/seccomp.py): last, because its filter forbids syscalls the steps above
   use (unshare, setsid, prctl).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader import seccomp
from grader.syscalls import SYSCALLS, check, libc

OUTPUT_LIMIT = 8 * 1024 * 1024  # bytes a worker may write to one file, its log included
CPU_BACKSTOP = 15 * 60  # seconds of CPU for one worker process's whole life
OPEN_FILES = 256
WORKER_PROCESSES = 16  # processes (threads) one worker uid may have: student code needs one
# A worker's dedicated uid is this base plus its pid: unique on the machine while the worker lives,
# without any coordination between grader processes. Pids stay below 2**22 (PID_MAX_LIMIT), so the
# range 2_100_000_000 .. 2_104_194_304 lies between systemd's container range and its reserved
# 0x7FFE0000 block, away from anything distributions hand out.
DEDICATED_UID_BASE = 2_100_000_000
NOBODY = 65534

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_KEEPCAPS = 1, 4, 8
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 36, 38, 47
CLONE_NEWNET, CLONE_NEWUSER = 0x40000000, 0x10000000
CAP_DAC_READ_SEARCH = 2


def _prctl(option: int, arg: int = 0, what: str = "prctl") -> None:
    check(libc.prctl(option, arg, 0, 0, 0), what)


# -- 1. session ------------------------------------------------------------------------------------

def new_session() -> None:
    """Become the leader of a new session and process group (pgid == pid)."""
    if os.getpgid(0) != os.getpid() or os.getsid(0) != os.getpid():
        os.setsid()


# -- 2. network ------------------------------------------------------------------------------------

def new_network_namespace() -> str:
    """Enter a network namespace with only a (down) loopback device: no route to anything.

    As root this is a plain unshare; otherwise a user namespace is created first (mapping only our
    own uid/gid), which distributions may forbid (Ubuntu's AppArmor userns restriction).
    """
    if os.geteuid() == 0:
        check(libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
        return "root"
    uid, gid = os.geteuid(), os.getegid()
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNET), "unshare(CLONE_NEWUSER|CLONE_NEWNET)")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)
    drop_capabilities(0)  # the capabilities a new user namespace grants are not for student code
    return "user namespace"


# -- 3. resource limits ----------------------------------------------------------------------------

def set_rlimits(memory_mb: int, processes: int | None) -> None:
    """Address space, file size, open files, core dumps, locked memory, CPU backstop, processes."""
    mem = memory_mb * 1024 * 1024
    limits = [(resource.RLIMIT_AS, mem), (resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, OUTPUT_LIMIT),
              (resource.RLIMIT_NOFILE, OPEN_FILES), (resource.RLIMIT_MEMLOCK, 0), (resource.RLIMIT_MSGQUEUE, 0)]
    for which, value in limits:
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_BACKSTOP, CPU_BACKSTOP + 5))
    if processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    # Writing past the file-size limit fails with EFBIG instead of killing the worker.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def count_user_tasks(uid: int) -> int:
    """Threads currently owned by ``uid`` (RLIMIT_NPROC counts threads of the real uid)."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                pass
    return count


# -- 4. user ---------------------------------------------------------------------------------------

def drop_user(uid: int, gid: int, keep_read_search: bool = False) -> None:
    """Switch real, effective and saved uid/gid to an unprivileged pair and drop supplementary groups.

    ``keep_read_search``: keep the permitted capabilities across the switch, so that
    :func:`limit_capabilities` can retain CAP_DAC_READ_SEARCH.
    """
    if keep_read_search:
        _prctl(PR_SET_KEEPCAPS, 1, "PR_SET_KEEPCAPS")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def limit_capabilities(keep_read_search: bool) -> None:
    """Hold no capability at all, or only CAP_DAC_READ_SEARCH (also across exec, as ambient).

    That one is kept only when the Python installation is unreadable without it (e.g. under
    /root) and Landlock confines what may be read; see :func:`probe`.
    """
    mask = 1 << CAP_DAC_READ_SEARCH if keep_read_search else 0
    drop_capabilities(mask)
    _prctl(PR_SET_KEEPCAPS, 0, "PR_SET_KEEPCAPS")
    check(libc.prctl(PR_CAP_AMBIENT, 4, 0, 0, 0), "PR_CAP_AMBIENT_CLEAR_ALL")
    if keep_read_search:
        check(libc.prctl(PR_CAP_AMBIENT, 2, CAP_DAC_READ_SEARCH, 0, 0), "PR_CAP_AMBIENT_RAISE")


def drop_capabilities(keep_mask: int) -> None:
    """Set effective, permitted and inheritable capabilities to ``keep_mask`` (low 32 bits)."""
    header = struct.pack("<Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = struct.pack("<6I", keep_mask, keep_mask, keep_mask, 0, 0, 0)
    nr = SYSCALLS["capset"]
    check(libc.syscall(nr, ctypes.c_char_p(header), ctypes.c_char_p(data)), "capset")


# -- 5. privileges and parent death ----------------------------------------------------------------

def no_new_privs() -> None:
    """setuid binaries and file capabilities can no longer raise privileges (needed by 6 and 7)."""
    _prctl(PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS")


def no_parent_death_escape(parent: int) -> None:
    """Die with the parent (the zygote or the grader); exit now if it is already gone."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, "PR_SET_PDEATHSIG")
    if os.getppid() != parent:
        os._exit(1)


def non_dumpable() -> None:
    """Processes of the same uid can no longer read our /proc files (environ, cwd, mem)."""
    _prctl(PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE")


def child_subreaper() -> None:
    """Orphans of our descendants (double fork, setsid) are re-parented to us, so we can kill them."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1, "PR_SET_CHILD_SUBREAPER")


# -- 6. Landlock -----------------------------------------------------------------------------------

_LL_EXECUTE, _LL_WRITE_FILE, _LL_READ_FILE, _LL_READ_DIR = 1, 2, 4, 8
_LL_REMOVE_DIR, _LL_REMOVE_FILE, _LL_MAKE_CHAR, _LL_MAKE_DIR = 16, 32, 64, 128
_LL_MAKE_REG, _LL_MAKE_SOCK, _LL_MAKE_FIFO, _LL_MAKE_BLOCK, _LL_MAKE_SYM = 256, 512, 1024, 2048, 4096
_LL_REFER, _LL_TRUNCATE, _LL_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_LL_FILE_ONLY = _LL_EXECUTE | _LL_WRITE_FILE | _LL_READ_FILE | _LL_TRUNCATE | _LL_IOCTL_DEV


def landlock_abi() -> int:
    """The Landlock ABI version of this kernel; OSError (ENOSYS / EOPNOTSUPP) when unavailable."""
    return check(libc.syscall(SYSCALLS["landlock_create_ruleset"], None, ctypes.c_size_t(0),
                                ctypes.c_uint32(1)), "landlock_create_ruleset(VERSION)")


def _landlock_fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= _LL_REFER
    if abi >= 3:
        rights |= _LL_TRUNCATE
    if abi >= 5:
        rights |= _LL_IOCTL_DEV
    return rights


@dataclass(frozen=True)
class LandlockRules:
    """Paths a worker may use; everything else on every filesystem is denied."""

    read: tuple[str, ...]
    execute: tuple[str, ...] = ()
    read_write: tuple[str, ...] = ()
    devices: tuple[str, ...] = ("/dev/null",)


def landlock(abi: int, rules: LandlockRules) -> list[str]:
    """Restrict this process (and its future children) to ``rules``; returns what was restricted."""
    fs = _landlock_fs_rights(abi)
    net = 3 if abi >= 4 else 0  # BIND_TCP | CONNECT_TCP, with no rule allowing any port
    scoped = 3 if abi >= 6 else 0  # abstract unix sockets and signals outside our domain
    attr = struct.pack("<QQQ", fs, net, scoped)
    ruleset = check(libc.syscall(SYSCALLS["landlock_create_ruleset"], ctypes.c_char_p(attr),
                                   ctypes.c_size_t(len(attr)), ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        read = _LL_READ_FILE | _LL_READ_DIR
        write = (read | _LL_WRITE_FILE | _LL_REMOVE_DIR | _LL_REMOVE_FILE | _LL_MAKE_DIR | _LL_MAKE_REG
                 | _LL_MAKE_FIFO | (_LL_REFER if abi >= 2 else 0) | (_LL_TRUNCATE if abi >= 3 else 0))
        for paths, access in ((rules.read, read), (rules.execute, read | _LL_EXECUTE), (rules.read_write, write),
                              (rules.devices, _LL_READ_FILE | _LL_WRITE_FILE)):
            for path in paths:
                _landlock_rule(ruleset, path, access & fs)
        check(libc.syscall(SYSCALLS["landlock_restrict_self"], ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    done = ["filesystem"]
    if net:
        done.append("tcp")
    if scoped:
        done.append("scopes")
    return done


def _landlock_rule(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(f"/proc/self/fd/{fd}") and not Path(path).is_dir():
            access &= _LL_FILE_ONLY
        attr = struct.pack("<Qi", access, fd)
        check(libc.syscall(SYSCALLS["landlock_add_rule"], ruleset, 1, ctypes.c_char_p(attr), 0),
               f"landlock_add_rule({path})")
    finally:
        os.close(fd)


def worker_rules(scratch: str, *, spawn: bool) -> LandlockRules:
    """Read-only: the Python installation, the venv and the grader package; read-write: scratch.

    The course repository (solutions/, hidden tests, gradebooks) is not in the list, even when the
    grader package lives inside it (an editable install): only the package directory is.
    """
    import grader

    read = {sys.base_prefix + "/lib", sys.prefix, sys.exec_prefix + "/lib", str(Path(grader.__file__).parent),
            "/etc/ld.so.cache", "/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/local/lib"}
    read |= {p for p in sys.path if p and os.path.isabs(p) and "site-packages" in p}
    read.discard("/")
    execute: tuple[str, ...] = ()
    if spawn:  # the exec of the interpreter happens inside the restricted domain
        exe = os.path.realpath(sys.executable)
        execute = (exe, _elf_interpreter(exe) or "/lib64/ld-linux-x86-64.so.2")
    return LandlockRules(read=tuple(sorted(read)), execute=execute, read_write=(scratch,))


def _elf_interpreter(path: str) -> str | None:
    """The dynamic loader named in an ELF executable's PT_INTERP header (executed by the kernel too)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2:
                return None
            phoff, = struct.unpack_from("<Q", head, 32)
            phentsize, phnum = struct.unpack_from("<HH", head, 54)
            fh.seek(phoff)
            table = fh.read(phentsize * phnum)
            for i in range(phnum):
                ptype, _, offset, _, _, size = struct.unpack_from("<IIQQQQ", table, i * phentsize)
                if ptype == 3:
                    fh.seek(offset)
                    return os.path.realpath(fh.read(size).rstrip(b"\0").decode())
    except (OSError, struct.error, UnicodeDecodeError):
        return None
    return None


# -- composition -----------------------------------------------------------------------------------

@dataclass
class Plan:
    """Which protections this machine offers, decided once by :func:`grader.probe.probe`."""

    netns: str | None = None  # how the namespace is made: "root", "user namespace", None
    uid: int | None = None  # first uid of the dedicated range, NOBODY, or None (keep ours)
    dedicated_uids: bool = False
    keep_read_search: bool = False
    landlock_abi: int = 0
    seccomp: bool = False
    nproc_base: int = 0  # threads our uid already has, when workers share it
    unavailable: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return dict(vars(self))


def worker_uid(plan: Plan, pid: int) -> tuple[int, int] | None:
    """(uid, gid) of the worker whose pid is ``pid``, or None when workers keep the grader's."""
    if plan.uid is None:
        return None
    uid = plan.uid + pid if plan.dedicated_uids else plan.uid
    return uid, uid


def confine(plan: Plan, *, scratch: str, memory_mb: int, parent: int | None, spawn: bool,
            netns: bool, rules: LandlockRules | None = None) -> None:
    """Apply every protection of ``plan`` to the calling process, in the documented order.

    ``parent``: die with this process (the zygote; None for a spawned worker, whose parent is a
    thread of the grader). ``netns``: make the network namespace here (spawn) rather than inherit
    the zygote's. Raises OSError when a protection the plan promised fails: the caller must not
    run student code then.
    """
    new_session()
    if netns and plan.netns:
        new_network_namespace()
    ids = worker_uid(plan, os.getpid())
    if ids is not None:
        processes = WORKER_PROCESSES if plan.dedicated_uids else WORKER_PROCESSES * 8
    else:
        processes = plan.nproc_base + WORKER_PROCESSES * 8 if os.geteuid() != 0 else None
    set_rlimits(memory_mb, processes)
    if ids is not None:
        for path in (scratch, os.path.join(scratch, "src")):
            os.chown(path, *ids, follow_symlinks=False)
            for entry in os.scandir(path):
                if entry.is_file(follow_symlinks=False) and entry.name != "output.log":
                    os.chown(entry.path, *ids, follow_symlinks=False)
        drop_user(*ids, keep_read_search=plan.keep_read_search)
    limit_capabilities(plan.keep_read_search)
    no_new_privs()
    if parent is not None:
        no_parent_death_escape(parent)
    if not spawn:
        non_dumpable()  # inherited from the zygote anyway; exec (spawn) would reset it
    if plan.landlock_abi:
        landlock(plan.landlock_abi, rules or worker_rules(scratch, spawn=spawn))
    if plan.seccomp:
        seccomp.install(seccomp.program(os.getpid(), block_exec=not spawn, lock_dumpable=not spawn))


def after_exec(plan_seccomp: bool) -> None:
    """The rest of the confinement of a spawned worker, once its interpreter runs and before any
    student code: exec made it dumpable again, and the exec it needed can now be forbidden."""
    non_dumpable()
    if plan_seccomp:
        seccomp.install(seccomp.program(os.getpid(), block_exec=True))
