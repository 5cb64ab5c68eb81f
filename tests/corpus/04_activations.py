"""Mutants and alternatives of the 04_activations reference (see tests/corpus/ conventions)."""

# name -> (function that must lose points, source appended to the reference module)
MUTANTS = {
    "tanh_forward_in_place": ("tanh_forward", '''
def tanh_forward(x):
    np.tanh(x, out=x)
    return x, x.copy()
'''),
    "tanh_backward_uses_derivative_of_x": ("tanh_backward", '''
def tanh_backward(dout, cache):
    return dout * (1.0 - cache)
'''),
    "leaky_relu_forward_ignores_alpha": ("leaky_relu_forward", '''
def leaky_relu_forward(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x), (x, alpha)
'''),
    "leaky_relu_backward_zero_slope": ("leaky_relu_backward", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * (x > 0)
'''),
    "prelu_forward_wrong_broadcast": ("prelu_forward", '''
def prelu_forward(x, alpha):
    return np.where(x > 0, x, np.mean(alpha) * x), (x, alpha)
'''),
    "prelu_dalpha_not_summed": ("prelu_backward", '''
def prelu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha), dout * np.where(x > 0, 0.0, x)
'''),
    "prelu_dalpha_mean_over_batch": ("prelu_backward", '''
def prelu_backward(dout, cache):
    x, alpha = cache
    g = dout * np.where(x > 0, 0.0, x)
    return dout * np.where(x > 0, 1.0, alpha), (g.mean() if np.ndim(alpha) == 0 else g.mean(axis=0))
'''),
    "prelu_scalar_dalpha_shape_1": ("prelu_backward", '''
def prelu_backward(dout, cache):
    x, alpha = cache
    g = dout * np.where(x > 0, 0.0, x)
    dalpha = np.atleast_1d(g.sum()) if np.ndim(alpha) == 0 else g.sum(axis=0)
    return dout * np.where(x > 0, 1.0, alpha), dalpha
'''),
    "prelu_backward_dx_ignores_alpha": ("prelu_backward", '''
def prelu_backward(dout, cache):
    x, alpha = cache
    g = dout * np.where(x > 0, 0.0, x)
    return dout * (x > 0), (g.sum() if np.ndim(alpha) == 0 else g.sum(axis=0))
'''),
    "elu_forward_no_alpha": ("elu_forward", '''
def elu_forward(x, alpha=1.0):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))), (x, alpha)
'''),
    "elu_backward_wrong_for_positive": ("elu_backward", '''
def elu_backward(dout, cache):
    x, alpha = cache
    return dout * alpha * np.exp(np.minimum(x, 0.0))
'''),
    "elu_backward_out_plus_alpha_everywhere": ("elu_backward", '''
def elu_backward(dout, cache):
    x, alpha = cache
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    return dout * (out + alpha)
'''),
    "selu_constants_swapped": ("selu_forward", '''
def selu_forward(x):
    out = SELU_ALPHA * np.where(x > 0, x, SELU_SCALE * np.expm1(np.minimum(x, 0.0)))
    return out, x
'''),
    "selu_backward_missing_scale": ("selu_backward", '''
def selu_backward(dout, cache):
    x = cache
    return dout * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0)))
'''),
    "gelu_exact_is_tanh_approximation": ("gelu_forward", '''
_gelu_forward_ref = gelu_forward
def gelu_forward(x, approximate="none"):
    out, _ = _gelu_forward_ref(x, "tanh")
    return out, (x, approximate)
'''),
    "gelu_tanh_form_missing_cubic": ("gelu_forward", '''
_gelu_forward_ref = gelu_forward
def gelu_forward(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * x)), (x, approximate)
    return _gelu_forward_ref(x, approximate)
'''),
    "gelu_backward_exact_drops_pdf_term": ("gelu_backward", '''
import scipy.special  # the reference no longer imports it (students may)
_gelu_backward_ref = gelu_backward
def gelu_backward(dout, cache):
    x, approximate = cache
    if approximate == "none":
        return dout * 0.5 * (1.0 + scipy.special.erf(x / np.sqrt(2.0)))
    return _gelu_backward_ref(dout, cache)
'''),
    "gelu_backward_always_tanh": ("gelu_backward", '''
_gelu_backward_ref = gelu_backward
def gelu_backward(dout, cache):
    x, approximate = cache
    return _gelu_backward_ref(dout, (x, "tanh"))
'''),
    "swish_forward_ignores_beta": ("swish_forward", '''
def swish_forward(x, beta=1.0):
    s = _sigmoid(x)
    return x * s, (x, _sigmoid(beta * x), beta)
'''),
    "swish_backward_missing_beta": ("swish_backward", '''
def swish_backward(dout, cache):
    x, s, beta = cache
    return dout * (s + x * s * (1.0 - s))
'''),
    "glu_forward_gate_on_wrong_branch": ("glu_forward", '''
def glu_forward(x, W, b, V, c):
    a = x @ W + b
    g = _sigmoid(x @ V + c)
    return (x @ V + c) * _sigmoid(a), (x, W, V, a, g)
'''),
    # The gate's sigmoid as exp(z) / (exp(z) + 1): inf / inf = NaN once z > 709 (a saturated gate).
    "glu_forward_sigmoid_overflow_nan": ("glu_forward", '''
def glu_forward(x, W, b, V, c):
    a = x @ W + b
    e = np.exp(x @ V + c)
    g = e / (e + 1.0)
    return a * g, (x, W, V, a, g)
