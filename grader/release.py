"""Single source: student stubs are generated from the references by removing solution regions.

In ``solutions/<id>/<module>.py`` every region between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` (nbgrader's markers) is the instructor's code. Inside a function the region
becomes ``raise NotImplementedError(...)`` at the same indentation, so docstrings (with shapes)
and signatures stay; a region at module level (indentation 0, e.g. a reference-only helper) is
removed entirely. ``check_release`` regenerates in memory and reports any stub that differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader.course import Course
from grader.errors import UserError
from grader.fileutil import write_atomic

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
# Anything that looks like a marker but is not exactly one ("## BEGIN SOLUTION", "### END SOLUTON").
_NEAR_MARKER = re.compile(r"^#+\s*(BEGIN|END)\s+SOL", re.IGNORECASE)
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)")


class MarkerError(UserError):
    """Unbalanced or misplaced solution markers."""


def make_stub(source: str, filename: str = "<reference>") -> str:
    """The student version of a reference module's source."""
    out: list[str] = []
    lines = source.splitlines()
    begin_line: int | None = None
    for no, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if begin_line is not None:
                raise MarkerError(f"{filename}:{no}: {BEGIN} inside the region opened at line {begin_line}")
            begin_line = no
            indent = line[: len(line) - len(line.lstrip())]
            if indent:
                name = _enclosing_function(lines, no - 1, len(indent))
                out.append(f'{indent}raise NotImplementedError("{name}: replace this line with your code")')
            continue
        if stripped == END:
            if begin_line is None:
                raise MarkerError(f"{filename}:{no}: {END} without a matching {BEGIN}")
            begin_line = None
            continue
        if _NEAR_MARKER.match(stripped):
            raise MarkerError(f"{filename}:{no}: malformed marker {stripped!r}; write exactly {BEGIN!r} or {END!r}")
        if begin_line is None:
            out.append(line)
    if begin_line is not None:
        raise MarkerError(f"{filename}:{begin_line}: {BEGIN} is never closed by {END}")
    text = "\n".join(out) + "\n"
    return re.sub(r"\n{4,}", "\n\n\n", text)


def _enclosing_function(lines: list[str], index: int, indent: int) -> str:
    for line in reversed(lines[:index]):
        m = _DEF.match(line)
        if m and len(m.group(1)) < indent:
            return m.group(2)
    return "this function"


@dataclass
class Pair:
    assignment_id: str
    reference: Path
    stub: Path


def read_course_text(path: Path) -> str:
    """A course file's text; one saved in another encoding (Latin-1, CP949) is a UserError naming
    the file and line, not a UnicodeDecodeError."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not valid UTF-8; save the file as UTF-8") from None


def pairs(course_root: Path, course: Course) -> list[Pair]:
    root = Path(course_root)
    return [Pair(a.id, root / "solutions" / a.id / f"{a.module}.py", root / "assignments" / a.id / f"{a.module}.py")
            for a in course.assignments]


def missing_reference(p: Pair, course_root: Path, course: Course) -> str:
    """Why ``p``'s reference is not there, and what to check: the module's name when its folder
    exists, else the id, which is the folder's name (naming the folders no assignment claims)."""
    folder = p.reference.parent
    if folder.is_dir():
        return f"{p.assignment_id}: reference {p.reference} is missing (check `module:` in course.yaml)"
    solutions = Path(course_root) / "solutions"
    ids = {a.id for a in course.assignments}
    unclaimed = sorted(d.name for d in solutions.iterdir() if d.is_dir() and d.name not in ids
                       and not d.name.startswith((".", "_"))) if solutions.is_dir() else []
    hint = f"; folders no assignment names: {', '.join(unclaimed)}" if unclaimed else ""
    return f"{p.assignment_id}: no folder {folder} (an assignment's id in course.yaml is its folder's name{hint})"


def release(course_root: Path, course: Course) -> list[Path]:
    """Regenerate every stub from its reference; returns the files that changed. A missing
    reference is an error, not a stub left as it was: "up to date" would hide a typo in
    course.yaml's ``module``, or that this is a student repository."""
    missing = [p for p in pairs(course_root, course) if not p.reference.is_file()]
    if missing and len(missing) == len(course.assignments):
        raise UserError(f"no reference solutions under {Path(course_root) / 'solutions'}: run release in the "
                        "course repository (a student repository has none)")
    if missing:
        raise UserError("; ".join(missing_reference(p, course_root, course) for p in missing))
    # Every stub is made before any is written: a broken marker in one reference must not leave the
    # stubs half released (the earlier ones rewritten, without a word, the later ones not).
    stubs = [(p, make_stub(read_course_text(p.reference), str(p.reference)))
             for p in pairs(course_root, course)]
    changed = []
    for p, stub in stubs:
        if not p.stub.is_file() or read_course_text(p.stub) != stub:
            p.stub.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(p.stub, stub)  # a full disk or Ctrl-C never leaves half a stub
            changed.append(p.stub)
    return changed


def check_release(course_root: Path, course: Course) -> list[str]:
    """Problems that make the committed stubs differ from their references (empty when in sync)."""
    problems = []
    for p in pairs(course_root, course):
        if not p.reference.is_file():
            problems.append(missing_reference(p, course_root, course))
            continue
        try:
            stub = make_stub(read_course_text(p.reference), str(p.reference))
            current = read_course_text(p.stub) if p.stub.is_file() else None
        except UserError as err:  # a broken marker, or a file not in UTF-8
            problems.append(str(err))
            continue
        if current is None:
            problems.append(f"{p.assignment_id}: stub {p.stub} is missing; run `grader release`")
        elif current != stub:
            ours, theirs = current.splitlines(), stub.splitlines()
            line = next((i for i, (a, b) in enumerate(zip(ours, theirs), 1) if a != b), min(len(ours), len(theirs)) + 1)
            problems.append(f"{p.assignment_id}: {p.stub}:{line} differs from what its reference generates; "
                            "run `grader release` (edit the reference, never the stub)")
    return problems
