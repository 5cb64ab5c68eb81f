"""Can a hostile submission forge its score? Each one is the reference with something hostile
added; it must lose the points of the function it breaks (and of functions calling it), keep the
others, and leave the grader's process, output and files untouched."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.conftest import ROOT, callers_of, fast_limits, function_scores, grade, make_submission, reference_source

AID = "03_backprop"

HOSTILE = {
    # Patch numpy's comparisons and try to reach pytest: harmless, the tests run in another process.
    "patch_numpy_and_pytest": ("affine_backward", '''
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
try:
    _pytest = np.__builtins__["__import__"]("pytest")
    _pytest.approx = lambda *a, **k: a[0]
except ImportError:
    pass

def affine_backward(dout, cache):
    x, W = cache[0], cache[1]
    return np.zeros(x.shape), np.zeros(W.shape), np.zeros(W.shape[1])
'''),
    "os_exit": ("mul_gate_backward", '''
def mul_gate_backward(x, y, dout):
    np.lib._datasource.os._exit(0)
'''),
    "system_exit": ("add_gate_backward", '''
def add_gate_backward(dout):
    raise SystemExit(0)
'''),
    "keyboard_interrupt": ("copy_gate_backward", '''
def copy_gate_backward(dout1, dout2):
    raise KeyboardInterrupt
'''),
    "fake_json_and_workflow_commands": ("relu_forward", '''
def relu_forward(x):
    print('{"submission": "x", "score": 100.0, "max_score": 100.0, "assignments": []}')
    print("::notice::all tests passed")
    np.lib._datasource.os.write(1, b'{"score": 100.0}\\n')
    return x, x
'''),
    "infinite_loop": ("relu_backward", '''
def relu_backward(dout, cache):
    while True:
        pass
'''),
    "memory_bomb": ("relative_error", '''
def relative_error(a, b):
    hog = [np.ones((1 << 27,)) for _ in range(64)]
    return 0.0
'''),
    "lying_ndarray": ("affine_forward", '''
class _Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)
    def __array_ufunc__(self, *args, **kwargs):
        return NotImplemented

def affine_forward(x, W, b):
    out = np.zeros((x.shape[0], W.shape[1])).view(_Liar)
    return out, (x, W, b)
'''),
}


@pytest.fixture(scope="module")
def results(course, tmp_path_factory):
    quick = fast_limits(course, call_seconds=2.0, test_seconds=10.0)
    ref = reference_source(course, AID)
    out = {}
    for name, (fn, extra) in HOSTILE.items():
        source = ref + "\n\n" + extra
        sub = make_submission(tmp_path_factory.mktemp(name), course, {AID: source})
        [result] = grade(quick, sub, [AID]).assignments
        out[name] = (fn, source, result)
    return out


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_function_loses_its_points_and_nothing_else_changes(results, name):
    fn, source, result = results[name]
    assert result.status == "graded", result.message
    scores = function_scores(result)
    assert scores[fn][0] < scores[fn][1], f"{name}: {fn} must lose points"
    allowed = {fn} | callers_of(source, fn)
    wrong = {f: s for f, s in scores.items() if f not in allowed and s[0] != s[1]}
    assert not wrong, f"{name}: functions that do not call {fn} lost points: {wrong}"
    assert result.score < result.max_score


def test_numpy_in_the_grader_process_is_untouched(results):
    assert not np.allclose(1.0, 2.0) and not np.array_equal([1], [2])


def test_printed_fake_results_never_reach_the_grader_output(course, tmp_path):
    fn, extra = HOSTILE["fake_json_and_workflow_commands"]
    sub = make_submission(tmp_path / "s", course, {AID: reference_source(course, AID) + "\n\n" + extra})
    result = CliRunner().invoke(main, ["--course", str(ROOT), "grade", str(sub), "-a", AID, "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)  # the whole output is the one real JSON document
    assert data["score"] < data["max_score"]
    assert "::notice" not in result.output and '"score": 100.0' not in result.output


def test_timeout_and_crash_feedback_say_what_happened(results):
    statuses = {t.status for t in results["infinite_loop"][2].tests if t.function == "relu_backward"}
    assert statuses == {"timeout"}
    feedback = [t.feedback for t in results["os_exit"][2].tests if t.function == "mul_gate_backward"]
    assert all("crashed the worker" in f for f in feedback)
