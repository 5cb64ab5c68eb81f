"""`grader grade-all`: a whole class, in parallel, resumable, with a gradebook.

Order of work:
1. list the immediate subdirectories of DIR (one student each; hidden ones skipped), sorted;
2. read the journal: students whose submission fingerprint is unchanged since they were graded
   are not graded again (``force`` regrades everyone);
3. grade the rest in a pool of N pre-warmed grader processes (each imports the course and the
   hidden suites once); every finished student is appended to the journal at once (one JSON line,
   flushed and fsynced), so a batch killed halfway loses at most the students in flight;
4. write the per-student JSON files and the gradebook from the journal, sorted by student, so the
   output is the same whatever N is.

The parent keeps only the journal lines, so memory stays flat as the class grows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import statistics
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from grader.course import Course
from grader.errors import UserError

JOURNAL_VERSION = 1


def list_students(directory: Path) -> list[Path]:
    """Immediate subdirectories of ``directory``, one per student, in a stable order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"{directory} is not a directory of submissions")
    return sorted((p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: p.name)


def fingerprint(submission: Path, course: Course, ids: list[str]) -> str:
    """A hash of the graded files (path, size and content), so edits trigger a regrade."""
    h = hashlib.sha256()
    for aid in ids:
        a = course.assignment(aid)
        path = Path(submission) / "assignments" / aid / f"{a.module}.py"
        h.update(aid.encode())
        try:
            if path.is_symlink():
                h.update(b"link:" + os.readlink(path).encode())
            h.update(path.read_bytes()[:1 << 20])
        except OSError:
            h.update(b"<absent>")
    return h.hexdigest()


class Journal:
    """Append-only JSON lines: one finished student each. A torn last line is ignored."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def read(self) -> dict[str, dict]:
        entries: dict[str, dict] = {}
        if not self.path.exists():
            return entries
        with open(self.path, "rb") as fh:
            for raw in fh:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue  # a line cut short by a kill
                if isinstance(entry, dict) and entry.get("v") == JOURNAL_VERSION and "student" in entry:
                    entries[entry["student"]] = entry  # a later line supersedes an earlier one
        return entries

    def append(self, entry: dict) -> None:
        line = json.dumps({"v": JOURNAL_VERSION, **entry}, separators=(",", ":")) + "\n"
        with open(self.path, "ab+") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell():
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")  # end a line torn by a kill, so it cannot swallow this one
            fh.write(line.encode())
            fh.flush()
            os.fsync(fh.fileno())


# -- the pool ---------------------------------------------------------------------------------

_pool_state: dict = {}


def _init_pool(course_root: str, ids: list[str]) -> None:
    """Runs once in each pool process: load the course and import the hidden suites."""
    from grader.course import load_course
    from grader.runner import load_suite

    course = load_course(Path(course_root) / "course.yaml")
    for aid in ids:
        load_suite(Path(course_root), course.assignment(aid))
    _pool_state.update(root=Path(course_root), course=course, ids=ids)


def _grade_one(submission: str) -> dict:
    from grader.runner import grade_submission

    st = _pool_state
    result = grade_submission(st["root"], st["course"], Path(submission), st["ids"], jobs=1)
    return result.to_dict()


@dataclass
class BatchOutcome:
    results: dict[str, dict]  # student -> result dict (GRADER.md JSON), sorted by student
    graded: int
    reused: int


def grade_all(course_root: Path, course: Course, directory: Path, *, ids: list[str] | None = None,
              jobs: int | None = None, journal_path: Path, force: bool = False,
              progress: Callable[[Iterator, int], Iterator] | None = None) -> BatchOutcome:
    """Grade every student under ``directory``; see the module docstring for the order of work."""
    from grader.runner import load_suite

    ids = ids or [a.id for a in course.assignments]
    for aid in ids:  # fail fast, here, on a broken course rather than in every pool process
        load_suite(Path(course_root), course.assignment(aid))
    students = list_students(directory)
    journal = Journal(journal_path)
    done = {} if force else journal.read()
    todo = []
    results: dict[str, dict] = {}
    for path in students:
        fp = fingerprint(path, course, ids)
        entry = done.get(path.name)
        if entry and entry.get("fingerprint") == fp and entry.get("ids") == ids:
            results[path.name] = entry["result"]
        else:
            todo.append((path, fp))
    reused = len(results)
    jobs = max(1, jobs or os.cpu_count() or 1)
    if todo:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=ctx, initializer=_init_pool,
                                 initargs=(str(course_root), ids)) as pool:
            futures = {pool.submit(_grade_one, str(path)): (path, fp) for path, fp in todo}
            finished = as_completed(futures)
            for fut in (progress(finished, len(todo)) if progress else finished):
                path, fp = futures[fut]
                result = fut.result()
                result["submission"] = path.name
                journal.append({"student": path.name, "fingerprint": fp, "ids": ids, "result": result})
                results[path.name] = result
    ordered = {name: results[name] for name in sorted(results)}
    return BatchOutcome(ordered, graded=len(todo), reused=reused)


# -- outputs ----------------------------------------------------------------------------------

def gradebook_csv(results: dict[str, dict], course: Course, ids: list[str]) -> str:
    """One row per student, one column per assignment, and the total (imports into Canvas/Moodle)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Student", *ids, "Total"])
    writer.writerow(["Points Possible", *(f"{course.assignment(i).max_score:g}" for i in ids),
                     f"{sum(course.assignment(i).max_score for i in ids):g}"])
    for name, result in results.items():
        by_id = {a["id"]: a["score"] for a in result["assignments"]}
        writer.writerow([name, *(f"{by_id.get(i, 0.0):g}" for i in ids), f"{result['score']:g}"])
    return buf.getvalue()


def summary(results: dict[str, dict], course: Course, ids: list[str], top: int = 5) -> list[str]:
    """Mean and median per assignment and overall, and the functions most students fail."""
    lines = []
    if not results:
        return ["no submissions"]
    totals = [r["score"] for r in results.values()]
    max_total = next(iter(results.values()))["max_score"]
    lines.append(f"{len(results)} students; total mean {statistics.mean(totals):.2f}, "
                 f"median {statistics.median(totals):.2f} of {max_total:g}")
    fails: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    for aid in ids:
        scores = [a["score"] for r in results.values() for a in r["assignments"] if a["id"] == aid]
        top_score = next(a["max_score"] for r in results.values() for a in r["assignments"] if a["id"] == aid)
        lines.append(f"  {aid:<22} mean {statistics.mean(scores):6.2f}  median {statistics.median(scores):6.2f}"
                     f"  of {top_score:g}")
    for r in results.values():
        for a in r["assignments"]:
            for fn, ok in function_outcomes(a, course).items():
                key = (a["id"], fn)
                seen[key] = seen.get(key, 0) + 1
                fails[key] = fails.get(key, 0) + (not ok)
    worst = sorted((k for k in fails if fails[k]), key=lambda k: (-fails[k] / seen[k], k))[:top]
    if worst:
        lines.append("functions most students fail:")
        for aid, fn in worst:
            lines.append(f"  {aid}.{fn}: {fails[(aid, fn)]}/{seen[(aid, fn)]} students "
                         f"({100 * fails[(aid, fn)] / seen[(aid, fn)]:.0f}%)")
    return lines


def function_outcomes(assignment: dict, course: Course) -> dict[str, bool]:
    """{function: passed all its tests}; a missing or unloadable module fails every function."""
    out: dict[str, bool] = {fn: False for fn in course.assignment(assignment["id"]).points}
    if assignment.get("status") != "graded":
        return out
    out = {}
    for t in assignment.get("tests", []):
        out[t["function"]] = out.get(t["function"], True) and t["status"] == "passed"
    return out


