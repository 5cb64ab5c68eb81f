"""The benchmark's in-process floor (benchmarks/inprocess.py) must time the real hidden tests.

Benchmark (b) divides by this floor to say how much faster than nbgrader any grader could be,
so a floor that skipped work (a test failing early, a suite not run) would flatter the bound.
"""

import dataclasses

import pytest

from benchmarks import inprocess
from grader import runner
from grader.course import load_course
from tests.conftest import ROOT


def test_floor_runs_every_hidden_test_of_the_assignment(monkeypatch):
    ran = []
    real = runner.load_suite

    def counting(root, assignment):
        suite = real(root, assignment)

        def wrap(test):
            def run(**kwargs):
                ran.append(test.name)
                return test.run(**kwargs)
            return dataclasses.replace(test, run=run)

        return dataclasses.replace(suite, tests=[wrap(t) for t in suite.tests])

    monkeypatch.setattr(runner, "load_suite", counting)
    assert inprocess.seconds(ROOT, "02_perceptron", runs=2) > 0
    names = [t.name for t in real(ROOT, load_course(ROOT / "course.yaml").assignment("02_perceptron")).tests]
    assert len(names) > 5 and ran == names * 3  # a warm-up, then two timed runs of the whole suite


def test_floor_fails_loudly_when_a_hidden_test_fails(monkeypatch):
    real = runner.load_suite

    def broken(root, assignment):
        suite = real(root, assignment)

        def fails(**kwargs):
            raise AssertionError("planted failure")

        return dataclasses.replace(suite, tests=[dataclasses.replace(suite.tests[0], run=fails), *suite.tests[1:]])

    monkeypatch.setattr(runner, "load_suite", broken)
    with pytest.raises(AssertionError, match="planted failure"):
        inprocess.seconds(ROOT, "02_perceptron", runs=1)
