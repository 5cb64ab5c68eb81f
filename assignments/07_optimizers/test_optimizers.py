"""Public tests for 07_optimizers: run `pytest assignments/07_optimizers` or
`grader check 07_optimizers`. Passing them is a good sign, not a guarantee: the hidden tests run
every optimizer for many steps with other hyperparameters and very small gradients."""

import math

import numpy as np
import pytest

import optimizers

OPTIMIZERS = ["sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam"]


def run(name, grads, w0, **hp):
    """Apply an optimizer to a list of gradients, threading the state; returns the list of points."""
    w, state, path = np.array(w0, dtype=float), {}, []
    for g in grads:
        w, state = getattr(optimizers, name)(w, np.array(g, dtype=float), state, **hp)
        path.append(w)
    return path


def test_sgd_one_step():
    w, state = optimizers.sgd(np.array([1.0, -2.0]), np.array([0.5, 1.0]), {}, lr=0.1)
    np.testing.assert_allclose(w, [0.95, -2.1])
    assert isinstance(state, dict)


def test_momentum_two_steps_by_hand():
    # v1 = 1, w1 = 1 - 0.1 * 1 = 0.9;  v2 = 0.9 * 1 + 1 = 1.9, w2 = 0.9 - 0.1 * 1.9 = 0.71
    path = run("sgd_momentum", [[1.0], [1.0]], [1.0], lr=0.1, momentum=0.9)
    np.testing.assert_allclose(np.concatenate(path), [0.9, 0.71])


def test_nesterov_two_steps_by_hand():
    # v1 = 1, w1 = 1 - 0.1 * (1 + 0.9 * 1) = 0.81;  v2 = 1.9, w2 = 0.81 - 0.1 * (1 + 0.9 * 1.9) = 0.539
    path = run("nesterov", [[1.0], [1.0]], [1.0], lr=0.1, momentum=0.9)
    np.testing.assert_allclose(np.concatenate(path), [0.81, 0.539])


def test_adagrad_accumulates_squared_gradients():
    # G1 = 4, w1 = 0 - 0.5 * 2 / 2 = -0.5;  G2 = 4 + 9 = 13, w2 = -0.5 - 0.5 * 3 / sqrt(13)
    path = run("adagrad", [[2.0], [3.0]], [0.0], lr=0.5)
    np.testing.assert_allclose(np.concatenate(path), [-0.5, -0.5 - 1.5 / math.sqrt(13)])


def test_rmsprop_first_step():
    # s1 = 0.01 * dw**2, so the first step is lr * dw / (0.1 |dw|) = 10 * lr * sign(dw)
    path = run("rmsprop", [[4.0, -0.5]], [0.0, 0.0], lr=0.01)
    np.testing.assert_allclose(path[0], [-0.1, 0.1], rtol=1e-6)


def test_adam_first_steps_are_about_lr():
    # bias correction: m_hat = dw and v_hat = dw**2 after one step, so the step is about lr * sign(dw)
    path = run("adam", [[3.0, -0.02], [3.0, -0.02]], [0.0, 0.0], lr=0.1)
    np.testing.assert_allclose(path[0], [-0.1, 0.1], rtol=1e-6)
    np.testing.assert_allclose(path[1], [-0.2, 0.2], rtol=1e-6)  # constant gradient: m_hat/sqrt(v_hat) = 1


