"""Hidden tests for 04_activations, part 1: the elementwise activations and their derivatives.

Every backward is checked two ways: against centred differences of the student's own forward (when
it equals the reference's up to rounding; otherwise of the reference's: a wrong forward is graded
by its own tests and not charged again here) and against the reference backward. A forward wrong
with some arguments only (a wrong default) may rightly cache what it used: a dx that misses the
reference then passes if it matches that forward's own centred differences (_own_forward_stands_in).
Check points keep |x| >= 0.05, far from the kink at 0, except for a few exact zeros given to the
activations that are smooth there (tanh, GELU, swish; see SMOOTH_AT_0) and, in the backward-vs-reference
tests, at the ReLU family's kink (see KINK_AT_0).
"""

import numpy as np

from grader.checks import assert_close, call_each, call_unchanged, graded, unpack

SEEDS = (0, 1, 2)
RTOL = 1e-6         # closed forms: admits any reordering of the float operations
GRAD_RTOL = 1e-5    # centred differences with h = 1e-6
GRAD_ATOL = 1e-7
H = 1e-6
# A forward error e becomes noise e / H = 1e6 * e in a centred difference: the student's own forward
# stands in for the reference's there only when it differs by rounding alone (correct float64
# forms differ by ~1e-16 relative). The absolute 1e-14 covers the entries where the exact GELU
# cancels (1 + erf(x / sqrt(2)) for x << 0) and adds at most 1e-8 = GRAD_ATOL / 10 of noise.
AGREE_RTOL = 1e-12
AGREE_ATOL = 1e-14
# Outputs and gradients must also carry float64 precision (see _double_precision): single precision
# errs by up to 6e-8 relative, correct float64 forms by ~1e-15 (and by < 1e-14 absolute where the
# reference's own formula cancels).
PREC_RTOL = 1e-9
PREC_ATOL = 1e-13

# Speed: the functions are elementwise, so each seed's arrays are stacked into one array of the same
# rank (the same entries are checked, in one call instead of one per seed), and every loop over
# keyword sets sends its student calls as ONE batch (call_each): a test costs one or two round trips.


def _points(rng, shape, scale=2.0):
    """Check points away from the kink at 0 (|x| >= 0.05)."""
    u = scale * rng.standard_normal(shape)
    return np.where(u >= 0, 1.0, -1.0) * (0.05 + np.abs(u))


# x = 0 is a kink only for the ReLU family (leaky ReLU, ELU with alpha != 1, SELU): tanh, GELU and
# swish are smooth there, and 0 is a common input (after a ReLU, zero padding, zero weights). A form
# that divides by x (sigmoid(beta x) or Phi(x) recovered from a cached output as out / x) gives NaN
# there only, so these functions' value tests put exact zeros among their points.
SMOOTH_AT_0 = ("tanh", "gelu", "swish")


# x = 0 is where the ReLU family has its kink, and the module docstring fixes the derivative there: the
# x <= 0 branch's (alpha for leaky ReLU, alpha * exp(0) = alpha for ELU, SCALE * ALPHA for SELU). The
# backward tests against the reference put the same exact zeros among their points for these too (the
# numerical-gradient tests cannot: a centred difference across a kink averages the two branches); a
# backward written with x >= 0 (the x > 0 branch at the kink) lost no point before.
KINK_AT_0 = ("leaky_relu", "elu", "selu")


