"""Hidden tests for 04_activations, part 1: the elementwise activations and their derivatives.

Every backward is checked two ways: against centred differences of the student's own forward (when
that forward is correct; a wrong forward is graded by its own tests and not charged again here) and
against the reference backward. Check points keep |x| >= 0.05, far from the kink at 0.
"""

import numpy as np

from grader.checks import assert_close, call_unchanged, graded, unpack

SEEDS = (0, 1, 2)
RTOL = 1e-6         # closed forms: admits any reordering of the float operations
GRAD_RTOL = 1e-5    # centred differences with h = 1e-6
GRAD_ATOL = 1e-7


def _points(rng, shape, scale=2.0):
    """Check points away from the kink at 0 (|x| >= 0.05)."""
    u = scale * rng.standard_normal(shape)
    return np.where(u >= 0, 1.0, -1.0) * (0.05 + np.abs(u))


def _wide(rng):
    """Moderate values plus saturated ones (|x| up to 40), in a 2-D and a 3-D array."""
    x2 = _points(rng, (6, 5), scale=3.0)
    x2[0, :] = [-40.0, -12.0, 9.0, 25.0, 40.0]
    return [x2, _points(rng, (2, 3, 4))]


def _label(what, kw):
    """Names the case without revealing numbers: "dx (approximate='tanh')", "out (alpha set)"."""
    parts = [f"{k}={v!r}" if isinstance(v, str) else f"{k} set" for k, v in sorted(kw.items())]
    return f"{what} ({', '.join(parts) or 'default arguments'})"


def _forward_matches(student, ref, name, kwargs_list):
    fwd = name + "_forward"
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for x in _wide(rng):
            for kw in kwargs_list:
                out, _ = unpack(getattr(student, fwd)(x.copy(), **kw), 2, fwd)
                assert_close(_label("out", kw), out, getattr(ref, fwd)(x, **kw)[0], rtol=RTOL)


def _forward_unchanged(student, name, kw):
    x = _points(np.random.default_rng(7), (4, 5))
    unpack(call_unchanged(getattr(student, name + "_forward"), x, **kw), 2, name + "_forward")


def _checked_forward(student, ref, fwd, x, kw):
    """The student's forward for the numerical check when it agrees with the reference at x."""
    out, cache = unpack(getattr(student, fwd)(x.copy(), **kw), 2, fwd)
    out_ref = getattr(ref, fwd)(x, **kw)[0]
    ok = np.shape(out) == np.shape(out_ref) and np.allclose(out, out_ref, rtol=RTOL, atol=1e-10)
    return (getattr(student, fwd) if ok else getattr(ref, fwd)), cache


def _elementwise_numeric(f, x, dout, h=1e-6):
    """Centred differences of an elementwise forward f, all entries at once (two calls):
    d/dx_i sum(f(x) * dout) = f'(x_i) * dout_i."""
    fp = np.asarray(f(x + h), dtype=np.float64)
    fm = np.asarray(f(x - h), dtype=np.float64)
    return (fp - fm) / (2 * h) * dout


def _backward_numeric(student, ref, name, kwargs_list):
    fwd, bwd = name + "_forward", name + "_backward"
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        x = _points(rng, (6, 5))
        dout = rng.standard_normal(x.shape)
        for kw in kwargs_list:
            f, cache = _checked_forward(student, ref, fwd, x, kw)
            dx_num = _elementwise_numeric(lambda z: f(z, **kw)[0], x, dout)
            dx = getattr(student, bwd)(dout.copy(), cache)
            assert_close(_label("dx vs. numerical gradient", kw), dx, dx_num, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def _backward_matches(student, ref, name, kwargs_list):
    fwd, bwd = name + "_forward", name + "_backward"
    for seed in SEEDS:
        rng = np.random.default_rng(200 + seed)
        for x in _wide(rng):
            dout = rng.standard_normal(x.shape)
            for kw in kwargs_list:
                _, cache = unpack(getattr(student, fwd)(x.copy(), **kw), 2, fwd)
                dx = getattr(student, bwd)(dout.copy(), cache)
                dx_ref = getattr(ref, bwd)(dout, getattr(ref, fwd)(x, **kw)[1])
                assert_close(_label("dx", kw), dx, dx_ref, rtol=RTOL)


def _backward_unchanged(student, name, kw):
    rng = np.random.default_rng(8)
    x = _points(rng, (4, 5))
    _, cache = unpack(getattr(student, name + "_forward")(x, **kw), 2, name + "_forward")
    call_unchanged(getattr(student, name + "_backward"), rng.standard_normal(x.shape), cache)


# ---------------------------------------------------------------------------- tanh
@graded("tanh_forward", weight=3)
def test_tanh_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "tanh", [{}])


