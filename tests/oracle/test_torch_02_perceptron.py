"""The 02_perceptron reference against PyTorch: torch.heaviside(z, 0) is the step with step(0) = 0."""

from pathlib import Path

import numpy as np
import pytest

from grader.loading import REF_PREFIX, import_path

torch = pytest.importorskip("torch")

ref = import_path(Path(__file__).parents[2] / "solutions/02_perceptron/perceptron.py", REF_PREFIX)
pytestmark = pytest.mark.torch

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TRUTH = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}


def t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def heaviside(z):
    return torch.heaviside(z, torch.zeros((), dtype=torch.float64))


def test_step_matches_torch_heaviside():
    z = np.concatenate([np.random.default_rng(0).standard_normal(20), [0.0, -0.0, 1e-300, -1e-300]])
    np.testing.assert_array_equal(ref.step(z), heaviside(t(z)).numpy())


def test_perceptron_matches_torch_linear_layer():
    rng = np.random.default_rng(1)
    X, w, b = rng.standard_normal((12, 3)), rng.standard_normal(3), 0.4
    layer = torch.nn.Linear(3, 1, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(t(w)[None, :])
        layer.bias.fill_(b)
        expected = heaviside(layer(t(X))[:, 0]).numpy()
    np.testing.assert_array_equal(ref.perceptron(X, w, b), expected)
    np.testing.assert_array_equal(ref.perceptron(X[3], w, b), expected[3])


def test_gates_and_xor_mlp_match_torch_network():
    for name, table in TRUTH.items():
        w, b = ref.gate_params(name)
        np.testing.assert_array_equal(heaviside(t(X4) @ t(w) + b).numpy(), table)
    W1, b1, W2, b2 = ref.xor_mlp_params()
    net = torch.nn.Sequential(torch.nn.Linear(2, 2, dtype=torch.float64), torch.nn.Linear(2, 1, dtype=torch.float64))
    with torch.no_grad():
        net[0].weight.copy_(t(W1).T)  # torch stores (out_features, in_features)
        net[0].bias.copy_(t(b1))
        net[1].weight.copy_(t(W2)[None, :])
        net[1].bias.fill_(b2)
        out = heaviside(net[1](heaviside(net[0](t(X4))))[:, 0]).numpy()
    np.testing.assert_array_equal(out, [0, 1, 1, 0])
    np.testing.assert_array_equal(ref.xor(X4[:, 0], X4[:, 1]), out)


def test_perceptron_train_matches_torch_loop():
    rng = np.random.default_rng(2)
    X = rng.uniform(-2, 2, (40, 2))
    y = (X @ np.array([1.0, -2.0]) + 0.3 > 0).astype(np.int64)
    w, b, errors = ref.perceptron_train(X, y, lr=0.5, epochs=200)
    tw, tb, terrors = torch.zeros(2, dtype=torch.float64), torch.zeros((), dtype=torch.float64), []
    for _ in range(200):
        mistakes = 0
        for xi, yi in zip(t(X), torch.tensor(y, dtype=torch.float64)):
            delta = yi - heaviside(xi @ tw + tb)
            if delta != 0:
                tw, tb, mistakes = tw + 0.5 * delta * xi, tb + 0.5 * delta, mistakes + 1
        terrors.append(mistakes)
        if mistakes == 0:
            break
    assert errors == terrors
    np.testing.assert_allclose(w, tw.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b, tb.item(), rtol=1e-12)


def test_decision_boundary_points_give_zero_torch_logit():
    w, b = np.array([0.7, -1.3]), 0.2
    x1 = np.linspace(-3, 3, 7)
    x2 = ref.decision_boundary(w, b, x1)
    logits = torch.stack([t(x1), t(x2)], dim=1) @ t(w) + b
    np.testing.assert_allclose(logits.numpy(), 0.0, atol=1e-12)
