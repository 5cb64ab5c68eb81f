"""Hidden tests for 01_regression, part 1: preprocessing, linear and logistic regression.

Every student call is a round trip to the worker, so a test that checks several inputs sends the
first through call_unchanged (which also proves the inputs are left alone) and the rest together
through call_each; a numerical gradient is one numeric_grad_call.
"""

import itertools

import numpy as np

from grader.checks import (as_float, assert_close, assert_scalar, assert_shape, call_each, call_quietly, call_unchanged,
                           graded, memoized, numeric_grad_call, reference, stable_or_formula_hint, unpack)
from grader.errors import GlobalRandomUsed, StudentError

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


def _each(fn, calls):
    """``[fn(*args, **kwargs) for args, kwargs in calls]`` in two round trips: the first call also fails the
    test if fn modifies its inputs (a function that scribbles on its inputs does so on every input)."""
    (args, kwargs), rest = calls[0], calls[1:]
    return [call_unchanged(fn, *args, **kwargs)] + (call_each(fn, rest) if rest else [])


def _regression_data(seed, n=120, d=4):
    """Features with different scales and offsets; y linear in X with an intercept of size 1.5 to 2.5 plus
    noise of std 0.5 (the least-squares MSE is about 0.25). Well conditioned, so that mini-batch SGD gets
    close to the optimum in a few dozen steps."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.7, 1.3, d) + rng.uniform(-0.5, 0.5, d)
    y = X @ rng.standard_normal(d) + rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 2.5) + 0.5 * rng.standard_normal(n)
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
    Xs = [np.random.default_rng(seed).standard_normal((13 + seed, 4)) * np.array([0.5, 3.0, 1.0, 7.0])
          + np.array([2.0, -1.0, 0.0, 5.0]) for seed in SEEDS]
    for X, result in zip(Xs, _each(student.standardize_fit, [((X,), {}) for X in Xs])):
        mean, std = unpack(result, 2, "standardize_fit")
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
    calls = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        X_train = rng.standard_normal((20, 3)) * np.array([1.0, 4.0, 0.2]) + np.array([3.0, -2.0, 0.5])
        X_test = rng.standard_normal((7 + seed, 3)) * 2.0 - 1.0  # another split, other statistics
        calls.append(((X_test, *ref.standardize_fit(X_train)), {}))
    for ((X_test, mean, std), _), out in zip(calls, _each(student.standardize_apply, calls)):
        try:
            assert_close("X_std", out, ref.standardize_apply(X_test, mean, std), rtol=1e-10)
        except AssertionError as err:
            # name the statistics of X only when the result is X standardized with them (an eps added to std, say,
            # is another mistake)
            own = ref.standardize_apply(X_test, *ref.standardize_fit(X_test))
            with np.errstate(all="ignore"):
                used_own = (np.shape(out) == own.shape
                            and np.allclose(np.asarray(out, dtype=np.float64), own, rtol=1e-8, atol=0))
            hint = ("standardize with the mean and std passed in (training statistics), not those of X" if used_own
                    else "X_std is exactly (X - mean) / std, with the mean and std passed in")
            raise AssertionError(f"{err}; {hint}") from None


# ---------------------------------------------------------------- linear regression

@graded("linear_forward", weight=1)
def test_linear_forward_matches_reference(student, ref):
    calls = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        n = (1, 5, 9)[seed]
        calls.append(((rng.standard_normal((n, 3)), rng.standard_normal(3), float(rng.uniform(-3, 3))), {}))
    for ((X, w, b), _), out in zip(calls, _each(student.linear_forward, calls)):
        assert_close("y_hat", out, ref.linear_forward(X, w, b), rtol=1e-10)


@graded("mse_loss", weight=1)
def test_mse_loss_matches_reference(student, ref):
    calls = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        calls.append(((rng.standard_normal(6 + 3 * seed) * 2.0, rng.standard_normal(6 + 3 * seed)), {}))
    for ((y_hat, y), _), result in zip(calls, _each(student.mse_loss, calls)):
        loss, dy = unpack(result, 2, "mse_loss")
        loss_ref, dy_ref = ref.mse_loss(y_hat, y)
        assert_close("loss", assert_scalar("loss", loss), loss_ref, rtol=1e-10)
        _close("dy_hat", dy, dy_ref, "dy_hat = 2 (y_hat - y) / N", rtol=1e-10)


def _own_gradient_and_loss(student, ref, name, args, grad_name, loss_rtol):
    """The gradient student.<name> returns matches centred differences of its own loss, and that loss matches the
    reference's with the value test's tolerance (a constant loss with a zero gradient must earn nothing). The
    gradient must also match the centred differences of the reference's loss: a loss right at the inputs but not
    around them (one that returns its previous value for nearby inputs, say) has a numerical gradient of zero."""
    fn = getattr(student, name)
    loss, grad = unpack(fn(*args), 2, name)
    num = numeric_grad_call(fn, args, 0, output=0)
    assert_close(f"{grad_name} vs numerical gradient of your loss", grad, num, rtol=1e-6, atol=1e-9)
    try:
        assert_close("loss", assert_scalar("loss", loss), getattr(ref, name)(*args)[0], rtol=loss_rtol)
    except AssertionError as err:
        raise AssertionError(f"{grad_name} matches the numerical gradient of your loss, but the loss itself is "
                             f"wrong: {err}") from None
    assert_close(f"{grad_name} vs numerical gradient of the correct loss (your loss is right at these inputs but not "
                 "around them)", grad, _reference_numeric(ref, name, args), rtol=1e-6, atol=1e-9)


@memoized  # fixed inputs: computed once per grading process, not once per student
def _reference_numeric(ref, name, args):
    return numeric_grad_call(getattr(ref, name), args, 0, output=0)


@graded("mse_loss", weight=1)
def test_mse_loss_gradient_matches_numerical(student, ref):
    rng = np.random.default_rng(11)
    y_hat, y = rng.standard_normal(7), rng.standard_normal(7)
    _own_gradient_and_loss(student, ref, "mse_loss", (y_hat, y), "dy_hat", 1e-10)


@graded("linear_regression_closed_form", weight=1)
def test_linear_regression_closed_form_matches_reference(student, ref):
    calls = [(_regression_data(seed, n=40, d=3 + seed), {}) for seed in SEEDS]
    for ((X, y), _), result in zip(calls, _each(student.linear_regression_closed_form, calls)):
        w, b = unpack(result, 2, "linear_regression_closed_form")
        w_ref, b_ref = reference(ref.linear_regression_closed_form, X, y)
        assert_close("w", w, w_ref, rtol=1e-7, atol=1e-10)
        assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-7, atol=1e-10)


@graded("linear_regression_closed_form", weight=1)
def test_linear_regression_closed_form_rank_deficient_minimum_norm(student, ref):
    calls = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        Z = rng.standard_normal((30, 3)) + 0.5
        # a duplicated column, a scaled copy and an all-zero column: X has rank 3, not 6
        X = np.column_stack([Z, Z[:, 0], -2.0 * Z[:, 1], np.zeros(30)])
        calls.append(((X, Z @ np.array([1.5, -0.7, 0.3]) + 0.8 + 0.1 * rng.standard_normal(30)), {}))
    for ((X, y), _), result in zip(calls, call_each(student.linear_regression_closed_form, calls)):
        w, b = unpack(result, 2, "linear_regression_closed_form")
        w_ref, b_ref = reference(ref.linear_regression_closed_form, X, y)
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
    cases = [(_regression_data(seed, n=60), dict(lr=(0.1, 0.05, 0.08)[seed], epochs=6, batch_size=60))
             for seed in SEEDS]
    calls = [(data, dict(kw, rng=np.random.default_rng(seed))) for seed, (data, kw) in zip(SEEDS, cases)]
    for seed, ((X, y), kw), result in zip(SEEDS, cases, call_each(student.linear_regression_gd, calls)):
        w, b, losses = unpack(result, 3, "linear_regression_gd")
        w_ref, b_ref, losses_ref = reference(ref.linear_regression_gd, X, y, rng_seed=seed, **kw)
        assert_close("w", w, w_ref, rtol=1e-8)
        assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-8)
        _close("losses", _vector("losses", losses, 6), losses_ref,
               "losses[e] is the full-data MSE after epoch e", rtol=1e-8)


@graded("linear_regression_gd", weight=2)
def test_linear_regression_gd_minibatch_converges_to_least_squares(student, ref):
    # 6 epochs of 6 mini-batches of 20 at lr 0.08: 36 steps on well-conditioned data (the suite used to run
    # 300). Over 500 shuffles per data set the reference ends within 1.07x the least-squares MSE (99th
    # percentile 1.06x), and over 300 each, loops shuffling with rng.shuffle or rng.choice within 1.08x: far
    # inside the 1.5x allowed. Over 20000 uniformly random order sequences per data set the ratio has mean 1.01 to
    # 1.05 and standard deviation 0.004 to 0.005, worst 1.09x: 1.5x is over 90 standard deviations above the mean
    # (an empirical margin, not a proven bound). One mini-batch per epoch (6 steps) ends at 2.8x to 5.4x, a bias
    # that is never updated at 8x to 13x, a batch gradient averaged over all N at 3.1x to 4.8x, no update at 20x to 40x.
    data = [_regression_data(seed) for seed in SEEDS]
    results = _each(student.linear_regression_gd, [((X, y), dict(lr=0.08, epochs=6, batch_size=20,
                                                                 rng=np.random.default_rng(50 + seed)))
                                                   for seed, (X, y) in zip(SEEDS, data)])
    for (X, y), result in zip(data, results):
        w_opt, b_opt = reference(ref.linear_regression_closed_form, X, y)
        best = _mse(X, w_opt, b_opt, y)
        w, b, losses = unpack(result, 3, "linear_regression_gd")
        assert_shape("w", w, (4,))
        final = _mse(X, np.asarray(w, dtype=np.float64), assert_scalar("b", b), y)
        assert final <= 1.5 * best, ("after 6 epochs of mini-batch SGD the MSE of (w, b) should be close to "
                                     "the least-squares optimum; it is not")
        losses = _vector("losses", losses, 6)
        _close("losses[-1]", losses[-1], final, "losses[e] is the full-data MSE after epoch e", rtol=1e-6)


def _visit_orders(n, batch_size):
    """One visiting order per distinct way an epoch can split n samples into mini-batches of ``batch_size``
    consecutive samples of a shuffled order (the last batch smaller): orders putting the same samples in the
    same batches give the same step, whatever the order inside a batch."""
    orders = {}
    for order in itertools.permutations(range(n)):
        orders.setdefault(tuple(frozenset(order[s:s + batch_size]) for s in range(0, n, batch_size)), order)
    return np.array(list(orders.values()))


@memoized  # fixed inputs: computed once per grading process, not once per student
def _every_sgd_run(X, y, *, lr, epochs, batch_size):
    """Mini-batch SGD on the MSE from w = 0, b = 0 as the docstring specifies, for every possible sequence of
    per-epoch visiting orders at once: returns w (S, D), b (S,) and losses (S, epochs), one row per sequence."""
    n, d = X.shape
    orders = _visit_orders(n, batch_size)
    w, b, losses = np.zeros((1, d)), np.zeros(1), np.zeros((1, 0))
    for _ in range(epochs):
        runs = len(w)
        w, b, losses = (np.repeat(a, len(orders), axis=0) for a in (w, b, losses))
        order = np.tile(orders, (runs, 1))  # run r visits its samples in order[r] this epoch
        for start in range(0, n, batch_size):
            idx = order[:, start:start + batch_size]
            dy = 2.0 * (np.einsum("rbd,rd->rb", X[idx], w) + b[:, None] - y[idx]) / idx.shape[1]
            w, b = w - lr * np.einsum("rbd,rb->rd", X[idx], dy), b - lr * dy.sum(axis=1)
        losses = np.column_stack([losses, np.mean((w @ X.T + b[:, None] - y) ** 2, axis=1)])
    return w, b, losses


def _which_run(result, runs, epochs):
    """The index of the run of _every_sgd_run that the student's (w, b, losses) reproduces; fails if none does."""
    w, b, losses = unpack(result, 3, "linear_regression_gd")
    assert_shape("w", w, (runs[0].shape[1],))
    theta = np.append(np.asarray(w, dtype=np.float64), assert_scalar("b", b))
    thetas = np.column_stack(runs[:2])
    same = np.all(np.abs(thetas - theta) <= 1e-9 * (np.abs(thetas) + np.abs(theta)) + 1e-12, axis=1)
    if not np.any(same):
        # Runs of different orders end at least 1.5e-3 apart in this measure; the same loop computed in float32
        # ends within 1.6e-6 of its run (over 13 seeds of each case): tell it that the order is not the problem.
        near = np.all(np.abs(thetas - theta) <= 1e-4 * (np.abs(thetas) + np.abs(theta)) + 1e-8, axis=1)
        if np.any(near):
            raise AssertionError("w, b: close to what a valid order of visiting the samples gives, but not within "
                                 "the precision of float64 arithmetic: compute in float64 (casting X, y or the "
                                 "parameters to float32 loses that precision)")
        raise AssertionError("w, b: no order of visiting the samples gives this result. Every epoch must visit "
                             "each sample exactly once, taking one step per mini-batch of batch_size consecutive "
                             "samples of a shuffled order; when batch_size does not divide N the last mini-batch "
                             "is smaller, and its gradient is averaged over its own samples")
    run = int(np.argmax(same))
    _close("losses", _vector("losses", losses, epochs), runs[2][run], "losses[e] is the full-data MSE after epoch e",
           rtol=1e-8)
    return run


