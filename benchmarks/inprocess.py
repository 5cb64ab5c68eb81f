"""The hidden tests' own work for one student: the floor under any grader that runs them.

    python -m benchmarks.inprocess 03_backprop [--runs 5]      # prints seconds per student

One assignment's hidden tests are run in this process, against the reference imported as the
student: no worker, no isolation, no pytest, no start-up. The time is the best of ``runs`` after
a warm-up, which also fills the tests' ``@memoized`` expected values: the figure is what each
further student costs in a process that grades many, as grade-all's do. Every grader running these tests pays at least this much per student: nbgrader's
kernel calls the same test functions (the notebooks' autograder cells use
`grader.nbgrader_io.notebook_check`), and `grader grade-all` sends the same calls to a worker.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seconds(root: Path, aid: str, runs: int = 5) -> float:
    """Best of ``runs`` (after one warm-up) of running every hidden test of ``aid`` once."""
    from grader.course import load_course
    from grader.loading import import_path
    from grader.runner import load_suite

    assignment = load_course(root / "course.yaml").assignment(aid)
    suite = load_suite(root, assignment)
    student = import_path(root / "solutions" / aid / f"{assignment.module}.py", "_bench_student_")
    given = {"student": student, "ref": suite.ref}

    def once() -> None:
        for test in suite.tests:
            test.run(**{p: given[p] for p in test.params})  # a failure raises: the floor must be real work

    once()
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        once()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("assignment", help="an assignment id of course.yaml, e.g. 03_backprop")
    ap.add_argument("--runs", type=int, default=5, help="timed runs after the warm-up; the best is printed")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    sys.path.insert(0, str(ROOT))
    from grader.entry import _one_blas_thread
    from grader.errors import UserError

    _one_blas_thread()  # one BLAS thread, as in the grader and its workers (before numpy is imported)
    try:
        print(f"{seconds(ROOT, args.assignment, args.runs):.6f}")
    except UserError as err:
        ap.error(str(err))


if __name__ == "__main__":
    main()
