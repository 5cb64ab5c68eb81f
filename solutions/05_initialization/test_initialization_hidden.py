"""Hidden tests for 05_initialization.

Initializers are graded by statistics of their draws (mean, std, shape of the distribution, bounds,
units that differ from one another), never by one particular random stream: any valid way of drawing
from ``rng`` passes. Each check
allows Z = 7 standard errors, so a correct implementation fails a check with probability below
1e-9 (the suite makes ~110 such checks), while the classic bugs (wrong fan, missing or misplaced
gain, bound from the std formula, normal vs uniform) land 15 or more standard errors away: see the
sample-size notes at DENSE / CONV.

layer_activation_stats fixes its draw order, so it is compared with the reference exactly. Its
``init`` callbacks are always test-defined, never the student's initializers (those are graded by
their own tests, not charged again here). Most read ``rng``'s state without drawing from it, so they
give the same weights on the generator or on a copy of it; the others draw from ``rng`` like a real
initializer, which exposes a layer_activation_stats that hands ``init`` a copy or a generator of its
own (under the grader such a callback draws from a copy of the worker's generator, and the worker
takes over the copy's advanced state when the callback returns).
"""

import math

import numpy as np

from grader.checks import (
    assert_close,
    assert_equal,
    assert_shape,
    call_each,
    expect_raises,
    graded,
    memoized,
    small_shape,
    unpack,
)
from grader.errors import GlobalRandomUsed, StudentError

Z = 7.0
SEEDS_PER_CASE = 2
# Sample sizes. Each check pools the draws of both seeds for one shape: n = 2 * 6400 (DENSE) or
# 2 * 4320 (CONV) entries. fan_in != fan_out (ratio 4 and 2), so every fan mix-up, and a gain
# applied inside the square root, moves the std by 21% or more. With n >= 8640:
# - std: relative standard error 0.5 * sqrt((kurtosis - 1) / n) <= 0.76% (normal), so the tolerance
#   is <= 5.3% and a 21% error lies 20 of its standard errors beyond it (uniform: <= 3.4%);
# - normal vs uniform with the right std: the share of |w| < std is 0.683 vs 0.577; standard error
#   <= 0.0050, tolerance <= 0.035, so a uniform lands 13 of its standard errors past the tolerance;
#   and a uniform has no entry beyond sqrt(3) std, where a normal puts 8.3% (+-2.1% allowed): that
#   check fails for it deterministically;
# - histogram (10 bins of [-a, a], p = 0.1 each, pooled over both shapes too: n = 21440): tolerance
#   0.014 per bin; normal draws with the uniform's std put 0.041 in each edge bin, 0.059 short, and
#   even a normal clipped to [-a, a] (std 7% low) puts 0.136 in each central bin, 0.036 over;
# - the sample max of a uniform must come within a * 30 / size of the bound a (a correct draw misses
#   that with probability (1 - 30/size)^size < e^-30); a bound from the std formula is 42% short.
# Simulated over 900 seed sets, the correct schemes reach at most 0.58 of a tolerance; every
# statistical mutant of tests/corpus/05_initialization.py reaches at least 4.3 times it or breaks
# a bound (he_uniform_clipped_normal, a subtler shape error made for this check: 2.3 times).
DENSE = (160, 40)           # fan_in = 160, fan_out = 40; 6400 entries
CONV = (24, 12, 3, 5)       # fan_in = 180, fan_out = 360; 4320 entries


def _fans(shape):
    if len(shape) == 2:
        return shape
    return shape[1] * shape[2] * shape[3], shape[0] * shape[2] * shape[3]


def _array(name, W, shape):
    assert_shape(name, W, shape)
    W = np.asarray(W)
    # The docstring promises float64: float32 weights (rng.standard_normal(shape, dtype=np.float32), np.zeros
    # with dtype=np.float32) would pass every statistic and then train in a precision the course never uses.
    assert W.dtype == np.float64, f"{name}: weights should be a float64 array, got dtype {W.dtype}"
    assert np.all(np.isfinite(W)), f"{name}: some entries are NaN or infinite"
    return W.astype(np.float64)


