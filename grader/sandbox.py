"""Starting, watching and stopping the confined worker process, and reporting its confinement.

A worker is started by the pre-warmed zygote (:mod:`grader.zygote`: one process per grader run
with numpy already imported, which forks a worker per request) or, when the zygote cannot start,
by spawning ``python -I -m grader.worker``. Either way the worker gets the protections of
:mod:`grader.confine` that this machine offers, a scratch directory as working directory and HOME,
an environment holding nothing of the grader's, and stdout/stderr sent to a size-limited log that
is never parsed. :func:`protection_report` says which protections are active and why the others
are not; nothing degrades silently.

Time limits are enforced here, from outside the worker: wall-clock by waiting with a deadline,
CPU time per call by reading the kernel's accounting in /proc/<pid>/stat.
"""

from __future__ import annotations

import ast
import atexit
import json
import marshal
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

import grader
from grader import codec, confine, procs
from grader.errors import ConfinementFailed, Terminated
from grader.worker import BYTECODE_SUFFIX
from grader.workerenv import CONFINEMENT_FAILED, CONFINEMENT_MARK, base_env

OUTPUT_LIMIT = confine.OUTPUT_LIMIT
CPU_BACKSTOP = confine.CPU_BACKSTOP
_CPU_POLL = 0.1  # seconds between CPU-time checks while a call runs
_TICKS = os.sysconf("SC_CLK_TCK")

MANDATORY = ("separate-process", "rlimits", "wall-clock-limit", "process-group-kill")
DESCRIPTIONS = {
    "separate-process": "student code runs in a worker process, never in the grader's",
    "scrubbed-environment": "the worker's environment holds nothing of the grader's",
    "scratch-directory": "the worker's working directory and HOME is a private scratch directory, removed afterwards",
    "rlimits": "address space (course.yaml memory_mb), 8 MB per file, 256 open files, no core dumps, "
               "no locked memory, 15 min CPU backstop",
    "wall-clock-limit": "per call and per test (course.yaml call_seconds, test_seconds), enforced by the grader",
    "cpu-time-limit": "per call (call_seconds of CPU), read by the grader from /proc/<pid>/stat",
    "process-group-kill": "the worker leads its own session and process group, killed when grading ends",
    "subreaper-cleanup": "processes that leave the group (setsid, double fork) are re-parented to the zygote "
                         "and killed",
    "process-limit": f"RLIMIT_NPROC: at most {confine.WORKER_PROCESSES} processes per worker uid",
    "unprivileged-user": "workers run under a dedicated unprivileged uid each, with no supplementary groups",
    "network-namespace": "workers live in a network namespace with no interfaces up: no network at all",
    "landlock-filesystem": "Landlock: read-only Python installation, venv and grader package; read-write "
                           "scratch directory; nothing else (no course repository, no /proc of others)",
    "landlock-network": "Landlock: TCP bind and connect denied",
    "landlock-scopes": "Landlock: no signals or abstract unix sockets outside the worker",
    "seccomp-filter": "seccomp: no sockets, ptrace, namespaces, mounts, io_uring, BPF, exec, setsid, "
                      "chmod/chown; signals only to the worker itself",
    "no-new-privileges": "setuid binaries cannot raise the worker's privileges",
    "non-dumpable": "other processes of the worker's uid cannot read the /proc files of the workers and the "
                    "zygote (nor of the grader, for a normal user without Landlock)",
    "prewarmed-zygote": "workers are forked from a pre-warmed zygote (numpy already imported)",
}
REMEDIES = {
    "unprivileged-user": "run the grader as root (e.g. in a container): each worker then gets its own uid, "
                         "which also makes the process limit and the uid-wide cleanup effective",
    "process-limit": "run the grader as root (RLIMIT_NPROC does not bind root, and as a normal user it "
                     "counts all of that user's processes)",
    "network-namespace": "run as root, or allow unprivileged user namespaces (sysctl "
                         "kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu >= 23.10, "
                         "kernel.unprivileged_userns_clone=1 on older Debian)",
    "landlock-filesystem": "use Linux >= 5.13 with Landlock enabled (CONFIG_SECURITY_LANDLOCK=y and "
                           "'landlock' in the lsm= boot parameter; see /sys/kernel/security/lsm)",
    "landlock-network": "use Linux >= 6.7 (Landlock ABI 4) with Landlock enabled",
    "landlock-scopes": "use Linux >= 6.12 (Landlock ABI 6) with Landlock enabled",
    "seccomp-filter": "use a kernel with CONFIG_SECCOMP_FILTER on x86_64 or aarch64 and do not run under "
                      "a seccomp policy that forbids installing filters",
    "subreaper-cleanup": "let the zygote start (see its error); without it, double-forked processes are only "
                         "found by uid, which needs root",
    "prewarmed-zygote": "see the reason; the grader falls back to spawning one interpreter per worker",
    "cpu-time-limit": "mount /proc",
}


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to start: the student's source and the limits to apply."""

    source: str
    module: str
    allowed_imports: tuple[str, ...]
    memory_mb: int = 1024
    preload: tuple[str, ...] = ()  # allowed modules the source imports: the zygote imports them once
    # the source as parsed by the import check (grader.submission.parse_source): the worker's code
    # is compiled from it rather than from the text, which would parse it again
    tree: ast.Module | None = field(default=None, compare=False, repr=False)


