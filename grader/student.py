"""`grader check`: a student's own run of the public tests, with readable output."""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import threading
import time
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
    chosen = list({a.id: a for a in map(course.find_assignment, ids)}.values()) if ids else course.assignments
    jobs = max(1, jobs or os.cpu_count() or 1)
    runs: list[_Run | tuple[str, bool]] = []  # what to run for each assignment, or (what to say, failed)
    not_started: list[str] = []
    unreadable: list[str] = []  # no test of these ran: grading could not even load the module
    for a in chosen:
        try:
            source = read_source(root, a.id, a.module)
            check_source(source, f"assignments/{a.id}/{a.module}.py", course.allowed_imports)
        except SubmissionError as err:
            missing = err.status == "missing" or err.found  # found: other files where the module should be
            message = f"assignments/{a.id}/{a.module}.py not found" if missing else err.message
            hint = _missing_hint(a.id, a.module, err.found) if missing else ""
            runs.append((f"cannot be graded: {message}{hint}", True))
            unreadable.append(a.id)
            continue
        folder = root / "assignments" / a.id
        if not list(folder.glob("test_*.py")):
            runs.append(("(no public tests)", False))
        elif _untouched(source, list(a.points)):
            # Its tests would only print a NotImplementedError traceback each: in week one, plain
            # `grader check` printed ~740 lines of them for the assignments not yet begun.
            not_started.append(a.id)
            runs.append((f"not started: every function in {a.module}.py still raises NotImplementedError "
                         f"(its public tests run once you implement one)", True))
        else:
            limits = course.limits_for(a)
            runs.append(_Run(folder, limits.test_seconds, limits.import_seconds))
    pending = [r for r in runs if isinstance(r, _Run)]
    failed = []
    # Ctrl-C reaches every pytest of the process group, which then prints where its tests were
    # and exits. Here it only sets a flag: a KeyboardInterrupt raised at an arbitrary point inside
    # subprocess's waiting code can leave a Popen unusable (a CI run once saw `check` hang there).
    interrupts: list[float] = []
    main = threading.current_thread() is threading.main_thread()  # (signal handlers live there)
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupts.append(time.monotonic())) if main else None
    try:
        for a, run in zip(chosen, runs):
            if interrupts:
                break
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
            if not run.report(echo, interrupts):
                failed.append(a.id)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
        for other in pending:
            other.stop()
    if interrupts:
        echo("\ninterrupted")
        return 130
    echo("")
    if not_started:
        echo(f"not started: {', '.join(not_started)}")
    if unreadable:
        echo(f"cannot be graded (fix this first, see above): {', '.join(unreadable)}")
    if begun := [aid for aid in failed if aid not in not_started and aid not in unreadable]:
        echo(f"public tests fail in: {', '.join(begun)}")
    elif not_started or unreadable:
        pass  # the lines above say it all
    elif not any(isinstance(r, _Run) for r in runs):  # "all pass" would claim tests that never ran
        echo("no public tests to run here: your code reads and imports as grading needs, but only grading tests "
             "it (test edge cases yourself)")
    else:
        echo("all public tests pass (hidden tests grade more cases: test edge cases yourself)")
    return 1 if failed else 0


