"""Do the hidden tests grade what they should? For each assignment: the reference gets full
marks, the stub zero, every planted classic bug loses points on its own function (and only on
functions calling it), every correct-but-different implementation gets full marks, and the public
tests pass on the reference and fail on the stub."""

import importlib.util
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, callers_of, function_scores, grade, make_submission, reference_source

IDS = ["01_regression", "02_perceptron", "03_backprop", "04_activations", "05_initialization",
       "06_regularization", "07_optimizers"]


def corpus(aid: str):
    path = ROOT / "tests" / "corpus" / f"{aid}.py"
    spec = importlib.util.spec_from_file_location(f"corpus_{aid}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases(kind: str):
    out = []
    for aid in IDS:
        for name in getattr(corpus(aid), kind):
            out.append(pytest.param(aid, name, id=f"{aid}:{name}"))
    return out


@pytest.mark.parametrize("aid", IDS)
def test_reference_full_marks(course, tmp_path, aid):
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid)})
    [a] = grade(course, sub, [aid]).assignments
    bad = [(t.name, t.status, t.feedback) for t in a.tests if t.status != "passed"]
    assert a.score == a.max_score and not bad, bad


@pytest.mark.parametrize("aid", IDS)
def test_untouched_stub_scores_zero(course, aid):
    [a] = grade(course, ROOT, [aid]).assignments
    assert a.status == "graded" and a.score == 0
    assert all("not implemented" in t.feedback for t in a.tests)
    # The tests' points, each shown to 1e-4, add up to their function's points exactly (Gradescope sums
    # them, and CI's annotations title a function by their sum): 1.3333 * 3 was shown against 4.
    for fn, points in course.assignment(aid).points.items():
        shares = [t.max_score for t in a.tests if t.function == fn]
        assert f"{sum(shares):.10f}" == f"{points:.10f}", (fn, shares)


@pytest.mark.parametrize("aid, name", cases("MUTANTS"))
def test_classic_bug_loses_points_on_its_own_function(course, tmp_path, aid, name):
    fn, extra = corpus(aid).MUTANTS[name]
    source = reference_source(course, aid) + "\n\n" + extra
    sub = make_submission(tmp_path, course, {aid: source})
    [a] = grade(course, sub, [aid]).assignments
    scores = function_scores(a)
    assert scores[fn][0] < scores[fn][1], f"{name}: {fn} kept full marks"
    allowed = {fn} | callers_of(source, fn)
    wrong = {f: s for f, s in scores.items() if f not in allowed and s[0] != s[1]}
    assert not wrong, f"{name}: unrelated functions lost points: {wrong}"


@pytest.mark.parametrize("aid, name", cases("ALTERNATIVES"))
def test_correct_alternative_gets_full_marks(course, tmp_path, aid, name):
    source = reference_source(course, aid) + "\n\n" + corpus(aid).ALTERNATIVES[name]
    sub = make_submission(tmp_path, course, {aid: source})
    [a] = grade(course, sub, [aid]).assignments
    bad = [(t.name, t.status, t.feedback) for t in a.tests if t.status != "passed"]
    assert a.score == a.max_score and not bad, f"{name}: {bad}"


def _run_public(folder, module_source, module):
    shutil.copytree(ROOT / "assignments" / folder.name, folder)
    (folder / f"{module}.py").write_text(module_source)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           "--rootdir", str(folder), str(folder)], capture_output=True, text=True, cwd=folder)


@pytest.mark.parametrize("aid", IDS)
def test_public_tests_pass_on_reference_and_fail_on_stub(course, tmp_path, aid):
    module = course.assignment(aid).module
    public = list((ROOT / "assignments" / aid).glob("test_*.py"))
    assert public, f"{aid} has no public tests"
    ok = _run_public(tmp_path / "ref" / aid, reference_source(course, aid), module)
    assert ok.returncode == 0, ok.stdout[-2000:]
    stub = (ROOT / "assignments" / aid / f"{module}.py").read_text()
    bad = _run_public(tmp_path / "stub" / aid, stub, module)
    assert bad.returncode == 1 and "NotImplementedError" in bad.stdout