def _pooled(name, Ws, shape):
    """Every draw checked for shape, dtype and finiteness, then pooled into one flat sample."""
    return np.concatenate([_array(name, W, shape).ravel() for W in Ws])


def _moments(name, W, std, kurtosis):
    """Sample mean ~ 0 and sample std ~ std, each within Z standard errors."""
    n = W.size
    z_mean = abs(W.mean()) / (std / math.sqrt(n))
    assert z_mean <= Z, (f"{name}: the sample mean is {z_mean:.0f} standard errors away from 0 "
                         f"(allowed {Z:.0f}); entries should have mean 0")
    rel = W.std() / std - 1.0
    tol = Z * 0.5 * math.sqrt((kurtosis - 1.0) / n)
    assert abs(rel) <= tol, (f"{name}: the sample std is off by {100 * rel:+.0f}% from the required std "
                             f"(allowed +-{100 * tol:.1f}%)")


def _share_near(name, W, threshold, p, what):
    """The share of entries with |w| < threshold is p, within Z binomial standard errors."""
    frac = np.mean(np.abs(W) < threshold)
    z = abs(frac - p) / math.sqrt(p * (1 - p) / W.size)
    assert z <= Z, f"{name}: entries do not look normally distributed (the share {what} is {z:.0f} standard errors off)"


# Each unit's weights must be drawn independently: a weight whose output units (or inputs) repeat one
# drawn vector (one kernel stacked for every filter, a column broadcast across the layer) never breaks
# the symmetry between those units, the point of random initialization, and one whose second half
# negates its first (to centre the sample) is not i.i.d. either. Their pooled statistics come from
# half the entries or fewer, often a few hundred distinct values, so the checks above see them by
# chance alone (the std of 180 distinct values errs by 3.7% on average, within the tolerance). Two
# slices of >= 40 continuous i.i.d. entries are never equal, or opposite, by chance (probability below
# 2^-500 even on a float32 grid), so this check has no false positives.
_PROBES: dict = {}


def _probe(shape):
    """A fixed generic array of the given shape (cached): one projection key per unit."""
    p = _PROBES.get(shape)
    if p is None:
        p = _PROBES[shape] = np.cos(np.arange(math.prod(shape)) + 0.5).reshape(shape)
    return p


def _units(W):
    """(label, one projection key per unit, the units as rows) for the output and the input units of a
    2-D or 4-D weight; units equal up to sign have keys equal in magnitude. The rows (a copy for the
    input channels of a 4-D weight) are built only when keys tie."""
    if W.ndim == 2:
        return [("output units (columns)", _probe(W.shape[:1]) @ W, lambda: W.T),
                ("inputs (rows)", W @ _probe(W.shape[1:]), lambda: W)]
    filters = W.reshape(W.shape[0], -1)
    return [("filters (output channels)", filters @ _probe(filters.shape[1:]), lambda: filters),
            ("input channels", np.tensordot(W, _probe((W.shape[0], *W.shape[2:])), axes=([0, 2, 3], [0, 1, 2])),
             lambda: np.moveaxis(W, 1, 0).reshape(W.shape[1], -1))]


def _distinct_units(name, Ws):
    # the first draw of each case is enough: repeating units is the code's structure, not the stream's
    for W in Ws[:1]:
        for what, keys, rows in _units(np.asarray(W, dtype=np.float64)):
            mags = np.sort(np.abs(keys))
            # a tie of keys is confirmed on the units themselves (each multiplied by its key's sign),
            # so units that differ never fail here
            if np.any(mags[1:] == mags[:-1]) and len(np.unique(rows() * np.sign(keys)[:, None], axis=0)) < len(keys):
                raise AssertionError(f"{name}: some {what} repeat the same weights (or their negatives): draw "
                                     "every entry independently (units with identical weights compute the same "
                                     "thing and get the same updates, so the symmetry between them is never broken)")


