"""Hidden tests for 02_perceptron."""

import numpy as np

from grader.checks import (assert_close, assert_equal, assert_scalar, assert_shape, call_each, call_unchanged,
                           describe, graded, reference, unpack)
from grader.errors import ConfinementFailed

SEEDS = (0, 1, 2)

INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TRUTH = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}
XOR = np.array([0, 1, 1, 0])


def _integer(name, value):
    """value is an integer array or integer number (any integer dtype); returned as an array."""
    arr = np.asarray(value) if isinstance(value, (np.ndarray, np.generic, int)) else None
    if arr is None or isinstance(value, bool) or arr.dtype.kind not in "iu":
        raise AssertionError(f"{name}: expected integers (an integer array), got {describe(value)}")
    return arr


def _step(z):
    return (np.asarray(z) > 0).astype(np.int64)


def _weights(name, w, b, d=2):
    """A weight vector of shape (d,) and a scalar bias, as float64."""
    assert_shape(f"{name}: w", w, (d,))
    return np.asarray(w, dtype=np.float64), assert_scalar(f"{name}: b", b)


def _separable(seed, n=30, d=2):
    """Linearly separable 0/1-labelled points with a margin (so the perceptron converges quickly)."""
    rng = np.random.default_rng(seed)
    w_true, b_true = rng.standard_normal(d), rng.uniform(-0.5, 0.5)
    X = rng.uniform(-2.0, 2.0, (4 * n, d))
    margin = (X @ w_true + b_true) / np.linalg.norm(w_true)
    X = X[np.abs(margin) > 0.3][:n]
    return X, (X @ w_true + b_true > 0).astype(np.int64)


# ---------------------------------------------------------------- step and perceptron

@graded("step", weight=1)
def test_step_values_shape_and_dtype(student, ref):
    z = np.array([[-2.0, 0.0, 3.5], [1e-300, -1e-300, -0.0], [7.0, -0.5, 0.25]])
    out = call_unchanged(student.step, z)
    _integer("step(z)", out)
    assert_equal("step(z)", out, ref.step(z))


@graded("step", weight=1)
def test_step_is_zero_at_zero(student):
    out = student.step(np.zeros(4))
    _integer("step(0)", out)
    assert_equal("step(0)", out, np.zeros(4, dtype=np.int64))
    assert_equal("step(z) for a 0-d z = 0", student.step(np.array(0.0)), 0)
    assert_equal("step(z) for a 0-d z > 0", student.step(np.array(2.5)), 1)


@graded("perceptron", weight=2)
def test_perceptron_batch_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((9, 3))
        w, b = rng.standard_normal(3), float(rng.uniform(-1, 1))
        out = call_unchanged(student.perceptron, X, w, b)
        _integer("perceptron(x, w, b)", out)
        assert_equal("perceptron(x, w, b)", out, ref.perceptron(X, w, b))


@graded("perceptron", weight=1)
def test_perceptron_boundary_point_gives_zero(student, ref):
    # x @ w + b is exactly 0 for some rows: they must give 0, for a batch and for one sample of shape (D,) alike
    # (a single-sample path written separately, with >=, is a classic slip)
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5], [0.0, 0.0]])
    w, b = np.array([1.0, 1.0]), -1.0
    assert_equal("perceptron(x, w, b)", student.perceptron(X, w, b), ref.perceptron(X, w, b))
    for x, out in zip(X, call_each(student.perceptron, [((x, w, b), {}) for x in X])):
        assert_equal("perceptron(x, w, b) for one sample x of shape (D,) (step(0) is 0)", out, ref.perceptron(x, w, b))


@graded("perceptron", weight=1)
def test_perceptron_single_sample(student, ref):
    w, b = np.array([0.5, -1.0, 2.0]), -0.25
    for x in (np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0]), np.array([2.0, 1.0, 0.0])):
        out = call_unchanged(student.perceptron, x, w, b)
        _integer("perceptron(x, w, b) for x of shape (D,)", out)
        assert_equal("perceptron(x, w, b) for x of shape (D,)", out, ref.perceptron(x, w, b))


# ---------------------------------------------------------------- logic gates

def _check_gate(student, name):
    w, b = _weights(f'gate_params("{name}")', *unpack(student.gate_params(name), 2, "gate_params"))
    out = _step(INPUTS @ w + b)  # evaluated here, independently of your perceptron()
    if not np.array_equal(out, TRUTH[name]):
        wrong = int(np.sum(out != TRUTH[name]))
        raise AssertionError(f"{name}: step(x @ w + b) is wrong on {wrong} of the 4 rows of the truth table")


