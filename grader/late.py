"""Late penalties: a post-processing step applied to a graded result, never inside grading.

The policy comes from course.yaml (``late_policy``, overridable per assignment): lateness within
``grace_minutes`` of ``due`` is forgiven; otherwise every started day late, counted from ``due``,
costs ``penalty_per_day`` percent of the assignment's score, capped at ``max_penalty`` percent.
The result keeps GRADER.md's keys: ``score`` becomes the penalized score and ``message`` states
the raw score, the lateness and the penalty. Test scores stay raw so feedback still shows what
the code earned.

Submission times come from one of: an explicit timestamp, the committer date of the graded git
commit, or a CSV with columns ``student,submitted_at[,assignment]``. Every timestamp must carry a
UTC offset: a naive time is ambiguous by up to a day, which is the size of one penalty step.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from grader.course import Course, LatePolicy
from grader.errors import UserError
from grader.fileutil import read_spreadsheet_csv
from grader.results import SubmissionResult, name_key, rounded, submission_name
from grader.submission import nested_submission

# Submission times of one student: assignment id -> time, with None as the key for "every assignment".
Times = dict[str | None, dt.datetime]


def parse_time(text: str, source: str) -> dt.datetime:
    """An ISO 8601 timestamp with a UTC offset (``Z`` allowed), or UserError naming ``source``."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{source}: {text!r} is not an ISO 8601 timestamp such as 2026-10-12T23:59:00+09:00") from None
    if value.tzinfo is None:
        raise UserError(f"{source}: {text!r} has no UTC offset; write it like 2026-10-12T23:59:00+09:00 or ...Z")
    return value


def git_commit_time(submission: Path) -> dt.datetime:
    """The committer date of the checked-out commit of ``submission``, which must be the top of a
    git checkout (``git log -1 --format=%cI``, without the submission's own git configuration)."""
    git_dir = submission / ".git"
    if not git_dir.is_dir() or git_dir.is_symlink():
        raise UserError(f"cannot read the commit date of {submission}: it is not the top of a git checkout "
                        "(no .git folder in it); pass --submitted-at with a time instead")
    with tempfile.TemporaryDirectory(prefix="grader-git-") as shadow:
        try:
            proc = subprocess.run(["git", "log", "-1", "--format=%cI", "HEAD"], capture_output=True, text=True,
                                  timeout=30, env=_shadow_git_dir(git_dir, Path(shadow)), cwd=shadow)
        except FileNotFoundError:
            raise UserError("git is not installed; pass --submitted-at with a time instead") from None
        except subprocess.TimeoutExpired:
            raise UserError(f"git log timed out in {submission}") from None
    if proc.returncode != 0 or not proc.stdout.strip():
        reason = (proc.stderr.strip().splitlines() or ["no commits"])[-1]
        raise UserError(f"cannot read the commit date of {submission} ({reason}); "
                        "pass --submitted-at with a time instead")
    return parse_time(proc.stdout, f"git log in {submission}")


