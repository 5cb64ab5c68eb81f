"""Public tests for 05_initialization: run `pytest assignments/05_initialization` or
`grader check 05_initialization`. Passing them is a good sign, not a guarantee: the hidden tests
check more shapes, seeds and properties with tighter statistics."""

import math

import numpy as np
import pytest

import initialization as init

DENSE = (400, 100)
CONV = (64, 32, 3, 3)   # fan_in = 32 * 9 = 288, fan_out = 64 * 9 = 576


def test_compute_fans_dense_and_conv():
    assert tuple(init.compute_fans((3, 5))) == (3, 5)
    assert tuple(init.compute_fans(CONV)) == (288, 576)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_compute_fans_rejects_other_ranks(shape):
    with pytest.raises(ValueError):
        init.compute_fans(shape)


def test_calculate_gain_examples():
    assert math.isclose(init.calculate_gain("tanh"), 5 / 3)
    assert math.isclose(init.calculate_gain("relu"), math.sqrt(2))
    assert math.isclose(init.calculate_gain("sigmoid"), 1.0)
    assert math.isclose(init.calculate_gain("leaky_relu", 0.5), math.sqrt(2 / 1.25))
    with pytest.raises(ValueError):
        init.calculate_gain("no_such_activation")


def test_zeros_init():
    W = init.zeros_init(CONV)
    assert W.shape == CONV and W.dtype == np.float64 and not W.any()


def check_std(W, shape, std, rel=0.04):
    assert W.shape == shape
    assert abs(W.mean()) < 6 * std / math.sqrt(W.size), "mean should be 0"
    assert abs(W.std() / std - 1) < rel, f"std {W.std():.4g}, expected {std:.4g}"


def test_normal_init_std():
    check_std(init.normal_init(DENSE, 0.2, np.random.default_rng(10)), DENSE, 0.2)


@pytest.mark.parametrize("shape", [DENSE, CONV])
def test_normal_schemes_std(shape):
    fan_in, fan_out = (288, 576) if len(shape) == 4 else shape
    rng = np.random.default_rng(11)
    check_std(init.lecun_normal(shape, rng), shape, math.sqrt(1 / fan_in))
    check_std(init.xavier_normal(shape, rng), shape, math.sqrt(2 / (fan_in + fan_out)))
    check_std(init.xavier_normal(shape, rng, gain=2.0), shape, 2 * math.sqrt(2 / (fan_in + fan_out)))
    check_std(init.he_normal(shape, rng), shape, math.sqrt(2 / fan_in))


@pytest.mark.parametrize("shape", [DENSE, CONV])
def test_uniform_schemes_bound(shape):
    fan_in, fan_out = (288, 576) if len(shape) == 4 else shape
    rng = np.random.default_rng(12)
    for W, a in [(init.xavier_uniform(shape, rng), math.sqrt(6 / (fan_in + fan_out))),
                 (init.he_uniform(shape, rng), math.sqrt(6 / fan_in))]:
        assert W.shape == shape
        assert np.abs(W).max() <= a, "entries must lie in [-a, a]"
        assert np.abs(W).max() > 0.99 * a, "entries should fill [-a, a]"
        check_std(W, shape, a / math.sqrt(3))


def global_random_state():
    """numpy's global random state (what np.random.seed and np.random.randn change), comparable with ==."""
    _, key, pos, has_gauss, gauss = np.random.get_state()
    return key.tobytes(), pos, has_gauss, gauss


@pytest.mark.parametrize("name", ["normal_init", "lecun_normal", "xavier_normal", "xavier_uniform", "he_normal",
                                  "he_uniform"])
def test_initializers_use_only_rng(name):
    def draw(seed):
        if name == "normal_init":
            return init.normal_init((10, 20), 0.1, np.random.default_rng(seed))
        return getattr(init, name)((10, 20), np.random.default_rng(seed))

    a, b = draw(5), draw(5)
    np.testing.assert_array_equal(a, b,
                                  err_msg=f"{name}: the same rng gave other weights: draw only from the rng argument")
    assert not np.array_equal(a, draw(6)), f"{name}: another rng gave the same weights: draw from the rng argument"
    np.random.seed(12345)  # a global state that no earlier call has left behind
    before = global_random_state()
    draw(5)
    untouched = global_random_state() == before  # (a bool: pytest would print both states, 2.5 kB each)
    assert untouched, \
        f"{name} used numpy's global random state (np.random.seed / randn / rand): draw from the rng argument"


def test_layer_activation_stats_draw_order():
    # init returns the identity, so the only randomness is X, drawn first from rng
    stats = init.layer_activation_stats(lambda shape, rng: np.eye(shape[0]), "linear",
                                        depth=2, width=3, batch_size=4, rng=np.random.default_rng(7))
    X = np.random.default_rng(7).standard_normal((4, 3))
    assert stats.shape == (2, 2)
    np.testing.assert_allclose(stats, [[X.mean(), X.std()], [X.mean(), X.std()]])


def test_layer_activation_stats_small_weights_collapse():
    stats = init.layer_activation_stats(lambda shape, rng: init.normal_init(shape, 0.01, rng), "tanh",
                                        depth=6, width=100, batch_size=50, rng=np.random.default_rng(8))
    assert stats.shape == (6, 2)
    assert stats[-1, 1] < 1e-4 * stats[0, 1]


def test_layer_activation_stats_he_relu_stable():
    stats = init.layer_activation_stats(init.he_normal, "relu", depth=8, width=100, batch_size=50,
                                        rng=np.random.default_rng(9))
    assert np.all(stats[:, 0] > 0)
    assert 0.3 < stats[-1, 1] / stats[0, 1] < 3
