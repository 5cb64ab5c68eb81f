"""Mutants and alternatives of the 05_initialization reference (see tests/corpus/ conventions)."""

# name -> (function that must lose points, source appended to the reference module)
MUTANTS = {
    "conv_fans_swapped": ("compute_fans", '''
def compute_fans(shape):
    shape = tuple(shape)
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    if len(shape) == 4:
        receptive = shape[2] * shape[3]
        return int(shape[0] * receptive), int(shape[1] * receptive)
    raise ValueError("bad rank")
'''),
    "dense_fans_torch_layout": ("compute_fans", '''
def compute_fans(shape):
    shape = tuple(shape)
    if len(shape) == 2:
        return int(shape[1]), int(shape[0])
    if len(shape) == 4:
        receptive = shape[2] * shape[3]
        return int(shape[1] * receptive), int(shape[0] * receptive)
    raise ValueError("bad rank")
'''),
    "conv_fans_ignore_kernel": ("compute_fans", '''
def compute_fans(shape):
    shape = tuple(shape)
    if len(shape) in (2, 4):
        return (int(shape[0]), int(shape[1])) if len(shape) == 2 else (int(shape[1]), int(shape[0]))
    raise ValueError("bad rank")
'''),
    "fans_accept_any_rank": ("compute_fans", '''
def compute_fans(shape):
    shape = tuple(shape)
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive = int(np.prod(shape[2:]))
    return int(shape[1] * receptive) if len(shape) > 1 else 1, int(shape[0] * receptive) if shape else 1
'''),
    "tanh_gain_1": ("calculate_gain", '''
_calculate_gain_ref = calculate_gain
def calculate_gain(nonlinearity, param=None):
    return 1.0 if nonlinearity == "tanh" else _calculate_gain_ref(nonlinearity, param)
'''),
    "leaky_relu_gain_ignores_param": ("calculate_gain", '''
_calculate_gain_ref = calculate_gain
def calculate_gain(nonlinearity, param=None):
    return _calculate_gain_ref(nonlinearity, None)
'''),
    "leaky_relu_gain_default_slope_0": ("calculate_gain", '''
_calculate_gain_ref = calculate_gain
def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "leaky_relu" and param is None:
        return math.sqrt(2.0)
    return _calculate_gain_ref(nonlinearity, param)
'''),
    "leaky_relu_gain_param_or": ("calculate_gain", '''
_calculate_gain_ref = calculate_gain
def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "leaky_relu":
        slope = param or 0.01  # a given slope of 0 becomes the default
        return math.sqrt(2.0 / (1 + slope ** 2))
    return _calculate_gain_ref(nonlinearity, param)
'''),
    "leaky_relu_gain_accepts_string": ("calculate_gain", '''
_calculate_gain_ref = calculate_gain
def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "leaky_relu" and param is not None:
        return math.sqrt(2.0 / (1 + float(param) ** 2))
    return _calculate_gain_ref(nonlinearity, param)
'''),
    "unknown_gain_is_1": ("calculate_gain", '''
_calculate_gain_ref = calculate_gain
def calculate_gain(nonlinearity, param=None):
    try:
        return _calculate_gain_ref(nonlinearity, param)
    except ValueError:
        return 1.0
'''),
    "conv_gain_unsupported": ("calculate_gain", '''
_calculate_gain_ref = calculate_gain
def calculate_gain(nonlinearity, param=None):
    if nonlinearity.startswith("conv"):
        raise ValueError("unsupported")
    return _calculate_gain_ref(nonlinearity, param)
'''),
    "zeros_init_integer": ("zeros_init", '''
def zeros_init(shape):
    return np.zeros(shape, dtype=int)
'''),
    "zeros_init_flat": ("zeros_init", '''
def zeros_init(shape):
    return np.zeros(int(np.prod(shape)))
'''),
    "normal_init_ignores_std": ("normal_init", '''
def normal_init(shape, std, rng):
    return rng.standard_normal(shape)
'''),
    "normal_init_variance_as_std": ("normal_init", '''
def normal_init(shape, std, rng):
    return std ** 2 * rng.standard_normal(shape)
'''),
    "normal_init_global_rng": ("normal_init", '''
def normal_init(shape, std, rng):
    return std * np.random.standard_normal(shape)
'''),
    "lecun_uses_fan_out": ("lecun_normal", '''
def lecun_normal(shape, rng):
    _, fan_out = compute_fans(shape)
    return math.sqrt(1.0 / fan_out) * rng.standard_normal(shape)
'''),
    "lecun_variance_as_std": ("lecun_normal", '''
def lecun_normal(shape, rng):
    fan_in, _ = compute_fans(shape)
    return (1.0 / fan_in) * rng.standard_normal(shape)
'''),
    "xavier_fan_in_only": ("xavier_normal", '''
def xavier_normal(shape, rng, gain=1.0):
    fan_in, _ = compute_fans(shape)
    return gain * math.sqrt(1.0 / fan_in) * rng.standard_normal(shape)
'''),
    "xavier_normal_ignores_gain": ("xavier_normal", '''
def xavier_normal(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    return math.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal(shape)
'''),
    "xavier_normal_uniform_draws": ("xavier_normal", '''
def xavier_normal(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)
'''),
    "xavier_uniform_std_as_bound": ("xavier_uniform", '''
def xavier_uniform(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    a = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)
'''),
    "xavier_uniform_fan_in_only": ("xavier_uniform", '''
def xavier_uniform(shape, rng, gain=1.0):
    fan_in, _ = compute_fans(shape)
    a = gain * math.sqrt(3.0 / fan_in)
    return rng.uniform(-a, a, size=shape)
'''),
    "xavier_uniform_gain_inside_sqrt": ("xavier_uniform", '''
def xavier_uniform(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    a = math.sqrt(gain * 6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)
'''),
    "xavier_uniform_normal_draws": ("xavier_uniform", '''
def xavier_uniform(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    return gain * math.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal(shape)
'''),
    # Initializers that layer_activation_stats must not be charged for (its tests use their own inits):
    "he_normal_global_rng": ("he_normal", '''
def he_normal(shape, rng):
    fan_in, _ = compute_fans(shape)
    return math.sqrt(2.0 / fan_in) * np.random.standard_normal(shape)
'''),
    "xavier_normal_not_implemented": ("xavier_normal", '''
def xavier_normal(shape, rng, gain=1.0):
    raise NotImplementedError
'''),
    "he_uses_fan_out": ("he_normal", '''
def he_normal(shape, rng):
    _, fan_out = compute_fans(shape)
    return math.sqrt(2.0 / fan_out) * rng.standard_normal(shape)
'''),
    "he_normal_missing_factor_2": ("he_normal", '''
def he_normal(shape, rng):
    fan_in, _ = compute_fans(shape)
    return math.sqrt(1.0 / fan_in) * rng.standard_normal(shape)
'''),
    "he_uniform_bound_sqrt3": ("he_uniform", '''
def he_uniform(shape, rng):
    fan_in, _ = compute_fans(shape)
    a = math.sqrt(3.0 / fan_in)
    return rng.uniform(-a, a, size=shape)
'''),
    "he_uniform_uses_fan_out": ("he_uniform", '''
def he_uniform(shape, rng):
    _, fan_out = compute_fans(shape)
    a = math.sqrt(6.0 / fan_out)
    return rng.uniform(-a, a, size=shape)
'''),
    "he_uniform_normal_draws": ("he_uniform", '''
def he_uniform(shape, rng):
    fan_in, _ = compute_fans(shape)
    return math.sqrt(2.0 / fan_in) * rng.standard_normal(shape)
'''),
    # Distribution shape and centring, checked by the (smaller, pooled) statistical samples:
    "he_uniform_clipped_normal": ("he_uniform", '''
def he_uniform(shape, rng):
    fan_in, _ = compute_fans(shape)
    a = math.sqrt(6.0 / fan_in)
    return np.clip(math.sqrt(2.0 / fan_in) * rng.standard_normal(shape), -a, a)
'''),
    "xavier_uniform_zero_to_a": ("xavier_uniform", '''
def xavier_uniform(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return a * rng.random(shape)
'''),
    "stats_weights_drawn_before_x": ("layer_activation_stats", '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "linear": lambda z: z}
    Ws = [init((width, width), rng) for _ in range(depth)]
    h = rng.standard_normal((batch_size, width))
    stats = np.empty((depth, 2))
    for layer, W in enumerate(Ws):
        h = acts[activation](h @ W)
        stats[layer] = h.mean(), h.std()
    return stats
'''),
    "stats_one_weight_for_all_layers": ("layer_activation_stats", '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "linear": lambda z: z}
    h = rng.standard_normal((batch_size, width))
    W = init((width, width), rng)
    stats = np.empty((depth, 2))
    for layer in range(depth):
        h = acts[activation](h @ W)
        stats[layer] = h.mean(), h.std()
    return stats
'''),
    "stats_init_gets_rng_copy": ("layer_activation_stats", '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "linear": lambda z: z}
    h = rng.standard_normal((batch_size, width))
    stats = np.empty((depth, 2))
    for layer in range(depth):
        g = np.random.Generator(np.random.PCG64())
        g.bit_generator.state = rng.bit_generator.state  # a copy: rng itself never advances
        h = acts[activation](h @ init((width, width), g))
        stats[layer] = h.mean(), h.std()
    return stats
'''),
    "stats_std_instead_of_mean": ("layer_activation_stats", '''
_layer_activation_stats_ref = layer_activation_stats
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    stats = _layer_activation_stats_ref(init, activation, depth=depth, width=width, batch_size=batch_size, rng=rng)
    return np.stack([stats[:, 1], stats[:, 1]], axis=1)
'''),
    "stats_sample_std_ddof1": ("layer_activation_stats", '''
_layer_activation_stats_ref = layer_activation_stats
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    stats = _layer_activation_stats_ref(init, activation, depth=depth, width=width, batch_size=batch_size, rng=rng)
    n = batch_size * width
    return np.stack([stats[:, 0], stats[:, 1] * np.sqrt(n / (n - 1))], axis=1)
'''),
    "stats_of_preactivations": ("layer_activation_stats", '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "linear": lambda z: z}
    h = rng.standard_normal((batch_size, width))
    stats = np.empty((depth, 2))
    for layer in range(depth):
        z = h @ init((width, width), rng)
        stats[layer] = z.mean(), z.std()
        h = acts[activation](z)
    return stats
'''),
    "stats_relu_is_abs": ("layer_activation_stats", '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    acts = {"tanh": np.tanh, "relu": np.abs,
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "linear": lambda z: z}
    h = rng.standard_normal((batch_size, width))
    stats = np.empty((depth, 2))
    for layer in range(depth):
        h = acts[activation](h @ init((width, width), rng))
        stats[layer] = h.mean(), h.std()
    return stats
'''),
    # ---- no math at all: ValueError for everything
    "compute_fans_always_raises": ("compute_fans", '''
def compute_fans(shape):
    raise ValueError("no")
'''),
    "calculate_gain_always_raises": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    raise ValueError("no")
'''),
    "gain_rejects_int_slope": ("calculate_gain", '''
_calculate_gain_float_only = calculate_gain

def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "leaky_relu" and param is not None and not isinstance(param, float):
        raise ValueError("the slope must be a float")
    return _calculate_gain_float_only(nonlinearity, param)
'''),
    "zeros_init_float32": ("zeros_init", '''
def zeros_init(shape):
    return np.zeros(shape, dtype=np.float32)
'''),
    "he_normal_float32": ("he_normal", '''
def he_normal(shape, rng):
    return math.sqrt(2.0 / compute_fans(shape)[0]) * rng.standard_normal(shape, dtype=np.float32)
'''),
    # ---- truncated normals with the std rescaled to the required one (tf.keras' he_normal and
    # lecun_normal cut at 2 of its own stds): only the tail beyond 2.5 std tells them reliably
    "he_normal_truncated_keras": ("he_normal", '''
def he_normal(shape, rng):
    std = math.sqrt(2.0 / compute_fans(shape)[0]) / 0.87962566103423978
    w = rng.standard_normal(shape)
    bad = np.abs(w) > 2
    while bad.any():
        w[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(w) > 2
    return std * w
'''),
    "xavier_normal_truncated_at_2_4": ("xavier_normal", '''
def xavier_normal(shape, rng, gain=1.0):
    fi, fo = compute_fans(shape)
    c = 2.4
    sd = math.sqrt(1.0 - 2 * c * math.exp(-c * c / 2) / math.sqrt(2 * math.pi) / math.erf(c / math.sqrt(2)))
    w = rng.standard_normal(shape)
    bad = np.abs(w) > c
    while bad.any():
        w[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(w) > c
    return gain * math.sqrt(2.0 / (fi + fo)) / sd * w
'''),
    "normal_init_one_row_repeated": ("normal_init", '''
def normal_init(shape, std, rng):
    return std * rng.standard_normal(shape[-1]) * np.ones(shape)
'''),
    "stats_x_drawn_transposed": ("layer_activation_stats", '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "linear": lambda z: z}
    h = rng.standard_normal((width, batch_size)).T
    stats = np.empty((depth, 2))
    for layer in range(depth):
        h = acts[activation](h @ init((width, width), rng))
        stats[layer] = h.mean(), h.std()
    return stats
'''),
    "stats_mean_of_per_unit_stds": ("layer_activation_stats", '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "linear": lambda z: z}
    h = rng.standard_normal((batch_size, width))
    stats = np.empty((depth, 2))
    for layer in range(depth):
        h = acts[activation](h @ init((width, width), rng))
        stats[layer] = h.mean(), h.std(axis=0).mean()
    return stats
'''),
    "xavier_uniform_tf_conv_layout": ("xavier_uniform", '''
def xavier_uniform(shape, rng, gain=1.0):
    if len(shape) == 4:
        kh, kw, cin, cout = shape
        fi, fo = kh * kw * cin, kh * kw * cout
    else:
        fi, fo = compute_fans(shape)
    a = gain * math.sqrt(6.0 / (fi + fo))
    return rng.uniform(-a, a, size=shape)
'''),
    "he_normal_fan_from_first_dim": ("he_normal", '''
def he_normal(shape, rng):
    return math.sqrt(2.0 / shape[0]) * rng.standard_normal(shape)
'''),
    # param is leaky_relu's slope only (PyTorch ignores it elsewhere): ReLU merged with leaky ReLU as
    # slope 0 takes a param given with "relu" as its slope
    "gain_relu_merged_with_leaky": ("calculate_gain", '''
_calculate_gain_merged = calculate_gain
def calculate_gain(nonlinearity, param=None):
    if nonlinearity in ("relu", "leaky_relu"):
        if param is None:
            slope = 0.01 if nonlinearity == "leaky_relu" else 0.0
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError("negative_slope must be a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    return _calculate_gain_merged(nonlinearity, param)
'''),
    # ... or refuses one given with another nonlinearity (PyTorch ignores it): graded by a test of its own
    "gain_param_refused_for_other_nonlinearities": ("calculate_gain", '''
_calculate_gain_strict = calculate_gain
def calculate_gain(nonlinearity, param=None):
    if param is not None and nonlinearity != "leaky_relu":
        raise ValueError(f"{nonlinearity} takes no param")
    return _calculate_gain_strict(nonlinearity, param)
'''),
    # ---- entries not drawn independently: one kernel stacked for every filter (the filters never
    # differ: symmetry not broken), or the second half negating the first. Their pooled statistics
    # come from a few hundred distinct values, so the moment checks saw them by chance alone.
    "he_normal_conv_one_kernel_for_all_filters": ("he_normal", '''
def he_normal(shape, rng):
    std = math.sqrt(2.0 / compute_fans(shape)[0])
    if len(shape) == 4:
        kernel = std * rng.standard_normal(shape[1:])
        return np.stack([kernel] * shape[0])
    return std * rng.standard_normal(shape)
'''),
    "lecun_normal_conv_one_kernel_for_all_filters": ("lecun_normal", '''
def lecun_normal(shape, rng):
    std = math.sqrt(1.0 / compute_fans(shape)[0])
    if len(shape) == 4:
        return np.broadcast_to(std * rng.standard_normal(shape[1:]), shape).copy()
    return std * rng.standard_normal(shape)
'''),
    "he_uniform_conv_one_kernel_for_all_filters": ("he_uniform", '''
def he_uniform(shape, rng):
    a = math.sqrt(6.0 / compute_fans(shape)[0])
    if len(shape) == 4:
        kernel = rng.uniform(-a, a, size=shape[1:])
        return np.stack([kernel] * shape[0])
    return rng.uniform(-a, a, size=shape)
'''),
    "normal_init_antithetic_halves": ("normal_init", '''
def normal_init(shape, std, rng):
    n = int(np.prod(shape))
    half = std * rng.standard_normal((n + 1) // 2)
    return np.concatenate([half, -half])[:n].reshape(shape)
'''),
    # ---- found by the tenth audit
    # the default slope moved into the signature: every call leaving param out still passes, but
    # param=None (the documented default, passed on explicitly by callers) fails
    "gain_param_default_in_signature": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=0.01):
    table = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 0.75}
    for c in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        table[c] = 1.0
    if nonlinearity == "leaky_relu":
        if isinstance(param, bool) or not isinstance(param, (int, float)):
            raise ValueError("negative_slope must be a number")
        return math.sqrt(2.0 / (1 + param ** 2))
    if nonlinearity not in table:
        raise ValueError(nonlinearity)
    return table[nonlinearity]