def _shadow_git_dir(git_dir: Path, shadow: Path) -> dict[str, str]:
    """Fill ``shadow`` with a git directory that reads the submission's commits and refs but has a
    configuration of ours, and return the environment that points git at it.

    A submission is untrusted, and git obeys its repository's config file, which can name programs
    to run (gpg.program with log.showSignature, core.fsmonitor, core.pager, ...): reading a date
    from the student's own .git would run the student's code as the grader's user, outside the
    sandbox. Objects and refs are only read, so links to them are enough.
    """
    for name in ("HEAD", "packed-refs", "shallow"):
        source = git_dir / name
        if source.is_file() and not source.is_symlink():  # a link could make git print what it points at
            shutil.copyfile(source, shadow / name)
    for name in ("objects", "refs"):
        if (git_dir / name).is_dir():
            (shadow / name).symlink_to((git_dir / name).absolute())
    (shadow / "config").write_text("[core]\n\trepositoryformatversion = 0\n\tbare = true\n")
    return {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(shadow), "LC_ALL": "C",
            "GIT_DIR": str(shadow), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def read_times(path: Path, course: Course) -> dict[str, Times]:
    """student -> {assignment id or None: submission time}, from a CSV ``student,submitted_at[,assignment]``."""
    path = Path(path)
    text, delimiter = read_spreadsheet_csv(path, "submission times")
    if not text.strip():
        raise UserError(f"{path} is empty: it needs the header student,submitted_at[,assignment] and a row per student")
    # not splitlines(): a quoted name may hold a newline
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = set(reader.fieldnames or [])
    if not {"student", "submitted_at"} <= columns or not columns <= {"student", "submitted_at", "assignment"}:
        got = ",".join(reader.fieldnames or [])
        got = got if len(got) <= 80 else got[:77] + "..."  # not a CSV at all: its first line may be long
        raise UserError(f"{path}:1: the header must be student,submitted_at[,assignment] (got {got})")
    known = {a.id for a in course.assignments}
    table: dict[str, Times] = {}
    for row in reader:
        where = f"{path}:{reader.line_num}"
        student = name_key(row.get("student") or "")
        aid = (row.get("assignment") or "").strip() or None
        if None in row:  # more fields than the header names: an assignment column missing from it, say
            raise UserError(f"{where}: this row has more fields than the header {','.join(reader.fieldnames or [])}; "
                            "a row naming an assignment needs the header student,submitted_at,assignment")
        if not student:
            raise UserError(f"{where}: the student column is empty")
        if aid is not None and aid not in known:
            raise UserError(f"{where}: unknown assignment {aid!r}; course.yaml defines: {', '.join(sorted(known))}")
        times = table.setdefault(student, {})
        if aid in times:
            raise UserError(f"{where}: a second submission time for {student}" + (f" on {aid}" if aid else ""))
        times[aid] = parse_time(row.get("submitted_at") or "", where)
    return table


def penalty_percent(policy: LatePolicy, due: dt.datetime, submitted: dt.datetime) -> tuple[float, int]:
    """(percent of the score lost, started days late) for a submission at ``submitted``."""
    late = submitted - due
    if late <= dt.timedelta(minutes=policy.grace_minutes):
        return 0.0, 0
    days = math.ceil(late / dt.timedelta(days=1))
    return min(policy.penalty_per_day * days, policy.max_penalty), days


def apply_late_penalties(result: SubmissionResult, course: Course, times: Times) -> SubmissionResult:
    """A copy of ``result`` with each late assignment's score reduced and the reason in its message.

    ``times`` maps an assignment id (or None, for every assignment) to its submission time.
    Assignments without a ``due`` date, without a time, or not graded are left unchanged.
    """
    assignments = []
    for a in result.assignments:
        spec = course.assignment(a.id)
        submitted = times.get(a.id, times.get(None))
        if spec.due is None or submitted is None or a.status != "graded":
            assignments.append(a)
            continue
        percent, days = penalty_percent(course.late_policy_for(spec), spec.due, submitted)
        if percent <= 0:
            assignments.append(a)
            continue
        score = rounded(a.score * (1 - percent / 100))
        note = (f"late by {days} started day(s) (submitted {submitted.isoformat()}, due {spec.due.isoformat()}): "
                f"{percent:g}% penalty; raw score {a.score:g}, penalized score {score:g}")
        message = f"{a.message}; {note}" if a.message else note
        assignments.append(replace(a, score=score, message=message))
    return replace(result, assignments=assignments, score=rounded(sum(a.score for a in assignments)))


def class_times(students: list[Path], course: Course, ids: list[str], table: dict[str, Times],
                source: str) -> dict[str, Times]:
    """{student folder name: times} for ``grade-all``, checked before anyone is graded: every
    submitted module of an assignment with a ``due`` date needs a time (the student's row, or the
    row for that assignment), or that student would escape a penalty the others pay. A student
    without a submission needs none, and rows naming no folder are ignored."""
    times: dict[str, Times] = {}
    lacking: list[str] = []
    for path in students:
        own = times[path.name] = table.get(name_key(path.name), {})
        root = nested_submission(path) or path  # graded one folder down: its modules are there
        untimed = [aid for aid in ids if course.assignment(aid).due is not None and aid not in own and None not in own
                   and os.path.lexists(root / "assignments" / aid / f"{course.assignment(aid).module}.py")]
        if untimed:
            lacking.append(f"{submission_name(path.name)} ({', '.join(untimed)})")
    if lacking:
        shown = ", ".join(lacking[:8]) + (f" and {len(lacking) - 8} more" if len(lacking) > 8 else "")
        raise UserError(f"{source} has no submission time for {len(lacking)} student(s) who submitted: {shown}. Add a "
                        "row 'student,submitted_at' for each such student (the student is the folder's name), or "
                        "'student,submitted_at,assignment' for one assignment; nobody was graded")
    return times


def penalize_class(results: dict[str, dict], course: Course, times: dict[str, Times]) -> dict[str, dict]:
    """``grade-all``'s results (GRADER.md dicts) with late penalties applied. The journal keeps the
    raw results, so a corrected times file needs no regrading."""
    out = {}
    for name, result in results.items():
        own = times.get(name)
        out[name] = apply_late_penalties(SubmissionResult.from_dict(result), course, own).to_dict() if own else result
    return out


def late_summary(raw: dict[str, dict], penalized: dict[str, dict], ids: list[str], shown: int = 8) -> list[str]:
    """One line per assignment that cost someone a late penalty: who, and how many points."""
    lines = []
    for aid in ids:
        lost = [(name, rounded(before["score"] - after["score"])) for name in penalized
                for before, after in zip(raw[name]["assignments"], penalized[name]["assignments"])
                if after["id"] == aid and after["score"] < before["score"]]
        if lost:
            names = ", ".join(f"{submission_name(name)} (-{points:g})" for name, points in lost[:shown])
            more = f" and {len(lost) - shown} more" if len(lost) > shown else ""
            lines.append(f"late: {aid}, {len(lost)} student(s) penalized: {names}{more}")
    return lines


def resolve_times(submission: Path, course: Course, ids: list[str], submitted_at: str | None,
                  times_file: str | None) -> Times | None:
    """The submission times chosen by the ``--submitted-at`` / ``--times`` options for grading
    assignments ``ids`` of ``submission`` (None: no penalty).

    ``submitted_at`` is an ISO 8601 timestamp or the word ``git`` (the commit date of
    ``submission``'s checked-out commit). A times file is read as ``grade-all`` reads it (see
    :func:`class_times`): the row is the one for the submission's folder name, and a submitted,
    dated assignment without a time is refused rather than graded without its penalty.
    """
    if submitted_at and times_file:
        raise UserError("give either --submitted-at or --times, not both")
    if times_file:
        folder = Path(submission).resolve()
        return class_times([folder], course, ids, read_times(Path(times_file), course), times_file)[folder.name] \
            or None
    if submitted_at == "git":
        return {None: git_commit_time(submission)}
    if submitted_at:
        return {None: parse_time(submitted_at, "--submitted-at")}
    return None
