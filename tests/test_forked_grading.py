"""A whole submission graded in forks of the grader, each with its own zygote connection.

`grade_submission` with jobs > 1 forks jobs - 1 copies of the grader that take assignments from
a shared queue (each fork has its own GIL). These tests hold it to the sequential result, make a
fork die halfway, and check that workers a fork started die with its connection.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from grader import runner, sandbox, zygote
from grader.proxy import StudentModule, Worker
from grader.sandbox import WorkerSpec
from tests.conftest import ROOT, fast_limits, make_submission, reference_source

pytestmark = pytest.mark.skipif(zygote.get() is None, reason=f"no zygote here: {zygote.failure_reason()}")

IDS = ["01_regression", "02_perceptron", "04_activations", "05_initialization"]


def _gone(pid: int, within: float = 10.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split(") ")[-1].startswith("Z"):
                    return True
        except (FileNotFoundError, ProcessLookupError):  # gone before open, or between open and read
            return True
        time.sleep(0.02)
    return False


def _comparable(result) -> list:
    """Scores, statuses and feedback, a timeout's included: its wording no longer depends on
    whether the wall clock or the CPU budget was noticed first."""
    return [(a.id, a.score, a.status, a.message, [(t.name, t.score, t.status, t.feedback) for t in a.tests])
            for a in result.assignments]


def _scratch_dirs() -> set[str]:
    import tempfile

    return {p.name for p in Path(tempfile.gettempdir()).glob("grader-worker-*")}


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """Scratch directories go to a directory of this test's own (other test runs may share /tmp)."""
    import tempfile

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tmp.chmod(0o1777)  # workers may run as another uid
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, course):
    """Correct, buggy, hanging and crashing modules side by side."""
    sources = {aid: reference_source(course, aid) for aid in IDS}
    sources["02_perceptron"] += "\n\ndef decision_boundary(*args, **kwargs):\n    while True:\n        pass\n"
    sources["04_activations"] += "\n\ndef tanh_forward(x):\n    return np.tanh(x) + 1e-3, x\n"
    sources["05_initialization"] += "\n\ndef zeros_init(shape):\n    np.lib._datasource.os._exit(5)\n"
    return make_submission(tmp_path_factory.mktemp("mixed"), course, sources)


@pytest.fixture(scope="module")
def quick(course):
    return fast_limits(course, call_seconds=1.0, test_seconds=10.0)


@pytest.fixture(scope="module")
def sequential(mixed, quick):
    return runner.grade_submission(ROOT, quick, mixed, IDS, jobs=1)


def _counting_forks(monkeypatch) -> list[int]:
    forks: list[int] = []
    real = os.fork

    def fork():
        pid = real()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return forks


def test_forks_grade_exactly_as_one_process_does(mixed, quick, sequential, monkeypatch):
    before = _scratch_dirs()
    live_before = set(sandbox._live)
    forks = _counting_forks(monkeypatch)
    forked = runner.grade_submission(ROOT, quick, mixed, IDS, jobs=2)
    assert len(forks) == 1, "jobs=2 grades in this process and one fork"
    assert _comparable(forked) == _comparable(sequential)
    statuses = {t.status for a in forked.assignments for t in a.tests}
    assert {"passed", "failed", "timeout", "error"} <= statuses, "the fixture exercises every outcome"
    assert _scratch_dirs() <= before, "every worker's scratch directory is removed"
    assert sandbox._live <= live_before, "and every worker is closed: none is left for the exit handler"


def test_with_a_closer_of_the_callers_grading_returns_without_waiting_for_the_closes(mixed, quick, sequential,
                                                                                    monkeypatch):
    # A batch closes a student's workers while it grades the next one: the closes are its to wait for.
    before = _scratch_dirs()
    live_before = set(sandbox._live)
    released = threading.Event()
    real = runner.Worker.close

    def slow_close(worker):
        if threading.current_thread().name == "grader-close":  # the closer's, not another close
            released.wait(10)
        real(worker)

    monkeypatch.setattr(runner.Worker, "close", slow_close)
    closer = runner.Closer()
    result = runner.grade_submission(ROOT, quick, mixed, IDS, jobs=1, closer=closer)
    assert _comparable(result) == _comparable(sequential)
    assert sandbox._live - live_before, "the graded assignments' workers are still closing"
    released.set()
    closer.wait()
    assert _scratch_dirs() <= before, "every worker's scratch directory is removed"
    assert sandbox._live <= live_before, "and every worker is closed"