def _zeros_if_smooth(name, x, kinks=False):
    """x with two entries set to exactly 0 when the activation is smooth at 0 (or, with kinks, has its
    kink there: see KINK_AT_0) (a fixed pattern that leaves _wide's saturated rows alone); x itself
    otherwise. Draws nothing from any generator."""
    if name not in SMOOTH_AT_0 and not (kinks and name in KINK_AT_0):
        return x
    x = x.copy()
    x.flat[[x.size // 3, 2 * x.size // 3]] = 0.0
    return x


def _check_at_zero(name, check, label, actual, x, *args, **kwargs):
    """check(label, actual, *args, **kwargs), its failure told that x = 0 is a valid input when the
    student's values are not finite where x = 0 (and the function is smooth there)."""
    try:
        check(label, actual, *args, **kwargs)
    except AssertionError as err:
        if name in SMOOTH_AT_0 and isinstance(actual, np.ndarray) and actual.shape == x.shape \
                and actual.dtype.kind == "f" and not np.all(np.isfinite(actual[x == 0])):
            raise AssertionError(f"{err}; some of them where x = 0, a valid input at which {name} is smooth "
                                 "(recovering a factor as out / x divides by zero there)") from None
        raise


# The unchanged tests' inputs hold saturated and huge entries too (as _wide's): a forward that clamps
# x in place "against overflow" (np.clip(x, -60, None, out=x), x[x < -50] = -50) changes only those.
LARGE_ROW = [-800.0, -40.0, -12.0, 40.0, 800.0]


def _unchanged_points(rng):
    x = _points(rng, (4, 5))
    x[0] = LARGE_ROW
    return x


def _wide(rng):
    """Moderate values plus saturated ones (|x| up to 40) and large ones (|x| up to 800, where exp
    overflows: a mask-multiply form such as (x <= 0) * alpha * (exp(x) - 1) gives 0 * inf = NaN there,
    and the public tests already use +-800), in a 2-D and a 3-D array."""
    x2 = _points(rng, (6, 5), scale=3.0)
    x2[0, :] = [-40.0, -12.0, 9.0, 25.0, 40.0]
    x2[1, :] = [-800.0, -720.0, 715.0, 760.0, 800.0]
    return [x2, _points(rng, (2, 3, 4))]


def _stacked(per_seed):
    """Each seed's list of arrays, stacked seed after seed along the first axis."""
    return [np.concatenate(arrays) for arrays in zip(*per_seed)]


def _label(what, kw):
    """Names the case without revealing numbers: "dx (approximate='tanh')", "out (alpha set)"."""
    parts = [f"{k}={v!r}" if isinstance(v, str) else f"{k} set" for k, v in sorted(kw.items())]
    return f"{what} ({', '.join(parts) or 'default arguments'})"


def _agrees(out, out_ref):
    """Whether the student's forward output equals the reference's up to rounding (AGREE_RTOL,
    AGREE_ATOL; equal shapes), so that its centred differences are as good as the reference's. A
    forward within RTOL but not this close (one computed in float32, say) is graded by its own tests;
    the reference's forward, always a valid target, then gives the numerical gradient."""
    if not isinstance(out, np.ndarray) or out.shape != np.shape(out_ref) or out.dtype.kind not in "iuf":
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.all(np.abs(out - out_ref) <= AGREE_ATOL + AGREE_RTOL * np.abs(out_ref)))


def _full_precision(name, out):
    """The inputs are float64: an output rounded to float32 (or float16) passes RTOL, but its errors
    are what every later layer and every numerical gradient inherits. Longer floats are fine."""
    if isinstance(out, (np.ndarray, np.floating)) and out.dtype.kind == "f" and out.dtype.itemsize < 8:
        raise AssertionError(f"{name} has dtype {out.dtype}; keep float64 (the input's precision)")


def _double_precision(name, actual, expected):
    """Within RTOL but computed in single precision and cast back (np.tanh(x.astype(np.float32)),
    float32 constants): errors of ~3e-8 relative, 30 times PREC_RTOL, on nearly every entry. Correct
    float64 forms agree to ~1e-15 relative; where the reference itself cancels (1 + tanh(u), 1 + erf(u)
    for x << 0, 1 - tanh(x)^2 for x >> 0), their absolute differences stay below |x| * 1e-16 * |dout|,
    far under PREC_ATOL."""
    try:
        assert_close(name, actual, expected, rtol=PREC_RTOL, atol=PREC_ATOL)
    except AssertionError as err:
        raise AssertionError(f"{name} is less accurate than float64 allows ({err}), as if computed in single "
                             "precision or with rounded constants: compute in float64 throughout, as the inputs "
                             "are, with constants to full precision (np.sqrt(2 / np.pi), not 0.79788456)") from None


def _forward_matches(student, ref, name, kwargs_list):
    fwd = name + "_forward"
    xs = _stacked([[_zeros_if_smooth(name, x) for x in _wide(np.random.default_rng(seed))] for seed in SEEDS])
    cases = [(x, kw) for x in xs for kw in kwargs_list]
    results = call_each(getattr(student, fwd), [((x.copy(),), kw) for x, kw in cases])
    for (x, kw), result in zip(cases, results):
        out, _ = unpack(result, 2, fwd)
        out_ref = getattr(ref, fwd)(x, **kw)[0]
        _check_at_zero(name, assert_close, _label("out", kw), out, x, out_ref, rtol=RTOL)
        _full_precision(_label("out", kw), out)
        _double_precision(_label("out", kw), out, out_ref)


def _but_wrong(prop, what, name, actual, expected):
    """assert_close with the value tests' tolerance, whose failure says that the property tested held but the
    values are wrong: a placeholder that never touches its inputs must not earn the property's points."""
    try:
        assert_close(name, actual, expected, rtol=RTOL)
    except AssertionError as err:
        raise AssertionError(f"{prop}, but {what} is wrong: {err}") from None


# The unchanged tests run every keyword set that can take another code path (each GELU form, a
# default and an explicit slope): an in-place shortcut is often written in one branch only. Each
# call_unchanged is one round trip, so the lists hold one keyword set per branch, no more.
def _forward_unchanged(student, ref, name, kwargs_list):
    fwd = name + "_forward"
    x = _unchanged_points(np.random.default_rng(7))
    for kw in kwargs_list:
        out, _ = unpack(call_unchanged(getattr(student, fwd), x, **kw), 2, fwd)
        _but_wrong(f"{fwd} leaves its input unchanged", "its output", _label("out", kw), out,
                   getattr(ref, fwd)(x, **kw)[0])


def _backward_numeric(student, ref, name, kwargs_list):
    """dx against centred differences of the student's own forward (the reference's unless the two
    agree up to rounding, see _agrees). The forwards are elementwise, so shifting all entries at once
    gives every partial derivative: d/dx_i sum(f(x) * dout) = f'(x_i) * dout_i."""
    fwd, bwd = name + "_forward", name + "_backward"
    per_seed = []
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        x = _points(rng, (6, 5))
        per_seed.append([_zeros_if_smooth(name, x), rng.standard_normal(x.shape)])
    x, dout = _stacked(per_seed)
    ref_fwd = getattr(ref, fwd)
    # one round trip: the forward at x (its cache feeds the backward), at x + H and at x - H
    res = call_each(getattr(student, fwd), [((z.copy(),), kw) for kw in kwargs_list for z in (x, x + H, x - H)])
    caches, outs, agree = [], [], []
    for i, kw in enumerate(kwargs_list):
        outs.append([unpack(r, 2, fwd)[0] for r in res[3 * i:3 * i + 3]])
        caches.append(unpack(res[3 * i], 2, fwd)[1])
        agree.append(all(_agrees(o, ref_fwd(z, **kw)[0]) for o, z in zip(outs[-1], (x, x + H, x - H))))
    dxs = call_each(getattr(student, bwd), [((dout.copy(), cache), {}) for cache in caches])
    for i, (kw, dx) in enumerate(zip(kwargs_list, dxs)):
        # a wrong forward is graded by its own tests: the reference's gives the expected gradient
        plus, minus = (ref_fwd(z, **kw)[0] for z in (x + H, x - H)) if not agree[i] else outs[i][1:]
        label = _label("dx vs. numerical gradient", kw)
        try:
            _check_at_zero(name, assert_close, label, dx, x, _centred(plus, minus, dout), rtol=GRAD_RTOL,
                           atol=GRAD_ATOL)
        except AssertionError:
            if agree[i] or not any(agree):
                raise
            _own_forward_stands_in(label, dx, x, dout, outs[i][1], outs[i][2])


def _centred(plus, minus, dout):
    return (np.asarray(plus, dtype=np.float64) - np.asarray(minus, dtype=np.float64)) / (2 * H) * dout


def _judged_by_own_forward(student, fwd, kw, x, dout, dx, label):
    """_own_forward_stands_in, with the student's forward called at x + H and x - H (one round trip)."""
    plus, minus = (unpack(r, 2, fwd)[0] for r in call_each(getattr(student, fwd), [((z,), kw) for z in (x + H, x - H)]))
    _own_forward_stands_in(label, dx, x, dout, plus, minus)


def _own_forward_stands_in(label, dx, x, dout, plus, minus):
    """After dx failed against the reference: the student's forward is wrong with these arguments but
    right with others of the same test (a wrong default, say alpha=0.1), so its cache may rightly hold
    what that forward used. A correct backward must not lose points for the forward's mistake, which
    the forward's own tests charge: dx passes if it matches the centred differences of the student's
    own forward at x (kinks at x = 0 left out: a centred difference there averages the two branches).
    Unless those are zero everywhere: then there is nothing to check dx against."""
    try:
        own = _centred(plus, minus, dout)
    except (TypeError, ValueError):
        raise AssertionError(f"{label}: your forward's output is not a numeric array: see its own tests") from None
    keep = x != 0
    if not isinstance(dx, np.ndarray) or dx.shape != x.shape or own.shape != x.shape \
            or not np.any(np.abs(own[keep]) > GRAD_ATOL):
        raise AssertionError(f"{label}: your forward is wrong with these arguments (see its own tests), and dx "
                             "matches neither the correct gradient nor your forward's") from None
    assert_close(f"{label}; your forward is wrong with these arguments (see its own tests), so dx is checked "
                 "against its centred differences", dx[keep], own[keep], rtol=GRAD_RTOL, atol=GRAD_ATOL)


def _backward_matches(student, ref, name, kwargs_list):
    fwd, bwd = name + "_forward", name + "_backward"
    per_seed = []
    for seed in SEEDS:
        rng = np.random.default_rng(200 + seed)
        per_seed.append([a for x in _wide(rng) for a in (_zeros_if_smooth(name, x, kinks=True),
                                                         rng.standard_normal(x.shape))])
    x2, dout2, x3, dout3 = _stacked(per_seed)
    cases = [(x, dout, kw) for x, dout in ((x2, dout2), (x3, dout3)) for kw in kwargs_list]
    ref_fwd = getattr(ref, fwd)
    fwds = call_each(getattr(student, fwd), [((x.copy(),), kw) for x, _, kw in cases])
    caches = [unpack(result, 2, fwd)[1] for result in fwds]
    agree = [_agrees(unpack(result, 2, fwd)[0], ref_fwd(x, **kw)[0]) for result, (x, _, kw) in zip(fwds, cases)]
    dxs = call_each(getattr(student, bwd), [((dout.copy(), cache), {}) for (_, dout, _), cache in zip(cases, caches)])
    for i, ((x, dout, kw), dx) in enumerate(zip(cases, dxs)):
        dx_ref = getattr(ref, bwd)(dout, ref_fwd(x, **kw)[1])
        try:
            if name in KINK_AT_0:
                _check_kink(name, _label("dx", kw), dx, x, dx_ref)
            _check_at_zero(name, assert_close, _label("dx", kw), dx, x, dx_ref, rtol=RTOL)
        except AssertionError:
            same_x = range(i - i % len(kwargs_list), i - i % len(kwargs_list) + len(kwargs_list))
            if agree[i] or not any(agree[j] for j in same_x):
                raise
            _judged_by_own_forward(student, fwd, kw, x, dout, dx, _label("dx", kw))
            _full_precision(_label("dx", kw), dx)
            continue  # (dx is not the reference's here: nothing to hold its precision to)
        _full_precision(_label("dx", kw), dx)  # a float32 dx passes RTOL as a float32 out does
        _double_precision(_label("dx", kw), dx, dx_ref)


def _check_kink(name, label, dx, x, dx_ref):
    """A dx right everywhere but at x = 0 fails with the kink rule named (any other error is left to
    the full comparison that follows)."""
    if not isinstance(dx, np.ndarray) or dx.shape != x.shape or dx.dtype.kind not in "iuf":
        return
    at_zero = x == 0
    elsewhere = np.where(at_zero, dx_ref, dx)
    try:
        assert_close(label, elsewhere, dx_ref, rtol=RTOL)
    except AssertionError:
        return
    try:
        assert_close(f"{label} where x = 0", dx[at_zero], dx_ref[at_zero], rtol=RTOL)
    except AssertionError as err:
        raise AssertionError(f"{err}: {name}_backward at the kink x = 0 must use the derivative of the x <= 0 "
                             "branch (see the module docstring)") from None


def _backward_unchanged(student, ref, name, kwargs_list):
    fwd, bwd = name + "_forward", name + "_backward"
    rng = np.random.default_rng(8)
    x = _unchanged_points(rng)
    dout = rng.standard_normal(x.shape)
    fwds = call_each(getattr(student, fwd), [((x.copy(),), kw) for kw in kwargs_list])  # one round trip
    agree = [_agrees(unpack(r, 2, fwd)[0], getattr(ref, fwd)(x, **kw)[0]) for kw, r in zip(kwargs_list, fwds)]
    for kw, result, agrees in zip(kwargs_list, fwds, agree):
        _, cache = unpack(result, 2, fwd)
        dx = call_unchanged(getattr(student, bwd), dout, cache)
        try:
            _but_wrong(f"{bwd} leaves its inputs unchanged", "dx", _label("dx", kw), dx,
                       getattr(ref, bwd)(dout, getattr(ref, fwd)(x, **kw)[1]))
        except AssertionError:
            if agrees or not any(agree):  # see _own_forward_stands_in
                raise
            _judged_by_own_forward(student, fwd, kw, x, dout, dx, f"{bwd} leaves its inputs unchanged; dx")


# ---------------------------------------------------------------------------- tanh
@graded("tanh_forward", weight=3)
def test_tanh_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "tanh", [{}])


