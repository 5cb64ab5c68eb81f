"""Hidden tests for 01_regression, part 2: softmax, information theory, softmax regression.

Every student call is a round trip to the worker, so a test that checks several inputs sends the
first through call_unchanged (which also proves the inputs are left alone) and the rest together
through call_each; a numerical gradient is one numeric_grad_call.
"""

import itertools

import numpy as np

from grader.checks import (as_float, assert_close, assert_scalar, assert_shape, call_each, call_quietly, call_unchanged,
                           graded, memoized, numeric_grad_call, reference, stable_or_formula_hint, unpack)

SEEDS = (0, 1, 2)


def _close(name, actual, expected, hint, **tol):
    """assert_close whose failure message ends with a hint about the likely mistake."""
    try:
        assert_close(name, actual, expected, **tol)
    except AssertionError as err:
        raise AssertionError(f"{err}; {hint}") from None


def _each(fn, calls):
    """``[fn(*args, **kwargs) for args, kwargs in calls]`` in two round trips: the first call also fails the
    test if fn modifies its inputs (a function that scribbles on its inputs does so on every input)."""
    (args, kwargs), rest = calls[0], calls[1:]
    return [call_unchanged(fn, *args, **kwargs)] + (call_each(fn, rest) if rest else [])


def _distributions(rng, shape, zeros=False):
    """Random probability vectors along the last axis; with zeros=True about a third of entries are 0."""
    p = rng.random(shape) + 0.05
    if zeros:
        p = p * (rng.random(shape) < 0.65)
        p[..., 0] += 0.1  # no all-zero row
    return p / p.sum(axis=-1, keepdims=True)


def _blobs(seed, n_train=400, n_test=200, classes=4, dim=5):
    """Gaussian blobs, standardized with training statistics; a linear model reaches ~92-98 %."""
    rng = np.random.default_rng(200 + seed)
    centers = 2.0 * rng.standard_normal((classes, dim))
    y = rng.integers(0, classes, n_train + n_test)
    X = (centers[y] + rng.standard_normal((len(y), dim))) * rng.uniform(0.5, 3.0, dim) + rng.uniform(-3, 3, dim)
    mean, std = X[:n_train].mean(axis=0), X[:n_train].std(axis=0)
    X = (X - mean) / std
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


# ---------------------------------------------------------------- softmax and cross-entropy

def _loss_hint(loss, loss_ref, n, formula):
    """The hint for a wrong loss: that it is summed where it is N times the right one, else its formula (naming
    summing for every wrong loss sent students who had averaged after the wrong cause)."""
    if abs(loss - n * loss_ref) <= 1e-6 * abs(n * loss_ref):
        return "the loss is averaged (not summed) over the N samples"
    return formula


# Logits large enough that a softmax flooring or clipping its logits in place (np.maximum(Z, -700, out=Z)) changes
# them.
_HUGE_LOGITS = np.array([[1e4, 1e4 - 1.0, -1e4, 0.0],
                         [-1e4, -5e3, 2.0, -800.0]])


@graded("softmax", weight=1)
def test_softmax_matches_reference(student, ref):
    Zs = [np.random.default_rng(seed).standard_normal(shape) * 5.0
          for seed, shape in zip(SEEDS, [(6, 4), (5,), (2, 3, 4)])]
    # The first call only proves that the input is left unchanged, large logits included; its values are graded by
    # the large-logit test alone, so that an unstable softmax (one shifting by the max of the whole array, say)
    # does not lose this test as well.
    Ps = _each(student.softmax, [((Z,), {}) for Z in [np.vstack([Zs[0], _HUGE_LOGITS])] + Zs])[1:]
    for Z, P in zip(Zs, Ps):
        _close("softmax(Z)", P, ref.softmax(Z), "softmax is taken over the last axis", rtol=1e-10, atol=1e-15)


