"""Hidden tests for 04_activations, part 2: PReLU (learned slope) and the gated layers GLU, SwiGLU, GEGLU.

Every gradient is checked against centred differences of the student's own forward (when that
forward equals the reference's up to rounding; otherwise of the reference's: a wrong forward is
graded by its own tests and not charged again here) and against the reference, with exact shapes.
"""

import numpy as np

from grader.checks import assert_close, call_each, call_unchanged, graded, unpack

SEEDS = (0, 1, 2)
RTOL = 1e-6
GRAD_RTOL = 1e-5
GRAD_ATOL = 1e-7
N, D, M = 4, 3, 2   # N != D != M so that a sum over the wrong axis has the wrong shape
H = 1e-6
# A forward error e becomes noise e / H = 1e6 * e in a centred difference: the student's own forward
# stands in for the reference's there only when it differs by rounding alone (correct float64
# forms differ by ~1e-16 relative; the absolute 1e-14 adds at most 1e-8 = GRAD_ATOL / 10 of noise).
AGREE_RTOL = 1e-12
AGREE_ATOL = 1e-14
# Outputs and gradients must also carry float64 precision (see _double_precision): single precision
# errs by ~3e-8 relative, correct float64 forms (another order of the sums, einsum for @) by ~1e-15.
PREC_RTOL = 1e-9
PREC_ATOL = 1e-13

# Speed: the student calls of each loop over seeds go to the worker as ONE batch (call_each), so a
# test costs one to three round trips instead of one per call, and the numerical gradients use the
# layers' independence structure (see _prelu_probes, _gated_probes) to need a few calls instead of
# two per entry; the inputs and checks are unchanged.


def _points(rng, shape, scale=2.0):
    u = scale * rng.standard_normal(shape)
    return np.where(u >= 0, 1.0, -1.0) * (0.05 + np.abs(u))


def _cp(a):
    """A copy for the student (under plain pytest an in-place bug must not alter the test's data)."""
    return a.copy() if isinstance(a, np.ndarray) else a


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
    """Within RTOL but computed in single precision and cast back (float32 inputs or weights inside,
    float32 constants): ~3e-8 relative errors on nearly every entry, 30 times PREC_RTOL."""
    try:
        assert_close(name, actual, expected, rtol=PREC_RTOL, atol=PREC_ATOL)
    except AssertionError as err:
        raise AssertionError(f"{name} is only as accurate as single precision ({err}); compute in float64 "
                             "throughout, as the inputs are") from None


def _precise_gradient(name, grad, grad_ref, forward_agrees):
    """A gradient's dtype and precision, checked only when the student's forward (whose cache the
    backward was given) agrees with the reference's to rounding: an imprecise forward is graded by
    its own tests, and a correct backward on its cache must not pay for it again."""
    if forward_agrees:
        _full_precision(name, grad)
        _double_precision(name, grad, grad_ref)


# ---------------------------------------------------------------------------- PReLU
# The docstring does not bound alpha, and a slope above 1 is where np.maximum(x, alpha * x) stops
# being PReLU: feature 1 of the per-feature alpha, and the scalar alpha of the second seed, exceed 1.
SCALAR_ALPHAS = (0.25, 1.3, 0.1)


def _alphas(rng, k):
    """A per-feature (D,) alpha and a scalar alpha, for the k-th seed."""
    alpha = rng.uniform(0.05, 0.6, D)
    alpha[1] = 1.5
    return [("per-feature alpha", alpha), ("scalar alpha", SCALAR_ALPHAS[k])]


@graded("prelu_forward", weight=3)
def test_prelu_forward_matches_reference(student, ref):
    cases = []
    for k, seed in enumerate(SEEDS):
        rng = np.random.default_rng(seed)
        x = _points(rng, (N, D), scale=3.0)
        cases += [(x, label, alpha) for label, alpha in _alphas(rng, k)]
    results = call_each(student.prelu_forward, [((x.copy(), _cp(alpha)), {}) for x, _, alpha in cases])
    for (x, label, alpha), result in zip(cases, results):
        out, _ = unpack(result, 2, "prelu_forward")
        out_ref = ref.prelu_forward(x, alpha)[0]
        assert_close(f"out ({label})", out, out_ref, rtol=RTOL)
        _full_precision(f"out ({label})", out)
        _double_precision(f"out ({label})", out, out_ref)


