"""`grader grade-all`: a whole class, in parallel, resumable, with a gradebook.

Order of work:
1. list the immediate subdirectories of DIR (one student each; hidden ones, and those holding the
   batch's own outputs, skipped), sorted;
2. read the journal: students whose submission fingerprint is unchanged since they were graded,
   under the same course (course.yaml, hidden tests, references, grader version), are not graded
   again (``force`` regrades everyone);
3. grade the rest in N grading processes forked from this one once it has imported the hidden
   suites and booted the zygote (so nothing is imported or booted twice), each sent the next
   student as soon as it finishes one; every finished student is appended to the journal at once
   (one JSON line, flushed and fsynced), so a batch killed halfway loses at most the students in
   flight;
4. write the per-student JSON files and the gradebook from the journal, sorted by student, so the
   output is the same whatever N is.

The parent keeps only the journal lines, so memory stays flat as the class grows.
"""

from __future__ import annotations

import csv
import errno
import fcntl
import functools
import hashlib
import io
import json
import os
import pickle
import select
import signal
import statistics
import struct
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import msgspec

from grader import __version__
from grader.course import Course
from grader.errors import UserError
from grader.fileutil import read_spreadsheet_csv
from grader.formats import spreadsheet_safe
from grader.results import name_key, submission_name
from grader.submission import SubmissionError, nested_submission, read_source

JOURNAL_VERSION = 1


class JournalError(UserError):
    """The journal cannot be read or written: shown as one line (a UserError), never a traceback."""


def list_students(directory: Path, outputs: Iterable[Path] = ()) -> list[Path]:
    """Immediate subdirectories of ``directory``, one per student, in a stable order. A folder that
    is or holds one of ``outputs`` (files and folders the batch writes: --json-dir, a reports
    folder) is not a student, unless it holds a submission (an ``assignments`` folder): then that
    is a UserError, as the student would be left out of the gradebook without a word."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"{directory} is not a directory of submissions")
    # Resolved, so that `cls/json` and `./cls/../cls/json` are one folder. The CLI creates
    # --json-dir before the batch starts: inside DIR it would otherwise be graded as a student.
    written = {Path(p).resolve(): Path(p) for p in outputs}
    students = []
    for p in directory.iterdir():
        if not p.is_dir() or p.name.startswith(".") or p.resolve() in written:
            continue
        inside = [shown for w, shown in written.items() if w.is_relative_to(p.resolve())]
        if inside and not (p / "assignments").is_dir():
            continue
        if inside:
            raise UserError(f"{inside[0]} would be written inside the submission {p.name!r} of {directory}: "
                            "write it outside the students' folders (run the command from elsewhere, or give -o, "
                            "--journal, --json-dir or --plot another place)")
        students.append(p)
    return sorted(students, key=lambda p: p.name)


# What a student's submission looks like before it is unpacked into a folder (an LMS download).
_SUBMITTED_FILES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz", ".7z", ".rar", ".py", ".ipynb")


def stray_files(directory: Path) -> list[str]:
    """Names of files in ``directory`` that look like submissions left as files (archives, modules,
    notebooks): grade-all grades folders only, so these students would be left out."""
    try:
        return sorted(p.name for p in Path(directory).iterdir() if not p.name.startswith(".")
                      and p.name.lower().endswith(_SUBMITTED_FILES) and p.is_file())
    except OSError:
        return []


def some_files(names: list[str], shown: int = 3) -> str:
    """"a.zip, b.zip and 4 more file(s)": a few names, and how many others."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{', '.join(submission_name(n) for n in names[:shown])}{more} ({len(names)} file(s))"


def files_instead(students: list[Path], shown: int = 8) -> list[str]:
    """Summary lines for students whose folder has no assignments/ (nor one a folder down) but holds
    files that look like a submission: an LMS download where the student uploaded an archive, or the
    modules themselves (Canvas and Moodle keep uploads as they are). Each is graded as not
    submitted, with a blank in an LMS gradebook, though they sent work."""
    held = []
    for student in students:
        if (student / "assignments").is_dir() or nested_submission(student) is not None:
            continue
        if files := stray_files(student):
            held.append(f"{submission_name(student.name)}: {some_files(files)}")
    if not held:
        return []
    return [f"no assignments/ folder, but files that look like a submission: {len(held)} student(s), graded as not "
            "submitted: unpack the archive, or move each module to assignments/<id>/<module>.py, in their folder "
            "and run the same command again:", *(f"  {line}" for line in held[:shown]),
            *([f"  and {len(held) - shown} more"] if len(held) > shown else [])]


