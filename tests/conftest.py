"""Shared fixtures: the course repository, submissions built in tmp dirs, grading in-process."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from grader.course import CACHE_ENV, Course, load_course
from grader.runner import grade_submission

ROOT = Path(__file__).resolve().parents[1]

# Parsed courses are cached in the user's cache directory. The suite keeps its own, which every
# grader it starts inherits: it neither reads a developer's cache nor writes into their home.
_CACHE = tempfile.mkdtemp(prefix="grader-test-cache-")
os.environ[CACHE_ENV] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(ROOT / "course.yaml")


def reference_source(course: Course, aid: str) -> str:
    a = course.assignment(aid)
    return (ROOT / "solutions" / aid / f"{a.module}.py").read_text(encoding="utf-8")


def make_submission(base: Path, course: Course, sources: dict[str, str]) -> Path:
    """A submission directory holding assignments/<id>/<module>.py for each given source."""
    base.mkdir(parents=True, exist_ok=True)
    for aid, source in sources.items():
        a = course.assignment(aid)
        folder = base / "assignments" / aid
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{a.module}.py").write_text(source, encoding="utf-8")
    return base


def fast_limits(course: Course, call_seconds: float = 2.0, test_seconds: float = 20.0,
                import_seconds: float | None = None) -> Course:
    """The same course with short time limits, for tests that provoke timeouts (the import limit
    too, when given)."""
    limits = course.limits.replace(call_seconds=call_seconds, test_seconds=test_seconds,
                                   import_seconds=import_seconds or course.limits.import_seconds)
    assignments = [a.replace(limits=a.limits.replace(call_seconds=None, test_seconds=None, import_seconds=None))
                   for a in course.assignments]
    return course.replace(limits=limits, assignments=assignments)


def grade(course: Course, submission: Path, ids: list[str]):
    return grade_submission(ROOT, course, submission, ids)


def function_scores(assignment_result) -> dict[str, tuple[float, float]]:
    """{function: (score, max_score)} summed over that function's tests."""
    out: dict[str, list[float]] = {}
    for t in assignment_result.tests:
        s = out.setdefault(t.function, [0.0, 0.0])
        s[0] += t.score
        s[1] += t.max_score
    return {k: (round(v[0], 6), round(v[1], 6)) for k, v in out.items()}


def callers_of(source: str, function: str) -> set[str]:
    """Top-level functions of ``source`` that call ``function`` directly or through others.

    A bug in ``function`` may legitimately cost these their points too (their outputs are wrong);
    every other function must keep full marks.
    """
    import ast

    tree = ast.parse(source)
    defs: dict[str, ast.AST] = {}
    for node in tree.body:  # later definitions win, as at import
        if isinstance(node, ast.FunctionDef):
            defs[node.name] = node
    uses = {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in defs and n.id != name}
            for name, node in defs.items()}
    found: set[str] = set()
    frontier = {function}
    while frontier:
        frontier = {f for f, used in uses.items() if used & frontier and f not in found}
        found |= frontier
    return found
