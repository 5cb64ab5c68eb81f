"""Hidden tests for 03_backprop, part 2: the two-layer network, its loss, gradient checking and
training.

Network backward and loss gradients are checked against the reference and against centred
differences of the correct forward / loss (the reference's, computed once per grading process: the
student's, where it agrees with the reference, has the same gradient; a wrong forward is graded by
its own tests, and the backward that came with it against either). ReLU networks for numerical
checks keep every hidden pre-activation at least 1e-3 away from the kink. Training is graded by outcome (accuracy and
regularized loss of the returned parameters) and, step by step, on tiny data sets where every valid
visiting order takes the same steps, where each step's mini-batch can be read back from the
parameters, or where only a repeated order shows: any valid use of rng passes.

Every student call is a round trip to the worker, so a test sends its first input through
call_unchanged (which also proves the inputs are left alone: a function that scribbles on its
inputs does so on every input) and the rest together through call_each; all the perturbed calls of
a test's numerical gradients go in one call_each.
"""

import numpy as np

from grader.checks import (as_float, assert_close, assert_equal, assert_shape, call_each, call_unchanged, describe,
                           graded, memoized, unpack)

SEEDS = (0, 1, 2)
RTOL = 1e-7
GRAD_RTOL = 1e-5    # centred differences with h = 1e-6
GRAD_ATOL = 1e-7
KEYS = ("W1", "b1", "W2", "b2")
NET_SHAPES = ((5, 4, 6, 3), (8, 3, 10, 4), (1, 2, 5, 3))  # (N, D, H, C)
ACTIVATIONS = ("relu", "sigmoid")
LOSS_CASES = (("relu", "softmax", 0.37), ("sigmoid", "softmax", 2.5),
              ("relu", "mse_sigmoid", 2.5), ("sigmoid", "mse_sigmoid", 0.37))


def _net(rng, d, h, c):
    return {"W1": 0.7 * rng.standard_normal((d, h)), "b1": 0.3 * rng.standard_normal(h),
            "W2": 0.7 * rng.standard_normal((h, c)), "b2": 0.3 * rng.standard_normal(c)}


def _copy(params):
    return {k: v.copy() for k, v in params.items()}


def _smooth_problem(rng, n, d, h, c):
    """X and params whose hidden pre-activations all satisfy |a| >= 1e-3 (no ReLU kink nearby)."""
    while True:
        X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
        if np.min(np.abs(X @ params["W1"] + params["b1"])) >= 1e-3:
            return X, params


def _targets(rng, loss, n, c):
    return rng.integers(0, c, size=n) if loss == "softmax" else rng.random((n, c))


def _check_params_dict(what, value, shapes):
    if not isinstance(value, dict) or set(value) != set(KEYS):
        raise AssertionError(f"{what} must be a dict with keys 'W1', 'b1', 'W2', 'b2', got {describe(value)}")
    for k in KEYS:
        assert_shape(f"{what}[{k!r}]", value[k], shapes[k])


def _shapes(d, h, c):
    return {"W1": (d, h), "b1": (h,), "W2": (h, c), "b2": (c,)}


def _check_grads(what, grads, expected, rtol=RTOL, atol=1e-12):
    _check_params_dict(what, grads, {k: np.shape(v) for k, v in expected.items()})
    for k in KEYS:
        assert_close(f"{what}[{k!r}]", grads[k], expected[k], rtol=rtol, atol=atol)


def _label(act, loss=None, reg=None):
    parts = [f"hidden_activation={act!r}"] + ([f"loss={loss!r}"] if loss else []) + (
        ["reg set"] if reg else [])
    return ", ".join(parts)


def _each(fn, calls):
    """``[fn(*args, **kwargs) for args, kwargs in calls]`` in two round trips; the first call also fails
    the test if fn modifies its inputs."""
    (args, kwargs), rest = calls[0], calls[1:]
    return [call_unchanged(fn, *args, **kwargs)] + (call_each(fn, rest) if rest else [])


def _directional_diffs(fn, cases, h=1e-6):
    """Centred differences of directional derivatives of ``fn``, every call in ONE call_each.

    A case is ``(args, kwargs, (position, key), v, dout, output)``: the derivative of
    ``sum(fn(*args, **kwargs)[output] * dout)`` (of the scalar ``fn(...)[output]`` when dout is None)
    along ``v`` in the dict entry ``args[position][key]``, e.g. ``(2, "W1")`` for ``params["W1"]``.
    Comparing ``sum(grad * v)`` with it for two random directions v per gradient catches every
    gradient error that is not vanishingly small (an error e escapes only if e . v is within the
    tolerance for both directions: in these tests every single wrong entry off by 0.1 % of the
    gradient's largest entry is caught, and 95 % of those off by 0.01 %) with 4 calls per gradient
    instead of 2 per entry; every call costs encoding its arguments and its result. Every call gets
    its own copies, so that a function writing into its inputs cannot shift the calls after it.
    """
    calls = []
    for args, kwargs, (pos, key), v, _, _ in cases:
        for step in (h, -h):
            moved = {**args[pos], key: args[pos][key] + step * v}
            calls.append((tuple(_copy(a) if isinstance(a, dict) else np.copy(a) if isinstance(a, np.ndarray) else a
                                for a in args[:pos] + (moved,) + args[pos + 1:]), kwargs))
    values = iter(call_each(fn, calls) if calls else [])
    name = getattr(fn, "__name__", "function")

    def picked(result, dout, output):
        out = unpack(result, 2, name)[output]
        if dout is None:
            return as_float(f"{name} output", out)
        assert_shape(f"{name} output", out, np.shape(dout))
        return float(np.sum(np.asarray(out, dtype=np.float64) * dout))

    return [(picked(next(values), dout, output) - picked(next(values), dout, output)) / (2 * h)
            for _, _, _, _, dout, output in cases]


@memoized  # fixed inputs: computed once per grading process, not once per student
def _reference_diffs(ref, name, cases):
    """_directional_diffs of ``ref.<name>``."""
    return _directional_diffs(getattr(ref, name), cases)


def _directions(seed, params, keys=KEYS, count=2):
    """``count`` random directions for each of params[k], k in keys: a list of (k, v)."""
    rng = np.random.default_rng(seed)
    return [(k, rng.standard_normal(np.shape(params[k]))) for k in keys for _ in range(count)]


def _along(grad, v):
    return float(np.sum(np.asarray(grad, dtype=np.float64) * v))


