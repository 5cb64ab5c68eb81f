"""Activation functions (활성화 함수), their derivatives, and the GLU family.

Conventions shared by every function in this module:

- Inputs are float64 NumPy arrays. Elementwise activations accept any shape; the GLU-family layers
  take ``x`` of shape (N, D) (batch-first) with weights ``W`` of shape (D, M) and biases of shape (M,).
- ``<name>_forward(x, ...)`` returns ``(out, cache)``: ``out`` has the shape of the result and
  ``cache`` is whatever the matching backward needs (its structure is up to you: only your own
  ``<name>_backward`` reads it).
- ``<name>_backward(dout, cache)`` receives the upstream gradient ``dout`` (same shape as ``out``)
  and returns the gradient with respect to each differentiable input of the forward, in the
  forward's argument order: a single array ``dx`` (same shape as ``x``) unless stated otherwise.
  Every gradient has exactly the shape of its input.
- At a kink (x = 0 for the ReLU family) use the derivative of the ``x <= 0`` branch.
- No function modifies its inputs.
"""

import math

import numpy as np

SELU_SCALE = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772


def tanh_forward(x):
    """Hyperbolic tangent.

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: tanh(x), same shape as x
    - cache: for tanh_backward
    """
    raise NotImplementedError("tanh_forward: replace this line with your code")


def tanh_backward(dout, cache):
    """Backward pass of tanh: d tanh(x)/dx = 1 - tanh(x)^2.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from tanh_forward

    Returns:
    - dx: same shape as x
    """
    raise NotImplementedError("tanh_backward: replace this line with your code")


def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU: x for x > 0, alpha * x otherwise.

    Inputs:
    - x: array of any shape
    - alpha: float, slope for negative inputs

    Returns a tuple of:
    - out: same shape as x
    - cache: for leaky_relu_backward
    """
    raise NotImplementedError("leaky_relu_forward: replace this line with your code")


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU (slope alpha for x <= 0, 1 for x > 0).

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from leaky_relu_forward

    Returns:
    - dx: same shape as x
    """
    raise NotImplementedError("leaky_relu_backward: replace this line with your code")


def prelu_forward(x, alpha):
    """Parametric ReLU: like leaky ReLU, but the slope alpha is a learned parameter.

    Inputs:
    - x: array of shape (N, D)
    - alpha: a scalar (one slope shared by all features) or an array of shape (D,) (one slope per
      feature, broadcast over the batch)

    Returns a tuple of:
    - out: shape (N, D), x where x > 0 and alpha * x elsewhere
    - cache: for prelu_backward
    """
    raise NotImplementedError("prelu_forward: replace this line with your code")


def prelu_backward(dout, cache):
    """Backward pass of PReLU.

    Inputs:
    - dout: upstream gradient, shape (N, D)
    - cache: from prelu_forward

    Returns a tuple of:
    - dx: shape (N, D)
    - dalpha: the shape of alpha: a scalar (float or 0-d array) for a scalar alpha, shape (D,) for a
      per-feature alpha (every sample in the batch contributes to each slope)
    """
    raise NotImplementedError("prelu_backward: replace this line with your code")


def elu_forward(x, alpha=1.0):
    """Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.

    Inputs:
    - x: array of any shape
    - alpha: float, the value -alpha is the limit for x -> -inf

    Returns a tuple of:
    - out: same shape as x
    - cache: for elu_backward
    """
    raise NotImplementedError("elu_forward: replace this line with your code")


def elu_backward(dout, cache):
    """Backward pass of ELU: 1 for x > 0, alpha * exp(x) otherwise.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from elu_forward

    Returns:
    - dx: same shape as x
    """
    raise NotImplementedError("elu_backward: replace this line with your code")


def selu_forward(x):
    """Scaled ELU: SELU_SCALE * elu(x, alpha=SELU_ALPHA) (self-normalizing networks).

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: same shape as x
    - cache: for selu_backward
    """
    raise NotImplementedError("selu_forward: replace this line with your code")


def selu_backward(dout, cache):
    """Backward pass of SELU.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from selu_forward

    Returns:
    - dx: same shape as x
    """
    raise NotImplementedError("selu_backward: replace this line with your code")


