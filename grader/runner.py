"""Running hidden tests against a submission and turning outcomes into scores.

Order of work for one submission (written down because the order matters for speed):
1. read and statically check every requested module (no student code runs);
2. start one worker per module at once, so interpreter start-up and ``import numpy`` overlap;
3. grade assignments in this process and forks of it (threads when there is no zygote to share),
   each taking the next assignment from a queue, the longest expected first: each test calls the
   student through its worker's proxy and the reference in the grader; the score is computed from
   outcomes only.
"""

from __future__ import annotations

import inspect
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader import redact
from grader.course import Assignment, Course, where_in_course
from grader.errors import (BoundaryError, ConfinementFailed, GlobalRandomUsed, StudentCrash, StudentError,
                           StudentTimeout, SubmissionError, UserError, WorkerLost)
from grader.loading import REF_PREFIX, import_path
from grader.proxy import StudentModule, Worker
from grader.results import AssignmentResult, SubmissionResult, TestResult, rounded
from grader.sandbox import WorkerSpec, protection_report
from grader.submission import parse_source, read_source

_FEEDBACK_LIMIT = 500


@dataclass(frozen=True)
class HiddenTest:
    name: str
    function: str
    weight: float
    run: Callable
    params: tuple[str, ...]


@dataclass
class HiddenSuite:
    """The hidden tests and the reference of one assignment, imported once per process."""

    assignment: Assignment
    ref: object
    tests: list[HiddenTest]
    shares: dict[int, float] = field(default_factory=dict)  # id(test) -> max points, see max_points

    def max_points(self, test: HiddenTest) -> float:
        """The test's share of its function's points, by weight, to the 1e-4 that results show; the
        function's last test takes what rounding left, so the shares add up to the points exactly
        (three tests of 4 points were 1.3333 + 1.3333 + 1.3333 shown against a function worth 4)."""
        if not self.shares:  # once per process: grade-all grades many students with one suite
            for fn in dict.fromkeys(t.function for t in self.tests):
                same = [t for t in self.tests if t.function == fn]
                total, points = sum(t.weight for t in same), self.assignment.points[fn]
                for t in same[:-1]:
                    self.shares[id(t)] = rounded(points * t.weight / total)
                self.shares[id(same[-1])] = rounded(points - sum(self.shares[id(t)] for t in same[:-1]))
        return self.shares[id(test)]


_suites: dict[tuple, HiddenSuite] = {}


def hidden_test_files(course_root: Path, aid: str) -> list[Path]:
    return sorted((Path(course_root) / "solutions" / aid).glob("test_*hidden*.py"))


def expected_cost(course_root: Path, aid: str) -> int:
    """A rough, import-free guess of how long an assignment takes to grade: the size of its hidden
    tests. It only orders the work (longest first balances two processes best: 03_backprop,
    the longest, starts at once instead of last), so a wrong guess costs speed, never a score."""
    total = 0
    for path in hidden_test_files(course_root, aid):
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def _import_course_file(path: Path, prefix: str):
    """Import a reference or hidden-test file; a mistake in it is the instructor's, shown as one
    line naming the file and line (a traceback would also print hidden-test code into students'
    CI logs)."""
    try:
        return import_path(path, prefix)
    except SyntaxError as err:
        raise UserError(f"{path}:{err.lineno}: {err.msg}; fix this course file and run `grader validate`") from None
    except Exception as err:  # an import error, a NameError at module level, ...
        tb = traceback.extract_tb(err.__traceback__)
        line = next((f.lineno for f in reversed(tb) if f.filename == str(path)), None)
        where = f"{path}:{line}" if line else str(path)
        raise UserError(f"{where}: {type(err).__name__}: {err}; fix this course file and run `grader validate`") from None


def _refuse_untagged(module, path: Path) -> None:
    """A test the grader would skip without a word: ``test_*`` without @graded (plain pytest runs it,
    so it looks fine there), or @graded on a function whose name does not start with ``test_``."""
    for name, fn in vars(module).items():
        if not inspect.isfunction(fn) or fn.__module__ != module.__name__:
            continue  # imported, not written in this file
        where = f"{path}:{fn.__code__.co_firstlineno}"
        if name.startswith("test_") and not hasattr(fn, "grader_function"):
            raise UserError(f"{where}: {name} has no @graded(\"<function>\") from grader.checks, so the grader "
                            "would never run it: tag it with the student function it grades")
        if hasattr(fn, "grader_function") and not name.startswith("test_"):
            raise UserError(f"{where}: {name} is tagged @graded but the grader runs only functions named "
                            f"test_*: rename it test_{name}")