# ---------------------------------------------------------------------------- two_layer_init
@graded("two_layer_init", weight=1)
def test_two_layer_init_shapes_and_zero_biases(student, ref):
    dims = [(seed, d, h, c) for seed in SEEDS for d, h, c in ((4, 7, 3), (2, 50, 5))]
    results = call_each(student.two_layer_init, [((d, h, c, np.random.default_rng(seed)), {"weight_scale": 0.37})
                                                 for seed, d, h, c in dims])
    for (_, d, h, c), params in zip(dims, results):
        _check_params_dict("params", params, _shapes(d, h, c))
        assert_equal("params['b1']", params["b1"], np.zeros(h))
        assert_equal("params['b2']", params["b2"], np.zeros(c))
        for k in ("W1", "W2"):
            w = np.asarray(params[k], dtype=np.float64)
            assert np.all(np.isfinite(w)) and np.any(w != 0), f"params[{k!r}] must be random, finite and nonzero"
        if (d, h, c) == (4, 7, 3):  # small enough to compare every pair of weights
            # Independent normal draws here share a single value with probability below 1e-12 (5e-5 if
            # drawn in float32), never half of them; W2 drawn again from W1's state (saved and restored,
            # a reseeded copy) shares all of its values with W1.
            small, large = sorted((np.ravel(params["W1"]), np.ravel(params["W2"])), key=np.size)
            assert np.mean(np.any(small[:, None] == large, axis=1)) <= 0.5, \
                "params['W1'] and params['W2'] must be independent draws: one repeats the other's weights"


@graded("two_layer_init", weight=2)
def test_two_layer_init_weight_statistics(student, ref):
    # Tolerances are 10 standard errors of each statistic for normal draws (a correct
    # implementation fails with probability far below 1e-9: each check below 1e-19, computed exactly).
    # Uniform draws of the right std put 57.7 % of the weights within one std instead of 68.3 %: 0.105
    # off, against 10 standard errors of 0.038 for W1 (15000 weights) and 0.060 for W2 (6000 weights).
    cases = ((0, 0.37), (1, None), (2, 2.5))
    results = call_each(student.two_layer_init, [((150, 100, 60, np.random.default_rng(seed)),
                                                  {} if scale is None else {"weight_scale": scale})
                                                 for seed, scale in cases])
    for (_, scale), params in zip(cases, results):
        s = 1e-2 if scale is None else scale
        _check_params_dict("params", params, _shapes(150, 100, 60))
        what = "default weight_scale" if scale is None else "weight_scale set"
        for k in ("W1", "W2"):
            w = np.asarray(params[k], dtype=np.float64).ravel()
            n = w.size
            assert abs(np.mean(w)) <= 10 * s / np.sqrt(n), f"params[{k!r}] ({what}): the mean of the weights must be 0"
            assert abs(np.sqrt(np.mean(w ** 2)) / s - 1) <= 10 / np.sqrt(2 * n), \
                f"params[{k!r}] ({what}): the standard deviation of the weights must be weight_scale"
            # P(|z| < 1) and P(|z| > 2) for a standard normal z: the bulk, and the tails, which draws clipped
            # at 2 std (then 4 % too narrow, within the std's tolerance) lack: 17 standard errors off for W2
            for p, inside in ((0.6826894921370859, np.abs(w) < s), (0.04550026389635842, np.abs(w) > 2 * s)):
                assert abs(np.mean(inside) - p) <= 10 * np.sqrt(p * (1 - p) / n), \
                    f"params[{k!r}] ({what}): the weights must be normally distributed"


@graded("two_layer_init", weight=1)
def test_two_layer_init_draws_only_from_rng(student, ref):
    first, again, other = call_each(student.two_layer_init, [((5, 8, 3, np.random.default_rng(seed)),
                                                              {"weight_scale": 0.37}) for seed in (21, 21, 22)])
    for params in (first, again, other):
        _check_params_dict("params", params, _shapes(5, 8, 3))
    for k in ("W1", "W2"):
        assert_close(f"params[{k!r}] from an identically seeded rng", again[k], first[k], rtol=1e-12, atol=0)
        assert not np.allclose(other[k], first[k]), \
            f"params[{k!r}] must come from rng: differently seeded generators gave the same weights"


# ---------------------------------------------------------------------------- two_layer_forward
def _net_cases(base, shapes):
    """(X, params, kwargs) for each seed and (N, D, H, C): each activation, then the default. The sigmoid
    comes first: _each checks the first call's inputs for changes, and the default path is ReLU."""
    cases = []
    for seed in SEEDS:
        rng = np.random.default_rng(base + seed)
        for n, d, h, c in shapes:
            X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
            cases += [(X, params, {"hidden_activation": act}) for act in ("sigmoid", "relu")] + [(X, params, {})]
    return cases


@memoized  # fixed inputs: computed once per grading process, not once per student
def _net_references(ref, name, base, shapes):
    """The reference's scores (name "two_layer_forward") or labels ("predict") for _net_cases(base, shapes)."""
    fn = getattr(ref, name)
    return [fn(X, params, **kw)[0] if name == "two_layer_forward" else fn(X, params, **kw)
            for X, params, kw in _net_cases(base, shapes)]


@graded("two_layer_forward", weight=2)
def test_two_layer_forward_matches_reference(student, ref):
    cases = _net_cases(200, NET_SHAPES)
    results = _each(student.two_layer_forward, [((X, _copy(params)), kw) for X, params, kw in cases])
    expected_scores = _net_references(ref, "two_layer_forward", 200, NET_SHAPES)
    for (_, _, kw), result, expected in zip(cases, results, expected_scores):
        scores, _ = unpack(result, 2, "two_layer_forward")
        label = _label(kw["hidden_activation"]) if kw else "default hidden_activation"
        assert_close(f"scores ({label})", scores, expected, rtol=RTOL)


# ---------------------------------------------------------------------------- two_layer_backward
def _network_forwards(student, cases, ref_scores):
    """The student's two_layer_forward on copies of each (X, params, act), in two round trips:
    (caches, trusted, kept).

    trusted[i]: its scores agree with the reference's (ref_scores[i]) and it left X and params alone
    (kept: checked on the first call). A backward can only be compared with the reference through a
    sound forward's cache; after a wrong forward (charged by its own tests) it is checked for its
    output's structure, then along random directions against the derivative of either forward (see
    _check_against_forwards).
    """
    fn = student.two_layer_forward
    calls = [((X.copy(), _copy(params)), {"hidden_activation": act}) for X, params, act in cases]
    try:
        first = call_unchanged(fn, *calls[0][0], **calls[0][1])
        kept = True
    except AssertionError:  # modified its input
        X, params, act = cases[0]
        first = fn(X.copy(), _copy(params), hidden_activation=act)
        kept = False
    results = [first] + (call_each(fn, calls[1:]) if len(calls) > 1 else [])
    caches, trusted = [], []
    for result, expected in zip(results, ref_scores):
        scores, cache = unpack(result, 2, "two_layer_forward")
        caches.append(cache)
        trusted.append(kept and _agrees(scores, expected))
    return caches, trusted, kept


def _agrees(out, expected):
    try:
        out = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return out.shape == np.shape(expected) and np.allclose(out, expected, rtol=1e-6, atol=1e-10)


