"""Public tests for 02_perceptron. Run: pytest assignments/02_perceptron  (or: grader check 02_perceptron).

Small hand-checkable cases; the hidden tests check more inputs, dtypes, shapes and the exact
behaviour of the learning rule, so passing these is necessary, not sufficient.
"""

import numpy as np

import perceptron as P

X4 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])  # the four rows of a two-input truth table


def test_step_values_and_dtype():
    out = P.step(np.array([-1.0, 0.0, 0.5, 2.0]))
    np.testing.assert_array_equal(out, [0, 0, 1, 1])  # step(0) is 0
    assert np.asarray(out).dtype.kind in "iu"  # an integer array, not bool or float


def test_perceptron_batch_and_single_sample():
    w, b = np.array([1.0, -2.0]), 0.5
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]])  # x @ w + b = 1.5, -1.5, 0.5
    np.testing.assert_array_equal(P.perceptron(X, w, b), [1, 0, 1])
    assert np.shape(P.perceptron(X[1], w, b)) == ()  # one sample of shape (D,) gives one number
    assert P.perceptron(X[1], w, b) == 0


def test_gate_params_reproduce_truth_tables():
    truth = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}
    for name, table in truth.items():
        w, b = P.gate_params(name)
        assert np.shape(w) == (2,), name
        np.testing.assert_array_equal(P.perceptron(X4, w, b), table, err_msg=name)


def test_xor_truth_table():
    out = P.xor(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
    np.testing.assert_array_equal(out, [0, 1, 1, 0])
    assert np.asarray(out).dtype.kind in "iu", "xor returns integers, like step (not bool: no np.logical_and)"


def test_xor_mlp_params_compute_xor():
    W1, b1, W2, b2 = P.xor_mlp_params()
    assert np.shape(W1) == (2, 2) and np.shape(b1) == (2,) and np.shape(W2) == (2,) and np.ndim(b2) == 0
    h = P.step(X4 @ W1 + b1)
    np.testing.assert_array_equal(P.step(h @ W2 + b2), [0, 1, 1, 0])


def test_perceptron_train_learns_and_by_hand():
    # Traceable by hand with lr = 1 from w = (0, 0), b = 0. Epoch 1: only (1,1) is wrong (step(0) = 0),
    # so w = (1, 1), b = 1. Epoch 2 then errs on (0,0), (0,1) and (1,1), and so on.
    w, b, errors = P.perceptron_train(X4.astype(float), np.array([0, 0, 0, 1]), lr=1.0, epochs=20)
    assert list(errors) == [1, 3, 3, 2, 1, 0]  # stops after the first epoch without mistakes
    np.testing.assert_array_equal(w, [2.0, 1.0])
    assert float(b) == -2.0
    np.testing.assert_array_equal(P.perceptron(X4, w, b), [0, 0, 0, 1])


def test_perceptron_train_does_not_converge_on_xor():
    _, _, errors = P.perceptron_train(X4.astype(float), np.array([0, 1, 1, 0]), epochs=15)
    assert len(errors) == 15 and min(errors) > 0  # XOR is not linearly separable


def test_decision_boundary_points_on_line():
    w, b = np.array([2.0, 4.0]), -4.0
    x1 = np.array([0.0, 2.0, -2.0])
    x2 = P.decision_boundary(w, b, x1)
    np.testing.assert_allclose(x2, [1.0, 0.0, 2.0])
    np.testing.assert_allclose(w[0] * x1 + w[1] * x2 + b, 0.0, atol=1e-12)