@pytest.mark.parametrize("aid", IDS)
def test_public_tests_pass_on_every_correct_alternative(course, tmp_path, aid):
    """A public test must never fail a correct implementation written differently: the student would
    chase a bug that is not there. The public tests grew stricter (|x| = 800, integer xor, rng-only
    draws, inputs left alone); every alternative of the corpus, which grading gives full marks, must
    pass them too. Two at a time: each is a pytest process of its own, as in `grader check`."""
    from concurrent.futures import ThreadPoolExecutor

    module = course.assignment(aid).module
    alternatives = corpus(aid).ALTERNATIVES
    assert alternatives, f"{aid} has no alternatives in its corpus"

    def run(name: str):
        return name, _run_public(tmp_path / name / aid, reference_source(course, aid) + "\n\n" + alternatives[name],
                                 module)

    with ThreadPoolExecutor(max_workers=2) as pool:
        failed = [(name, r.stdout[-1500:]) for name, r in pool.map(run, alternatives) if r.returncode != 0]
    assert not failed, failed


# Mutants that draw from numpy's global random state (or from a generator of their own) instead of
# the rng argument: grading gives their function 0, so the public tests must say so first.
GLOBAL_RANDOM_MUTANTS = [("01_regression", "gd_global_np_random"),
                         ("01_regression", "softmax_train_global_np_random"),
                         ("03_backprop", "init_global_random_state"), ("03_backprop", "train_global_random_state"),
                         ("03_backprop", "train_seeds_global_shuffle"),
                         ("05_initialization", "normal_init_global_rng"),
                         ("05_initialization", "xavier_uniform_global_rng"),
                         ("06_regularization", "dropout_global_rng"), ("06_regularization", "flip_global_rng"),
                         ("06_regularization", "mixup_global_rng")]


@pytest.mark.parametrize("aid, name", [pytest.param(a, n, id=f"{a}:{n}")
                                       for a, n in GLOBAL_RANDOM_MUTANTS])
def test_public_tests_catch_a_function_that_ignores_its_rng(course, tmp_path, aid, name):
    """np.random.permutation / randn / seed instead of the rng argument is a classic bug that costs the
    function all its points: `grader check` must not say "all public tests pass" for it."""
    fn, extra = corpus(aid).MUTANTS[name]
    module = course.assignment(aid).module
    result = _run_public(tmp_path / aid, reference_source(course, aid) + "\n\n" + extra, module)
    assert result.returncode == 1, f"{name}: the public tests pass a {fn} that ignores its rng"
    assert "rng" in result.stdout, result.stdout[-2000:]  # the failure says what to do


def test_an_infinite_backward_loses_points_after_a_wrong_forward_too(course, tmp_path):
    """06 accepts, after a wrong forward, a backward consistent with either forward; inf <= inf once
    let a backward of infinities through that door (the corpus's mutants change one function each)."""
    aid = "06_regularization"
    extra = '''
_ln_ref_forward = layernorm_forward
def layernorm_forward(x, gamma, beta, *, eps=1e-5):  # wrong: gamma ignored
    out, cache = _ln_ref_forward(x, np.ones_like(gamma), beta, eps=eps)
    return out, (cache, gamma)

def layernorm_backward(dout, cache):
    gamma = cache[1]
    return np.full(dout.shape, np.inf), np.full(gamma.shape, np.inf), np.full(gamma.shape, np.inf)
'''
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    scores = function_scores(a)
    assert scores["layernorm_forward"][0] < scores["layernorm_forward"][1]
    assert scores["layernorm_backward"][0] == 0, [t.feedback for t in a.tests if t.function == "layernorm_backward"]


@pytest.mark.parametrize("b1, W2, network_passes", [
    ("np.array([[-0.5, 1.5]])", "np.array([1.0, 1.0])", True),     # b1 (1, 2): still one output per input
    ("np.array([-0.5, 1.5])", "np.array([[1.0], [1.0]])", True),   # W2 (2, 1): outputs (4, 1), each right
    ("np.array([[-0.5], [1.5]])", "np.array([1.0, 1.0])", False),  # b1 (2, 1): does not broadcast with x @ W1
])
def test_xor_mlp_params_wrong_shapes_cost_the_shapes_test_with_the_shapes_named(course, tmp_path, b1, W2,
                                                                                  network_passes):
    """A network of the wrong shapes that still computes XOR per input loses only the shapes test (a
    W2 of (2, 1) once lost the network test too, its (4, 1) outputs compared with XOR's (4,) as a
    (4, 4) grid: "differs on 8 of the 4 inputs"); one that cannot be evaluated is told the shapes,
    not numpy's broadcasting error."""
    aid = "02_perceptron"
    extra = f'''
def xor_mlp_params():
    W1 = np.array([[1.0, -1.0], [1.0, -1.0]])   # hidden units: OR, NAND
    return W1, {b1}, {W2}, -1.5
'''
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    tests = {t.name: t for t in a.tests if t.function == "xor_mlp_params"}
    shapes, network = tests["test_xor_mlp_params_shapes"], tests["test_xor_mlp_params_network_computes_xor"]
    assert shapes.status == "failed" and "expected shape" in shapes.feedback, shapes.feedback
    if network_passes:
        assert network.status == "passed", network.feedback
    else:
        assert network.status == "failed", network.feedback
        assert "cannot be evaluated: expected W1 (2, 2), b1 (2,) and W2 (2,)" in network.feedback


