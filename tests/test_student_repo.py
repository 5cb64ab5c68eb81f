"""Does `grader release --out` build a student repository that has everything a student needs
(stubs, READMEs, public tests, notebooks, an installable grader, the workflow) and nothing
hidden: no solution region and no hidden-test source anywhere in the tree? Does `grader check`
work inside it?"""

import ast
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.course import load_course
from grader.errors import UserError
from grader.student_repo import build_student_repo, find_leaks
from tests.conftest import ROOT
from tests.test_bundle import AID, TOY_HIDDEN, TOY_REFERENCE, invoke, toy_course

MARKERS = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)


def independent_leak_scan(course_root: Path, out: Path) -> list[str]:
    """A second, simpler scan than grader.student_repo's: every solution region (stripped lines,
    comments dropped) and every code line of substance (40+ characters, not a comment) of a hidden
    test function must be absent from every file, notebooks' JSON decoded. (Module-level helpers
    of hidden test files may be shared with public tests.)"""
    needles = []
    for ref in course_root.glob("solutions/*/*.py"):
        if "hidden" in ref.name:
            text = ref.read_text().splitlines()
            for node in ast.parse(ref.read_text()).body:
                if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                    needles += [(ref.name, [line.strip()]) for line in text[node.lineno - 1:node.end_lineno]
                                if len(line.strip()) >= 40 and not line.strip().startswith("#")]
            continue
        for region in MARKERS.findall(ref.read_text()):
            lines = [s for s in (x.strip() for x in region.splitlines()) if s and not s.startswith("#")]
            if lines:
                needles.append((ref.name, lines))
    found = []
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".ipynb":
            text += "\n" + "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        lines = "\n" + "\n".join(s for s in (x.strip() for x in text.splitlines()) if s) + "\n"
        for where, needle in needles:
            if "\n" + "\n".join(needle) + "\n" in lines:
                found.append(f"{path.relative_to(out)} holds {where}: {needle[0]}")
        if "hidden" in path.name and path.name.startswith("test_"):
            found.append(str(path))
    return found


NOTEBOOK = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                       "source": ["import numpy as np\n", "import toy\n", "toy.add(np.ones(2), np.ones(2))\n"]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def toy(tmp_path):
    course = toy_course(tmp_path / "course")
    (course / "assignments" / AID / "explore.ipynb").write_text(json.dumps(NOTEBOOK))
    (course / "assignments" / AID / "data").mkdir()
    (course / "assignments" / AID / "data" / "points.csv").write_text("x,y\n1,2\n")
    return course


def test_release_out_builds_the_student_repository(toy, tmp_path):
    out = tmp_path / "student"
    r = invoke(toy, "release", "--out", str(out))
    assert r.exit_code == 0, r.output
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {f"assignments/{AID}/toy.py", f"assignments/{AID}/test_toy.py", f"assignments/{AID}/README.md",
            f"assignments/{AID}/explore.ipynb", f"assignments/{AID}/data/points.csv", "README.md", "course.yaml",
            ".gitignore", ".github/workflows/grade.yml", "pyproject.toml", "grader/cli.py",
            "grader/templates/grade.yml"} <= files
    assert not any(f.startswith("solutions") or "__pycache__" in f for f in files)
    stub = (out / "assignments" / AID / "toy.py").read_text()
    assert 'raise NotImplementedError("add: replace this line with your code")' in stub
    readme = (out / "README.md").read_text()
    assert "grader check" in readme and "| 01_toy | Toy functions | `toy.py` | 5 |" in readme
    assert "10% of its score per started day" in readme and "at most 30%" in readme and "$" not in readme
    assert "stops a call of one of your functions after 30 s (`limits.call_seconds`), so" in readme
    assert "calls that a hidden test makes in one batch (one per random seed, say) share that time" in " ".join(
        readme.split())
    assert independent_leak_scan(toy, out) == [] and find_leaks(out, toy) == []