@graded("gate_params", weight=1)
def test_gate_params_and(student):
    _check_gate(student, "AND")


@graded("gate_params", weight=1)
def test_gate_params_or(student):
    _check_gate(student, "OR")


@graded("gate_params", weight=1)
def test_gate_params_nand(student):
    _check_gate(student, "NAND")


@graded("gate_params", weight=1)
def test_gate_params_nor(student):
    _check_gate(student, "NOR")


# ---------------------------------------------------------------- XOR

@graded("xor", weight=1)
def test_xor_truth_table(student):
    out = student.xor(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
    _integer("xor(x1, x2)", out)  # like step and perceptron, xor returns an integer array (not bool or float)
    assert_equal("xor(x1, x2)", out, XOR)


@graded("xor", weight=2)
def test_xor_random_arrays(student):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        x1, x2 = rng.integers(0, 2, 11 + seed), rng.integers(0, 2, 11 + seed)
        out = call_unchanged(student.xor, x1, x2)
        _integer("xor(x1, x2) for integer inputs", out)
        assert_equal("xor(x1, x2) for integer inputs", out, x1 ^ x2)
        out = call_unchanged(student.xor, x1.astype(np.float64), x2.astype(np.float64))
        _integer("xor(x1, x2) for float 0./1. inputs", out)
        assert_equal("xor(x1, x2) for float 0./1. inputs", out, x1 ^ x2)


def _xor_mistakes(W1, b1, W2, b2):
    """On how many of the 4 inputs the network step(step(x @ W1 + b1) @ W2 + b2), evaluated here, is not XOR.

    Shapes that still give one output per input (b1 (1, 2), W2 (2, 1)) are judged on those outputs: the
    shapes test charges the shape. Shapes that do not (b1 (2, 1)) fail with the shapes named, not numpy's
    broadcasting error or a count over a broadcast (4, 4) comparison."""
    shapes = "expected W1 (2, 2), b1 (2,) and W2 (2,), with x of shape (4, 2) holding the 4 inputs as rows"
    try:
        W1, b1, W2 = (np.asarray(v, dtype=np.float64) for v in (W1, b1, W2))
        h = _step(INPUTS @ W1 + b1)
        out = _step(h @ W2 + assert_scalar("b2", b2))
    except (TypeError, ValueError):
        raise AssertionError(f"step(step(x @ W1 + b1) @ W2 + b2) cannot be evaluated: {shapes}") from None
    if out.size != 4:
        raise AssertionError(f"step(step(x @ W1 + b1) @ W2 + b2) has shape {out.shape}, not one output per "
                             f"input: {shapes}")
    return int(np.sum(out.reshape(4) != XOR))


@graded("xor_mlp_params", weight=1)
def test_xor_mlp_params_shapes(student):
    W1, b1, W2, b2 = unpack(student.xor_mlp_params(), 4, "xor_mlp_params")
    assert_shape("W1", W1, (2, 2))
    assert_shape("b1", b1, (2,))
    assert_shape("W2", W2, (2,))
    assert_scalar("b2", b2)
    # placeholders of the right shapes (zeros) must not earn this test: the network must also compute XOR
    wrong = _xor_mistakes(W1, b1, W2, b2)
    assert wrong == 0, (f"W1, b1, W2, b2 have the right shapes, but the network they define differs from XOR on "
                        f"{wrong} of the 4 inputs")


@graded("xor_mlp_params", weight=2)
def test_xor_mlp_params_network_computes_xor(student):
    W1, b1, W2, b2 = unpack(student.xor_mlp_params(), 4, "xor_mlp_params")
    assert_shape("W1", W1, (2, 2))
    wrong = _xor_mistakes(W1, b1, W2, b2)
    if wrong:
        raise AssertionError(f"step(step(x @ W1 + b1) @ W2 + b2) differs from XOR on {wrong} of the 4 inputs "
                             "(rows of x are samples; column j of W1 is hidden unit j)")


# ---------------------------------------------------------------- perceptron learning rule

def _errors(value):
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise AssertionError(f"errors: expected a list of mistake counts, got {describe(value)}")
    arr = np.asarray(value)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iuf"):
        raise AssertionError("errors: expected a flat list of numbers, one per epoch")
    return arr


def _check_errors(name, errors, errors_ref, epochs):
    """errors equals the reference's (a run that converged within ``epochs``); a wrong length is reported without
    the reference's epoch count, naming what the student's own list shows: a loop that stops as it should but
    takes another number of epochs has wrong updates, not a wrong stopping rule."""
    errors = _errors(errors)
    if len(errors) != len(errors_ref):
        got = f"{len(errors)} {'entry' if len(errors) == 1 else 'entries'}"
        how = "too many" if len(errors) > len(errors_ref) else "too few"
        if len(errors) and np.any(errors[:-1] == 0):
            why = "training must stop after the first epoch without mistakes, and yours went on after one"
        elif len(errors) and errors[-1] == 0:
            why = ("your loop stops after its first epoch without mistakes, as it should, but the rule from w = 0, "
                   "b = 0 needs a different number of epochs here, so the updates differ: visit the samples in order "
                   "i = 0 .. N-1, predict each with w and b as updated by the samples before it, and on a mistake "
                   "update w += lr (y - y_hat) x and b += lr (y - y_hat)")
        elif len(errors) >= epochs:
            why = ("your run never had an epoch without mistakes, but the rule converges on this linearly separable "
                   "data: check the update (its sign, lr, and the bias) and the prediction step(x @ w + b)")
        else:
            why = ("your run stopped after an epoch whose entry is not 0: errors[e] is the number of mistakes "
                   "(updates) in epoch e, and training stops after the first epoch with 0 mistakes (or after `epochs`)")
        raise AssertionError(f"{name}: errors must have one entry per epoch run; got {got}, which is {how}: {why}")
    assert_equal(name, errors, np.asarray(errors_ref))


def _label(value):
    """A prediction of the student's perceptron as 0 or 1, or None when it is neither."""
    arr = np.asarray(value) if isinstance(value, (np.ndarray, np.generic, int, float, bool)) else None
    if arr is None or arr.size != 1 or arr.dtype.kind not in "biuf" or arr.reshape(-1)[0] not in (0, 1):
        return None
    return int(arr.reshape(-1)[0])


def _run_rule(X, y, lr, epochs, predict):
    """Rosenblatt's rule as perceptron_train's docstring states it, with predictions from predict(xi, w, b)."""
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = int(yi) - predict(xi, w, b)
            if delta:
                w, b, mistakes = w + lr * delta * xi, b + lr * delta, mistakes + 1
        errors.append(mistakes)
        if not mistakes:
            break
    return w, b, errors


def _own_perceptron_explains(student, X, y, lr, epochs, result, rounds=8, budget=1000):
    """True when result is the run of the rule whose predictions come from the student's own perceptron, and
    that perceptron disagrees with step(x @ w + b) during the run: then perceptron is at fault (its own tests
    take its points), not perceptron_train, which may call it as the reference does.

    Each prediction depends on the updates before it, so the run is guessed, every guessed query goes to the
    worker in one round trip, and the run is redone from the first wrong guess: one round trip per wrong guess.
    A guess is the student's last answer for a query whose x @ w + b had the same sign (a >= at 0 then costs
    one round trip, not one per zero), else step(x @ w + b). A correct perceptron never disagrees with step,
    so no bug of perceptron_train itself is excused. Only failing submissions get here, and at most `rounds`
    round trips and `budget` queries are spent (a perceptron wrong far more often, say without its bias, would
    cost hundreds of milliseconds to replay; perceptron_train then loses points as its caller)."""
    known = []  # the student's answers to the first len(known) queries of the run
    queries, seen = [], {}  # this round's (xi, w, b, x @ w + b, guess); sign of x @ w + b -> last known answer

    def predict(xi, w, b):
        z = float(xi @ w + b)
        k, sign = len(queries), (z > 0) - (z < 0)
        guess = known[k] if k < len(known) else seen.get(sign, int(z > 0))
        if k < len(known):
            seen[sign] = guess
        queries.append((xi, w, b, z, guess))
        return guess

    for _ in range(rounds):
        queries.clear()
        seen.clear()
        w, b, errors = _run_rule(X, y, lr, epochs, predict)
        asked = queries[len(known):]
        budget -= len(asked)
        if budget < 0:
            return False
        try:
            answers = call_each(student.perceptron, [((xi, wq, bq), {}) for xi, wq, bq, _, _ in asked])
        except ConfinementFailed:
            raise
        except Exception:  # noqa: BLE001 - whatever the student's perceptron raised, it explains nothing
            return False
        for (_, _, _, _, guess), answer in zip(asked, answers):
            label = _label(answer)
            if label is None:
                return False
            known.append(label)
            if label != guess:
                break
        else:  # every guess was right: this is the run with the student's perceptron
            if all(label == int(q[3] > 0) for label, q in zip(known, queries)):
                return False  # the student's perceptron agreed with step throughout
            try:
                w_s, b_s, errors_s = unpack(result, 3, "perceptron_train")
                assert_equal("errors", _errors(errors_s), np.array(errors))
                assert_close("w", w_s, w, rtol=1e-9)
                assert_close("b", assert_scalar("b", b_s), b, rtol=1e-9)
            except AssertionError:
                return False
            return True
    return False


def _unless_own_perceptron(student, X, y, lr, epochs, result, check, *args):
    """check(result, *args), unless its failure comes from the student's perceptron (see
    _own_perceptron_explains)."""
    try:
        check(result, *args)
    except AssertionError:
        if not _own_perceptron_explains(student, X, y, lr, epochs, result):
            raise


def _check_same_run(result, run_ref):
    w, b, errors = unpack(result, 3, "perceptron_train")
    w_ref, b_ref, errors_ref = run_ref
    _check_errors("errors (mistakes per epoch)", errors, errors_ref, 100)
    assert_close("w", w, w_ref, rtol=1e-9)
    assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-9)


