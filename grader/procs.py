"""Finding and killing every process a worker started, including ones that tried to get away.

A worker's processes are found three ways, because each alone can be dodged:
- its process group (killpg): dodged by setsid/setpgid, which seccomp forbids where available;
- its descendants in the process tree: dodged by a double fork, whose orphan is re-parented to
  the nearest subreaper (the zygote, which then sees a child it does not know);
- its uid, when the worker has a dedicated one: dodged by nothing short of a privilege escalation.

The tree is read from /proc/<pid>/task/<tid>/children (a few reads per worker) where we may, and
from /proc/*/stat of every process otherwise (readable whatever the target does).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

Procs = dict[int, tuple[int, str, int]]  # pid -> (ppid, state, uid or -1)


def snapshot(with_uid: bool = False) -> Procs:
    """{pid: (ppid, state, uid)} of every process; uid is -1 unless ``with_uid``."""
    procs: Procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                data = fh.read()
            fields = data[data.rindex(b")") + 2:].split()
            uid = -1
            if with_uid:
                with open(f"/proc/{name}/status", "rb") as fh:
                    for line in fh:
                        if line.startswith(b"Uid:"):
                            uid = int(line.split()[1])  # the real uid
                            break
            procs[int(name)] = (int(fields[1]), fields[0].decode(), uid)
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return procs


def descendants(procs: Procs, roots: set[int]) -> set[int]:
    """``roots`` and every process below them, in a snapshot."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, frontier = set(), [r for r in roots if r in procs]
    while frontier:
        pid = frontier.pop()
        if pid not in found:
            found.add(pid)
            frontier.extend(children.get(pid, ()))
    return found


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (all its threads'); PermissionError where ptrace rules forbid."""
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
        except FileNotFoundError:
            continue
    return out


def _tree(roots: list[int]) -> set[int]:
    found, stack = set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(children(pid))
    return found


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
        return data[data.rindex(b")") + 2:].split()[0].decode()
    except (OSError, ValueError, IndexError):
        return None


def _victims(root: int, uid: int | None, orphans_of: int | None, keep: frozenset[int]) -> dict[int, tuple[int, str]]:
    """{pid: (ppid or -1, state)} of everything to kill."""
    if uid is None:
        try:
            found = _tree([root])
            if orphans_of is not None:
                found |= _tree([c for c in children(orphans_of) if c not in keep])
            states = {p: _state(p) for p in found}
            return {p: (-1, s) for p, s in states.items() if s is not None}
        except PermissionError:
            pass  # e.g. non-dumpable processes of our own uid: fall back to reading every process
    procs = snapshot(with_uid=uid is not None)
    found = descendants(procs, {root})
    if uid is not None:
        found |= {p for p, (_, _, u) in procs.items() if u == uid}
    if orphans_of is not None:
        found |= descendants(procs, {p for p, (pp, _, _) in procs.items() if pp == orphans_of and p not in keep})
    return {p: (procs[p][0], procs[p][1]) for p in found}


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_everything(root: int, *, uid: int | None = None, orphans_of: int | None = None,
                    keep: frozenset[int] = frozenset(), reap=None, timeout: float = 5.0) -> int:
    """SIGKILL ``root``'s process group and tree, the processes of ``uid`` (a dedicated worker
    uid) and the children of ``orphans_of`` (a subreaper: us) not in ``keep``; repeat until none
    is left alive and ``reap()`` (which collects our zombies) has collected ``root``. Returns how
    many processes were alive at the first sweep.
    """
    try:
        os.killpg(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    me = os.getpid()
    deadline = time.monotonic() + timeout
    first = None
    delay = 0.0002
    while True:
        if reap is not None:
            reap()
        victims = _victims(root, uid, orphans_of, keep)
        victims.pop(me, None)
        alive = [p for p, (_, state) in victims.items() if state != "Z"]
        if first is None:
            first = len(alive)
        # Our own zombies (the worker itself, re-parented orphans) must be reaped before we are done;
        # other zombies are their parent's business (and may never go if pid 1 does not reap).
        zombies = {p for p, (_, state) in victims.items() if state == "Z"}
        if zombies and reap is not None:
            ours = {p for p in zombies if victims[p][0] == me}
            try:
                ours |= zombies & set(children(me))
            except PermissionError:
                pass
            unreaped = bool(ours)
        else:
            unreaped = False
        if (not alive and not unreaped) or time.monotonic() > deadline:
            return first
        for pid in alive:
            kill(pid)
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


@contextlib.contextmanager
def signals_held(*signums: int):
    """Hold these signals (a second Ctrl-C, a SIGTERM) until the block ends, then deliver them:
    cleanup that kills, reaps and removes the files of processes must not be cut short halfway.
    Python runs signal handlers in the main thread only, so elsewhere this holds nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {signum: signal.signal(signum, lambda got, frame: pending.append(got)) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)
