"""`grader check`: a student's own run of the public tests, with readable output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

from grader import public_timeout
from grader.course import Course
from grader.errors import SubmissionError
from grader.submission import check_source, read_source


def run_public_tests(root: Path, course: Course, ids: list[str] | None, echo: Callable[[str], None]) -> int:
    """Run assignments/<id>/test_*.py with pytest for each assignment; exit status 0 when all pass
    (1 when some fail, 130 after Ctrl-C)."""
    chosen = [course.assignment(i) for i in ids] if ids else course.assignments
    failed = []
    for a in chosen:
        echo(f"== {a.id}: {a.title}")
        try:
            check_source(read_source(root, a.id, a.module), f"assignments/{a.id}/{a.module}.py",
                         course.allowed_imports)
        except SubmissionError as err:
            echo(f"   cannot be graded: {err.message}")
            failed.append(a.id)
            continue
        folder = root / "assignments" / a.id
        if not list(folder.glob("test_*.py")):
            echo("   (no public tests)")
            continue
        seconds = course.limits_for(a).test_seconds
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "--tb=short", "--no-header", "-p", "no:cacheprovider",
             "-p", "grader.public_timeout", "-o", "addopts=", "--rootdir", str(folder), str(folder)],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, public_timeout.ENV: f"{seconds:g}"})
        try:
            stdout, stderr = proc.communicate()
        except KeyboardInterrupt:
            # Ctrl-C reached pytest too: its report shows where the tests were; then stop
            try:
                stdout, _ = proc.communicate(timeout=10)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                proc.kill()
                stdout, _ = proc.communicate()
            echo("\n".join("   " + line for line in stdout.strip().splitlines()))
            echo("\ninterrupted")
            return 130
        out = stdout.strip().splitlines()
        if proc.returncode == 0:
            echo(f"   {out[-1] if out else 'passed'}")
            continue
        failed.append(a.id)
        if out:
            echo("\n".join("   " + line for line in out))
        if public_timeout.HARD_STOP_MARK in stderr:
            # stuck inside one call that never returned to Python: faulthandler's stack says where
            echo(f"   stopped: a test ran for more than {seconds:g} s (course.yaml limits.test_seconds), inside "
                 "one call that never returned; it was running:")
            echo("\n".join(f"     {line}" for line in _frames_in(stderr, folder)) or "     (no frame in this folder)")
        elif not out:
            echo("   " + (stderr.strip().splitlines() or [f"pytest exited with status {proc.returncode}"])[-1])
    echo("")
    echo("all public tests pass (hidden tests grade more cases: test edge cases yourself)" if not failed
         else f"public tests fail in: {', '.join(failed)}")
    return 1 if failed else 0


def _frames_in(dump: str, folder: Path) -> list[str]:
    """The frames of faulthandler's stack dump that lie in ``folder`` (the test and the student's
    module), outermost first, as "test_x.py:15 in test_y"."""
    frames = []
    for m in re.finditer(r'^\s*File "([^"]+)", line (\d+) in (\S+)', dump, re.MULTILINE):
        path = Path(m.group(1))
        if path.parent.resolve() == folder.resolve():
            frames.append(f"{path.name}:{m.group(2)} in {m.group(3)}")
    return frames[::-1]