@pytest.mark.parametrize("backward, full", [("return dout.copy()", False), (None, True)])
def test_a_dropout_backward_is_checked_after_a_forward_that_drew_from_the_global_state(course, tmp_path, backward,
                                                                                      full):
    """A forward that draws its mask from np.random loses its own points; the backward is still
    checked in training mode against that forward's output, so passing dout through is caught
    there and a correct backward keeps its points."""
    aid = "06_regularization"
    extra = corpus(aid).MUTANTS["dropout_global_rng"][1]
    if backward is not None:
        extra += f"\n\ndef dropout_backward(dout, cache):\n    {backward}\n"
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    scores = function_scores(a)
    assert scores["dropout_forward"][0] < scores["dropout_forward"][1]
    got, top = scores["dropout_backward"]
    assert (got == top) if full else (got == 0), [t.feedback for t in a.tests if t.function == "dropout_backward"]


# A backward is checked against its own forward when that forward is wrong (so a correct backward
# does not lose points for its forward's bug), but a forward of zeros gives nothing to check against:
# backwards returning zeros after it once earned 15 points of 03 and 06 without any math.
_ZEROS_03 = '''
def sigmoid_forward(x):
    return np.zeros_like(x), np.zeros_like(x)

def sigmoid_backward(dout, cache):
    return np.zeros_like(dout)

def relu_forward(x):
    return np.zeros_like(x), np.zeros_like(x)

def relu_backward(dout, cache):
    return np.zeros_like(dout)

def two_layer_forward(X, params, hidden_activation="relu"):
    MUTATE
    return np.zeros((X.shape[0], params["W2"].shape[1])), {k: np.shape(v) for k, v in params.items()}

def two_layer_backward(dscores, cache):
    return {k: np.zeros(shape) for k, shape in cache.items()}
'''
_ZEROS_06 = '''
def _zeros(x, gamma, beta):
    return np.zeros_like(x), (np.shape(x), np.shape(gamma), np.shape(beta))

def _no_grads(dout, cache):
    return tuple(np.zeros(shape) for shape in cache)

def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    out, cache = _zeros(x, gamma, beta)
    return out, {"running_mean": np.zeros(np.shape(gamma)), "running_var": np.ones(np.shape(gamma))}, cache

def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    return _zeros(x, gamma, beta)

def groupnorm_forward(x, gamma, beta, groups, *, eps=1e-5):
    return _zeros(x, gamma, beta)

def instancenorm_forward(x, gamma, beta, *, eps=1e-5):
    return _zeros(x, gamma, beta)

batchnorm_backward = layernorm_backward = groupnorm_backward = instancenorm_backward = _no_grads
'''


# Nearly degenerate forwards: a sigmoid of 1e-300 everywhere (local gradient 1e-300, below the tolerance,
# so a dx of zeros matched it), and layers whose output is their bias alone, with backwards that return
# only the bias's gradient (the sum of dout) and zeros for every input the forward ignores.
_TINY_03 = '''
def sigmoid_forward(x):
    return np.full(np.shape(x), 1e-300), None

def sigmoid_backward(dout, cache):
    return np.zeros(np.shape(dout))

def two_layer_forward(X, params, hidden_activation="relu"):
    scores = np.zeros((np.shape(X)[0], np.shape(params["b2"])[0])) + params["b2"]
    return scores, {k: np.shape(v) for k, v in params.items()}

def two_layer_backward(dscores, cache):
    grads = {k: np.zeros(shape) for k, shape in cache.items()}
    grads["b2"] = np.asarray(dscores).sum(axis=0)
    return grads
'''
_BIAS_06 = '''
def _bias_only(x, gamma, beta, axes, bshape):
    return np.zeros(np.shape(x)) + np.reshape(beta, bshape), (np.shape(x), np.shape(gamma), axes)

def _bias_grads(dout, cache):
    xs, gs, axes = cache
    return np.zeros(xs), np.zeros(gs), np.asarray(dout).sum(axis=axes)

def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    out, cache = _bias_only(x, gamma, beta, (0,), (1, -1))
    return out, {"running_mean": np.zeros(np.shape(gamma)), "running_var": np.ones(np.shape(gamma))}, cache

def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    return _bias_only(x, gamma, beta, (0,), (1, -1))

def groupnorm_forward(x, gamma, beta, groups, *, eps=1e-5):
    return _bias_only(x, gamma, beta, (0, 2, 3), (1, -1, 1, 1))

def instancenorm_forward(x, gamma, beta, *, eps=1e-5):
    return _bias_only(x, gamma, beta, (0, 2, 3), (1, -1, 1, 1))

batchnorm_backward = layernorm_backward = groupnorm_backward = instancenorm_backward = _bias_grads
'''