'''),
    "xavier_uniform_global_rng": ("xavier_uniform", '''
def xavier_uniform(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return np.random.uniform(-a, a, size=shape)
'''),
}

# name -> source appended to the reference: correct but differently written; must get full marks
ALTERNATIVES = {
    "rng_normal_and_random": '''
def normal_init(shape, std, rng):
    return rng.normal(0.0, std, size=shape)

def lecun_normal(shape, rng):
    return rng.normal(0.0, 1.0 / np.sqrt(compute_fans(shape)[0]), shape)

def xavier_normal(shape, rng, gain=1.0):
    fi, fo = compute_fans(shape)
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fi + fo)), shape)

def xavier_uniform(shape, rng, gain=1.0):
    fi, fo = compute_fans(shape)
    a = gain * np.sqrt(6.0 / (fi + fo))
    return a * (2.0 * rng.random(shape) - 1.0)

def he_normal(shape, rng):
    return rng.normal(0.0, np.sqrt(2.0 / compute_fans(shape)[0]), shape)

def he_uniform(shape, rng):
    a = np.sqrt(6.0 / compute_fans(shape)[0])
    return a * (2.0 * rng.random(shape) - 1.0)
''',
    "flat_draws_reshaped_and_gains": '''
def _draw_flat(shape, rng):
    return rng.standard_normal(int(np.prod(shape))).reshape(shape)