def test_a_closer_used_from_several_threads_keeps_every_close_it_was_given():
    # Threaded grading (no zygote) hands finished workers to one Closer from its pool threads. A close
    # that rebuilt the list while another appended dropped that entry: wait did not join its thread, and
    # grade_submission, told the worker was not the closer's, closed it again alongside that thread.
    closer = runner.Closer()
    events = {name: threading.Event() for name in ("old", "new", "third")}

    class Closing:
        def __init__(self, name):
            self.name = name

        def close(self):
            events[self.name].wait(10)

    old, new = Closing("old"), Closing("new")
    closer.close(old)
    other = threading.Thread(target=closer.close, args=(new,))

    class Interleaved:  # the old entry's thread: another pool thread closes while this one prunes
        def __init__(self, thread):
            self.thread = thread

        def is_alive(self):
            if not other.is_alive() and other.ident is None:
                other.start()
                other.join(0.5)  # done at once without a lock; with one, it waits for this close
            return self.thread.is_alive()

        def join(self, timeout=None):
            self.thread.join(timeout)

    closer._threads = [(Interleaved(t), w) for t, w in closer._threads]
    closer.close(Closing("third"))
    other.join(10)
    assert closer.closing(old) and closer.closing(new), "every close still running is the closer's"
    for event in events.values():
        event.set()
    closer.wait()


def test_what_a_dying_fork_did_not_report_is_graded_here(mixed, quick, sequential, monkeypatch):
    parent = os.getpid()
    real = runner._grade_with

    def dies_in_the_fork(course, suite, worker, closer, timings=None):
        if os.getpid() != parent:
            os._exit(9)  # mid-assignment, without reporting anything
        return real(course, suite, worker, closer, timings)

    monkeypatch.setattr(runner, "_grade_with", dies_in_the_fork)
    before = _scratch_dirs()
    forks = _counting_forks(monkeypatch)
    result = runner.grade_submission(ROOT, quick, mixed, IDS, jobs=2)
    assert len(forks) == 1
    assert _comparable(result) == _comparable(sequential)
    assert _scratch_dirs() <= before


def test_a_bug_in_a_fork_is_raised_here_as_in_threads(mixed, quick, monkeypatch):
    def broken(course, suite, worker, closer, timings=None):
        closer.close(worker)
        raise RuntimeError("bug in the grader")

    monkeypatch.setattr(runner, "_grade_with", broken)
    with pytest.raises(RuntimeError, match="bug in the grader"):
        runner.grade_submission(ROOT, quick, mixed, IDS, jobs=2)


def test_workers_a_fork_started_die_with_its_connection():
    """A fork restarts workers through its own connection; if it dies, the zygote kills them."""
    source = "def ok():\n    return 1\n"
    reply_r, reply_w = os.pipe()
    conn = zygote.attach()
    assert conn is not None
    pid = os.fork()
    if pid == 0:
        try:
            zygote.adopt(conn)
            worker = Worker(WorkerSpec(source, "mod", ("numpy",)), call_seconds=5.0)
            assert StudentModule(worker).ok() == 1
            os.write(reply_w, str(worker.process.pid).encode())
        finally:
            os._exit(0)  # without closing the worker: only the zygote can clean up now
    conn.close()
    os.close(reply_w)
    try:
        worker_pid = int(os.read(reply_r, 64) or b"0")
    finally:
        os.close(reply_r)
        os.waitpid(pid, 0)
    assert worker_pid > 0
    assert _gone(worker_pid), "the zygote killed the worker of the fork that went away"


def test_a_fork_cannot_attach_further_connections():
    """Only the grader's own connection may attach: a fork's request is ignored."""
    conn = zygote.attach()
    assert conn is not None
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        socket.send_fds(conn, [b'{"op": "attach"}'], [theirs.fileno()])
        theirs.close()
        conn.send(b'{"op": "kill", "id": 7, "pid": -1}')
        conn.settimeout(10)
        assert b'"killed"' in conn.recv(1024), "the attached connection itself is served"
        # The zygote has handled the attach request by now: it closed the descriptor unused.
        mine.settimeout(0.5)
        try:
            mine.send(b'{"op": "kill", "id": 1, "pid": -1}')
            reply = mine.recv(1024)
        except (OSError, socket.timeout):
            reply = b""
        assert reply == b"", "nobody serves a connection a fork tried to attach"
    finally:
        mine.close()
        conn.close()