def check_class(directory: Path, ids: list[str], students: list[Path]) -> list[Path]:
    """``students`` (from :func:`list_students`), or a UserError when ``directory`` is plainly not
    a folder of submissions: one submission, its assignments folder, or no folders at all (an LMS
    download whose archives were not unpacked). Each would give a gradebook of zeros, or none."""
    if any((Path(directory) / "assignments" / aid).is_dir() for aid in ids):
        raise UserError(f"{directory} looks like one submission (it has assignments/ itself), but grade-all grades a "
                        "folder holding one submission per subdirectory: pass that folder, or grade this one "
                        f"with `grader grade {directory}`")
    if inside := next((aid for aid in ids if (Path(directory) / aid).is_dir()), None):
        raise UserError(f"{directory} looks like the assignments folder of one submission (it holds {inside}/), but "
                        "grade-all grades a folder holding one submission per subdirectory: pass the folder that "
                        "holds the students' folders")
    if not students:
        files = stray_files(directory)
        unpack = f" It holds {some_files(files)}: unpack each into a folder named after its student." if files \
            else ""
        raise UserError(f"{directory} holds no student folders: grade-all grades each subdirectory as one student's "
                        f"submission.{unpack}")
    return students


def fingerprint(submission: Path, course: Course, ids: list[str]) -> str:
    """A hash of the graded files as grading reads them, so edits trigger a regrade.

    Each module goes through :func:`grader.submission.read_source`, the same checked read as
    grading: a module that is a FIFO, a link to /dev/zero or outside the submission, or too big, is
    never opened, and its refusal is hashed instead (a raw read hung or exhausted the memory of the
    batch before anyone was graded)."""
    h = hashlib.sha256()
    for aid in ids:
        a = course.assignment(aid)
        path = Path(submission) / "assignments" / aid / f"{a.module}.py"
        h.update(aid.encode())
        try:
            if path.is_symlink():
                h.update(b"link:" + os.readlink(path).encode())
            h.update(read_source(submission, aid, a.module).encode())
        except SubmissionError as err:
            h.update(f"<{err}>".encode())
        except OSError:
            h.update(b"<absent>")
    return h.hexdigest()


GRADER_SOURCES = Path(__file__).resolve().parent  # the grader package whose code grades


@functools.lru_cache(maxsize=None)
def grader_source_digest(package: Path) -> bytes:
    """A digest of every module of the grader package (name and content), once per process."""
    h = hashlib.sha256()
    for path in sorted(Path(package).rglob("*.py")):
        h.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.digest()


def course_fingerprint(course_root: Path, course: Course, ids: list[str]) -> str:
    """A hash of what grades a submission besides its own files: the course settings and the
    chosen assignments' entries (points, limits), their references and hidden tests, and the
    grader's version and source code. A journal entry graded under another one is stale: its scores may be wrong."""
    from grader.runner import hidden_test_files

    h = hashlib.sha256(f"grader {__version__}\0".encode())
    # The grader's own code decides too (grader.checks' tolerances, the redaction, the proxy), and
    # __version__ is not bumped on every fix: a journal written before a `git pull` of the grader
    # would otherwise keep its old scores without a word.
    h.update(grader_source_digest(GRADER_SOURCES))
    # The parsed course, not course.yaml's bytes: it is what grades (the caller may have adjusted
    # it), and a comment edited in course.yaml must not cost an hour of regrading.
    h.update(msgspec.json.encode(course.replace(assignments=[course.assignment(aid) for aid in ids])))
    for aid in ids:
        base = Path(course_root) / "solutions" / aid
        for path in [base / f"{course.assignment(aid).module}.py", *hidden_test_files(course_root, aid)]:
            h.update(f"\0{aid}/{path.name}\0".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())  # fixed size: no two files hash alike
    return h.hexdigest()


