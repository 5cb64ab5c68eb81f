"""Hidden tests for 07_optimizers.

Optimizers are run for many steps from an empty state, feeding their own state back, and only the
parameter trajectories are compared with the reference (state layouts and key names are free).
`minimize` is graded by consistency with the callbacks it is given (test-defined ones, or the
submission's own rosenbrock and optimizers), so it does not depend on the other functions being right.
"""

import numpy as np

from grader.checks import (as_float, assert_close, assert_shape, call_unchanged, graded, numeric_grad, unpack)

SEEDS = (0, 1, 2)
TRAJ_SEEDS = (0, 1)  # each trajectory is 50 calls: two seeds keep the suite fast
STEPS = 50
TRAJ = dict(rtol=1e-9, atol=1e-15)  # same formulas up to float reordering


def _ill_conditioned(seed, eigs=(0.5, 5.0, 50.0)):
    """A random rotation of diag(eigs): an elongated quadratic bowl (condition number 100)."""
    q, _ = np.linalg.qr(np.random.default_rng(100 + seed).normal(size=(len(eigs), len(eigs))))
    return q @ np.diag(eigs) @ q.T


def _step(fn, name, w, dw, state, hp):
    w_next, state_next = unpack(fn(w, dw, state, **hp), 2, name)
    assert_shape(f"{name}: w_next", w_next, np.shape(w))
    assert isinstance(state_next, dict), f"{name} must return the new state as a dict"
    return np.asarray(w_next, dtype=np.float64), state_next


def _trajectory(fn, name, w0, grads, hp):
    """Points after each step; grads is a list of gradients or a function w -> gradient."""
    w, state, path = w0, {}, []
    for k in range(STEPS if callable(grads) else len(grads)):
        dw = grads(w) if callable(grads) else grads[k]
        w, state = _step(fn, name, w, dw, state, hp)
        path.append(w)
    return np.array(path)


def _compare(student, ref, name, w0, grads, hp, what):
    got = _trajectory(getattr(student, name), name, w0, grads, hp)
    want = _trajectory(getattr(ref, name), name, w0, grads, hp)
    assert_close(f"{name}: w over {len(want)} steps from an empty state ({what}, hyperparameters {sorted(hp)})",
                 got, want, **TRAJ)


def _random_grads(rng, shape, scale=1.0):
    return [rng.normal(size=shape) * scale for _ in range(STEPS)]


def _tiny_grads(rng, shape):
    """Gradients of magnitude 1e-9 .. 1e-6: where eps sits matters."""
    return [10.0 ** rng.uniform(-9, -6, size=shape) * rng.choice([-1.0, 1.0], size=shape) for _ in range(STEPS)]


def _many_steps(student, ref, name, hps):
    for seed in TRAJ_SEEDS:
        rng = np.random.default_rng(seed)
        w0 = rng.normal(size=(4, 3))
        for hp in hps:
            _compare(student, ref, name, w0, _random_grads(rng, w0.shape, scale=rng.choice([1.0, 1e-2])), hp,
                     "random gradients")


def _small_grads(student, ref, name, hps):
    for seed in TRAJ_SEEDS:
        rng = np.random.default_rng(seed)
        w0 = rng.normal(size=6) * 1e-3
        for hp in hps:
            _compare(student, ref, name, w0, _tiny_grads(rng, w0.shape), hp, "gradients of size 1e-9 to 1e-6")


def _quadratic_path(student, ref, name, hp):
    for seed in TRAJ_SEEDS:
        A = _ill_conditioned(seed)
        w0 = np.random.default_rng(seed).normal(size=3) * 2
        _compare(student, ref, name, w0, lambda w: A @ w, hp, "ill-conditioned quadratic")


def _unchanged(student, name, hp):
    rng = np.random.default_rng(4)
    w, state = rng.normal(size=(3, 2)), {}
    fn = getattr(student, name)
    for _ in range(3):  # a non-empty state too
        w, state = _step(fn, name, w, rng.normal(size=w.shape), state, hp)
        call_unchanged(fn, w, rng.normal(size=w.shape), state, **hp)


# ----------------------------------------------------------------------------------------------
# optimizers
# ----------------------------------------------------------------------------------------------

@graded("sgd", weight=2)
def test_sgd_matches_reference(student, ref):
    _many_steps(student, ref, "sgd", ({}, {"lr": 0.3}))
    _quadratic_path(student, ref, "sgd", {"lr": 0.03})


@graded("sgd", weight=1)
def test_sgd_does_not_modify_inputs(student):
    _unchanged(student, "sgd", {"lr": 0.1})


@graded("sgd_momentum", weight=2)
def test_sgd_momentum_matches_reference(student, ref):
    _many_steps(student, ref, "sgd_momentum", ({}, {"lr": 0.05, "momentum": 0.8}))


@graded("sgd_momentum", weight=1)
def test_sgd_momentum_quadratic_trajectory(student, ref):
    _quadratic_path(student, ref, "sgd_momentum", {"lr": 0.01, "momentum": 0.95})


