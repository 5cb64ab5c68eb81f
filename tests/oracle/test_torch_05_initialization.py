"""The 05_initialization reference against torch.nn.init.

PyTorch stores a dense weight as (out_features, in_features), the transpose of this course's
(fan_in, fan_out); convolution kernels have the same layout in both.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from grader.loading import REF_PREFIX, import_path

torch = pytest.importorskip("torch")
init = torch.nn.init
ref = import_path(Path(__file__).parents[2] / "solutions/05_initialization/initialization.py", REF_PREFIX)

SHAPES = [(600, 150), (64, 32, 3, 5), (16, 3, 7, 7)]


def _torch_shape(shape):
    return tuple(reversed(shape)) if len(shape) == 2 else shape


@pytest.mark.torch
@pytest.mark.parametrize("shape", SHAPES + [(1, 9), (8, 10, 1, 1)])
def test_compute_fans(shape):
    t = torch.empty(_torch_shape(shape), dtype=torch.float64)
    assert ref.compute_fans(shape) == init._calculate_fan_in_and_fan_out(t)


@pytest.mark.torch
@pytest.mark.parametrize("args", [("linear",), ("sigmoid",), ("tanh",), ("relu",), ("selu",), ("conv2d",),
                                  ("conv_transpose3d",), ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 0)])
def test_calculate_gain(args):
    assert ref.calculate_gain(*args) == pytest.approx(init.calculate_gain(*args), rel=1e-15)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["gelu", "softmax"])
def test_calculate_gain_unknown(name):
    with pytest.raises(ValueError):
        init.calculate_gain(name)
    with pytest.raises(ValueError):
        ref.calculate_gain(name)


def _torch_draw(fill, shape, seed):
    torch.manual_seed(seed)
    t = torch.empty(_torch_shape(shape), dtype=torch.float64)
    fill(t)
    return t.numpy()


PAIRS = [
    ("lecun_normal", {}, lambda t: init.kaiming_normal_(t, nonlinearity="linear")),
    ("xavier_normal", {}, init.xavier_normal_),
    ("xavier_normal", {"gain": 5 / 3}, lambda t: init.xavier_normal_(t, gain=5 / 3)),
    ("xavier_uniform", {}, init.xavier_uniform_),
    ("xavier_uniform", {"gain": 0.6}, lambda t: init.xavier_uniform_(t, gain=0.6)),
    ("he_normal", {}, lambda t: init.kaiming_normal_(t, nonlinearity="relu")),
    ("he_uniform", {}, lambda t: init.kaiming_uniform_(t, nonlinearity="relu")),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,kw,fill", PAIRS, ids=[f"{p[0]}{'-gain' if p[1] else ''}" for p in PAIRS])
@pytest.mark.parametrize("shape", SHAPES)
def test_initializer_distribution_matches_torch(name, kw, fill, shape):
    """Same distribution: std within sampling error; for uniform ones the same bound."""
    ours = getattr(ref, name)(shape, np.random.default_rng(0), **kw)
    theirs = _torch_draw(fill, shape, 0)
    assert ours.shape == shape
    n = ours.size
    assert abs(ours.std() / theirs.std() - 1) < 7 * math.sqrt(2.0 / n)
    if "uniform" in name:
        assert abs(np.abs(ours).max() / np.abs(theirs).max() - 1) < 1e-3
    else:
        assert abs(np.mean(np.abs(ours) < ours.std()) - np.mean(np.abs(theirs) < theirs.std())) < 0.03


@pytest.mark.torch
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_layer_activation_stats_matches_torch_forward(activation):
    """Recompute the experiment in torch from the same X and weights."""
    weights = []

    def recording_init(shape, rng):
        weights.append(ref.xavier_normal(shape, rng))
        return weights[-1]

    stats = ref.layer_activation_stats(recording_init, activation, depth=6, width=40, batch_size=30,
                                       rng=np.random.default_rng(3))
    h = torch.tensor(np.random.default_rng(3).standard_normal((30, 40)))
    act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, "linear": lambda z: z}[activation]
    assert stats.shape == (6, 2)
    for layer, W in enumerate(weights):
        h = act(h @ torch.tensor(W))
        np.testing.assert_allclose(stats[layer], [h.mean().item(), h.std(correction=0).item()], rtol=1e-10)