class WorkerProcess:
    """A running worker: its end of the socket, its scratch directory, its launch (zygote or spawn).

    ``pid`` may block briefly on the first access while the zygote is still booting.
    """

    def __init__(self, launch, sock: socket.socket, scratch: Path, log_fd: int):
        self.launch = launch
        self.sock = sock
        self.reader = codec.Reader(sock, codec.MAX_REPLY)
        self.scratch = scratch
        self._log_fd = log_fd
        self._cpu_deadline: float | None = None
        self._cpu_budget: float | None = None
        self._call_started = 0.0
        self.cpu_exceeded = False
        self.cpu_exceeded_after = 0.0
        self._killed = False
        self.exited = False  # seen gone by cpu_seconds
        self._stopped = False
        self._stop_lock = threading.Lock()
        self._stat_fd: int | None = None
        self.code: types.CodeType | None = None  # the module's code the worker was given (see _write_bytecode)

    @property
    def pid(self) -> int:
        return self.launch.pid()

    @property
    def protections(self) -> list[str]:
        return list(self.launch.protections())

    # -- limits ---------------------------------------------------------------------------------
    def cpu_seconds(self) -> float | None:
        """CPU time (user + system, all threads) the worker process has used so far (None when
        it cannot be read; ``exited`` then tells whether the process is gone)."""
        try:
            if self._stat_fd is None:
                self._stat_fd = os.open(f"/proc/{self.pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
            data = os.pread(self._stat_fd, 1024, 0)
            fields = data[data.rindex(b")") + 2:].split()
            self.exited = fields[0] in (b"Z", b"X")
            return (int(fields[11]) + int(fields[12])) / _TICKS
        except (ProcessLookupError, FileNotFoundError):
            self.exited = True
            return None
        except (OSError, ValueError, IndexError, RuntimeError):
            return None

    def start_call(self, cpu_seconds: float) -> None:
        """Give the next call ``cpu_seconds`` of CPU time, checked by :meth:`wait_readable`.

        Most calls end within a millisecond, so /proc is not read here: at the first check, after
        ``_CPU_POLL`` s of wall time, the CPU used since the call began is taken as that wall
        time (a single-threaded worker cannot have used more), which makes the limit stricter by
        at most the CPU the worker did not use in that first interval.
        """
        self._cpu_budget = cpu_seconds
        self._cpu_deadline = None
        self._call_started = time.monotonic()
        self.cpu_exceeded = False
        self.cpu_exceeded_after = 0.0  # wall-clock seconds into the call when its CPU budget ran out

    def wait_readable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the worker to send something; False on timeout or when the
        call's CPU budget is used up (``cpu_exceeded`` tells which)."""
        end = time.monotonic() + timeout
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return False
            step = remaining if self._cpu_budget is None else min(remaining, _CPU_POLL)
            if select.select([self.sock], [], [], step)[0]:
                return True
            if self._cpu_budget is not None:
                used = self.cpu_seconds()
                if self.exited:
                    # Gone, though its socket is still open: a process the student's code forked
                    # holds a copy. Waiting for the call's limit would call a crash a timeout.
                    raise EOFError("the worker process exited")
                if used is None:
                    continue
                if self._cpu_deadline is None:
                    self._cpu_deadline = used + self._cpu_budget - (time.monotonic() - self._call_started)
                if used > self._cpu_deadline:
                    self.cpu_exceeded = True
                    self.cpu_exceeded_after = time.monotonic() - self._call_started
                    return False

    # -- exit -----------------------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> int | None:
        """The worker's raw wait status once it has exited (None if still running after ``timeout``)."""
        return self.launch.wait(timeout)

    def confinement_error(self) -> str | None:
        """Why the worker could not be confined, if that is how it exited (the zygote wrote the
        reason to its log before any student code ran), else None."""
        status = self.launch.wait(0)
        if status is None or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != CONFINEMENT_FAILED:
            return None
        for line in reversed(self.output_tail().splitlines()):
            if line.startswith(CONFINEMENT_MARK):
                return line[len(CONFINEMENT_MARK):].strip() or "unknown reason"
        return "unknown reason"

    def exit_description(self) -> str:
        error = getattr(self.launch, "error", None)
        if error:
            return f"it could not be started: {error}"
        return describe_status(self.launch.wait(0))

    def output_tail(self, limit: int = 2000) -> str:
        """The end of what the student's code printed (for diagnostics; never parsed)."""
        try:
            size = os.fstat(self._log_fd).st_size
            return os.pread(self._log_fd, limit, max(0, size - limit)).decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Kill the worker and every process it started, but keep this end of the socket open: a
        thread waiting on the worker (threaded grading stopped by Ctrl-C) then reads the end of
        the stream at once, with no descriptor closed under it. :meth:`kill` does the rest."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self.launch.kill()

    def kill(self) -> None:
        """Kill the worker and every process it started, then remove its scratch directory."""
        if self._killed:
            return
        self._killed = True
        try:
            self.sock.close()
        except OSError:
            pass
        try:
            self.stop()
        finally:
            self._close_fds()
            remove_tree(self.scratch)
            _live.discard(self)

    def forget(self) -> None:
        """Close this process's descriptors of a worker that another grading process (a fork of
        this one) has killed and cleaned up already."""
        if self._killed:
            return
        self._killed = True
        try:
            self.sock.close()
        except OSError:
            pass
        self._close_fds()
        _live.discard(self)

    def _close_fds(self) -> None:
        for fd in (self._log_fd, self._stat_fd):
            try:
                os.close(fd) if fd is not None else None
            except OSError:
                pass


def describe_status(status: int | None) -> str:
    if status is None:
        return "still running"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            return f"killed by {signal.Signals(sig).name}"
        except ValueError:
            return f"killed by signal {sig}"
    code = os.WEXITSTATUS(status)
    if code == CONFINEMENT_FAILED:
        return "the grader could not confine it; see `grader doctor`"
    return f"exit code {code}"


def remove_tree(path: Path) -> None:
    """Remove a scratch directory even where the worker took away permissions (chmod 000 dirs)."""

    top = os.path.abspath(path)

    def retry(_func, target, exc_info):
        # ``_func`` is whichever call failed (os.open, os.lstat, os.scandir...), not necessarily a
        # removal: calling it again with the path alone (os.open without flags) raised TypeError and
        # killed the zygote when the grader removed the same scratch meanwhile. Only ever unlink.
        target = os.path.abspath(target)
        if isinstance(exc_info[1], FileNotFoundError) or os.path.commonpath([top, target]) != top:
            return  # gone already (removed by someone else meanwhile), or not ours
        try:
            if target != top:  # never change the mode of the tree's parent (e.g. /tmp itself)
                os.chmod(os.path.dirname(target), 0o700)
            if os.path.isdir(target) and not os.path.islink(target):
                os.chmod(target, 0o700)
                shutil.rmtree(target, ignore_errors=True)
            elif os.path.lexists(target):
                os.unlink(target)
        except OSError:
            pass

    shutil.rmtree(path, onerror=retry)


def _scrubbed_env(scratch: Path) -> dict[str, str]:
    return {**base_env(), "HOME": str(scratch), "TMPDIR": str(scratch)}


# -- the report ------------------------------------------------------------------------------------

def report_from_plan(plan: confine.Plan, *, zygote: bool, zygote_reason: str = "") -> dict:
    """{"active": [...], "unavailable": [{"name", "reason"}]} for workers started under ``plan``."""
    active = ["separate-process", "scrubbed-environment", "scratch-directory", "rlimits", "wall-clock-limit"]
    unavailable = []
    if os.path.exists("/proc/self/stat"):
        active.append("cpu-time-limit")
    else:
        unavailable.append({"name": "cpu-time-limit", "reason": "/proc is not mounted"})
    active.append("process-group-kill")
    reasons = dict(plan.unavailable)
    active.append("non-dumpable")
    if zygote:
        active += ["prewarmed-zygote", "subreaper-cleanup"]
    else:
        unavailable.append({"name": "prewarmed-zygote", "reason": zygote_reason or "not used"})
        reason = "no zygote (spawn fallback)"
        if plan.dedicated_uids:
            active.append("subreaper-cleanup")  # escapees are still found by their dedicated uid
        else:
            unavailable.append({"name": "subreaper-cleanup", "reason": reason + " and no dedicated uid: "
                                "a double-forked process is re-parented outside the grader's reach"})
    optional = [("process-limit", plan.uid is not None or os.geteuid() != 0),
                ("unprivileged-user", plan.uid is not None),
                ("network-namespace", plan.netns is not None),
                ("landlock-filesystem", plan.landlock_abi >= 1),
                ("landlock-network", plan.landlock_abi >= 4),
                ("landlock-scopes", plan.landlock_abi >= 6),
                ("seccomp-filter", plan.seccomp),
                ("no-new-privileges", True)]
    for name, ok in optional:
        if ok:
            active.append(name)
        else:
            why = reasons.get(name) or reasons.get("probe") or "the probe did not report it"
            unavailable.append({"name": name, "reason": why})
    return {"active": active, "unavailable": unavailable}


_spawn_plan: confine.Plan | None = None
_spawn_lock = threading.Lock()


def spawn_plan() -> confine.Plan:
    """What a spawned worker gets here (probed once, in a separate interpreter, then cached)."""
    global _spawn_plan
    with _spawn_lock:
        if _spawn_plan is None:
            # In a session of its own, and not killed if we are interrupted: Ctrl-C would stop
            # it before it removes its scratch directory. It finishes in a fraction of a second.
            # Its scratch goes where the workers' will (TMPDIR), so that is what it probes.
            proc = subprocess.Popen([sys.executable, "-I", "-B", "-m", "grader.probe"], cwd="/",
                                    env={**base_env(), "TMPDIR": tempfile.gettempdir()}, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            try:
                stdout, stderr = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                stdout, stderr = proc.communicate()
            try:
                _spawn_plan = confine.Plan(**json.loads(stdout))
            except (ValueError, TypeError):
                _spawn_plan = confine.Plan(unavailable={"probe": stderr.decode(errors="replace")[-500:]})
        return _spawn_plan


def protection_report() -> dict:
    """Which protections workers started now get, and why the others are unavailable."""
    from grader import zygote

    z = zygote.get()
    if z is not None and z.wait_booted():
        return report_from_plan(z.plan, zygote=True)
    reason = zygote.failure_reason()
    return report_from_plan(spawn_plan(), zygote=False, zygote_reason=reason)


# -- starting a worker -----------------------------------------------------------------------------

# Loads the grader package from its directory rather than through sys.path (the directory holding
# the package, the course repository for an editable install, is not readable under Landlock),
# finishes the confinement (confine.after_exec), then becomes the worker.
_BOOT = ("import sys, importlib.util as u; s = u.spec_from_file_location('grader', sys.argv[1] + '/__init__.py', "
         "submodule_search_locations=[sys.argv[1]]); m = u.module_from_spec(s); sys.modules['grader'] = m; "
         "s.loader.exec_module(m); from grader import confine, worker; confine.after_exec(sys.argv[2] == '1'); "
         "worker.main(sys.argv[3:])")


class SpawnLaunch:
    """A worker started as ``python -I -m grader.worker`` by this process (the fallback)."""

    def __init__(self, args: list[str], scratch: Path, child: socket.socket, log_fd: int, memory_mb: int):
        self.plan = spawn_plan()
        rules = confine.worker_rules(str(scratch), spawn=True) if self.plan.landlock_abi else None
        plan = self.plan

        def preexec() -> None:  # in the child, between fork and exec; stdout and stderr are the log
            try:
                confine.confine(plan, scratch=str(scratch), memory_mb=memory_mb, parent=None, spawn=True,
                                netns=True, rules=rules)
            except BaseException as err:  # noqa: B036 - Popen only says "Exception occurred in preexec_fn"
                os.write(2, f"{CONFINEMENT_MARK} {type(err).__name__}: {err}\n".encode())
                raise

        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-c", _BOOT, str(Path(grader.__file__).parent),
                 "1" if plan.seccomp else "0", str(child.fileno()), *args],
                cwd=scratch, env=_scrubbed_env(scratch), stdin=subprocess.DEVNULL, stdout=log_fd,
                stderr=subprocess.STDOUT, pass_fds=(child.fileno(),), preexec_fn=preexec)
        except subprocess.SubprocessError:
            # Only confinement runs in preexec, before any student code: this machine is at fault
            # (e.g. `ulimit -f` in the shell below the worker's limit), as in the zygote's case.
            reason = "unknown reason"
            for line in reversed(os.pread(log_fd, 4096, 0).decode("utf-8", "replace").splitlines()):
                if line.startswith(CONFINEMENT_MARK):
                    reason = line[len(CONFINEMENT_MARK):].strip()
                    break
            # Ctrl-C (or SIGTERM) that reached the child between fork and exec: not this machine's fault.
            if reason.startswith("KeyboardInterrupt"):
                raise KeyboardInterrupt from None
            if reason.startswith("Terminated"):
                raise Terminated() from None
            raise ConfinementFailed.because(reason) from None
        ids = confine.worker_uid(self.plan, self.proc.pid) if self.plan.dedicated_uids else None
        self.uid = ids[0] if ids else None

    def pid(self) -> int:
        return self.proc.pid

    def protections(self) -> list[str]:
        return report_from_plan(self.plan, zygote=False)["active"]

    def wait(self, timeout: float | None) -> int | None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        code = self.proc.returncode
        return (-code) & 0x7F if code < 0 else (code & 0xFF) << 8

    def kill(self) -> None:
        try:
            procs.kill_everything(self.proc.pid, uid=self.uid, reap=lambda: self.proc.poll())
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass


