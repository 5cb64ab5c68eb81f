"""Weight initialization (가중치 초기화): fans, gains, LeCun / Xavier (Glorot) / He (Kaiming) schemes.

Conventions shared by every function in this module:

- Weight shapes: a dense layer's weight is 2-D, ``(fan_in, fan_out)``, the way ``affine_forward``
  uses it (``out = x @ W + b``); a convolution kernel is 4-D,
  ``(out_channels, in_channels, kh, kw)``, with ``fan_in = in_channels * kh * kw`` and
  ``fan_out = out_channels * kh * kw``. Any other rank is a ``ValueError``.
- ``shape`` is a tuple of ints; every initializer returns a float64 array of exactly that shape.
- Randomness comes only from the ``rng`` argument (a ``numpy.random.Generator``); any valid way of
  drawing from it is fine (``rng.normal(0, std, shape)`` or ``std * rng.standard_normal(shape)``,
  ``rng.uniform(-a, a, shape)`` or ``a * (2 * rng.random(shape) - 1)``).
- "std" is the standard deviation of the distribution the entries are drawn from; for U(-a, a)
  it is a / sqrt(3).
"""

import math

import numpy as np


def compute_fans(shape):
    """Fan-in and fan-out of a weight of the given shape.

    Inputs:
    - shape: tuple, (fan_in, fan_out) for a dense weight or (out_channels, in_channels, kh, kw) for a
      convolution kernel

    Returns a tuple of:
    - fan_in: int
    - fan_out: int

    Raises ValueError for any other number of dimensions.
    """
    raise NotImplementedError("compute_fans: replace this line with your code")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain.

    linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid: 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu: sqrt(2 / (1 + negative_slope^2)) with negative_slope = param (0.01 when None);
    selu: 3/4.

    Inputs:
    - nonlinearity: str, the name of the nonlinearity
    - param: optional float, the negative slope for "leaky_relu"

    Returns:
    - gain: float

    Raises ValueError for any other nonlinearity (or a leaky_relu param that is not a number).
    """
    raise NotImplementedError("calculate_gain: replace this line with your code")


def zeros_init(shape):
    """All-zero weights (this never breaks the symmetry between units).

    Inputs:
    - shape: tuple of ints

    Returns:
    - W: float64 array of zeros of the given shape
    """
    raise NotImplementedError("zeros_init: replace this line with your code")


def normal_init(shape, std, rng):
    """Weights drawn i.i.d. from N(0, std^2) (the lecture's "small random numbers" with std = 0.01).

    Inputs:
    - shape: tuple of ints
    - std: float, the standard deviation
    - rng: numpy.random.Generator

    Returns:
    - W: float64 array of the given shape
    """
    raise NotImplementedError("normal_init: replace this line with your code")


def lecun_normal(shape, rng):
    """LeCun normal: N(0, std^2) with std = sqrt(1 / fan_in).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator

    Returns:
    - W: float64 array of the given shape
    """
    raise NotImplementedError("lecun_normal: replace this line with your code")


def xavier_normal(shape, rng, gain=1.0):
    """Xavier (Glorot) normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator
    - gain: float, e.g. calculate_gain("tanh")

    Returns:
    - W: float64 array of the given shape
    """
    raise NotImplementedError("xavier_normal: replace this line with your code")


def xavier_uniform(shape, rng, gain=1.0):
    """Xavier (Glorot) uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator
    - gain: float

    Returns:
    - W: float64 array of the given shape
    """
    raise NotImplementedError("xavier_uniform: replace this line with your code")


def he_normal(shape, rng):
    """He (Kaiming) normal for ReLU: N(0, std^2) with std = sqrt(2 / fan_in).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator

    Returns:
    - W: float64 array of the given shape
    """
    raise NotImplementedError("he_normal: replace this line with your code")


def he_uniform(shape, rng):
    """He (Kaiming) uniform for ReLU: U(-a, a) with a = sqrt(6 / fan_in) (so std = sqrt(2 / fan_in)).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator

    Returns:
    - W: float64 array of the given shape
    """
    raise NotImplementedError("he_uniform: replace this line with your code")


def layer_activation_stats(init, activation, *, depth, width, batch_size, rng):
    """Push a random batch through a deep stack of layers; record each layer's output statistics.

    Draw order (fixed, so that results are exactly comparable): first
    X = rng.standard_normal((batch_size, width)); then for each layer l = 0, ..., depth - 1, in order,
    W = init((width, width), rng) and h = activation(h @ W) (no bias), starting from h = X.

    Inputs:
    - init: callable init(shape, rng) -> W, e.g. he_normal
    - activation: "tanh", "relu", "sigmoid" or "linear" (identity)
    - depth: int, number of layers
    - width: int, units per layer (and input dimension)
    - batch_size: int
    - rng: numpy.random.Generator

    Returns:
    - stats: array of shape (depth, 2); stats[l] = (mean, std) of layer l's output over all its
      batch_size * width entries (population std, i.e. np.std with ddof=0)
    """
    raise NotImplementedError("layer_activation_stats: replace this line with your code")