'''),
    "glu_gate_derivative_missing": ("glu_backward", '''
def glu_backward(dout, cache):
    x, W, V, a, g = cache
    da = dout * g
    dz = dout * a
    dx = da @ W.T + dz @ V.T
    return dx, x.T @ da, da.sum(axis=0), x.T @ dz, dz.sum(axis=0)
'''),
    "glu_backward_db_keepdims": ("glu_backward", '''
_glu_backward_ref = glu_backward
def glu_backward(dout, cache):
    dx, dW, db, dV, dc = _glu_backward_ref(dout, cache)
    return dx, dW, db[None, :], dV, dc[None, :]
'''),
    "glu_backward_dx_missing_gate_path": ("glu_backward", '''
_glu_backward_ref = glu_backward
def glu_backward(dout, cache):
    x, W, V, a, g = cache
    dx, dW, db, dV, dc = _glu_backward_ref(dout, cache)
    return (dout * g) @ W.T, dW, db, dV, dc
'''),
    "swiglu_forward_sigmoid_not_swish": ("swiglu_forward", '''
def swiglu_forward(x, W1, b1, W2, b2):
    a, v = x @ W1 + b1, x @ W2 + b2
    return _sigmoid(a) * v, (x, W1, W2, a, v)
'''),
    "swiglu_backward_swaps_branches": ("swiglu_backward", '''
def swiglu_backward(dout, cache):
    x, W1, W2, a, v = cache
    s, s_cache = swish_forward(a)
    da = swish_backward(dout * v, s_cache)
    dv = dout * s
    return da @ W1.T + dv @ W2.T, x.T @ dv, dv.sum(axis=0), x.T @ da, da.sum(axis=0)
'''),
    "swiglu_backward_modifies_dout": ("swiglu_backward", '''
_swiglu_backward_ref = swiglu_backward
def swiglu_backward(dout, cache):
    grads = _swiglu_backward_ref(dout, cache)
    dout *= 0.0
    return grads
'''),
    "geglu_forward_tanh_gelu": ("geglu_forward", '''
def geglu_forward(x, W1, b1, W2, b2):
    a, v = x @ W1 + b1, x @ W2 + b2
    return gelu_forward(a, approximate="tanh")[0] * v, (x, W1, W2, a, v)
'''),
    "geglu_backward_dx_only_gelu_branch": ("geglu_backward", '''
def geglu_backward(dout, cache):
    x, W1, W2, a, v = cache
    h, h_cache = gelu_forward(a)
    da = gelu_backward(dout * v, h_cache)
    dv = dout * h
    return da @ W1.T, x.T @ da, da.sum(axis=0), x.T @ dv, dv.sum(axis=0)
'''),
    # Bugs in single entries of one gradient: the numerical checks compute every partial derivative
    # from a few grouped (stacked) forward calls, and must still see these.
    "prelu_dalpha_features_reversed": ("prelu_backward", '''
_prelu_backward_ref = prelu_backward
def prelu_backward(dout, cache):
    dx, dalpha = _prelu_backward_ref(dout, cache)
    return dx, (dalpha if np.ndim(dalpha) == 0 else dalpha[::-1])
'''),
    "glu_backward_dc_mean_over_batch": ("glu_backward", '''
_glu_backward_ref = glu_backward
def glu_backward(dout, cache):
    dx, dW, db, dV, dc = _glu_backward_ref(dout, cache)
    return dx, dW, db, dV, dc / dout.shape[0]
'''),
    "geglu_backward_dW1_rows_rolled": ("geglu_backward", '''
_geglu_backward_ref = geglu_backward
def geglu_backward(dout, cache):
    dx, dW1, db1, dW2, db2 = _geglu_backward_ref(dout, cache)
    return dx, np.roll(dW1, 1, axis=0), db1, dW2, db2
'''),
    "swiglu_backward_dx_one_entry_off": ("swiglu_backward", '''
_swiglu_backward_ref = swiglu_backward
def swiglu_backward(dout, cache):
    dx, dW1, db1, dW2, db2 = _swiglu_backward_ref(dout, cache)
    dx = dx.copy()
    dx[-1, -1] *= 1.01
    return dx, dW1, db1, dW2, db2
'''),
    # ---- no math at all: inputs left alone, outputs wrong
    "tanh_forward_zeros": ("tanh_forward", '''
_tanh_forward_ref = tanh_forward
def tanh_forward(x):
    return np.zeros_like(x), _tanh_forward_ref(x)[1]
'''),
    "tanh_backward_zeros": ("tanh_backward", '''
def tanh_backward(dout, cache):
    return np.zeros_like(dout)
'''),
    # ---- in place on one branch only: the unchanged tests run every branch (keyword set, kind of alpha).
    # The forwards cache a copy taken before the change, so only the forward itself is wrong (a
    # forward whose cache holds the changed input also costs its backward: that pair is broken).
    "gelu_backward_tanh_branch_in_place": ("gelu_backward", '''
_gelu_backward_ref = gelu_backward
def gelu_backward(dout, cache):
    x, approximate = cache
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_C * x ** 3))
        dout *= 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * _SQRT_2_OVER_PI * (1.0 + 3 * _GELU_C * x ** 2)
        return dout
    return _gelu_backward_ref(dout, cache)
'''),
    "prelu_forward_scalar_branch_in_place": ("prelu_forward", '''
