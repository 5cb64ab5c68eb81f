"""Exceptions shared by the grader, the hidden-test helpers and the worker proxy.

They live in their own small module so that `grader.checks` (imported by hidden tests) does not pull
in the process machinery.
"""


class StudentError(Exception):
    """A student function raised an exception inside the worker.

    Only plain data describes it: the exception class names (``mro``) and a truncated message. No
    object created by student code ever reaches the grader's process.
    """

    def __init__(self, function: str, type_name: str, mro: list[str], message: str, raised_in: str = ""):
        self.function = function
        self.type_name = type_name
        self.mro = list(mro)
        self.message = message
        self.raised_in = raised_in or function  # the student function whose line raised it
        super().__init__(f"{function} raised {type_name}: {message}" if message else f"{function} raised {type_name}")

    def is_a(self, name: str) -> bool:
        """True when the student's exception class is, or derives from, a class called ``name``."""
        return name in self.mro


class GlobalRandomUsed(StudentError):
    """A student call seeded or drew from numpy's global random state (the worker saw it change).

    A StudentError, so a test that falls back to its own helper when a student function misbehaves
    treats it like any other failure of that function.
    """

    def __init__(self, function: str, value=None):
        super().__init__(function, "GlobalRandomUsed", ["GlobalRandomUsed"], "")
        # what the call returned all the same: a test may still use it where the draws do not matter
        # (a backward checked against this very forward's output and cache)
        self.value = value
        self.args = (f"{function} used numpy's global random state (np.random.seed, np.random.rand, "
                     "np.random.permutation, ...), itself or in a function it calls: take every random "
                     "number from the rng argument",)


class StudentCrash(Exception):
    """The worker process died during a call (os._exit, a segfault, the memory limit, ...)."""


class WorkerLost(StudentCrash):
    """The worker died because the zygote that forked it died (the parent-death signal): not the
    student's doing. The hidden test runs again, once, on a fresh worker (spawned, since the
    zygote is gone); where that is not done it counts as the crash it looks like."""


class StudentTimeout(Exception):
    """A call to a student function exceeded its wall-clock or CPU-time limit."""


class BoundaryError(Exception):
    """A value could not cross the process boundary (wrong type, too large, malformed)."""


class SubmissionError(Exception):
    """A submission file that cannot be graded at all (missing, syntax error, forbidden import...)."""

    def __init__(self, status: str, message: str, *, found: tuple[str, ...] = ()):
        self.status = status  # "missing" or "error", as in the JSON result
        self.message = message
        self.found = found  # the module is missing, but these files sit in its place (a renamed copy, a notebook)
        super().__init__(message)


class UserError(Exception):
    """A mistake by the person running the grader (bad path, bad course.yaml); shown without traceback."""


class ConfinementFailed(UserError):
    """The grader could not confine a worker process (a resource limit of the shell it runs in,
    say): a fault of this machine, not of the submission, so grading stops instead of recording
    zeros that a later run would reuse."""

    @classmethod
    def because(cls, reason: str) -> "ConfinementFailed":
        return cls(f"the grader could not confine its worker process ({reason}), so it stopped before grading "
                   "anything more: fix the cause on this machine (`grader doctor` checks every protection) and "
                   "run the same command again")


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, ``docker stop``, a cancelled CI job) raised in the grader's main thread,
    so that it stops as on Ctrl-C: its workers killed and their files removed, the journal kept.
    Commands say "terminated" and exit 143 (128 + SIGTERM) instead of "interrupted" and 130."""

    exit_code = 143


def stop_word(err: KeyboardInterrupt) -> str:
    """"interrupted" (Ctrl-C) or "terminated" (SIGTERM, see :class:`Terminated`)."""
    return "terminated" if isinstance(err, Terminated) else "interrupted"


def stop_code(err: KeyboardInterrupt) -> int:
    """The exit status a shell expects of a command stopped by that signal: 130 or 143."""
    return Terminated.exit_code if isinstance(err, Terminated) else 130