# Three, four and five samples: few enough that every order of visiting them can be tried. Different sequences
# of orders end at least 5e-4 apart (checked offline), far beyond the tolerance of _which_run.
_TINY = (np.array([[1.0, 0.3], [-0.5, 2.0], [0.7, -1.2]]), np.array([1.0, -2.0, 0.5]))
_SMALL = (np.array([[0.4, -1.1], [1.3, 0.2], [-0.9, 0.8], [0.1, 1.5], [-1.2, -0.6]]),
          np.array([0.7, 2.1, -1.3, 0.4, -0.8]))
_FOUR = (_SMALL[0][:4], _SMALL[1][:4])


@graded("linear_regression_gd", weight=1)
def test_linear_regression_gd_visits_every_sample_once_per_epoch(student):
    # N not divisible by batch_size: the last mini-batch is smaller. Dropping it, dividing its gradient by
    # batch_size, or shuffling X and y separately gives a result no order of visiting the samples gives. With
    # N = 4 and batch_size = 3 the batches are 3 and 1 samples, where splitting into equal-sized batches
    # (np.array_split into ceil(N / batch_size) parts) gives 2 and 2.
    cases = [(_TINY, dict(lr=0.15, epochs=3, batch_size=2)), (_SMALL, dict(lr=0.12, epochs=2, batch_size=2)),
             (_SMALL, dict(lr=0.1, epochs=2, batch_size=3)), (_FOUR, dict(lr=0.12, epochs=2, batch_size=3))]
    calls = [(data, dict(kw, rng=np.random.default_rng(seed))) for data, kw in cases for seed in (0, 1, 2)]
    results = _each(student.linear_regression_gd, calls)
    for i, ((X, y), kw) in enumerate(cases):
        runs = _every_sgd_run(X, y, **kw)
        for result in results[3 * i:3 * i + 3]:
            _which_run(result, runs, kw["epochs"])


