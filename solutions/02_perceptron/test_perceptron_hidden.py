"""Hidden tests for 02_perceptron."""

import numpy as np

from grader.checks import (assert_close, assert_equal, assert_scalar, assert_shape, call_each, call_unchanged,
                           describe, graded, unpack)

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
    # x @ w + b is exactly 0 for some rows: they must give 0
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5], [0.0, 0.0]])
    w, b = np.array([1.0, 1.0]), -1.0
    assert_equal("perceptron(x, w, b)", student.perceptron(X, w, b), ref.perceptron(X, w, b))


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
    """On how many of the 4 inputs the network step(step(x @ W1 + b1) @ W2 + b2), evaluated here, is not XOR."""
    h = _step(INPUTS @ np.asarray(W1, dtype=np.float64) + np.asarray(b1, dtype=np.float64))
    out = _step(h @ np.asarray(W2, dtype=np.float64) + assert_scalar("b2", b2))
    return int(np.sum(out != XOR))


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


@graded("perceptron_train", weight=2)
def test_perceptron_train_matches_reference_on_separable_data(student, ref):
    # Deterministic: zeros, samples in order, update only on mistakes, stop after a clean epoch.
    for seed, lr in zip(SEEDS, (0.5, 0.1, 2.0)):
        X, y = _separable(seed, d=2 + seed)
        w, b, errors = unpack(call_unchanged(student.perceptron_train, X, y, lr=lr, epochs=100), 3,
                              "perceptron_train")
        w_ref, b_ref, errors_ref = ref.perceptron_train(X, y, lr=lr, epochs=100)
        assert_equal("errors (mistakes per epoch, stopping after the first epoch without mistakes)",
                     _errors(errors), np.array(errors_ref))
        assert_close("w", w, w_ref, rtol=1e-9)
        assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-9)


@graded("perceptron_train", weight=1)
def test_perceptron_train_converges_and_separates(student):
    X, y = _separable(7, n=40)
    w, b, errors = unpack(student.perceptron_train(X, y), 3, "perceptron_train")  # defaults lr=1, epochs=100
    errors = _errors(errors)
    assert 0 < len(errors) < 100 and errors[-1] == 0, \
        "on linearly separable data training must stop after the first epoch with 0 mistakes"
    assert np.all(errors[:-1] > 0), "only the last epoch may be free of mistakes"
    w, b = _weights("perceptron_train", w, b)
    assert np.array_equal(_step(X @ w + b), y), "the learned (w, b) must classify every training point correctly"


@graded("perceptron_train", weight=1)
def test_perceptron_train_learns_gates(student, ref):
    for name, lr in (("OR", 0.3), ("NAND", 1.0), ("NOR", 0.1)):
        y = np.array(TRUTH[name])
        w, b, errors = unpack(student.perceptron_train(INPUTS, y, lr=lr, epochs=50), 3, "perceptron_train")
        w_ref, b_ref, errors_ref = ref.perceptron_train(INPUTS, y, lr=lr, epochs=50)
        w, b = _weights("perceptron_train", w, b)
        assert np.array_equal(_step(INPUTS @ w + b), y), f"the learned perceptron does not compute {name}"
        assert_equal(f"errors when learning {name}", _errors(errors), np.array(errors_ref))


@graded("perceptron_train", weight=1)
def test_perceptron_train_never_converges_on_xor(student):
    # One round trip: both XOR runs, and a run on separable data (the AND gate), which must converge: a loop
    # that never learns anything must not earn this test.
    xor_runs = ((20, 1.0), (7, 0.25))
    results = call_each(student.perceptron_train, [((INPUTS, XOR), dict(lr=lr, epochs=epochs))
                                                   for epochs, lr in xor_runs]
                        + [((INPUTS, np.array(TRUTH["AND"])), dict(lr=1.0, epochs=20))])
    for (epochs, _), result in zip(xor_runs, results):
        _, _, errors = unpack(result, 3, "perceptron_train")
        errors = _errors(errors)
        assert len(errors) == epochs, "XOR is not linearly separable: training must run all epochs"
        assert np.all(errors > 0), "XOR is not linearly separable: every epoch must have mistakes"
    w, b, errors = unpack(results[-1], 3, "perceptron_train")
    errors = _errors(errors)
    hint = "perceptron_train runs every epoch with mistakes on XOR, but on linearly separable data (the AND gate) it"
    assert 0 < len(errors) < 20 and errors[-1] == 0, f"{hint} does not stop after the first epoch with 0 mistakes"
    w, b = _weights("perceptron_train", w, b)
    assert np.array_equal(_step(INPUTS @ w + b), TRUTH["AND"]), f"{hint} does not learn a (w, b) that computes AND"


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
