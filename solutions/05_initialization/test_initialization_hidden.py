"""Hidden tests for 05_initialization.

Initializers are graded by statistics of large draws (mean, std, shape of the distribution, bounds),
never by one particular random stream: any valid way of drawing from ``rng`` passes. Each check
allows Z = 7 standard errors, so a correct implementation fails with probability below 1e-10,
while the classic bugs (wrong fans, wrong bound, missing gain) are off by 20% or more.

layer_activation_stats fixes its draw order, so it is compared with the reference exactly. Its
``init`` callbacks are either test-defined functions that read ``rng``'s state without drawing from
it (under the grader a callback receives a copy of the generator whose advancement would not reach
the worker) or the student's own initializers, which run where the generator lives.
"""

import math

import numpy as np

from grader.checks import assert_close, assert_equal, assert_shape, expect_raises, graded, unpack

Z = 7.0
DENSE = (600, 150)          # fan_in != fan_out, so fan mix-ups change the std by 20% or more
CONV = (64, 32, 3, 5)       # fan_in = 480, fan_out = 960
SEEDS = (0, 1)


def _fans(shape):
    if len(shape) == 2:
        return shape
    return shape[1] * shape[2] * shape[3], shape[0] * shape[2] * shape[3]


def _array(name, W, shape):
    assert_shape(name, W, shape)
    W = np.asarray(W)
    assert W.dtype.kind == "f", f"{name}: weights should be a float array, got dtype {W.dtype}"
    assert np.all(np.isfinite(W)), f"{name}: some entries are NaN or infinite"
    return W.astype(np.float64)


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


def _check_normal(name, W, shape, std):
    W = _array(name, W, shape)
    _moments(name, W, std, kurtosis=3.0)
    p = 0.6826894921370859  # P(|w| < std) for a normal distribution
    frac = np.mean(np.abs(W) < std)
    z = abs(frac - p) / math.sqrt(p * (1 - p) / W.size)
    assert z <= Z, f"{name}: entries do not look normally distributed (share within one std is {z:.0f} standard errors off)"


def _check_uniform(name, W, shape, a):
    W = _array(name, W, shape)
    m = np.max(np.abs(W))
    assert m <= a * (1 + 1e-12), f"{name}: some entries lie outside [-a, a] for the required bound a"
    assert m >= a * (1 - 1e-3), f"{name}: no entry comes close to the required bound a: the range is too narrow"
    _moments(name, W, a / math.sqrt(3.0), kurtosis=1.8)


def _check_uniformity(name, W, a):
    counts, _ = np.histogram(np.asarray(W, dtype=np.float64), bins=10, range=(-a, a))
    n, p = np.size(W), 0.1
    z = np.max(np.abs(counts - n * p)) / math.sqrt(n * p * (1 - p))
    assert z <= Z, f"{name}: entries are not uniform on [-a, a] (a histogram bin is {z:.0f} standard errors off)"


def _uses_only_rng(name, draw):
    a, b, c = draw(np.random.default_rng(3)), draw(np.random.default_rng(3)), draw(np.random.default_rng(4))
    assert_equal(f"{name} (two calls with equally seeded generators)", a, b)
    assert not np.array_equal(a, c), f"{name}: differently seeded generators gave identical weights; draw from rng"


# ---------------------------------------------------------------------------- fans and gains
@graded("compute_fans", weight=3)
def test_compute_fans_dense_and_conv(student, ref):
    for shape in [(600, 150), (7, 3), (1, 5), (64, 32, 3, 5), (16, 3, 7, 7), (8, 10, 1, 1), (5, 2, 4, 1)]:
        fan_in, fan_out = unpack(student.compute_fans(shape), 2, "compute_fans")
        assert_equal(f"fan_in of a {len(shape)}-D shape", fan_in, _fans(shape)[0])
        assert_equal(f"fan_out of a {len(shape)}-D shape", fan_out, _fans(shape)[1])


@graded("compute_fans", weight=1)
def test_compute_fans_other_ranks_raise(student, ref):
    for shape in [(5,), (3, 4, 5), (2, 3, 4, 5, 6), ()]:
        expect_raises("ValueError", student.compute_fans, shape)


@graded("calculate_gain", weight=3)
def test_calculate_gain_values(student, ref):
    cases = [(("linear",), 1.0), (("sigmoid",), 1.0), (("tanh",), 5.0 / 3), (("relu",), math.sqrt(2.0)),
             (("selu",), 0.75), (("leaky_relu",), math.sqrt(2.0 / (1 + 0.01 ** 2))),
             (("leaky_relu", 0.2), math.sqrt(2.0 / 1.04)), (("leaky_relu", 0.35), math.sqrt(2.0 / (1 + 0.35 ** 2)))]
    for args, expected in cases:
        label = f"gain for {args[0]}" + (" with a given slope" if len(args) > 1 else "")
        assert_close(label, student.calculate_gain(*args), expected, rtol=1e-12)