@graded("tanh_forward", weight=1)
def test_tanh_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, "tanh", {})


@graded("tanh_backward", weight=2)
def test_tanh_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "tanh", [{}])


@graded("tanh_backward", weight=2)
def test_tanh_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "tanh", [{}])


@graded("tanh_backward", weight=1)
def test_tanh_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, "tanh", {})


# ---------------------------------------------------------------------------- leaky ReLU
LEAKY = [{"alpha": 0.2}, {}, {"alpha": 0.05}]


@graded("leaky_relu_forward", weight=3)
def test_leaky_relu_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "leaky_relu", LEAKY)


@graded("leaky_relu_forward", weight=1)
def test_leaky_relu_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, "leaky_relu", {"alpha": 0.2})


@graded("leaky_relu_backward", weight=2)
def test_leaky_relu_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "leaky_relu", LEAKY)


@graded("leaky_relu_backward", weight=2)
def test_leaky_relu_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "leaky_relu", LEAKY)


@graded("leaky_relu_backward", weight=1)
def test_leaky_relu_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, "leaky_relu", {"alpha": 0.2})


# ---------------------------------------------------------------------------- ELU / SELU
ELU = [{"alpha": 0.7}, {"alpha": 1.5}, {}]


@graded("elu_forward", weight=3)
def test_elu_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "elu", ELU)


@graded("elu_forward", weight=1)
def test_elu_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, "elu", {"alpha": 0.7})


@graded("elu_backward", weight=2)
def test_elu_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "elu", ELU)


@graded("elu_backward", weight=2)
def test_elu_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "elu", ELU)


@graded("elu_backward", weight=1)
def test_elu_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, "elu", {"alpha": 0.7})


@graded("selu_forward", weight=3)
def test_selu_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "selu", [{}])


@graded("selu_forward", weight=1)
def test_selu_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, "selu", {})


@graded("selu_backward", weight=2)
def test_selu_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "selu", [{}])


@graded("selu_backward", weight=2)
def test_selu_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "selu", [{}])


@graded("selu_backward", weight=1)
def test_selu_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, "selu", {})


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
    _forward_unchanged(student, "gelu", {"approximate": "none"})
    _forward_unchanged(student, "gelu", {"approximate": "tanh"})


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
    _backward_unchanged(student, "gelu", {"approximate": "none"})


# ---------------------------------------------------------------------------- Swish / SiLU
SWISH = [{"beta": 1.7}, {"beta": 0.6}, {}]


@graded("swish_forward", weight=3)
def test_swish_forward_matches_reference(student, ref):
    _forward_matches(student, ref, "swish", SWISH)


@graded("swish_forward", weight=1)
def test_swish_forward_leaves_input_unchanged(student, ref):
    _forward_unchanged(student, "swish", {"beta": 1.7})


@graded("swish_backward", weight=2)
def test_swish_backward_numerical_gradient(student, ref):
    _backward_numeric(student, ref, "swish", SWISH)


@graded("swish_backward", weight=2)
def test_swish_backward_matches_reference(student, ref):
    _backward_matches(student, ref, "swish", SWISH)


@graded("swish_backward", weight=1)
def test_swish_backward_leaves_inputs_unchanged(student, ref):
    _backward_unchanged(student, "swish", {"beta": 1.7})