@graded("linear_regression_gd", weight=1)
def test_linear_regression_gd_reshuffles_every_epoch(student):
    # 3 samples visited one at a time for 3 epochs: 6**3 = 216 equally likely sequences of orders, each with its
    # own result. 13 runs with a fresh order every epoch give 7 or more distinct results except with probability
    # 4.0e-10 (12 runs: 1.2e-8), whatever valid way rng draws the orders (permutation, shuffle, choice, argsort of
    # random numbers); shuffling once before training gives at most 6 (one per order), never shuffling 1.
    X, y = _TINY
    kw = dict(lr=0.15, epochs=3, batch_size=1)
    runs = _every_sgd_run(X, y, **kw)
    results = call_each(student.linear_regression_gd, [((X, y), dict(kw, rng=np.random.default_rng(seed)))
                                                      for seed in range(13)])
    distinct = len({_which_run(result, runs, 3) for result in results})
    assert distinct >= 7, (f"{len(results)} runs with different rng seeds gave only {distinct} different results: "
                           "draw a new random order of the samples with rng at the start of every epoch")


# ---------------------------------------------------------------- sigmoid and binary cross-entropy

# Logits large enough that a sigmoid or a BCE clipping its logits in place (np.clip(z, ..., out=z)) changes them.
_HUGE_LOGITS = np.array([1e4, -1e4, 800.0, -800.0, -5e3])