def test_sigint_stops_the_forks_with_the_grader(mixed, quick, monkeypatch):
    """Ctrl-C reaches every process of the group: the forks die at once (no KeyboardInterrupt
    handling of their own) and the grader's cleanup kills the workers."""
    parent = os.getpid()
    real = runner._grade_with

    def interrupted(course, suite, worker, closer, timings=None):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        return real(course, suite, worker, closer, timings)

    monkeypatch.setattr(runner, "_grade_with", interrupted)
    forks = _counting_forks(monkeypatch)
    before = _scratch_dirs()
    runner.grade_submission(ROOT, quick, mixed, IDS, jobs=2)
    assert len(forks) == 1
    assert _gone(forks[0], within=1.0)
    assert _scratch_dirs() <= before


def test_a_spawn_that_needs_a_slow_import_lets_the_others_go_first():
    """A module importing e.g. scipy.special makes the zygote import it (~0.3 s) before forking
    that worker; the spawns asked for right after it are forked first, not after that import."""
    slow = Worker(WorkerSpec("def ok():\n    return 1\n", "slow", ("numpy",),
                             preload=("no_such_module_anywhere",)), call_seconds=5.0)
    fast = Worker(WorkerSpec("def ok():\n    return 2\n", "fast", ("numpy",)), call_seconds=5.0)
    try:
        slow.start()
        fast.start()
        assert fast.process.pid < slow.process.pid, "forked in the order they could be"
        assert (StudentModule(slow).ok(), StudentModule(fast).ok()) == (1, 2)
    finally:
        slow.close()
        fast.close()


def test_the_longest_assignment_starts_first_and_results_keep_the_course_order(mixed, quick, monkeypatch):
    """03-like suites take several times longer than the others: starting them last left one
    process grading alone at the end. Workers are asked for longest first (the queue hands out
    assignments in the same order); results still come back in the course's order."""
    costs = {aid: runner.expected_cost(ROOT, aid) for aid in IDS}
    assert costs["01_regression"] > costs["02_perceptron"] > 0  # 28 KB of hidden tests against 10 KB
    asked: list[str] = []
    real = runner._prepare

    def prepare(course, a, submission, *rest):
        asked.append(a.id)
        return real(course, a, submission, *rest)

    monkeypatch.setattr(runner, "_prepare", prepare)
    result = runner.grade_submission(ROOT, quick, mixed, IDS, jobs=2)
    assert asked == sorted(IDS, key=lambda aid: -costs[aid])
    assert [a.id for a in result.assignments] == IDS


def test_a_test_whose_worker_died_with_the_zygote_runs_again(course, tmp_path, monkeypatch):
    """The zygote dying (out of memory, killed) takes the worker in use with it: not the student's
    doing, so the test runs again on a fresh worker (spawned, the zygote being gone) instead of
    costing the student its points as a crash of their code."""
    sub = make_submission(tmp_path / "s", course, {"02_perceptron": reference_source(course, "02_perceptron")})
    real = runner.run_test
    calls: list[str] = []

    def zygote_dies_before_the_third_test(test, *args):
        calls.append(test.name)
        if len(calls) == 3:
            z = zygote.get()
            z.proc.kill()
            z.proc.wait()
            time.sleep(0.2)  # the worker has had its parent-death signal
        return real(test, *args)

    monkeypatch.setattr(runner, "run_test", zygote_dies_before_the_third_test)
    try:
        result = runner.grade_submission(ROOT, course, sub, ["02_perceptron"], jobs=1)
    finally:
        zygote.shutdown()  # the next test starts a new one
    a = result.assignments[0]
    assert a.score == a.max_score, [(t.name, t.feedback) for t in a.tests if t.status != "passed"]
    assert calls[2] == calls[3], "the third test ran twice"


def test_a_worker_lost_with_the_zygote_is_noticed_even_while_a_child_it_forked_holds_its_socket():
    """No end of stream comes (the student's child has the socket) and no exit report (the zygote
    is dead): the call waited for its limit and was scored as the student's timeout."""
    import threading

    from grader.errors import WorkerLost

    source = ("import numpy as np\n_os = np.lib._datasource.os\n\n\ndef f():\n"
              "    if _os.fork() == 0:\n        r, w = _os.pipe()\n        _os.read(r, 1)  # waits forever\n"
              "    while True: pass\n")
    worker = Worker(WorkerSpec(source, "m", ("numpy",)), call_seconds=10.0)
    try:
        worker.ensure_ready()
        z = zygote.get()
        threading.Timer(0.5, z.proc.kill).start()
        started = time.monotonic()
        with pytest.raises(WorkerLost):
            StudentModule(worker).f()
        assert time.monotonic() - started < 3.0
    finally:
        worker.close()
        zygote.shutdown()  # the next test starts a new one