@graded("tanh_forward", weight=1)
def test_tanh_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, ref, "tanh", [{}])


@graded("tanh_backward", weight=2)
def test_tanh_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "tanh", [{}])


@graded("tanh_backward", weight=2)
def test_tanh_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "tanh", [{}])


@graded("tanh_backward", weight=1)
def test_tanh_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, ref, "tanh", [{}])


# ---------------------------------------------------------------------------- leaky ReLU
LEAKY = [{"alpha": 0.2}, {}, {"alpha": 0.05}]


@graded("leaky_relu_forward", weight=3)
def test_leaky_relu_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "leaky_relu", LEAKY)


@graded("leaky_relu_forward", weight=1)
def test_leaky_relu_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, ref, "leaky_relu", [{"alpha": 0.2}, {}])


@graded("leaky_relu_backward", weight=2)
def test_leaky_relu_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "leaky_relu", LEAKY)


@graded("leaky_relu_backward", weight=2)
def test_leaky_relu_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "leaky_relu", LEAKY)


@graded("leaky_relu_backward", weight=1)
def test_leaky_relu_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, ref, "leaky_relu", [{"alpha": 0.2}, {}])


# ---------------------------------------------------------------------------- ELU / SELU
ELU = [{"alpha": 0.7}, {"alpha": 1.5}, {}]