_grader_hidden = False


def _hide_grader_process() -> None:
    """A worker of a normal user shares the grader's uid; without Landlock it could read the
    grader's /proc/<pid>/environ (CI tokens) and cwd. A non-dumpable process keeps those files
    from other processes of its uid (it also disables core dumps and ptrace by that user)."""
    global _grader_hidden
    if _grader_hidden or os.geteuid() == 0:
        return
    _grader_hidden = True
    try:
        confine.landlock_abi()
    except OSError:
        confine.non_dumpable()


def _write_bytecode(spec: WorkerSpec, module_path: Path) -> types.CodeType | None:
    """The module's code, compiled here, beside its source, for the worker to run; returned too
    (None when it does not compile), for :func:`grader.redact.code_lines`.

    A freshly forked worker compiles about three times slower than this warm process (its first
    allocations copy the zygote's memory pages), ~4 ms of a 400-line module, so compiling here
    saves that much CPU per worker. The grader has already parsed this source (the import
    check; its tree is compiled when the spec has it), and compiling it runs no student code.
    Whatever fails here is left to the worker, which compiles the source itself and reports the
    error as the student's.
    """
    try:
        code = compile(spec.source if spec.tree is None else spec.tree, str(module_path), "exec",
                       dont_inherit=True, optimize=0)
        module_path.with_suffix(BYTECODE_SUFFIX).write_bytes(marshal.dumps(code))
    except Exception:  # noqa: BLE001 - e.g. SyntaxError, RecursionError: the worker reports it
        return None
    return code