@graded("softmax", weight=1)
def test_softmax_large_logits_are_stable(student, ref):
    Z = np.array([[1e4, 1e4 - 1.0, -1e4],
                  [-1e4, -1e4, -1e4],
                  [1e4, 1e4, 0.0],
                  [3.0, -1e4, 2.0]])
    # the module's docstring asks for no overflow at these logits: an overflow masked in the output still fails
    P = call_quietly(student.softmax, Z)
    assert_shape("softmax(Z)", P, Z.shape)
    hint = "subtract each row's max before exp (softmax is unchanged by a shift); exp(1e4) overflows"
    assert np.all(np.isfinite(np.asarray(P, dtype=np.float64))), f"softmax(Z) has NaN or inf entries; {hint}"
    _close("softmax(Z)", P, ref.softmax(Z), hint, rtol=1e-10, atol=1e-300)


@graded("softmax_cross_entropy", weight=1)
def test_softmax_cross_entropy_matches_reference(student, ref):
    calls = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        N, C = 5 + 2 * seed, 4
        calls.append(((rng.standard_normal((N, C)) * 3.0, rng.integers(0, C, N)), {}))
    for ((Z, y), _), result in zip(calls, _each(student.softmax_cross_entropy, calls)):
        loss, dZ = unpack(result, 2, "softmax_cross_entropy")
        loss_ref, dZ_ref = ref.softmax_cross_entropy(Z, y)
        loss = assert_scalar("loss", loss)
        _close("loss", loss, loss_ref, _loss_hint(loss, loss_ref, len(y), "loss = mean over the rows i of "
                                                  "(logsumexp(Z_i) - Z_i[y_i])"), rtol=1e-9)
        _close("dZ", dZ, dZ_ref, "dZ = (softmax(Z) - onehot(y)) / N", rtol=1e-9, atol=1e-14)


@graded("softmax_cross_entropy", weight=1)
def test_softmax_cross_entropy_large_logits(student, ref):
    Z = np.array([[1e4, -1e4, 3.2], [-1e4, 1e4, 0.0], [5e3, 5e3, -5e3], [1.0, 2.0, 3.0]])
    y = np.array([2, 1, 0, 0])
    # no overflow and no log(0) (the module's docstring), even where the output would hide it
    loss, dZ = unpack(call_quietly(student.softmax_cross_entropy, Z, y), 2, "softmax_cross_entropy")
    loss = as_float("loss", loss)
    hint = "use log-softmax via log-sum-exp with the max shift, not log(softmax(Z))"
    assert np.isfinite(loss), f"loss is not finite for logits of magnitude 1e4; {hint}"
    loss_ref, dZ_ref = ref.softmax_cross_entropy(Z, y)
    try:
        assert_close("loss", loss, loss_ref, rtol=1e-10)
    except AssertionError as err:
        hint = stable_or_formula_hint(student.softmax_cross_entropy, ref.softmax_cross_entropy, (Z / 1e3, y),
                                      "softmax_cross_entropy", hint,
                                      "loss = mean over the rows i of (logsumexp(Z_i) - Z_i[y_i])")
        raise AssertionError(f"{err}; {hint}") from None
    assert_close("dZ", dZ, dZ_ref, rtol=1e-10, atol=1e-300)


@graded("softmax_cross_entropy", weight=1)
def test_softmax_cross_entropy_gradient_matches_numerical(student, ref):
    rng = np.random.default_rng(31)
    Z, y = rng.standard_normal((4, 3)) * 2.0, np.array([0, 2, 1, 2])
    loss, dZ = unpack(student.softmax_cross_entropy(Z, y), 2, "softmax_cross_entropy")
    num = numeric_grad_call(student.softmax_cross_entropy, (Z, y), 0, output=0)
    assert_close("dZ vs numerical gradient of your loss", dZ, num, rtol=1e-6, atol=1e-9)
    # a constant loss with a zero gradient must not earn this test: the loss must be right too
    try:
        assert_close("loss", assert_scalar("loss", loss), ref.softmax_cross_entropy(Z, y)[0], rtol=1e-9)
    except AssertionError as err:
        raise AssertionError(f"dZ matches the numerical gradient of your loss, but the loss itself is wrong: "
                             f"{err}") from None


# ---------------------------------------------------------------- information theory