def load_suite(course_root: Path, assignment: Assignment) -> HiddenSuite:
    """Import the reference and hidden tests of ``assignment`` (cached while files are unchanged)."""
    base = Path(course_root) / "solutions" / assignment.id
    ref_path = base / f"{assignment.module}.py"
    files = hidden_test_files(course_root, assignment.id)
    if not ref_path.is_file():
        if not (Path(course_root) / "solutions").is_dir():  # e.g. `grader grade .` in a student's checkout
            raise UserError(f"no solutions/ folder in {course_root}: grading needs the references and hidden "
                            "tests of the course repository (a student repository has none; there, `grader check` "
                            "runs the public tests)")
        raise UserError(f"reference {ref_path} not found")
    if not files:
        raise UserError(f"no hidden tests (test_*hidden*.py) in {base}")
    key = (assignment.id, assignment.module, tuple(sorted(assignment.points.items())), tuple((str(p), p.stat().st_mtime_ns) for p in [ref_path, *files]))
    if key in _suites:
        return _suites[key]
    ref = _import_course_file(ref_path, REF_PREFIX)
    tests: list[HiddenTest] = []
    for path in files:
        module = _import_course_file(path, "_grader_hidden_")
        _refuse_untagged(module, path)
        found = [v for k, v in vars(module).items() if k.startswith("test_") and hasattr(v, "grader_function")]
        found.sort(key=lambda f: f.__code__.co_firstlineno)
        for fn in found:
            params = tuple(inspect.signature(fn).parameters)
            where = f"{path}:{fn.__code__.co_firstlineno}"
            if not set(params) <= {"student", "ref"}:
                raise UserError(f"{where}: {fn.__name__} may only take the arguments student and ref")
            if fn.grader_function not in assignment.points:
                points = where_in_course(Path(course_root) / "course.yaml", assignment.id, "points")
                raise UserError(f"{where}: {fn.__name__} grades {fn.grader_function!r}, which has no points in "
                                f"{assignment.id}'s points ({points}): add it there, or fix the name in @graded")
            tests.append(HiddenTest(fn.__name__, fn.grader_function, fn.grader_weight, fn, params))
    untested = sorted(set(assignment.points) - {t.function for t in tests})
    if untested:
        where = where_in_course(Path(course_root) / "course.yaml", assignment.id, "points", untested[0])
        raise UserError(f"{where}: course.yaml gives points to {', '.join(untested)} in {assignment.id}, "
                        f"but no hidden test in {base} grades them (@graded({untested[0]!r}))")
    suite = HiddenSuite(assignment, ref, tests)
    _suites[key] = suite
    return suite


