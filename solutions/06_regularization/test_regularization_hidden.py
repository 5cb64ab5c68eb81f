"""Hidden tests for 06_regularization, part 1: penalties, dropout and data augmentation.

Random functions are graded by properties and internal consistency (any valid use of rng passes);
statistical checks use 7-sigma bounds (or a 1e-9 Kolmogorov-Smirnov bound), with sample sizes
chosen so that a correct implementation fails with negligible probability (each bound is worked
out next to its test) while every planted bug misses by a wide margin.
"""

import math

import numpy as np

from grader.checks import (as_float, assert_close, assert_equal, assert_shape, call_each, call_unchanged,
                           expect_raises, graded, iterate, unpack)
from grader.errors import GlobalRandomUsed, StudentError

SEEDS = (0, 1, 2)
DROP_PROBS = (0.2, 0.5, 0.75)
SIGMAS = 7.0
REGS = (0.3, 2.5, 1.7)  # never 1: reg ** 2 == reg there
# Feedback names the hyperparameter a failing case sets ("with alpha set"), never its value.


def _weights(rng):
    return [rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=(2, 3, 2, 2))]


def _check_penalty(name, result, ref_result, n):
    loss, grads = unpack(result, 2, name)
    ref_loss, ref_grads = ref_result
    assert_close("loss", as_float("loss", loss), ref_loss, rtol=1e-10)
    assert isinstance(grads, (list, tuple)) and len(grads) == n, \
        f"{name}: grads should be a list with one gradient per weight array ({n} here)"
    for i, (g, g_ref) in enumerate(zip(grads, ref_grads)):
        assert_close(f"grads[{i}]", g, g_ref, rtol=1e-10)


# ----------------------------------------------------------------------------------------------
# L2 / L1
# ----------------------------------------------------------------------------------------------

@graded("l2_penalty", weight=1)
def test_l2_penalty_matches_reference(student, ref):
    for seed, reg in zip(SEEDS, REGS):
        weights = _weights(np.random.default_rng(seed))
        result = call_unchanged(student.l2_penalty, weights, reg)
        _check_penalty("l2_penalty", result, ref.l2_penalty(weights, reg), len(weights))


@graded("l1_penalty", weight=1)
def test_l1_penalty_matches_reference(student, ref):
    for seed, reg in zip(SEEDS, REGS):
        weights = _weights(np.random.default_rng(seed))
        weights[0][1, :2] = 0.0  # exact zeros: the subgradient used there is 0
        weights[2][0, 1] = 0.0
        result = call_unchanged(student.l1_penalty, weights, reg)
        _check_penalty("l1_penalty", result, ref.l1_penalty(weights, reg), len(weights))


@graded("l1_penalty", weight=1)
def test_l1_penalty_gradient_zero_at_zero(student):
    w = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, -0.25]])
    loss, grads = unpack(student.l1_penalty([w], 0.7), 2, "l1_penalty")
    assert_close("loss", as_float("loss", loss), 0.7 * 3.75, rtol=1e-12)
    assert isinstance(grads, (list, tuple)) and len(grads) == 1, "l1_penalty: grads should hold one array per weight"
    assert_close("grads[0]", grads[0], 0.7 * np.sign(w), rtol=1e-12)


# ----------------------------------------------------------------------------------------------
# dropout
# ----------------------------------------------------------------------------------------------