@graded("perceptron_train", weight=2)
def test_perceptron_train_matches_reference_on_separable_data(student, ref):
    # Deterministic: zeros, samples in order, update only on mistakes, stop after a clean epoch.
    for seed, lr in zip(SEEDS, (0.5, 0.1, 2.0)):
        X, y = _separable(seed, d=2 + seed)
        result = call_unchanged(student.perceptron_train, X, y, lr=lr, epochs=100)
        _unless_own_perceptron(student, X, y, lr, 100, result, _check_same_run,
                               reference(ref.perceptron_train, X, y, lr=lr, epochs=100))


def _check_separates(result, X, y):
    w, b, errors = unpack(result, 3, "perceptron_train")
    errors = _errors(errors)
    assert len(errors) < 100 or np.any(errors == 0), (
        "on linearly separable data the rule converges, but your run never had an epoch without mistakes: check the "
        "update (its sign, lr, and the bias) and the prediction step(x @ w + b)")
    assert 0 < len(errors) < 100 and errors[-1] == 0, \
        "on linearly separable data training must stop after the first epoch with 0 mistakes"
    assert np.all(errors[:-1] > 0), "only the last epoch may be free of mistakes"
    w, b = _weights("perceptron_train", w, b)
    assert np.array_equal(_step(X @ w + b), y), "the learned (w, b) must classify every training point correctly"