def _untouched(source: str, functions: list[str]) -> bool:
    """Whether every graded function is still as the stub has it: its body (after a docstring) one
    ``raise NotImplementedError(...)``. A module with any of them begun, missing or defined some
    other way is not untouched: its public tests run."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    defs = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if not functions or any(f not in defs for f in functions):
        return False
    for f in functions:
        body = defs[f].body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        if len(body) != 1 or not isinstance(body[0], ast.Raise):
            return False
        exc = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
        if not (isinstance(exc, ast.Name) and exc.id == "NotImplementedError"):
            return False
    return True


def _missing_hint(aid: str, module: str, found: tuple[str, ...]) -> str:
    """What to do when the module is not where grading reads it: name the folder's other Python
    files (``found`` by read_source: a renamed or re-downloaded copy such as "regression (1).py";
    not the notebook the course ships beside every module) and how to get the stub back."""
    rel = f"assignments/{aid}/{module}.py"
    others = [name for name in found if Path(name).suffix.lower() == ".py"]
    where = (f"; only this file name is graded (found {', '.join(repr(o) for o in others)}: rename yours to "
             f"{module}.py)" if others else "")
    return f"{where}; to start again from the stub: git checkout -- {rel}"


class _Run:
    """One assignment's public tests in a pytest process of their own."""

    INTERRUPT_GRACE_SECONDS = 10.0  # for pytest to report after Ctrl-C, before it is killed

    def __init__(self, folder: Path, seconds: float, import_seconds: float | None = None):
        self.folder, self.seconds, self.import_seconds = folder, seconds, import_seconds
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if self.proc is None:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pytest", "-q", "--tb=short", "--no-header", "-p", "no:cacheprovider",
                 "-p", "grader.public_timeout", "-p", "grader.public_report", "-o", "addopts=",
                 "--rootdir", str(self.folder), str(self.folder)],
                cwd=self.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, public_timeout.ENV: f"{self.seconds:g}",
                     public_timeout.IMPORT_ENV: f"{self.import_seconds or self.seconds:g}"})

    def report(self, echo: Callable[[str], None], interrupts: list[float]) -> bool:
        """Wait for the tests, echo what a student needs, and say whether they all passed. After
        Ctrl-C (``interrupts`` not empty) pytest's own report is echoed as it is, and pytest is
        killed if it has not finished INTERRUPT_GRACE_SECONDS later."""
        self.start()
        while True:
            try:
                stdout, stderr = self.proc.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if interrupts and time.monotonic() - interrupts[0] > self.INTERRUPT_GRACE_SECONDS:
                    self.proc.kill()
        more = f"(for the whole diff: python -m pytest -vv assignments/{self.folder.name})"  # check has no -v
        out = [_USE_V.sub(more, line) for line in cap_captured(stdout.strip().splitlines())]
        if interrupts:
            echo("\n".join("   " + line for line in out))
            return False
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

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.communicate()


# pytest puts the advice on a line of its own, or inside one when an assertion chains `and`s
# ("Use -v to get more diff and (1, 2) == (2,)", "Use -v to get more diff)")
_USE_V = re.compile(r"Use -v+ to get (?:more|the full) diff")
_CAPTURED = re.compile(r"^-+ Captured (?:stdout|stderr|log) (?:setup|call|teardown) -+$")
_SECTION = re.compile(r"^(?:_{3,} .* _{3,}|={3,}.*|-{3,} .* -{3,})$")  # a test's, a summary's, a capture's heading


def cap_captured(lines: list[str], head: int = 15, tail: int = 15) -> list[str]:
    """pytest's report with each "Captured stdout ..." section cut to its first ``head`` and last
    ``tail`` lines: a student's debug print in a loop gave a million lines, and the failure they
    needed scrolled out of the terminal."""
    out: list[str] = []
    section: list[str] | None = None

    def flush() -> None:
        if section is not None:
            if len(section) > head + tail + 1:
                omitted = len(section) - head - tail
                out.extend([*section[:head], f"... {omitted} more lines of your output, not shown ...",
                            *section[-tail:]])
            else:
                out.extend(section)

    for line in lines:
        if _SECTION.match(line):
            flush()
            section = None
            out.append(line)
            if _CAPTURED.match(line):
                section = []
        elif section is not None:
            section.append(line)
        else:
            out.append(line)
    flush()
    return out


def _frames_in(dump: str, folder: Path) -> list[str]:
    """The frames of faulthandler's stack dump that lie in ``folder`` (the test and the student's
    module), outermost first, as "test_x.py:15 in test_y"."""
    frames, folder = [], folder.resolve()
    for m in re.finditer(r'^\s*File "([^"]+)", line (\d+) in (\S+)', dump, re.MULTILINE):
        path = Path(m.group(1))
        if path.parent.resolve() == folder:
            frames.append(f"{path.name}:{m.group(2)} in {m.group(3)}")
    return frames[::-1]