@graded("sigmoid", weight=1)
def test_sigmoid_matches_reference(student, ref):
    zs = [np.random.default_rng(seed).standard_normal(shape) * 8.0
          for seed, shape in zip(SEEDS, [(7,), (3, 4), (2, 3, 4)])]
    # The first call only proves that the input is left unchanged, large logits included; its values are graded by
    # the large-logit test alone, so that an unstable sigmoid does not lose this test as well.
    outs = _each(student.sigmoid, [((z,), {}) for z in [np.concatenate([zs[0], _HUGE_LOGITS])] + zs])[1:]
    for z, out in zip(zs, outs):
        assert_close("sigmoid(z)", out, ref.sigmoid(z), rtol=1e-10, atol=1e-15)


@graded("sigmoid", weight=1)
def test_sigmoid_large_logits_exact_limits(student, ref):
    z = np.array([1e4, -1e4, 800.0, -800.0, 710.0, -710.0, 40.0, -40.0, 0.0, -5e3])
    # the spec: no overflow warning (e.g. exp(1e4) in one branch of np.where). A naive 1 / (1 + exp(-z)) inside its
    # own np.errstate(over="ignore") emits none, and its values are those of the tanh form: it passes (a known gap)
    out = call_quietly(student.sigmoid, z)
    assert_shape("sigmoid(z)", out, z.shape)
    out = np.asarray(out, dtype=np.float64)
    assert np.all(np.isfinite(out)), "sigmoid returned NaN or inf for large |z| (e.g. exp overflowing)"
    assert out[0] == 1.0 and out[2] == 1.0, "sigmoid of a large positive z must be exactly 1.0"
    # exactly 0.0, as the docstring says: exp(-800) underflows to 0, so every stable form (expit, tanh, the two
    # branches) gives 0.0 here, while clipping z (to +-709, say) leaves 1/(1 + exp(709)), about 1e-308
    assert np.all(out[[1, 3, 9]] == 0.0), ("sigmoid of a large negative z must be exactly 0.0 (do not clip z: "
                                           "compute exp only of non-positive numbers)")
    assert out[8] == 0.5, "sigmoid(0) must be 0.5"
    assert_close("sigmoid(z)", out, ref.sigmoid(z), rtol=1e-10, atol=1e-15)