class Journal:
    """Append-only JSON lines: one finished student each. A torn last line is ignored."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def read(self) -> dict[str, dict[tuple[str, ...], dict]]:
        """{student: {assignment ids graded: latest entry}}; raises JournalError when the journal exists
        but cannot be read. Kept per choice of assignments: a batch of one assignment (-a) must not
        hide the whole-course entries of the same journal, or the next whole-course batch regrades everyone."""
        entries: dict[str, dict[tuple[str, ...], dict]] = {}
        if not self.path.exists():
            return entries
        try:
            with open(self.path, "rb") as fh:
                for raw in fh:
                    try:
                        entry = json.loads(raw)
                    except ValueError:
                        continue  # a line cut short by a kill
                    if isinstance(entry, dict) and entry.get("v") == JOURNAL_VERSION and "student" in entry:
                        # a later line supersedes an earlier one of the same student and assignments
                        ids = entry.get("ids")
                        ids = tuple(map(str, ids)) if isinstance(ids, list) else ()
                        entries.setdefault(entry["student"], {})[ids] = entry
        except OSError as err:
            raise self._unusable(err, "read") from None
        return entries

    def lock(self) -> int:
        """Take the journal for this batch (an flock, released when the process and its forks end
        or the returned descriptor is closed): a second grade-all into the same journal would grade
        every student again beside the first. Refused at once, with what to do, rather than waited for."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as err:
            raise self._unusable(err, "write") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                return fd  # a file system without locks (some network mounts): grade unguarded, as before
            os.close(fd)
            raise JournalError(f"another grade-all is grading into the journal {self.path} right now: let it "
                               "finish, then run this command again (it reuses what the other graded), or give "
                               "this one another -o (or --journal)") from None
        return fd

    def check(self) -> None:
        """Create the journal if need be, before anyone is graded: a directory that passes
        os.access but takes no file (/proc, say) must not cost the first student's grading."""
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
        except OSError as err:
            raise self._unusable(err, "write") from None

    def _unusable(self, err: OSError, verb: str) -> JournalError:
        """The error for a journal path that cannot work at all, and what to do about it."""
        where = "(it defaults to <output>.journal, next to -o)"
        if isinstance(err, IsADirectoryError) or self.path.is_dir():
            return JournalError(f"the journal {self.path} is a directory: move it away, or pass --journal with a "
                                f"file path {where}")
        if verb == "read":
            todo = "make it readable, or pass --journal with another file"
        elif self.path.exists() and os.access(self.path.parent, os.W_OK | os.X_OK):  # the file itself is read-only
            todo = "make it writable (chmod u+w), or pass --journal with another file"
        else:
            todo = "pass --journal with a file in a writable directory"
        return JournalError(f"cannot {verb} the journal {self.path} ({err.strerror or err}): {todo} {where}")

    def append(self, entry: dict) -> None:
        """Add one line, on disk when this returns. On failure (a full disk) the journal is cut
        back to its previous size, so a half line cannot hide the next one, and the OSError raised."""
        line = (json.dumps({"v": JOURNAL_VERSION, **entry}, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # end a line torn by a kill, so it cannot swallow this one
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:
                try:
                    os.ftruncate(fd, size)
                except OSError:
                    pass  # the torn line is ignored on reading, and ended by the next append
                raise
        finally:
            os.close(fd)


# -- the grading processes --------------------------------------------------------------------
_HEADER = struct.Struct("<IBI")  # student index, kind (0 result, 1 error), payload length
_STOP = 0xFFFFFFFF


class _GradingProcess:
    """A fork of this process (the hidden suites already imported, the zygote shared through a
    connection of its own) that grades the students it is sent one at a time: the parent writes
    a student's index to ``tasks``; the fork answers on ``results`` with the index and the
    pickled result (or the exception a grader bug raised)."""

    def __init__(self, pid: int, tasks: int, results: int, tag: str):
        self.pid, self.tasks, self.results = pid, tasks, results
        self.tag = tag  # of its workers' scratch directories: see grader.sandbox.fork_scratch_tag
        self.current: int | None = None

    def send(self, index: int) -> None:
        self.current = index
        os.write(self.tasks, struct.pack("<I", index))


def _read_exactly(fd: int, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _serve(tasks: int, results: int, grade: Callable[[int], dict]) -> None:
    """The fork's loop: grade each index read from ``tasks`` until told to stop (or EOF)."""
    while (raw := _read_exactly(tasks, 4)) is not None and (i := struct.unpack("<I", raw)[0]) != _STOP:
        try:
            kind, payload = 0, pickle.dumps(grade(i))
        except Exception as exc:  # noqa: BLE001 - a grader bug: the parent raises it
            try:
                kind, payload = 1, pickle.dumps(exc)
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                kind, payload = 1, pickle.dumps(RuntimeError("".join(traceback.format_exception(exc))))
        os.write(results, _HEADER.pack(i, kind, len(payload)))
        view = memoryview(payload)
        while view:
            view = view[os.write(results, view):]


class _Forks:
    """Up to ``jobs`` grading processes forked from this one, fed students on demand (the next
    student goes to whichever process finishes first). Forking shares what this process already
    paid for, the imported suites and the zygote's boot, where a pool of fresh interpreters paid
    ~0.5 s each and started a zygote each. A fork that dies (killed, out of memory) is replaced
    and its student graded again, once; a student that kills two processes stops the batch."""

    def __init__(self, jobs: int, grade: Callable[[int], dict], name: Callable[[int], str] | None = None,
                 done: Callable[[], None] | None = None):
        from grader import zygote

        self.jobs, self.grade = jobs, grade
        self.done = done  # what a fork does once told to stop, before it exits
        self.name = name or (lambda i: f"student number {i + 1}")  # how messages name the student of index i
        self.owner = os.getpid()  # only this process may kill and reap the forks
        self.procs: list[_GradingProcess] = []
        self.forked = 0
        z = zygote.get()
        self.zygote = z is not None and z.wait_booted()  # booted first, so the forks copy its plan
        if not self.zygote:
            from grader import sandbox

            sandbox.spawn_plan()  # probed once, here: each fork would otherwise probe again

    def _fork(self) -> _GradingProcess | None:
        from grader import sandbox, zygote

        conn = zygote.attach() if self.zygote else None
        tag = sandbox.fork_scratch_tag()
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            pid = os.fork()
        except OSError as err:
            for fd in (task_r, task_w, result_r, result_w):
                os.close(fd)
            if conn is not None:
                conn.close()
            if self.procs:
                return None
            raise UserError(f"cannot start a grading process: {err}") from None
        if pid == 0:  # the fork: grade what it is sent, then leave without the parent's exit work
            code = 1
            try:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, sandbox.end_fork)
                sandbox.use_scratch_tag(tag)
                for fd in (task_w, result_r, *(fd for p in self.procs for fd in (p.tasks, p.results))):
                    os.close(fd)
                if conn is not None:
                    zygote.adopt(conn, self.forked)
                _serve(task_r, result_w, self.grade)
                if self.done is not None:
                    self.done()
                code = 0
            finally:
                os._exit(code)
        self.forked += 1
        os.close(task_r)
        os.close(result_w)
        if conn is not None:
            conn.close()
        proc = _GradingProcess(pid, task_w, result_r, tag)
        self.procs.append(proc)
        return proc

    def _end(self, proc: _GradingProcess) -> int:
        from grader import sandbox

        self.procs.remove(proc)
        os.close(proc.tasks)
        os.close(proc.results)
        _, status = os.waitpid(proc.pid, 0)
        sandbox.remove_tagged_scratch(proc.tag)  # what a killed fork could not remove
        return status

    def run(self, count: int) -> Iterator[tuple[int, dict]]:
        """Yield (index, result) for indices 0..count-1, in the order they finish."""
        todo = list(range(count - 1, -1, -1))  # popped from the end: in order
        retried: set[int] = set()
        try:
            while len(self.procs) < min(self.jobs, count) and (proc := self._fork()) is not None:
                proc.send(todo.pop())
            while self.procs:
                ready, _, _ = select.select([p.results for p in self.procs], [], [])
                for proc in [p for p in self.procs if p.results in ready]:
                    header = _read_exactly(proc.results, _HEADER.size)
                    i, kind, size = _HEADER.unpack(header) if header else (None, None, 0)
                    payload = _read_exactly(proc.results, size) if header else None
                    if payload is None:  # the process died
                        lost = proc.current
                        status = self._end(proc)
                        if lost is not None:
                            if lost in retried:
                                raise UserError(f"grading {self.name(lost)} killed the grading process twice "
                                                f"({_describe(status)}); the students graded so far are in the "
                                                "journal: rerun to resume (if it happens again, move that folder "
                                                "out of the class folder to grade the others)")
                            retried.add(lost)
                            todo.append(lost)
                        if todo and (new := self._fork()) is not None:
                            new.send(todo.pop())
                        elif todo and not self.procs:
                            raise UserError("cannot start a grading process")
                        continue
                    proc.current = None
                    value = pickle.loads(payload)
                    if kind == 1:
                        raise value
                    if todo:
                        proc.send(todo.pop())
                    else:
                        os.write(proc.tasks, struct.pack("<I", _STOP))
                        self._end(proc)
                    yield i, value
        finally:
            # Stopped early (an error, Ctrl-C): none outlives the batch. Not in a copy of this
            # generator inherited by a later fork, though: those processes are not its to kill.
            if os.getpid() == self.owner:
                self._stop_all()

    def _stop_all(self) -> None:
        """Stop the forks still running: SIGTERM first, so that each kills the workers it spawned
        (:func:`grader.sandbox.end_fork`; Ctrl-C has already told them), then SIGKILL for any
        still there after 2 s. A second Ctrl-C waits until it is done."""
        from grader.procs import signals_held

        with signals_held(signal.SIGINT, signal.SIGTERM):
            for proc in self.procs:
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                except OSError:
                    pass
            deadline = time.monotonic() + 2.0
            for proc in list(self.procs):
                while time.monotonic() < deadline and os.waitid(
                        os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                    time.sleep(0.005)
                try:
                    os.kill(proc.pid, signal.SIGKILL)  # (nothing, if it has exited)
                except OSError:
                    pass
                self._end(proc)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


@dataclass
class BatchOutcome:
    results: dict[str, dict]  # student -> result dict (GRADER.md JSON), sorted by student
    graded: int
    reused: int
    stale: int = 0  # journal entries not reused because the course changed since they were graded
    nested: dict[str, str] | None = None  # student -> the subfolder graded as their submission (a zip's folder)

    def reuse_note(self) -> str:
        """"reused N from the journal", and why entries were not reused when the course changed."""
        why = f" (the course changed since it was written: {self.stale} regraded)" if self.stale else ""
        return f"reused {self.reused} from the journal{why}"


def grade_all(course_root: Path, course: Course, directory: Path, *, ids: list[str] | None = None,
              jobs: int | None = None, journal_path: Path, force: bool = False,
              progress: Callable[[Iterator, int], Iterator] | None = None,
              outputs: Iterable[Path] = ()) -> BatchOutcome:
    """Grade every student under ``directory``; see the module docstring for the order of work.
    ``outputs`` are the other files and folders the caller writes (gradebook, JSON folder, plot):
    inside ``directory`` they are not students."""
    from grader.runner import load_suite

    # An assignment chosen twice (-a X -a X) is graded, journaled and listed once.
    ids = list(dict.fromkeys(ids or [a.id for a in course.assignments]))
    for aid in ids:  # fail fast, here, on a broken course rather than in every pool process
        load_suite(Path(course_root), course.assignment(aid))
    students = check_class(directory, ids, list_students(directory, [journal_path, *outputs]))
    journal = Journal(journal_path)
    held = journal.lock()  # before reading: a batch running meanwhile would not be in what is read
    try:
        return _grade_class(course_root, course, ids, students, journal, jobs, force, progress)
    finally:
        os.close(held)


def _grade_class(course_root: Path, course: Course, ids: list[str], students: list[Path], journal: Journal,
                 jobs: int | None, force: bool, progress: Callable[[Iterator, int], Iterator] | None) -> BatchOutcome:
    """grade_all's work, with the journal held."""
    done = {} if force else journal.read()
    course_fp = course_fingerprint(course_root, course, ids)  # once per batch, not per student
    todo = []
    results: dict[str, dict] = {}
    stale = 0
    nested: dict[str, str] = {}
    for student in students:
        # A repository downloaded as a zip unpacks one folder down (alice/dlcourse-student-main/): it is
        # graded there, with the folder's name (alice) as the student's, rather than as not submitted.
        path = nested_submission(student) or student
        if path != student:
            nested[student.name] = path.name
        fp = fingerprint(path, course, ids)
        entry = done.get(student.name, {}).get(tuple(ids))
        if entry and entry.get("fingerprint") == fp:
            if entry.get("course") == course_fp:
                results[student.name] = entry["result"]
                continue
            stale += 1  # graded under other points, hidden tests or references: its score may be wrong
        todo.append((student, path, fp))
    reused = len(results)
    jobs = max(1, jobs or os.cpu_count() or 1)
    if todo:
        from grader.runner import Closer, grade_submission

        journal.check()
        # Each fork's copy closes its students' workers in the background while it grades the next
        # student (a close waits ~3 ms for the zygote), and waits for the last ones before it exits.
        closer = Closer()

        def grade(i: int) -> dict:
            return grade_submission(course_root, course, todo[i][1], ids, jobs=1, closer=closer).to_dict()

        finished = _Forks(jobs, grade, name=lambda i: repr(submission_name(todo[i][0].name)),
                          done=closer.wait).run(len(todo))
        try:
            for i, result in (progress(finished, len(todo)) if progress else finished):
                student, _, fp = todo[i]
                result["submission"] = submission_name(student.name)  # as `grade` shows it
                entry = {"student": student.name, "fingerprint": fp, "ids": ids, "course": course_fp,
                         "result": result}
                try:
                    journal.append(entry)
                except OSError as err:
                    raise _journal_failed(journal, err, len(results), force) from None
                results[student.name] = result
        finally:
            # Stop the forks now, whatever stopped the loop (Ctrl-C in the loop's body, an error
            # writing the journal), not whenever the suspended generator is collected: perhaps
            # much later, or inside a process forked meanwhile, which inherits it.
            finished.close()
    ordered = {name: results[name] for name in sorted(results)}
    return BatchOutcome(ordered, graded=len(todo), reused=reused, stale=stale, nested=nested)


def _journal_failed(journal: Journal, err: OSError, kept: int, force: bool) -> JournalError:
    """The one-line error for a journal that stopped taking lines mid-batch (a full disk, say):
    what is in it stays valid, so the same command resumes once the cause is fixed."""
    again = "the same command again without --force" if force else "the same command again"
    return JournalError(f"cannot write the journal {journal.path} ({err.strerror or err}); the {kept} graded "
                        f"student(s) before are kept in it: fix that (free some disk space, say) and run {again} "
                        "to grade the rest")


# -- outputs ----------------------------------------------------------------------------------

GRADEBOOK_FORMATS = ("plain", "canvas", "moodle")
# The columns by which Canvas's gradebook import matches a row to a student (its own export's),
# blank unless a roster fills them; Canvas asks about each row it cannot match.
CANVAS_IDENTITY = ("ID", "SIS User ID", "SIS Login ID", "Section")


@dataclass(frozen=True)
class Roster:
    """Columns to copy into the gradebook for each student folder, from ``--roster``: the LMS's own
    identifiers (a username, an email, Canvas's SIS Login ID), by which its import matches rows."""
    columns: tuple[str, ...]
    rows: dict[str, dict[str, str]]  # name_key(the folder's name) -> column -> value

    def row(self, folder: str) -> dict[str, str] | None:
        return self.rows.get(name_key(folder))


def read_roster(path: Path) -> Roster:
    """A CSV with a header naming a ``folder`` column (the student's folder in the class directory)
    and the columns to copy; a ``Student`` column, if any, replaces the folder's name in the gradebook."""
    path = Path(path)
    text, delimiter = read_spreadsheet_csv(path, "roster")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    folder = next((name for name in header if name.lower() == "folder"), None)
    if folder is None:
        got = ",".join(header)
        got = got if len(got) <= 80 else got[:77] + "..."
        raise UserError(f"{path}:1: the roster's header must name a 'folder' column (each student's folder in the "
                        f"class directory) and the columns to copy, e.g. folder,Student,SIS Login ID (got {got})")
    if len(set(header)) < len(header) or "" in header:
        raise UserError(f"{path}:1: the roster's header has an empty or repeated column name: {','.join(header)}")
    reader.fieldnames = header
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if None in row:
            raise UserError(f"{where}: this row has more fields than the header {','.join(header)}")
        name = name_key(row.pop(folder) or "")
        if not name:
            raise UserError(f"{where}: the folder column is empty")
        if name in rows:
            raise UserError(f"{where}: a second row for the folder {name!r}")
        rows[name] = {column: (value or "").strip() for column, value in row.items()}
    return Roster(tuple(name for name in header if name != folder), rows)


def check_roster(roster: Roster, course: Course, ids: list[str]) -> None:
    """Refuse, before grading, a roster column that would share its name with a gradebook column."""
    ids = list(dict.fromkeys(ids))
    taken = {"Total", *ids, *(course.assignment(i).title for i in ids)}
    clash = [c for c in roster.columns if c in taken]
    if clash:
        raise UserError(f"the roster's column {clash[0]!r} has the name of a gradebook column: keep only the "
                        f"folder column and the identifiers to copy (e.g. {', '.join(CANVAS_IDENTITY[:3])}, or "
                        "username, email)")


def roster_mismatches(results: dict[str, dict], roster: Roster, shown: int = 8) -> list[str]:
    """Summary lines for folders the roster does not name (their rows carry no LMS identifier) and
    roster students without a folder (nothing of theirs was graded)."""
    folders = {name_key(name) for name in results}
    unknown = sorted(submission_name(name) for name in results if roster.row(name) is None)
    absent = sorted(submission_name(name) for name in roster.rows if name not in folders)
    lines = []
    if unknown:
        lines.append(f"not in the roster: {len(unknown)} folder(s), whose gradebook rows have no identifier for the "
                     f"LMS to match: {', '.join(unknown[:shown])}{' ...' if len(unknown) > shown else ''} "
                     "(add them to the roster, or rename the folders as the roster has them)")
    if absent:
        lines.append(f"no folder: {len(absent)} roster student(s) have no folder in the class directory, so no "
                     f"gradebook row: {', '.join(absent[:shown])}{' ...' if len(absent) > shown else ''}")
    return lines


def _points(x: float) -> str:
    """A score as the gradebook writes it: exact to the 1e-4 the grader rounds to, no exponent."""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def gradebook_csv(results: dict[str, dict], course: Course, ids: list[str], fmt: str = "plain",
                  roster: Roster | None = None) -> str:
    """One row per student and one column per assignment, in one of GRADEBOOK_FORMATS:

    - plain: Student, the assignment ids, Total; a Points Possible row; a missing assignment is 0;
    - canvas: Canvas's own export's columns (Student, ID, SIS User ID, SIS Login ID, Section), the
      assignment titles, a Points Possible row (which Canvas's import reads), no Total (Canvas
      would import it as one more assignment); a missing assignment is blank (no grade);
    - moodle: Student and the assignment ids only (Moodle's import aborts on a row naming no user,
      such as Points Possible); a missing assignment is blank.

    A roster's columns follow Student (in canvas, they fill its identity columns of the same name).
    """
    if fmt not in GRADEBOOK_FORMATS:
        raise ValueError(f"unknown gradebook format {fmt!r}")
    ids = list(dict.fromkeys(ids))  # a column per assignment, even if one was chosen twice
    extra = [c for c in (roster.columns if roster else ()) if c != "Student"]
    identity = [*CANVAS_IDENTITY, *(c for c in extra if c not in CANVAS_IDENTITY)] if fmt == "canvas" else extra
    titles = ids if fmt != "canvas" else [course.assignment(i).title for i in ids]
    if fmt == "canvas" and len(set(titles)) < len(titles):  # two assignments of one title: Canvas needs them apart
        titles = [f"{course.assignment(i).title} [{i}]" for i in ids]
    total = fmt == "plain"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Student", *identity, *titles, *(["Total"] if total else [])])
    if fmt != "moodle":
        tops = [course.assignment(i).max_score for i in ids]
        writer.writerow(["Points Possible", *([""] * len(identity)), *map(_points, tops),
                         *([_points(sum(tops))] if total else [])])
    for name, result in results.items():
        by_id = {a["id"]: a for a in result["assignments"]}
        known = (roster.row(name) if roster else None) or {}
        cells = []
        for i in ids:
            a = by_id.get(i)
            blank = fmt != "plain" and (a is None or a.get("status") == "missing")
            cells.append("" if blank else _points(a["score"] if a else 0.0))
        # the roster is the instructor's, copied as is; a folder's name is the student's, kept from being a formula
        # NFC, as the LMS writes names: a folder from a macOS zip is NFD ('Zoe' + U+0308), which looks the
        # same but matches no LMS name in a spreadsheet lookup or an import that matches by name
        student = known.get("Student") or spreadsheet_safe(name_key(name))
        writer.writerow([student, *(known.get(c, "") for c in identity), *cells,
                         *([_points(result["score"])] if total else [])])
    return buf.getvalue()


def summary(results: dict[str, dict], course: Course, ids: list[str], top: int = 5,
            names_shown: int = 8) -> list[str]:
    """Mean and median per assignment and overall, the functions most students fail, and who did
    not submit an assignment or submitted one that could not be read."""
    lines = []
    ids = list(dict.fromkeys(ids))  # a line per assignment, even if one was chosen twice
    if not results:
        return ["no submissions"]
    totals = [r["score"] for r in results.values()]
    max_total = next(iter(results.values()))["max_score"]
    lines.append(f"{len(results)} students; total mean {statistics.mean(totals):.2f}, "
                 f"median {statistics.median(totals):.2f} of {max_total:g}")
    for aid in ids:
        scores = [a["score"] for r in results.values() for a in r["assignments"] if a["id"] == aid]
        top_score = next(a["max_score"] for r in results.values() for a in r["assignments"] if a["id"] == aid)
        lines.append(f"  {aid:<22} mean {statistics.mean(scores):6.2f}  median {statistics.median(scores):6.2f}"
                     f"  of {top_score:g}")
    fails, seen = function_failures(results, course)
    worst = sorted((k for k in fails if fails[k]), key=lambda k: (-fails[k] / seen[k], k))[:top]
    if worst:
        lines.append("functions most students fail (of those who submitted the assignment):")
        for aid, fn in worst:
            lines.append(f"  {aid}.{fn}: {fails[(aid, fn)]}/{seen[(aid, fn)]} students "
                         f"({100 * fails[(aid, fn)] / seen[(aid, fn)]:.0f}%)")
    # Folder names that differ only in spaces, control characters or Unicode normalization (a zip
    # made on macOS stores 'José' decomposed, NFD) show alike in the gradebook, where an import
    # could give one student's grade to the other.
    shown: dict[str, int] = {}
    for name in results:
        key = name_key(name)
        shown[key] = shown.get(key, 0) + 1
    for name in sorted(n for n, count in shown.items() if count > 1):
        lines.append(f"the gradebook has {shown[name]} rows named {name!r} (folder names that differ only in spaces, "
                     "control characters or Unicode normalization): rename the folders so that each student's row "
                     "is their own")
    # Students whose file was not found, or could not be read or parsed, score 0 without a test
    # run; name them, since a whole class of zeros is more often a wrong layout than no work.
    for aid in ids:
        missing = [submission_name(name) for name, r in results.items() for a in r["assignments"]
                   if a["id"] == aid and a["status"] == "missing"]
        if missing:
            more = f" and {len(missing) - names_shown} more" if len(missing) > names_shown else ""
            path = f"assignments/{aid}/{course.assignment(aid).module}.py"
            lines.append(f"not submitted: {aid}, {len(missing)} student(s) without {path}: "
                         f"{', '.join(missing[:names_shown])}{more}")
        broken = [(submission_name(name), a.get("message", "")) for name, r in results.items() for a in r["assignments"]
                  if a["id"] == aid and a["status"] == "error"]
        if broken:
            lines.append(f"could not be graded: {aid}, {len(broken)} student(s):")
            lines += [f"  {name}: {why}" for name, why in broken[:names_shown]]
            if len(broken) > names_shown:
                lines.append(f"  and {len(broken) - names_shown} more")
    lines += _stopped_students(results, names_shown)
    return lines


def _stopped_students(results: dict[str, dict], names_shown: int) -> list[str]:
    """Who had tests (or an import) stopped at a time limit. One infinite loop costs the call's
    full limit once, then the short leash on every later test that calls it (17 s of the example
    class's 18); an import that never finishes costs its limit (course.yaml import_seconds, 30 s by
    default). So these few students are where a slow batch's time went; an instructor also wants to
    look at them."""
    import re

    from grader.proxy import IMPORT_TIMEOUT

    import_limit = re.compile(re.escape(IMPORT_TIMEOUT) + r" (\S+) s")  # the limit the result was graded under
    stopped: dict[str, dict[str, int | str]] = {}  # name -> {assignment: stopped tests, or its import's limit}
    for name, r in results.items():
        for a in r["assignments"]:
            n = sum(t.get("status") == "timeout" for t in a.get("tests", []))
            timed_out = a.get("status") == "error" and import_limit.search(a.get("message") or "")
            if n or timed_out:
                stopped.setdefault(name, {})[a["id"]] = n or timed_out.group(1)
    if not stopped:
        return []
    order = sorted(stopped, key=lambda n: (-sum(v for v in stopped[n].values() if isinstance(v, int))
                                           - len(stopped[n]), n))
    lines = [f"tests or imports stopped at a time limit (an infinite loop, or far too slow; each costs the batch "
             f"up to its limit): {len(stopped)} student(s):"]
    for name in order[:names_shown]:
        detail = ", ".join(f"{aid} {n} test{'s' if n > 1 else ''}" if isinstance(n, int) else
                           f"{aid} import (stopped after {n} s)" for aid, n in stopped[name].items())
        lines.append(f"  {submission_name(name)}: {detail}")
    if len(order) > names_shown:
        lines.append(f"  and {len(order) - names_shown} more")
    return lines


def function_failures(results: dict[str, dict], course: Course
                      ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """({(assignment, function): students who failed it}, {(assignment, function): students who
    submitted the assignment}). Only those who handed the assignment in count: a file nobody has
    submitted yet would otherwise put all its functions above the ones students get wrong."""
    fails: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    for r in results.values():
        for a in r["assignments"]:
            if a.get("status") == "missing":
                continue
            for fn, ok in function_outcomes(a, course).items():
                key = (a["id"], fn)
                seen[key] = seen.get(key, 0) + 1
                fails[key] = fails.get(key, 0) + (not ok)
    return fails, seen


def function_outcomes(assignment: dict, course: Course) -> dict[str, bool]:
    """{function: passed all its tests}; a missing or unloadable module fails every function."""
    out: dict[str, bool] = {fn: False for fn in course.assignment(assignment["id"]).points}
    if assignment.get("status") != "graded":
        return out
    out = {}
    for t in assignment.get("tests", []):
        out[t["function"]] = out.get(t["function"], True) and t["status"] == "passed"
    return out