def _check_normal(name, Ws, shape, std):
    W = _pooled(name, Ws, shape)
    _distinct_units(name, Ws)
    _moments(name, W, std, kurtosis=3.0)
    _share_near(name, W, std, 0.6826894921370859, "within one std")  # P(|z| < 1)
    # P(|z| < sqrt(3)) for a normal; exactly 1 for a uniform with the same std
    _share_near(name, W, math.sqrt(3.0) * std, 0.9167354833364496, "within sqrt(3) std")
    _tail_present(name, W, std)


P_TAIL = 0.012419330651552318  # P(|z| > 2.5) for a standard normal


def _tail_present(name, W, std):
    """A normal puts P_TAIL of its entries beyond 2.5 std; a truncated normal (Keras' he_normal and
    lecun_normal: cut at 2 of its own stds, rescaled to the required std, so cut at 2.27 std) puts
    none there, which the moment and share checks above see only at ~8 standard errors, too close
    to Z to be reliable. One-sided: only too few tail entries fail. False positive: the count is
    binomial(n, P_TAIL), and Chernoff's bound P(X <= n p - t) <= exp(-t^2 / (2 n p)) with
    t = Z * sqrt(n p (1 - p)) gives exp(-Z^2 (1 - p) / 2) = 3.1e-11 per check, for any n (the exact
    binomial tail is below 3e-15 for n = 8640 and 12800). A truncated normal lands 10.4 (n = 8640)
    or 12.7 (n = 12800) standard errors below, deterministically."""
    n = W.size
    frac = np.mean(np.abs(W) > 2.5 * std)
    z = (P_TAIL - frac) / math.sqrt(P_TAIL * (1 - P_TAIL) / n)
    assert z <= Z, (f"{name}: entries do not look normally distributed (too few lie beyond 2.5 std: {z:.0f} "
                    "standard errors short; a truncated normal is not N(0, std^2))")


def _check_uniform(name, Ws, shape, a):
    for W in Ws:
        m = np.max(np.abs(_array(name, W, shape)))
        assert m <= a * (1 + 1e-12), f"{name}: some entries lie outside [-a, a] for the required bound a"
        assert m >= a * (1 - 30.0 / W.size), f"{name}: no entry comes close to the required bound a: the range is too narrow"
    _distinct_units(name, Ws)
    _moments(name, _pooled(name, Ws, shape), a / math.sqrt(3.0), kurtosis=1.8)


def _check_uniformity(name, samples):
    """samples: (label, Ws, shape, a) per shape. The entries divided by their bound a, pooled over
    seeds and shapes (n = 21440), fill 10 equal bins of [-1, 1] evenly, within Z standard errors."""
    W = np.concatenate([_pooled(label, Ws, shape) / a for label, Ws, shape, a in samples])
    counts, _ = np.histogram(W, bins=10, range=(-1.0, 1.0))
    n, p = W.size, 0.1
    z = np.max(np.abs(counts - n * p)) / math.sqrt(n * p * (1 - p))
    assert z <= Z, f"{name}: entries are not uniform on [-a, a] (a histogram bin is {z:.0f} standard errors off)"


def _draws(fn, cases):
    """fn(shape, *extra, rng, **kwargs) for each (shape, extra, kwargs) with SEEDS_PER_CASE seeds, in
    ONE round trip; returns the list of draws per case. Every call gets its own seed: samples that
    are pooled must not share a random stream (two shapes drawn from one seed repeat its numbers)."""
    k = SEEDS_PER_CASE
    calls = [((shape, *extra, np.random.default_rng(k * i + j)), kwargs)
             for i, (shape, extra, kwargs) in enumerate(cases) for j in range(k)]
    results = call_each(fn, calls)
    return [results[i * k:(i + 1) * k] for i in range(len(cases))]


def _uses_only_rng(name, fn, shape, extra=()):
    a, b, c = call_each(fn, [((shape, *extra, np.random.default_rng(s)), {}) for s in (3, 3, 4)])
    assert_equal(f"{name} (two calls with equally seeded generators)", a, b)
    assert not np.array_equal(a, c), f"{name}: differently seeded generators gave identical weights; draw from rng"