@graded("calculate_gain", weight=1)
def test_calculate_gain_linear_layers(student, ref):
    for name in ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]:
        assert_close(f"gain for {name}", student.calculate_gain(name), 1.0, rtol=1e-12)


@graded("calculate_gain", weight=1)
def test_calculate_gain_unknown_raises(student, ref):
    for name in ["gelu", "softmax", "swish"]:
        expect_raises("ValueError", student.calculate_gain, name)


# ---------------------------------------------------------------------------- zeros / normal
@graded("zeros_init", weight=1)
def test_zeros_init_shape_and_values(student, ref):
    for shape in [DENSE, CONV, (3, 1)]:
        W = _array("zeros_init", student.zeros_init(shape), shape)
        assert not np.any(W), "zeros_init: every entry should be 0"


@graded("normal_init", weight=3)
def test_normal_init_statistics(student, ref):
    for seed, std in zip(SEEDS, (0.37, 2.5)):
        for shape in (DENSE, CONV):
            _check_normal("normal_init", student.normal_init(shape, std, np.random.default_rng(seed)), shape, std)


@graded("normal_init", weight=1)
def test_normal_init_uses_only_rng(student, ref):
    _uses_only_rng("normal_init", lambda rng: student.normal_init((20, 30), 0.3, rng))


# ---------------------------------------------------------------------------- LeCun / Xavier / He
def _normal_scheme(student, name, std_of, kwargs=None):
    for seed in SEEDS:
        for shape in (DENSE, CONV):
            fan_in, fan_out = _fans(shape)
            W = getattr(student, name)(shape, np.random.default_rng(seed), **(kwargs or {}))
            _check_normal(f"{name} ({len(shape)}-D weight)", W, shape, std_of(fan_in, fan_out))


def _uniform_scheme(student, name, bound_of, kwargs=None, histogram=False):
    for seed in SEEDS:
        for shape in (DENSE, CONV):
            fan_in, fan_out = _fans(shape)
            a = bound_of(fan_in, fan_out)
            W = getattr(student, name)(shape, np.random.default_rng(seed), **(kwargs or {}))
            label = f"{name} ({len(shape)}-D weight)"
            if histogram:
                _check_uniformity(label, _array(label, W, shape), a)
            else:
                _check_uniform(label, W, shape, a)


@graded("lecun_normal", weight=3)
def test_lecun_normal_statistics(student, ref):
    _normal_scheme(student, "lecun_normal", lambda fi, fo: math.sqrt(1.0 / fi))


@graded("lecun_normal", weight=1)
def test_lecun_normal_uses_only_rng(student, ref):
    _uses_only_rng("lecun_normal", lambda rng: student.lecun_normal((20, 30), rng))


@graded("xavier_normal", weight=3)
def test_xavier_normal_statistics(student, ref):
    _normal_scheme(student, "xavier_normal", lambda fi, fo: math.sqrt(2.0 / (fi + fo)))


@graded("xavier_normal", weight=2)
def test_xavier_normal_gain(student, ref):
    for gain in (5.0 / 3, 0.6):
        _normal_scheme(student, "xavier_normal", lambda fi, fo: gain * math.sqrt(2.0 / (fi + fo)), {"gain": gain})


@graded("xavier_normal", weight=1)
def test_xavier_normal_uses_only_rng(student, ref):
    _uses_only_rng("xavier_normal", lambda rng: student.xavier_normal((20, 30), rng))


@graded("xavier_uniform", weight=3)
def test_xavier_uniform_bound_and_statistics(student, ref):
    _uniform_scheme(student, "xavier_uniform", lambda fi, fo: math.sqrt(6.0 / (fi + fo)))


@graded("xavier_uniform", weight=1)
def test_xavier_uniform_is_uniform(student, ref):
    _uniform_scheme(student, "xavier_uniform", lambda fi, fo: math.sqrt(6.0 / (fi + fo)), histogram=True)


@graded("xavier_uniform", weight=2)
def test_xavier_uniform_gain(student, ref):
    for gain in (5.0 / 3, 0.6):
        _uniform_scheme(student, "xavier_uniform", lambda fi, fo: gain * math.sqrt(6.0 / (fi + fo)), {"gain": gain})


@graded("xavier_uniform", weight=1)
def test_xavier_uniform_uses_only_rng(student, ref):
    _uses_only_rng("xavier_uniform", lambda rng: student.xavier_uniform((20, 30), rng))


@graded("he_normal", weight=3)
def test_he_normal_statistics(student, ref):
    _normal_scheme(student, "he_normal", lambda fi, fo: math.sqrt(2.0 / fi))


@graded("he_normal", weight=1)
def test_he_normal_uses_only_rng(student, ref):
    _uses_only_rng("he_normal", lambda rng: student.he_normal((20, 30), rng))


@graded("he_uniform", weight=3)
def test_he_uniform_bound_and_statistics(student, ref):
    _uniform_scheme(student, "he_uniform", lambda fi, fo: math.sqrt(6.0 / fi))


