"""Public tests for 03_backprop: small examples you can check by hand, shapes and gradient checks.

Run them with `pytest assignments/03_backprop` or `grader check 03_backprop`. Passing them is a
good sign, not a guarantee: the hidden tests use other inputs and check more properties.
"""

import math

import numpy as np
import pytest

import backprop


def num_grad(f, x, h=1e-6):
    """Centred differences of a scalar function f at x (independent of your numerical_gradient)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x.copy())
        x[i] = old - h
        fm = f(x.copy())
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def small_params(seed=0, d=3, h=4, c=3):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((d, h)), "b1": rng.standard_normal(h),
            "W2": rng.standard_normal((h, c)), "b2": rng.standard_normal(c)}


# ---------------------------------------------------------------- layers
def test_affine_forward_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 2.0]])
    b = np.array([0.5, 0.0, -1.0])
    out, _ = backprop.affine_forward(x, W, b)
    np.testing.assert_allclose(out, [[1.5, 2.0, 2.0], [3.5, 4.0, 4.0]])


def test_affine_backward_shapes_and_gradient_check():
    rng = np.random.default_rng(1)
    x, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    dout = rng.standard_normal((5, 2))
    _, cache = backprop.affine_forward(x, W, b)
    dx, dW, db = backprop.affine_backward(dout, cache)
    assert dx.shape == (5, 3), "dx must have x's shape (N, D)"
    assert dW.shape == (3, 2), "dW must have W's shape (D, M)"
    assert db.shape == (2,), "db must have b's shape (M,), not (1, M): sum over axis 0 without keepdims"
    np.testing.assert_allclose(dx, num_grad(lambda v: np.sum(backprop.affine_forward(v, W, b)[0] * dout), x), rtol=1e-6)
    np.testing.assert_allclose(dW, num_grad(lambda v: np.sum(backprop.affine_forward(x, v, b)[0] * dout), W), rtol=1e-6)
    np.testing.assert_allclose(db, num_grad(lambda v: np.sum(backprop.affine_forward(x, W, v)[0] * dout), b), rtol=1e-6)


def test_affine_forward_leaves_x_alone():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    backprop.affine_forward(x, np.ones((3, 2)), np.zeros(2))
    np.testing.assert_array_equal(x, before)


def test_sigmoid_at_zero():
    out, cache = backprop.sigmoid_forward(np.zeros((1, 3)))
    np.testing.assert_allclose(out, 0.5)
    # local gradient y (1 - y) = 0.25 at y = 0.5
    np.testing.assert_allclose(backprop.sigmoid_backward(np.full((1, 3), 2.0), cache), 0.5)


def test_sigmoid_backward_gradient_check():
    x = np.linspace(-3, 3, 8).reshape(2, 4)
    dout = np.cos(np.arange(8.0)).reshape(2, 4)
    _, cache = backprop.sigmoid_forward(x)
    dx = backprop.sigmoid_backward(dout, cache)
    np.testing.assert_allclose(dx, num_grad(lambda v: np.sum(backprop.sigmoid_forward(v)[0] * dout), x), rtol=1e-6)


def test_relu_forward_and_backward_by_hand():
    x = np.array([[-2.0, 0.0, 3.0]])
    out, cache = backprop.relu_forward(x)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 3.0]])
    dout = np.array([[5.0, 5.0, 5.0]])
    dx = backprop.relu_backward(dout, cache)
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 5.0]])  # gradient 0 at x = 0
    np.testing.assert_array_equal(dout, [[5.0, 5.0, 5.0]],
                                  err_msg="relu_backward changed its input dout: build a new array")


# ---------------------------------------------------------------- gates
def test_gates_on_the_classic_example():
    # f(x, y, z) = (x + y) * z at x = -2, y = 5, z = -4: q = x + y = 3, f = -12
    dq, dz = backprop.mul_gate_backward(3.0, -4.0, 1.0)   # mul swaps: df/dq = z, df/dz = q
    assert (dq, dz) == (-4.0, 3.0)
    dx, dy = backprop.add_gate_backward(dq)               # add distributes
    assert (dx, dy) == (-4.0, -4.0)


def test_max_and_copy_gates():
    dx, dy = backprop.max_gate_backward(2.0, 5.0, 1.5)    # max routes to the larger input
    assert (float(dx), float(dy)) == (0.0, 1.5)
    dx, dy = backprop.max_gate_backward(3.0, 3.0, 1.5)    # a tie goes to x
    assert (float(dx), float(dy)) == (1.5, 0.0)
    np.testing.assert_array_equal(backprop.copy_gate_backward(np.array([1.0, 2.0]), np.array([3.0, -1.0])), [4.0, 1.0])


# ---------------------------------------------------------------- network
def test_two_layer_init_shapes():
    params = backprop.two_layer_init(4, 10, 3, np.random.default_rng(0), weight_scale=0.1)
    assert params["W1"].shape == (4, 10) and params["b1"].shape == (10,)
    assert params["W2"].shape == (10, 3) and params["b2"].shape == (3,)
    assert np.all(params["b1"] == 0) and np.all(params["b2"] == 0)
    assert 0.0 < np.std(params["W1"]) < 0.2


def test_two_layer_forward_with_zero_weights_gives_b2():
    params = {"W1": np.zeros((2, 3)), "b1": np.ones(3), "W2": np.zeros((3, 4)), "b2": np.arange(4.0)}
    for act in ("relu", "sigmoid"):
        scores, _ = backprop.two_layer_forward(np.ones((5, 2)), params, hidden_activation=act)
        np.testing.assert_allclose(scores, np.tile(np.arange(4.0), (5, 1)))


def test_two_layer_backward_gradient_check():
    params = small_params(2)
    X = np.random.default_rng(3).standard_normal((5, 3))
    dscores = np.random.default_rng(4).standard_normal((5, 3))
    for act in ("relu", "sigmoid"):
        _, cache = backprop.two_layer_forward(X, params, hidden_activation=act)
        grads = backprop.two_layer_backward(dscores, cache)
        for k in ("W1", "b1", "W2", "b2"):
            def f(v):
                return np.sum(backprop.two_layer_forward(X, {**params, k: v}, hidden_activation=act)[0] * dscores)
            np.testing.assert_allclose(grads[k], num_grad(f, params[k]), rtol=1e-5, atol=1e-8, err_msg=f"{act} {k}")


def test_softmax_loss_of_a_blank_network_is_log_C():
    params = {"W1": np.zeros((3, 4)), "b1": np.zeros(4), "W2": np.zeros((4, 5)), "b2": np.zeros(5)}
    loss, grads = backprop.two_layer_loss(np.ones((6, 3)), np.arange(6) % 5, params)
    assert math.isclose(float(loss), math.log(5), rel_tol=1e-12)
    assert grads["b2"].shape == (5,)


def test_mse_sigmoid_loss_of_a_blank_network():
    params = {"W1": np.zeros((3, 4)), "b1": np.zeros(4), "W2": np.zeros((4, 2)), "b2": np.zeros(2)}
    targets = np.array([[1.0, 0.0], [0.0, 1.0]])
    loss, grads = backprop.two_layer_loss(np.ones((2, 3)), targets, params, loss="mse_sigmoid")
    # o = 0.5 everywhere: E = 0.5 * 4 * 0.25 / 2; dscores = (o - t) o (1 - o) / N = (0.5 - t) / 8
    assert math.isclose(float(loss), 0.25, rel_tol=1e-12)
    np.testing.assert_allclose(grads["b2"], ((0.5 - targets) / 8).sum(axis=0), atol=1e-15)


def test_two_layer_loss_gradient_check_with_l2():
    params = small_params(5)
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    for act, loss_name, targets in (("relu", "softmax", y), ("sigmoid", "mse_sigmoid", rng.random((4, 3)))):
        kw = {"hidden_activation": act, "loss": loss_name, "reg": 0.7}
        _, grads = backprop.two_layer_loss(X, targets, params, **kw)
        for k in ("W1", "b1", "W2", "b2"):
            num = num_grad(lambda v: float(backprop.two_layer_loss(X, targets, {**params, k: v}, **kw)[0]), params[k])
            np.testing.assert_allclose(grads[k], num, rtol=1e-5, atol=1e-8, err_msg=f"{act} {loss_name} {k}")


def test_l2_penalty_is_half_reg_sum_of_squared_weights():
    params = small_params(7)
    X, y = np.ones((2, 3)), np.array([0, 1])
    l0, _ = backprop.two_layer_loss(X, y, params, reg=0.0)
    l1, _ = backprop.two_layer_loss(X, y, params, reg=0.5)
    penalty = 0.25 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))  # biases are not regularized
    assert math.isclose(float(l1) - float(l0), penalty, rel_tol=1e-9)


# ---------------------------------------------------------------- gradient checking, predict, training
def test_numerical_gradient_of_a_quadratic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = backprop.numerical_gradient(lambda v: float(np.sum(v ** 2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)
    np.testing.assert_array_equal(x, before)  # x is left as it was found


def test_relative_error_by_hand():
    assert backprop.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert math.isclose(backprop.relative_error(np.array([1.0, 2.0]), np.array([3.0, 2.0])), 0.5)
    assert backprop.relative_error(np.zeros(3), np.zeros(3)) == 0.0  # the 1e-8 floor avoids 0 / 0


def test_predict_is_the_argmax_of_the_scores():
    params = small_params(8)
    X = np.random.default_rng(9).standard_normal((7, 3))
    labels = backprop.predict(X, params)
    assert labels.shape == (7,)
    np.testing.assert_array_equal(labels, np.argmax(backprop.two_layer_forward(X, params)[0], axis=1))


def test_train_two_layer_separates_three_clusters():
    rng = np.random.default_rng(10)
    centers = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    X = np.concatenate([c + 0.3 * rng.standard_normal((20, 2)) for c in centers])
    y = np.repeat(np.arange(3), 20)
    params, history = backprop.train_two_layer(X, y, hidden_dim=16, lr=1.0, epochs=20, batch_size=10, reg=1e-3,
                                               rng=np.random.default_rng(11))
    assert len(history["loss"]) == 20 and len(history["train_acc"]) == 20
    assert history["loss"][-1] < history["loss"][0]
    assert np.mean(backprop.predict(X, params) == y) >= 0.95


# ---------------------------------------------------------------- randomness only from rng
def global_random_state():
    """numpy's global random state (what np.random.seed and np.random.randn change), comparable with ==."""
    _, key, pos, has_gauss, gauss = np.random.get_state()
    return key.tobytes(), pos, has_gauss, gauss


@pytest.mark.parametrize("name", ["two_layer_init", "train_two_layer"])
def test_draws_only_from_rng(name):
    X, y = np.random.default_rng(12).standard_normal((12, 2)), np.arange(12) % 3

    def run(seed):
        if name == "two_layer_init":
            return backprop.two_layer_init(2, 5, 3, np.random.default_rng(seed))
        return backprop.train_two_layer(X, y, hidden_dim=5, lr=0.1, epochs=2, batch_size=4, reg=0.0,
                                        rng=np.random.default_rng(seed))[0]

    np.random.seed(12345)  # a global state that no earlier call has left behind
    before = global_random_state()
    first = run(0)
    untouched = global_random_state() == before  # (a bool: pytest would print both states, 2.5 kB each)
    assert untouched, \
        f"{name} used numpy's global random state (np.random.seed / randn / permutation): draw from the rng argument"
    again = run(0)
    for k in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(again[k], first[k], err_msg=(
            f"{name}: the same rng gave another {k}: draw only from the rng argument (and pass it on)"))