# ---------------------------------------------------------------------------- fans and gains
@graded("compute_fans", weight=3)
def test_compute_fans_dense_and_conv(student, ref):
    shapes = [(600, 150), (7, 3), (1, 5), (64, 32, 3, 5), (16, 3, 7, 7), (8, 10, 1, 1), (5, 2, 4, 1)]
    for shape, result in zip(shapes, call_each(student.compute_fans, [((shape,), {}) for shape in shapes])):
        fan_in, fan_out = unpack(result, 2, "compute_fans")
        assert_equal(f"fan_in of a {len(shape)}-D shape", fan_in, _fans(shape)[0])
        assert_equal(f"fan_out of a {len(shape)}-D shape", fan_out, _fans(shape)[1])


def _valid_call(fn, args, prop, what):
    """fn(*args) on a valid input, after a "must raise" check passed: a function that raises ValueError for
    everything must not earn that check's points, so raising ValueError here fails the test."""
    try:
        return fn(*args)
    except StudentError as err:  # graded: the exception happened in the worker
        if isinstance(err, GlobalRandomUsed) or not err.is_a("ValueError"):
            raise
    except ValueError:  # plain pytest
        pass
    raise AssertionError(f"{prop}, but it also raises ValueError for {what}")


def _but_wrong(prop, check, *args, **kwargs):
    """check(*args, **kwargs) (assert_equal or assert_close), its failure prefixed with the property that held."""
    try:
        check(*args, **kwargs)
    except AssertionError as err:
        raise AssertionError(f"{prop}, but its value for a valid input is wrong: {err}") from None


@graded("compute_fans", weight=1)
def test_compute_fans_other_ranks_raise(student, ref):
    for shape in [(5,), (3, 4, 5), (2, 3, 4, 5, 6), ()]:
        expect_raises("ValueError", student.compute_fans, shape)
    prop, shape = "compute_fans raises ValueError for shapes of other ranks", (16, 3, 7, 7)
    fan_in, fan_out = unpack(_valid_call(student.compute_fans, (shape,), prop, "a valid 4-D shape"), 2, "compute_fans")
    fan_in_ref, fan_out_ref = ref.compute_fans(shape)
    _but_wrong(prop, assert_equal, "fan_in of a 4-D shape", fan_in, fan_in_ref)
    _but_wrong(prop, assert_equal, "fan_out of a 4-D shape", fan_out, fan_out_ref)


@graded("calculate_gain", weight=3)
def test_calculate_gain_values(student, ref):
    # A slope of 0 (plain ReLU) is a slope too: only param=None means the default (`param or 0.01` fails).
    # An int slope is a number (as in PyTorch): `isinstance(param, float)` must not refuse it.
    cases = [(("linear",), 1.0), (("sigmoid",), 1.0), (("tanh",), 5.0 / 3), (("relu",), math.sqrt(2.0)),
             (("selu",), 0.75), (("leaky_relu",), math.sqrt(2.0 / (1 + 0.01 ** 2))),
             (("leaky_relu", 0.2), math.sqrt(2.0 / 1.04)), (("leaky_relu", 0.35), math.sqrt(2.0 / (1 + 0.35 ** 2))),
             (("leaky_relu", 0.0), math.sqrt(2.0)), (("leaky_relu", 1), 1.0)]
    gains = call_each(student.calculate_gain, [(args, {}) for args, _ in cases])
    for (args, expected), gain in zip(cases, gains):
        label = f"gain for {args[0]}" + (" with param set (only param=None means the default slope 0.01)"
                                         if len(args) > 1 else "")
        assert_close(label, gain, expected, rtol=1e-12)