def prelu_forward(x, alpha):
    if np.ndim(alpha) == 0:
        cache = (x.copy(), alpha)
        x[x < 0] *= alpha
        return x, cache
    return np.where(x > 0, x, alpha * x), (x, alpha)
'''),
    "prelu_backward_scalar_branch_in_place": ("prelu_backward", '''
def prelu_backward(dout, cache):
    x, alpha = cache
    g = dout * np.where(x > 0, 0.0, x)
    if np.ndim(alpha) == 0:
        dalpha = g.sum()
        dout[x <= 0] *= alpha
        return dout, dalpha
    return dout * np.where(x > 0, 1.0, alpha), g.sum(axis=0)
'''),
    "leaky_relu_backward_default_alpha_in_place": ("leaky_relu_backward", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    if alpha == 0.01:
        dout[x <= 0] *= alpha
        return dout
    return dout * np.where(x > 0, 1.0, alpha)
'''),
    "elu_forward_default_alpha_in_place": ("elu_forward", '''
_elu_forward_ref = elu_forward
def elu_forward(x, alpha=1.0):
    if alpha == 1.0:
        cache = (x.copy(), alpha)
        neg = x <= 0
        x[neg] = np.expm1(x[neg])
        return x, cache
    return _elu_forward_ref(x, alpha)
'''),
    # ---- float32 output: within RTOL of the reference, but the inputs are float64 (and its
    # centred differences would be noise, which must not cost the backward)
    "tanh_forward_float32": ("tanh_forward", '''
def tanh_forward(x):
    out = np.tanh(x)
    return out.astype(np.float32), out
'''),
    "gelu_forward_float32": ("gelu_forward", '''
_gelu_forward_ref = gelu_forward
def gelu_forward(x, approximate="none"):
    out, cache = _gelu_forward_ref(x, approximate)
    return out.astype(np.float32), cache
'''),
    # right for 0 <= alpha <= 1 only; the docstring does not bound alpha
    "prelu_forward_maximum_fails_alpha_gt1": ("prelu_forward", '''
def prelu_forward(x, alpha):
    return np.maximum(x, alpha * x), (x, alpha)
'''),
    # ---- single precision hidden behind a float64 dtype, and float32 gradients: within RTOL of the
    # reference, but the inputs are float64 (the forwards cache exact values, so only they are wrong)
    "tanh_backward_float32": ("tanh_backward", '''
def tanh_backward(dout, cache):
    return (dout * (1.0 - cache ** 2)).astype(np.float32)
'''),
    "elu_backward_float32_default_alpha": ("elu_backward", '''
_elu_backward_ref = elu_backward
def elu_backward(dout, cache):
    dx = _elu_backward_ref(dout, cache)
    return dx.astype(np.float32) if cache[1] == 1.0 else dx
'''),
    "tanh_forward_computed_in_float32": ("tanh_forward", '''
def tanh_forward(x):
    return np.tanh(x.astype(np.float32)).astype(np.float64), np.tanh(x)
'''),
    "gelu_tanh_float32_constants": ("gelu_forward", '''
_gelu_forward_ref = gelu_forward
def gelu_forward(x, approximate="none"):
    if approximate == "tanh":
        k, c = np.float32(0.7978845608028654), np.float32(0.044715)
        return 0.5 * x * (1.0 + np.tanh(k * (x + c * x ** 3))), (x, approximate)
    return _gelu_forward_ref(x, approximate)
'''),
    # Megatron-LM's 8-digit sqrt(2 / pi): an error of ~1e-8 relative, as float32's (the feedback says so)
    "gelu_tanh_truncated_constant": ("gelu_forward", '''
_gelu_forward_ref = gelu_forward
def gelu_forward(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(0.79788456 * (x + 0.044715 * x ** 3))), (x, approximate)
    return _gelu_forward_ref(x, approximate)
'''),
    "selu_backward_computed_in_float32": ("selu_backward", '''
_selu_backward_ref = selu_backward
def selu_backward(dout, cache):
    return _selu_backward_ref(dout.astype(np.float32), cache.astype(np.float32)).astype(np.float64)
'''),
    # ---- NaN where exp overflows (|x| ~ 800, as in the public tests): 0 * inf in a mask product
    "elu_forward_mask_product_overflow": ("elu_forward", '''
def elu_forward(x, alpha=1.0):
    pos = (x > 0).astype(float)
    return pos * x + (1 - pos) * alpha * (np.exp(x) - 1.0), (x, alpha)
'''),
    "elu_backward_mask_product_overflow": ("elu_backward", '''
def elu_backward(dout, cache):
    x, alpha = cache
    pos = x > 0
    return dout * (pos + (~pos) * alpha * np.exp(x))
'''),
    "tanh_forward_exp_formula_overflow": ("tanh_forward", '''
def tanh_forward(x):
    out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    return out, np.tanh(x)
'''),
    # ---- the gated layers and PReLU (hidden tests part 2): float32 and squeezed gradients
    "glu_backward_float32": ("glu_backward", '''
_glu_backward_ref = glu_backward
def glu_backward(dout, cache):
    return tuple(g.astype(np.float32) for g in _glu_backward_ref(dout, cache))
'''),
    "swiglu_backward_computed_in_float32": ("swiglu_backward", '''
def swiglu_backward(dout, cache):
    x, W1, W2, a, v = (t.astype(np.float32) for t in cache)
    dout = dout.astype(np.float32)
    s = 1.0 / (1.0 + np.exp(-a))
    da = dout * v * (s + a * s * (1 - s))
    dv = dout * a * s
    grads = da @ W1.T + dv @ W2.T, x.T @ da, da.sum(axis=0), x.T @ dv, dv.sum(axis=0)
    return tuple(g.astype(np.float64) for g in grads)
'''),
    "glu_backward_squeezes": ("glu_backward", '''
_glu_backward_ref = glu_backward
def glu_backward(dout, cache):
    return tuple(np.squeeze(g) for g in _glu_backward_ref(dout, cache))
'''),
    "prelu_backward_squeezes": ("prelu_backward", '''
_prelu_backward_ref = prelu_backward
def prelu_backward(dout, cache):
    dx, dalpha = _prelu_backward_ref(dout, cache)
    return np.squeeze(dx), dalpha
'''),
    "prelu_backward_float32_dalpha": ("prelu_backward", '''
_prelu_backward_ref = prelu_backward
def prelu_backward(dout, cache):
    dx, dalpha = _prelu_backward_ref(dout, cache)
    return dx, np.float32(dalpha) if np.ndim(dalpha) == 0 else np.asarray(dalpha, dtype=np.float32)
'''),
    # its own backward, exact on the imprecise cache, keeps its points: only the forward is wrong
    "geglu_forward_float32_weights": ("geglu_forward", '''
_geglu_forward_ref = geglu_forward
def geglu_forward(x, W1, b1, W2, b2):
    return _geglu_forward_ref(x, W1.astype(np.float32).astype(np.float64), b1, W2, b2)
'''),
    # ---- NaN only at x = 0, where tanh, GELU and swish are smooth (not a kink): a factor recovered
    # from the cached output as out / x. The value tests put exact zeros among those functions' points.
    "swish_backward_sigmoid_from_out_over_x": ("swish_backward", '''
def swish_forward(x, beta=1.0):
    out = x * _sigmoid(beta * x)
    return out, (x, out, beta)

def swish_backward(dout, cache):
    x, out, beta = cache
    s = out / x
    return dout * (s + beta * out * (1.0 - s))
'''),
    "gelu_backward_cdf_from_out_over_x": ("gelu_backward", '''
_gelu_forward_ref = gelu_forward
_gelu_backward_ref = gelu_backward
def gelu_forward(x, approximate="none"):
    out, _ = _gelu_forward_ref(x, approximate)
    return out, (x, out, approximate)

def gelu_backward(dout, cache):
    x, out, approximate = cache
    if approximate == "none":
        cdf = out / x
        return dout * (cdf + x * np.exp(-0.5 * x ** 2) / np.sqrt(2.0 * np.pi))
    return _gelu_backward_ref(dout, (x, approximate))
'''),
    # ---- in place only where |x| is large ("against overflow"): the unchanged tests' inputs hold
    # saturated and huge entries too. Outputs stay right (the forwards cache a copy taken before).
    "swish_forward_clamps_input_in_place": ("swish_forward", '''
def swish_forward(x, beta=1.0):
    cache = (x.copy(), _sigmoid(beta * x), beta)
    np.clip(x, -60.0, None, out=x)
    return x / (1.0 + np.exp(-beta * x)), cache
'''),
    "elu_forward_clamps_input_in_place": ("elu_forward", '''
def elu_forward(x, alpha=1.0):
    cache = (x.copy(), alpha)
    x[x < -50.0] = -50.0
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0.0)) - 1.0)), cache
'''),
    "tanh_backward_clamps_cache_in_place": ("tanh_backward", '''
def tanh_forward(x):
    return np.tanh(x), x.copy()

def tanh_backward(dout, cache):
    x = cache
    np.clip(x, -300.0, 300.0, out=x)
    return dout / np.cosh(x) ** 2
'''),
    # ------------------------------------------------------------------ from the fifth audit
    "leaky_relu_backward_kink_gets_1": ("leaky_relu_backward", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x >= 0, 1.0, alpha)