def _unchanged_on_huge_logits(fn, calls):
    """The results of bce_with_logits for ``calls``, after a first call that only proves the inputs are left
    unchanged, logits beyond 700 included: a loss that clips its logits in place (np.clip(z, ..., out=z)) changes
    only those. Its values are graded by the large-logit test alone; if it raises, the unchanged check falls back
    to the first of ``calls``, so that a loss failing at large logits does not lose this test as well."""
    (z, y), _ = calls[0]
    huge = (np.concatenate([z, _HUGE_LOGITS]), np.concatenate([y, [1.0, 0.0, 0.0, 1.0, 1.0]]))
    try:
        call_unchanged(fn, *huge)
    except StudentError as err:
        if isinstance(err, GlobalRandomUsed):
            raise
        return _each(fn, calls)
    return call_each(fn, calls)


@graded("bce_with_logits", weight=1)
def test_bce_with_logits_matches_reference(student, ref):
    calls = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        calls.append(((rng.standard_normal(8 + seed) * 3.0, (rng.random(8 + seed) < 0.5).astype(np.float64)), {}))
    for ((z, y), _), result in zip(calls, _unchanged_on_huge_logits(student.bce_with_logits, calls)):
        loss, dz = unpack(result, 2, "bce_with_logits")
        loss_ref, dz_ref = ref.bce_with_logits(z, y)
        loss = assert_scalar("loss", loss)
        summed = abs(loss - len(z) * loss_ref) <= 1e-6 * abs(len(z) * loss_ref)
        # naming summing for every wrong loss sent students who had averaged after the wrong cause
        _close("loss", loss, loss_ref, "the loss is averaged (not summed) over the N samples" if summed else
               "loss = mean(max(z, 0) - z * y + log(1 + exp(-|z|))), the mean over the N samples", rtol=1e-9)
        assert_close("dz", dz, dz_ref, rtol=1e-9)