@pytest.mark.parametrize("aid, extra, backwards", [
    ("03_backprop", _ZEROS_03.replace("MUTATE", "pass"), ("sigmoid_backward", "relu_backward", "two_layer_backward")),
    ("03_backprop", _TINY_03, ("sigmoid_backward", "two_layer_backward")),
    ("06_regularization", _BIAS_06, ("batchnorm_backward", "layernorm_backward", "groupnorm_backward",
                                     "instancenorm_backward")),
    # a forward that writes into its input gets the benefit of the doubt for its cache, but not this
    ("03_backprop", _ZEROS_03.replace("MUTATE", "X[0, 0] += 1.0"), ("two_layer_backward",)),
    ("06_regularization", _ZEROS_06, ("batchnorm_backward", "layernorm_backward", "groupnorm_backward",
                                      "instancenorm_backward")),
], ids=["03", "03-tiny-or-bias-only", "06-bias-only", "03-forward-modifies-X", "06"])
def test_backwards_returning_zeros_earn_nothing_after_forwards_returning_zeros(course, tmp_path, aid, extra,
                                                                                backwards):
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    scores = function_scores(a)
    for fn in backwards:
        assert scores[fn][0] == 0, (fn, [t.feedback for t in a.tests if t.function == fn])


def test_a_loss_right_at_its_inputs_but_not_around_them_earns_no_gradient_points(course, tmp_path):
    """01's gradient tests difference the student's own loss (a gradient consistent with a wrong loss
    gets that feedback); a loss that returns its last value for nearby inputs made every difference
    zero, and a zero gradient passed."""
    aid = "01_regression"
    extra = '''
_last = {}

def _sticky(name, fn):
    def wrapped(a, y):
        a = np.asarray(a, dtype=np.float64)
        previous = _last.get(name)
        if previous is not None and previous[0].shape == a.shape and np.max(np.abs(previous[0] - a)) < 1e-5:
            return previous[1], np.zeros_like(a)
        loss = fn(a, y)[0]
        _last[name] = (a.copy(), loss)
        return loss, np.zeros_like(a)
    return wrapped

mse_loss = _sticky("mse", mse_loss)
bce_with_logits = _sticky("bce", bce_with_logits)
'''
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    tests = {t.name: t for t in a.tests}
    for name in ("test_mse_loss_gradient_matches_numerical", "test_bce_with_logits_gradient_matches_numerical"):
        assert tests[name].status == "failed", (name, tests[name].feedback)
        assert "numerical gradient of the correct loss" in tests[name].feedback


def test_a_float32_sgd_loop_is_told_precision_not_visiting_order(course, tmp_path):
    """01's linear_regression_gd identifies the run by its parameters to 1e-9, which a loop computing in float32
    does not reach (it loses those points, like every float32 computation graded against float64). It used to
    be told that no order of visiting the samples gives its result, sending it after a shuffling bug it does
    not have; it ends within 1.6e-6 of its run, and other runs are at least 1.5e-3 away."""
    aid = "01_regression"
    extra = '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    X, y = X.astype(np.float32), y.astype(np.float32)
    N, D = X.shape
    w, b, losses = np.zeros(D, np.float32), np.float32(0), []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            err = X[idx] @ w + b - y[idx]
            w = w - np.float32(lr * 2 / len(idx)) * (err @ X[idx])
            b = b - np.float32(lr * 2 / len(idx)) * err.sum()
        losses.append(np.mean((X @ w + b - y) ** 2))
    return w, b, np.array(losses)