def _but_wrong(prop, what, name, actual, expected):
    """assert_close with the value tests' tolerance, whose failure says that the property tested held but the
    values are wrong: a placeholder that never touches its inputs must not earn the property's points."""
    try:
        assert_close(name, actual, expected, rtol=RTOL)
    except AssertionError as err:
        raise AssertionError(f"{prop}, but {what} is wrong: {err}") from None


# The unchanged tests run both kinds of alpha, whose code paths often differ (an in-place shortcut is
# typically written in one of them); one call_unchanged (one round trip) each.
def _unchanged_alphas(rng):
    return [("per-feature alpha", rng.uniform(0.05, 0.6, D)), ("scalar alpha", 0.3)]


@graded("prelu_forward", weight=1)
def test_prelu_forward_leaves_inputs_unchanged(student, ref):
    rng = np.random.default_rng(5)
    x = _points(rng, (N, D))
    for label, alpha in _unchanged_alphas(rng):
        out, _ = unpack(call_unchanged(student.prelu_forward, x, alpha), 2, "prelu_forward")
        _but_wrong("prelu_forward leaves its inputs unchanged", "its output", f"out ({label})", out,
                   ref.prelu_forward(x, alpha)[0])


def _prelu_probes(x, alpha):
    """The forward's arguments for centred differences. out[n, j] depends only on x[n, j] and on
    alpha (alpha[j] when per-feature), so shifting all of x, or all of alpha, by +-H at once gives
    every partial derivative. A scalar alpha stays a Python float."""
    if np.ndim(alpha) == 0:
        up, down = float(alpha) + H, float(alpha) - H
    else:
        up, down = np.asarray(alpha, dtype=np.float64) + H, np.asarray(alpha, dtype=np.float64) - H
    return [(x.copy(), _cp(alpha)), (x + H, _cp(alpha)), (x - H, _cp(alpha)), (x.copy(), up), (x.copy(), down)]


@graded("prelu_backward", weight=3)
def test_prelu_backward_numerical_gradient(student, ref):
    cases = []
    for k, seed in enumerate(SEEDS):
        rng = np.random.default_rng(100 + seed)
        x = _points(rng, (N, D))
        dout = rng.standard_normal((N, D))
        cases += [(x, dout, label, alpha) for label, alpha in _alphas(rng, k)]
    # one round trip for every forward: at (x, alpha), whose cache feeds the backward, and at the probes
    probes = [_prelu_probes(x, alpha) for x, _, _, alpha in cases]
    results = call_each(student.prelu_forward, [(args, {}) for case in probes for args in case])
    caches, expected = [], []
    for k, ((x, dout, _, alpha), case) in enumerate(zip(cases, probes)):
        outs = [unpack(r, 2, "prelu_forward") for r in results[5 * k:5 * k + 5]]
        caches.append(outs[0][1])
        values = [out for out, _ in outs]
        if not all(_agrees(v, ref.prelu_forward(*args)[0]) for v, args in zip(values, case)):
            values = [ref.prelu_forward(*args)[0] for args in case]  # a wrong forward is graded by its own tests
        _, xp, xm, ap, am = (np.asarray(v, dtype=np.float64) for v in values)
        dx_num = (xp - xm) / (2 * H) * dout
        da_cols = ((ap - am) * dout).sum(axis=0) / (2 * H)  # column j holds d/dalpha[j]
        da_num = np.float64(da_cols.sum()) if np.ndim(alpha) == 0 else da_cols
        expected.append((dx_num, da_num))
    grads = call_each(student.prelu_backward, [((dout.copy(), cache), {}) for (_, dout, _, _), cache in zip(cases, caches)])
    for (_, _, label, _), result, (dx_num, da_num) in zip(cases, grads, expected):
        dx, dalpha = unpack(result, 2, "prelu_backward")
        assert_close(f"dx vs. numerical gradient ({label})", dx, dx_num, rtol=GRAD_RTOL, atol=GRAD_ATOL)
        assert_close(f"dalpha vs. numerical gradient ({label}; dalpha has alpha's shape)", dalpha, da_num,
                     rtol=GRAD_RTOL, atol=GRAD_ATOL)


