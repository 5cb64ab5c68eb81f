"""Public tests for 06_regularization: run `pytest assignments/06_regularization` or
`grader check 06_regularization`. Passing them is a good sign, not a guarantee: the hidden tests
check more inputs, hyperparameters and properties."""

import numpy as np
import pytest

import regularization


def numerical_gradient(f, x, dout, h=1e-6):
    """Centred-difference gradient of sum(f(x) * dout) with respect to x."""
    x = x.astype(np.float64).copy()
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = np.sum(f(x.copy()) * dout)
        x[i] = old - h
        fm = np.sum(f(x.copy()) * dout)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def check_norm_backward(forward, backward, x, gamma, beta):
    """Compare a normalization layer's backward with numerical gradients of its forward."""
    rng = np.random.default_rng(0)
    dout = rng.normal(size=x.shape)
    _, cache = forward(x, gamma, beta)
    dx, dgamma, dbeta = backward(dout, cache)
    assert dgamma.shape == gamma.shape, f"dgamma must have gamma's shape {gamma.shape} (summed with keepdims?)"
    assert dbeta.shape == beta.shape, f"dbeta must have beta's shape {beta.shape} (summed with keepdims?)"
    np.testing.assert_allclose(dx, numerical_gradient(lambda z: forward(z, gamma, beta)[0], x, dout),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dgamma, numerical_gradient(lambda g: forward(x, g, beta)[0], gamma, dout),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dbeta, numerical_gradient(lambda b: forward(x, gamma, b)[0], beta, dout),
                               rtol=1e-5, atol=1e-7)


# --- penalties --------------------------------------------------------------------------------

def test_l2_penalty_small_example():
    W1, W2 = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([-1.0, 0.5])
    loss, grads = regularization.l2_penalty([W1, W2], 0.5)
    assert np.isclose(loss, 0.5 * 0.5 * (30.0 + 1.25))
    assert len(grads) == 2
    np.testing.assert_allclose(grads[0], 0.5 * W1)
    np.testing.assert_allclose(grads[1], 0.5 * W2)


def test_l1_penalty_small_example_and_zero_subgradient():
    w = np.array([-2.0, 0.0, 3.0])
    loss, grads = regularization.l1_penalty([w], 0.1)
    assert np.isclose(loss, 0.5)
    np.testing.assert_allclose(grads[0], [-0.1, 0.0, 0.1])


# --- dropout ----------------------------------------------------------------------------------

def test_dropout_train_drops_and_rescales():
    x = np.full((500, 400), 2.0)
    out, _ = regularization.dropout_forward(x, 0.3, True, np.random.default_rng(0))
    assert out.shape == x.shape
    dropped = out == 0
    assert not (dropped == dropped[0]).all(), "every row has the same mask: draw one value per entry of x"
    assert abs(np.mean(dropped) - 0.3) < 0.01           # about 30% dropped
    np.testing.assert_allclose(out[out != 0], 2.0 / 0.7)  # kept values scaled by 1 / (1 - p)
    assert abs(out.mean() - 2.0) < 0.02                   # expectation preserved


def test_dropout_test_mode_is_identity():
    x = np.arange(12.0).reshape(3, 4)
    rng = np.random.default_rng(0)
    out, _ = regularization.dropout_forward(x, 0.5, False, rng)
    np.testing.assert_array_equal(out, x)
    assert rng.bit_generator.state == np.random.default_rng(0).bit_generator.state  # rng untouched


def test_dropout_invalid_prob():
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError):
            regularization.dropout_forward(np.ones((2, 2)), bad, True, np.random.default_rng(0))


def test_dropout_backward_uses_the_same_mask():
    rng = np.random.default_rng(1)
    x = rng.uniform(1.0, 2.0, size=(20, 10))
    out, cache = regularization.dropout_forward(x, 0.4, True, rng)
    dout = rng.normal(size=x.shape)
    np.testing.assert_allclose(regularization.dropout_backward(dout, cache), dout * out / x)


def test_dropout_backward_after_a_test_mode_forward_passes_dout_through():
    x = np.arange(12.0).reshape(3, 4)
    _, cache = regularization.dropout_forward(x, 0.5, False, np.random.default_rng(0))
    dout = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    np.testing.assert_array_equal(regularization.dropout_backward(dout, cache), dout)  # the layer was the identity


# --- batch norm -------------------------------------------------------------------------------

def test_batchnorm_train_normalizes_then_scales_and_shifts():
    rng = np.random.default_rng(0)
    x = rng.normal(loc=5.0, scale=3.0, size=(200, 3))
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
    out, state, _ = regularization.batchnorm_forward(x, gamma, beta, {}, train=True)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma), rtol=1e-4)
    # empty state = running mean 0 and var 1, updated with momentum 0.9
    np.testing.assert_allclose(state["running_mean"], 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(state["running_var"], 0.9 + 0.1 * x.var(axis=0))


def test_batchnorm_inference_uses_running_statistics():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    state = {"running_mean": np.array([1.0, 2.0]), "running_var": np.array([4.0, 16.0])}
    gamma, beta = np.array([2.0, 1.0]), np.array([0.5, -0.5])
    out, new_state, _ = regularization.batchnorm_forward(x, gamma, beta, state, train=False, eps=0.0)
    np.testing.assert_allclose(out, [[0.5, -0.5], [2.5, 0.5]])
    np.testing.assert_array_equal(new_state["running_mean"], state["running_mean"])
    np.testing.assert_array_equal(new_state["running_var"], state["running_var"])


def test_batchnorm_backward_numerical():
    rng = np.random.default_rng(2)

    def forward(x, gamma, beta):
        out, _, cache = regularization.batchnorm_forward(x, gamma, beta, {}, train=True)
        return out, cache
    check_norm_backward(forward, regularization.batchnorm_backward, rng.normal(size=(6, 3)),
                        rng.uniform(0.5, 2, 3), rng.normal(size=3))


# --- layer, group, instance norm --------------------------------------------------------------

def test_layernorm_normalizes_each_row():
    x = np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 40.0]])
    out, _ = regularization.layernorm_forward(x, np.ones(3), np.zeros(3))
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1.0, rtol=1e-4)