@graded("sgd_momentum", weight=1)
def test_sgd_momentum_does_not_modify_inputs(student):
    _unchanged(student, "sgd_momentum", {"lr": 0.1, "momentum": 0.7})


@graded("nesterov", weight=2)
def test_nesterov_matches_reference(student, ref):
    _many_steps(student, ref, "nesterov", ({}, {"lr": 0.05, "momentum": 0.8}))


@graded("nesterov", weight=1)
def test_nesterov_quadratic_trajectory(student, ref):
    _quadratic_path(student, ref, "nesterov", {"lr": 0.01, "momentum": 0.95})


@graded("nesterov", weight=1)
def test_nesterov_does_not_modify_inputs(student):
    _unchanged(student, "nesterov", {"lr": 0.1, "momentum": 0.7})


@graded("adagrad", weight=2)
def test_adagrad_matches_reference(student, ref):
    _many_steps(student, ref, "adagrad", ({}, {"lr": 0.3, "eps": 1e-6}))
    _quadratic_path(student, ref, "adagrad", {"lr": 0.5})


@graded("adagrad", weight=1)
def test_adagrad_small_gradients(student, ref):
    _small_grads(student, ref, "adagrad", ({}, {"lr": 0.05, "eps": 1e-8}))


@graded("adagrad", weight=1)
def test_adagrad_does_not_modify_inputs(student):
    _unchanged(student, "adagrad", {"lr": 0.1})


@graded("rmsprop", weight=2)
def test_rmsprop_matches_reference(student, ref):
    _many_steps(student, ref, "rmsprop", ({}, {"lr": 0.02, "decay": 0.9, "eps": 1e-6}))
    _quadratic_path(student, ref, "rmsprop", {"lr": 0.01, "decay": 0.95})


@graded("rmsprop", weight=1)
def test_rmsprop_small_gradients(student, ref):
    _small_grads(student, ref, "rmsprop", ({}, {"lr": 1e-3, "decay": 0.8, "eps": 1e-7}))


@graded("rmsprop", weight=1)
def test_rmsprop_does_not_modify_inputs(student):
    _unchanged(student, "rmsprop", {"lr": 0.1, "decay": 0.9})


@graded("adam", weight=3)
def test_adam_matches_reference(student, ref):
    _many_steps(student, ref, "adam", ({}, {"lr": 0.02, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6}))
    _quadratic_path(student, ref, "adam", {"lr": 0.05, "beta1": 0.85, "beta2": 0.99})