@graded("prelu_backward", weight=2)
def test_prelu_backward_matches_reference(student, ref):
    cases = []
    for k, seed in enumerate(SEEDS):
        rng = np.random.default_rng(200 + seed)
        n = 1 if k == 2 else N  # a batch of one: no axis may be squeezed away
        x = _points(rng, (n, D), scale=3.0)
        x[0, 0] = x[-1, 2] = 0.0  # the kink, where the docstring asks for the x <= 0 branch: dx = alpha * dout
        dout = rng.standard_normal((n, D))
        cases += [(x, dout, label, alpha) for label, alpha in _alphas(rng, k)]
    fwds = [unpack(result, 2, "prelu_forward")
            for result in call_each(student.prelu_forward, [((x.copy(), _cp(alpha)), {}) for x, _, _, alpha in cases])]
    grads = call_each(student.prelu_backward, [((dout.copy(), cache), {}) for (_, dout, _, _), (_, cache) in zip(cases, fwds)])
    for (x, dout, label, alpha), (out, _), result in zip(cases, fwds, grads):
        dx, dalpha = unpack(result, 2, "prelu_backward")
        out_ref, cache_ref = ref.prelu_forward(x, alpha)
        dx_ref, dalpha_ref = ref.prelu_backward(dout, cache_ref)
        if isinstance(dx, np.ndarray) and dx.shape == x.shape and dx.dtype.kind in "iuf" and \
                np.allclose(np.where(x == 0, dx_ref, dx), dx_ref, rtol=RTOL, atol=1e-12) and \
                not np.allclose(dx[x == 0], dx_ref[x == 0], rtol=RTOL, atol=1e-12):
            raise AssertionError(f"dx ({label}, N = {len(x)}) is wrong where x = 0 only: at the kink x = 0, "
                                 "prelu_backward must use the derivative of the x <= 0 branch (see the module "
                                 "docstring)")
        assert_close(f"dx ({label}, N = {len(x)})", dx, dx_ref, rtol=RTOL)
        assert_close(f"dalpha ({label}, N = {len(x)}; summed over the batch, alpha's shape)", dalpha, dalpha_ref,
                     rtol=RTOL)
        agrees = _agrees(out, out_ref)
        _precise_gradient(f"dx ({label})", dx, dx_ref, agrees)
        _precise_gradient(f"dalpha ({label})", dalpha, dalpha_ref, agrees)


@graded("prelu_backward", weight=1)
def test_prelu_backward_leaves_inputs_unchanged(student, ref):
    rng = np.random.default_rng(6)
    x = _points(rng, (N, D))
    alphas = _unchanged_alphas(rng)
    dout = rng.standard_normal((N, D))
    # one round trip for both forwards
    fwds = call_each(student.prelu_forward, [((x.copy(), _cp(alpha)), {}) for _, alpha in alphas])
    for (label, alpha), result in zip(alphas, fwds):
        _, cache = unpack(result, 2, "prelu_forward")
        dx, dalpha = unpack(call_unchanged(student.prelu_backward, dout, cache), 2, "prelu_backward")
        dx_ref, dalpha_ref = ref.prelu_backward(dout, ref.prelu_forward(x, alpha)[1])
        _but_wrong("prelu_backward leaves its inputs unchanged", "dx", f"dx ({label})", dx, dx_ref)
        _but_wrong("prelu_backward leaves its inputs unchanged", "dalpha",
                   f"dalpha ({label}; summed over the batch, alpha's shape)", dalpha, dalpha_ref)


# ---------------------------------------------------------------------------- GLU family
GRAD_NAMES = {"glu": ("dx", "dW", "db", "dV", "dc"),
              "swiglu": ("dx", "dW1", "db1", "dW2", "db2"),
              "geglu": ("dx", "dW1", "db1", "dW2", "db2")}


def _layer_inputs(rng, n=N):
    x = rng.standard_normal((n, D))
    W, V = 0.8 * rng.standard_normal((D, M)), 0.8 * rng.standard_normal((D, M))
    b, c = 0.4 * rng.standard_normal(M), 0.4 * rng.standard_normal(M)
    return [x, W, b, V, c]


def _saturated_layer_inputs(rng):
    """Biases of +-750 on both branches: the gate (GLU's c) or the activated branch (SwiGLU's and GEGLU's b1)
    saturates, as the elementwise activations are tested up to |x| = 800. A sigmoid computed as
    exp(z) / (exp(z) + 1) gives inf / inf = NaN there."""
    x, W, b, V, c = _layer_inputs(rng)
    return [x, W, np.array([750.0, -750.0]) + b, V, np.array([-750.0, 750.0]) + c]


