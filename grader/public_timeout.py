"""A time limit per public test for `grader check` (loaded with ``-p grader.public_timeout``).

Without it, an infinite loop in a student's function leaves `grader check` silent forever. Each
test gets the course's ``test_seconds`` (passed in $GRADER_TEST_SECONDS), the limit the grader
enforces on a hidden test:

- at the limit, SIGALRM raises :class:`TestTimeLimit` where the test's Python code is running, so
  the test fails with a traceback pointing into the loop; the run stops there, since the next
  tests most likely call the same function and would each wait as long;
- a computation that never returns to Python (one huge NumPy call) cannot see that signal:
  ``faulthandler`` then prints every thread's stack and ends the process a little later (5 s, or
  the limit itself when shorter), and `grader check` shows the frames of the test and the
  student's module that it was stuck in.

It subclasses BaseException so that a student's ``except Exception`` inside the loop cannot
swallow it.

A signal (this alarm, or Ctrl-C) can land on an instruction that has no line number: on CPython
3.11 the back edge of a ``for`` loop whose body ends in an ``if``, as in most training loops. Its
traceback entry then has ``tb_lineno = None``, on which pytest's report crashes (INTERNALERROR,
a hundred lines of pytest's own frames and none of the student's); such entries get the line of
the nearest instruction before them that has one.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import types

import pytest

ENV = "GRADER_TEST_SECONDS"
IMPORT_ENV = "GRADER_IMPORT_SECONDS"  # the limit on importing a test file (and so the student's module)
HARD_EXTRA_SECONDS = 5.0
HARD_STOP_MARK = "Timeout ("  # how faulthandler's dump begins, on stderr

# pytest captures fd 2 while a test runs, and a capture file is lost when faulthandler ends the
# process: keep the real stderr (this module is imported with -p, before capturing starts)
_STDERR = os.dup(2)


class TestTimeLimit(BaseException):
    """A public test ran past the per-test limit."""

    __test__ = False  # not a test class, whatever pytest's collection rules


def _seconds(env: str = ENV) -> float | None:
    try:
        value = float(os.environ.get(env, ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _alarm(seconds: float, importing: bool = False):
    def handler(signum, frame):
        __tracebackhide__ = True  # the traceback ends in the student's loop, not here
        if importing:
            raise TestTimeLimit(f"importing your module ran for more than {seconds:g} s, the grader's limit on "
                                "an import (course.yaml limits.import_seconds): look for code at the top level "
                                "of your module, outside any function, that never ends where the traceback points")
        raise TestTimeLimit(f"this test ran for more than {seconds:g} s, the grader's limit per test "
                            "(course.yaml limits.test_seconds): look for a loop that never ends where "
                            "the traceback points")
    return handler


def _line_before(code: types.CodeType, lasti: int) -> int:
    """The line of the last instruction at or before offset ``lasti`` that has one."""
    line = code.co_firstlineno
    for start, _end, number in code.co_lines():
        if start > lasti:
            break
        if number is not None:
            line = number
    return line


def with_line_numbers(tb: types.TracebackType | None) -> types.TracebackType | None:
    """``tb`` rebuilt with a line number in every entry, or None when it already has them all."""
    entries = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    if all(entry.tb_lineno is not None for entry in entries):
        return None
    rebuilt = None
    for entry in reversed(entries):
        line = entry.tb_lineno
        if line is None:
            line = _line_before(entry.tb_frame.f_code, entry.tb_lasti)
        rebuilt = types.TracebackType(rebuilt, entry.tb_frame, entry.tb_lasti, line)
    return rebuilt


def repair(outcome) -> None:
    """Give the test's exception a traceback that pytest can report (see the module's docstring)."""
    exc = outcome.excinfo and outcome.excinfo[1]
    if isinstance(exc, (TestTimeLimit, KeyboardInterrupt)):
        tb = with_line_numbers(exc.__traceback__)
        if tb is not None:
            outcome.force_exception(exc.with_traceback(tb))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    # Collecting a test file imports it, and so the student's module: top-level code that never
    # ends (a training loop left at the bottom of the module) hung `grader check` with no output.
    seconds = _seconds(IMPORT_ENV)
    if seconds is None or not isinstance(collector, pytest.Module) or not hasattr(signal, "setitimer"):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm(seconds, importing=True))
    faulthandler.dump_traceback_later(seconds + min(HARD_EXTRA_SECONDS, seconds), exit=True, file=_STDERR)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    seconds = _seconds()
    if seconds is None or not hasattr(signal, "setitimer"):
        repair((yield))
        return
    previous = signal.signal(signal.SIGALRM, _alarm(seconds))
    faulthandler.dump_traceback_later(seconds + min(HARD_EXTRA_SECONDS, seconds), exit=True, file=_STDERR)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        outcome = yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)
    repair(outcome)
    if isinstance(outcome.excinfo and outcome.excinfo[1], TestTimeLimit):
        # the loop is most likely in a function the next tests call too: each would wait as long
        item.session.shouldstop = (f"{item.name} ran out of time; fix the loop and run again "
                                   "(the tests after it did not run)")