def gelu_forward(x, approximate="none"):
    """Gaussian error linear unit, as torch.nn.functional.gelu defines it.

    approximate="none":  x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2)))
    approximate="tanh":  0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))

    Inputs:
    - x: array of any shape
    - approximate: "none" (exact) or "tanh"

    Returns a tuple of:
    - out: same shape as x
    - cache: for gelu_backward
    """
    raise NotImplementedError("gelu_forward: replace this line with your code")


def gelu_backward(dout, cache):
    """Backward pass of GELU, for the form chosen in the forward pass.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from gelu_forward

    Returns:
    - dx: same shape as x
    """
    raise NotImplementedError("gelu_backward: replace this line with your code")


def swish_forward(x, beta=1.0):
    """Swish: x * sigmoid(beta * x) (SiLU when beta = 1).

    Inputs:
    - x: array of any shape
    - beta: float

    Returns a tuple of:
    - out: same shape as x
    - cache: for swish_backward
    """
    raise NotImplementedError("swish_forward: replace this line with your code")


def swish_backward(dout, cache):
    """Backward pass of swish: sigmoid(beta x) + beta * x * sigmoid(beta x) * (1 - sigmoid(beta x)).

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from swish_forward

    Returns:
    - dx: same shape as x
    """
    raise NotImplementedError("swish_backward: replace this line with your code")


def glu_forward(x, W, b, V, c):
    """Gated linear unit: (x W + b) * sigmoid(x V + c).

    Inputs:
    - x: shape (N, D)
    - W, V: shape (D, M)
    - b, c: shape (M,)

    Returns a tuple of:
    - out: shape (N, M)
    - cache: for glu_backward
    """
    raise NotImplementedError("glu_forward: replace this line with your code")


def glu_backward(dout, cache):
    """Backward pass of the GLU layer.

    Inputs:
    - dout: upstream gradient, shape (N, M)
    - cache: from glu_forward

    Returns a tuple of:
    - dx: shape (N, D)
    - dW: shape (D, M)
    - db: shape (M,)
    - dV: shape (D, M)
    - dc: shape (M,)
    """
    raise NotImplementedError("glu_backward: replace this line with your code")


def swiglu_forward(x, W1, b1, W2, b2):
    """SwiGLU: swish(x W1 + b1) * (x W2 + b2), with swish's beta = 1 (SiLU).

    Inputs:
    - x: shape (N, D)
    - W1, W2: shape (D, M)
    - b1, b2: shape (M,)

    Returns a tuple of:
    - out: shape (N, M)
    - cache: for swiglu_backward
    """
    raise NotImplementedError("swiglu_forward: replace this line with your code")


def swiglu_backward(dout, cache):
    """Backward pass of SwiGLU.

    Inputs:
    - dout: upstream gradient, shape (N, M)
    - cache: from swiglu_forward

    Returns a tuple of:
    - dx: shape (N, D)
    - dW1: shape (D, M)
    - db1: shape (M,)
    - dW2: shape (D, M)
    - db2: shape (M,)
    """
    raise NotImplementedError("swiglu_backward: replace this line with your code")


def geglu_forward(x, W1, b1, W2, b2):
    """GEGLU: gelu(x W1 + b1) * (x W2 + b2), with the exact GELU (approximate="none").

    Inputs:
    - x: shape (N, D)
    - W1, W2: shape (D, M)
    - b1, b2: shape (M,)

    Returns a tuple of:
    - out: shape (N, M)
    - cache: for geglu_backward
    """
    raise NotImplementedError("geglu_forward: replace this line with your code")


def geglu_backward(dout, cache):
    """Backward pass of GEGLU.

    Inputs:
    - dout: upstream gradient, shape (N, M)
    - cache: from geglu_forward

    Returns a tuple of:
    - dx: shape (N, D)
    - dW1: shape (D, M)
    - db1: shape (M,)
    - dW2: shape (D, M)
    - db2: shape (M,)
    """
    raise NotImplementedError("geglu_backward: replace this line with your code")