def test_layernorm_backward_numerical():
    rng = np.random.default_rng(3)
    check_norm_backward(regularization.layernorm_forward, regularization.layernorm_backward,
                        rng.normal(size=(3, 5)), rng.uniform(0.5, 2, 5), rng.normal(size=5))


def test_groupnorm_statistics_and_errors():
    rng = np.random.default_rng(4)
    x = rng.normal(loc=3.0, size=(2, 4, 3, 3))
    out, _ = regularization.groupnorm_forward(x, np.ones(4), np.zeros(4), 2)
    groups = out.reshape(2, 2, -1)  # channels 0-1 and 2-3 form the two groups
    np.testing.assert_allclose(groups.mean(axis=2), 0.0, atol=1e-12)
    np.testing.assert_allclose(groups.std(axis=2), 1.0, rtol=1e-4)
    with pytest.raises(ValueError):
        regularization.groupnorm_forward(x, np.ones(4), np.zeros(4), 3)


def test_groupnorm_backward_numerical():
    rng = np.random.default_rng(5)

    def forward(x, gamma, beta):
        return regularization.groupnorm_forward(x, gamma, beta, 2)
    check_norm_backward(forward, regularization.groupnorm_backward,
                        rng.normal(size=(2, 4, 2, 2)), rng.uniform(0.5, 2, 4), rng.normal(size=4))


def test_instancenorm_normalizes_each_channel_of_each_image():
    rng = np.random.default_rng(6)
    x = rng.normal(loc=-2.0, size=(2, 3, 4, 4))
    out, _ = regularization.instancenorm_forward(x, np.ones(3), np.zeros(3))
    np.testing.assert_allclose(out.mean(axis=(2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(2, 3)), 1.0, rtol=1e-4)


def test_instancenorm_backward_numerical():
    rng = np.random.default_rng(7)
    check_norm_backward(regularization.instancenorm_forward, regularization.instancenorm_backward,
                        rng.normal(size=(2, 2, 2, 3)), rng.uniform(0.5, 2, 2), rng.normal(size=2))


# --- augmentation -----------------------------------------------------------------------------

def test_random_horizontal_flip_p0_and_p1():
    images = np.arange(2 * 1 * 2 * 3, dtype=float).reshape(2, 1, 2, 3)
    flip = regularization.random_horizontal_flip
    np.testing.assert_array_equal(flip(images, np.random.default_rng(0), p=0.0), images)
    np.testing.assert_array_equal(flip(images, np.random.default_rng(0), p=1.0), images[..., ::-1])


def test_mixup_mixes_inputs_and_labels_alike():
    x = np.array([[0.0, 0.0], [10.0, 10.0], [20.0, 0.0]])
    y = np.eye(3)
    x_mix, y_mix = regularization.mixup(x, y, np.random.default_rng(0), alpha=1.0)
    assert x_mix.shape == x.shape and y_mix.shape == y.shape
    np.testing.assert_allclose(y_mix.sum(axis=1), 1.0)  # each label row stays a distribution
    # y is the identity, so y_mix @ x = lam * x + (1 - lam) * x[perm]: x_mix must use the same lam and perm
    np.testing.assert_allclose(y_mix @ x, x_mix)


# --- randomness only from rng -----------------------------------------------------------------

def global_random_state():
    """numpy's global random state (what np.random.seed and np.random.rand change), comparable with ==."""
    _, key, pos, has_gauss, gauss = np.random.get_state()
    return key.tobytes(), pos, has_gauss, gauss


@pytest.mark.parametrize("name", ["dropout_forward", "random_horizontal_flip", "mixup"])
def test_draws_only_from_rng(name):
    x = np.arange(8 * 3 * 2 * 2, dtype=float).reshape(8, 3, 2, 2)

    def run(seed):
        rng = np.random.default_rng(seed)
        if name == "dropout_forward":
            return regularization.dropout_forward(x, 0.5, True, rng)[0]
        if name == "random_horizontal_flip":
            return regularization.random_horizontal_flip(x, rng)
        return regularization.mixup(x, np.eye(8), rng, alpha=1.0)[0]

    np.random.seed(12345)  # a global state that no earlier call has left behind
    before = global_random_state()
    first = run(0)
    untouched = global_random_state() == before  # (a bool: pytest would print both states, 2.5 kB each)
    assert untouched, \
        f"{name} used numpy's global random state (np.random.seed / rand / permutation): draw from the rng argument"
    np.testing.assert_array_equal(run(0), first,
                                  err_msg=f"{name}: the same rng gave another result: draw only from the rng argument")