'''),
    "prelu_backward_kink_gets_1": ("prelu_backward", '''
def prelu_backward(dout, cache):
    x, alpha = cache
    dx = dout * np.where(x >= 0, 1.0, alpha)
    g = dout * np.where(x > 0, 0.0, x)
    dalpha = g.sum() if np.ndim(alpha) == 0 else g.sum(axis=0)
    return dx, dalpha
'''),
    "selu_backward_kink_gets_scale": ("selu_backward", '''
def selu_backward(dout, cache):
    x = cache
    return dout * SELU_SCALE * np.where(x >= 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0)))
'''),
    "elu_backward_kink_gets_1": ("elu_backward", '''
def elu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
'''),
    "prelu_dalpha_includes_positive_x": ("prelu_backward", '''
def prelu_backward(dout, cache):
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha)
    g = dout * x
    return dx, (g.sum() if np.ndim(alpha) == 0 else g.sum(axis=0))
'''),
    "gelu_tanh_backward_missing_3": ("gelu_backward", '''
_gb_ref = gelu_backward
def gelu_backward(dout, cache):
    x, approximate = cache
    if approximate == "none":
        return _gb_ref(dout, cache)
    t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_C * x ** 3))
    return dout * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * _SQRT_2_OVER_PI * (1.0 + _GELU_C * x ** 2))
'''),
    "elu_forward_exp_minus_one_precedence": ("elu_forward", '''
def elu_forward(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)) - 1)
    return out, (x, alpha)
'''),
    "glu_backward_dx_only_linear_path": ("glu_backward", '''