def _backward_cases():
    """(X, params, act) for each seed, (N, D, H, C) and activation, and the upstream gradient of each; then
    a network with zero biases for each activation, where a forward that drops a bias still agrees with
    the reference, so that its backward is compared with the reference's too."""
    cases, douts = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(300 + seed)
        for n, d, h, c in NET_SHAPES:
            X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
            dscores = rng.standard_normal((n, c))
            cases += [(X, params, act) for act in ACTIVATIONS]
            douts += [dscores] * len(ACTIVATIONS)
    rng = np.random.default_rng(310)
    X, params = rng.standard_normal((5, 4)), _net(rng, 4, 6, 3)
    params = dict(params, b1=np.zeros(6), b2=np.zeros(3))
    cases += [(X, params, act) for act in ACTIVATIONS]
    douts += [rng.standard_normal((5, 3))] * len(ACTIVATIONS)
    return cases, douts


@memoized  # fixed inputs: computed once per grading process, not once per student
def _backward_references(ref):
    """The reference's scores and grads for each case of _backward_cases()."""
    scores, grads = [], []
    for (X, params, act), dscores in zip(*_backward_cases()):
        out, cache = ref.two_layer_forward(X, params, hidden_activation=act)
        scores.append(out)
        grads.append(ref.two_layer_backward(dscores, cache))
    return scores, grads


@graded("two_layer_backward", weight=2)
def test_two_layer_backward_matches_reference(student, ref):
    cases, douts = _backward_cases()
    ref_scores, ref_grads = _backward_references(ref)
    caches, trusted, kept = _network_forwards(student, cases, ref_scores)
    results = _each(student.two_layer_backward, [((dout, cache), {}) for dout, cache in zip(douts, caches)])
    for (X, params, act), grads, ok, expected in zip(cases, results, trusted, ref_grads):
        if ok:
            _check_grads(f"grads ({_label(act)})", grads, expected)
        else:
            _check_params_dict(f"grads ({_label(act)})", grads, _shapes(X.shape[1], params["W1"].shape[1],
                                                                         params["W2"].shape[1]))
    checks = [(i, k, v) for i, ok in enumerate(trusted) if not ok for k, v in _directions(340 + i, cases[i][1])]
    if checks:
        _check_against_forwards(student, cases, douts, results, checks, _forward_diffs(ref, cases, douts, checks), kept)


@graded("two_layer_backward", weight=1)
def test_two_layer_backward_numerical_gradient(student, ref):
    cases, douts = [], []
    for seed in SEEDS[:2]:
        rng = np.random.default_rng(320 + seed)
        X, params = _smooth_problem(rng, 4, 3, 5, 3)
        dscores = rng.standard_normal((4, 3))
        cases += [(X, params, act) for act in ACTIVATIONS]
        douts += [dscores] * len(ACTIVATIONS)
    caches, trusted, kept = _network_forwards(
        student, cases, [ref.two_layer_forward(X, params, hidden_activation=act)[0] for X, params, act in cases])
    results = call_each(student.two_layer_backward, [((dout, cache), {}) for dout, cache in zip(douts, caches)])
    for (_, _, act), grads in zip(cases, results):
        _check_params_dict(f"grads ({_label(act)})", grads, _shapes(3, 5, 3))
    # along two random directions per parameter (see _directional_diffs) of the reference forward
    checks = [(i, k, v) for i in range(len(cases)) for k, v in _directions(330 + i, cases[i][1])]
    nums = _forward_diffs(ref, cases, douts, checks)
    for (i, k, v), num in zip(checks, nums):
        if trusted[i]:
            assert_close(f"grads[{k!r}] vs. numerical gradient ({_label(cases[i][2])}), along a random direction",
                         _along(results[i][k], v), num, rtol=GRAD_RTOL, atol=GRAD_ATOL)
    untrusted = [j for j, (i, _, _) in enumerate(checks) if not trusted[i]]
    if untrusted:
        _check_against_forwards(student, cases, douts, results, [checks[j] for j in untrusted],
                                [nums[j] for j in untrusted], kept)


def _forward_diffs(ref, cases, douts, checks):
    """The reference forward's derivative along each check (i, key, v): direction v in params[key] of cases[i]."""
    return _reference_diffs(ref, "two_layer_forward", [
        ((cases[i][0], cases[i][1]), {"hidden_activation": cases[i][2]}, (1, k), v, douts[i], 0) for i, k, v in checks])


def _check_against_forwards(student, cases, douts, results, checks, nums, kept):
    """Grads after a wrong forward (cases[i] for each check (i, key, v)): along each direction they must
    match the derivative of the correct forward (``nums``: a forward whose scores alone are wrong may cache the
    right values) or of the student's own forward, the one the backward came with (see
    _own_forward_diffs); unless that forward modified its inputs (not ``kept``): it may have written
    into its cache too, so that a correct backward matches neither, and it is charged by its own tests.
    A forward that gives nothing to compare with (scores that do not change with W2, or that fail near
    the inputs) leaves its backward unchecked, so it does not pass: otherwise forwards and backwards
    returning zeros would earn the backward's points. A parameter the forward ignores (a stale hidden
    layer, a dropped bias) is excused only with a gradient that is not zero: a forward of scores = b2
    with a backward that returned db2 = the sum of dscores and zeros for the rest passed."""
    own = _own_forward_diffs(student, cases, douts, checks)
    used = {checks[j][:2] for j in own}
    checkable = {i for i, _, _ in checks if (i, "W2") in used}  # the student's forward changes with W2 there
    for j, ((i, k, v), num) in enumerate(zip(checks, nums)):
        label, got = _label(cases[i][2]), _along(results[i][k], v)
        if _near(got, num):
            continue
        if i not in checkable:
            raise AssertionError(
                f"two_layer_backward cannot be checked ({label}): your two_layer_forward's scores are wrong there, "
                "and do not change with W2 (or it fails on nearby inputs), so there is nothing to compare its "
                "gradients with; fix two_layer_forward first")
        if j in own and kept:
            assert_close(f"grads[{k!r}] vs. numerical gradient of your two_layer_forward ({label}), along a random "
                         "direction", got, own[j], rtol=GRAD_RTOL, atol=GRAD_ATOL)
        elif not np.any(np.abs(np.asarray(results[i][k], dtype=np.float64)) > GRAD_ATOL):
            raise AssertionError(
                f"grads[{k!r}] ({label}) is zero, and your two_layer_forward's scores, which are wrong there, do not "
                f"change with params[{k!r}]: nothing shows that this gradient is computed; fix two_layer_forward first")


def _near(a, b):
    return abs(a - b) <= GRAD_ATOL + GRAD_RTOL * (abs(a) + abs(b))


def _own_forward_diffs(student, cases, douts, checks):
    """Where the student's forward disagrees with the reference, its backward is graded against the
    forward it came with: {j: the derivative of the student's own forward along checks[j]'s direction},
    all in one round trip. A correct backward matches either that or, when only the forward's scores
    are wrong and its cache is right, the reference. A parameter the forward ignores (a dropped bias:
    derivative 0 along every direction) is left out, as the cache may still be built for it, and so is
    everything when the student's forward cannot be differentiated."""
    try:
        values = _directional_diffs(student.two_layer_forward, [
            ((cases[i][0], cases[i][1]), {"hidden_activation": cases[i][2]}, (1, k), v, douts[i], 0)
            for i, k, v in checks])
    except AssertionError:
        return {}
    used = {check[:2] for check, value in zip(checks, values) if abs(value) > GRAD_ATOL}
    return {j: value for j, (check, value) in enumerate(zip(checks, values)) if check[:2] in used}