@graded("he_uniform", weight=1)
def test_he_uniform_is_uniform(student, ref):
    _uniform_scheme(student, "he_uniform", lambda fi, fo: math.sqrt(6.0 / fi), histogram=True)


@graded("he_uniform", weight=1)
def test_he_uniform_uses_only_rng(student, ref):
    _uses_only_rng("he_uniform", lambda rng: student.he_uniform((20, 30), rng))


# ---------------------------------------------------------------------------- activation statistics
STATS_RTOL = 1e-9   # the draw order is fixed, so results agree up to float reordering
WIDTH = 64          # small enough for single-threaded BLAS: fast on a loaded machine


def _state_init(std):
    """A test-defined init(shape, rng): std * N(0, 1) weights from a generator seeded by rng's current
    state and the call count. It reads rng without drawing from it, so it behaves the same whether it
    gets the generator itself or a copy, yet its weights still depend on where in the draw order (and
    in which layer) it is called. Make a fresh one for every run."""
    calls = []

    def init(shape, rng):
        s = rng.bit_generator.state["state"]
        calls.append(None)
        return std * np.random.default_rng([s["state"], s["inc"], len(calls)]).standard_normal(tuple(shape))

    return init


def _stats(module, std, activation, seed, *, depth=10, width=WIDTH, batch_size=64):
    return module.layer_activation_stats(_state_init(std), activation, depth=depth, width=width,
                                         batch_size=batch_size, rng=np.random.default_rng(seed))


@graded("layer_activation_stats", weight=3)
def test_layer_activation_stats_matches_reference(student, ref):
    width = 48
    cases = [(0.01, "tanh"), (1.0, "tanh"), (1 / math.sqrt(width), "sigmoid"), (math.sqrt(2.0 / width), "relu"),
             (1 / math.sqrt(width), "linear")]
    for seed in SEEDS:
        for std, act in cases:
            kw = dict(depth=6, width=width, batch_size=40)
            s = _stats(student, std, act, seed, **kw)
            assert_close(f"stats ({act} activation)", s, _stats(ref, std, act, seed, **kw), rtol=STATS_RTOL, atol=1e-300)


@graded("layer_activation_stats", weight=2)
def test_layer_activation_stats_with_own_initializers(student, ref):
    # The student's initializer runs in both calls (the reference calls it too), so only
    # layer_activation_stats itself is graded here, with an init that draws from rng.
    cases = [("xavier_normal", "tanh"), ("he_normal", "relu"), ("lecun_normal", "sigmoid"), ("xavier_uniform", "linear")]
    for seed, (name, act) in zip((5, 6, 7, 8), cases):
        kw = dict(depth=5, width=32, batch_size=30)
        init = getattr(student, name)
        s = student.layer_activation_stats(init, act, rng=np.random.default_rng(seed), **kw)
        r = ref.layer_activation_stats(init, act, rng=np.random.default_rng(seed), **kw)
        assert_close(f"stats ({name} weights, {act} activation)", s, r, rtol=STATS_RTOL, atol=1e-300)


@graded("layer_activation_stats", weight=1)
def test_layer_activation_stats_small_weights_collapse_tanh(student, ref):
    stds = np.asarray(_stats(student, 0.01, "tanh", 11), dtype=np.float64)[:, 1]
    assert np.all(np.diff(stds) < 0), "tanh with std 0.01 weights: the activation std should shrink at every layer"
    assert stds[-1] < 1e-6 * stds[0], "tanh with std 0.01 weights: activations should collapse towards 0"


@graded("layer_activation_stats", weight=1)
def test_layer_activation_stats_large_weights_saturate_tanh(student, ref):
    stats = np.asarray(_stats(student, 1.0, "tanh", 12), dtype=np.float64)
    assert np.all((stats[:, 1] > 0.9) & (stats[:, 1] <= 1.0)), \
        "tanh with std 1 weights: every layer's outputs should saturate near -1 and +1 (std close to 1)"
    assert np.all(np.abs(stats[:, 0]) < 0.1), "tanh with std 1 weights: the mean should stay near 0"


@graded("layer_activation_stats", weight=1)
def test_layer_activation_stats_xavier_keeps_tanh_stable(student, ref):
    stds = np.asarray(_stats(student, 1 / math.sqrt(WIDTH), "tanh", 13), dtype=np.float64)[:, 1]
    assert np.all(stds < 0.9), "tanh with Xavier weights: activations should not saturate"
    assert stds[-1] > 0.2 * stds[0], "tanh with Xavier weights: activations should not collapse through depth"


@graded("layer_activation_stats", weight=1)
def test_layer_activation_stats_he_keeps_relu_stable(student, ref):
    stats = np.asarray(_stats(student, math.sqrt(2.0 / WIDTH), "relu", 14), dtype=np.float64)
    ratio = stats[:, 1] / stats[0, 1]
    assert np.all((ratio > 1 / 3) & (ratio < 3)), "ReLU with He weights: the activation std should stay of the same order"
    assert np.all(stats[:, 0] > 0), "ReLU outputs are non-negative, so each layer's mean should be positive"