def glu_backward(dout, cache):
    x, W, V, a, g = cache
    da = dout * g
    dz = dout * a * g * (1.0 - g)
    return da @ W.T + dz @ W.T, x.T @ da, da.sum(axis=0), x.T @ dz, dz.sum(axis=0)
'''),
    "swish_backward_uses_sigmoid_x_not_beta_x": ("swish_backward", '''
def swish_backward(dout, cache):
    x, s, beta = cache
    s1 = _sigmoid(x)
    return dout * (s + beta * x * s1 * (1.0 - s1))
'''),
    # A wrong default in a forward whose cache carries the parameter: only the forward loses points; the
    # (correct) backward, which uses what the cache holds, is checked against that forward's own gradient.
    "leaky_default_alpha_0_1": ("leaky_relu_forward", '''
def leaky_relu_forward(x, alpha=0.1):
    return np.where(x > 0, x, alpha * x), (x, alpha)
'''),
    "elu_default_alpha_0_5": ("elu_forward", '''
_elu_forward_ref = elu_forward
def elu_forward(x, alpha=0.5):
    return _elu_forward_ref(x, alpha)
'''),
    "gelu_default_tanh": ("gelu_forward", '''
_gelu_forward_ref = gelu_forward
def gelu_forward(x, approximate="tanh"):
    return _gelu_forward_ref(x, approximate)
'''),
    "swish_default_beta_2": ("swish_forward", '''
_swish_forward_ref = swish_forward
def swish_forward(x, beta=2.0):
    return _swish_forward_ref(x, beta)
'''),
}

# name -> source appended to the reference: correct but differently written; must get full marks
ALTERNATIVES = {
    "tanh_via_exp_formula": '''
def tanh_forward(x):
    t = np.exp(-2.0 * np.abs(x))
    out = np.sign(x) * (1.0 - t) / (1.0 + t)
    return out, {"x": x.copy()}

def tanh_backward(dout, cache):
    t = np.exp(-2.0 * np.abs(cache["x"]))
    return dout * 4.0 * t / (1.0 + t) ** 2
''',
    "leaky_relu_maximum_and_mask": '''
def leaky_relu_forward(x, alpha=0.01):
    mask = x > 0
    return np.maximum(x, alpha * x), [mask, float(alpha)]

def leaky_relu_backward(dout, cache):
    mask, alpha = cache
    dx = alpha * dout
    dx[mask] = dout[mask]
    return dx
''',
    "prelu_explicit_loops_python_float": '''
def prelu_forward(x, alpha):
    scalar = np.ndim(alpha) == 0
    out = np.array(x, dtype=float)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            if x[i, j] <= 0:
                out[i, j] = (alpha if scalar else alpha[j]) * x[i, j]
    return out, (x.copy(), alpha if scalar else np.array(alpha), scalar)

def prelu_backward(dout, cache):
    x, alpha, scalar = cache
    dx = np.array(dout, dtype=float)
    dalpha = 0.0 if scalar else np.zeros(x.shape[1])
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            if x[i, j] <= 0:
                dx[i, j] = (alpha if scalar else alpha[j]) * dout[i, j]
                if scalar:
                    dalpha += float(dout[i, j] * x[i, j])
                else:
                    dalpha[j] += dout[i, j] * x[i, j]
    return dx, dalpha
''',
    "prelu_zero_d_array_dalpha": '''
def prelu_backward(dout, cache):
    x, alpha = cache
    alpha = np.asarray(alpha, dtype=float)
    neg = x <= 0
    dx = np.where(neg, alpha * dout, dout)
    dalpha = np.einsum("nd,nd->d", dout, np.where(neg, x, 0.0))
    if alpha.ndim == 0:
        dalpha = np.array(dalpha.sum())
    return dx, dalpha
''',
    "elu_backward_out_plus_alpha": '''
def elu_forward(x, alpha=1.0):
    out = x.copy()
    neg = x <= 0
    out[neg] = alpha * (np.exp(x[neg]) - 1.0)
    return out, (out, neg, alpha)

def elu_backward(dout, cache):
    out, neg, alpha = cache
    return np.where(neg, out + alpha, 1.0) * dout
''',
    "selu_via_elu": '''
def selu_forward(x):
    out, cache = elu_forward(x, alpha=SELU_ALPHA)
    return SELU_SCALE * out, cache

def selu_backward(dout, cache):
    return elu_backward(SELU_SCALE * dout, cache)
''',
    "gelu_math_erf_vectorized": '''
import math as _math
_verf = np.vectorize(_math.erf, otypes=[float])

def gelu_forward(x, approximate="none"):
    if approximate == "tanh":
        k = _math.sqrt(2.0 / _math.pi)
        return x * 0.5 * (1.0 + np.tanh(k * x + k * 0.044715 * x * x * x)), ("tanh", x)
    cdf = 0.5 * (1.0 + _verf(x / _math.sqrt(2.0)))
    return x * cdf, ("none", x, cdf)

def gelu_backward(dout, cache):
    if cache[0] == "tanh":
        x = cache[1]
        k = _math.sqrt(2.0 / _math.pi)
        u = k * (x + 0.044715 * x ** 3)
        sech2 = 1.0 / np.cosh(u) ** 2
        return dout * (0.5 * (1.0 + np.tanh(u)) + 0.5 * x * sech2 * k * (1.0 + 0.134145 * x ** 2))
    _, x, cdf = cache
    return dout * (cdf + x * np.exp(-x * x / 2.0) / _math.sqrt(2.0 * _math.pi))
