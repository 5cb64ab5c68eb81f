"""The result of grading, shaped exactly like GRADER.md's JSON (keys are fixed)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

# Control characters (terminal escapes, which could paint a fake "ok" line or retitle the
# instructor's terminal, and which make JUnit XML invalid) and the invisible Unicode marks that
# reorder or hide text. Feedback, messages and submission names carry student-controlled text. Lone
# surrogates too: a folder name that is not UTF-8 (an archive from Windows, say) decodes to them, and
# they cannot be written to a UTF-8 gradebook or JSON file.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with every control or bidirectional-override character replaced by U+FFFD."""
    return _UNPRINTABLE.sub("\ufffd", text)


def submission_name(name: str) -> str:
    """A submission's folder name as results show it: on one line (a folder name may hold a newline), printable."""
    return printable(" ".join(name.split()))


def name_key(name: str) -> str:
    """What a student's name is matched and compared by (folders, --times rows, roster rows, the
    summary's duplicates): the name as results show it, Unicode-normalized. Names that differ only in
    spaces, control characters or normalization (a zip made on macOS stores 'José' decomposed) look
    alike in the gradebook, so they are one name."""
    return unicodedata.normalize("NFC", submission_name(name))


@dataclass
class TestResult:
    name: str
    function: str
    score: float
    max_score: float
    status: str  # passed | failed | error | timeout
    feedback: str = ""

    def __post_init__(self):
        self.feedback = printable(self.feedback)


@dataclass
class AssignmentResult:
    id: str
    score: float
    max_score: float
    status: str  # graded | missing | error
    message: str = ""
    tests: list[TestResult] = field(default_factory=list)

    def __post_init__(self):
        self.message = printable(self.message)


@dataclass
class SubmissionResult:
    submission: str
    score: float
    max_score: float
    assignments: list[AssignmentResult] = field(default_factory=list)
    # Which protections the workers ran under ("active") and which were unavailable, and why.
    isolation: dict = field(default_factory=dict)

    def __post_init__(self):
        self.submission = submission_name(self.submission)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SubmissionResult":
        """The inverse of :meth:`to_dict`, for a result read back from a journal or a JSON file."""
        assignments = [AssignmentResult(**{**a, "tests": [TestResult(**t) for t in a.get("tests", [])]})
                       for a in data.get("assignments", [])]
        return cls(**{**data, "assignments": assignments})


def rounded(x: float) -> float:
    """Scores are reported to 1e-4 so float noise never shows as 24.999999."""
    return round(x + 0.0, 4)