def _truncate(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _FEEDBACK_LIMIT else text[: _FEEDBACK_LIMIT - 3] + "..."


def _raised_in_numpy_testing(err: BaseException) -> bool:
    """Whether ``err`` came from numpy.testing (assert_allclose, assert_array_equal...), whose
    messages quote both arrays; grader.checks' helpers name only the error measure."""
    tb = err.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("numpy.testing"):
            return True
        tb = tb.tb_next
    return False


def run_test(test: HiddenTest, student, ref, worker: Worker | None, test_seconds: float) -> tuple[str, str]:
    """Run one hidden test; returns (status, feedback)."""
    if worker is not None:
        worker.reset()
        worker.test_deadline = time.monotonic() + test_seconds
    kwargs = {"student": student, "ref": ref}
    try:
        test.run(**{p: kwargs[p] for p in test.params})
        return "passed", ""
    except AssertionError as err:
        full = worker is not None and worker.full_errors  # grader validate: the instructor's own code
        if _raised_in_numpy_testing(err) and not full:  # its message lists the expected (DESIRED) entries
            return "failed", (f"{test.function}: the returned values differ from the expected ones "
                              "(numpy.testing's details are withheld)")
        return "failed", _truncate(str(err) or f"a check of {test.function} failed")
    except (ConfinementFailed, WorkerLost):
        raise  # this machine's fault, not the student's: grading stops, or the test runs again
    except StudentTimeout as err:
        return "timeout", _truncate(str(err))
    except StudentCrash as err:
        return "error", _truncate(str(err))
    except GlobalRandomUsed as err:
        return "failed", _truncate(str(err))
    except StudentError as err:
        if err.type_name == "NotImplementedError":
            if err.raised_in != err.function:
                return "error", (f"{err.raised_in} is not implemented yet (it raised NotImplementedError "
                                 f"when {err.function} called it)")
            return "error", f"{err.function} is not implemented yet (it raised NotImplementedError)"
        return "error", _truncate(str(err))
    except BoundaryError as err:
        return "error", _truncate(f"{test.function}: {err}")
    except Exception as err:  # the test could not use the returned value (None, wrong tuple, ...)
        # The message may quote the returned value (a string of the student's in "could not convert string
        # to float: '...'"), so only a fixed phrase for a common error, unless it is the instructor's code.
        full = worker is not None and worker.full_errors
        text = str(err) if full else redact.hint(str(err)) or redact.WITHHELD
        return "error", _truncate(f"the test could not use what {test.function} returned "
                                  f"({type(err).__name__}: {text})")
    finally:
        if worker is not None:
            worker.test_deadline = None


def _run_test_again_if_lost(test: HiddenTest, student, ref, worker: Worker, test_seconds: float) -> tuple[str, str]:
    """:func:`run_test`, run once more when the worker died with the zygote (not the student's
    doing); lost again, it counts as the crash it looks like."""
    try:
        return run_test(test, student, ref, worker, test_seconds)
    except WorkerLost:
        pass
    try:
        return run_test(test, student, ref, worker, test_seconds)
    except WorkerLost as err:
        return "error", _truncate(str(err))


def _prepare(course: Course, a: Assignment, submission: Path,
             full_errors: bool = False) -> Worker | AssignmentResult:
    try:
        source = read_source(submission, a.id, a.module)
        imported, tree = parse_source(source, f"assignments/{a.id}/{a.module}.py", course.allowed_imports)
    except SubmissionError as err:
        return AssignmentResult(a.id, 0.0, rounded(a.max_score), err.status, err.message, [])
    limits = course.limits_for(a)
    worker = Worker(WorkerSpec(source, a.module, tuple(course.allowed_imports), limits.memory_mb, imported, tree),
                    call_seconds=limits.call_seconds, full_errors=full_errors, import_seconds=limits.import_seconds)
    worker.start()
    return worker


class Closer:
    """Closes finished workers in the background: a close waits ~3 ms for the zygote to report
    the worker's process tree gone, and the next assignment (or, in a batch, the next student)
    need not wait for that. ``wait`` returns once every close is done: a forked grading process
    calls it before it exits (and, grading one submission's assignments, before it reports)."""

    def __init__(self):
        self._threads: list[tuple[threading.Thread, Worker]] = []
        # Threaded grading calls close from several threads: without the lock, one thread's pruned
        # list could replace another's just appended entry, which wait would then not join.
        self._lock = threading.Lock()

    def close(self, worker: Worker) -> None:
        thread = threading.Thread(target=worker.close, name="grader-close", daemon=True)
        with self._lock:  # started before another close prunes: an entry not started yet is not alive
            self._threads = [(t, w) for t, w in self._threads if t.is_alive()]  # a batch's list stays short
            thread.start()
            self._threads.append((thread, worker))

    def closing(self, worker: Worker) -> bool:
        """Whether ``worker`` was handed to this closer (closing it here too would race its thread)."""
        with self._lock:
            return any(w is worker for _, w in self._threads)

    def wait(self) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread, _ in threads:
            thread.join()
        with self._lock:
            self._threads = [entry for entry in self._threads if entry not in threads]


def _grade_with(course: Course, suite: HiddenSuite, worker: Worker, closer: Closer,
                timings: dict | None = None) -> AssignmentResult:
    a = suite.assignment
    limits = course.limits_for(a)
    try:
        try:
            worker.ensure_ready()
        except WorkerLost:
            worker.ensure_ready()  # once more, on a fresh worker
    except (StudentCrash, StudentTimeout) as err:
        worker.close()
        return AssignmentResult(a.id, 0.0, rounded(a.max_score), "error", f"your module could not be loaded: {err}")
    if worker.import_error is not None:
        e = worker.import_error
        where = f" ({e.get('where')})" if e.get("where") else ""
        worker.close()
        return AssignmentResult(a.id, 0.0, rounded(a.max_score), "error",
                                _truncate(f"your module failed to import: {e.get('type')}: {e.get('message')}{where}"))
    student = StudentModule(worker, suite.ref)
    results = []
    score = 0.0  # summed unrounded: three tests of 1/3 point make exactly 1
    try:
        for test in suite.tests:
            started, requests = time.perf_counter(), worker.requests
            status, feedback = _run_test_again_if_lost(test, student, suite.ref, worker, limits.test_seconds)
            if timings is not None:
                timings[(a.id, test.name)] = (time.perf_counter() - started, worker.requests - requests)
            top = suite.max_points(test)
            score += top if status == "passed" else 0.0
            results.append(TestResult(test.name, test.function, rounded(top if status == "passed" else 0.0),
                                      rounded(top), status, feedback))
    finally:
        closer.close(worker)
    return AssignmentResult(a.id, rounded(score), rounded(a.max_score), "graded", "", results)


def _fork_connections(count: int) -> list:
    """Connections to the zygote for ``count`` forks of this grader (fewer, or none, when there
    is no zygote to share: grading then uses threads)."""
    from grader import zygote

    conns = []
    if count > 0 and zygote.get() is not None:
        for _ in range(count):
            conn = zygote.attach()
            if conn is None:
                break
            conns.append(conn)
    return conns


def _in_processes(assignments: list[Assignment], prepared: dict, finish: Callable, closer: Closer,
                  conns: list, costs: dict[str, int]) -> list[AssignmentResult] | None:
    """Grade ``assignments`` in this process and one fork of it per connection in ``conns``,
    each taking the next assignment from a shared queue (None when that cannot be done here: no
    zygote to share, or one assignment left to grade; the caller then uses threads).

    Tests and references run in the grader, so in threads they share one GIL: half of a
    whole-submission run went to waiting for it. A fork has its own GIL, already holds the
    imported suites and the workers' sockets, and reaches the zygote through a connection of its
    own (``conns``, one per fork, from :func:`grader.zygote.attach` before the workers were
    asked for, so a fork also hears where the workers still being started are). Each fork sends
    back its AssignmentResults; whatever a fork did not report (it died, or a bug raised) is
    graded again here, with fresh workers.
    """
    import pickle
    import signal

    from grader import sandbox, zygote

    todo = [i for i, a in enumerate(assignments) if isinstance(prepared[a.id], Worker)]
    # Longest first, except that modules importing e.g. scipy.special go last: the zygote forks
    # their workers after the others, once it has imported that (~0.3 s), so they are the last to
    # be ready. (What the zygote has imported is about what this process has: numpy and the
    # standard library.)
    todo.sort(key=lambda i: (any(name not in sys.modules for name in prepared[assignments[i].id].spec.preload),
                             -costs[assignments[i].id]))
    conns = conns[:len(todo) - 1]
    if not conns or max(todo) > 255:  # the queue holds one byte per assignment
        return None
    z = zygote.get()  # booted before forking, so the forks copy its plan (workers cannot be ready before)
    if z is None or not z.wait_booted():
        return None
    queue_r, queue_w = os.pipe()
    os.write(queue_w, bytes(todo))  # indices < 256: a course has far fewer assignments
    os.close(queue_w)

    def take() -> int | None:
        b = os.read(queue_r, 1)  # one byte per read: concurrent readers never share an index
        return b[0] if b else None

    results: dict[int, AssignmentResult] = {}
    forks: list[tuple[int, int, str]] = []  # pid, its reply pipe, the tag of its workers' scratch
    for index, conn in enumerate(conns):
        reply_r, reply_w = os.pipe()
        tag = sandbox.fork_scratch_tag()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            pid = os.fork()
        except OSError:  # e.g. the process limit: grade with the forks made so far
            os.close(reply_r)
            os.close(reply_w)
            break
        if pid == 0:  # the fork: grade, report, and leave without any of the parent's exit work
            code = 1
            try:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, sandbox.end_fork)
                sandbox.use_scratch_tag(tag)
                os.close(reply_r)
                for other in conns:
                    if other is not conn:
                        other.close()
                zygote.adopt(conn, index)
                mine: dict[int, AssignmentResult] = {}
                while (i := take()) is not None:
                    try:
                        mine[i] = finish(assignments[i])
                    except Exception:  # noqa: BLE001 - the parent grades it again and reports
                        pass
                closer.wait()  # the workers this fork graded are gone before it says so
                data = pickle.dumps(mine)
                with os.fdopen(reply_w, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        conn.close()
        os.close(reply_w)
        forks.append((pid, reply_r, tag))
    unread = {reply_r for _, reply_r, _ in forks}
    try:
        while (i := take()) is not None:
            results[i] = finish(assignments[i])
        closer.wait()
        for pid, reply_r, tag in list(forks):
            with os.fdopen(reply_r, "rb") as reply:
                unread.discard(reply_r)
                data = reply.read()
            os.waitpid(pid, 0)
            sandbox.remove_tagged_scratch(tag)  # what a fork that died could not remove
            forks.remove((pid, reply_r, tag))
            try:
                theirs = pickle.loads(data) if data else {}
            except Exception:  # noqa: BLE001 - a fork that died mid-write reported nothing
                theirs = {}
            for i, result in theirs.items():
                results[i] = result
                prepared[assignments[i].id].forget()  # the fork killed it and removed its files
    except BaseException:
        from grader.procs import signals_held

        with signals_held(signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C waits for this
            for pid, _, tag in forks:  # those not waited for yet
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
                sandbox.remove_tagged_scratch(tag)
        for reply_r in unread:
            os.close(reply_r)
        raise
    finally:
        os.close(queue_r)
    for i in todo:
        if i not in results:
            worker = prepared[assignments[i].id]
            worker.close()  # whatever state the fork left it in: a fresh worker starts on first use
            results[i] = finish(assignments[i])
    return [results[i] if i in results else finish(a) for i, a in enumerate(assignments)]


def grade_submission(course_root: Path, course: Course, submission: Path, ids: list[str] | None = None,
                     jobs: int | None = None, name: str | None = None,
                     full_errors: bool = False, closer: Closer | None = None,
                     timings: dict | None = None) -> SubmissionResult:
    """Grade ``submission`` on the assignments ``ids`` (all by default; a repeated id counts once,
    since each assignment has one worker). ``full_errors`` shows the submission's exception messages
    in feedback, which is for the instructor's own code only (``grader validate``): a student's could
    carry the hidden inputs (see :mod:`grader.redact`). Finished workers are closed in the
    background, by ``closer`` when given: then the caller waits for it, so that a batch grades the
    next student meanwhile; else before returning. ``timings``, when given, receives each test's
    wall time and round trips to the worker, {(id, test name): (seconds, trips)}, and the
    assignments are graded one after the other in this process, so the times are the tests' own."""
    assignments = [course.assignment(i) for i in dict.fromkeys(ids)] if ids else list(course.assignments)
    jobs = 1 if timings is not None else jobs or min(len(assignments), os.cpu_count() or 1)
    conns = _fork_connections(min(jobs, len(assignments)) - 1)
    costs = {a.id: expected_cost(course_root, a.id) for a in assignments}
    longest_first = sorted(assignments, key=lambda a: -costs[a.id])
    # Workers first: their interpreter start-up overlaps with importing the hidden suites here.
    # They are asked for in the order they will be needed.
    prepared = {a.id: _prepare(course, a, Path(submission), full_errors) for a in longest_first}
    try:
        suites = {a.id: load_suite(course_root, a) for a in assignments}
    except BaseException:
        for p in prepared.values():
            if isinstance(p, Worker):
                p.close()
        for conn in conns:
            conn.close()
        raise

    own_closer = closer is None
    closer = closer or Closer()

    def finish(a: Assignment) -> AssignmentResult:
        p = prepared[a.id]
        return p if isinstance(p, AssignmentResult) else _grade_with(course, suites[a.id], p, closer, timings)

    try:
        # One module to grade (the others missing or unloadable, say early in the term) gains
        # nothing from threads, and a thread pool makes Ctrl-C wait for every timeout still to come.
        if jobs <= 1 or sum(isinstance(p, Worker) for p in prepared.values()) <= 1:
            results = [finish(a) for a in assignments]
        else:
            results = _in_processes(assignments, prepared, finish, closer, conns, costs)
            if results is None:
                from concurrent.futures import ThreadPoolExecutor  # imports logging: only when needed

                with ThreadPoolExecutor(max_workers=jobs) as pool:
                    try:
                        done = dict(zip((a.id for a in longest_first), pool.map(finish, longest_first)))
                    except BaseException:
                        # Ctrl-C: leaving the pool waits for its threads, which may be inside
                        # student calls that run to their time limits. End those calls now.
                        for p in prepared.values():
                            if isinstance(p, Worker):
                                p.abandon()
                        raise
                results = [done[a.id] for a in assignments]
    finally:
        for conn in conns:
            conn.close()  # (the forks have their own copies; unused ones just close)
        if own_closer:
            closer.wait()
        for p in prepared.values():
            if isinstance(p, Worker) and not closer.closing(p):
                p.close()
    return SubmissionResult(
        submission=name or Path(submission).resolve().name,
        score=rounded(sum(r.score for r in results)),
        max_score=rounded(sum(r.max_score for r in results)),
        assignments=results,
        isolation=protection_report(),
    )