@graded("entropy", weight=1)
def test_entropy_matches_reference_batched(student, ref):
    ps = [_distributions(np.random.default_rng(seed), shape)
          for seed, shape in zip(SEEDS, [(6,), (5, 4), (2, 3, 5)])]
    for p, H in zip(ps, _each(student.entropy, [((p,), {}) for p in ps])):
        # the axis hint only for a wrong shape: an H of the right shape has a wrong formula (an eps inside the log)
        _close("H", H, ref.entropy(p), "sum over the last axis only; batched input returns shape p.shape[:-1]"
               if np.shape(H) != p.shape[:-1] else "H = -sum_k p_k log p_k (natural log) over the last axis",
               rtol=1e-10)


@graded("entropy", weight=1)
def test_entropy_zero_probabilities(student, ref):
    p = _distributions(np.random.default_rng(3), (4, 6), zeros=True)
    p = np.vstack([p, np.eye(6)[2]])  # a one-hot row has entropy exactly 0
    H = call_unchanged(student.entropy, p)  # e.g. p[p == 0] = 1 changes only an input with zeros
    _close("H", H, ref.entropy(p), "use the convention 0 * log 0 = 0 (e.g. np.where or scipy.special.xlogy)",
           rtol=1e-10, atol=1e-15)


@graded("cross_entropy", weight=1)
def test_cross_entropy_matches_reference_batched(student, ref):
    calls = []
    for seed, shape in zip(SEEDS, [(6,), (5, 4), (2, 3, 5)]):
        rng = np.random.default_rng(seed)
        calls.append(((_distributions(rng, shape), _distributions(rng, shape)), {}))
    for ((p, q), _), H in zip(calls, _each(student.cross_entropy, calls)):
        _close("H(p, q)", H, ref.cross_entropy(p, q), "H(p, q) = -sum_k p_k log q_k over the last axis", rtol=1e-10)


@graded("cross_entropy", weight=1)
def test_cross_entropy_zero_probabilities(student, ref):
    rng = np.random.default_rng(4)
    p = _distributions(rng, (5, 6), zeros=True)
    q = _distributions(rng, (5, 6), zeros=True)
    q = np.where(p > 0, np.maximum(q, 0.01), q)
    q = q / q.sum(axis=-1, keepdims=True)  # q may be 0 only where p is 0
    H = call_unchanged(student.cross_entropy, p, q)  # e.g. q[p == 0] = 1 changes only where p has zeros
    _close("H(p, q)", H, ref.cross_entropy(p, q), "terms with p_k = 0 contribute 0, even where q_k = 0",
           rtol=1e-10)


@graded("kl_divergence", weight=1)
def test_kl_divergence_matches_reference_batched(student, ref):
    calls = []
    for seed, shape in zip(SEEDS, [(6,), (5, 4), (2, 3, 5)]):
        rng = np.random.default_rng(seed)
        calls.append(((_distributions(rng, shape), _distributions(rng, shape)), {}))
    for ((p, q), _), kl in zip(calls, _each(student.kl_divergence, calls)):
        _close("KL(p || q)", kl, ref.kl_divergence(p, q),
               "KL(p || q) = sum_k p_k log(p_k / q_k); the order of the arguments matters", rtol=1e-9, atol=1e-14)


@graded("kl_divergence", weight=1)
def test_kl_divergence_zero_probabilities_and_self(student, ref):
    rng = np.random.default_rng(5)
    p = _distributions(rng, (5, 6), zeros=True)
    q = _distributions(rng, (5, 6))
    kl, kl_self = _each(student.kl_divergence, [((p, q), {}), ((p, p), {})])  # masked writes show only here
    _close("KL(p || q)", kl, ref.kl_divergence(p, q), "terms with p_k = 0 contribute 0", rtol=1e-9, atol=1e-14)
    assert_close("KL(p || p)", kl_self, np.zeros(5), rtol=0, atol=1e-12)


@graded("accuracy", weight=1)
def test_accuracy_exact(student, ref):
    calls = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        scores, y = rng.standard_normal((40 + seed, 5)), rng.integers(0, 5, 40 + seed)
        y[: 10 + seed] = np.argmax(scores[: 10 + seed], axis=1)  # some rows right, the rest mostly wrong
        calls.append(((scores, y), {}))
    # An accuracy is k / N: rtol 1e-6 tells every two apart (N <= 42 here) and admits one computed in float32
    # ((y_pred == y).astype(np.float32).mean(), within 6e-8 of k / N), as a count loses nothing in float32.
    for ((scores, y), _), acc in zip(calls, _each(student.accuracy, calls)):
        _close("accuracy", assert_scalar("accuracy", acc), ref.accuracy(scores, y),
               "accuracy is the fraction of rows whose ARGMAX equals the label", rtol=1e-6, atol=0)