@graded("calculate_gain", weight=1)
def test_calculate_gain_param_is_leaky_relus_slope_only(student, ref):
    # param=None is the default slope, and PyTorch ignores param for every other nonlinearity: ReLU written as
    # leaky ReLU with slope 0 must not take a param given with "relu" as its slope. A test of its own, so that
    # this costs 1/7 of the function's points.
    why = "param is leaky_relu's slope only: every other nonlinearity ignores it, as in PyTorch"
    for name, expected in (("relu", math.sqrt(2.0)), ("tanh", 5.0 / 3)):
        try:
            gain = student.calculate_gain(name, 0.2)
        except StudentError as err:  # under the grader
            if isinstance(err, GlobalRandomUsed) or not err.is_a("ValueError"):
                raise
            raise AssertionError(f"calculate_gain({name!r}, 0.2) raised ValueError: {why}") from None
        except ValueError:  # plain pytest
            raise AssertionError(f"calculate_gain({name!r}, 0.2) raised ValueError: {why}") from None
        assert_close(f"gain for {name} with param set ({why})", gain, expected, rtol=1e-12)
    # param=None given explicitly (by keyword, as callers pass it on) means the default slope 0.01: a signature
    # with param=0.01 as its default passes every call that leaves param out, and fails here.
    default = "param=None means the default slope 0.01 (the signature is calculate_gain(nonlinearity, param=None))"
    try:
        gain = student.calculate_gain("leaky_relu", param=None)
    except StudentError as err:  # under the grader
        if isinstance(err, GlobalRandomUsed):
            raise
        raise AssertionError(f"calculate_gain('leaky_relu', param=None): {err}; {default}") from None
    except (TypeError, ValueError) as err:  # plain pytest
        raise AssertionError(f"calculate_gain('leaky_relu', param=None) raised {type(err).__name__}; "
                             f"{default}") from None
    assert_close(f"gain for leaky_relu with param=None ({default})", gain, math.sqrt(2.0 / (1 + 0.01 ** 2)),
                 rtol=1e-12)


@graded("calculate_gain", weight=1)
def test_calculate_gain_linear_layers(student, ref):
    names = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
    for name, gain in zip(names, call_each(student.calculate_gain, [((name,), {}) for name in names])):
        assert_close(f"gain for {name}", gain, 1.0, rtol=1e-12)


@graded("calculate_gain", weight=1)
def test_calculate_gain_unknown_raises(student, ref):
    for name in ["gelu", "softmax", "swish"]:
        expect_raises("ValueError", student.calculate_gain, name)
    prop = "calculate_gain raises ValueError for unknown nonlinearities"
    gain = _valid_call(student.calculate_gain, ("tanh",), prop, "a known one (tanh)")
    _but_wrong(prop, assert_close, "gain for tanh", gain, ref.calculate_gain("tanh"), rtol=1e-12)


@graded("calculate_gain", weight=1)
def test_calculate_gain_non_numeric_slope_raises(student, ref):
    # The docstring's promise, as in PyTorch; a numeric string is the case float(param) lets through.
    for param in ("0.2", "slope"):
        try:
            expect_raises("ValueError", student.calculate_gain, "leaky_relu", param)
        except AssertionError as err:
            raise AssertionError(f"calculate_gain('leaky_relu', param) with a param that is not a number (a string): "
                                 f"{err}") from None
    prop = "calculate_gain('leaky_relu', param) raises ValueError for a param that is not a number"
    gain = _valid_call(student.calculate_gain, ("leaky_relu", 0.2), prop, "a numeric param")
    _but_wrong(prop, assert_close, "gain for leaky_relu with param set", gain, ref.calculate_gain("leaky_relu", 0.2),
               rtol=1e-12)


# ---------------------------------------------------------------------------- zeros / normal
@graded("zeros_init", weight=1)
def test_zeros_init_shape_and_values(student, ref):
    shapes = [DENSE, CONV, (3, 1)]
    for shape, W in zip(shapes, call_each(student.zeros_init, [((shape,), {}) for shape in shapes])):
        W = _array("zeros_init", W, shape)
        assert not np.any(W), "zeros_init: every entry should be 0"


@graded("normal_init", weight=3)
def test_normal_init_statistics(student, ref):
    cases = [(shape, (std,), {}) for std in (0.37, 2.5) for shape in (DENSE, CONV)]
    for (shape, (std,), _), Ws in zip(cases, _draws(student.normal_init, cases)):
        _check_normal("normal_init", Ws, shape, std)


