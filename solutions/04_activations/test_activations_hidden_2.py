"""Hidden tests for 04_activations, part 2: PReLU (learned slope) and the gated layers GLU, SwiGLU, GEGLU.

Every gradient is checked against centred differences of the student's own forward (when that
forward is correct; a wrong forward is graded by its own tests and not charged again here) and
against the reference, with exact shapes.
"""

import numpy as np

from grader.checks import assert_close, call_unchanged, graded, numeric_grad_array, unpack

SEEDS = (0, 1, 2)
RTOL = 1e-6
GRAD_RTOL = 1e-5
GRAD_ATOL = 1e-7
N, D, M = 4, 3, 2   # N != D != M so that a sum over the wrong axis has the wrong shape


def _points(rng, shape, scale=2.0):
    u = scale * rng.standard_normal(shape)
    return np.where(u >= 0, 1.0, -1.0) * (0.05 + np.abs(u))


def _cp(a):
    """A copy for the student (under plain pytest an in-place bug must not alter the test's data)."""
    return a.copy() if isinstance(a, np.ndarray) else a


def _agrees(out, out_ref):
    return np.shape(out) == np.shape(out_ref) and bool(np.allclose(out, out_ref, rtol=RTOL, atol=1e-10))


# ---------------------------------------------------------------------------- PReLU
def _alphas(rng):
    """A per-feature (D,) alpha and a scalar alpha."""
    return [("per-feature alpha", rng.uniform(0.05, 0.6, D)), ("scalar alpha", 0.25)]


@graded("prelu_forward", weight=3)
def test_prelu_forward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        x = _points(rng, (N, D), scale=3.0)
        for label, alpha in _alphas(rng):
            out, _ = unpack(student.prelu_forward(x.copy(), _cp(alpha)), 2, "prelu_forward")
            assert_close(f"out ({label})", out, ref.prelu_forward(x, alpha)[0], rtol=RTOL)


@graded("prelu_forward", weight=1)
def test_prelu_forward_leaves_inputs_unchanged(student, ref):
    rng = np.random.default_rng(5)
    unpack(call_unchanged(student.prelu_forward, _points(rng, (N, D)), rng.uniform(0.05, 0.6, D)), 2, "prelu_forward")


