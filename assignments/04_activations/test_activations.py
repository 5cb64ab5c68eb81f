"""Public tests for 04_activations: run `pytest assignments/04_activations` or
`grader check 04_activations`. Passing them is a good sign, not a guarantee: the hidden tests
check more inputs, hyperparameters and properties."""

import math

import numpy as np
import pytest

import activations


def numerical_gradient(f, x, dout, h=1e-6):
    """Centred-difference gradient of sum(f(x) * dout) with respect to x (an array or a 0-d array)."""
    x = np.array(x, dtype=np.float64)
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


def away_from_zero(shape, seed=0):
    """Random points with |x| >= 0.1, so no numerical difference straddles a kink."""
    u = np.random.default_rng(seed).normal(size=shape)
    return np.sign(u) * (0.1 + np.abs(u))


ELEMENTWISE = [
    ("tanh", {}),
    ("leaky_relu", {"alpha": 0.1}),
    ("elu", {"alpha": 1.3}),
    ("selu", {}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("swish", {"beta": 2.0}),
]


IDS = [name + "".join(f"-{v}" for v in kw.values()) for name, kw in ELEMENTWISE]


@pytest.mark.parametrize("name,kw", ELEMENTWISE, ids=IDS)
def test_elementwise_backward_matches_numerical_gradient(name, kw):
    forward = getattr(activations, name + "_forward")
    backward = getattr(activations, name + "_backward")
    x = away_from_zero((3, 4))
    dout = np.random.default_rng(1).normal(size=x.shape)
    out, cache = forward(x, **kw)
    assert out.shape == x.shape
    dx = backward(dout, cache)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, numerical_gradient(lambda z: forward(z, **kw)[0], x, dout), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name,kw", ELEMENTWISE, ids=IDS)
def test_forward_does_not_modify_input(name, kw):
    x = away_from_zero((2, 3))
    x_copy = x.copy()
    getattr(activations, name + "_forward")(x, **kw)
    np.testing.assert_array_equal(x, x_copy)


@pytest.mark.parametrize("name, kw, slope", [
    ("leaky_relu", {"alpha": 0.1}, 0.1),
    ("elu", {"alpha": 0.5}, 0.5),  # alpha * exp(0)
    ("selu", {}, activations.SELU_SCALE * activations.SELU_ALPHA),
], ids=["leaky_relu", "elu", "selu"])
def test_backward_at_the_kink_uses_the_x_le_0_branch(name, kw, slope):
    # The module docstring: at a kink (x = 0) use the derivative of the x <= 0 branch.
    _, cache = getattr(activations, name + "_forward")(np.zeros(3), **kw)
    dx = getattr(activations, name + "_backward")(np.ones(3), cache)
    np.testing.assert_allclose(dx, np.full(3, slope), rtol=1e-12,
                               err_msg=f"{name}_backward at x = 0: use the derivative of the x <= 0 branch")


def test_tanh_known_values():
    # |x| = 800: exp(800) overflows, so (exp(x) - exp(-x)) / (exp(x) + exp(-x)) is inf / inf = NaN there
    out, cache = activations.tanh_forward(np.array([0.0, 1.0, -30.0, -800.0, 800.0]))
    np.testing.assert_allclose(out, [0.0, math.tanh(1.0), -1.0, -1.0, 1.0])
    # derivative 1 - tanh^2: 1 at 0, 0 when saturated
    np.testing.assert_allclose(activations.tanh_backward(np.ones(5), cache),
                               [1.0, 1 - math.tanh(1.0) ** 2, 0.0, 0.0, 0.0], atol=1e-15)


def test_leaky_relu_small_example():
    x = np.array([[-2.0, 3.0], [0.5, -0.5]])
    out, cache = activations.leaky_relu_forward(x, alpha=0.1)
    np.testing.assert_allclose(out, [[-0.2, 3.0], [0.5, -0.05]])
    np.testing.assert_allclose(activations.leaky_relu_backward(np.ones_like(x), cache), [[0.1, 1.0], [1.0, 0.1]])
    out_default, _ = activations.leaky_relu_forward(x)
    np.testing.assert_allclose(out_default, [[-0.02, 3.0], [0.5, -0.005]])


def test_prelu_per_feature_alpha():
    x = np.array([[1.0, -2.0], [-3.0, 4.0], [-1.0, -1.0]])
    alpha = np.array([0.1, 0.5])
    out, cache = activations.prelu_forward(x, alpha)
    np.testing.assert_allclose(out, [[1.0, -1.0], [-0.3, 4.0], [-0.1, -0.5]])
    dx, dalpha = activations.prelu_backward(np.ones_like(x), cache)
    np.testing.assert_allclose(dx, [[1.0, 0.5], [0.1, 1.0], [0.1, 0.5]])
    assert dalpha.shape == (2,)  # one slope per feature, summed over the batch
    np.testing.assert_allclose(dalpha, [-4.0, -3.0])


def test_prelu_backward_at_the_kink_uses_the_x_le_0_branch():
    _, cache = activations.prelu_forward(np.zeros((2, 2)), np.array([0.1, 0.5]))
    dx, _ = activations.prelu_backward(np.ones((2, 2)), cache)
    np.testing.assert_allclose(dx, [[0.1, 0.5], [0.1, 0.5]],
                               err_msg="prelu_backward at x = 0: use the derivative of the x <= 0 branch (alpha)")


def test_prelu_does_not_modify_its_inputs():
    x = np.array([[1.0, -2.0], [-3.0, 4.0]])
    alpha = np.array([0.1, 0.5])
    dout = np.array([[0.5, -1.0], [2.0, 1.5]])
    x_copy, alpha_copy, dout_copy = x.copy(), alpha.copy(), dout.copy()
    _, cache = activations.prelu_forward(x, alpha)
    activations.prelu_backward(dout, cache)
    np.testing.assert_array_equal(x, x_copy, err_msg="prelu changed x: compute into a new array")
    np.testing.assert_array_equal(alpha, alpha_copy, err_msg="prelu changed alpha")
    np.testing.assert_array_equal(dout, dout_copy, err_msg="prelu_backward changed dout: compute into a new array")


def test_prelu_scalar_alpha_gives_scalar_dalpha():
    x = np.array([[1.0, -2.0], [-3.0, 4.0]])
    out, cache = activations.prelu_forward(x, 0.2)
    np.testing.assert_allclose(out, [[1.0, -0.4], [-0.6, 4.0]])
    _, dalpha = activations.prelu_backward(np.ones_like(x), cache)
    assert np.shape(dalpha) == ()
    assert np.isclose(dalpha, -5.0)


def test_prelu_dalpha_matches_numerical_gradient():
    x = away_from_zero((5, 3), seed=2)
    alpha = np.array([0.2, 0.3, 0.05])
    dout = np.random.default_rng(3).normal(size=x.shape)
    _, cache = activations.prelu_forward(x, alpha)
    dx, dalpha = activations.prelu_backward(dout, cache)
    np.testing.assert_allclose(dx, numerical_gradient(lambda z: activations.prelu_forward(z, alpha)[0], x, dout),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dalpha, numerical_gradient(lambda a: activations.prelu_forward(x, a)[0], alpha, dout),
                               rtol=1e-5, atol=1e-7)


def test_elu_and_selu_limits():
    # x = 800: a mask-multiply form, (x <= 0) * alpha * (exp(x) - 1), gives 0 * inf = NaN there
    x = np.array([-800.0, -50.0, 0.0, 2.0, 800.0])
    out, _ = activations.elu_forward(x, alpha=0.7)
    np.testing.assert_allclose(out, [-0.7, -0.7, 0.0, 2.0, 800.0])
    out, _ = activations.selu_forward(x)
    s, a = activations.SELU_SCALE, activations.SELU_ALPHA
    np.testing.assert_allclose(out, [-s * a, -s * a, 0.0, 2.0 * s, 800.0 * s])


def test_elu_derivative_is_one_for_positive_inputs():
    x = np.array([0.5, 3.0, -1.0])
    _, cache = activations.elu_forward(x, alpha=2.0)
    np.testing.assert_allclose(activations.elu_backward(np.ones(3), cache), [1.0, 1.0, 2.0 * math.exp(-1.0)])


def test_gelu_exact_and_tanh_forms():
    x = np.array([0.0, 1.0, -1.0])
    exact, _ = activations.gelu_forward(x)            # default: exact
    phi1 = 0.5 * (1 + math.erf(1 / math.sqrt(2)))     # Phi(1)
    np.testing.assert_allclose(exact, [0.0, phi1, -(1 - phi1)], rtol=1e-12)
    approx, _ = activations.gelu_forward(x, approximate="tanh")
    t = math.tanh(math.sqrt(2 / math.pi) * (1 + 0.044715))
    np.testing.assert_allclose(approx, [0.0, 0.5 * (1 + t), -0.5 * (1 - t)], rtol=1e-12)
    assert abs(exact[1] - approx[1]) > 1e-4  # two different functions


def test_gelu_odd_part_is_identity():
    # x Phi(x) - (-x) Phi(-x) = x, because Phi(x) + Phi(-x) = 1
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(activations.gelu_forward(x)[0] - activations.gelu_forward(-x)[0], x, atol=1e-12)


def test_swish_special_cases():
    x = np.array([-2.0, 1.0, 3.0])
    np.testing.assert_allclose(activations.swish_forward(x)[0], x / (1 + np.exp(-x)))  # SiLU
    np.testing.assert_allclose(activations.swish_forward(x, beta=0.0)[0], x / 2)
    out, _ = activations.swish_forward(np.array([-800.0, 800.0]), beta=1.5)  # no overflow, exact limits
    np.testing.assert_allclose(out, [0.0, 800.0], atol=1e-300)


def test_glu_with_identity_weights():
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    eye, zero_w, zero_b = np.eye(2), np.zeros((2, 2)), np.zeros(2)
    out, _ = activations.glu_forward(x, eye, zero_b, zero_w, zero_b)  # gate sigmoid(0) = 1/2
    np.testing.assert_allclose(out, 0.5 * x)
    # a saturated gate, x V + c = (800, -800): sigmoid is 1 and 0 (exp(z) / (exp(z) + 1) is inf / inf there)
    out, _ = activations.glu_forward(np.array([[1.0, -1.0]]), eye, zero_b, 800.0 * eye, zero_b)
    np.testing.assert_allclose(out, [[1.0, 0.0]])


@pytest.mark.parametrize("name", ["glu", "swiglu", "geglu"])
def test_gated_layer_gradients(name):
    rng = np.random.default_rng(4)
    N, D, M = 4, 3, 2
    params = [rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=M),
              rng.normal(size=(D, M)), rng.normal(size=M)]
    forward = getattr(activations, name + "_forward")
    backward = getattr(activations, name + "_backward")
    out, cache = forward(*params)
    assert out.shape == (N, M)
    dout = rng.normal(size=(N, M))
    grads = backward(dout, cache)
    assert len(grads) == 5
    names = ["dx", "dW", "db", "dV", "dc"] if name == "glu" else ["dx", "dW1", "db1", "dW2", "db2"]
    for i, (p, g) in enumerate(zip(params, grads)):
        assert g.shape == p.shape, f"{names[i]} (gradient {i}) has shape {g.shape}, expected {p.shape}"

        def f(v, i=i):
            args = list(params)
            args[i] = v
            return forward(*args)[0]

        np.testing.assert_allclose(g, numerical_gradient(f, p, dout), rtol=1e-5, atol=1e-7,
                                   err_msg=f"{name}_backward: {names[i]} differs from the numerical gradient")