@graded("normal_init", weight=1)
def test_normal_init_uses_only_rng(student, ref):
    _uses_only_rng("normal_init", student.normal_init, (20, 30), (0.3,))


# ---------------------------------------------------------------------------- LeCun / Xavier / He
def _scheme_samples(student, name, value_of, gains=(None,)):
    """Draws for both shapes (and each gain), in one round trip: (label, Ws, shape, std or bound)."""
    cases = [(shape, (), {} if gain is None else {"gain": gain}) for gain in gains for shape in (DENSE, CONV)]
    return [(f"{name} ({len(shape)}-D weight{', gain set' if kw else ''})", Ws, shape,
             kw.get("gain", 1.0) * value_of(*_fans(shape)))
            for (shape, _, kw), Ws in zip(cases, _draws(getattr(student, name), cases))]


def _scheme(student, name, check, value_of, gains=(None,)):
    for label, Ws, shape, value in _scheme_samples(student, name, value_of, gains):
        check(label, Ws, shape, value)


@graded("lecun_normal", weight=3)
def test_lecun_normal_statistics(student, ref):
    _scheme(student, "lecun_normal", _check_normal, lambda fi, fo: math.sqrt(1.0 / fi))


@graded("lecun_normal", weight=1)
def test_lecun_normal_uses_only_rng(student, ref):
    _uses_only_rng("lecun_normal", student.lecun_normal, (20, 30))


@graded("xavier_normal", weight=3)
def test_xavier_normal_statistics(student, ref):
    _scheme(student, "xavier_normal", _check_normal, lambda fi, fo: math.sqrt(2.0 / (fi + fo)))


@graded("xavier_normal", weight=2)
def test_xavier_normal_gain(student, ref):
    _scheme(student, "xavier_normal", _check_normal, lambda fi, fo: math.sqrt(2.0 / (fi + fo)), gains=(5.0 / 3, 0.6))


@graded("xavier_normal", weight=1)
def test_xavier_normal_uses_only_rng(student, ref):
    _uses_only_rng("xavier_normal", student.xavier_normal, (20, 30))


@graded("xavier_uniform", weight=3)
def test_xavier_uniform_bound_and_statistics(student, ref):
    _scheme(student, "xavier_uniform", _check_uniform, lambda fi, fo: math.sqrt(6.0 / (fi + fo)))


@graded("xavier_uniform", weight=1)
def test_xavier_uniform_is_uniform(student, ref):
    _check_uniformity("xavier_uniform", _scheme_samples(student, "xavier_uniform", lambda fi, fo: math.sqrt(6.0 / (fi + fo))))


@graded("xavier_uniform", weight=2)
def test_xavier_uniform_gain(student, ref):
    _scheme(student, "xavier_uniform", _check_uniform, lambda fi, fo: math.sqrt(6.0 / (fi + fo)), gains=(5.0 / 3, 0.6))


@graded("xavier_uniform", weight=1)
def test_xavier_uniform_uses_only_rng(student, ref):
    _uses_only_rng("xavier_uniform", student.xavier_uniform, (20, 30))


@graded("he_normal", weight=3)
def test_he_normal_statistics(student, ref):
    _scheme(student, "he_normal", _check_normal, lambda fi, fo: math.sqrt(2.0 / fi))


@graded("he_normal", weight=1)
def test_he_normal_uses_only_rng(student, ref):
    _uses_only_rng("he_normal", student.he_normal, (20, 30))


@graded("he_uniform", weight=3)
def test_he_uniform_bound_and_statistics(student, ref):
    _scheme(student, "he_uniform", _check_uniform, lambda fi, fo: math.sqrt(6.0 / fi))


@graded("he_uniform", weight=1)
def test_he_uniform_is_uniform(student, ref):
    _check_uniformity("he_uniform", _scheme_samples(student, "he_uniform", lambda fi, fo: math.sqrt(6.0 / fi)))


@graded("he_uniform", weight=1)
def test_he_uniform_uses_only_rng(student, ref):
    _uses_only_rng("he_uniform", student.he_uniform, (20, 30))