@graded("bce_with_logits", weight=1)
def test_bce_with_logits_large_logits_stay_finite(student, ref):
    z = np.array([1e4, -1e4, 1e4, -1e4, 800.0, -750.0, 35.0, -35.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    loss, dz = unpack(call_quietly(student.bce_with_logits, z, y), 2, "bce_with_logits")  # no overflow warning
    loss = as_float("loss", loss)
    hint = ("compute the loss from the logits (e.g. max(z, 0) - z*y + log1p(exp(-|z|))), not log(sigmoid(z)), and "
            "without clipping z")
    assert np.isfinite(loss), f"loss is not finite for logits of magnitude 1e4; {hint}"
    try:
        assert_close("loss", loss, ref.bce_with_logits(z, y)[0], rtol=1e-10)
    except AssertionError as err:
        hint = stable_or_formula_hint(student.bce_with_logits, ref.bce_with_logits, (z / 1e3, y), "bce_with_logits",
                                      hint, "loss = mean(max(z, 0) - z * y + log(1 + exp(-|z|)))")
        raise AssertionError(f"{err}; {hint}") from None
    assert_close("dz", dz, ref.bce_with_logits(z, y)[1], rtol=1e-10, atol=1e-15)


@graded("bce_with_logits", weight=1)
def test_bce_with_logits_gradient_matches_numerical(student, ref):
    rng = np.random.default_rng(21)
    z, y = rng.standard_normal(6) * 2.0, np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    _own_gradient_and_loss(student, ref, "bce_with_logits", (z, y), "dz", 1e-9)


# ---------------------------------------------------------------- logistic regression

@graded("logistic_regression_gd", weight=2)
def test_logistic_regression_gd_matches_reference(student, ref):
    # Full-batch gradient descent from zeros is deterministic: compare every step's outcome. A wrong
    # update (reg ignored or squared, the bias regularized) shows from the first steps on.
    configs = [dict(lr=0.2, epochs=6), dict(lr=0.3, epochs=5, reg=0.3), dict(lr=0.25, epochs=4, reg=2.5)]
    calls = [(_binary_data(seed), kw) for seed, kw in zip(SEEDS, configs)]
    for ((X, y), kw), result in zip(calls, _each(student.logistic_regression_gd, calls)):
        w, b, losses = unpack(result, 3, "logistic_regression_gd")
        w_ref, b_ref, losses_ref = reference(ref.logistic_regression_gd, X, y, **kw)
        assert_close("w", w, w_ref, rtol=1e-8, atol=1e-12)
        assert_close("b", assert_scalar("b", b), b_ref, rtol=1e-8, atol=1e-12)
        _close("losses", _vector("losses", losses, kw["epochs"]), losses_ref,
               "losses[e] = BCE + 0.5*reg*sum(w**2) after epoch e's step", rtol=1e-8)


@memoized  # fixed inputs: computed once per grading process, not once per student
def _bias_regularized_run(X, y, *, lr, epochs, reg):
    """(w, b) of logistic_regression_gd done with the classic mistake of regularizing the bias too (its gradient
    gets + reg * b): the test names that mistake only when the student's result is this one."""
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        dz = (np.exp(-np.logaddexp(0.0, -(X @ w + b))) - y) / len(y)
        w, b = w - lr * (X.T @ dz + reg * w), b - lr * (float(np.sum(dz)) + reg * b)
    return w, b


@graded("logistic_regression_gd", weight=1)
def test_logistic_regression_gd_bias_not_regularized(student, ref):
    X, y = _binary_data(5)
    kw = dict(lr=0.3, epochs=6, reg=2.5)
    w, b, _ = unpack(student.logistic_regression_gd(X, y, **kw), 3, "logistic_regression_gd")
    w_ref, b_ref, _ = reference(ref.logistic_regression_gd, X, y, **kw)
    b = assert_scalar("b", b)
    try:
        assert_close("b", b, b_ref, rtol=1e-8, atol=1e-12)
    except AssertionError as err:
        _, b_reg = _bias_regularized_run(X, y, **kw)
        if abs(b - b_reg) <= 1e-8 * abs(b_reg) + 1e-12:
            raise AssertionError(f"{err}; L2 regularization applies to w only: 0.5*reg*sum(w**2), gradient "
                                 "reg*w; the bias is not regularized") from None
        raise
    assert_close("w", w, w_ref, rtol=1e-8, atol=1e-12)
