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
    ### BEGIN SOLUTION
    shape = tuple(shape)
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    if len(shape) == 4:
        receptive = shape[2] * shape[3]
        return int(shape[1] * receptive), int(shape[0] * receptive)
    raise ValueError(f"expected a 2-D or 4-D weight shape, got {len(shape)} dimensions")
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity}")
    ### END SOLUTION


def zeros_init(shape):
    """All-zero weights (this never breaks the symmetry between units).

    Inputs:
    - shape: tuple of ints

    Returns:
    - W: float64 array of zeros of the given shape
    """
    ### BEGIN SOLUTION
    return np.zeros(shape, dtype=np.float64)
    ### END SOLUTION


def normal_init(shape, std, rng):
    """Weights drawn i.i.d. from N(0, std^2) (the lecture's "small random numbers" with std = 0.01).

    Inputs:
    - shape: tuple of ints
    - std: float, the standard deviation
    - rng: numpy.random.Generator

    Returns:
    - W: float64 array of the given shape
    """
    ### BEGIN SOLUTION
    return std * rng.standard_normal(shape)
    ### END SOLUTION


def lecun_normal(shape, rng):
    """LeCun normal: N(0, std^2) with std = sqrt(1 / fan_in).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator

    Returns:
    - W: float64 array of the given shape
    """
    ### BEGIN SOLUTION
    fan_in, _ = compute_fans(shape)
    return math.sqrt(1.0 / fan_in) * rng.standard_normal(shape)
    ### END SOLUTION


def xavier_normal(shape, rng, gain=1.0):
    """Xavier (Glorot) normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator
    - gain: float, e.g. calculate_gain("tanh")

    Returns:
    - W: float64 array of the given shape
    """
    ### BEGIN SOLUTION
    fan_in, fan_out = compute_fans(shape)
    return gain * math.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal(shape)
    ### END SOLUTION


def xavier_uniform(shape, rng, gain=1.0):
    """Xavier (Glorot) uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator
    - gain: float

    Returns:
    - W: float64 array of the given shape
    """
    ### BEGIN SOLUTION
    fan_in, fan_out = compute_fans(shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)
    ### END SOLUTION


def he_normal(shape, rng):
    """He (Kaiming) normal for ReLU: N(0, std^2) with std = sqrt(2 / fan_in).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator

    Returns:
    - W: float64 array of the given shape
    """
    ### BEGIN SOLUTION
    fan_in, _ = compute_fans(shape)
    return math.sqrt(2.0 / fan_in) * rng.standard_normal(shape)
    ### END SOLUTION


def he_uniform(shape, rng):
    """He (Kaiming) uniform for ReLU: U(-a, a) with a = sqrt(6 / fan_in) (so std = sqrt(2 / fan_in)).

    Inputs:
    - shape: 2-D or 4-D weight shape
    - rng: numpy.random.Generator

    Returns:
    - W: float64 array of the given shape
    """
    ### BEGIN SOLUTION
    fan_in, _ = compute_fans(shape)
    a = math.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=shape)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "linear": lambda z: z}
    if activation not in acts:
        raise ValueError(f"unknown activation {activation!r}")
    h = rng.standard_normal((batch_size, width))
    stats = np.empty((depth, 2))
    for layer in range(depth):
        h = acts[activation](h @ init((width, width), rng))
        stats[layer] = h.mean(), h.std()
    return stats
    ### END SOLUTION
