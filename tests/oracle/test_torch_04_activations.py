"""The 04_activations reference against PyTorch (forward values and autograd gradients, float64)."""

from pathlib import Path

import numpy as np
import pytest

from grader.loading import REF_PREFIX, import_path

torch = pytest.importorskip("torch")
F = torch.nn.functional
ref = import_path(Path(__file__).parents[2] / "solutions/04_activations/activations.py", REF_PREFIX)

RTOL = 1e-10
ATOL = 1e-13


def _x(seed, shape=(7, 6)):
    u = 3.0 * np.random.default_rng(seed).standard_normal(shape)
    return np.where(u >= 0, 1.0, -1.0) * (0.01 + np.abs(u))


def _check_elementwise(forward, backward, torch_fn, **kw):
    for seed in range(3):
        x = _x(seed)
        dout = np.random.default_rng(50 + seed).standard_normal(x.shape)
        out, cache = forward(x, **kw)
        dx = backward(dout, cache)
        xt = torch.tensor(x, requires_grad=True)
        yt = torch_fn(xt)
        yt.backward(torch.tensor(dout))
        np.testing.assert_allclose(out, yt.detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.torch
def test_tanh():
    _check_elementwise(ref.tanh_forward, ref.tanh_backward, torch.tanh)


@pytest.mark.torch
@pytest.mark.parametrize("alpha", [0.01, 0.2])
def test_leaky_relu(alpha):
    _check_elementwise(ref.leaky_relu_forward, ref.leaky_relu_backward,
                       lambda t: F.leaky_relu(t, negative_slope=alpha), alpha=alpha)


@pytest.mark.torch
@pytest.mark.parametrize("alpha", [1.0, 0.7, 1.5])
def test_elu(alpha):
    _check_elementwise(ref.elu_forward, ref.elu_backward, lambda t: F.elu(t, alpha=alpha), alpha=alpha)


@pytest.mark.torch
def test_selu():
    _check_elementwise(ref.selu_forward, ref.selu_backward, F.selu)


@pytest.mark.torch
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate):
    _check_elementwise(ref.gelu_forward, ref.gelu_backward, lambda t: F.gelu(t, approximate=approximate),
                       approximate=approximate)


@pytest.mark.torch
def test_gelu_forms_differ():
    """The exact and tanh forms differ by far more than the hidden tests' tolerance (1e-6)."""
    x = _x(0)
    exact, tanh = ref.gelu_forward(x)[0], ref.gelu_forward(x, approximate="tanh")[0]
    assert np.max(np.abs(exact - tanh) / (np.abs(exact) + np.abs(tanh))) > 1e-4


@pytest.mark.torch
def test_silu_is_swish_beta_1():
    _check_elementwise(ref.swish_forward, ref.swish_backward, F.silu)


@pytest.mark.torch
@pytest.mark.parametrize("beta", [1.7, 0.6])
def test_swish(beta):
    _check_elementwise(ref.swish_forward, ref.swish_backward, lambda t: t * torch.sigmoid(beta * t), beta=beta)


@pytest.mark.torch
@pytest.mark.parametrize("per_feature", [True, False])
def test_prelu(per_feature):
    for seed in range(3):
        x = _x(seed)
        dout = np.random.default_rng(60 + seed).standard_normal(x.shape)
        alpha = np.random.default_rng(seed).uniform(0.05, 0.6, x.shape[1]) if per_feature else 0.25
        out, cache = ref.prelu_forward(x, alpha)
        dx, dalpha = ref.prelu_backward(dout, cache)
        xt = torch.tensor(x, requires_grad=True)
        at = torch.tensor(np.atleast_1d(alpha), requires_grad=True)
        yt = F.prelu(xt, at)
        yt.backward(torch.tensor(dout))
        np.testing.assert_allclose(out, yt.detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=RTOL, atol=ATOL)
        assert np.shape(dalpha) == np.shape(alpha)
        np.testing.assert_allclose(np.atleast_1d(dalpha), at.grad.numpy(), rtol=RTOL, atol=ATOL)


def _gated(name, torch_fn):
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((6, 5))
        W, V = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
        b, c = rng.standard_normal(4), rng.standard_normal(4)
        dout = rng.standard_normal((6, 4))
        out, cache = getattr(ref, name + "_forward")(x, W, b, V, c)
        grads = getattr(ref, name + "_backward")(dout, cache)
        ts = [torch.tensor(a, requires_grad=True) for a in (x, W, b, V, c)]
        xt, Wt, bt, Vt, ct = ts
        yt = torch_fn(xt @ Wt + bt, xt @ Vt + ct)
        yt.backward(torch.tensor(dout))
        np.testing.assert_allclose(out, yt.detach().numpy(), rtol=RTOL, atol=ATOL)
        for g, t in zip(grads, ts):
            assert g.shape == t.shape
            np.testing.assert_allclose(g, t.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.torch
def test_glu():
    # F.glu(cat([a, b], -1)) = a * sigmoid(b)
    _gated("glu", lambda a, z: F.glu(torch.cat([a, z], dim=-1), dim=-1))


@pytest.mark.torch
def test_swiglu():
    _gated("swiglu", lambda a, v: F.silu(a) * v)


@pytest.mark.torch
def test_geglu():
    _gated("geglu", lambda a, v: F.gelu(a) * v)