'''
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    tests = {t.name: t for t in a.tests}
    for name in ("test_linear_regression_gd_visits_every_sample_once_per_epoch",
                 "test_linear_regression_gd_reshuffles_every_epoch"):
        assert tests[name].status == "failed", (name, tests[name].feedback)
        assert "precision of float64" in tests[name].feedback and "no order" not in tests[name].feedback, \
            tests[name].feedback


@pytest.mark.parametrize("aid, extra, test, words", [
    ("07_optimizers", '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state["v"] + dw
    return w - lr * v, {"v": v}
''', "test_sgd_momentum_matches_reference", "empty dict {} on the first step"),
    ("06_regularization", '''
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    rm, rv = state["running_mean"], state["running_var"]
    if not train:
        return gamma * (x - rm) / np.sqrt(rv + eps) + beta, dict(state), None
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv_std = 1 / np.sqrt(var + eps)
    new_state = {"running_mean": momentum * rm + (1 - momentum) * mu,
                 "running_var": momentum * rv + (1 - momentum) * var}
    return gamma * (x - mu) * inv_std + beta, new_state, ((x - mu) * inv_std, gamma, inv_std)
''', "test_batchnorm_forward_running_stats_over_steps", "an empty dict means running mean 0"),
    ("07_optimizers", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w, state, traj = np.array(w0, dtype=float), {}, [np.array(w0, dtype=float)]
    for _ in range(steps):
        w, state = optimizer(w, grad_fn(w)[1], state)  # the hyperparameters are not passed on
        traj.append(w)
    return w, np.array(traj)
''', "test_minimize_with_test_callbacks", "when your minimize called it"),
    ("07_optimizers", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w, traj = np.array(w0, dtype=float), [np.array(w0, dtype=float)]
    for _ in range(steps):
        w, _ = optimizer(w, grad_fn(w)[1], {}, **hparams)  # the state is not threaded: step 2 goes wrong
        traj.append(w)
    return w, np.array(traj)
''', "test_minimize_with_test_callbacks", "first wrong at trajectory[2]"),
])
def test_feedback_names_the_cause_of_a_first_attempt_error(course, tmp_path, aid, extra, test, words):
    """A KeyError reading an empty state was reported as the bare exception class (its message is withheld),
    and a test callback called without its keywords as a failure of "the test's helper function": the
    feedback now says what the student's code did."""
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    [t] = [t for t in a.tests if t.name == test]
    assert t.score == 0 and words in t.feedback, t.feedback


@pytest.mark.parametrize("extra, test, told, not_told", [
    ('''
def softmax_cross_entropy(Z, y):
    N = Z.shape[0]
    shifted = Z - np.max(Z, axis=1, keepdims=True)
    dZ = softmax(Z)
    dZ[np.arange(N), y] -= 1.0
    return float(-np.mean(shifted[np.arange(N), y])), dZ / N      # forgot the log-sum-exp term
''', "test_softmax_cross_entropy_matches_reference", "logsumexp(Z_i) - Z_i[y_i]", "summed"),
    ('''
_sce = softmax_cross_entropy
def softmax_cross_entropy(Z, y):
    loss, dZ = _sce(Z, y)
    return loss * len(y), dZ                                       # summed over the batch
''', "test_softmax_cross_entropy_matches_reference", "averaged (not summed)", "logsumexp"),
    ('''
def bce_with_logits(z, y):
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-z)))  # -z where -|z| belongs
    return float(loss), (sigmoid(z) - y) / z.size
''', "test_bce_with_logits_matches_reference", "max(z, 0) - z * y + log(1 + exp(-|z|))", "summed"),
], ids=["ce-no-logsumexp", "ce-summed", "bce-wrong-term"])
def test_a_wrong_01_loss_is_told_summing_only_when_it_summed(course, tmp_path, extra, test, told, not_told):
    """01's loss tests ended every wrong loss's feedback with "the loss is averaged (not summed)", sending a
    student who had averaged, but dropped a term, after a cause they did not have."""
    aid = "01_regression"
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    [t] = [t for t in a.tests if t.name == test]
    assert t.status == "failed" and told in t.feedback and not_told not in t.feedback, t.feedback