@graded("adam", weight=1)
def test_adam_first_step_is_bias_corrected(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        w, dw = rng.normal(size=5), rng.normal(size=5)
        for hp in ({}, {"lr": 0.1, "beta1": 0.7, "beta2": 0.9}):
            got, _ = _step(student.adam, "adam", w, dw, {}, hp)
            # after one step m_hat = dw and v_hat = dw**2: a step of about lr against the gradient's sign
            assert_close("adam: w after the first step (bias correction makes it about lr * sign(dw))",
                         got, ref.adam(w, dw, {}, **hp)[0], **TRAJ)


@graded("adam", weight=1)
def test_adam_small_gradients(student, ref):
    _small_grads(student, ref, "adam", ({}, {"lr": 1e-2, "beta1": 0.8, "beta2": 0.95, "eps": 1e-7}))


@graded("adam", weight=1)
def test_adam_does_not_modify_inputs(student):
    _unchanged(student, "adam", {"lr": 0.01, "beta1": 0.8})


# ----------------------------------------------------------------------------------------------
# schedules
# ----------------------------------------------------------------------------------------------

@graded("step_decay", weight=1)
def test_step_decay_matches_reference(student, ref):
    for lr0, kw in ((0.2, {}), (0.05, {"drop": 0.3, "every": 7}), (1.0, {"drop": 0.9, "every": 1})):
        got = np.array([as_float("lr", student.step_decay(lr0, e, **kw)) for e in range(45)])
        assert_close(f"step_decay for epochs 0..44 (keyword arguments {sorted(kw)})", got,
                     [ref.step_decay(lr0, e, **kw) for e in range(45)], rtol=1e-12)


@graded("cosine_schedule", weight=1)
def test_cosine_schedule_matches_reference(student, ref):
    for lr0, total, kw in ((0.1, 37, {}), (0.5, 20, {"lr_min": 0.02})):
        got = np.array([as_float("lr", student.cosine_schedule(lr0, t, total, **kw)) for t in range(total + 1)])
        assert_close(f"cosine_schedule for t = 0..total (keyword arguments {sorted(kw)})", got,
                     [ref.cosine_schedule(lr0, t, total, **kw) for t in range(total + 1)], rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------------------------
# test functions
# ----------------------------------------------------------------------------------------------

def _f_and_grad(result, name, dim):
    f, grad = unpack(result, 2, name)
    assert_shape(f"{name}: grad", grad, (dim,))
    return as_float(f"{name}: f", f), np.asarray(grad, dtype=np.float64)


@graded("rosenbrock", weight=1)
def test_rosenbrock_values_gradient_and_minimum(student, ref):
    rng = np.random.default_rng(0)
    for w in [np.array([-1.2, 1.0]), np.array([0.3, -0.7])] + [rng.uniform(-2, 2, size=2) for _ in range(3)]:
        f, grad = _f_and_grad(call_unchanged(student.rosenbrock, w), "rosenbrock", 2)
        f_ref, grad_ref = ref.rosenbrock(w)
        assert_close("rosenbrock: f", f, f_ref, rtol=1e-12)
        assert_close("rosenbrock: grad", grad, grad_ref, rtol=1e-10)
        assert_close("rosenbrock: grad (vs numerical gradient of your f)", grad,
                     numeric_grad(lambda z: as_float("f", student.rosenbrock(z)[0]), w), rtol=1e-6, atol=1e-6)
    f, grad = _f_and_grad(student.rosenbrock(np.array([1.0, 1.0])), "rosenbrock", 2)
    assert_close("rosenbrock: f at the minimum (1, 1)", f, 0.0, atol=1e-14)
    assert_close("rosenbrock: grad at the minimum (1, 1)", grad, np.zeros(2), atol=1e-14)


@graded("quadratic", weight=1)
def test_quadratic_values_and_gradient(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        A = _ill_conditioned(seed, eigs=(0.1, 1.0, 3.0, 20.0))
        w = rng.normal(size=4)
        f, grad = _f_and_grad(call_unchanged(student.quadratic, w, A), "quadratic", 4)
        f_ref, grad_ref = ref.quadratic(w, A)
        assert_close("quadratic: f (0.5 w^T A w)", f, f_ref, rtol=1e-10)
        assert_close("quadratic: grad", grad, grad_ref, rtol=1e-10, atol=1e-13)
        assert_close("quadratic: grad (vs numerical gradient of your f)", grad,
                     numeric_grad(lambda z: as_float("f", student.quadratic(z, A)[0]), w), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# minimize
# ----------------------------------------------------------------------------------------------

def _check_minimize(result, w0, expected, what):
    w_final, traj = unpack(result, 2, "minimize")
    assert_shape("minimize: trajectory", traj, expected.shape)
    assert_close(f"minimize: trajectory[0] (must be w0; {what})", np.asarray(traj)[0], w0, rtol=0, atol=0)
    assert_close(f"minimize: trajectory ({what})", traj, expected, rtol=1e-10, atol=1e-14)
    assert_close(f"minimize: w_final (must equal trajectory[-1]; {what})", w_final, expected[-1],
                 rtol=1e-10, atol=1e-14)


def _expected_path(grad_fn, w0, optimizer, steps, hp):
    w, state, path = np.array(w0, dtype=np.float64), {}, [np.array(w0, dtype=np.float64)]
    for _ in range(steps):
        _, dw = grad_fn(w)
        w, state = optimizer(w, dw, state, **hp)
        w = np.asarray(w, dtype=np.float64)
        path.append(w)
    return np.array(path)


@graded("minimize", weight=2)
def test_minimize_with_test_callbacks(student):
    for seed in TRAJ_SEEDS:
        A = _ill_conditioned(seed)
        w0 = np.random.default_rng(seed).normal(size=3) * 3

        def grad_fn(w):
            w = np.asarray(w, dtype=np.float64)
            return 0.5 * float(w @ A @ w), A @ w

        def heavy_ball(w, dw, state, *, lr, beta):  # threads a velocity and a step count through state
            v = beta * state.get("vel", np.zeros_like(dw)) + np.asarray(dw)
            k = state.get("k", 0) + 1
            return np.asarray(w) - lr * v, {"vel": v, "k": k}

        for steps in (40, 1, 0):
            hp = {"lr": 0.02, "beta": 0.85}
            result = call_unchanged(student.minimize, grad_fn, w0, heavy_ball, steps=steps, **hp)
            _check_minimize(result, w0, _expected_path(grad_fn, w0, heavy_ball, steps, hp),
                            f"{steps} steps of a test optimizer on a quadratic")
    w_final, _ = unpack(student.minimize(grad_fn, w0, heavy_ball, steps=150, lr=0.02, beta=0.85), 2, "minimize")
    assert np.linalg.norm(np.asarray(w_final)) < 1e-3 * np.linalg.norm(w0), \
        "minimize: 150 steps of a convergent optimizer should reach the minimum of the quadratic"


@graded("minimize", weight=1)
def test_minimize_with_own_functions_on_rosenbrock(student):
    w0 = np.array([-1.2, 1.0])
    for name, steps, hp in (("adam", 60, {"lr": 0.05, "beta1": 0.8}), ("sgd_momentum", 40, {"lr": 5e-4})):
        optimizer = getattr(student, name)
        result = student.minimize(student.rosenbrock, w0, optimizer, steps=steps, **hp)
        expected = _expected_path(lambda w: student.rosenbrock(w), w0, optimizer, steps, hp)
        _check_minimize(result, w0, expected, f"your rosenbrock and your {name}")