def _no_zero_input(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _check_fraction_scale_and_mean(x, p, out, where=""):
    """A training-mode output of dropout_forward on x (no zeros): the fraction of zeroed units, the scale
    of the kept ones and the mean of out. ``where`` names the input's rank in the feedback."""
    assert_shape(f"out{where}", out, x.shape)
    out = np.asarray(out, dtype=np.float64)
    dropped = out == 0
    frac = dropped.mean()
    sigma = math.sqrt(p * (1 - p) / x.size)
    assert abs(frac - p) <= SIGMAS * sigma, (
        f"the fraction of zeroed units{where} should be about drop_prob "
        f"(it is off by more than {SIGMAS:.0f} standard deviations)")
    kept = ~dropped
    assert np.allclose(out[kept] / x[kept], 1.0 / (1.0 - p), rtol=1e-12, atol=0), (
        f"kept values{where} should be scaled by exactly 1/(1 - drop_prob)")
    sd_mean = math.sqrt(np.sum(x * x) * p / (1 - p)) / x.size
    assert abs(out.mean() - x.mean()) <= SIGMAS * sd_mean, (
        f"the mean of out{where} should match the mean of x (inverted dropout keeps the expectation)")


# Inputs of other ranks ("x: input array of any shape"): (shape, drop_prob, seed). 2400 units each: the 7-sigma
# bounds on the fraction and the mean have Bernstein tails below 4e-10 and 1.1e-9 for a correct dropout.
ND_FRACTION_CASES = (((6, 5, 8, 10), 0.2, 11), ((12, 10, 20), 0.75, 12), ((2400,), 0.5, 13))

# The scales above, 1 / (1 - p) = 1.25, 2 and 4, are short binary fractions: exact even in float32 or rounded to two
# decimals, so a scale computed in float32 (a float32 mask divided by the keep probability) or rounded passes
# there. At SCALE_P, 1 / (1 - p) is no such fraction and the same exact check on the kept units catches it. No
# sampling error: it holds for every mask (the SCALE_SHAPE units are all dropped with probability 0.3^600).
SCALE_SHAPE, SCALE_P = (20, 30), 0.3


def _rank(x):
    return f" for a {x.ndim}-D input"


def _outs_any_rank(student, calls):
    """The outs of training-mode calls on inputs that are not 2-D, in one round trip; an exception there
    (``N, D = x.shape``) is reported with the hint that x may have any shape."""
    try:
        return call_each(student.dropout_forward, calls, output=0)
    except GlobalRandomUsed:
        raise
    except StudentError as err:
        if err.is_a("NotImplementedError"):
            raise
        raise AssertionError(f"{err} (with an input that is not 2-D: x may have any shape)") from None


@graded("dropout_forward", weight=3)
def test_dropout_forward_fraction_scale_and_mean(student):
    # 4800 units per call. Fraction: a 7-sigma binomial bound (sigma <= 0.0072), whose Chernoff tail is
    # below 1e-10 for every p here; keep/drop confusion is off by |1 - 2p| >= 0.5 at p = 0.2 and 0.75,
    # i.e. more than 60 sigma. Mean: |x| <= 2, so the Bernstein tail of the 7-sigma bound is below 1e-9.
    # Scale (no rescaling, scaling by p) is checked exactly on every kept unit, whatever the size.
    for seed, p in zip(SEEDS, DROP_PROBS):
        rng = np.random.default_rng(seed)
        x = _no_zero_input(rng, (60, 80))
        out, _ = unpack(call_unchanged(student.dropout_forward, x, p, True, rng), 2, "dropout_forward")
        _check_fraction_scale_and_mean(x, p, out)
    x = _no_zero_input(np.random.default_rng(16), SCALE_SHAPE)
    out, _ = unpack(student.dropout_forward(x, SCALE_P, True, np.random.default_rng(16)), 2, "dropout_forward")
    assert_shape("out", out, x.shape)
    out = np.asarray(out, dtype=np.float64)
    kept = out != 0
    assert np.any(kept) and np.allclose(out[kept] / x[kept], 1.0 / (1.0 - SCALE_P), rtol=1e-12, atol=0), (
        "kept values should be scaled by exactly 1/(1 - drop_prob) for every drop_prob, in float64 (a scale "
        "computed in float32 or rounded is exact for a few drop_prob only)")
    # 4-D, 3-D and 1-D inputs in one round trip: a mask drawn for (N, D) only, or a scale that depends on
    # the rank, fails here
    cases = [(_no_zero_input(np.random.default_rng(seed), shape), p, seed) for shape, p, seed in ND_FRACTION_CASES]
    outs = _outs_any_rank(student, [((x, p, True, np.random.default_rng(seed)), {}) for x, p, seed in cases])
    for (x, p, _), out in zip(cases, outs):
        _check_fraction_scale_and_mean(x, p, out, _rank(x))


# Drop counts: COUNT_CALLS calls on COUNT_SHAPE (n = 64 units) with drop_prob COUNT_P. Each element
# dropped independently makes every call's count c exactly Binomial(n, p), so
# T = sum over calls of (c - n p)^2 has mean COUNT_CALLS * n p (1 - p) = 192 and an exactly computable
# law (n p = 16 is an integer: convolve the law of (c - 16)^2 16 times). For a correct dropout
# P(T < 0.05 * mean) = 9.5e-9 and P(T > 5.5 * mean) = 3.1e-11, 9.5e-9 in all (2e6 simulated tests agree
# with the law; the upper bound was 4 * mean, whose tail of 2.0e-7 alone was 20 times the 1e-8 allowed),
# while dropping a fixed number of units per call (the units at round(p n) shuffled indices:
# rng.permutation, rng.choice without replacement) gives T = 0.
COUNT_SHAPE, COUNT_P, COUNT_CALLS = (4, 16), 0.25, 16
COUNT_BOUNDS = (0.05, 5.5)

# Masks of 4-D and 3-D inputs: (shape, drop_prob, seed), M = 2400 units each. Along each axis, E counts the
# neighbouring pairs (n of them) whose units are both kept or both dropped: E[E] = n q with q = p^2 + (1-p)^2
# when every unit is kept independently. Changing one unit changes E by at most 2, so McDiarmid's inequality
# bounds P(|E - n q| >= t) by 2 exp(-2 t^2 / (4 M)) = 1e-8 at t = ND_PAIR_TOL = sqrt(2 M ln(2e8)) = 303
# (7 axis checks: below 1e-7 in all). A mask shared along an axis (one per (sample, channel) map, one per
# row, ...) has E = n there: |E - n q| = n (1 - q) >= 1920 * 0.5 = 960 (4-D, p = 0.5) and 2160 * 0.375 = 810
# (3-D, p = 0.75).
ND_MASK_CASES = (((6, 5, 8, 10), 0.5, 14), ((12, 10, 20), 0.75, 15))
ND_PAIR_TOL = math.sqrt(2 * 2400 * math.log(2e8))


def _check_independent_along_every_axis(x, p, out):
    assert_shape(f"out{_rank(x)}", out, x.shape)
    m = np.asarray(out) == 0
    q = p * p + (1 - p) * (1 - p)
    for axis in range(m.ndim):
        mm = np.moveaxis(m, axis, 0)
        same = mm[1:] == mm[:-1]
        assert abs(np.count_nonzero(same) - same.size * q) <= ND_PAIR_TOL, (
            f"the dropout masks of neighbouring entries along axis {axis}{_rank(x)} are correlated: each "
            "element must be kept or dropped independently, whatever the shape of x")


def _drew_from(rng, seed):
    """Whether ``rng``, made by ``np.random.default_rng(seed)``, was used: it drew numbers, or it spawned a
    child generator (``rng.spawn(1)[0]`` is a valid way to take a mask from rng, and leaves rng's own
    bit-generator state alone)."""
    return (rng.bit_generator.state != np.random.default_rng(seed).bit_generator.state
            or rng.bit_generator.seed_seq.n_children_spawned > 0)


@graded("dropout_forward", weight=1)
def test_dropout_forward_masks_independent_and_from_rng(student):
    # About 2950 neighbouring pairs per axis: an independent mask has |corr| <= 7 / sqrt(2950) = 0.13
    # but for a 7-sigma event, while a mask shared across rows (or columns) has correlation exactly 1.
    x = _no_zero_input(np.random.default_rng(7), (50, 60))
    outs = []
    for p in DROP_PROBS:
        rng = np.random.default_rng(3)
        out, _ = unpack(student.dropout_forward(x, p, True, rng), 2, "dropout_forward")
        assert _drew_from(rng, 3), "training mode must draw its mask from the rng argument"
        m = (np.asarray(out) == 0).astype(np.float64)
        for axis, what in ((0, "rows of the batch"), (1, "columns (features)")):
            a = (m[:-1] if axis == 0 else m[:, :-1]).ravel()
            b = (m[1:] if axis == 0 else m[:, 1:]).ravel()
            ok = a.std() > 0 and b.std() > 0 and abs(np.corrcoef(a, b)[0, 1]) <= SIGMAS / math.sqrt(a.size)
            assert ok, (f"the dropout masks of neighbouring {what} are correlated: "
                        "each element must be kept or dropped independently")
        if p == 0.5:
            # A mask that repeats rows (or columns) far apart, e.g. one drawn for half the batch and tiled:
            # independent fair coins make two of the 50 rows (60 coins each) equal with probability at most
            # 1225 * 2^-60 = 1.1e-15 and two of the 60 columns (50 coins each) at most 1770 * 2^-50 = 1.6e-12.
            for rows, what in ((m, "rows of the batch"), (m.T, "columns (features)")):
                assert len(set(map(bytes, np.packbits(rows.astype(bool), axis=1)))) == len(rows), (
                    f"two {what} have exactly the same dropout mask: draw every element independently "
                    "(do not reuse one part of the mask for another)")
        outs.append(out)
    # one round trip: each p again with the same rng state (a copy per call), then with another state,
    # then the drop-count calls
    small = _no_zero_input(np.random.default_rng(8), COUNT_SHAPE)
    calls = [((x, p, True, np.random.default_rng(seed)), {}) for seed in (3, 4) for p in DROP_PROBS]
    calls += [((small, COUNT_P, True, np.random.default_rng(seed)), {}) for seed in range(500, 500 + COUNT_CALLS)]
    results = [np.asarray(out) for out in call_each(student.dropout_forward, calls, output=0)]
    n = len(DROP_PROBS)
    for out, same, other in zip(outs, results[:n], results[n:2 * n]):
        assert np.array_equal(same, np.asarray(out)), \
            "the same rng state must give the same mask: draw the mask from the rng argument only"
        assert not np.array_equal(other, np.asarray(out)), \
            "another rng state must give another mask: draw a fresh mask from rng on every call"
    counts = []
    for out in results[2 * n:]:
        assert_shape("out", out, COUNT_SHAPE)
        counts.append(np.count_nonzero(out == 0))
    mean_np = small.size * COUNT_P
    ratio = np.sum((np.array(counts) - mean_np) ** 2) / (COUNT_CALLS * mean_np * (1 - COUNT_P))
    assert COUNT_BOUNDS[0] <= ratio <= COUNT_BOUNDS[1], (
        f"the number of dropped units varies too {'little' if ratio < 1 else 'much'} from call to call: "
        "with each element dropped independently it is a binomial count "
        "(do not drop a fixed number of units per call)")
    nd = [(_no_zero_input(np.random.default_rng(seed), shape), p, seed) for shape, p, seed in ND_MASK_CASES]
    outs = _outs_any_rank(student, [((x_nd, p, True, np.random.default_rng(seed)), {}) for x_nd, p, seed in nd])
    for (x_nd, p, _), out in zip(nd, outs):
        _check_independent_along_every_axis(x_nd, p, out)


# A dropout that returns x in training mode too (never drops) must not earn the test-mode points, nor those
# of dropout_backward (whose check against the mask is empty when nothing is dropped): those tests also check
# a training-mode call. GATE_SHAPE has n = 1200 units at drop_prob GATE_P = 0.5: the 7-sigma bound on the
# dropped count (121 units) has a Hoeffding tail of 2 exp(-2 * 121^2 / 1200) = 5e-11.
GATE_SHAPE, GATE_P = (30, 40), 0.5


def _check_dropped_and_scaled(prop, x, p, out):
    """A training-mode output of dropout_forward: the share of zeroed units is about p (within SIGMAS
    standard deviations) and every kept unit is x / (1 - p)."""
    hint = f"{prop}, but in training mode"
    assert_shape("out (training mode)", out, x.shape)
    out = np.asarray(out, dtype=np.float64)
    dropped = out == 0
    assert np.any(dropped), f"{hint} it drops no unit"
    frac = dropped.mean()
    assert abs(frac - p) <= SIGMAS * math.sqrt(p * (1 - p) / x.size), (
        f"{hint} the fraction of zeroed units should be about drop_prob "
        f"(it is off by more than {SIGMAS:.0f} standard deviations)")
    kept = ~dropped
    assert np.allclose(out[kept] / x[kept], 1.0 / (1.0 - p), rtol=1e-12, atol=0), (
        f"{hint} kept values should be scaled by exactly 1/(1 - drop_prob)")


@graded("dropout_forward", weight=1)
def test_dropout_forward_test_mode_is_identity(student):
    # The first test-mode call alone checks that x and rng are left alone (a function that modifies its
    # inputs or draws from rng in test mode does so for every drop_prob); the other two go in one round trip
    # with a training-mode call, which must drop and scale (dropout that never drops earns nothing here).
    # The last test-mode input is 4-D ("x: input array of any shape"): test mode returns it unchanged too.
    shapes = ((30, 20), (30, 20), (3, 4, 5, 10))
    cases = [(_no_zero_input(np.random.default_rng(seed), shape), p, seed)
             for seed, p, shape in zip(SEEDS, DROP_PROBS, shapes)]
    x, p, seed = cases[0]
    rng = np.random.default_rng(seed)
    outs = [call_unchanged(student.dropout_forward, x, p, False, rng)]
    assert not _drew_from(rng, seed), "test mode must not draw from rng"
    x_train = _no_zero_input(np.random.default_rng(9), GATE_SHAPE)
    outs += call_each(student.dropout_forward, [((x, p, False, np.random.default_rng(seed)), {}) for x, p, seed in cases[1:]]
                      + [((x_train, GATE_P, True, np.random.default_rng(9)), {})])
    for (x, _, _), result in zip(cases, outs):
        out, _ = unpack(result, 2, "dropout_forward")
        assert_equal(f"out (test mode must return x unchanged{_rank(x) if x.ndim != 2 else ''})", out, x)
    out, _ = unpack(outs[-1], 2, "dropout_forward")
    _check_dropped_and_scaled("dropout_forward returns x unchanged in test mode", x_train, GATE_P, out)


@graded("dropout_forward", weight=1)
def test_dropout_forward_zero_prob_and_invalid(student):
    x = _no_zero_input(np.random.default_rng(5), (40, 30))
    out, _ = unpack(student.dropout_forward(x, 0.0, True, np.random.default_rng(5)), 2, "dropout_forward")
    assert_equal("out (drop_prob=0 must be the identity)", out, x)
    for bad, which in ((-0.1, "a negative drop_prob"), (1.0, "drop_prob = 1 (the range [0, 1) excludes it)")):
        try:
            expect_raises("ValueError", student.dropout_forward, x, bad, True, np.random.default_rng(5))
        except AssertionError as err:
            raise AssertionError(f"{err} ({which}: a drop_prob outside [0, 1) raises ValueError)") from None
    # "anything else raises ValueError" whatever the mode: validating only in training is not enough
    try:
        expect_raises("ValueError", student.dropout_forward, x, 1.5, False, np.random.default_rng(5))
    except AssertionError as err:
        raise AssertionError(f"{err} (in test mode too: a drop_prob outside [0, 1) raises ValueError "
                             "whatever train is)") from None


def _train_forward(student, x, p, rng):
    """The student's training-mode (out, cache). A mask drawn from numpy's global state costs
    dropout_forward's own tests; the backward is still checked against that forward's output and
    cache, since whichever units were dropped, dx must be dout times the mask applied."""
    try:
        result = student.dropout_forward(x, p, True, rng)
    except GlobalRandomUsed as err:
        result = err.value
    out, cache = unpack(result, 2, "dropout_forward")
    assert_shape("dropout_forward's out (training mode)", out, x.shape)
    return out, cache


def _check_train_backward(dx, dout, x, out, p, prefix=""):
    """dx from the backward of a training-mode forward (drop_prob p) that gave out. A forward that drops no
    unit (or every unit) leaves no mask to check the backward against, so it fails here too: a backward that
    passes dout through must not earn these points next to a forward that never drops.

    dx passes when it is the gradient of that forward (dout * out / x), or the gradient of a correct dropout
    that kept the same units (dout / (1 - p) on them, 0 elsewhere): the two are the same for a right forward,
    and a forward that scales its output wrongly (its own tests charge that) then costs the backward nothing,
    as the normalization layers' backwards are graded."""
    dropped = np.asarray(out) == 0
    assert np.any(dropped) and not np.all(dropped), (
        f"{prefix}dropout_forward drops no unit (or every unit) in training mode, so there is no mask to check "
        "dropout_backward against")
    # out = x * mask_scaled, so the local gradient is out / x (x has no zeros)
    own = dout * np.asarray(out, dtype=np.float64) / x
    correct = np.where(dropped, 0.0, dout / (1.0 - p))
    try:
        assert_close("dx", dx, correct, rtol=1e-10)
        return
    except AssertionError:
        pass
    assert_close(f"{prefix}dx in training mode (should be dout times the forward's scaled mask)", dx, own,
                 rtol=1e-10)


@graded("dropout_backward", weight=2)
def test_dropout_backward_uses_forward_mask(student):
    # Every forward first, then the backwards: each backward must read the mask (and drop_prob) of the cache
    # it is given, not state kept from the most recent forward call.
    # The second input is 4-D ("x: input array of any shape"), as many units as the others: dx must have
    # dout's shape whatever the rank (a mask kept as (N, D) fails there). Where the forward fails on it, or
    # drops no unit there (its own any-rank tests charge that), the backward is checked on 2-D inputs only.
    cases = []
    for seed, p, shape in zip(SEEDS, DROP_PROBS, ((30, 40), (6, 5, 4, 10), (30, 40))):
        rng = np.random.default_rng(seed)
        x = _no_zero_input(rng, shape)
        dout = rng.normal(size=x.shape)
        if x.ndim == 2:
            cases.append((x, dout) + _train_forward(student, x, p, rng) + (p,))
            continue
        try:
            out, cache = _train_forward(student, x, p, rng)
        except StudentError as err:  # (GlobalRandomUsed is handled by _train_forward)
            if err.is_a("NotImplementedError"):
                raise
            continue
        except (AssertionError, ValueError, TypeError, IndexError):  # plain pytest: the exception itself
            continue
        dropped = np.asarray(out) == 0
        if np.any(dropped) and not np.all(dropped):
            cases.append((x, dout, out, cache, p))
    x, dout, out, cache, p = cases[-1]
    _check_train_backward(call_unchanged(student.dropout_backward, dout, cache), dout, x, out, p)
    for x, dout, out, cache, p in cases[:-1]:  # every backward is also checked for changing dout or the cache
        where = "" if x.ndim == 2 else f"{_rank(x)[1:]}, "
        try:
            dx = call_unchanged(student.dropout_backward, dout, cache)
        except StudentError as err:
            if err.is_a("NotImplementedError") or isinstance(err, GlobalRandomUsed) or not where:
                raise
            raise AssertionError(f"{err} ({where}x and dout may have any shape)") from None
        _check_train_backward(dx, dout, x, out, p,
                              f"{where}given the cache of an earlier forward call (read the mask from the cache, "
                              "not one kept from the last forward), ")


@graded("dropout_backward", weight=1)
def test_dropout_backward_test_mode(student):
    # Both test-mode forwards in one round trip, then a training-mode forward, then the three backwards in one
    # round trip: passing dout through earns this test only when the training-mode backward applies the mask.
    cases = []
    for p in (0.2, 0.75):
        rng = np.random.default_rng(4)
        x = _no_zero_input(rng, (20, 10))
        cases.append((x, rng.normal(size=x.shape), p, rng))
    caches = [unpack(r, 2, "dropout_forward")[1]
              for r in call_each(student.dropout_forward, [((x, p, False, rng), {}) for x, _, p, rng in cases])]
    rng = np.random.default_rng(10)
    x_train = _no_zero_input(rng, GATE_SHAPE)
    dout_train = rng.normal(size=x_train.shape)
    out_train, cache_train = _train_forward(student, x_train, GATE_P, rng)
    calls = [((dout, cache), {}) for (_, dout, _, _), cache in zip(cases, caches)]
    dxs = call_each(student.dropout_backward, calls + [((dout_train, cache_train), {})])
    for (_, dout, _, _), dx in zip(cases, dxs):
        assert_close("dx (test mode: dropout is the identity, so dx = dout)", dx, dout, rtol=1e-12)
    _check_train_backward(dxs[-1], dout_train, x_train, out_train, GATE_P,
                          "dropout_backward passes dout through in test mode, but ")


# ----------------------------------------------------------------------------------------------
# random horizontal flip
# ----------------------------------------------------------------------------------------------

def _flip_kinds(out, images):
    out = np.asarray(out)
    same = np.all(out == images, axis=(1, 2, 3))
    flipped = np.all(out == images[..., ::-1], axis=(1, 2, 3))
    return same, flipped


# Flip counts: FLIP_COUNT_CALLS calls on FLIP_COUNT_N images with p = FLIP_COUNT_P (n p = 16, an integer). Each
# image flipped independently makes every call's count c exactly Binomial(n, p), so T = sum over calls of
# (c - n p)^2 has mean FLIP_COUNT_CALLS * n p (1 - p) = 288 and an exactly computable law (convolve the law of
# (c - 16)^2 24 times): for a correct flip P(T < FLIP_COUNT_MIN * mean) = 2.5e-12, while flipping a fixed number
# of images per call (round(p n) or int(p n) of them, chosen with rng.choice or rng.permutation) gives T = 0.
# Positions: over the same calls, image i is flipped in c_i ~ Binomial(FLIP_COUNT_CALLS, p) of them, independently
# for each of the n images, so Q = sum over images of (c_i - 6)^2 has mean n * 24 p (1 - p) = 288 and an exactly
# computable law (convolve the law of (c - 6)^2 64 times): P(Q > FLIP_POSITION_MAX * mean) = 6.0e-14, while
# flipping the first k images of each call (k binomial: the count test above passes) gives Q above 10 * mean.
FLIP_COUNT_N, FLIP_COUNT_P, FLIP_COUNT_CALLS, FLIP_COUNT_MIN = 64, 0.25, 24, 0.05
FLIP_POSITION_MAX = 3.0

# Independence between the images of one call, on the p = 0.5 call of FLIP_PAIRS_N images (iid fair coins d_i for a
# correct flip). Neighbours: the agreements [d_i == d_i+1] are then iid fair bits too, so their number E is exactly
# Binomial(n - 1, 1/2), and |E - (n - 1)/2| > 7 sqrt(n - 1) / 2 has probability 1.9e-12; one coin per pair of
# neighbouring images makes half of them agree surely (16 sigma off). Repeats further apart: for each offset k the
# bits [d_i == d_i+k] are uniform on {0, 1}^(n - k), so all of them 1 has probability 2^-(n - k): below 1.8e-18 for
# all offsets up to n - FLIP_PAIRS_MIN_PAIRS together; coins drawn for part of the batch and tiled fail there.
FLIP_PAIRS_N, FLIP_PAIRS_MIN_PAIRS = 500, 60


def _check_flips_independent(flipped):
    d = np.asarray(flipped, dtype=bool)
    n = len(d)
    agree = np.count_nonzero(d[1:] == d[:-1])
    signs = np.where(d, 1, -1)
    # lag[k - 1] = sum_i signs[i] * signs[i + k], which is n - k exactly when d[i] == d[i + k] for every i
    lag = np.correlate(signs, signs, mode="full")[n:]
    k = np.arange(1, n - FLIP_PAIRS_MIN_PAIRS + 1)
    repeated = bool(np.any(lag[:len(k)] == n - k))
    assert abs(agree - (n - 1) / 2) <= SIGMAS * math.sqrt(n - 1) / 2 and not repeated, (
        "the flips of different images are not independent (neighbouring images, or images a fixed distance "
        "apart, share their coin): draw one coin per image")


@graded("random_horizontal_flip", weight=2)
def test_random_horizontal_flip_properties(student):
    # 500 images: the 7-sigma binomial bound on the flipped fraction (sigma <= 0.023) has a Chernoff
    # tail below 1e-9 for each p; one coin per batch is off by >= 0.2 (11 sigma), flipping with the
    # keep probability 1 - p by 0.4 at p = 0.3 and 0.6 at p = 0.8 (> 19 sigma). Any image with a
    # wrong axis or a per-channel flip fails the exact check (2 channels, H = 2, W = 3, random values).
    for seed, p in zip(SEEDS, (0.3, 0.5, 0.8)):
        rng = np.random.default_rng(seed)
        images = rng.normal(size=(FLIP_PAIRS_N, 2, 2, 3))
        out = call_unchanged(student.random_horizontal_flip, images, rng, p=p)
        assert_shape("out", out, images.shape)
        same, flipped = _flip_kinds(out, images)
        assert np.all(same | flipped), \
            "each image must be either unchanged or flipped along the last (width) axis, all channels together"
        sigma = math.sqrt(p * (1 - p) / len(images))
        assert abs(flipped.mean() - p) <= SIGMAS * sigma, (
            "the fraction of flipped images should be about p, each image flipped independently "
            f"(off by more than {SIGMAS:.0f} standard deviations)")
        if p == 0.5:
            _check_flips_independent(flipped)
    # one round trip: the flip counts of many calls, each with its own rng state
    images = np.random.default_rng(20).normal(size=(FLIP_COUNT_N, 1, 1, 2))
    calls = [((images, np.random.default_rng(seed)), {"p": FLIP_COUNT_P})
             for seed in range(600, 600 + FLIP_COUNT_CALLS)]
    outs = call_each(student.random_horizontal_flip, calls)
    for out in outs:
        assert_shape("out", out, images.shape)
    outs = np.stack([np.asarray(out) for out in outs])
    flipped = np.all(outs == images[..., ::-1], axis=(2, 3, 4))
    assert np.all(flipped | np.all(outs == images, axis=(2, 3, 4))), \
        "each image must be either unchanged or flipped along the last (width) axis, all channels together"
    counts = np.count_nonzero(flipped, axis=1)
    mean = FLIP_COUNT_N * FLIP_COUNT_P
    assert np.sum((counts - mean) ** 2) >= FLIP_COUNT_MIN * FLIP_COUNT_CALLS * mean * (1 - FLIP_COUNT_P), (
        "the number of flipped images hardly varies from call to call: with each image flipped independently "
        "with probability p it is a binomial count (do not flip a fixed number of images per call)")
    per_image = np.count_nonzero(flipped, axis=0)
    mean = FLIP_COUNT_CALLS * FLIP_COUNT_P
    assert np.sum((per_image - mean) ** 2) <= FLIP_POSITION_MAX * FLIP_COUNT_N * mean * (1 - FLIP_COUNT_P), (
        "which images are flipped depends on their position in the batch: each image must be flipped "
        "independently with probability p (do not, for example, flip the first k images of the batch)")


@graded("random_horizontal_flip", weight=1)
def test_random_horizontal_flip_p0_p1_default(student):
    images = np.random.default_rng(9).normal(size=(500, 3, 2, 5))
    _, flipped = _flip_kinds(student.random_horizontal_flip(images, np.random.default_rng(1), p=0.0), images)
    assert not np.any(flipped), "p=0 must flip no image"
    same, _ = _flip_kinds(student.random_horizontal_flip(images, np.random.default_rng(1), p=1.0), images)
    assert not np.any(same), "p=1 must flip every image"
    same, flipped = _flip_kinds(student.random_horizontal_flip(images, np.random.default_rng(2)), images)
    assert np.all(same | flipped) and abs(flipped.mean() - 0.5) <= SIGMAS * math.sqrt(0.25 / 500), \
        "with the default p=0.5 about half of the images should be flipped"


# FLIP_SHAPE: square images (H == W), so that transposing the spatial axes is no flip either. At p = 0.5 a
# correct flip's decisions are FLIP_SHAPE[0] = 64 fair coins per call: two calls with other rng states (or two
# successive calls on one Generator) flip the same images with probability 2^-64 = 5e-20.
FLIP_SHAPE = (64, 2, 3, 3)


def _flips(out, images):
    assert_shape("out", out, images.shape)
    same, flipped = _flip_kinds(out, images)
    assert np.all(same | flipped), \
        "each image must be either unchanged or flipped along the last (width) axis, all channels together"
    return flipped


@graded("random_horizontal_flip", weight=1)
def test_random_horizontal_flip_draws_from_rng(student):
    images = np.random.default_rng(30).normal(size=FLIP_SHAPE)
    # one round trip: the same state twice (each call gets its own copy), then another state
    calls = [((images, np.random.default_rng(seed)), {"p": 0.5}) for seed in (31, 31, 32)]
    first, again, other = (_flips(out, images) for out in call_each(student.random_horizontal_flip, calls))
    assert np.array_equal(first, again), \
        "the same rng state must flip the same images: draw the coins from the rng argument only"
    assert not np.array_equal(first, other), \
        "another rng state must flip other images: draw the coins from the rng argument"
    # two calls in a row on one Generator, as in a training loop
    outs = iterate(student.random_horizontal_flip, (images, np.random.default_rng(33)), [{}, {}], {}, {"p": 0.5})
    assert not np.array_equal(_flips(outs[0], images), _flips(outs[1], images)), \
        "successive calls with one Generator must flip other images: draw fresh coins from rng on every call"


# ----------------------------------------------------------------------------------------------
# mixup
# ----------------------------------------------------------------------------------------------

def _median(values) -> float:
    """np.median, without the import of numpy.ma that np.median makes on first use (~15 ms of
    every grader run)."""
    v = np.sort(np.asarray(values, dtype=float).ravel())
    return float((v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2)


def _recover_mix(y_mix):
    """lam and perm from y_mix when y is the identity (each sample its own class), or None."""
    n = len(y_mix)
    off = y_mix.copy()
    np.fill_diagonal(off, 0.0)
    j = np.argmax(np.abs(off), axis=1)
    perm = np.where(off[np.arange(n), j] != 0, j, np.arange(n))
    moved = perm != np.arange(n)
    lam = _median(np.diag(y_mix)[moved]) if np.any(moved) else None
    return lam, perm


def _mixup_checked(student, x, rng, alpha):
    y = np.eye(len(x))
    kwargs = {} if alpha is None else {"alpha": alpha}
    x_mix, y_mix = unpack(call_unchanged(student.mixup, x, y, rng, **kwargs), 2, "mixup")
    assert_shape("x_mix", x_mix, x.shape)
    assert_shape("y_mix", y_mix, y.shape)
    y_mix = np.asarray(y_mix, dtype=np.float64)
    lam, perm = _recover_mix(y_mix)
    assert np.array_equal(np.sort(perm), np.arange(len(x))), \
        "mixup must pair the batch with one permutation of itself (each sample used exactly once)"
    if lam is None:  # identity permutation (or lam exactly 1): nothing is mixed
        lam = 1.0
    assert 0.0 <= lam <= 1.0, "lam must lie in [0, 1]"
    assert_close("y_mix (should be lam * y + (1 - lam) * y[perm] with one lam for all rows)",
                 y_mix, lam * y + (1 - lam) * y[perm], rtol=1e-9, atol=1e-12)
    assert_close("x_mix (should be lam * x + (1 - lam) * x[perm] with the lam and perm used for y_mix)",
                 x_mix, lam * x + (1 - lam) * x[perm], rtol=1e-9, atol=1e-12)
    return lam, perm


@graded("mixup", weight=2)
def test_mixup_convex_combination_of_a_permutation(student):
    for seed, (alpha, shape) in zip(SEEDS, ((None, (40, 5)), (0.4, (40, 5)), (2.0, (30, 2, 3, 2)))):
        rng = np.random.default_rng(seed)
        _mixup_checked(student, rng.normal(size=shape), rng, alpha)


def _symmetric_beta_cdf(a, lam):
    """CDF of Beta(a, a) at each lam in [0, 1] (scipy's betainc(a, a, lam), to ~1e-15).

    Below 1/2 it integrates the binomial series of (1 - t)^(a - 1) term by term:
    I_t(a, a) = t^a / B(a, a) * sum_n (1 - a)_n / n! * t^n / (a + n); with t <= 1/2 eighty terms
    leave an error below 2^-80. Above 1/2 it uses the symmetry I_t(a, a) = 1 - I_(1-t)(a, a).
    """
    lam = np.asarray(lam, dtype=np.float64)
    t = np.minimum(lam, 1.0 - lam)
    n = np.arange(80.0)
    rising = np.concatenate(([1.0], np.cumprod((n[:-1] + 1.0 - a) / (n[:-1] + 1.0))))  # (1 - a)_n / n!
    series = (t[:, None] ** n) @ (rising / (a + n))
    log_beta = 2 * math.lgamma(a) - math.lgamma(2 * a)
    with np.errstate(divide="ignore"):
        low = np.where(t > 0, np.exp(a * np.log(t) - log_beta) * series, 0.0)
    return np.where(lam <= 0.5, low, 1.0 - low)


@graded("mixup", weight=1)
def test_mixup_lambda_distribution(student):
    # n calls per alpha with one Generator, in one round trip. For a correct mixup, the
    # exact Chernoff bounds (from the Beta(a, a) law) on the 7-sigma mean and spread checks are below
    # 1e-11 and 5e-10 at alpha = 0.2 with n = 100, 1e-11 and 5e-8 at alpha = 4 with n = 60; the
    # Kolmogorov-Smirnov bound is DKW-Massart's 1e-9 for any n. Expected spread errors of planted bugs
    # (with these seeds in brackets): lam ~ Uniform 11 sigma [9.8] at alpha = 0.2 and 13 [11] at
    # alpha = 4; a default alpha of 1 (or 0.8) 11 [11] (9.5 [11]); ignoring alpha 35 [35] at alpha = 4.
    for alpha, seed, n_calls in ((None, 1000, 100), (4.0, 2000, 60)):
        x = np.random.default_rng(21).normal(size=(8, 1))
        kwargs = {} if alpha is None else {"alpha": alpha}
        # n_calls calls in one round trip, all with the same Generator, as in a training loop: any
        # valid use of rng draws each call's lam afresh from the stream
        y_mixes = []
        for out in iterate(student.mixup, (x, np.eye(8), np.random.default_rng(seed)), [{}] * n_calls, {}, kwargs):
            y_mix = unpack(out, 2, "mixup")[1]
            assert_shape("y_mix", y_mix, (8, 8))
            y_mixes.append(np.asarray(y_mix, dtype=np.float64))
        # _recover_mix for all calls at once: lam is the median diagonal entry of the rows that were
        # mixed with another row; calls that mixed no row (identity permutation) say nothing about lam
        y_mixes = np.stack(y_mixes)
        assert np.all(np.isfinite(y_mixes)), "y_mix must not contain NaN or infinite values"
        moved = np.any((y_mixes != 0) & ~np.eye(8, dtype=bool), axis=2)
        diag = np.where(moved, np.diagonal(y_mixes, axis1=1, axis2=2), np.nan)
        lams = np.array([_median(row[~np.isnan(row)]) for row in diag[moved.any(axis=1)]])
        assert len(lams) >= n_calls // 2, "mixup must mix the labels: y_mix should differ from y_onehot"
        a = 0.2 if alpha is None else alpha
        lams = np.sort(np.clip(lams, 0.0, 1.0))
        n = len(lams)
        msg = (f"with {'the default alpha' if alpha is None else 'alpha set'} the mixing weight lam does not "
               "follow Beta(alpha, alpha) over many calls "
               "(draw one lam per call with rng.beta(alpha, alpha))")
        # moments of the symmetric Beta(a, a) about 1/2: m2 = E(lam - 1/2)^2, m4 = E(lam - 1/2)^4
        m2, m4 = 1 / (4 * (2 * a + 1)), 3 / (16 * (2 * a + 1) * (2 * a + 3))
        assert abs(np.mean(lams) - 0.5) <= SIGMAS * math.sqrt(m2 / n), msg + " [mean]"
        assert abs(np.mean((lams - 0.5) ** 2) - m2) <= SIGMAS * math.sqrt((m4 - m2 ** 2) / n), msg + " [spread]"
        cdf = _symmetric_beta_cdf(a, lams)
        k = np.arange(1, n + 1)
        ks = max(np.max(k / n - cdf), np.max(cdf - (k - 1) / n))
        assert ks <= math.sqrt(-math.log(0.5e-9) / (2 * n)), msg + " [Kolmogorov-Smirnov test]"


# MIX_N = 12 samples with alpha = 2 (lam within 1e-16 of 0 or 1, where the permutation cannot be read from
# y_mix, has probability below 1e-31). A correct mixup draws a uniform permutation: two calls with other rng
# states, or two successive calls on one Generator, give the same one with probability 1/12! = 2.1e-9 (two
# comparisons: 4.2e-9); lam is continuous, so equal lams have probability 0 (up to float rounding).
MIX_N, MIX_ALPHA = 12, 2.0


def _mix_drawn(result, x, y):
    x_mix, y_mix = unpack(result, 2, "mixup")
    assert_shape("x_mix", x_mix, x.shape)
    assert_shape("y_mix", y_mix, y.shape)
    lam, perm = _recover_mix(np.asarray(y_mix, dtype=np.float64))
    assert np.array_equal(np.sort(perm), np.arange(len(x))), \
        "mixup must pair the batch with one permutation of itself (each sample used exactly once)"
    return np.asarray(x_mix), lam, perm


@graded("mixup", weight=1)
def test_mixup_draws_from_rng(student):
    rng = np.random.default_rng(40)
    x, y = rng.normal(size=(MIX_N, 3)), np.eye(MIX_N)
    # one round trip: the same state twice (each call gets its own copy), then another state
    calls = [((x, y, np.random.default_rng(seed)), {"alpha": MIX_ALPHA}) for seed in (41, 41, 42)]
    (x1, lam1, perm1), (x2, lam2, perm2), (_, lam3, perm3) = (
        _mix_drawn(r, x, y) for r in call_each(student.mixup, calls))
    assert lam1 == lam2 and np.array_equal(perm1, perm2) and np.array_equal(x1, x2), \
        "the same rng state must give the same lam and permutation: draw both from the rng argument only"
    assert lam3 != lam1, "another rng state must give another lam: draw lam from the rng argument"
    assert not np.array_equal(perm3, perm1), (
        "another rng state must give another permutation: shuffle with the rng argument "
        "(not a fixed pairing such as reversing or rolling the batch)")
    # two calls in a row on one Generator, as in a training loop
    outs = iterate(student.mixup, (x, y, np.random.default_rng(43)), [{}, {}], {}, {"alpha": MIX_ALPHA})
    (_, lam1, perm1), (_, lam2, perm2) = (_mix_drawn(r, x, y) for r in outs)
    assert lam1 != lam2, "successive calls with one Generator must draw a new lam from rng on every call"
    assert not np.array_equal(perm1, perm2), \
        "successive calls with one Generator must draw a new permutation from rng on every call"