# ---------------------------------------------------------------- softmax regression

def _objective(X, y, W, b, reg, ref):
    return ref.softmax_cross_entropy(X @ W + b, y)[0] + 0.5 * reg * float(np.sum(W ** 2))


@graded("softmax_regression_train", weight=2)
def test_softmax_regression_train_fits_blobs(student, ref):
    # Graded by outcome, so any valid shuffling passes: the regularized objective of (W, b) and the
    # test accuracy must be about as good as the reference's with the same hyperparameters.
    # 4 epochs of 5 mini-batches of 40 at lr 0.5 (20 steps). Over 300 other shuffles per data set
    # (also with rng.shuffle and a random init) a correct loop ends within 1.003x the reference's
    # objective (1.05x allowed) and loses at most 1.7 points of test accuracy (4 allowed). Ignoring reg
    # ends at 1.13x, 1.45x and 1.83x; gradient ascent on the bias at 1.14x (7 points of accuracy lost)
    # and 1.18x; averaging the batch gradient over all N at 1.3x to 1.46x.
    cases = [(_blobs(seed, n_train=200, n_test=400), dict(lr=0.5, epochs=4, batch_size=40, reg=reg))
             for seed, reg in zip(SEEDS, (0.1, 0.2, 0.3))]
    calls = [((X, y, 4), dict(kw, rng=np.random.default_rng(seed)))
             for seed, ((X, y, _, _), kw) in zip(SEEDS, cases)]
    results = _each(student.softmax_regression_train, calls)
    for seed, ((X, y, X_test, y_test), kw), result in zip(SEEDS, cases, results):
        W, b, _ = unpack(result, 3, "softmax_regression_train")
        W_ref, b_ref, _ = reference(ref.softmax_regression_train, X, y, 4, rng_seed=seed, **kw)
        assert_shape("W", W, (5, 4))
        assert_shape("b", b, (4,))
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        assert np.all(np.isfinite(W)) and np.all(np.isfinite(b)), "W or b has NaN or infinite entries"
        reg = kw["reg"]
        obj, obj_ref = _objective(X, y, W, b, reg, ref), _objective(X, y, W_ref, b_ref, reg, ref)
        assert obj <= 1.05 * obj_ref + 1e-3, ("the trained (W, b) do not minimize the softmax loss + "
                                              "0.5*reg*sum(W**2) as well as expected")
        acc, acc_ref = ref.accuracy(X_test @ W + b, y_test), ref.accuracy(X_test @ W_ref + b_ref, y_test)
        assert acc >= acc_ref - 0.04, "test accuracy of the trained model is too low"


@graded("softmax_regression_train", weight=1)
def test_softmax_regression_train_history(student, ref):
    # 6 epochs of 4 mini-batches of 50 at lr 1.0. Over 300 shuffles the reference's and a random-init
    # loop's history ends at its minimum and equals the final objective; a history of the epoch's mean
    # mini-batch loss (also accepted) is off from the final objective by at most 2.7 % (10 % allowed).
    X, y, _, _ = _blobs(3, n_train=200, n_test=0)
    W, b, history = unpack(student.softmax_regression_train(X, y, 4, lr=1.0, epochs=6, batch_size=50, reg=0.01,
                                                            rng=np.random.default_rng(9)), 3,
                           "softmax_regression_train")
    assert isinstance(history, dict) and "loss" in history, 'history must be a dict with the key "loss"'
    loss = history["loss"]
    assert isinstance(loss, (list, tuple, np.ndarray)), 'history["loss"] must be a list or array'
    loss = np.asarray(loss)
    assert loss.shape == (6,), f'history["loss"] must have one entry per epoch (6), got shape {loss.shape}'
    assert loss.dtype.kind in "iuf" and np.all(np.isfinite(loss)), 'history["loss"] must hold finite numbers'
    assert loss[-1] < loss[0] and loss[-1] <= loss.min() + 0.05 * abs(loss[0]), \
        'history["loss"] should decrease over training'
    obj = _objective(X, y, np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64), 0.01, ref)
    assert abs(loss[-1] - obj) <= 0.1 * obj, 'history["loss"] should track the regularized training loss'


