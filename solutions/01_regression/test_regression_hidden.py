"""Hidden tests for 01_regression, part 1: preprocessing, linear and logistic regression."""

import numpy as np

from grader.checks import (as_float, assert_close, assert_scalar, assert_shape, call_unchanged, graded,
                           numeric_grad, unpack)

SEEDS = (0, 1, 2)


def _close(name, actual, expected, hint, **tol):
    """assert_close whose failure message ends with a hint about the likely mistake."""
    try:
        assert_close(name, actual, expected, **tol)
    except AssertionError as err:
        raise AssertionError(f"{err}; {hint}") from None


def _vector(name, value, n):
    """A returned sequence (list, tuple or array) of n numbers, as a float64 array."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise AssertionError(f"{name}: expected a list or array of {n} numbers")
    arr = np.asarray(value)
    assert arr.dtype.kind in "iuf", f"{name}: expected numbers"
    assert arr.shape == (n,), f"{name}: expected {n} entries (one per epoch), got shape {arr.shape}"
    return arr.astype(np.float64)


def _regression_data(seed, n=240, d=4):
    """Features with different scales and offsets; y linear in X plus noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, d) + rng.uniform(-1.0, 1.0, d)
    y = X @ rng.standard_normal(d) + rng.uniform(-2.0, 2.0) + 0.3 * rng.standard_normal(n)
    return X, y


def _binary_data(seed, n=60, d=3):
    """Noisy, not separable, labels biased towards 1 (so the optimal bias is far from 0)."""
    rng = np.random.default_rng(100 + seed)
    X = rng.standard_normal((n, d)) * np.array([1.0, 2.0, 0.5]) + np.array([0.3, -0.5, 1.0])
    logits = X @ rng.standard_normal(d) + 1.2 + 0.8 * rng.standard_normal(n)
    return X, (logits > 0).astype(np.float64)


def _mse(X, w, b, y):
    return float(np.mean((X @ w + b - y) ** 2))


# ---------------------------------------------------------------- preprocessing

