"""The `grader` console script: boots the zygote first, then runs the click command line.

A grading command needs two interpreters with numpy imported: this one (hidden tests and
references) and the zygote (which forks the workers). Starting the zygote before this process
imports click, numpy and the course schema lets the two boots overlap on separate cores, so the
first worker is ready by the time the hidden tests are.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading

_GRADING = {"grade", "grade-all", "validate", "ci"}  # the zygote boots first for these


# Commands (or groups) that may start workers: SIGTERM stops them as Ctrl-C does. Not `check`,
# which runs pytest processes and handles Ctrl-C its own way (see grader.student).
_WORKERS = _GRADING | {"gradescope", "nbgrader"}


def _command(argv: list[str]) -> str | None:
    """The command's name (None for --help, --version or no command)."""
    if "-h" in argv or "--help" in argv or "--version" in argv:
        return None
    words = iter(argv)
    for word in words:
        if word == "--course":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main() -> None:
    _one_blas_thread()
    command = _command(sys.argv[1:])
    if command in _WORKERS:
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
    try:
        if command in _GRADING:
            from grader import zygote

            zygote.get()
        from grader.cli import main as cli
    except KeyboardInterrupt as err:  # Ctrl-C before click could catch it: no traceback either
        from grader.errors import stop_code, stop_word

        print(stop_word(err), file=sys.stderr)
        _exit(stop_code(err))
    try:
        cli()
        code = 0
    except SystemExit as exc:
        code = exc.code
    _exit(code)


_stopping: list[int] = []


def _stop(signum, frame) -> None:
    """Ctrl-C raises KeyboardInterrupt, and SIGTERM Terminated, so that the command stops with its
    cleanup (killed outright, the grader would leave the workers it spawned without a zygote, and
    their scratch directories). Only the first: a second Ctrl-C, pressed while the grader cleans
    up after the first (under a second), would cut that cleanup short. A third stops at once,
    cleanup or not, should the cleanup ever hang."""
    _stopping.append(signum)
    if len(_stopping) == 3:
        os.write(2, b"stopped without cleaning up\n")
        os._exit(128 + signum)
    if len(_stopping) > 1:
        return
    if signum == signal.SIGTERM:
        from grader.errors import Terminated

        raise Terminated()
    raise KeyboardInterrupt


def _one_blas_thread() -> None:
    """One BLAS thread here too, as in the workers, unless the caller chose otherwise: the hidden
    tests' arrays are small, so OpenBLAS's thread pool only costs its start-up and its spinning
    (~0.1 CPU-second of a whole-submission run, on two cores shared with the workers), and the
    references then sum in the same order as the students' code does in the workers."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _exit(code) -> None:
    """Finish like ``sys.exit(code)`` but skip the interpreter's teardown (~50 ms once numpy is
    loaded, a fifth of grading a small assignment): wait for non-daemon threads, run the atexit
    handlers (zygote shutdown, leftover workers, temporary directories), flush, then _exit."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    try:
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
        if threading.current_thread() is threading.main_thread():  # a second Ctrl-C cannot cut the cleanup short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:  # None when started with that descriptor closed (`>&-`)
                    stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(status & 0xFF if status >= 0 else 1)