# ---------------------------------------------------------------------------- activation statistics
STATS_RTOL = 1e-9   # the draw order is fixed, so results agree up to float reordering
WIDTH = 64          # small enough for single-threaded BLAS: fast on a loaded machine
# Speed: every layer's init(shape, rng) call in a test-defined init is a callback from the worker
# to the grader (~0.3-0.5 ms), so the depths below are as small as each check allows.


def _state_init(std):
    """A test-defined init(shape, rng): std * N(0, 1) weights from a generator seeded by rng's current
    state and the call count. It reads rng without drawing from it, so it behaves the same whether it
    gets the generator itself or a copy, yet its weights still depend on where in the draw order (and
    in which layer) it is called. Make a fresh one for every run."""
    calls = []

    def init(shape, rng):
        s = rng.bit_generator.state["state"]
        calls.append(None)
        return std * np.random.default_rng([s["state"], s["inc"], len(calls)]).standard_normal(small_shape(shape))

    return init


def _stats(module, std, activation, seed, *, depth, width=WIDTH, batch_size=64):
    return module.layer_activation_stats(_state_init(std), activation, depth=depth, width=width,
                                         batch_size=batch_size, rng=np.random.default_rng(seed))


_ref_stats = memoized(_stats)  # for the reference only: fixed inputs, computed once per grading process


def _compare_stats(what, s, expected):
    """The stats' shape, then each column on its own, so that feedback says what is wrong: only the
    stds (ddof=1, the std of another array), only the means, or both (the weights or the layer
    outputs themselves: draw order, chaining, activation)."""
    try:  # the common case first, at the cost of one comparison: everything right
        return assert_close(f"stats ({what})", s, expected, rtol=STATS_RTOL, atol=1e-300)
    except AssertionError:
        assert_shape(f"stats ({what})", s, expected.shape)
    s = np.asarray(s, dtype=np.float64)
    failed = []
    for col, name in ((0, "means"), (1, "stds")):
        try:
            assert_close(f"stats[:, {col}] (each layer's output {name}; {what})", s[:, col], expected[:, col],
                         rtol=STATS_RTOL, atol=1e-300)
        except AssertionError as err:
            failed.append(str(err))
    if len(failed) == 2:
        with np.errstate(invalid="ignore"):
            swapped = bool(np.all(np.abs(s[:, ::-1] - expected) <= STATS_RTOL * np.abs(expected)))
        if swapped:
            raise AssertionError(f"stats ({what}): the two columns are swapped; stats[l] is (mean, std)")
        raise AssertionError(f"{failed[0]}, and the stds too: the layer outputs themselves differ (check the draw "
                             "order: X first, then one init per layer, in order; that each layer's output feeds "
                             "the next; the activation)")
    if failed:
        raise AssertionError(failed[0])


@graded("layer_activation_stats", weight=3)
def test_layer_activation_stats_matches_reference(student, ref):
    # Depth 3 is enough to see the draw order (X first, then one init per layer, in order), a
    # weight reused across layers, and each layer's output feeding the next; the seeds alternate.
    width, kw = 48, {"depth": 3, "width": 48, "batch_size": 40}
    cases = [(0.01, "tanh", 0), (1.0, "tanh", 1), (1 / math.sqrt(width), "sigmoid", 0),
             (math.sqrt(2.0 / width), "relu", 1), (1 / math.sqrt(width), "linear", 0)]
    results = call_each(student.layer_activation_stats,
                        [((_state_init(std), act), {**kw, "rng": np.random.default_rng(seed)}) for std, act, seed in cases])
    for (std, act, seed), s in zip(cases, results):
        _compare_stats(f"{act} activation", s, _ref_stats(ref, std, act, seed, **kw))


def _drawing_init(std, uniform=False):
    """A test-defined init(shape, rng) that draws its weights from rng itself, normal or uniform with
    the given std: the draws interleave with layer_activation_stats's own only when it passes its
    rng on (a copy of the generator or a generator of its own gives other weights)."""
    a = math.sqrt(3.0) * std

    def init(shape, rng):
        shape = small_shape(shape)  # the student chooses it, and this runs in the grader
        return rng.uniform(-a, a, size=shape) if uniform else std * rng.standard_normal(shape)

    return init