# ---------------------------------------------------------------------------- two_layer_loss
def _loss_calls(cases, with_default):
    """The (args, kwargs) of two_layer_loss that _loss_matches checks, freshly drawn from fixed seeds."""
    calls = []
    for seed in SEEDS:
        rng = np.random.default_rng(400 + seed)
        for n, d, h, c in NET_SHAPES:
            X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
            for act, loss, reg in cases:
                y = _targets(rng, loss, n, c)
                calls.append(((X, y, params), {"hidden_activation": act, "loss": loss, "reg": reg}))
            if with_default:
                calls.append(((X, _targets(rng, "softmax", n, c), _copy(params)), {}))
    return calls


@memoized  # fixed inputs: computed once per grading process, not once per student
def _loss_references(ref, cases, with_default):
    """The reference's (loss, grads) for each call of _loss_calls(cases, with_default)."""
    return [ref.two_layer_loss(*args, **kw) for args, kw in _loss_calls(cases, with_default)]


def _loss_matches(student, ref, cases, with_default):
    calls = _loss_calls(cases, with_default)  # the student gets fresh arrays, never the cached ones
    results = _each(student.two_layer_loss, calls)
    for (args, kw), result, expected in zip(calls, results, _loss_references(ref, cases, with_default)):
        got = unpack(result, 2, "two_layer_loss")
        label = _label(kw["hidden_activation"], kw["loss"], kw["reg"]) if kw else "default arguments"
        assert_close(f"loss ({label})", as_float("loss", got[0]), expected[0], rtol=RTOL)
        _check_grads(f"grads ({label})", got[1], expected[1])


@graded("two_layer_loss", weight=2)
def test_two_layer_loss_softmax_matches_reference(student, ref):
    _loss_matches(student, ref, [cs for cs in LOSS_CASES if cs[1] == "softmax"], with_default=True)


@graded("two_layer_loss", weight=2)
def test_two_layer_loss_mse_sigmoid_matches_reference(student, ref):
    _loss_matches(student, ref, [cs for cs in LOSS_CASES if cs[1] == "mse_sigmoid"], with_default=False)


@graded("two_layer_loss", weight=1)
def test_two_layer_loss_l2_term(student, ref):
    rng = np.random.default_rng(430)
    X, params = rng.standard_normal((6, 4)), _net(rng, 4, 5, 3)
    cases = [(act, loss, reg, _targets(rng, loss, 6, 3)) for act, loss, reg in LOSS_CASES]
    results = iter(call_each(student.two_layer_loss, [
        ((X, y, _copy(params)), {"hidden_activation": act, "loss": loss, "reg": r})
        for act, loss, reg, y in cases for r in (0.0, reg)]))
    for act, loss, reg, _ in cases:
        base = unpack(next(results), 2, "two_layer_loss")
        with_reg = unpack(next(results), 2, "two_layer_loss")
        _check_params_dict("grads", base[1], _shapes(4, 5, 3))
        _check_params_dict("grads", with_reg[1], _shapes(4, 5, 3))
        penalty = 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
        added = as_float("loss", with_reg[0]) - as_float("loss", base[0])
        assert abs(added - penalty) <= 1e-9 * (1 + penalty), \
            f"two_layer_loss ({_label(act, loss)}): reg must add 0.5 * reg * (sum(W1**2) + sum(W2**2)) to the loss"
        for k in KEYS:
            extra = np.asarray(with_reg[1][k], dtype=np.float64) - np.asarray(base[1][k], dtype=np.float64)
            want = reg * params[k] if k.startswith("W") else np.zeros_like(params[k])
            assert np.allclose(extra, want, rtol=1e-9, atol=1e-12), (
                f"two_layer_loss ({_label(act, loss)}): reg must add reg * {k} to grads[{k!r}]" if k.startswith("W")
                else f"two_layer_loss ({_label(act, loss)}): biases are not regularized, reg must not change "
                     f"grads[{k!r}]")


@graded("two_layer_loss", weight=1)
def test_two_layer_loss_numerical_gradient(student, ref):
    rng = np.random.default_rng(440)
    cases = []
    for act, loss, reg in LOSS_CASES:
        X, params = _smooth_problem(rng, 5, 3, 4, 3)
        cases.append(((X, _targets(rng, loss, 5, 3), params), {"hidden_activation": act, "loss": loss, "reg": reg}))
    results = call_each(student.two_layer_loss, [((X, y, _copy(params)), kw) for (X, y, params), kw in cases])
    got = [unpack(r, 2, "two_layer_loss") for r in results]
    for value, grads in got:
        _check_params_dict("grads", grads, _shapes(3, 4, 3))
        as_float("loss", value)  # its value is graded by the loss's own tests
    # along two random directions per parameter (see _directional_diffs) of the reference loss
    checks = [(i, k, v) for i in range(len(cases)) for k, v in _directions(450 + i, cases[i][0][2])]
    nums = _reference_diffs(ref, "two_layer_loss", [(*cases[i], (2, k), v, None, 0) for i, k, v in checks])
    for (i, k, v), num in zip(checks, nums):
        kw = cases[i][1]
        label = _label(kw["hidden_activation"], kw["loss"], kw["reg"])
        assert_close(f"grads[{k!r}] vs. numerical gradient ({label}), along a random direction",
                     _along(got[i][1][k], v), num, rtol=GRAD_RTOL, atol=GRAD_ATOL)


# ---------------------------------------------------------------------------- gradient checking
# numerical_gradient calls back into this process for every f(x), so these checks keep x small.
def _wavy(rng, shape):
    """f(x) = sum(C * sin(4 x)) + 2 sin(4 sum(x)) with C fixed: curved enough that forward differences
    are visibly off, and not a sum of one-entry terms, so that an entry left moved (x[i] never restored,
    or restored to the wrong value) shifts the differences of the entries after it."""
    C = 3.0 * rng.standard_normal(shape)

    def f(v):
        v = np.asarray(v)
        return float(np.sum(C * np.sin(4.0 * v)) + 2.0 * np.sin(4.0 * np.sum(v)))

    return f, (lambda v: 4.0 * C * np.cos(4.0 * v) + 8.0 * np.cos(4.0 * np.sum(v)))