@graded("perceptron_train", weight=1)
def test_perceptron_train_converges_and_separates(student):
    X, y = _separable(7, n=40)
    result = student.perceptron_train(X, y)  # defaults lr=1, epochs=100
    _unless_own_perceptron(student, X, y, 1.0, 100, result, _check_separates, X, y)


def _check_learned_gate(result, name, errors_ref):
    w, b, errors = unpack(result, 3, "perceptron_train")
    w, b = _weights("perceptron_train", w, b)
    assert np.array_equal(_step(INPUTS @ w + b), TRUTH[name]), f"the learned perceptron does not compute {name}"
    _check_errors(f"errors when learning {name}", errors, errors_ref, 50)


@graded("perceptron_train", weight=1)
def test_perceptron_train_learns_gates(student, ref):
    float_runs = (("OR", 0.3), ("NAND", 1.0), ("NOR", 0.1))
    results = call_each(student.perceptron_train, [((INPUTS, np.array(TRUTH[name])), {"lr": lr, "epochs": 50})
                                                   for name, lr in float_runs])
    # X stays float64 (COURSE_SPEC: tests use float64), so w = np.zeros_like(X[0]) is fine here
    for (name, lr), result in zip(float_runs, results):
        y = np.array(TRUTH[name])
        _, _, errors_ref = reference(ref.perceptron_train, INPUTS, y, lr=lr, epochs=50)
        _unless_own_perceptron(student, INPUTS, y, lr, 50, result, _check_learned_gate, name, errors_ref)


def _check_xor_run(result, epochs):
    _, _, errors = unpack(result, 3, "perceptron_train")
    errors = _errors(errors)
    assert len(errors) == epochs, "XOR is not linearly separable: training must run all epochs"
    assert np.all(errors > 0), "XOR is not linearly separable: every epoch must have mistakes"