# ---- every way mini-batch SGD can visit a few samples

def _visit_orders(n, batch_size):
    """One visiting order per distinct way an epoch can split n samples into mini-batches of ``batch_size``
    consecutive samples of a shuffled order (the last batch smaller): orders putting the same samples in the
    same batches give the same step, whatever the order inside a batch."""
    orders = {}
    for order in itertools.permutations(range(n)):
        orders.setdefault(tuple(frozenset(order[s:s + batch_size]) for s in range(0, n, batch_size)), order)
    return np.array(list(orders.values()))


def _log_softmax(Z):
    shifted = Z - np.max(Z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


@memoized  # fixed inputs: computed once per grading process, not once per student
def _every_sgd_run(X, y, num_classes, *, lr, epochs, batch_size, reg):
    """Mini-batch SGD on softmax cross-entropy + 0.5*reg*sum(W**2) from W = 0, b = 0, for every possible
    sequence of per-epoch visiting orders at once. Returns, one row per sequence: theta (S, D*C + C), W
    flattened then b; the objective after each epoch (S, epochs); and each epoch's mean over its mini-batches
    of the mini-batch objective before the step (S, epochs), the other history accepted."""
    n, d = X.shape
    orders, onehot = _visit_orders(n, batch_size), np.eye(num_classes)[y]
    W, b = np.zeros((1, d, num_classes)), np.zeros((1, num_classes))
    after, mean = np.zeros((1, 0)), np.zeros((1, 0))
    for _ in range(epochs):
        runs = len(W)
        W, b, after, mean = (np.repeat(a, len(orders), axis=0) for a in (W, b, after, mean))
        order = np.tile(orders, (runs, 1))  # run r visits its samples in order[r] this epoch
        batch_objectives = []
        for start in range(0, n, batch_size):
            idx = order[:, start:start + batch_size]
            log_p = _log_softmax(np.einsum("rbd,rdc->rbc", X[idx], W) + b[:, None, :])
            batch_objectives.append(-np.mean(np.sum(onehot[idx] * log_p, axis=-1), axis=1)
                                    + 0.5 * reg * np.sum(W ** 2, axis=(1, 2)))
            dZ = (np.exp(log_p) - onehot[idx]) / idx.shape[1]
            W, b = W - lr * (np.einsum("rbd,rbc->rdc", X[idx], dZ) + reg * W), b - lr * dZ.sum(axis=1)
        log_p = _log_softmax(np.einsum("nd,rdc->rnc", X, W) + b[:, None, :])
        objective = -np.mean(np.sum(onehot * log_p, axis=-1), axis=1) + 0.5 * reg * np.sum(W ** 2, axis=(1, 2))
        after, mean = np.column_stack([after, objective]), np.column_stack([mean, np.mean(batch_objectives, 0)])
    return np.column_stack([W.reshape(len(W), -1), b]), after, mean


def _lr(X, reg, *, full_batch=False):
    """1.5 / L, where L bounds the curvature of every mini-batch objective: softmax cross-entropy's Hessian in the
    logits is at most 1/2, so L = max_i ||(x_i, 1)||^2 / 2 + reg, or the largest eigenvalue of (X, 1)^T (X, 1) / N
    over 2, plus reg, for the full batch. With lr < 2 / L every SGD step is nonexpansive (the objectives are
    convex), so runs from two starting points end no farther apart than they began."""
    X1 = np.column_stack([X, np.ones(len(X))])
    curvature = np.linalg.eigvalsh(X1.T @ X1 / len(X))[-1] if full_batch else np.max(np.sum(X1 ** 2, axis=1))
    return 1.5 / (0.5 * curvature + reg)


# The docstring starts from W = 0, b = 0; a tiny random start (the corpus's 0.001 * standard normal W) is
# accepted too. SGD steps being nonexpansive, such a start ends within 0.001 * ||N(0, I_DC)|| of the zero
# start's run: below PARAM_TOL unless a chi-square with D*C <= 12 degrees of freedom exceeds 100 (probability
# below 1e-15). Its history moves by about the objective's gradient times that: 1e-3 at most here.
PARAM_TOL, HISTORY_TOL = 0.01, 0.04


def _theta(result, d, c):
    W, b, history = unpack(result, 3, "softmax_regression_train")
    assert_shape("W", W, (d, c))
    assert_shape("b", b, (c,))
    theta = np.append(np.asarray(W, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64))
    assert np.all(np.isfinite(theta)), "W or b has NaN or infinite entries"
    return theta, history


def _history(history, epochs):
    """history["loss"] as a float array of one entry per epoch."""
    assert isinstance(history, dict) and "loss" in history, 'history must be a dict with the key "loss"'
    loss = history["loss"]
    assert isinstance(loss, (list, tuple, np.ndarray)), 'history["loss"] must be a list or array'
    loss = np.asarray(loss)
    assert loss.shape == (epochs,), \
        f'history["loss"] must have one entry per epoch ({epochs}), got shape {loss.shape}'
    assert loss.dtype.kind in "iuf", 'history["loss"] must hold numbers'
    return loss.astype(np.float64)


_NOT_A_RUN = ("W, b: no order of visiting the samples gives this result. Every epoch must visit each sample exactly "
              "once, taking one step per mini-batch of batch_size consecutive samples of a shuffled order; when "
              "batch_size does not divide N the last mini-batch is smaller, and its gradient is averaged over its "
              "own samples; the step is lr * (gradient of the mini-batch loss + reg * W), and b is not regularized")
_TINY = (np.array([[1.5, 0.2], [-0.8, 1.9], [0.6, -1.4]]), np.array([0, 1, 2]))
_FOUR = (np.array([[0.9, -0.4], [-1.3, 0.7], [0.2, 1.6], [-0.5, -1.1]]), np.array([2, 0, 1, 0]))


def _skewed_blobs(seed, n=60, classes=4, dim=3):
    """Overlapping Gaussian blobs with unequal class priors, so that the bias matters."""
    rng = np.random.default_rng(400 + seed)
    y = rng.choice(classes, n, p=[0.6, 0.25, 0.1, 0.05])
    return rng.standard_normal((classes, dim))[y] + rng.standard_normal((n, dim)), y


@graded("softmax_regression_train", weight=1)
def test_softmax_regression_train_full_batch_matches_reference(student, ref):
    # With batch_size >= N every epoch is one full-batch step whatever the shuffle, so the run is deterministic.
    # A regularized bias, a reg gradient scaled wrongly or an epoch without its step end 0.08 or more from the
    # reference (PARAM_TOL is 0.01), a history without the L2 term 0.07 or more off (HISTORY_TOL is 0.04); a
    # 0.001 * standard normal start ends 6e-4 or less away, its history 2e-4 or less (2000 starts per case).
    # The last case has no sample of its last class: W still has num_classes columns (not y.max() + 1), and that
    # class's column and bias move too, since its softmax probability is not 0 (zero-padding them ends 0.56 away).
    cases, seeds = [], SEEDS + (3,)
    for seed, reg, batch_size in zip(seeds, (0.5, 1.0, 2.0, 1.0), (60, 60, 75, 60)):
        X, y = _skewed_blobs(seed)
        if seed == 3:
            X, y = X[y < 3], y[y < 3]
        cases.append(((X, y, 4), dict(lr=_lr(X, reg, full_batch=True), epochs=4, batch_size=batch_size, reg=reg)))
    calls = [(args, dict(kw, rng=np.random.default_rng(seed))) for seed, (args, kw) in zip(seeds, cases)]
    for seed, ((X, y, c), kw), result in zip(seeds, cases, _each(student.softmax_regression_train, calls)):
        unseen = ("; a class with no sample in y still has its column of W and its entry of b, and they are "
                  "trained too (its softmax probability is not 0)") if c > y.max() + 1 else ""
        try:
            theta, history = _theta(result, X.shape[1], c)
        except AssertionError as err:
            if not unseen or "shape" not in str(err):
                raise
            raise AssertionError(f"{err}{unseen}") from None
        W_ref, b_ref, history_ref = reference(ref.softmax_regression_train, X, y, c, rng_seed=seed, **kw)
        assert np.linalg.norm(theta - np.append(W_ref.ravel(), b_ref)) <= PARAM_TOL, (
            "W, b differ from the reference's after full-batch steps (batch_size >= N); the step is "
            "lr * (gradient of the softmax loss + reg * W) for W and lr * (gradient of the loss) for b" + unseen)
        loss = _history(history, kw["epochs"])
        # with one mini-batch per epoch, its objective before the step is the objective before the epoch
        before = np.append(np.log(c), history_ref["loss"][:-1])
        assert min(np.max(np.abs(loss - history_ref["loss"])), np.max(np.abs(loss - before))) <= HISTORY_TOL, \
            'history["loss"][e] is the softmax loss + 0.5*reg*sum(W**2) on all the data after epoch e'


@graded("softmax_regression_train", weight=1)
def test_softmax_regression_train_visits_every_sample_once_per_epoch(student):
    # N not divisible by batch_size: the last mini-batch is smaller. Dropping it, regularizing b, scaling the reg
    # gradient wrongly (also by dividing it by the batch size) or recording the history before each epoch gives
    # a result no visiting order gives: on at least one seed each ends 0.1 or more from every run (PARAM_TOL is
    # 0.01) or its history 0.2 or more off (HISTORY_TOL is 0.04); a 0.001 * standard normal start ends 7e-4 or
    # less from its run, its history 3e-4 or less.
    cases = [(_TINY, dict(epochs=3, batch_size=2, reg=0.5)), (_FOUR, dict(epochs=2, batch_size=3, reg=0.3))]
    cases = [((X, y, 3), dict(kw, lr=_lr(X, kw["reg"]))) for (X, y), kw in cases]
    calls = [(args, dict(kw, rng=np.random.default_rng(seed))) for args, kw in cases for seed in range(4)]
    results = _each(student.softmax_regression_train, calls)
    for i, ((X, y, c), kw) in enumerate(cases):
        thetas, after, mean = _every_sgd_run(X, y, c, **kw)
        for result in results[4 * i:4 * i + 4]:
            theta, history = _theta(result, X.shape[1], c)
            distance = np.linalg.norm(thetas - theta, axis=1)
            assert distance.min() <= PARAM_TOL, _NOT_A_RUN
            run = int(np.argmin(distance))  # runs of different orders end more than 2 * PARAM_TOL apart here
            loss = _history(history, kw["epochs"])
            assert min(np.max(np.abs(loss - after[run])), np.max(np.abs(loss - mean[run]))) <= HISTORY_TOL, \
                'history["loss"][e] is the softmax loss + 0.5*reg*sum(W**2) on all the data after epoch e'


@graded("softmax_regression_train", weight=1)
def test_softmax_regression_train_reshuffles_every_epoch(student):
    # 3 samples visited one at a time for 3 epochs: 6**3 = 216 equally likely sequences of orders, each ending
    # at least 6e-3 from the others (checked offline). 13 runs with a fresh order every epoch end at 7 or more
    # different runs except with probability 4.0e-10 (12 runs: 1.2e-8), whatever valid way rng draws the orders;
    # shuffling once before training gives at most 6 (one per order), never shuffling 1, also from a tiny random
    # start, since each result counts as the run it is nearest to.
    X, y = _TINY
    kw = dict(lr=_lr(X, 0.5), epochs=3, batch_size=1, reg=0.5)
    thetas, _, _ = _every_sgd_run(X, y, 3, **kw)
    results = call_each(student.softmax_regression_train,
                        [((X, y, 3), dict(kw, rng=np.random.default_rng(seed))) for seed in range(13)])
    runs = set()
    for result in results:
        distance = np.linalg.norm(thetas - _theta(result, 2, 3)[0], axis=1)
        assert distance.min() <= PARAM_TOL, _NOT_A_RUN
        runs.add(int(np.argmin(distance)))
    assert len(runs) >= 7, (f"{len(results)} runs with different rng seeds ended at only {len(runs)} of the possible "
                            "results: draw a new random order of the samples with rng at the start of every epoch")