def test_grader_check_works_inside_the_built_repository(toy, tmp_path):
    out = tmp_path / "student"
    assert invoke(toy, "release", "--out", str(out)).exit_code == 0
    stubs = invoke(out, "check")
    assert stubs.exit_code == 1 and "\nnot started: 01_toy\n" in stubs.output, stubs.output
    (out / "assignments" / AID / "toy.py").write_text(TOY_REFERENCE)
    done = invoke(out, "check", AID)
    assert done.exit_code == 0 and "all public tests pass" in done.output
    # the instructor's command, tried by a student: sent to `grader check`, not to a missing reference file
    graded = invoke(out, "grade", str(out))
    assert graded.exit_code == 1 and "a student repository has none; there, `grader check` runs" in graded.output


def test_the_student_repository_installs_the_grader_command(toy, tmp_path):
    out = tmp_path / "student"
    assert invoke(toy, "release", "--out", str(out)).exit_code == 0
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(tmp_path / "wheel"), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(zf.read(n).decode() for n in names if n.endswith("entry_points.txt"))
        blob = b"".join(zf.read(n) for n in names)
    assert {"grader/cli.py", "grader/templates/grade.yml", "grader/templates/student_README.md"} <= names
    # the same console script as the kit's own (pyproject.toml): grader.entry handles SIGTERM (a
    # cancelled CI job), so the unpacked bundle and the workers are cleaned up, and boots the zygote first
    assert "grader = grader.entry:main" in entry_points
    assert not any(n.startswith(("assignments/", "solutions/")) for n in names)
    assert b"SECRET_FACTOR" not in blob


@pytest.mark.parametrize("plant, where", [
    (lambda c: (c / "assignments" / AID / "test_toy.py").write_text(
        "    total = np.add(a, b)\n    return total.astype(np.float64)\n"), "solution region"),
    (lambda c: (c / "assignments" / AID / "NOTES.md").write_text("\n".join(TOY_HIDDEN.splitlines()[10:20])),
     "hidden-test source"),
    (lambda c: (c / "assignments" / AID / "explore.ipynb").write_text(json.dumps(
        {**NOTEBOOK, "cells": [{**NOTEBOOK["cells"][0], "source": ["scaled = np.multiply(x, float(k))\n",
                                                                    "return scaled.astype(np.float64)\n"]}]})),
     "solution region"),
    (lambda c: (c / "assignments" / AID / "test_toy_hidden_copy.py").write_text("x = 1\n"), "hidden test"),
])
def test_a_leaking_release_fails_and_writes_nothing(toy, tmp_path, plant, where):
    plant(toy)
    out = tmp_path / "student"
    r = invoke(toy, "release", "--out", str(out))
    assert r.exit_code == 1 and where in r.output and "Traceback" not in r.output, r.output
    assert not out.exists()


def test_release_out_refusals(toy, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    cases = {
        ("release", "--out", str(tmp_path / "full")): "not an empty directory",
        ("release", "--out", str(toy / "solutions" / "student")): "inside the course's solutions/",
        ("release", "--check", "--out", str(tmp_path / "new")): "not both",
    }
    for args, message in cases.items():
        r = invoke(toy, *args)
        assert r.exit_code != 0 and message in r.output and "Traceback" not in r.output, r.output


def test_release_of_the_real_course_holds_no_hidden_material(tmp_path):
    out = tmp_path / "student"
    course = load_course(ROOT / "course.yaml")
    build_student_repo(ROOT, course, out)
    assert independent_leak_scan(ROOT, out) == []
    for a in course.assignments:
        stub = out / "assignments" / a.id / f"{a.module}.py"
        assert stub.is_file() and "NotImplementedError" in stub.read_text()
    assert not list(out.rglob("test_*hidden*.py")) and not (out / "solutions").exists()


def test_find_leaks_catches_a_copied_hidden_test(toy, tmp_path):
    out = tmp_path / "student"
    build_student_repo(toy, load_course(toy / "course.yaml"), out)
    shutil.copyfile(toy / "solutions" / AID / "test_toy_hidden.py", out / "assignments" / AID / "copied.py")
    leaks = find_leaks(out, toy)
    assert leaks and all("copied.py" in leak for leak in leaks)
    with pytest.raises(UserError):
        build_student_repo(toy, load_course(toy / "course.yaml"), out)  # not empty any more