def _gated_forward_matches(student, ref, name):
    fwd = name + "_forward"
    cases = [_layer_inputs(np.random.default_rng(seed)) for seed in SEEDS]
    cases.append(_saturated_layer_inputs(np.random.default_rng(SEEDS[-1] + 10)))
    results = call_each(getattr(student, fwd), [(tuple(a.copy() for a in args), {}) for args in cases])
    for args, result in zip(cases, results):
        out, _ = unpack(result, 2, fwd)
        out_ref = getattr(ref, fwd)(*args)[0]
        assert_close("out", out, out_ref, rtol=RTOL)
        _full_precision("out", out)
        _double_precision("out", out, out_ref)


def _gated_forward_unchanged(student, ref, name):
    fwd = name + "_forward"
    args = _layer_inputs(np.random.default_rng(9))
    out, _ = unpack(call_unchanged(getattr(student, fwd), *args), 2, fwd)
    _but_wrong(f"{fwd} leaves its inputs unchanged", "its output", "out", out, getattr(ref, fwd)(*args)[0])


def _forwards_and_backwards(student, name, cases):
    """The student's forward on each case's inputs, then its backward on each cache: two round trips."""
    fwd, bwd = name + "_forward", name + "_backward"
    fwds = [unpack(r, 2, fwd) for r in call_each(getattr(student, fwd),
                                                  [(tuple(a.copy() for a in args), {}) for args, _ in cases])]
    grads = call_each(getattr(student, bwd), [((dout.copy(), cache), {}) for (_, dout), (_, cache) in zip(cases, fwds)])
    return [out for out, _ in fwds], [unpack(g, 5, bwd) for g in grads]


def _gated_probes(args):
    """Two forward inputs whose outputs hold every centred difference of the layer.

    out[n, m] depends only on row n of x, and only on column m of W, V (and entry m of b, c). So
    (1) stacking copies of x along the batch, copy (d, sign) with column d shifted by sign * H in
    every row, and (2) stacking copies of the parameters along the output axis, copy (p, r, sign)
    with row r of parameter p (all of b or c) shifted, gives every partial derivative in 2 calls
    instead of one call per entry."""
    x, params = args[0], args[1:]
    big_x = np.concatenate([x + s * H * (np.arange(D) == d) for d in range(D) for s in (1.0, -1.0)])
    blocks = []
    for i, p in enumerate(params):
        rows = p.reshape(-1, M)
        for r in range(rows.shape[0]):
            for s in (1.0, -1.0):
                q = rows.copy()
                q[r] += s * H
                blocks.append([q.reshape(p.shape) if j == i else a for j, a in enumerate(params)])
    big_params = [np.concatenate([blk[j] for blk in blocks], axis=-1) for j in range(len(params))]
    return [(big_x, *[a.copy() for a in params]), (x.copy(), *big_params)]


def _gated_numeric(out_x, out_params, dout, shapes):
    """The gradients of sum(out * dout), unpacked from the outputs on the two _gated_probes inputs."""
    ox = np.asarray(out_x, dtype=np.float64).reshape(D, 2, N, M)
    dx = np.einsum("dnm,nm->nd", ox[:, 0] - ox[:, 1], dout) / (2 * H)
    op = np.asarray(out_params, dtype=np.float64).reshape(N, -1, 2, M)
    rows = np.einsum("nkm,nm->km", op[:, :, 0] - op[:, :, 1], dout) / (2 * H)  # one row per (param, row)
    grads, start = [dx], 0
    for shape in shapes:
        count = int(np.prod(shape)) // M
        grads.append(rows[start:start + count].reshape(shape))
        start += count
    return grads


