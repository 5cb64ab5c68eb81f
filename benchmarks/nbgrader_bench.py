"""Part (b) of bench_grading.py: nbgrader's own `autograde` on the equivalent notebook assignment.

The course is exported with `grader nbgrader export`, `nbgrader generate_assignment` builds the
student version, a reference-filled submission is placed in submitted/, and `nbgrader autograde`
is timed as a fresh command (best of `repeat`), exactly as an nbgrader course would run it.
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


def autograde_seconds(root: Path, aid: str, _submission: Path, repeat: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "nb"
        _run([str(BIN / "grader"), "--course", str(root), "nbgrader", "export", str(course), "-a", aid], Path(tmp))
        _run([str(BIN / "nbgrader"), "generate_assignment", aid, "--force"], course)
        source = nbformat.read(course / "source" / aid / f"{aid}.ipynb", as_version=4)
        release = nbformat.read(course / "release" / aid / f"{aid}.ipynb", as_version=4)
        dest = course / "submitted" / "student" / aid
        dest.mkdir(parents=True)
        nbformat.write(_filled(source, release), dest / f"{aid}.ipynb")
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            _run([str(BIN / "nbgrader"), "autograde", aid, "--force"], course)
            best = min(best, time.perf_counter() - t)
        return best
