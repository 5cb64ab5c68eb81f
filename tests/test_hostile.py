"""Can a hostile submission forge its score? Each one is the reference with something hostile
added (its hostile part lives in tests/hostile/); it must lose the points of the function it
breaks (and of functions calling it), keep the others, and leave the grader's process, output and
files untouched. tests/test_confinement.py runs the whole corpus with more checks."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.runner import grade_submission
from tests.conftest import ROOT, fast_limits, function_scores, make_submission, reference_source
from tests.hostile import AID, build_course, dependents, load_corpus, submission_source

NAMES = ("patch_numpy_and_pytest", "os_exit", "system_exit", "keyboard_interrupt",
         "fake_json_and_workflow_commands", "infinite_loop", "memory_bomb", "lying_ndarray")
HOSTILE = {name: case for name, case in load_corpus().items() if name in NAMES}


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory):
    """The course with its real hidden tests (or the corpus's stand-in while 03 has none)."""
    return build_course(ROOT, tmp_path_factory.mktemp("course"), "GRADER_CANARY_TOKEN")


@pytest.fixture(scope="module")
def results(course, course_copy, tmp_path_factory):
    quick = fast_limits(course, call_seconds=2.0, test_seconds=10.0)
    ref = reference_source(course, AID)
    out = {}
    for name, case in HOSTILE.items():
        source = submission_source(case, ref, {})
        sub = make_submission(tmp_path_factory.mktemp(name), course, {AID: source})
        [result] = grade_submission(course_copy.root, quick, sub, [AID]).assignments
        out[name] = (case.target, source, result)
    return out


def test_the_corpus_holds_every_case():
    assert set(HOSTILE) == set(NAMES)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_hostile_function_loses_its_points_and_nothing_else_changes(results, name):
    fn, source, result = results[name]
    assert result.status == "graded", result.message
    scores = function_scores(result)
    assert scores[fn][0] < scores[fn][1], f"{name}: {fn} must lose points"
    allowed = dependents(source, fn)
    wrong = {f: s for f, s in scores.items() if f not in allowed and s[0] != s[1]}
    assert not wrong, f"{name}: functions that do not depend on {fn} lost points: {wrong}"
    assert result.score < result.max_score


def test_numpy_in_the_grader_process_is_untouched(results):
    assert not np.allclose(1.0, 2.0) and not np.array_equal([1], [2])


def test_printed_fake_results_never_reach_the_grader_output(course, course_copy, tmp_path):
    case = HOSTILE["fake_json_and_workflow_commands"]
    sub = make_submission(tmp_path / "s", course, {AID: submission_source(case, reference_source(course, AID), {})})
    result = CliRunner().invoke(main, ["--course", str(course_copy.root), "grade", str(sub), "-a", AID,
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)  # the whole output is the one real JSON document
    assert data["score"] < data["max_score"]
    assert "::notice" not in result.output and '"score": 100.0' not in result.output


def test_timeout_and_crash_feedback_say_what_happened(results):
    fn, _, result = results["infinite_loop"]
    assert {t.status for t in result.tests if t.function == fn} == {"timeout"}
    fn, _, result = results["os_exit"]
    feedback = [t.feedback for t in result.tests if t.function == fn]
    assert feedback and all("crashed the worker" in f for f in feedback)
