"""`grader check`: a student's own run of the public tests, with readable output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

from grader.course import Course
from grader.errors import SubmissionError
from grader.submission import check_source, read_source


def run_public_tests(root: Path, course: Course, ids: list[str] | None, echo: Callable[[str], None]) -> int:
    """Run assignments/<id>/test_*.py with pytest for each assignment; exit status 0 when all pass."""
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
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "--tb=short", "--no-header", "-p", "no:cacheprovider",
             "-o", "addopts=", "--rootdir", str(folder), str(folder)],
            cwd=folder, capture_output=True, text=True)
        out = proc.stdout.strip().splitlines()
        if proc.returncode == 0:
            echo(f"   {out[-1] if out else 'passed'}")
        else:
            failed.append(a.id)
            echo("\n".join("   " + line for line in out))
    echo("")
    echo("all public tests pass (hidden tests grade more cases: test edge cases yourself)" if not failed
         else f"public tests fail in: {', '.join(failed)}")
    return 1 if failed else 0
