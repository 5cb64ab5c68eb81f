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


def run_public_tests(root: Path, course: Course, ids: list[str] | None, echo: Callable[[str], None],
                     jobs: int | None = None) -> int:
    """Run assignments/<id>/test_*.py with pytest for each assignment; exit status 0 when all pass
    (1 when some fail, 130 after Ctrl-C).

    Each assignment's pytest is a process of its own (the modules of two assignments never meet),
    up to ``jobs`` at a time (default: one per core), started ahead of the one being reported, so
    that the reports still come in course order.
    """
    chosen = [course.assignment(i) for i in ids] if ids else course.assignments
    jobs = max(1, jobs or os.cpu_count() or 1)
    runs: list[_Run | tuple[str, bool]] = []  # what to run for each assignment, or (what to say, failed)
    for a in chosen:
        try:
            check_source(read_source(root, a.id, a.module), f"assignments/{a.id}/{a.module}.py",
                         course.allowed_imports)
        except SubmissionError as err:
            runs.append((f"cannot be graded: {err.message}", True))
            continue
        folder = root / "assignments" / a.id
        runs.append(_Run(folder, course.limits_for(a).test_seconds) if list(folder.glob("test_*.py"))
                    else ("(no public tests)", False))
    pending = [r for r in runs if isinstance(r, _Run)]
    failed = []
    current: _Run | None = None
    try:
        for a, run in zip(chosen, runs):
            echo(f"== {a.id}: {a.title}")
            if not isinstance(run, _Run):
                message, failing = run
                echo(f"   {message}")
                if failing:
                    failed.append(a.id)
                continue
            for ahead in pending[:jobs]:
                ahead.start()
            pending.remove(run)
            current = run
            if not run.report(echo):
                failed.append(a.id)
            current = None
    except KeyboardInterrupt:
        # Ctrl-C reached every pytest too: the one being reported shows where its tests were
        report = current.after_interrupt() if current is not None else ""
        echo("\n".join("   " + line for line in report.splitlines()))
        echo("\ninterrupted")
        return 130
    finally:
        for other in pending:
            other.stop()
    echo("")
    echo("all public tests pass (hidden tests grade more cases: test edge cases yourself)" if not failed
         else f"public tests fail in: {', '.join(failed)}")
    return 1 if failed else 0


class _Run:
    """One assignment's public tests in a pytest process of their own."""

    def __init__(self, folder: Path, seconds: float):
        self.folder, self.seconds = folder, seconds
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if self.proc is None:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pytest", "-q", "--tb=short", "--no-header", "-p", "no:cacheprovider",
                 "-p", "grader.public_timeout", "-o", "addopts=", "--rootdir", str(self.folder), str(self.folder)],
                cwd=self.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, public_timeout.ENV: f"{self.seconds:g}"})

    def report(self, echo: Callable[[str], None]) -> bool:
        """Wait for the tests, echo what a student needs, and say whether they all passed."""
        self.start()
        stdout, stderr = self.proc.communicate()
        out = stdout.strip().splitlines()
        if self.proc.returncode == 0:
            echo(f"   {out[-1] if out else 'passed'}")
            return True
        if out:
            echo("\n".join("   " + line for line in out))
        if public_timeout.HARD_STOP_MARK in stderr:
            # stuck inside one call that never returned to Python: faulthandler's stack says where
            echo(f"   stopped: a test ran for more than {self.seconds:g} s (course.yaml limits.test_seconds), "
                 "inside one call that never returned; it was running:")
            echo("\n".join(f"     {line}" for line in _frames_in(stderr, self.folder))
                 or "     (no frame in this folder)")
        elif not out:
            echo("   " + (stderr.strip().splitlines() or [f"pytest exited with status {self.proc.returncode}"])[-1])
        return False

    def after_interrupt(self) -> str:
        """pytest's report after Ctrl-C (it prints where the tests were), within 10 s."""
        if self.proc is None:
            return ""
        try:
            stdout, _ = self.proc.communicate(timeout=10)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            self.stop()
            stdout = ""
        return (stdout or "").strip()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.communicate()


def _frames_in(dump: str, folder: Path) -> list[str]:
    """The frames of faulthandler's stack dump that lie in ``folder`` (the test and the student's
    module), outermost first, as "test_x.py:15 in test_y"."""
    frames = []
    for m in re.finditer(r'^\s*File "([^"]+)", line (\d+) in (\S+)', dump, re.MULTILINE):
        path = Path(m.group(1))
        if path.parent.resolve() == folder.resolve():
            frames.append(f"{path.name}:{m.group(2)} in {m.group(3)}")
    return frames[::-1]