@graded("numerical_gradient", weight=2)
def test_numerical_gradient_centred_accuracy(student, ref):
    # centred differences err by about h**2, forward differences by about h: 1e-6 separates them in
    # every entry where sin(4 x) is not close to 0. An entry never restored after its differences (or
    # restored to x[i] + 2h) puts the later entries 9x to 4000x the tolerance off.
    rng = np.random.default_rng(500)
    cases = []
    for shape in ((2, 2), (3,)):
        f, grad_f = _wavy(rng, shape)
        x = 2.0 * rng.standard_normal(shape)
        cases += [("grad (default h)", ((f, x.copy()), {}), grad_f(x)),
                  ("grad (h set)", ((f, x.copy()), {"h": 1e-4}), grad_f(x))]
    for (what, _, want), grad in zip(cases, call_each(student.numerical_gradient, [c[1] for c in cases])):
        try:
            assert_close(what, grad, want, rtol=1e-6, atol=1e-8)
        except AssertionError as err:
            raise AssertionError(f"{err}: entry i is (f(x + h e_i) - f(x - h e_i)) / (2h), with every other entry of "
                                 "x where it was at the start") from None


@graded("numerical_gradient", weight=1)
def test_numerical_gradient_uses_h(student, ref):
    # For a cubic, centred differences give exactly 3 x**2 + h**2: this checks the step really is h, and
    # that the default is the signature's h = 1e-5. There the h**2 = 1e-10 term is read to +-5e-11 (steps
    # of 0.87e-5 to 1.12e-5 pass): with |x| ~ 0.3, rounding adds ~1e-13, while h = 1e-4 is 1e-8 off.
    rng = np.random.default_rng(510)
    x, x_small = rng.standard_normal(3), 0.3 * rng.standard_normal(3)
    hs = (1e-2, 3e-2)
    cube = lambda v: float(np.sum(np.asarray(v) ** 3))  # noqa: E731
    grads = call_each(student.numerical_gradient,
                      [((cube, x.copy()), {"h": h}) for h in hs] + [((cube, x_small.copy()), {})])
    for h, grad in zip(hs, grads):
        assert_close("grad of sum(x**3) (h set)", grad, 3 * x ** 2 + h ** 2, rtol=1e-8, atol=1e-10)
    try:
        assert_close("grad of sum(x**3) (default h)", grads[-1], 3 * x_small ** 2 + 1e-10, rtol=1e-12, atol=5e-11)
    except AssertionError as err:
        raise AssertionError(f"{err}: without h, the step must be the signature's default, h = 1e-5") from None


@graded("numerical_gradient", weight=1)
def test_numerical_gradient_leaves_x_unchanged(student, ref):
    rng = np.random.default_rng(520)
    f, grad_f = _wavy(rng, (2, 3))
    x = rng.standard_normal((2, 3))
    grad = call_unchanged(student.numerical_gradient, f, x)
    assert_close("grad", grad, grad_f(x), rtol=1e-6, atol=1e-8)


@graded("relative_error", weight=1)
def test_relative_error_formula(student, ref):
    cases = []
    for seed in SEEDS:
        rng = np.random.default_rng(600 + seed)
        a = rng.standard_normal((4, 5))
        b = a + 1e-3 * rng.standard_normal((4, 5))
        b[0, 0] = a[0, 0] + 0.5                                    # one outlier: the max, not the mean
        a[1, :3], b[1, :3] = [1e-10, 0.0, 3e-9], [-1e-10, 0.0, 0.0]  # below the 1e-8 floor, and 0 vs 0
        tiny = 1e-9 * rng.standard_normal(6)                       # only floored entries
        cases += [(a, b), (a, a.copy()), (tiny, -tiny), (tiny, np.zeros(6)), (np.zeros(3), np.zeros(3)), (3.0, 3.5)]
    for (u, v), result in zip(cases, _each(student.relative_error, [(c, {}) for c in cases])):
        got = as_float("relative error", result)
        want = float(np.max(np.abs(np.subtract(u, v)) / np.maximum(1e-8, np.abs(u) + np.abs(v))))
        assert_close("relative error", got, want, rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------- predict
@graded("predict", weight=1)
def test_predict_matches_reference(student, ref):
    shapes = ((20, 4, 6, 3), (9, 3, 10, 5), (1, 2, 5, 3))
    cases = _net_cases(700, shapes)
    results = _each(student.predict, [((X, _copy(params)), kw) for X, params, kw in cases])
    for (X, _, kw), labels, expected in zip(cases, results, _net_references(ref, "predict", 700, shapes)):
        if not kw:
            assert_equal("labels (default hidden_activation)", labels, expected)
            continue
        label = _label(kw["hidden_activation"])
        assert_shape(f"labels ({label})", labels, (X.shape[0],))
        assert np.asarray(labels).dtype.kind in "iu", "predict must return integer class labels"
        assert_equal(f"labels ({label})", labels, expected)


# ---------------------------------------------------------------------------- training
def _spiral(seed=0, n=100, k=3):
    """The CS231n spiral lifted onto a cone: k arms of n points from radius 0.25 to 1 (the centre, where
    the arms meet, is left out) with angle noise 0.05 (CS231n: 0.2), standardized and doubled, and as a
    third coordinate each point's distance to the centre (minus its mean). No linear classifier separates
    the arms (the best one classifies 53 %), but the distance feature lets a ReLU layer fit them in under
    100 SGD steps from the 1e-2 init, where the flat spiral takes several hundred."""
    rng = np.random.default_rng(seed)
    X, y = np.zeros((n * k, 2)), np.zeros(n * k, dtype=np.int64)
    for j in range(k):
        r = np.linspace(0.25, 1.0, n)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), n) + 0.05 * rng.standard_normal(n)
        X[j * n:(j + 1) * n] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[j * n:(j + 1) * n] = j
    X = 2.0 * (X - X.mean(axis=0)) / X.std(axis=0)
    radius = np.sqrt(np.sum(X ** 2, axis=1))
    return np.c_[X, radius - radius.mean()], y


def _blobs(seed=0, n=30):
    rng = np.random.default_rng(seed)
    centers = 2.0 * np.array([[np.cos(a), np.sin(a)] for a in (0.0, 2 * np.pi / 3, 4 * np.pi / 3)])
    return np.concatenate([m + 0.5 * rng.standard_normal((n, 2)) for m in centers]), np.repeat(np.arange(3), n)


def _history(history, epochs):
    """history's "loss" and "train_acc" as float arrays of one entry per epoch."""
    if not isinstance(history, dict) or not {"loss", "train_acc"} <= set(history):
        raise AssertionError(f"history must be a dict with keys 'loss' and 'train_acc', got {describe(history)}")
    values = {}
    for key in ("loss", "train_acc"):
        seq = history[key]
        if not isinstance(seq, (list, tuple, np.ndarray)) or len(seq) != epochs:
            raise AssertionError(f"history[{key!r}] must hold one entry per epoch ({epochs}), got {describe(seq)}")
        values[key] = np.array([as_float(f"history[{key!r}] entry", v) for v in seq])
    return values["loss"], values["train_acc"]


def _close(name, actual, expected, hint, rtol, atol=0.0):
    """assert_close, with what the quantity must be added to its feedback."""
    try:
        assert_close(name, actual, expected, rtol=rtol, atol=atol)
    except AssertionError as err:
        raise AssertionError(f"train_two_layer: {err}: {hint}") from None