@memoized  # fixed inputs: computed once per grading process, not once per student
def _ref_drawing_stats(ref, std, uniform, activation, seed, kw):
    return ref.layer_activation_stats(_drawing_init(std, uniform), activation, rng=np.random.default_rng(seed), **kw)


@graded("layer_activation_stats", weight=2)
def test_layer_activation_stats_with_init_drawing_from_rng(student, ref):
    # Xavier / He / LeCun-like scales for each activation. The inits are the test's, not the
    # student's xavier_normal etc., so only layer_activation_stats is graded here.
    kw = {"depth": 3, "width": 32, "batch_size": 30}
    width = kw["width"]
    cases = [(math.sqrt(1.0 / width), False, "tanh"), (math.sqrt(2.0 / width), False, "relu"),
             (math.sqrt(1.0 / width), True, "sigmoid"), (math.sqrt(1.0 / width), True, "linear")]
    results = call_each(student.layer_activation_stats,
                        [((_drawing_init(std, uniform), act), {**kw, "rng": np.random.default_rng(seed)})
                         for seed, (std, uniform, act) in zip((5, 6, 7, 8), cases)])
    for seed, (std, uniform, act), s in zip((5, 6, 7, 8), cases, results):
        r = _ref_drawing_stats(ref, std, uniform, act, seed, kw)
        _compare_stats(f"an init that draws from rng, {act} activation", s, r)


@graded("layer_activation_stats", weight=1)
def test_layer_activation_stats_small_weights_collapse_tanh(student, ref):
    # Each layer scales the std by about 0.01 * sqrt(64) = 0.08: after 4 more layers ~4e-5 of the first
    # (3.6e-5 to 4.7e-5 over 200 seeds), 20x below the threshold.
    stds = np.asarray(_stats(student, 0.01, "tanh", 11, depth=5), dtype=np.float64)[:, 1]
    assert np.all(np.diff(stds) < 0), "tanh with small random weights: the activation std should shrink at every layer"
    assert stds[-1] < 1e-3 * stds[0], "tanh with small random weights: activations should collapse towards 0"


@graded("layer_activation_stats", weight=1)
def test_layer_activation_stats_large_weights_saturate_tanh(student, ref):
    stats = np.asarray(_stats(student, 1.0, "tanh", 12, depth=4), dtype=np.float64)
    assert np.all((stats[:, 1] > 0.9) & (stats[:, 1] <= 1.0)), \
        "tanh with large random weights: every layer's outputs should saturate near -1 and +1 (std close to 1)"
    assert np.all(np.abs(stats[:, 0]) < 0.1), "tanh with large random weights: the mean should stay near 0"


@graded("layer_activation_stats", weight=1)
def test_layer_activation_stats_xavier_keeps_tanh_stable(student, ref):
    stds = np.asarray(_stats(student, 1 / math.sqrt(WIDTH), "tanh", 13, depth=4), dtype=np.float64)[:, 1]
    assert np.all(stds < 0.9), "tanh with Xavier weights: activations should not saturate"
    assert stds[-1] > 0.2 * stds[0], "tanh with Xavier weights: activations should not collapse through depth"


@graded("layer_activation_stats", weight=1)
def test_layer_activation_stats_he_keeps_relu_stable(student, ref):
    # Depth 6: correct ReLU stays within 0.93-1.16 of the first layer's std here, while a ReLU
    # computed as |z| grows it by ~sqrt(2) per layer, to ~5.8 by the last layer.
    stats = np.asarray(_stats(student, math.sqrt(2.0 / WIDTH), "relu", 14, depth=6), dtype=np.float64)
    ratio = stats[:, 1] / stats[0, 1]
    assert np.all((ratio > 1 / 3) & (ratio < 3)), "ReLU with He weights: the activation std should stay of the same order"
    assert np.all(stats[:, 0] > 0), "ReLU outputs are non-negative, so each layer's mean should be positive"