def start_worker(spec: WorkerSpec) -> WorkerProcess:
    """Start a worker for ``spec``; the caller reads its "ready" message from ``sock``."""
    from grader import zygote

    _hide_grader_process()
    scratch = Path(tempfile.mkdtemp(prefix=_scratch_prefix))
    src = scratch / "src"
    src.mkdir()
    module_path = src / f"{spec.module}.py"
    module_path.write_text(spec.source, encoding="utf-8")
    code = _write_bytecode(spec, module_path)
    log_fd = os.open(scratch / "output.log", os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
    parent, child = socket.socketpair()
    args = [str(module_path), spec.module, json.dumps(list(spec.allowed_imports))]
    try:
        z = zygote.get()
        if z is not None:
            launch = z.launch(args, scratch, child, log_fd, spec.memory_mb, spec.preload)
        else:
            launch = SpawnLaunch(args, scratch, child, log_fd, spec.memory_mb)
    except BaseException:
        parent.close()
        os.close(log_fd)
        remove_tree(scratch)
        raise
    finally:
        child.close()
    wp = WorkerProcess(launch, parent, scratch, log_fd)
    wp.code = code
    _live.add(wp)
    return wp


# Held until killed: a worker dropped by an exception (Ctrl-C while it was being prepared) must
# still be killed at exit, and its scratch directory removed; a weak set lost it to the collector.
_live: set[WorkerProcess] = set()
_scratch_prefix = "grader-worker-"  # of this process's workers' scratch directories: see use_scratch_tag
_fork_tags: set[str] = set()  # of this process's grading forks: see fork_scratch_tag


def fork_scratch_tag() -> str:
    """A tag for the scratch directories of the workers a grading process about to be forked will
    start: the fork calls :func:`use_scratch_tag` with it, and the grader, once it has reaped the
    fork, :func:`remove_tagged_scratch` (and at exit for every fork, in case a second Ctrl-C cut
    that short). A fork killed mid-grading (Ctrl-C, or SIGKILL when another fork failed) cannot
    remove them itself, and without a zygote nobody else knows them."""
    tag = secrets.token_hex(6)
    _fork_tags.add(tag)
    return tag


def use_scratch_tag(tag: str) -> None:
    """In the grading process just forked: name the scratch directories of its workers after
    ``tag`` (from :func:`fork_scratch_tag`), so that the grader can remove what it leaves."""
    global _scratch_prefix
    _scratch_prefix = f"grader-worker-{tag}-"
    _fork_tags.clear()  # the other forks' directories are not this fork's to remove


def end_fork(signum, frame) -> None:
    """The SIGINT and SIGTERM handler of a grading process forked from the grader: kill the
    process trees of the workers it spawned itself, then exit at once. (A zygote kills the workers
    it forked when the fork's connection closes; a spawned worker ends itself when its socket
    does, but nothing else would end the processes it started.) Raw kills only: the interrupted
    code may hold any lock."""
    try:
        for wp in list(_live):
            launch = wp.launch
            spawned = launch if isinstance(launch, SpawnLaunch) else getattr(launch, "fallback", None)
            proc = getattr(spawned, "proc", None)
            if proc is not None and proc.returncode is None:  # (a reaped pid may be another's now)
                procs.kill_everything(proc.pid, uid=getattr(spawned, "uid", None), timeout=1.0)
    finally:
        os._exit(128 + signum)


def remove_tagged_scratch(tag: str) -> None:
    """Remove what a reaped fork tagged ``tag`` left of its workers' scratch directories."""
    for path in Path(tempfile.gettempdir()).glob(f"grader-worker-{tag}-*"):
        remove_tree(path)
    _fork_tags.discard(tag)


@atexit.register
def _kill_leftovers() -> None:
    """Workers the grader forgot to close (it crashed, or a script exited early) die with it, and
    nothing its grading forks' workers left stays in the temporary folder."""
    for wp in list(_live):
        try:
            wp.kill()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    for tag in list(_fork_tags):
        remove_tagged_scratch(tag)