def _expect_history(name, loss, acc, want_loss, want_data_loss, want_acc, when):
    """history entries against the whole training set's loss and accuracy of the parameters after the
    epochs, computed here by the reference: a history taken before the epoch's updates, or from its
    last mini-batch only, is off. The docstring's "the full training set's loss" leaves open whether
    the L2 term is in, so the loss without it (want_data_loss(), computed only when needed) passes too."""
    hint = f"the whole training set's {{}} of the parameters after {when}'s updates"
    if not (np.allclose(loss, want_loss, rtol=1e-8, atol=0) or np.allclose(loss, want_data_loss(), rtol=1e-8, atol=0)):
        _close(f"history['loss']{name}", loss, want_loss, hint.format("loss (with or without the L2 term)"), rtol=1e-8)
    # An accuracy is k / N: 1e-6 tells every two apart (N <= 300 here) and admits one computed in float32
    # ((y_pred == y).astype(np.float32).mean(), within 6e-8 of k / N), as a count loses nothing in float32.
    wrong = int(np.sum(np.abs(np.asarray(acc) - want_acc) > 1e-6))
    if wrong:
        raise AssertionError(f"train_two_layer: history['train_acc']{name}: {wrong} of {np.size(acc)} entries are "
                             f"wrong: {hint.format('accuracy')}")


def _check_history(history, epochs, loss_of, final_acc):
    """history is well formed and its last entries are the returned parameters' loss and accuracy on the
    whole training set: loss_of(None) is that loss with the run's reg, loss_of(0.0) without the L2 term."""
    loss, acc = _history(history, epochs)
    assert np.all(np.isfinite(loss)) and loss[-1] < loss[0], "history['loss'] must be finite and decrease overall"
    assert np.all((acc >= 0) & (acc <= 1)), "history['train_acc'] entries must be accuracies in [0, 1]"
    _expect_history("[-1]", loss[-1], acc[-1], loss_of(None), lambda: loss_of(0.0), final_acc, "the last epoch")


def _trained(result, X, hidden_dim, classes=3):
    params, history = unpack(result, 2, "train_two_layer")
    _check_params_dict("params", params, _shapes(X.shape[1], hidden_dim, classes))
    return params, history


@graded("train_two_layer", weight=3)
def test_train_two_layer_fits_spiral(student, ref):
    # 10 epochs of 10 mini-batches: 100 SGD steps (the suite used to run 400 on the flat spiral, which
    # constant-lr SGD needs several hundred steps to fit reliably). Over 1200 rng seeds the reference
    # ends at 100 % of the lifted spiral; loops that draw batches with replacement (rng.choice, 1800
    # seeds; ceil(N / batch_size) batches from rng.integers, 600), draw W2 first (shuffling with
    # rng.permutation or rng.choice), draw every epoch's order before the init and decay the weights as
    # a shrink, or init by rng.spawn and shuffle with rng.permuted (600 seeds each) end at >= 99.7 %
    # (all at >= 88 % already after 8 epochs): the 90 % asked for is a wide margin. A loop that never
    # updates, climbs the gradient, sums the batch gradient instead of averaging it (diverges) or
    # divides it by the batch size again (stays near the small init) ends at 2 % to 63 % (600 seeds
    # each); one that steps once per epoch, or never updates W1 and b1, at most at 72 %.
    X, y = _spiral()
    params, history = _trained(call_unchanged(student.train_two_layer, X, y, hidden_dim=50, lr=1.0, epochs=10,
                                              batch_size=30, reg=1e-4, rng=np.random.default_rng(3)), X, 50)
    acc = float(np.mean(ref.predict(X, params) == y))
    assert acc >= 0.9, f"train_two_layer: the trained network classifies {acc:.0%} of the spiral, expected >= 90%"
    _check_history(history, 10, lambda reg: ref.two_layer_loss(X, y, params, reg=1e-4 if reg is None else reg)[0],
                   acc)


@memoized  # fixed inputs: computed once per grading process, not once per student
def _reference_objective(ref, seed, kwargs):
    """The loss + L2 penalty on _blobs() of the reference's train_two_layer(X, y, **dict(kwargs)) from
    default_rng(seed) (built here: a Generator cannot key the cache)."""
    X, y = _blobs()
    kw = dict(kwargs)
    params, _ = ref.train_two_layer(X, y, rng=np.random.default_rng(seed), **kw)
    return ref.two_layer_loss(X, y, params, hidden_activation=kw["hidden_activation"], reg=kw["reg"])[0]


# With lr = 0 the parameters stay at the start, so every history entry is known, not only the last.
# One hidden unit, biases 0 and pairs of opposite inputs: the sigmoid network predicts the class k of
# the largest weight of W2 everywhere, and the same network with a ReLU predicts k on one input of each
# pair and class 0 (all scores 0) on the other. Class 0 has no example, so whenever k != 0 (15 in 16 per
# run, 255 in 256 in one of two runs) an accuracy from the ReLU network (predict's default
# hidden_activation) shows.
_STILL = (np.tile([[1.5], [-1.5]], (15, 1)), np.repeat(np.arange(1, 16), 2))
_STILL_KW = {"hidden_dim": 1, "lr": 0.0, "epochs": 2, "batch_size": 30, "reg": 0.37, "hidden_activation": "sigmoid"}
_STILL_SEEDS = (40, 41)


@graded("train_two_layer", weight=1)
def test_train_two_layer_sigmoid_hidden(student, ref):
    # 12 epochs of 3 mini-batches on three separated blobs, with an L2 strength that shapes the
    # solution. Over 500 rng seeds each, the reference and loops with other shuffles, batch draws
    # and init orders classify every point and end within 1.10x the reference run's loss + L2
    # penalty (1.25x allowed); training without the L2 term ends at 1.47x, with a ReLU hidden layer
    # at 1.51x, without updates or with the gradient divided by the batch size again at 2.26x.
    X, y = _blobs()
    kw = {"hidden_dim": 10, "lr": 2.0, "epochs": 12, "batch_size": 30, "reg": 0.03}
    # the graded run, then one epoch with each activation from the same rng (where the two part ways),
    # then the runs of _STILL (whose every history entry is known)
    runs = call_each(student.train_two_layer, [((X, y), dict(kw, rng=np.random.default_rng(4), hidden_activation=act,
                                                             epochs=epochs))
                                               for act, epochs in (("sigmoid", 12), ("sigmoid", 1), ("relu", 1))]
                     + [(_STILL, dict(_STILL_KW, rng=np.random.default_rng(seed))) for seed in _STILL_SEEDS])
    (params, history), (sigmoid_params, _), (relu_params, _) = (_trained(r, X, 10) for r in runs[:3])
    acc = float(np.mean(ref.predict(X, params, hidden_activation="sigmoid") == y))
    assert acc >= 0.95, f"train_two_layer (sigmoid hidden layer): classifies {acc:.0%} of three separated blobs"
    objective = ref.two_layer_loss(X, y, params, hidden_activation="sigmoid", reg=kw["reg"])[0]
    objective_ref = _reference_objective(ref, 4, tuple(sorted(dict(kw, hidden_activation="sigmoid").items())))
    assert objective <= 1.25 * objective_ref, (
        "train_two_layer (sigmoid hidden layer): the trained network's loss + 0.5 * reg * (sum(W1**2) + sum(W2**2)) "
        "is too high: train on the regularized loss, with the hidden_activation given")
    _check_history(history, 12, lambda reg: objective if reg is None else ref.two_layer_loss(
        X, y, params, hidden_activation="sigmoid", reg=reg)[0], acc)
    # the same epoch with a ReLU hidden layer follows other gradients, so it must end elsewhere
    assert not all(np.allclose(relu_params[k], sigmoid_params[k]) for k in KEYS), \
        "train_two_layer must train with the hidden_activation it is given (relu and sigmoid gave the same network)"
    X, y = _STILL
    for result in runs[3:]:
        still, history = _trained(result, X, 1, classes=16)
        epochs, reg = _STILL_KW["epochs"], _STILL_KW["reg"]
        loss, acc = _history(history, epochs)
        _expect_history(" (sigmoid hidden layer)", loss, acc,
                        [ref.two_layer_loss(X, y, still, hidden_activation="sigmoid", reg=reg)[0]] * epochs,
                        lambda: [ref.two_layer_loss(X, y, still, hidden_activation="sigmoid")[0]] * epochs,
                        [np.mean(ref.predict(X, still, hidden_activation="sigmoid") == y)] * epochs, "each epoch")