@graded("elu_forward", weight=3)
def test_elu_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "elu", ELU)


@graded("elu_forward", weight=1)
def test_elu_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, ref, "elu", [{"alpha": 0.7}, {}])


@graded("elu_backward", weight=2)
def test_elu_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "elu", ELU)


@graded("elu_backward", weight=2)
def test_elu_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "elu", ELU)


@graded("elu_backward", weight=1)
def test_elu_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, ref, "elu", [{"alpha": 0.7}, {}])


@graded("selu_forward", weight=3)
def test_selu_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "selu", [{}])


@graded("selu_forward", weight=1)
def test_selu_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, ref, "selu", [{}])


@graded("selu_backward", weight=2)
def test_selu_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "selu", [{}])


@graded("selu_backward", weight=2)
def test_selu_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "selu", [{}])


@graded("selu_backward", weight=1)
def test_selu_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, ref, "selu", [{}])


# ---------------------------------------------------------------------------- GELU
# Inputs are |x| in [0.05, ~10]: there the exact and tanh forms differ by far more than RTOL.
EXACT = [{"approximate": "none"}, {}]
TANH = [{"approximate": "tanh"}]


@graded("gelu_forward", weight=3)
def test_gelu_forward_exact_matches_reference(student, ref):
    _forward_matches(student, ref, "gelu", EXACT)