''',
    "gelu_erfc": '''
import scipy.special  # the reference no longer imports it (students may)
def gelu_forward(x, approximate="none"):
    if approximate == "none":
        return x * 0.5 * scipy.special.erfc(-x / np.sqrt(2.0)), (x, approximate)
    u = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)
    return x * scipy.special.expit(2.0 * u), (x, approximate)
''',
    "swish_scipy_expit_recompute": '''
import scipy.special  # the reference no longer imports it (students may)
def swish_forward(x, beta=1.0):
    return x * scipy.special.expit(beta * x), (x, beta)

def swish_backward(dout, cache):
    x, beta = cache
    s = scipy.special.expit(beta * x)
    return dout * s * (1.0 + beta * x * (1.0 - s))
''',
    "glu_einsum_dict_cache": '''
import scipy.special  # the reference no longer imports it (students may)
def glu_forward(x, W, b, V, c):
    a = np.einsum("nd,dm->nm", x, W) + b
    g = scipy.special.expit(np.einsum("nd,dm->nm", x, V) + c)
    return a * g, {"x": x, "W": W, "V": V, "a": a, "g": g}

def glu_backward(dout, cache):
    x, W, V, a, g = (cache[k] for k in ("x", "W", "V", "a", "g"))
    da = dout * g
    dz = dout * a * g * (1 - g)
    dx = np.einsum("nm,dm->nd", da, W) + np.einsum("nm,dm->nd", dz, V)
    return dx, np.einsum("nd,nm->dm", x, da), np.sum(da, axis=0), np.einsum("nd,nm->dm", x, dz), np.sum(dz, axis=0)
''',
    "swiglu_geglu_self_contained": '''
import scipy.special  # the reference no longer imports it (students may)
def swiglu_forward(x, W1, b1, W2, b2):
    a = x @ W1 + b1
    v = x @ W2 + b2
    s = scipy.special.expit(a)
    return a * s * v, (x, W1, W2, a, v)

def swiglu_backward(dout, cache):
    x, W1, W2, a, v = cache
    s = scipy.special.expit(a)
    da = dout * v * (s + a * s * (1 - s))
    dv = dout * a * s
    return da @ W1.T + dv @ W2.T, x.T @ da, da.sum(0), x.T @ dv, dv.sum(0)

def geglu_forward(x, W1, b1, W2, b2):
    a = x @ W1 + b1
    v = x @ W2 + b2
    return a * 0.5 * scipy.special.erfc(-a / np.sqrt(2)) * v, (x, W1, W2, a, v)

def geglu_backward(dout, cache):
    x, W1, W2, a, v = cache
    cdf = 0.5 * scipy.special.erfc(-a / np.sqrt(2))
    da = dout * v * (cdf + a * np.exp(-0.5 * a * a) / np.sqrt(2 * np.pi))
    dv = dout * a * cdf
    return da @ W1.T + dv @ W2.T, x.T @ da, da.sum(0), x.T @ dv, dv.sum(0)
