"""The result of grading, shaped exactly like GRADER.md's JSON (keys are fixed)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class TestResult:
    name: str
    function: str
    score: float
    max_score: float
    status: str  # passed | failed | error | timeout
    feedback: str = ""


@dataclass
class AssignmentResult:
    id: str
    score: float
    max_score: float
    status: str  # graded | missing | error
    message: str = ""
    tests: list[TestResult] = field(default_factory=list)


@dataclass
class SubmissionResult:
    submission: str
    score: float
    max_score: float
    assignments: list[AssignmentResult] = field(default_factory=list)
    # Which protections the workers ran under ("active") and which were unavailable, and why.
    isolation: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def rounded(x: float) -> float:
    """Scores are reported to 1e-4 so float noise never shows as 24.999999."""
    return round(x + 0.0, 4)