@graded("gelu_forward", weight=2)
def test_gelu_forward_tanh_matches_reference(student, ref):
    _forward_matches(student, ref, "gelu", TANH)


@graded("gelu_forward", weight=1)
def test_gelu_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, ref, "gelu", EXACT[:1] + TANH)


@graded("gelu_backward", weight=2)
def test_gelu_backward_exact_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "gelu", EXACT)


@graded("gelu_backward", weight=2)
def test_gelu_backward_exact_matches_reference(student, ref):
    _backward_matches(student, ref, "gelu", EXACT)


@graded("gelu_backward", weight=1)
def test_gelu_backward_tanh_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "gelu", TANH)


@graded("gelu_backward", weight=1)
def test_gelu_backward_tanh_matches_reference(student, ref):
    _backward_matches(student, ref, "gelu", TANH)


@graded("gelu_backward", weight=1)
def test_gelu_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, ref, "gelu", EXACT[:1] + TANH)


# ---------------------------------------------------------------------------- Swish / SiLU
SWISH = [{"beta": 1.7}, {"beta": 0.6}, {}]


@graded("swish_forward", weight=3)
def test_swish_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "swish", SWISH)


@graded("swish_forward", weight=1)
def test_swish_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, ref, "swish", [{"beta": 1.7}, {}])


@graded("swish_backward", weight=2)
def test_swish_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "swish", SWISH)


@graded("swish_backward", weight=2)
def test_swish_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "swish", SWISH)


@graded("swish_backward", weight=1)
def test_swish_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, ref, "swish", [{"beta": 1.7}, {}])
