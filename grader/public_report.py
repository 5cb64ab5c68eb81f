"""Short reports for `grader check` (loaded with ``-p grader.public_report``): a test that fails only
because a function is not written yet says so in one line.

A half-done assignment is the usual state during the week: in 01, every test of a function that still
raises NotImplementedError printed a traceback of five to ten lines (about 200 in all), burying the
failures the student is working on. Such a test still fails (the assignment is not done), but its
report is one line naming the function and where it raises.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    excinfo = call.excinfo
    if call.when != "call" or excinfo is None or excinfo.type is not NotImplementedError:
        return
    entry = excinfo.traceback[-1]  # where it was raised: the function not written yet
    test_file = Path(str(item.path)).resolve()
    raised_in = Path(str(entry.path)).resolve()
    if raised_in == test_file or raised_in.parent != test_file.parent:
        return  # raised by the test itself, or by a library: a real failure, reported in full
    report = outcome.get_result()
    report.longrepr = (f"{raised_in.name}:{entry.lineno + 1}: {entry.name} is not implemented yet "
                       f"(it still raises NotImplementedError)")