def lecun_normal(shape, rng):
    return calculate_gain("linear") / math.sqrt(compute_fans(shape)[0]) * _draw_flat(shape, rng)

def he_normal(shape, rng):
    return calculate_gain("relu") / math.sqrt(compute_fans(shape)[0]) * _draw_flat(shape, rng)

def he_uniform(shape, rng):
    a = math.sqrt(3.0) * calculate_gain("relu") / math.sqrt(compute_fans(shape)[0])
    return rng.uniform(-a, a, int(np.prod(shape))).reshape(shape)

def normal_init(shape, std, rng):
    return _draw_flat(shape, rng) * std
''',
    "fans_via_prod_list_and_numpy_ints": '''
def compute_fans(shape):
    if len(shape) not in (2, 4):
        raise ValueError("only 2-D and 4-D weights")
    if len(shape) == 2:
        return [np.int64(shape[0]), np.int64(shape[1])]
    receptive = np.prod(shape[2:])
    return [shape[1] * receptive, shape[0] * receptive]

def zeros_init(shape):
    return np.zeros(tuple(shape)) * 1.0
''',
    "gain_table_numpy_float": '''
_GAINS = {"linear": 1, "sigmoid": 1, "tanh": 5 / 3, "relu": np.sqrt(2.0), "selu": 0.75}
for _n in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
    _GAINS[_n] = 1

