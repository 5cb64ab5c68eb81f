"""The pre-warmed launcher: one process per grader run that forks confined workers on request.

Starting ``python -I -m grader.worker`` and importing numpy costs ~150 ms per worker; forking a
process that already did so costs about a millisecond. The zygote is started lazily by the first
worker of a grader process and shared by all its threads. It holds nothing of the grader's: it is
a fresh interpreter (``-I``, scrubbed environment, cwd ``/``) that only ever receives a scratch
path, a module name and two file descriptors per worker.

Protocol over an anonymous SOCK_SEQPACKET socketpair (no filesystem or abstract name a worker
could connect to), one JSON object per packet:

- zygote -> grader ``{"op": "hello", "plan": ...}`` once booted (the probe's plan), or
  ``{"op": "failed", "reason": ...}``;
- grader -> zygote ``{"op": "spawn", "id", "args", "scratch", "memory_mb"}`` with the worker's
  socket and log as SCM_RIGHTS; reply ``{"op": "spawned", "id", "pid"}`` or ``{"op":
  "spawn_failed", "id", "reason"}``;
- zygote -> grader ``{"op": "exited", "pid", "status"}`` when a worker exits (raw wait status);
- grader -> zygote ``{"op": "kill", "id", "pid"}``: kill the worker and everything it started;
  reply ``{"op": "killed", "id", "pid"}`` once all of it is gone.
- grader -> zygote ``{"op": "attach"}`` with one more SOCK_SEQPACKET end as SCM_RIGHTS, accepted
  only on the first connection: a further connection for a grading process the grader forks
  (:func:`attach`, :func:`adopt`). It speaks the same protocol. Replies go to the connection
  that asked, except that the answers to the grader's spawns and every ``exited`` go to all
  connections (a fork grades workers the grader asked for); its EOF kills the workers it started.

The zygote is a child subreaper, so processes a worker orphans (double fork, setsid) become the
zygote's children, and it kills every child it does not know. When the grader goes away (EOF) it
kills everything and exits.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from grader.workerenv import CONFINEMENT_FAILED, CONFINEMENT_MARK, base_env

BOOT_SECONDS = 60.0
# The zygote's interpreter arguments, then the grader package's folder and the socket: it imports
# this very grader (not whatever `-m grader.zygote` would find installed, which differs when the
# grader runs from a checkout on PYTHONPATH); -I ignores the environment, -B writes no .pyc.
COMMAND = ("-I", "-B", "-c", "import sys, importlib.util as u; d = sys.argv.pop(1); "
           "s = u.spec_from_file_location('grader', d + '/__init__.py', submodule_search_locations=[d]); "
           "m = u.module_from_spec(s); sys.modules['grader'] = m; s.loader.exec_module(m); "
           "from grader import zygote; zygote.main(sys.argv[1:])")
_MAX_PACKET = 1 << 16
# A spawn that needs a preload (seconds of imports) waits until no request came for _DEFER_IDLE s
# (the grader sends a submission's spawns a few ms apart), but never more than _DEFER_MAX s.
_DEFER_IDLE = 0.02
_DEFER_MAX = 0.25


# == the zygote process ============================================================================

class _Server:
    def __init__(self, ctrl: socket.socket):
        self.ctrl = ctrl  # the grader's connection: its EOF shuts everything down
        self.extra: list[socket.socket] = []  # connections of the grader's forked grading processes
        self.plan = None
        self.live: dict[int, str] = {}  # pid -> scratch directory of the workers not yet killed
        self.owner: dict[int, socket.socket] = {}  # pid -> the connection that asked for it
        self.deferred: list[tuple[dict, list[int], socket.socket, float]] = []  # spawns waiting for a preload
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def send(self, msg: dict, to: socket.socket | None = None) -> None:
        try:
            (to or self.ctrl).send(json.dumps(msg).encode())
        except OSError:
            pass

    def boot(self) -> None:
        from grader import confine, probe

        os.chdir("/")
        confine.child_subreaper()
        # What every worker needs, imported once here (before a user namespace could hide files).
        import numpy  # noqa: F401
        import grader.worker  # noqa: F401

        # One network namespace for the zygote, inherited by every worker: made once, not per worker.
        netns, reason = probe.try_network_namespace(spawn=False)
        if netns is not None:
            confine.new_network_namespace()
        confine.non_dumpable()  # after the namespace: writing our uid_map needs a dumpable process
        self.plan = probe.probe(spawn=False, netns=netns, netns_reason=reason)
        tempfile.tempdir = None
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(self.wake_w)
        # Everything imported so far lives as long as we do: out of the collector's sight, a
        # worker's garbage collections do not write to (and so copy) the pages it shares with us.
        gc.freeze()
        self.send({"op": "hello", "pid": os.getpid(), "plan": self.plan.to_json()})

    def serve(self) -> None:
        last_sweep = time.monotonic()
        while True:
            ready = select.select([self.ctrl, *self.extra, self.wake_r], [], [],
                                  _DEFER_IDLE if self.deferred else 1.0)[0]
            if self.deferred and (not ready or time.monotonic() - self.deferred[0][3] > _DEFER_MAX):
                # Nothing else asked for (or it waited long enough): now the slow spawn.
                msg, fds, conn, _ = self.deferred.pop(0)
                self.spawn(msg, fds, conn, now=True)
                self.close_fds(fds)
                continue
            if self.wake_r in ready:
                try:
                    while os.read(self.wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            self.reap()
            for conn in [self.ctrl, *self.extra]:
                if conn not in ready:
                    continue
                try:
                    data, fds, _, _ = socket.recv_fds(conn, _MAX_PACKET, 4)
                except OSError:
                    data, fds = b"", []
                if not data:
                    for fd in fds:
                        os.close(fd)
                    if conn is self.ctrl:
                        return self.shutdown()
                    self.detach(conn)
                    continue
                self.handle(json.loads(data), fds, conn)
            if self.live and time.monotonic() - last_sweep > 1.0:
                self.sweep()
                last_sweep = time.monotonic()

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.live:
                # Every connection hears it: a grading process may grade a worker another started.
                for conn in [self.ctrl, *self.extra]:
                    self.send({"op": "exited", "pid": pid, "status": status}, conn)

    def handle(self, msg: dict, fds: list[int], conn: socket.socket) -> None:
        op = msg.get("op")
        if op == "spawn":
            if self.spawn(msg, fds, conn):
                return  # deferred: the descriptors are kept until it is done
        elif op == "kill":
            self.kill(msg, conn)
        elif op == "attach" and conn is self.ctrl and len(fds) == 1:
            self.extra.append(socket.socket(fileno=fds.pop()))
        elif op == "exit":
            self.shutdown()
        self.close_fds(fds)

    @staticmethod
    def close_fds(fds: list[int]) -> None:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass

    def detach(self, conn: socket.socket) -> None:
        """A forked grading process is gone: kill the workers it started, then forget it."""
        self.extra.remove(conn)
        conn.close()
        for item in [d for d in self.deferred if d[2] is conn]:
            self.deferred.remove(item)
            self.close_fds(item[1])
        for pid in [pid for pid, owner in self.owner.items() if owner is conn]:
            scratch = self.live.get(pid)
            self.kill({"pid": pid}, None)
            if scratch:
                from grader.sandbox import remove_tree

                remove_tree(Path(scratch))

    def spawn(self, msg: dict, fds: list[int], conn: socket.socket, now: bool = False) -> bool:
        """Fork a worker; True when deferred instead (it needs a module not imported yet, e.g.
        scipy.special, ~0.3 s: the other spawns asked for meanwhile go first)."""
        if len(fds) != 2:
            self.answer({"op": "spawn_failed", "id": msg.get("id"), "reason": "expected two descriptors"}, conn)
            return False
        names = msg.get("preload")
        if not now and isinstance(names, list) and any(n not in sys.modules for n in names if isinstance(n, str)):
            self.deferred.append((msg, fds, conn, time.monotonic()))
            return True
        self.preload(names)
        try:
            pid = os.fork()
        except OSError as err:
            self.answer({"op": "spawn_failed", "id": msg.get("id"), "reason": str(err)}, conn)
            return False
        if pid == 0:
            self.become_worker(msg, *fds)  # never returns
        self.live[pid] = str(msg.get("scratch"))
        self.owner[pid] = conn
        self.answer({"op": "spawned", "id": msg.get("id"), "pid": pid}, conn)
        return False

    def answer(self, msg: dict, conn: socket.socket) -> None:
        """The answer to a spawn: the grader's forks may take over its workers, so they hear
        the answers to the grader's spawns too (ids never clash: see Zygote._adopt)."""
        for c in [self.ctrl, *self.extra] if conn is self.ctrl else [conn]:
            self.send(msg, c)

    @staticmethod
    def preload(names) -> None:
        """Import, once for all later workers, the allowed modules a submission imports (e.g.
        scipy.special: ~0.3 s that each worker would otherwise pay). Names come from the grader,
        which only sends entries of the course's allowed_imports; a module that fails to import
        here is left for the worker, which reports the error as the student's."""
        import importlib

        fresh = False
        for name in names if isinstance(names, list) else []:
            if isinstance(name, str) and name not in sys.modules:
                fresh = True
                try:
                    importlib.import_module(name)
                except Exception:  # noqa: BLE001
                    pass
        if fresh:
            gc.freeze()  # as at boot

    def become_worker(self, msg: dict, sock_fd: int, log_fd: int) -> None:
        code = 1
        try:
            from grader import confine, worker

            zygote = os.getppid()
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL if sig == signal.SIGCHLD else signal.default_int_handler)
            for conn in [self.ctrl, *self.extra]:
                conn.close()
            self.extra.clear()
            self.owner.clear()
            self.deferred.clear()  # (their descriptors are closed below with every other)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            keep = sorted({0, 1, 2, sock_fd})
            for low, high in zip(keep, keep[1:] + [os.sysconf("SC_OPEN_MAX")], strict=True):
                os.closerange(low + 1, high)
            scratch = str(msg["scratch"])
            os.chdir(scratch)
            os.environ.update(HOME=scratch, TMPDIR=scratch)
            tempfile.tempdir = scratch
            try:
                confine.confine(self.plan, scratch=scratch, memory_mb=int(msg["memory_mb"]), parent=zygote,
                                spawn=False, netns=False)
            except BaseException as err:  # noqa: B036 - never run student code half-confined
                os.write(2, f"{CONFINEMENT_MARK} {type(err).__name__}: {err}\n".encode())
                code = CONFINEMENT_FAILED
                return
            # Nothing of the zygote's bookkeeping (other workers' pids, paths) stays reachable.
            self.live.clear()
            self.plan = None
            _reseed()
            args = [str(a) for a in msg["args"]]
            del msg
            worker.main([str(sock_fd), *args])
            code = 0
        except BaseException:  # noqa: B036
            code = 1
        finally:
            try:
                sys.stdout.flush()
            except BaseException:  # noqa: B036
                pass
            os._exit(code)

    def kill(self, msg: dict, conn: socket.socket | None) -> None:
        from grader import procs

        pid = msg.get("pid")
        if pid in self.live:
            # We are a subreaper: every process the worker started is below us, so the tree (and
            # our unknown children) is complete; no need to search every process for its uid.
            procs.kill_everything(pid, orphans_of=os.getpid(), keep=frozenset(set(self.live) - {pid}),
                                  reap=self.reap)
            self.live.pop(pid, None)
            self.owner.pop(pid, None)
        if conn is not None:
            self.send({"op": "killed", "id": msg.get("id"), "pid": pid}, conn)

    def sweep(self) -> None:
        """Kill children we do not know: orphans of workers, re-parented to us."""
        from grader import procs

        for pid in procs.children(os.getpid()):
            if pid not in self.live:
                procs.kill_everything(pid, reap=self.reap, timeout=1.0)
        self.reap()

    def shutdown(self) -> None:
        """The grader is gone (or asks us to stop): kill every worker and remove its scratch."""
        from grader import procs
        from grader.sandbox import remove_tree

        for pid, scratch in list(self.live.items()):
            procs.kill_everything(pid, orphans_of=os.getpid(), reap=self.reap, timeout=2.0)
            remove_tree(Path(scratch))
        self.live.clear()
        self.owner.clear()
        self.sweep()
        os._exit(0)


def _reseed() -> None:
    """Each worker gets fresh global random states, as a spawned interpreter would."""
    import random

    import numpy as np

    random.seed()
    # 128 bits from the OS, as np.random.seed() draws, but through MT19937's init_by_array: about
    # 10x cheaper than seed(), which builds a SeedSequence to fill the whole 624-word state.
    np.random.seed(np.frombuffer(os.urandom(16), dtype=np.uint32))


def main(argv: list[str]) -> None:
    ctrl = socket.socket(fileno=int(argv[0]))
    server = _Server(ctrl)
    try:
        server.boot()
    except BaseException as err:  # noqa: B036 - the grader falls back to spawning, and says why
        server.send({"op": "failed", "reason": f"{type(err).__name__}: {err}"})
        os._exit(1)
    server.serve()


# == the grader's side =============================================================================

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
                data = self.ctrl.recv(_MAX_PACKET)
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


if __name__ == "__main__":
    main(sys.argv[1:])