@pytest.mark.parametrize("extra, told", [
    ('''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        preds = perceptron(X, w, b)              # predicted once per epoch: stale after the first update
        mistakes = 0
        for xi, yi, pi in zip(X, y, preds):
            if yi != pi:
                w, b, mistakes = w + lr * (yi - pi) * xi, b + lr * (yi - pi), mistakes + 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
''', "stops after its first epoch without mistakes, as it should"),
    ('''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            y_hat = perceptron(xi, w, b)
            if y_hat != yi:
                w, b, mistakes = w - lr * (yi - y_hat) * xi, b + lr * (yi - y_hat), mistakes + 1   # w's sign flipped
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
''', "never had an epoch without mistakes"),
], ids=["stale-predictions", "update-sign"])
def test_a_perceptron_train_that_stops_right_is_not_told_to_fix_its_stopping(course, tmp_path, extra, told):
    """02 told every errors list of the wrong length to stop "after the first epoch without mistakes", also a loop
    that did exactly that but whose updates were wrong, and one whose run never had a clean epoch."""
    aid = "02_perceptron"
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    [t] = [t for t in a.tests if t.name == "test_perceptron_train_matches_reference_on_separable_data"]
    assert t.status == "failed" and told in t.feedback, t.feedback


@pytest.mark.parametrize("extra, test, told, not_told", [
    ('''
def standardize_apply(X, mean, std):
    return (X - mean) / (std + 1e-8)          # the training statistics, with an eps added
''', "test_standardize_apply_uses_training_statistics", "exactly (X - mean) / std", "not those of X"),
    ('''
def standardize_apply(X, mean, std):
    m, s = standardize_fit(X)                 # the statistics of X itself
    return (X - m) / s
''', "test_standardize_apply_uses_training_statistics", "not those of X", "exactly (X - mean) / std"),
    ('''
_ce_ref = softmax_cross_entropy
def softmax_cross_entropy(Z, y):
    shifted = Z - np.max(Z, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.mean(log_p[:, y])), _ce_ref(Z, y)[1]     # log-sum-exp, but an (N, N) block of labels
''', "test_softmax_cross_entropy_large_logits", "wrong at moderate logits too", "log-sum-exp"),
    ('''
def softmax_cross_entropy(Z, y):
    N = Z.shape[0]
    P = softmax(Z)
    loss = -np.mean(np.log(np.maximum(P[np.arange(N), y], 1e-300)))    # log of a clipped softmax
    dZ = P.copy()
    dZ[np.arange(N), y] -= 1.0
    return float(loss), dZ / N
''', "test_softmax_cross_entropy_large_logits", "log-sum-exp", "moderate logits"),
    ('''
def bce_with_logits(z, y):
    loss = np.mean(np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z))))    # the sign of z * y flipped
    return float(loss), (sigmoid(z) - y) / z.size
''', "test_bce_with_logits_large_logits_stay_finite", "wrong at moderate logits too", "log(sigmoid(z))"),
    ('''
def bce_with_logits(z, y):
    s = sigmoid(z)
    loss = -np.mean(y * np.log(s + 1e-12) + (1 - y) * np.log(1 - s + 1e-12))
    return float(loss), (s - y) / z.size
''', "test_bce_with_logits_large_logits_stay_finite", "log(sigmoid(z))", "moderate logits"),
    ('''
def entropy(p):
    return -np.sum(p * np.log(p + 1e-8), axis=-1)      # an eps inside the log
''', "test_entropy_matches_reference_batched", "p_k log p_k", "last axis only"),
    ('''
def entropy(p):
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0))    # over every axis
''', "test_entropy_matches_reference_batched", "last axis only", "p_k log p_k"),
], ids=["apply-eps", "apply-own-statistics", "ce-label-block", "ce-clipped-log", "bce-sign", "bce-eps-log",
        "entropy-eps", "entropy-all-axes"])
def test_regression_hints_name_the_mistake_the_result_shows(course, tmp_path, extra, test, told, not_told):
    """01's hints were fixed per test: an eps added to std was told not to use the statistics of X, and a loss
    with a wrong formula but computed stably was told, at large logits, to use log-sum-exp, and an entropy with an
    eps in its log to sum over the last axis only. The hint now follows what the result shows (the statistics of
    X; the same loss right at moderate logits; the shape of H)."""
    aid = "01_regression"
    sub = make_submission(tmp_path, course, {aid: reference_source(course, aid) + "\n\n" + extra})
    [a] = grade(course, sub, [aid]).assignments
    [t] = [t for t in a.tests if t.name == test]
    assert t.status == "failed" and told in t.feedback and not_told not in t.feedback, t.feedback
