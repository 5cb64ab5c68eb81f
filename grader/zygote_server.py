"""The zygote process: the pre-warmed launcher that forks confined workers on request.

It imports numpy and the worker once, makes one network namespace for all workers, probes which
protections work here, then forks a worker per request: the child confines itself and serves the
student's module (:func:`grader.worker.main`). Started and driven by :mod:`grader.zygote` (the
grader's side). It holds nothing of the grader's: it is a fresh interpreter (``-I``, scrubbed
environment, cwd ``/``) that only ever receives a scratch path, a module name and two file
descriptors per worker.

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

import gc
import json
import os
import select
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from grader.workerenv import CONFINEMENT_FAILED, CONFINEMENT_MARK

MAX_PACKET = 1 << 16
# A spawn that needs a preload (seconds of imports) waits until no request came for _DEFER_IDLE s
# (the grader sends a submission's spawns a few ms apart), but never more than _DEFER_MAX s.
_DEFER_IDLE = 0.02
_DEFER_MAX = 0.25


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
                    data, fds, _, _ = socket.recv_fds(conn, MAX_PACKET, 4)
                except OSError:
                    data, fds = b"", []
                if not data:
                    for fd in fds:
                        os.close(fd)
                    if conn is self.ctrl:
                        return self.shutdown()
                    self._survive(self.detach, conn)
                    continue
                self._survive(self.handle, data, fds, conn)
            if self.live and time.monotonic() - last_sweep > 1.0:
                self._survive(self.sweep)
                last_sweep = time.monotonic()

    def _survive(self, step, *args) -> None:
        """Run one request (or sweep); a bug in it fails that request, not the zygote: a dead zygote
        leaves every later worker of the batch to a cold spawn. The traceback goes to our stderr."""
        try:
            step(*args)
        except Exception as err:  # noqa: BLE001
            import traceback

            traceback.print_exc()
            if step == self.handle:
                data, fds, conn = args
                self.close_fds(fds)
                try:
                    msg = json.loads(data)
                except ValueError:
                    return
                if isinstance(msg, dict) and msg.get("op") == "spawn":
                    self.answer({"op": "spawn_failed", "id": msg.get("id"),
                                 "reason": f"the zygote failed: {type(err).__name__}: {err}"}, conn)

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

    def handle(self, data: bytes, fds: list[int], conn: socket.socket) -> None:
        msg = json.loads(data)
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


if __name__ == "__main__":
    main(sys.argv[1:])
