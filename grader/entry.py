"""The `grader` console script: boots the zygote first, then runs the click command line.

A grading command needs two interpreters with numpy imported: this one (hidden tests and
references) and the zygote (which forks the workers). Starting the zygote before this process
imports click, numpy and the course schema lets the two boots overlap on separate cores, so the
first worker is ready by the time the hidden tests are.
"""

from __future__ import annotations

import sys

_GRADING = {"grade", "grade-all", "validate", "ci"}


def _grading(argv: list[str]) -> bool:
    """True for a command that will start workers (not for --help or a typo)."""
    if "-h" in argv or "--help" in argv or "--version" in argv:
        return False
    words = iter(argv)
    for word in words:
        if word == "--course":
            next(words, None)
        elif not word.startswith("-"):
            return word in _GRADING
    return False


def main() -> None:
    if _grading(sys.argv[1:]):
        from grader import zygote

        zygote.get()
    from grader.cli import main as cli

    cli()