@pytest.mark.parametrize("name, eps, expected", [
    ("adagrad", 1e-2, 1 / 11),  # sqrt(G) = 0.001
    ("rmsprop", 1e-3, 1 / 1.1),  # sqrt(s) = sqrt(0.01 * 1e-6) = 1e-4
    ("adam", 1e-2, 1 / 11),  # bias-corrected: sqrt(v_hat) = 0.001
], ids=["adagrad", "rmsprop", "adam"])
def test_eps_is_added_after_the_square_root(name, eps, expected):
    # First step with dw = 0.001: w1 = -lr * dw / (sqrt(...) + eps). With eps inside the root the
    # step would be about ten times smaller.
    path = run(name, [[1e-3]], [0.0], lr=0.5, eps=eps)
    np.testing.assert_allclose(path[0], [-0.5 * expected], rtol=1e-6,
                               err_msg=f"{name}: add eps after the square root, dw / (sqrt(...) + eps)")


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_do_not_modify_inputs(name):
    rng = np.random.default_rng(0)
    w, state = rng.normal(size=(2, 3)), {}
    for _ in range(3):
        dw = rng.normal(size=w.shape)
        w_copy, dw_copy = w.copy(), dw.copy()
        state_copy = {k: np.copy(v) for k, v in state.items()}
        w_next, state_next = getattr(optimizers, name)(w, dw, state, lr=0.01)
        np.testing.assert_array_equal(w, w_copy, err_msg=f"{name} changed its input w (w -= ...): build a new array")
        np.testing.assert_array_equal(dw, dw_copy, err_msg=f"{name} changed its input dw: build a new array")
        assert state.keys() == state_copy.keys(), f"{name} added keys to the state it was given: return a new dict"
        for k in state:
            np.testing.assert_array_equal(state[k], state_copy[k], err_msg=(
                f"{name} changed state[{k!r}] in place (G += ... on the array in state): build a new array"))
        assert w_next.shape == w.shape and isinstance(state_next, dict)
        w, state = w_next, state_next


def test_step_decay_values():
    assert [optimizers.step_decay(0.1, e) for e in (0, 9, 10, 25)] == pytest.approx([0.1, 0.1, 0.05, 0.025])
    assert optimizers.step_decay(1.0, 6, drop=0.1, every=3) == pytest.approx(0.01)


def test_cosine_schedule_values():
    assert optimizers.cosine_schedule(0.1, 0, 100) == pytest.approx(0.1)
    assert optimizers.cosine_schedule(0.1, 50, 100) == pytest.approx(0.05)
    assert optimizers.cosine_schedule(0.1, 100, 100, lr_min=0.01) == pytest.approx(0.01)


def test_rosenbrock_minimum_and_gradient():
    f, g = optimizers.rosenbrock(np.array([1.0, 1.0]))
    assert f == pytest.approx(0.0) and np.allclose(g, 0.0)
    w, h = np.array([-1.2, 1.0]), 1e-6
    _, g = optimizers.rosenbrock(w)
    num = [(optimizers.rosenbrock(w + h * e)[0] - optimizers.rosenbrock(w - h * e)[0]) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(g, num, rtol=1e-6)


def test_quadratic_value_and_gradient():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    f, g = optimizers.quadratic(np.array([1.0, -2.0]), A)
    assert f == pytest.approx(0.5 * (2.0 - 2.0 + 4.0))
    np.testing.assert_allclose(g, [1.0, -1.5])


def test_minimize_trajectory_shape_and_convergence():
    A = np.diag([1.0, 10.0])
    w0 = np.array([3.0, -2.0])
    w_final, traj = optimizers.minimize(lambda w: optimizers.quadratic(w, A), w0, optimizers.sgd, steps=200, lr=0.05)
    assert traj.shape == (201, 2)
    np.testing.assert_array_equal(traj[0], w0)
    np.testing.assert_array_equal(w_final, traj[-1])
    assert np.linalg.norm(w_final) < 1e-3


def test_momentum_beats_sgd_in_the_rosenbrock_valley():
    w0 = np.array([-1.2, 1.0])
    w_sgd, _ = optimizers.minimize(optimizers.rosenbrock, w0, optimizers.sgd, steps=3000, lr=1e-3)
    w_mom, _ = optimizers.minimize(optimizers.rosenbrock, w0, optimizers.sgd_momentum, steps=3000, lr=1e-3)
    assert optimizers.rosenbrock(w_mom)[0] < 1e-6 < optimizers.rosenbrock(w_sgd)[0]
    np.testing.assert_allclose(w_mom, [1.0, 1.0], atol=1e-4)