@graded("prelu_backward", weight=3)
def test_prelu_backward_numerical_gradient(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        x = _points(rng, (N, D))
        dout = rng.standard_normal((N, D))
        for label, alpha in _alphas(rng):
            out, cache = unpack(student.prelu_forward(x.copy(), _cp(alpha)), 2, "prelu_forward")
            f = student.prelu_forward if _agrees(out, ref.prelu_forward(x, alpha)[0]) else ref.prelu_forward
            dx, dalpha = unpack(student.prelu_backward(dout.copy(), cache), 2, "prelu_backward")
            # PReLU is elementwise in x: shift all entries at once (two calls)
            h = 1e-6
            dx_num = (np.asarray(f(x + h, _cp(alpha))[0]) - np.asarray(f(x - h, _cp(alpha))[0])) / (2 * h) * dout
            if np.ndim(alpha) == 0:
                da_num = numeric_grad_array(lambda a: f(x.copy(), float(a))[0], np.array(alpha), dout)
            else:
                da_num = numeric_grad_array(lambda a: f(x.copy(), a)[0], alpha, dout)
            assert_close(f"dx vs. numerical gradient ({label})", dx, dx_num, rtol=GRAD_RTOL, atol=GRAD_ATOL)
            assert_close(f"dalpha vs. numerical gradient ({label}; dalpha has alpha's shape)", dalpha, da_num,
                         rtol=GRAD_RTOL, atol=GRAD_ATOL)


@graded("prelu_backward", weight=2)
def test_prelu_backward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(200 + seed)
        x = _points(rng, (N, D), scale=3.0)
        dout = rng.standard_normal((N, D))
        for label, alpha in _alphas(rng):
            _, cache = unpack(student.prelu_forward(x.copy(), _cp(alpha)), 2, "prelu_forward")
            dx, dalpha = unpack(student.prelu_backward(dout.copy(), cache), 2, "prelu_backward")
            dx_ref, dalpha_ref = ref.prelu_backward(dout, ref.prelu_forward(x, alpha)[1])
            assert_close(f"dx ({label})", dx, dx_ref, rtol=RTOL)
            assert_close(f"dalpha ({label}; summed over the batch, alpha's shape)", dalpha, dalpha_ref, rtol=RTOL)


@graded("prelu_backward", weight=1)
def test_prelu_backward_leaves_inputs_unchanged(student, ref):
    rng = np.random.default_rng(6)
    x = _points(rng, (N, D))
    _, cache = unpack(student.prelu_forward(x, rng.uniform(0.05, 0.6, D)), 2, "prelu_forward")
    unpack(call_unchanged(student.prelu_backward, rng.standard_normal((N, D)), cache), 2, "prelu_backward")


# ---------------------------------------------------------------------------- GLU family
GRAD_NAMES = {"glu": ("dx", "dW", "db", "dV", "dc"),
              "swiglu": ("dx", "dW1", "db1", "dW2", "db2"),
              "geglu": ("dx", "dW1", "db1", "dW2", "db2")}


def _layer_inputs(rng):
    x = rng.standard_normal((N, D))
    W, V = 0.8 * rng.standard_normal((D, M)), 0.8 * rng.standard_normal((D, M))
    b, c = 0.4 * rng.standard_normal(M), 0.4 * rng.standard_normal(M)
    return [x, W, b, V, c]


def _gated_forward_matches(student, ref, name):
    fwd = name + "_forward"
    for seed in SEEDS:
        args = _layer_inputs(np.random.default_rng(seed))
        out, _ = unpack(getattr(student, fwd)(*[a.copy() for a in args]), 2, fwd)
        assert_close("out", out, getattr(ref, fwd)(*args)[0], rtol=RTOL)


def _gated_forward_unchanged(student, name):
    args = _layer_inputs(np.random.default_rng(9))
    unpack(call_unchanged(getattr(student, name + "_forward"), *args), 2, name + "_forward")


def _gated_backward_numeric(student, ref, name):
    fwd, bwd = name + "_forward", name + "_backward"
    for seed in SEEDS[:2]:
        rng = np.random.default_rng(300 + seed)
        args = _layer_inputs(rng)
        dout = rng.standard_normal((N, M))
        out, cache = unpack(getattr(student, fwd)(*[a.copy() for a in args]), 2, fwd)
        f = getattr(student, fwd) if _agrees(out, getattr(ref, fwd)(*args)[0]) else getattr(ref, fwd)
        grads = unpack(getattr(student, bwd)(dout.copy(), cache), 5, bwd)
        for i, gname in enumerate(GRAD_NAMES[name]):
            num = numeric_grad_array(lambda p: f(*[a.copy() for a in args[:i]], p, *[a.copy() for a in args[i + 1:]])[0], args[i], dout)
            assert_close(f"{gname} vs. numerical gradient", grads[i], num, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def _gated_backward_matches(student, ref, name):
    fwd, bwd = name + "_forward", name + "_backward"
    for seed in SEEDS:
        rng = np.random.default_rng(400 + seed)
        args = _layer_inputs(rng)
        dout = rng.standard_normal((N, M))
        _, cache = unpack(getattr(student, fwd)(*[a.copy() for a in args]), 2, fwd)
        grads = unpack(getattr(student, bwd)(dout.copy(), cache), 5, bwd)
        grads_ref = getattr(ref, bwd)(dout, getattr(ref, fwd)(*args)[1])
        for gname, g, g_ref in zip(GRAD_NAMES[name], grads, grads_ref):
            assert_close(gname, g, g_ref, rtol=RTOL)


def _gated_backward_unchanged(student, name):
    rng = np.random.default_rng(10)
    _, cache = unpack(getattr(student, name + "_forward")(*_layer_inputs(rng)), 2, name + "_forward")
    unpack(call_unchanged(getattr(student, name + "_backward"), rng.standard_normal((N, M)), cache), 5,
           name + "_backward")


@graded("glu_forward", weight=3)
def test_glu_forward_matches_reference(student, ref):
    _gated_forward_matches(student, ref, "glu")


@graded("glu_forward", weight=1)
def test_glu_forward_leaves_inputs_unchanged(student, ref):
    _gated_forward_unchanged(student, "glu")


@graded("glu_backward", weight=2)
def test_glu_backward_numerical_gradient(student, ref):
    _gated_backward_numeric(student, ref, "glu")


@graded("glu_backward", weight=2)
def test_glu_backward_matches_reference(student, ref):
    _gated_backward_matches(student, ref, "glu")


@graded("glu_backward", weight=1)
def test_glu_backward_leaves_inputs_unchanged(student, ref):
    _gated_backward_unchanged(student, "glu")


@graded("swiglu_forward", weight=3)
def test_swiglu_forward_matches_reference(student, ref):
    _gated_forward_matches(student, ref, "swiglu")


@graded("swiglu_forward", weight=1)
def test_swiglu_forward_leaves_inputs_unchanged(student, ref):
    _gated_forward_unchanged(student, "swiglu")


@graded("swiglu_backward", weight=2)
def test_swiglu_backward_numerical_gradient(student, ref):
    _gated_backward_numeric(student, ref, "swiglu")


@graded("swiglu_backward", weight=2)
def test_swiglu_backward_matches_reference(student, ref):
    _gated_backward_matches(student, ref, "swiglu")


@graded("swiglu_backward", weight=1)
def test_swiglu_backward_leaves_inputs_unchanged(student, ref):
    _gated_backward_unchanged(student, "swiglu")


@graded("geglu_forward", weight=3)
def test_geglu_forward_matches_reference(student, ref):
    _gated_forward_matches(student, ref, "geglu")


@graded("geglu_forward", weight=1)
def test_geglu_forward_leaves_inputs_unchanged(student, ref):
    _gated_forward_unchanged(student, "geglu")


@graded("geglu_backward", weight=2)
def test_geglu_backward_numerical_gradient(student, ref):
    _gated_backward_numeric(student, ref, "geglu")


@graded("geglu_backward", weight=2)
def test_geglu_backward_matches_reference(student, ref):
    _gated_backward_matches(student, ref, "geglu")


@graded("geglu_backward", weight=1)
def test_geglu_backward_leaves_inputs_unchanged(student, ref):
    _gated_backward_unchanged(student, "geglu")