@graded("standardize_fit", weight=2)
def test_standardize_fit_population_statistics(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((13 + seed, 4)) * np.array([0.5, 3.0, 1.0, 7.0]) + np.array([2.0, -1.0, 0.0, 5.0])
        mean, std = unpack(call_unchanged(student.standardize_fit, X), 2, "standardize_fit")
        mean_ref, std_ref = ref.standardize_fit(X)
        assert_close("mean", mean, mean_ref, rtol=1e-10)
        assert_shape("std", std, (4,))
        if np.allclose(np.asarray(std, dtype=float), X.std(axis=0, ddof=1), rtol=1e-10, atol=0):
            raise AssertionError("std: this is the sample std (ddof=1, divide by N-1); "
                                 "use the population std (ddof=0, divide by N)")
        assert_close("std", std, std_ref, rtol=1e-10)


@graded("standardize_fit", weight=1)
def test_standardize_fit_constant_feature_gets_std_one(student, ref):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((24, 3)) * 2.0 + 1.0
    X[:, 1] = 2.5  # a constant feature: its std is exactly 0
    X = np.column_stack([X, np.zeros(24)])
    mean, std = unpack(student.standardize_fit(X), 2, "standardize_fit")
    mean_ref, std_ref = ref.standardize_fit(X)
    assert_close("mean", mean, mean_ref, rtol=1e-10)
    _close("std", std, std_ref, "a feature whose std is 0 must get std 1 (so dividing by it is safe)", rtol=1e-10)


@graded("standardize_apply", weight=1)
def test_standardize_apply_uses_training_statistics(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        X_train = rng.standard_normal((20, 3)) * np.array([1.0, 4.0, 0.2]) + np.array([3.0, -2.0, 0.5])
        X_test = rng.standard_normal((7 + seed, 3)) * 2.0 - 1.0  # another split, other statistics
        mean, std = ref.standardize_fit(X_train)
        out = call_unchanged(student.standardize_apply, X_test, mean, std)
        _close("X_std", out, ref.standardize_apply(X_test, mean, std),
               "standardize with the mean and std passed in (training statistics), not those of X", rtol=1e-10)


# ---------------------------------------------------------------- linear regression

@graded("linear_forward", weight=1)
def test_linear_forward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        n = (1, 5, 9)[seed]
        X, w, b = rng.standard_normal((n, 3)), rng.standard_normal(3), float(rng.uniform(-3, 3))
        out = call_unchanged(student.linear_forward, X, w, b)
        assert_close("y_hat", out, ref.linear_forward(X, w, b), rtol=1e-10)


@graded("mse_loss", weight=1)
def test_mse_loss_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        y_hat, y = rng.standard_normal(6 + 3 * seed) * 2.0, rng.standard_normal(6 + 3 * seed)
        loss, dy = unpack(call_unchanged(student.mse_loss, y_hat, y), 2, "mse_loss")
        loss_ref, dy_ref = ref.mse_loss(y_hat, y)
        assert_close("loss", assert_scalar("loss", loss), loss_ref, rtol=1e-10)
        _close("dy_hat", dy, dy_ref, "dy_hat = 2 (y_hat - y) / N", rtol=1e-10)


@graded("mse_loss", weight=1)
def test_mse_loss_gradient_matches_numerical(student):
    rng = np.random.default_rng(11)
    y_hat, y = rng.standard_normal(7), rng.standard_normal(7)
    _, dy = unpack(student.mse_loss(y_hat, y), 2, "mse_loss")
    num = numeric_grad(lambda v: as_float("loss", student.mse_loss(v, y)[0]), y_hat)
    assert_close("dy_hat vs numerical gradient of your loss", dy, num, rtol=1e-6, atol=1e-9)


@graded("linear_regression_closed_form", weight=1)
def test_linear_regression_closed_form_matches_reference(student, ref):
    for seed in SEEDS:
        X, y = _regression_data(seed, n=40, d=3 + seed)
        w, b = unpack(call_unchanged(student.linear_regression_closed_form, X, y), 2,
                      "linear_regression_closed_form")
        w_ref, b_ref = ref.linear_regression_closed_form(X, y)
        assert_close("w", w, w_ref, rtol=1e-7, atol=1e-10)
        assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-7, atol=1e-10)


@graded("linear_regression_closed_form", weight=1)
def test_linear_regression_closed_form_rank_deficient_minimum_norm(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        Z = rng.standard_normal((30, 3)) + 0.5
        # a duplicated column, a scaled copy and an all-zero column: X has rank 3, not 6
        X = np.column_stack([Z, Z[:, 0], -2.0 * Z[:, 1], np.zeros(30)])
        y = Z @ np.array([1.5, -0.7, 0.3]) + 0.8 + 0.1 * rng.standard_normal(30)
        w, b = unpack(student.linear_regression_closed_form(X, y), 2, "linear_regression_closed_form")
        w_ref, b_ref = ref.linear_regression_closed_form(X, y)
        assert_shape("w", w, (6,))
        b = assert_scalar("b", b)
        w = np.asarray(w, dtype=np.float64)
        if not np.all(np.isfinite(w)):
            raise AssertionError("w: NaN or infinite entries; X^T X is singular here, use np.linalg.lstsq or pinv")
        optimal = _mse(X, w, b, y) <= _mse(X, w_ref, b_ref, y) * (1 + 1e-6) + 1e-12
        hint = ("w fits the data optimally but is not the minimum-norm solution" if optimal
                else "w, b do not minimize the squared error")
        _close("w", w, w_ref, hint, rtol=1e-6, atol=1e-9)
        assert_close("b", b, b_ref, rtol=1e-6, atol=1e-9)


@graded("linear_regression_gd", weight=1)
def test_linear_regression_gd_full_batch_matches_reference(student, ref):
    # With batch_size = N every epoch is one full-batch step whatever the shuffle, so the result is
    # deterministic and can be compared closely.
    for seed in SEEDS:
        X, y = _regression_data(seed)
        kw = dict(lr=(0.1, 0.05, 0.08)[seed], epochs=10, batch_size=len(X))
        w, b, losses = unpack(student.linear_regression_gd(X, y, rng=np.random.default_rng(seed), **kw), 3,
                              "linear_regression_gd")
        w_ref, b_ref, losses_ref = ref.linear_regression_gd(X, y, rng=np.random.default_rng(seed), **kw)
        assert_close("w", w, w_ref, rtol=1e-8)
        assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-8)
        _close("losses", _vector("losses", losses, 10), losses_ref,
               "losses[e] is the full-data MSE after epoch e", rtol=1e-8)


@graded("linear_regression_gd", weight=2)
def test_linear_regression_gd_minibatch_converges_to_least_squares(student, ref):
    for seed in SEEDS:
        X, y = _regression_data(seed)
        w_opt, b_opt = ref.linear_regression_closed_form(X, y)
        best = _mse(X, w_opt, b_opt, y)
        rng = np.random.default_rng(50 + seed)
        before = rng.bit_generator.state
        w, b, losses = unpack(call_unchanged(student.linear_regression_gd, X, y, lr=0.03, epochs=20,
                                             batch_size=16, rng=rng), 3, "linear_regression_gd")
        assert_shape("w", w, (4,))
        final = _mse(X, np.asarray(w, dtype=np.float64), assert_scalar("b", b), y)
        assert final <= 1.5 * best, ("after 20 epochs of mini-batch SGD the MSE of (w, b) should be close to "
                                     "the least-squares optimum; it is not")
        losses = _vector("losses", losses, 20)
        _close("losses[-1]", losses[-1], final, "losses[e] is the full-data MSE after epoch e", rtol=1e-6)
        assert rng.bit_generator.state != before, "rng was not used: shuffle the samples every epoch with rng"


# ---------------------------------------------------------------- sigmoid and binary cross-entropy

@graded("sigmoid", weight=1)
def test_sigmoid_matches_reference(student, ref):
    for seed, shape in zip(SEEDS, [(7,), (3, 4), (2, 3, 4)]):
        z = np.random.default_rng(seed).standard_normal(shape) * 8.0
        out = call_unchanged(student.sigmoid, z)
        assert_close("sigmoid(z)", out, ref.sigmoid(z), rtol=1e-10, atol=1e-15)


@graded("sigmoid", weight=1)
def test_sigmoid_large_logits_exact_limits(student, ref):
    z = np.array([1e4, -1e4, 800.0, -800.0, 710.0, -710.0, 40.0, -40.0, 0.0, -5e3])
    out = student.sigmoid(z)
    assert_shape("sigmoid(z)", out, z.shape)
    out = np.asarray(out, dtype=np.float64)
    assert np.all(np.isfinite(out)), "sigmoid returned NaN or inf for large |z| (e.g. exp overflowing)"
    assert out[0] == 1.0 and out[2] == 1.0, "sigmoid of a large positive z must be exactly 1.0"
    assert np.all((out[[1, 3, 9]] >= 0) & (out[[1, 3, 9]] <= 1e-300)), "sigmoid of a large negative z must be 0.0"
    assert out[8] == 0.5, "sigmoid(0) must be 0.5"
    assert_close("sigmoid(z)", out, ref.sigmoid(z), rtol=1e-10, atol=1e-15)


@graded("bce_with_logits", weight=1)
def test_bce_with_logits_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        z = rng.standard_normal(8 + seed) * 3.0
        y = (rng.random(8 + seed) < 0.5).astype(np.float64)
        loss, dz = unpack(call_unchanged(student.bce_with_logits, z, y), 2, "bce_with_logits")
        loss_ref, dz_ref = ref.bce_with_logits(z, y)
        _close("loss", assert_scalar("loss", loss), loss_ref, "the loss is averaged over the N samples", rtol=1e-9)
        assert_close("dz", dz, dz_ref, rtol=1e-9)


@graded("bce_with_logits", weight=1)
def test_bce_with_logits_large_logits_stay_finite(student, ref):
    z = np.array([1e4, -1e4, 1e4, -1e4, 800.0, -750.0, 35.0, -35.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    loss, dz = unpack(student.bce_with_logits(z, y), 2, "bce_with_logits")
    loss = as_float("loss", loss)
    hint = "compute the loss from the logits (e.g. max(z, 0) - z*y + log1p(exp(-|z|))), not log(sigmoid(z))"
    assert np.isfinite(loss), f"loss is not finite for logits of magnitude 1e4; {hint}"
    _close("loss", loss, ref.bce_with_logits(z, y)[0], hint, rtol=1e-10)
    assert_close("dz", dz, ref.bce_with_logits(z, y)[1], rtol=1e-10, atol=1e-15)


@graded("bce_with_logits", weight=1)
def test_bce_with_logits_gradient_matches_numerical(student):
    rng = np.random.default_rng(21)
    z, y = rng.standard_normal(6) * 2.0, np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    _, dz = unpack(student.bce_with_logits(z, y), 2, "bce_with_logits")
    num = numeric_grad(lambda v: as_float("loss", student.bce_with_logits(v, y)[0]), z)
    assert_close("dz vs numerical gradient of your loss", dz, num, rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------- logistic regression

@graded("logistic_regression_gd", weight=2)
def test_logistic_regression_gd_matches_reference(student, ref):
    # Full-batch gradient descent from zeros is deterministic: compare every step's outcome.
    for seed, kw in zip(SEEDS, [dict(lr=0.2, epochs=30), dict(lr=0.3, epochs=25, reg=0.3),
                                dict(lr=0.25, epochs=20, reg=2.5)]):
        X, y = _binary_data(seed)
        w, b, losses = unpack(call_unchanged(student.logistic_regression_gd, X, y, **kw), 3,
                              "logistic_regression_gd")
        w_ref, b_ref, losses_ref = ref.logistic_regression_gd(X, y, **kw)
        assert_close("w", w, w_ref, rtol=1e-8, atol=1e-12)
        assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-8, atol=1e-12)
        _close("losses", _vector("losses", losses, kw["epochs"]), losses_ref,
               "losses[e] = BCE + 0.5*reg*sum(w**2) after epoch e's step", rtol=1e-8)


@graded("logistic_regression_gd", weight=1)
def test_logistic_regression_gd_bias_not_regularized(student, ref):
    X, y = _binary_data(5)
    w, b, _ = unpack(student.logistic_regression_gd(X, y, lr=0.3, epochs=40, reg=2.5), 3,
                     "logistic_regression_gd")
    w_ref, b_ref, _ = ref.logistic_regression_gd(X, y, lr=0.3, epochs=40, reg=2.5)
    hint = "L2 regularization applies to w only: 0.5*reg*sum(w**2), gradient reg*w; the bias is not regularized"
    _close("b", assert_scalar("b", b), b_ref, hint, rtol=1e-8, atol=1e-12)
    _close("w", w, w_ref, hint, rtol=1e-8, atol=1e-12)
