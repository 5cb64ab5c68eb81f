"""Part (b) of bench_grading.py: nbgrader's own `autograde` on the equivalent notebook assignment.

The course is exported with `grader nbgrader export`, `nbgrader generate_assignment` builds the
student version, reference-filled submissions are placed in submitted/, and `nbgrader autograde`
is timed exactly as an nbgrader course would run it, three ways:
- one student's notebook as a fresh command;
- one student's whole submission (every assignment) as a fresh command;
- a class of `students` in one command (nbgrader's start-up, database and exporter set-up paid
  once), divided by the class size: nbgrader's own batch cost per student, the fair match for
  `grader grade-all`.
Each is the best of `repeat` runs, as the grader's timings are.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tests.test_nbgrader import _filled  # the same "perfect student" the round-trip test uses

BIN = Path(sys.executable).parent


def _run(cmd: list[str], cwd: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader calls alembic
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")


def _course(root: Path, tmp: Path, ids: list[str], students: int) -> Path:
    """An nbgrader course in ``tmp`` holding assignments ``ids``, each submitted by ``students``
    reference-filled students (student000, student001, ...)."""
    course = tmp / "nb"
    export = [str(BIN / "grader"), "--course", str(root), "nbgrader", "export", str(course)]
    _run(export + [arg for aid in ids for arg in ("-a", aid)], tmp)
    for aid in ids:
        _run([str(BIN / "nbgrader"), "generate_assignment", aid, "--force"], course)
        source = nbformat.read(course / "source" / aid / f"{aid}.ipynb", as_version=4)
        release = nbformat.read(course / "release" / aid / f"{aid}.ipynb", as_version=4)
        filled = _filled(source, release)
        for k in range(students):
            dest = course / "submitted" / f"student{k:03d}" / aid
            dest.mkdir(parents=True)
            nbformat.write(filled, dest / f"{aid}.ipynb")
    return course


def _best(cmd: list[str], cwd: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        _run(cmd, cwd)
        best = min(best, time.perf_counter() - t)
    return best


def autograde_seconds(root: Path, aid: str, repeat: int, students: int) -> tuple[float, float]:
    """(one student as a fresh command; seconds per student for a class of ``students``
    autograded in one command), each the best of ``repeat`` runs."""
    with tempfile.TemporaryDirectory() as tmp:
        course = _course(root, Path(tmp), [aid], students)
        one = _best([str(BIN / "nbgrader"), "autograde", aid, "--student", "student000", "--force"], course, repeat)
        whole = _best([str(BIN / "nbgrader"), "autograde", aid, "--force"], course, repeat)
        return one, whole / students


def whole_submission_seconds(root: Path, ids: list[str], repeat: int) -> float:
    """One student's every assignment autograded in one command (``nbgrader autograde "*"
    --student S``: nbgrader matches assignments by glob), the best of ``repeat`` runs."""
    with tempfile.TemporaryDirectory() as tmp:
        course = _course(root, Path(tmp), ids, 1)
        return _best([str(BIN / "nbgrader"), "autograde", "*", "--student", "student000", "--force"], course, repeat)