''',
    # in-place updates of the function's own copies, on the branches the unchanged tests now run
    "in_place_on_own_copies": '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    dx = dout.copy()
    dx[x <= 0] *= alpha
    return dx

def prelu_forward(x, alpha):
    out = x.copy()
    if np.ndim(alpha) == 0:
        out[x <= 0] *= alpha
    else:
        out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)

def elu_forward(x, alpha=1.0):
    out = np.array(x, dtype=np.float64, copy=True)
    neg = x <= 0
    out[neg] = alpha * np.expm1(out[neg])
    return out, (x, alpha)

_gelu_backward_ref = gelu_backward
def gelu_backward(dout, cache):
    dx = dout.copy()
    dx *= _gelu_backward_ref(np.ones_like(dout), cache)
    return dx
''',
    # PReLU as relu(x) + alpha * min(x, 0): right for every alpha, > 1 included
    "prelu_relu_parts": '''
def prelu_forward(x, alpha):
    return np.maximum(x, 0.0) + alpha * np.minimum(x, 0.0), (x, alpha)
''',
    # computed and returned in extended precision (longer than float64 is fine)
    "tanh_gelu_longdouble": '''
def tanh_forward(x):
    out = np.tanh(x.astype(np.longdouble))
    return out, out

def tanh_backward(dout, cache):
    return (dout * (1.0 - cache ** 2)).astype(np.float64)

_gelu_forward_ref = gelu_forward
def gelu_forward(x, approximate="none"):
    if approximate == "tanh":
        xl = x.astype(np.longdouble)
        k = np.sqrt(np.longdouble(2.0) / np.longdouble(np.pi))
        return 0.5 * xl * (1.0 + np.tanh(k * (xl + np.longdouble(0.044715) * xl ** 3))), (x, approximate)
    return _gelu_forward_ref(x, approximate)
''',
    # float64 forms whose rounding differs from the reference's where it cancels (1 + tanh(u),
    # 1 + erf, 1 - tanh^2, out + alpha), and exp overflowing harmlessly inside np.where at |x| ~ 800
    "gelu_ndtr_expit_forms": '''
import scipy.special as _sp
def gelu_forward(x, approximate="none"):
    if approximate == "tanh":
        u = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
        s = _sp.expit(2.0 * u)
        return x * s, ("t", x, s)
    return x * _sp.ndtr(x), ("n", x)

def gelu_backward(dout, cache):
    if cache[0] == "t":
        _, x, s = cache
        du = math.sqrt(2.0 / math.pi) * (1.0 + 3 * 0.044715 * x ** 2)
        return dout * (s + x * 2.0 * s * (1.0 - s) * du)
    x = cache[1]
    return dout * (_sp.ndtr(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))
''',
    "tanh_sigmoid_form_cosh_backward": '''
def tanh_forward(x):
    return 2.0 * _sigmoid(2.0 * x) - 1.0, x.copy()

def tanh_backward(dout, cache):
    return dout / np.cosh(np.minimum(np.abs(cache), 300.0)) ** 2
''',
    "elu_selu_swish_plain_exp_in_where": '''
def elu_forward(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1)), (x, alpha)

def elu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha * np.exp(x))

def selu_forward(x):
    out = SELU_SCALE * (np.maximum(0.0, x) + np.minimum(0.0, SELU_ALPHA * (np.exp(np.minimum(x, 0.0)) - 1.0)))
    return out, (x.copy(), out)

def selu_backward(dout, cache):
    x, out = cache
    return dout * np.where(x > 0, SELU_SCALE, out + SELU_SCALE * SELU_ALPHA)

def swish_forward(x, beta=1.0):
    return x / (1.0 + np.exp(-beta * x)), (x.copy(), beta)

def swish_backward(dout, cache):
    x, beta = cache
    s = 1.0 / (1.0 + np.exp(-beta * x))
    return dout * (s + beta * x * s * (1.0 - s))
''',
    "leaky_slope_cache_gated_list_and_loops": '''
def leaky_relu_forward(x, alpha=0.01):
    slope = np.where(x > 0, 1.0, alpha)
    return x * slope, slope

def leaky_relu_backward(dout, cache):
    return dout * cache

def glu_forward(x, W, b, V, c):
    a = np.dot(x, W) + b
    z = np.dot(x, V) + c
    return a * _sigmoid(z), [x.copy(), W.copy(), V.copy(), a, z]

def glu_backward(dout, cache):
    x, W, V, a, z = cache
    g = _sigmoid(z)
    da = dout * g
    dz = dout * a * g * (1.0 - g)
    return [np.dot(da, W.T) + np.dot(dz, V.T), np.dot(x.T, da), np.sum(da, axis=0), np.dot(x.T, dz), np.sum(dz, axis=0)]

def geglu_forward(x, W1, b1, W2, b2):
    a = x @ W1 + b1
    v = x @ W2 + b2
    h = np.empty_like(a)
    for idx in np.ndindex(a.shape):
        h[idx] = 0.5 * a[idx] * (1.0 + math.erf(a[idx] / math.sqrt(2.0)))
    return h * v, (x, W1, W2, a, v, h)

def geglu_backward(dout, cache):
    x, W1, W2, a, v, h = cache
    dh = np.empty_like(a)
    for idx in np.ndindex(a.shape):
        z = a[idx]
        dh[idx] = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))) + z * math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    da = dout * v * dh
    dv = dout * h
    return da @ W1.T + dv @ W2.T, x.T @ da, da.sum(axis=0), x.T @ dv, dv.sum(axis=0)
''',
    "selu_longdouble_internally": '''
def selu_forward(x):
    xl = x.astype(np.longdouble)
    out = np.longdouble(SELU_SCALE) * np.where(xl > 0, xl, np.longdouble(SELU_ALPHA) * np.expm1(np.minimum(xl, 0)))
    return out.astype(np.float64), x
''',
    # the factor recovered as out / x, with its limit 1/2 filled in at x = 0: right everywhere
    "swish_gelu_out_over_x_guarded": '''
_gelu_forward_ref = gelu_forward
_gelu_backward_ref = gelu_backward
def swish_forward(x, beta=1.0):
    out = x * _sigmoid(beta * x)
    return out, (x, out, beta)

def swish_backward(dout, cache):
    x, out, beta = cache
    s = np.divide(out, x, out=np.full(x.shape, 0.5), where=x != 0)
    return dout * (s + beta * out * (1.0 - s))

def gelu_forward(x, approximate="none"):
    out, _ = _gelu_forward_ref(x, approximate)
    return out, (x, out, approximate)

def gelu_backward(dout, cache):
    x, out, approximate = cache
    if approximate == "none":
        cdf = np.divide(out, x, out=np.full(x.shape, 0.5), where=x != 0)
        return dout * (cdf + x * np.exp(-0.5 * x ** 2) / np.sqrt(2.0 * np.pi))
    return _gelu_backward_ref(dout, (x, approximate))
''',
    # ------------------------------------------------------------------ from the fifth audit
    "tanh_naive_cosh_backward": '''
def tanh_forward(x):
    return np.tanh(x), np.array(x)

def tanh_backward(dout, cache):
    with np.errstate(over="ignore"):
        return dout / np.cosh(cache) ** 2
''',
    "leaky_piecewise_sum_and_prelu_asarray_broadcast": '''
def leaky_relu_forward(x, alpha=0.01):
    pos = (x > 0).astype(x.dtype)
    return x * pos + alpha * x * (1 - pos), (pos, alpha)

def leaky_relu_backward(dout, cache):
    pos, alpha = cache
    return dout * (pos + alpha * (1 - pos))

def prelu_forward(x, alpha):
    a = np.asarray(alpha, dtype=float)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    return np.where(x <= 0, a2 * x, x), (x, a)

def prelu_backward(dout, cache):
    x, a = cache
    neg = x <= 0
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    dx = np.where(neg, a2 * dout, dout)
    contrib = (dout * x) * neg
    dalpha = contrib.sum(axis=0) if a.ndim == 1 else float(contrib.sum())
    return dx, dalpha
''',
    "elu_selu_from_out_cache": '''
def elu_forward(x, alpha=1.0):
    neg = np.minimum(x, 0.0)
    out = np.maximum(x, 0.0) + alpha * np.expm1(neg)
    return out, (x > 0, out, alpha)

def elu_backward(dout, cache):
    pos, out, alpha = cache
    return dout * np.where(pos, 1.0, out + alpha)

def selu_forward(x):
    out = np.where(x > 0, SELU_SCALE * x, SELU_SCALE * SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))
    return out, (x, out)

def selu_backward(dout, cache):
    x, out = cache
    return np.where(x > 0, SELU_SCALE * dout, (out + SELU_SCALE * SELU_ALPHA) * dout)
''',
    "gelu_exact_pdf_via_exp_log": '''
import scipy.special as sps
def gelu_forward(x, approximate="none"):
    if approximate == "none":
        Phi = sps.ndtr(x)
        return x * Phi, ("none", x, Phi)
    k = np.sqrt(2.0 / np.pi)
    inner = k * x * (1.0 + 0.044715 * x * x)
    th = np.tanh(inner)
    return 0.5 * x * (1.0 + th), ("tanh", x, th)

def gelu_backward(dout, cache):
    kind, x, v = cache
    if kind == "none":
        pdf = np.exp(-0.5 * x * x - 0.5 * np.log(2.0 * np.pi))
        return dout * (v + x * pdf)
    k = np.sqrt(2.0 / np.pi)
    dinner = k * (1.0 + 3.0 * 0.044715 * x * x)
    return dout * (0.5 * (1.0 + v) + 0.5 * x * (1.0 - v * v) * dinner)
''',
    "swish_backward_from_out": '''
import scipy.special as sps
def swish_forward(x, beta=1.0):
    s = sps.expit(beta * x)
    out = x * s
    return out, (out, s, beta)

def swish_backward(dout, cache):
    out, s, beta = cache
    return dout * (beta * out + s * (1.0 - beta * out))
''',
    "glu_concatenated_weights": '''
def glu_forward(x, W, b, V, c):
    M = W.shape[1]
    z = x @ np.concatenate([W, V], axis=1) + np.concatenate([b, c])
    a, g = z[:, :M], 0.5 * (1.0 + np.tanh(0.5 * z[:, M:]))
    return a * g, (x, np.concatenate([W, V], axis=1), a, g)

def glu_backward(dout, cache):
    x, WV, a, g = cache
    M = a.shape[1]
    dz = np.concatenate([dout * g, dout * a * g * (1.0 - g)], axis=1)
    dWV = x.T @ dz
    dbc = dz.sum(axis=0)
    return dz @ WV.T, dWV[:, :M], dbc[:M], dWV[:, M:], dbc[M:]
''',
    "swiglu_geglu_loops_over_batch": '''
import scipy.special as sps
def swiglu_forward(x, W1, b1, W2, b2):
    out = np.empty((x.shape[0], W1.shape[1]))
    for n in range(x.shape[0]):
        a = x[n] @ W1 + b1
        out[n] = a * sps.expit(a) * (x[n] @ W2 + b2)
    return out, (x, W1, b1, W2, b2)

def swiglu_backward(dout, cache):
    x, W1, b1, W2, b2 = cache
    dx, dW1, db1 = np.zeros_like(x), np.zeros_like(W1), np.zeros_like(b1)
    dW2, db2 = np.zeros_like(W2), np.zeros_like(b2)
    for n in range(x.shape[0]):
        a = x[n] @ W1 + b1; v = x[n] @ W2 + b2; s = sps.expit(a)
        da = dout[n] * v * (s + a * s * (1 - s)); dv = dout[n] * a * s
        dx[n] = W1 @ da + W2 @ dv
        dW1 += np.outer(x[n], da); db1 += da; dW2 += np.outer(x[n], dv); db2 += dv
    return dx, dW1, db1, dW2, db2

def geglu_forward(x, W1, b1, W2, b2):
    a = x @ W1 + b1
    v = x @ W2 + b2
    return a * sps.ndtr(a) * v, (x, W1, W2, a, v)

def geglu_backward(dout, cache):
    x, W1, W2, a, v = cache
    cdf = sps.ndtr(a)
    pdf = np.exp(-a * a / 2) / np.sqrt(2 * np.pi)
    da = dout * v * (cdf + a * pdf)
    dv = dout * a * cdf
    return (np.einsum("nm,dm->nd", da, W1) + np.einsum("nm,dm->nd", dv, W2), np.einsum("nd,nm->dm", x, da),
            da.sum(0), np.einsum("nd,nm->dm", x, dv), dv.sum(0))
''',
    "prelu_scalar_as_0d_array_input_kw": '''
def prelu_forward(x, alpha):
    alpha = np.array(alpha, dtype=np.float64)
    out = x.copy()
    neg = out <= 0
    out[neg] = (np.broadcast_to(alpha, x.shape) * x)[neg]
    return out, (x.copy(), alpha.copy())

def prelu_backward(dout, cache):
    x, alpha = cache
    neg = x <= 0
    dx = dout * np.where(neg, np.broadcast_to(alpha, x.shape), 1.0)
    per = np.where(neg, x * dout, 0.0)
    return dx, per.sum(axis=0) if alpha.ndim else per.sum()
''',
}