def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float, np.number)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError("negative_slope must be a number")
        return np.sqrt(2.0 / (1.0 + slope * slope))
    if nonlinearity not in _GAINS:
        raise ValueError("unsupported nonlinearity " + str(nonlinearity))
    return _GAINS[nonlinearity]
''',
    "stats_einsum_expit_manual_moments": '''
import scipy.special as _sp

def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    f = {"tanh": np.tanh, "relu": lambda z: z * (z > 0), "sigmoid": _sp.expit, "linear": lambda z: z}[activation]
    h = rng.standard_normal(size=(batch_size, width))
    rows = []
    for _ in range(depth):
        W = init([width, width], rng)
        h = f(np.einsum("nd,dm->nm", h, W))
        m = h.sum() / h.size
        rows.append((m, np.sqrt(np.mean((h - m) ** 2))))
    return np.array(rows)
''',
    "gain_if_chain_slope_type_check": '''
def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "leaky_relu":
        if param is not None and type(param) not in (int, float):
            raise ValueError("the slope must be an int or a float")
        slope = param if param is not None else 0.01
        return (2.0 / (1.0 + slope ** 2)) ** 0.5
    if nonlinearity == "tanh":
        return 5 / 3
    if nonlinearity == "relu":
        return 2 ** 0.5
    if nonlinearity == "selu":
        return 3 / 4
    if nonlinearity in ("linear", "sigmoid", "conv1d", "conv2d", "conv3d",
                        "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        return 1
    raise ValueError("unsupported nonlinearity")
''',
    "stats_keyword_init_call": '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    h = rng.normal(size=(batch_size, width))
    out = []
    for _ in range(depth):
        W = init(shape=(width, width), rng=rng)
        z = (W.T @ h.T).T
        if activation == "tanh":
            h = np.tanh(z)
        elif activation == "relu":
            h = np.where(z > 0, z, 0.0)
        elif activation == "sigmoid":
            h = 1.0 / (1.0 + np.exp(-z))
        elif activation == "linear":
            h = z
        else:
            raise ValueError(activation)
        out.append([np.mean(h), np.sqrt(np.var(h))])
    return np.array(out)
''',
    # Box-Muller normals from rng.random: normal, truncated nowhere (the tail check must accept it)
    "box_muller_normals": '''
def _bm(shape, rng):
    n = int(np.prod(shape))
    u1 = 1.0 - rng.random(n)
    u2 = rng.random(n)
    return (np.sqrt(-2.0 * np.log(u1)) * np.cos(2 * np.pi * u2)).reshape(shape)

def normal_init(shape, std, rng):
    return std * _bm(shape, rng)

def he_normal(shape, rng):
    return np.sqrt(2.0 / compute_fans(shape)[0]) * _bm(shape, rng)

def xavier_normal(shape, rng, gain=1.0):
    fi, fo = compute_fans(shape)
    return _bm(shape, rng) * gain / math.sqrt((fi + fo) / 2.0)
''',
    "uniform_shifted_transposed_child_rng": '''
def xavier_uniform(shape, rng, gain=1.0):
    fi, fo = compute_fans(shape)
    a = gain * math.sqrt(6.0 / (fi + fo))
    return (rng.uniform(0.0, 2 * a, size=tuple(shape)[::-1]) - a).T

def he_uniform(shape, rng):
    a = math.sqrt(6.0 / compute_fans(shape)[0])
    k = rng.integers(0, 2 ** 53, size=shape)
    return a * (2.0 * (k / 2.0 ** 53) - 1.0)

def lecun_normal(shape, rng):
    child = np.random.default_rng(rng.integers(2 ** 63))
    return child.normal(0.0, 1.0 / compute_fans(shape)[0] ** 0.5, shape)
''',
    "fans_unpacking_stats_second_moment": '''
def compute_fans(shape):
    if len(shape) == 2:
        fan_in, fan_out = shape
        return fan_in, fan_out
    elif len(shape) == 4:
        out_c, in_c, kh, kw = shape
        return in_c * kh * kw, out_c * kh * kw
    raise ValueError("rank")

def zeros_init(shape):
    return np.full(shape, 0.0)

def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    if activation not in ("tanh", "relu", "sigmoid", "linear"):
        raise ValueError(activation)
    h = rng.standard_normal((batch_size, width))
    means, stds = [], []
    for _ in range(depth):
        z = h.dot(init((width, width), rng))
        if activation == "tanh":
            h = np.tanh(z)
        elif activation == "relu":
            h = np.clip(z, 0.0, None)
        elif activation == "sigmoid":
            h = np.exp(-np.logaddexp(0.0, -z))
        else:
            h = z.copy()
        m = np.mean(h)
        means.append(m)
        stds.append(math.sqrt(max(np.mean(h * h) - m * m, 0.0)))
    return np.column_stack([means, stds])
''',
    # a table of functions of the slope: only leaky_relu reads param (as PyTorch)
    "gain_table_of_slope_functions": '''
def calculate_gain(nonlinearity, param=None):
    def leaky(p):
        if p is None:
            p = 0.01
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            raise ValueError("negative_slope must be a number")
        return math.sqrt(2.0 / (1.0 + p * p))
    table = {"linear": lambda p: 1.0, "sigmoid": lambda p: 1.0, "tanh": lambda p: 5.0 / 3.0,
             "relu": lambda p: math.sqrt(2.0), "leaky_relu": leaky, "selu": lambda p: 0.75}
    for name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        table[name] = lambda p: 1.0
    if nonlinearity not in table:
        raise ValueError(f"unsupported nonlinearity {nonlinearity}")
    return table[nonlinearity](param)
''',
    # ---- the tenth audit's
    # normals by the inverse normal CDF of uniforms (scipy.special.ndtri, erfinv): any valid use of rng
    "normals_by_inverse_cdf_ndtri_erfinv": '''
import scipy.special

def normal_init(shape, std, rng):
    u = rng.random(shape)
    u = np.where(u == 0.0, np.nextafter(0.0, 1.0), u)
    return std * scipy.special.ndtri(u)

def he_normal(shape, rng):
    fan_in, _ = compute_fans(shape)
    return normal_init(shape, np.sqrt(2.0) / np.sqrt(fan_in), rng)

def xavier_normal(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    std = gain * np.sqrt(2.0) / np.sqrt(fan_in + fan_out)
    return std * np.sqrt(2.0) * scipy.special.erfinv(rng.uniform(-1.0, 1.0, size=shape))
''',
    # uniform bounds as sqrt(3) * std, an affine map of rng.random; a lower-cased gain table
    "uniform_from_std_and_gain_dict_lower": '''
def xavier_uniform(shape, rng, gain=1.0):
    fan_in, fan_out = compute_fans(shape)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return a * (2.0 * rng.random(shape) - 1.0)

def he_uniform(shape, rng):
    fan_in, fan_out = compute_fans(shape)
    # He uniform is Xavier uniform with gain sqrt((fan_in + fan_out) / fan_in)
    return xavier_uniform(shape, rng, gain=math.sqrt((fan_in + fan_out) / fan_in))

def calculate_gain(nonlinearity, param=None):
    name = nonlinearity.lower()
    fixed = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": 2 ** 0.5, "selu": 0.75}
    for c in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        fixed[c] = 1.0
    if name in fixed:
        return fixed[name]
    if name == "leaky_relu":
        slope = 0.01 if param is None else param
        if type(slope) not in (int, float):
            raise ValueError("slope must be a number")
        return (2.0 / (1.0 + slope * slope)) ** 0.5
    raise ValueError("unknown nonlinearity: " + name)
''',
    # units as rows (W.T @ h.T), ReLU by np.where, sigmoid as exp(-logaddexp(0, -z)); init gets a list shape
    "stats_transposed_matmul_list_shape": '''
def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    ht = rng.standard_normal((batch_size, width)).T
    stats = np.zeros((depth, 2))
    for l in range(depth):
        zt = init([width, width], rng).T @ ht
        if activation == "relu":
            ht = np.where(zt > 0, zt, 0.0)
        elif activation == "sigmoid":
            ht = np.exp(-np.logaddexp(0.0, -zt))
        elif activation == "tanh":
            ht = np.tanh(zt)
        else:
            ht = zt
        stats[l, 0] = np.mean(ht)
        stats[l, 1] = np.std(ht, ddof=0)
    return stats
''',
}