@graded("train_two_layer", weight=1)
def test_train_two_layer_draws_only_from_rng(student, ref):
    X, y = _blobs(1, n=10)  # 2 epochs of 2 mini-batches: where the randomness comes from shows at once
    kw = {"hidden_dim": 8, "lr": 0.3, "epochs": 2, "batch_size": 16, "reg": 0.37}
    first, again, other = (_trained(r, X, 8)[0] for r in call_each(
        student.train_two_layer, [((X, y), dict(kw, rng=np.random.default_rng(seed))) for seed in (5, 5, 6)]))
    for k in KEYS:
        assert_close(f"params[{k!r}] from an identically seeded rng", again[k], first[k], rtol=1e-12, atol=0)
    assert not all(np.allclose(other[k], first[k]) for k in ("W1", "W2")), \
        "train_two_layer must draw its randomness from rng: differently seeded generators gave the same weights"


def _sgd_steps(ref, X, y, init, *, lr, epochs, batch_size, reg, hidden_dim):
    """test_train_two_layer_exact_steps's run from init, by the reference: the parameters after each
    epoch. All examples are the same, so the batches can be taken in order."""
    params, after = {k: np.asarray(v, dtype=np.float64) for k, v in init.items()}, []
    for _ in range(epochs):
        for start in range(0, len(y), batch_size):
            _, grads = ref.two_layer_loss(X[start:start + batch_size], y[start:start + batch_size], params, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in KEYS}
        after.append(params)
    return after


@graded("train_two_layer", weight=2)
def test_train_two_layer_exact_steps(student, ref):
    # Four copies of one example (label 2: C = max(y) + 1 = 3 even though classes 0 and 1 have no
    # example) and batch_size 2: every mini-batch has the same gradient, so every valid visiting order
    # (a permutation per epoch, rng.shuffle, batches drawn with replacement, a dropped last batch)
    # takes the same 4 steps and the run can be followed exactly: the update rule (the mini-batch's
    # mean gradient, L2 on W1 and W2 but not the biases, and at full strength in every step, not shared
    # out as reg * batch_size / N) and each history entry (on the whole training set, after the epoch's
    # updates). The start is the student's own: the same call with lr = 0 returns the initial
    # parameters untouched, and rng is drawn the same way whatever lr, so any valid draw order of the
    # initialization passes; that start must be two_layer_init's with its default weight_scale (the 432
    # weights' mean and std within 10 standard errors: a correct start fails with probability below
    # 1e-21, weight_scale 0.1 or 0.02 is 26 or 3 tolerances off). Over 300 seeds of x and rng,
    # equivalent loops (weight decay as a shrink of W, orders drawn before the init, in-place updates,
    # init by rng.spawn, other batch draws) end within 3e-13 of the reference's steps (1e-8 allowed);
    # decaying the biases too ends at least 0.14 off, sharing reg out as reg * batch_size / N 0.4 off, a
    # history taken before the epoch's updates, from the last mini-batch or as the mean of the epoch's
    # mini-batch losses 0.35 off, and error rates in place of accuracies are caught.
    n, x = 4, np.random.default_rng(800).standard_normal(24)
    X, y = np.tile(x, (n, 1)), np.full(n, 2)
    kw = {"hidden_dim": 16, "epochs": 2, "batch_size": 2, "reg": 0.3}
    (init, _), (params, history) = (unpack(r, 2, "train_two_layer") for r in call_each(
        student.train_two_layer, [((X, y), dict(kw, lr=lr, rng=np.random.default_rng(801))) for lr in (0.0, 0.5)]))
    shapes = _shapes(24, 16, 3)
    _check_params_dict("params (lr=0)", init, shapes)
    _check_params_dict("params", params, shapes)
    start = "train_two_layer must start from two_layer_init(D, hidden_dim, C, rng), with its default weight_scale"
    for k in ("b1", "b2"):
        assert not np.any(init[k]), f"{start}: params[{k!r}] (lr=0) must be zeros"
    w = np.concatenate([np.ravel(init["W1"]), np.ravel(init["W2"])]).astype(np.float64)
    assert abs(np.mean(w)) <= 10 * 1e-2 / np.sqrt(w.size) and \
        abs(np.sqrt(np.mean(w ** 2)) / 1e-2 - 1) <= 10 / np.sqrt(2 * w.size), \
        f"{start}: the weights (lr=0) must be 1e-2 times standard normal draws"
    after = _sgd_steps(ref, X, y, init, lr=0.5, **kw)
    rule = ("each step must be params[k] - lr * grads[k] with grads of two_layer_loss on the mini-batch with reg "
            "(L2 on W1 and W2 only, never on the biases), N / batch_size steps per epoch, from the parameters "
            "two_layer_init drew")
    for k in KEYS:
        _close(f"params[{k!r}] after a short run", params[k], after[-1][k], rule, rtol=1e-8, atol=1e-12)
    loss, acc = _history(history, kw["epochs"])
    _expect_history("", loss, acc, [ref.two_layer_loss(X, y, p, reg=kw["reg"])[0] for p in after],
                    lambda: [ref.two_layer_loss(X, y, p)[0] for p in after],
                    [np.mean(ref.predict(X, p) == y) for p in after], "each epoch")


