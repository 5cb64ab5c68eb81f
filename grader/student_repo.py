"""`grader release --out DIR`: the repository students clone (e.g. a GitHub Classroom template).

Steps, in order:
1. refuse a non-empty DIR (a release never merges into old files);
2. per assignment: the stub generated from the reference now (single source, never a stale
   copy), then every other file of assignments/<id>/ (README, public tests, notebooks, data);
3. course.yaml, a student README, .gitignore and .github/workflows/grade.yml;
4. the grader package and a pyproject, so ``pip install .`` gives the ``grader`` command;
5. a leak scan of the whole tree (:func:`find_leaks`): any solution region or hidden-test source
   found deletes the tree and fails the release.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from importlib import metadata
from pathlib import Path
from string import Template

import grader
from grader.course import Course
from grader.errors import UserError
from grader.release import BEGIN, END, make_stub, read_course_text

TEMPLATES = Path(__file__).parent / "templates"
_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".git"}
_HIDDEN = re.compile(r"^test_.*hidden.*\.py$")
_WINDOW = 6  # consecutive lines of a hidden test that count as a leak when found together


def _files_under(folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in _SKIP_DIRS for part in rel.parts) or path.suffix == ".pyc" or path.is_dir():
            continue
        out.append(path)
    return out


def _copy(src: Path, dest: Path, written: list[Path]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    written.append(dest)


def _write(dest: Path, text: str, written: list[Path]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")
    written.append(dest)


def _dependencies() -> list[str]:
    """The grader's runtime dependencies: from its source pyproject (the truth for an editable
    install, whose metadata may be stale), else from the installed distribution's metadata."""
    source = Path(grader.__file__).resolve().parent.parent / "pyproject.toml"
    if source.is_file():
        project = tomllib.loads(source.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == "dlcourse-grader":
            return list(project.get("dependencies", []))
    try:
        requires = metadata.requires("dlcourse-grader") or []
    except metadata.PackageNotFoundError:
        raise UserError("cannot find the grader's dependencies: install the grader with pip") from None
    return [r for r in requires if "extra ==" not in r]


def pyproject_text() -> str:
    """A pyproject that installs the copied grader package with the installed grader's dependencies."""
    deps = _dependencies()
    dep_lines = "".join(f"    {json.dumps(d)},\n" for d in deps)
    return (
        "# Installs the course's grader: `python -m pip install .` gives the `grader` command.\n"
        "[build-system]\n"
        'requires = ["setuptools>=68"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        'name = "dlcourse-grader"\n'
        f"version = {json.dumps(grader.__version__)}\n"
        'description = "The grader of the course (student copy: no solutions, no hidden tests)"\n'
        'requires-python = ">=3.11"\n'
        f"dependencies = [\n{dep_lines}]\n\n"
        "[project.scripts]\n"
        'grader = "grader.entry:main"\n\n'
        "[project.entry-points.pytest11]\n"
        'dlcourse_grader = "grader.pytest_plugin"\n\n'
        "[tool.setuptools.packages.find]\n"
        'include = ["grader*"]\n\n'
        "[tool.setuptools.package-data]\n"
        'grader = ["templates/*"]\n'
    )


def copy_grader_package(dest: Path, written: list[Path]) -> None:
    """The grader package (code and templates, nothing of the course) and its pyproject into ``dest``."""
    package = Path(grader.__file__).parent
    for path in _files_under(package):
        _copy(path, dest / "grader" / path.relative_to(package), written)
    _write(dest / "pyproject.toml", pyproject_text(), written)


def _late_policy_text(course: Course) -> str:
    p = course.late_policy
    if p.penalty_per_day <= 0:
        text = "Late submissions are not penalized automatically"
    else:
        # The days count from the due date, not from the end of the grace period: say so, since
        # "after a grace period of 15 minutes" reads as a clock that starts 15 minutes later.
        grace = (f", counted from the due date itself (work at most {p.grace_minutes:g} minutes late is on time)"
                 if p.grace_minutes else "")
        text = (f"Late work loses {p.penalty_per_day:g}% of its score per started day after the due date{grace}, "
                f"at most {p.max_penalty:g}%")
    if any(a.late_policy for a in course.assignments):
        text += " (some assignments have their own policy: see course.yaml)"
    return text + "."


def student_readme(course: Course) -> str:
    rows = "\n".join(
        f"| {a.id} | {a.title} | `{a.module}.py` | {a.max_score:g} | {a.due.isoformat() if a.due else '-'} |"
        for a in course.assignments)
    return Template((TEMPLATES / "student_README.md").read_text(encoding="utf-8")).substitute(
        course_name=course.name, assignment_rows=rows, late_policy=_late_policy_text(course),
        allowed_imports=", ".join(f"`{m}`" for m in course.allowed_imports), call_seconds=_call_limit_text(course))


def _call_limit_text(course: Course) -> str:
    """The grading limit of one call, as the student README states it."""
    text = f"{course.limits.call_seconds:g} s (`limits.call_seconds`)"
    if any(a.limits.call_seconds is not None for a in course.assignments):
        text += ", or an assignment's own limit in `course.yaml`,"
    return text


def build_student_repo(root: Path, course: Course, out: Path) -> list[Path]:
    """Build the student repository in ``out`` (empty or new); returns the files written."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out} exists and is not an empty directory; choose a new directory")
    if out.is_relative_to(root / "solutions") or out.is_relative_to(root / "assignments"):
        raise UserError(f"{out} lies inside the course's solutions/ or assignments/; choose a directory elsewhere")
    written: list[Path] = []
    try:
        for a in course.assignments:
            src = root / "assignments" / a.id
            dest = out / "assignments" / a.id
            ref = root / "solutions" / a.id / f"{a.module}.py"
            stub_name = f"{a.module}.py"
            if ref.is_file():
                _write(dest / stub_name, make_stub(read_course_text(ref), str(ref)), written)
            elif (src / stub_name).is_file():
                _copy(src / stub_name, dest / stub_name, written)
            else:
                raise UserError(f"{a.id}: neither solutions/{a.id}/{stub_name} nor assignments/{a.id}/{stub_name} exists")
            for path in _files_under(src) if src.is_dir() else []:
                rel = path.relative_to(src)
                if rel.as_posix() == stub_name:
                    continue
                if path.is_symlink():
                    raise UserError(f"assignments/{a.id}/{rel} is a symlink; release regular files only")
                if _HIDDEN.match(path.name):
                    raise UserError(f"assignments/{a.id}/{rel} looks like a hidden test; move it to solutions/{a.id}/")
                _copy(path, dest / rel, written)
        _copy(root / "course.yaml", out / "course.yaml", written)
        _write(out / "README.md", student_readme(course), written)
        _copy(TEMPLATES / "student_gitignore", out / ".gitignore", written)
        _copy(TEMPLATES / "grade.yml", out / ".github" / "workflows" / "grade.yml", written)
        copy_grader_package(out, written)
        leaks = find_leaks(out, root)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    if leaks:
        shutil.rmtree(out, ignore_errors=True)
        raise UserError("the release would leak hidden material, so nothing was written:\n  " + "\n  ".join(leaks))
    return written


# -- leak scan ---------------------------------------------------------------------------------------

def _norm(lines) -> list[str]:
    return [s for s in (line.strip() for line in lines) if s]


def solution_regions(root: Path) -> list[tuple[str, list[str]]]:
    """(where, normalized lines) of every region between the solution markers in solutions/*/*.py.

    Comment-only lines are left out: they are often shared with the stub's docstrings and prove nothing.
    """
    regions = []
    for path in sorted(Path(root).glob("solutions/*/*.py")):
        if _HIDDEN.match(path.name):
            continue
        current: list[str] | None = None
        start = 0
        for no, line in enumerate(read_course_text(path).splitlines(), start=1):
            s = line.strip()
            if s == BEGIN:
                current, start = [], no
            elif s == END and current is not None:
                code = [x for x in _norm(current) if not x.startswith("#")]
                if code:
                    regions.append((f"{path.relative_to(root)}:{start}", code))
                current = None
            elif current is not None:
                current.append(line)
    return regions


def hidden_sources(root: Path) -> list[tuple[str, list[str]]]:
    return [(str(p.relative_to(root)), _norm(read_course_text(p).splitlines()))
            for p in sorted(Path(root).glob("solutions/*/test_*hidden*.py"))]


def _text_of(path: Path) -> list[str]:
    """The normalized lines of a file, plus the cell sources of a notebook (JSON hides their lines)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = _norm(text.splitlines())
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            for cell in cells:
                src = cell.get("source", "")
                lines += _norm(("".join(src) if isinstance(src, list) else str(src)).splitlines())
        except (ValueError, AttributeError):
            pass
    return lines


def find_leaks(out: Path, root: Path) -> list[str]:
    """Where hidden material of the course at ``root`` appears in the tree ``out`` (empty: none).

    A leak is a file named like a hidden test, a solution region whose lines all appear
    consecutively as whole lines in some file, or any run of ``_WINDOW`` consecutive lines of a
    hidden test file found in some file.
    """
    out, root = Path(out), Path(root)
    regions = solution_regions(root)
    windows: dict[tuple[str, ...], str] = {}
    for where, lines in hidden_sources(root):
        if len(lines) < _WINDOW:
            regions.append((where, lines))
        for i in range(len(lines) - _WINDOW + 1):
            windows.setdefault(tuple(lines[i:i + _WINDOW]), where)
    leaks = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out)
        if _HIDDEN.match(path.name):
            leaks.append(f"{rel}: named like a hidden test")
        lines = _text_of(path)
        joined = "\n" + "\n".join(lines) + "\n"
        for where, region in regions:
            if "\n" + "\n".join(region) + "\n" in joined:
                leaks.append(f"{rel}: contains the solution region at {where}")
        for i in range(len(lines) - _WINDOW + 1):
            hit = windows.get(tuple(lines[i:i + _WINDOW]))
            if hit:
                leaks.append(f"{rel}: contains hidden-test source from {hit}")
                break
    return leaks