def _check_and_run(result):
    w, b, errors = unpack(result, 3, "perceptron_train")
    errors = _errors(errors)
    hint = "perceptron_train runs every epoch with mistakes on XOR, but on linearly separable data (the AND gate) it"
    assert np.any(errors == 0), (f"{hint} never has an epoch without mistakes, though the rule converges there: check "
                                 "the update (its sign, lr, and the bias)")
    assert 0 < len(errors) < 20 and errors[-1] == 0, f"{hint} does not stop after the first epoch with 0 mistakes"
    w, b = _weights("perceptron_train", w, b)
    assert np.array_equal(_step(INPUTS @ w + b), TRUTH["AND"]), f"{hint} does not learn a (w, b) that computes AND"


@graded("perceptron_train", weight=1)
def test_perceptron_train_never_converges_on_xor(student):
    # One round trip: both XOR runs, and a run on separable data (the AND gate), which must converge: a loop
    # that never learns anything must not earn this test.
    xor_runs = ((20, 1.0), (7, 0.25))
    results = call_each(student.perceptron_train, [((INPUTS, XOR), {"lr": lr, "epochs": epochs})
                                                   for epochs, lr in xor_runs]
                        + [((INPUTS, np.array(TRUTH["AND"])), {"lr": 1.0, "epochs": 20})])
    for (epochs, lr), result in zip(xor_runs, results):
        _unless_own_perceptron(student, INPUTS, XOR, lr, epochs, result, _check_xor_run, epochs)
    _unless_own_perceptron(student, INPUTS, np.array(TRUTH["AND"]), 1.0, 20, results[-1], _check_and_run)


def _check_default_lr(result, run_ref):
    """A run with the default arguments is the rule's run with lr=1.0. From w = 0 the predictions do not
    depend on lr (w and b are lr times the unscaled sums), so a wrong default lr still separates the data
    and makes the same mistakes: only w and b show it, scaled."""
    w, b, errors = unpack(result, 3, "perceptron_train")
    w_ref, b_ref, errors_ref = run_ref
    _check_errors("errors with the default arguments", errors, errors_ref, 100)
    try:
        assert_close("w", w, w_ref, rtol=1e-9)
        assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-9)
    except AssertionError as err:
        raise AssertionError(f"perceptron_train(X, y) with the default arguments makes the right mistakes, but {err}: "
                             "the default learning rate is lr=1.0 (see the signature)") from None


def _check_default_epochs(result, epochs):
    _, _, errors = unpack(result, 3, "perceptron_train")
    errors = _errors(errors)
    assert len(errors) == epochs, (f"perceptron_train(X, y) on XOR with the default arguments ran {len(errors)} "
                                   f"epochs: XOR never converges, so it must run the default epochs={epochs} "
                                   "(see the signature)")


@graded("perceptron_train", weight=1)
def test_perceptron_train_default_arguments(student, ref):
    # lr=1.0 and epochs=100 are part of the signature (callers rely on them). The other tests pass both
    # explicitly, or use the defaults only where a wrong default cannot show (separable data converges in a
    # few epochs; the mistakes do not depend on lr). One round trip for both runs.
    X, y = _separable(7, n=40)
    sep_run, xor_run = call_each(student.perceptron_train, [((X, y), {}), ((INPUTS, XOR), {})])
    _unless_own_perceptron(student, X, y, 1.0, 100, sep_run, _check_default_lr, reference(ref.perceptron_train, X, y))
    _unless_own_perceptron(student, INPUTS, XOR, 1.0, 100, xor_run, _check_default_epochs, 100)


# ---------------------------------------------------------------- decision boundary

@graded("decision_boundary", weight=1)
def test_decision_boundary_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        w = np.array([rng.standard_normal(), rng.choice([-1, 1]) * rng.uniform(0.5, 2.0)])
        b, x1 = float(rng.uniform(-2, 2)), np.linspace(-3, 3, 5 + seed)
        x2 = call_unchanged(student.decision_boundary, w, b, x1)
        assert_close("x2", x2, ref.decision_boundary(w, b, x1), rtol=1e-10, atol=1e-12)


@graded("decision_boundary", weight=1)
def test_decision_boundary_points_lie_on_the_line(student):
    w, b = np.array([-1.5, 0.8]), 0.7
    x1 = np.array([-2.0, -0.5, 0.0, 1.0, 3.0])
    x2 = student.decision_boundary(w, b, x1)
    assert_shape("x2", x2, x1.shape)
    residual = w[0] * x1 + w[1] * np.asarray(x2, dtype=np.float64) + b
    assert np.all(np.abs(residual) <= 1e-10), "the points (x1, x2) must satisfy w[0] x1 + w[1] x2 + b = 0"