def _two_batches(b2, lr, batch_size):
    """The label counts (c1, c2) of the two mini-batches of one epoch of test_train_two_layer_mini_batches
    that took b2 from 0 to b2, or None if no two mini-batches of batch_size examples do.

    Only b2 learns there: b2 = lr (c1 / batch_size - u) after the first step (u = 1 / C, the softmax of
    b2 = 0), then b2 += lr (c2 / batch_size - s) with s = softmax(lr c1 / batch_size). With lr = 0.5,
    C = 32 and batch_size 16 every entry of s lies in (0.030, 0.051), inside (0, 1 / batch_size):
    batch_size (b2 / lr + u) is c1 + c2 less batch_size s, so rounding it up gives c1 + c2 and leaves s,
    whose logarithm is lr c1 / batch_size up to a constant. Any two mini-batches are told apart exactly
    this way (valid loops decode to whole counts within 2e-13, 1e-6 allowed)."""
    b2 = np.asarray(b2, dtype=np.float64)
    x = batch_size * (b2 / lr + 1.0 / b2.size)
    if not np.all(np.isfinite(x)):
        return None
    total = np.ceil(x)
    s = (total - x) / batch_size
    if np.any(total < 0) or total.sum() != 2 * batch_size or np.any(s <= 0):
        return None
    log_s = np.log(s)
    c1 = batch_size * ((log_s - log_s.mean()) / lr + 1.0 / b2.size)
    rounded = np.round(c1)
    if np.max(np.abs(c1 - rounded)) > 1e-6 or np.any(rounded < 0) or np.any(rounded > total):
        return None
    return rounded, total - rounded


@graded("train_two_layer", weight=1)
def test_train_two_layer_mini_batches(student, ref):
    # All-zero inputs: the ReLU hidden layer outputs 0 and learns nothing (b1 = 0 and ReLU'(0) = 0), so
    # only b2 learns, from which labels each mini-batch holds (one example per class).
    # 1. One epoch of 32 examples in mini-batches of 16: b2 tells which examples each of the two steps
    # averaged over (see _two_batches), so a step on the whole training set, on batch_size - 1 examples
    # or any other number fails. Every valid loop takes two steps of 16 examples: disjoint halves of a
    # shuffled order, or batches drawn with replacement. Mini-batches taken as order[i:i + batch_size]
    # instead of order[i * batch_size:(i + 1) * batch_size] share all but one example in every run: two
    # independently drawn batches of distinct examples do so with probability 16 * 16 / C(32, 16) =
    # 4.3e-7 (with replacement less; disjoint halves never), so this fails only when both of two runs from
    # differently seeded rngs do: (4.3e-7)**2 = 1.8e-13 for a valid loop. Taking the first batch_size examples of
    # the order at every step (order[:batch_size]) makes the two mini-batches the same examples in every run; two
    # independently drawn batches of 16 distinct examples of 32 are the same with probability 1 / C(32, 16) =
    # 1.7e-9 (drawn with replacement, the same multiset at most 16! / 32**16 = 1.7e-11; disjoint halves never), so
    # this fails only when both runs do: (1.7e-9)**2 = 2.8e-18 for a valid loop.
    # 2. 24 examples of 24 classes in mini-batches of 12, 2 epochs: if the second epoch repeats the
    # first one's batches, the classes of the first batch end with one value of b2 and the others with
    # another, the same two values whichever the batches (the classes are symmetric), which sorted(b2)
    # shows. By that symmetry the second epoch's b2 depends only on how many classes its first batch
    # shares with the first epoch's: every other count ends at least 0.12 away in some entry (1e-9
    # allowed). A new uniformly random order each epoch repeats the first one's batches with
    # probability 1 / C(24, 12) = 3.7e-7 (batches drawn with replacement far less), a loop shuffling once
    # or never in every run: this fails only when both of two runs repeat, (3.7e-7)**2 = 1.4e-13 for a
    # valid loop (one run alone was above the 1e-8 that statistical checks are held to).
    m, small_batch, small_lr = 32, 16, 0.5
    n, batch_size, lr = 24, 12, 10.0
    X = np.zeros((n, 2))
    calls = [((X, np.arange(n)), dict(hidden_dim=2, lr=lr, epochs=2, batch_size=batch_size, reg=0.0,
                                      rng=np.random.default_rng(seed))) for seed in (802, 804)]
    calls += [((np.zeros((m, 1)), np.arange(m)), dict(hidden_dim=1, lr=small_lr, epochs=1, batch_size=small_batch,
                                                      reg=0.0, rng=np.random.default_rng(seed))) for seed in (803, 805)]
    results = call_each(student.train_two_layer, calls)
    overlapping, same, decoded = [], [], []
    for result, ((X_small, _), _) in zip(results[2:], calls[2:]):
        counts = _two_batches(_trained(result, X_small, 1, classes=m)[0]["b2"], small_lr, small_batch)
        assert counts is not None, (
            "train_two_layer: after one epoch of two mini-batches, no two mini-batches of batch_size examples give "
            "these parameters: each step must take the mean gradient (two_layer_loss) of one mini-batch of "
            "batch_size examples, not of the whole training set or of another number of examples")
        first, second = counts
        overlapping.append(first.max() <= 1 and second.max() <= 1 and np.sum(first * second) == small_batch - 1)
        same.append(np.array_equal(first, second))
        decoded.append(counts)
    # Two runs from differently seeded rngs take the same two mini-batches with probability 1 / C(32, 16) =
    # 1.7e-9 (disjoint halves; drawn with replacement at most 16! / 32**16 = 1.7e-11): an order drawn from a
    # generator of the loop's own with a fixed seed (np.random.default_rng(epoch)) takes them in every run.
    assert not all(np.array_equal(a, b) for a, b in zip(*decoded)), (
        "train_two_layer: two differently seeded rngs gave the same mini-batches: each epoch's order must be drawn "
        "from rng, not from a generator with a fixed seed of its own")
    assert not all(same), (
        "train_two_layer: the epoch's two mini-batches were the same examples: every step must take the next "
        "batch_size examples of the epoch's shuffled order (order[i * batch_size:(i + 1) * batch_size] for step i), "
        "not the first batch_size again")
    assert not all(overlapping), (
        "train_two_layer: the epoch's two mini-batches shared all but one example: mini-batch i must be "
        "order[i * batch_size:(i + 1) * batch_size] of the epoch's shuffled order")
    b2, first = np.zeros(n), np.arange(n) < batch_size
    for batch in (first, ~first) * 2:  # the first epoch's batches, twice
        p = np.exp(b2 - b2.max())
        b2 = b2 - lr * (p / p.sum() - batch / batch_size)
    repeated = [np.max(np.abs(np.sort(np.asarray(_trained(result, X, 2, classes=n)[0]["b2"], dtype=np.float64))
                              - np.sort(b2))) <= 1e-9 for result in results[:2]]
    # only the labels tell the examples apart here (X is 0): shuffling X alone repeats the label batches too
    assert not all(repeated), ("train_two_layer must visit the examples in a new random order every epoch (a new "
                               "permutation from rng each epoch, the same one for X and y): the second epoch repeated "
                               "the first one's mini-batches of labels")
