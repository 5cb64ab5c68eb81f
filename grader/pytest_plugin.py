"""In-process fixtures so hidden tests also run under plain pytest.

``pytest solutions/03_backprop`` runs the hidden tests with ``student`` bound to the reference
(a self-check); ``--submission DIR`` binds it to ``DIR/assignments/<id>/<module>.py`` imported into
the same process. This is the insecure floor the benchmarks compare the isolated grader with; it
is never used to grade.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.loading import REF_PREFIX, find_course_root, import_path


def pytest_addoption(parser):
    group = parser.getgroup("dlcourse-grader")
    group.addoption("--submission", default=None,
                    help="run hidden tests against DIR/assignments/<id>/<module>.py instead of the reference")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Ctrl-C in a loop of the student's (plain `pytest assignments/<id>`, as the README suggests):
    a traceback that pytest can report, not an INTERNALERROR (see grader.public_timeout)."""
    outcome = yield
    if outcome.excinfo is not None and isinstance(outcome.excinfo[1], KeyboardInterrupt):
        from grader.public_timeout import repair  # local import: only after a Ctrl-C

        repair(outcome)


def _assignment(request) -> tuple[Path, str, str]:
    test_dir = Path(request.path).parent
    root = find_course_root(test_dir)
    from grader.course import load_course  # local import: keeps plugin load cheap for unrelated runs

    course = load_course(root / "course.yaml")
    spec = course.assignment(test_dir.name)
    return root, spec.id, spec.module


@pytest.fixture(scope="module")
def ref(request):
    """The reference module of the assignment whose hidden tests are running."""
    root, aid, module = _assignment(request)
    return import_path(root / "solutions" / aid / f"{module}.py", REF_PREFIX)


@pytest.fixture(scope="module")
def student(request):
    """The module under test: the reference, or the one in --submission, imported in-process."""
    root, aid, module = _assignment(request)
    sub = request.config.getoption("--submission")
    path = (Path(sub) / "assignments" / aid / f"{module}.py") if sub else root / "solutions" / aid / f"{module}.py"
    if not path.is_file():
        pytest.fail(f"{path} does not exist")
    return import_path(path, "_student_")
