"""Where a hidden suite spends its time: per test, wall time and round trips to the worker.

    python benchmarks/profile_suite.py 03_backprop            # one assignment, the reference as submission
    python benchmarks/profile_suite.py                        # every assignment
    python benchmarks/profile_suite.py 07_optimizers --top 10 --submission path/to/sub

For course authors tuning hidden tests: a round trip costs ~0.1 ms of wall time, so a test that
loops over hundreds of student calls should batch them (``checks.call_each``,
``checks.numeric_grad_call``) or run the loop in the worker (``checks.iterate``). Grades in-process
with the isolated worker, one assignment at a time (no parallelism), so the numbers add up.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import grader.proxy as proxy  # noqa: E402
import grader.runner as runner  # noqa: E402
from grader.course import load_course  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="assignment ids (default: all)")
    parser.add_argument("--submission", help="submission directory (default: the references)")
    parser.add_argument("--top", type=int, default=15, help="slowest tests to list per assignment")
    opts = parser.parse_args()
    course = load_course(ROOT / "course.yaml")
    ids = opts.ids or [a.id for a in course.assignments]

    calls: collections.Counter = collections.Counter()
    waited: collections.Counter = collections.Counter()
    current = [""]
    request = proxy.Worker._request

    def counted(self, fn, msg):
        t = time.perf_counter()
        try:
            return request(self, fn, msg)
        finally:
            calls[current[0]] += 1
            waited[current[0]] += time.perf_counter() - t

    run_test = runner.run_test
    spent: dict[str, float] = {}

    def timed(test, *args):
        current[0] = test.name
        t = time.perf_counter()
        try:
            return run_test(test, *args)
        finally:
            spent[test.name] = time.perf_counter() - t

    proxy.Worker._request = counted
    runner.run_test = timed
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(opts.submission) if opts.submission else Path(tmp)
        if not opts.submission:
            for a in course.assignments:
                (sub / "assignments" / a.id).mkdir(parents=True)
                shutil.copy(ROOT / "solutions" / a.id / f"{a.module}.py", sub / "assignments" / a.id)
        runner.grade_submission(ROOT, course, sub, ids[:1], jobs=1)  # warm: zygote, imports
        for aid in ids:
            spent.clear()
            calls.clear()
            waited.clear()
            t = time.perf_counter()
            result = runner.grade_submission(ROOT, course, sub, [aid], jobs=1)
            total = time.perf_counter() - t
            a = result.assignments[0]
            print(f"{aid}: {a.score}/{a.max_score} points, {total * 1000:.0f} ms in all, "
                  f"{sum(spent.values()) * 1000:.0f} ms in {len(spent)} tests, "
                  f"{sum(calls.values())} round trips ({sum(waited.values()) * 1000:.0f} ms waiting on the worker)")
            for name, s in sorted(spent.items(), key=lambda kv: -kv[1])[:opts.top]:
                print(f"  {s * 1000:7.1f} ms  {calls[name]:5d} round trips  {waited[name] * 1000:7.1f} ms waiting  {name}")


if __name__ == "__main__":
    main()
