"""The grader's side of the pre-warmed launcher (the zygote): starts it, asks it for workers.

Starting ``python -I -m grader.worker`` and importing numpy costs ~150 ms per worker; forking a
process that already did so costs about a millisecond. The zygote (:mod:`grader.zygote_server`,
where its protocol is described) is started by the ``grader`` console script before the command
line is parsed, or lazily by the first worker of a grader process, and shared by all its threads.
It holds nothing of the grader's: it is a fresh interpreter (``-I``, scrubbed environment, cwd
``/``) that only ever receives a scratch path, a module name and two file descriptors per worker.
When it cannot start, workers are spawned instead (:mod:`grader.sandbox`) and the report says so.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from grader.workerenv import base_env
from grader.zygote_server import MAX_PACKET

BOOT_SECONDS = 60.0
# The zygote's interpreter arguments, then the grader package's folder and the socket: it imports
# this very grader (not whatever `-m grader.zygote_server` would find installed, which differs when the
# grader runs from a checkout on PYTHONPATH); -I ignores the environment, -B writes no .pyc.
COMMAND = ("-I", "-B", "-c", "import sys, importlib.util as u; d = sys.argv.pop(1); "
           "s = u.spec_from_file_location('grader', d + '/__init__.py', submodule_search_locations=[d]); "
           "m = u.module_from_spec(s); sys.modules['grader'] = m; s.loader.exec_module(m); "
           "from grader import zygote_server; zygote_server.main(sys.argv[1:])")

class ZygoteLaunch:
    """One worker forked by the zygote (or, if the zygote failed to boot, spawned instead)."""

    def __init__(self, zygote: "Zygote", rid: int):
        self.zygote = zygote
        self.rid = rid
        self._pid: int | None = None
        self.error: str | None = None
        self.fallback = None  # a sandbox.SpawnLaunch when the zygote could not be used
        self.started = threading.Event()
        self.killed = threading.Event()

    def _wait_started(self) -> None:
        if not self.started.wait(BOOT_SECONDS):
            raise RuntimeError("the zygote did not start the worker in time")
        if self.error is not None:
            raise RuntimeError(f"the zygote could not start the worker: {self.error}")

    def pid(self) -> int:
        self._wait_started()
        return self.fallback.pid() if self.fallback else self._pid

    def protections(self) -> list[str]:
        self._wait_started()
        if self.fallback:
            return self.fallback.protections()
        from grader.sandbox import report_from_plan

        return report_from_plan(self.zygote.plan, zygote=True)["active"]

    def wait(self, timeout: float | None) -> int | None:
        try:
            self._wait_started()
        except RuntimeError:
            return None
        if self.fallback:
            return self.fallback.wait(timeout)
        return self.zygote.exit_status(self._pid, timeout)

    def kill(self) -> None:
        try:
            self._wait_started()
        except RuntimeError:
            return
        if self.fallback:
            return self.fallback.kill()
        self.zygote.kill(self)


class Zygote:
    """The grader's handle on its zygote process (thread-safe)."""

    def __init__(self, adopt: "tuple[socket.socket, Zygote, int] | None" = None):
        self.plan = None
        self.failure: str | None = None
        self.booted = threading.Event()
        self._lock = threading.Lock()  # state; never held while blocking on the socket
        self._send_lock = threading.Lock()  # one packet at a time
        self._ids = 0
        self._queue: list[tuple[dict, list[int], ZygoteLaunch]] = []
        self._launches: dict[int, ZygoteLaunch] = {}
        self._status: dict[int, int] = {}
        self._exited = threading.Condition(self._lock)
        self.owner = os.getpid()
        if adopt is not None:
            self._adopt(*adopt)
            return
        self.ctrl, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen([sys.executable, *COMMAND, str(Path(__file__).resolve().parent),
                                          str(child.fileno())],
                                         pass_fds=(child.fileno(),), env=base_env(), cwd="/",
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self._stderr, start_new_session=True)
        finally:
            child.close()
        threading.Thread(target=self._read, name="grader-zygote", daemon=True).start()

    def attach(self) -> socket.socket | None:
        """A further connection for a grading process about to be forked (see :func:`attach`)."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            with self._lock:
                if self.failure is not None:
                    raise OSError(self.failure)
                if not self.booted.is_set():  # in order with the spawns queued until the hello
                    self._queue.append(({"op": "attach"}, [os.dup(theirs.fileno())], None))
                    return mine
            self._send({"op": "attach"}, [os.dup(theirs.fileno())], None)
            return mine
        except OSError:
            mine.close()
            return None
        finally:
            theirs.close()

    def _adopt(self, conn: socket.socket, parent: "Zygote", index: int) -> None:
        """In a grading process forked from the grader: talk to the parent's zygote over ``conn``
        (attached by the parent) and take over the parent's workers. No thread of the parent
        survived the fork, so its locks and events are not used: only plain values are copied."""
        self.ctrl, self.proc, self._stderr = conn, None, None
        parent.ctrl.close()  # the grader's own connection: its EOF must not wait for this fork
        self.plan = parent.plan
        # Spawns the parent asked for before the fork may still be answered (to every connection):
        # our own requests get ids the parent's never reach.
        self._ids = (index + 1) << 32
        self._status = dict(parent._status)
        for rid, launch in list(parent._launches.items()):
            started = launch.started.is_set()  # a plain flag: no lock taken
            launch.zygote, launch.started, launch.killed = self, threading.Event(), threading.Event()
            if started:
                launch.started.set()
            self._launches[rid] = launch
        self.booted.set()
        threading.Thread(target=self._read, name="grader-zygote", daemon=True).start()

    # -- requests -------------------------------------------------------------------------------
    def launch(self, args: list[str], scratch: Path, child: socket.socket, log_fd: int,
               memory_mb: int, preload: tuple[str, ...] = ()) -> ZygoteLaunch:
        fds = [os.dup(child.fileno()), os.dup(log_fd)]
        with self._lock:
            self._ids += 1
            launch = ZygoteLaunch(self, self._ids)
            msg = {"op": "spawn", "id": self._ids, "args": args, "scratch": str(scratch), "memory_mb": memory_mb,
                   "preload": list(preload)}
            self._launches[launch.rid] = launch
            if not self.booted.is_set():
                self._queue.append((msg, fds, launch))
                return launch
        self._send(msg, fds, launch)
        return launch

    def _send(self, msg: dict, fds: list[int], launch: ZygoteLaunch | None) -> None:
        """Send one request; a spawn that cannot reach the zygote is spawned here instead."""
        data = json.dumps(msg).encode()
        if msg["op"] != "spawn":
            try:
                with self._send_lock:
                    if fds:
                        socket.send_fds(self.ctrl, [data], fds)
                    else:
                        self.ctrl.send(data)
            finally:
                for fd in fds:
                    os.close(fd)
            return
        try:
            if self.failure is not None:
                raise OSError(self.failure)
            with self._send_lock:
                socket.send_fds(self.ctrl, [data], fds)
        except OSError as err:
            self._fall_back(launch, msg, fds, str(err))  # takes over the descriptors
            return
        for fd in fds:
            os.close(fd)

    def _fall_back(self, launch: ZygoteLaunch, msg: dict, fds: list[int], reason: str) -> None:
        from grader.sandbox import SpawnLaunch

        try:
            with socket.socket(fileno=fds[0]) as child:
                launch.fallback = SpawnLaunch(msg["args"], Path(msg["scratch"]), child, fds[1], msg["memory_mb"])
        except BaseException as err:  # noqa: B036
            launch.error = f"{reason}; spawning instead failed too: {err}"
        finally:
            os.close(fds[1])
        launch.started.set()

    def kill(self, launch: ZygoteLaunch) -> None:
        if self.failure is None and (self.proc is None or self.proc.poll() is None):
            try:
                self._send({"op": "kill", "id": launch.rid, "pid": launch._pid}, [], None)
                if launch.killed.wait(10.0):
                    return
            except OSError:
                pass
        # The zygote is gone: kill what we can see from here.
        from grader import procs

        procs.kill_everything(launch._pid)

    def exit_status(self, pid: int, timeout: float | None) -> int | None:
        with self._exited:
            self._exited.wait_for(lambda: pid in self._status or self.failure is not None, timeout)
            return self._status.get(pid)

    def wait_booted(self, timeout: float = BOOT_SECONDS) -> bool:
        self.booted.wait(timeout)
        return self.booted.is_set() and self.failure is None

    # -- replies --------------------------------------------------------------------------------
    def _read(self) -> None:
        try:
            while True:
                data = self.ctrl.recv(MAX_PACKET)
                if not data:
                    raise EOFError
                self._dispatch(json.loads(data))
        except (OSError, EOFError, ValueError):
            pass
        self._failed(self._why_dead())

    def _why_dead(self) -> str:
        if self.proc is None:
            return "the connection to the zygote closed"
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the zygote stopped answering"
        self._stderr.seek(0)
        tail = self._stderr.read()[-400:].decode(errors="replace").strip().splitlines()
        return f"the zygote exited ({self.proc.returncode})" + (f": {tail[-1]}" if tail else "")

    def _dispatch(self, msg: dict) -> None:
        op = msg.get("op")
        if op == "hello":
            from grader.confine import Plan

            self.plan = Plan(**msg["plan"])
            with self._lock:
                queue, self._queue = self._queue, []
                self.booted.set()
            for m, fds, launch in queue:
                self._send(m, fds, launch)
        elif op == "failed":
            self._failed(str(msg.get("reason")))
        elif op in ("spawned", "spawn_failed"):
            launch = self._launches.get(msg.get("id"))
            if launch is not None:
                launch._pid = msg.get("pid")
                launch.error = msg.get("reason") if op == "spawn_failed" else None
                launch.started.set()
        elif op == "exited":
            with self._exited:
                self._status[msg["pid"]] = msg["status"]
                self._exited.notify_all()
        elif op == "killed":
            launch = self._launches.pop(msg.get("id"), None)
            if launch is not None:
                launch.killed.set()
            with self._lock:
                self._status.pop(msg.get("pid"), None)

    def _failed(self, reason: str) -> None:
        with self._lock:
            if self.failure is None:
                self.failure = reason
            queue, self._queue = self._queue, []
            self.booted.set()
            self._exited.notify_all()
            pending = [launch for launch in self._launches.values() if not launch.started.is_set()]
        for m, fds, launch in queue:
            if launch is None:  # an attach: the connection just closes, the fork is not made
                for fd in fds:
                    os.close(fd)
            else:
                self._fall_back(launch, m, fds, reason)
        for launch in pending:
            if not launch.started.is_set():
                launch.error = reason
                launch.started.set()
        for launch in list(self._launches.values()):
            launch.killed.set()
        global _failure
        with _instance_lock:
            if _instance is self:  # not a zygote already replaced by shutdown()
                _failure = reason

    def close(self) -> None:
        """Stop the zygote and wait until it has killed its workers (for a forked grading
        process's connection: the zygote kills the workers that process started)."""
        try:
            # shutdown, not just close: it wakes our reader thread and gives the zygote its EOF now.
            self.ctrl.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self.proc is None:
            self.ctrl.close()
            return
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.ctrl.close()


_instance: Zygote | None = None
_failure: str | None = None
_instance_lock = threading.Lock()
_exit_hook: list[bool] = []
DISABLE_ENV = "GRADER_NO_ZYGOTE"


def get() -> Zygote | None:
    """The zygote of this grader process, started on first use; None once it has failed."""
    global _instance, _failure
    if os.environ.get(DISABLE_ENV):
        _failure = f"disabled by the environment variable {DISABLE_ENV}"
        return None
    with _instance_lock:
        if _instance is not None and _instance.owner != os.getpid():
            _instance = None  # we are a fork of the grader: the zygote belongs to our parent
        if _instance is not None and _instance.failure is not None:
            return None
        if _instance is None and _failure is None:
            try:
                _instance = Zygote()
                if not _exit_hook:
                    atexit.register(shutdown)  # let it clean up before this process is gone
                    _exit_hook.append(True)
            except OSError as err:
                _failure = f"cannot start the zygote: {err}"
                return None
        return _instance


def attach() -> socket.socket | None:
    """In the grader, before forking a grading process, and before asking for the workers it may
    take over: a new connection to this process's zygote for that fork (None when there is no
    zygote to share). Sent in order with the spawn requests, so the answers to every later spawn
    reach the fork too. The child passes it to :func:`adopt`; the parent closes its copy after
    the fork (or closes it unused)."""
    z = _instance
    if z is None or z.proc is None or z.owner != os.getpid() or z.failure is not None:
        return None
    return z.attach()


def adopt(conn: socket.socket, index: int = 0) -> None:
    """In grading process number ``index`` just forked from the grader: use ``conn`` (from
    :func:`attach`) as this process's zygote, for the workers the parent started and any it
    starts itself."""
    global _instance, _instance_lock
    _instance_lock = threading.Lock()  # the parent's may have been held by a thread that is gone
    parent = _instance
    if parent is None:
        raise RuntimeError("no zygote to adopt")
    _instance = Zygote(adopt=(conn, parent, index))


def failure_reason() -> str:
    return _failure or "not started"


def shutdown() -> None:
    """Stop the zygote (it kills any worker still alive). A new one starts on next use."""
    global _instance, _failure
    with _instance_lock:
        z, _instance, _failure = _instance, None, None
    if z is not None:
        z.close()