def _gated_backward_numeric(student, ref, name):
    fwd = name + "_forward"
    cases = []
    for seed in SEEDS[:2]:
        rng = np.random.default_rng(300 + seed)
        args = _layer_inputs(rng)
        cases.append((args, rng.standard_normal((N, M))))
    outs, grads = _forwards_and_backwards(student, name, cases)
    # one round trip for the probes of every case
    probes = [_gated_probes(args) for args, _ in cases]
    results = call_each(getattr(student, fwd), [(p, {}) for pair in probes for p in pair])
    ref_fwd = getattr(ref, fwd)
    for k, ((args, dout), out, g, pair) in enumerate(zip(cases, outs, grads, probes)):
        values = [unpack(r, 2, fwd)[0] for r in results[2 * k:2 * k + 2]]
        if not (_agrees(out, ref_fwd(*args)[0]) and all(_agrees(v, ref_fwd(*p)[0]) for v, p in zip(values, pair))):
            values = [ref_fwd(*p)[0] for p in pair]  # a wrong forward is graded by its own tests
        num = _gated_numeric(*values, dout, [a.shape for a in args[1:]])
        for gname, gi, ni in zip(GRAD_NAMES[name], g, num):
            assert_close(f"{gname} vs. numerical gradient", gi, ni, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def _gated_backward_matches(student, ref, name):
    fwd, bwd = name + "_forward", name + "_backward"
    cases = []
    for k, seed in enumerate(SEEDS):
        rng = np.random.default_rng(400 + seed)
        n = 1 if k == 2 else N  # a batch of one: no axis may be squeezed away
        args = _layer_inputs(rng, n)
        cases.append((args, rng.standard_normal((n, M))))
    outs, grads = _forwards_and_backwards(student, name, cases)
    for (args, dout), out, g in zip(cases, outs, grads):
        out_ref, cache_ref = getattr(ref, fwd)(*args)
        grads_ref = getattr(ref, bwd)(dout, cache_ref)
        agrees = _agrees(out, out_ref)
        for gname, gi, g_ref in zip(GRAD_NAMES[name], g, grads_ref):
            assert_close(f"{gname} (N = {len(args[0])})", gi, g_ref, rtol=RTOL)
            _precise_gradient(gname, gi, g_ref, agrees)


def _gated_backward_unchanged(student, ref, name):
    fwd, bwd = name + "_forward", name + "_backward"
    rng = np.random.default_rng(10)
    args = _layer_inputs(rng)
    _, cache = unpack(getattr(student, fwd)(*args), 2, fwd)
    dout = rng.standard_normal((N, M))
    grads = unpack(call_unchanged(getattr(student, bwd), dout, cache), 5, bwd)
    grads_ref = getattr(ref, bwd)(dout, getattr(ref, fwd)(*args)[1])
    for gname, gi, g_ref in zip(GRAD_NAMES[name], grads, grads_ref):
        _but_wrong(f"{bwd} leaves its inputs unchanged", gname, gname, gi, g_ref)


@graded("glu_forward", weight=3)
def test_glu_forward_matches_reference(student, ref):
    _gated_forward_matches(student, ref, "glu")


@graded("glu_forward", weight=1)
def test_glu_forward_leaves_inputs_unchanged(student, ref):
    _gated_forward_unchanged(student, ref, "glu")


@graded("glu_backward", weight=2)
def test_glu_backward_numerical_gradient(student, ref):
    _gated_backward_numeric(student, ref, "glu")


@graded("glu_backward", weight=2)
def test_glu_backward_matches_reference(student, ref):
    _gated_backward_matches(student, ref, "glu")


@graded("glu_backward", weight=1)
def test_glu_backward_leaves_inputs_unchanged(student, ref):
    _gated_backward_unchanged(student, ref, "glu")


@graded("swiglu_forward", weight=3)
def test_swiglu_forward_matches_reference(student, ref):
    _gated_forward_matches(student, ref, "swiglu")


@graded("swiglu_forward", weight=1)
def test_swiglu_forward_leaves_inputs_unchanged(student, ref):
    _gated_forward_unchanged(student, ref, "swiglu")


@graded("swiglu_backward", weight=2)
def test_swiglu_backward_numerical_gradient(student, ref):
    _gated_backward_numeric(student, ref, "swiglu")


@graded("swiglu_backward", weight=2)
def test_swiglu_backward_matches_reference(student, ref):
    _gated_backward_matches(student, ref, "swiglu")


@graded("swiglu_backward", weight=1)
def test_swiglu_backward_leaves_inputs_unchanged(student, ref):
    _gated_backward_unchanged(student, ref, "swiglu")


@graded("geglu_forward", weight=3)
def test_geglu_forward_matches_reference(student, ref):
    _gated_forward_matches(student, ref, "geglu")


@graded("geglu_forward", weight=1)
def test_geglu_forward_leaves_inputs_unchanged(student, ref):
    _gated_forward_unchanged(student, ref, "geglu")


@graded("geglu_backward", weight=2)
def test_geglu_backward_numerical_gradient(student, ref):
    _gated_backward_numeric(student, ref, "geglu")


@graded("geglu_backward", weight=2)
def test_geglu_backward_matches_reference(student, ref):
    _gated_backward_matches(student, ref, "geglu")


@graded("geglu_backward", weight=1)
def test_geglu_backward_leaves_inputs_unchanged(student, ref):
    _gated_backward_unchanged(student, ref, "geglu")
