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

### BEGIN SOLUTION
def _sigmoid(z):
    # exp of a non-positive number only, so no overflow for large |z|
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
_GELU_C = 0.044715
_ERF_UFUNC = np.frompyfunc(math.erf, 1, 1)


def _erf(z):
    # math.erf elementwise (no scipy import: it costs the grader ~0.3 s); float64 out, any shape
    return np.asarray(_ERF_UFUNC(z), dtype=np.float64)
### END SOLUTION


def tanh_forward(x):
    """Hyperbolic tangent.

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: tanh(x), same shape as x
    - cache: for tanh_backward
    """
    ### BEGIN SOLUTION
    out = np.tanh(x)
    return out, out
    ### END SOLUTION


def tanh_backward(dout, cache):
    """Backward pass of tanh: d tanh(x)/dx = 1 - tanh(x)^2.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from tanh_forward

    Returns:
    - dx: same shape as x
    """
    ### BEGIN SOLUTION
    out = cache
    return dout * (1.0 - out ** 2)
    ### END SOLUTION


def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU: x for x > 0, alpha * x otherwise.

    Inputs:
    - x: array of any shape
    - alpha: float, slope for negative inputs

    Returns a tuple of:
    - out: same shape as x
    - cache: for leaky_relu_backward
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)
    ### END SOLUTION


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU (slope alpha for x <= 0, 1 for x > 0).

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from leaky_relu_forward

    Returns:
    - dx: same shape as x
    """
    ### BEGIN SOLUTION
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha)
    g = dout * np.where(x > 0, 0.0, x)
    dalpha = g.sum() if np.ndim(alpha) == 0 else g.sum(axis=0)
    return dx, dalpha
    ### END SOLUTION


def elu_forward(x, alpha=1.0):
    """Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.

    Inputs:
    - x: array of any shape
    - alpha: float, the value -alpha is the limit for x -> -inf

    Returns a tuple of:
    - out: same shape as x
    - cache: for elu_backward
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    return out, (x, alpha)
    ### END SOLUTION


def elu_backward(dout, cache):
    """Backward pass of ELU: 1 for x > 0, alpha * exp(x) otherwise.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from elu_forward

    Returns:
    - dx: same shape as x
    """
    ### BEGIN SOLUTION
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
    ### END SOLUTION


def selu_forward(x):
    """Scaled ELU: SELU_SCALE * elu(x, alpha=SELU_ALPHA) (self-normalizing networks).

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: same shape as x
    - cache: for selu_backward
    """
    ### BEGIN SOLUTION
    out = SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))
    return out, x
    ### END SOLUTION


def selu_backward(dout, cache):
    """Backward pass of SELU.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from selu_forward

    Returns:
    - dx: same shape as x
    """
    ### BEGIN SOLUTION
    x = cache
    local = np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0)))
    return dout * SELU_SCALE * local
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if approximate == "none":
        out = 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))
    elif approximate == "tanh":
        out = 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_C * x ** 3)))
    else:
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return out, (x, approximate)
    ### END SOLUTION


def gelu_backward(dout, cache):
    """Backward pass of GELU, for the form chosen in the forward pass.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from gelu_forward

    Returns:
    - dx: same shape as x
    """
    ### BEGIN SOLUTION
    x, approximate = cache
    if approximate == "none":
        cdf = 0.5 * (1.0 + _erf(x / np.sqrt(2.0)))
        pdf = np.exp(-0.5 * x ** 2) / np.sqrt(2.0 * np.pi)
        local = cdf + x * pdf
    else:
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_C * x ** 3))
        local = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * _SQRT_2_OVER_PI * (1.0 + 3 * _GELU_C * x ** 2)
    return dout * local
    ### END SOLUTION


def swish_forward(x, beta=1.0):
    """Swish: x * sigmoid(beta * x) (SiLU when beta = 1).

    Inputs:
    - x: array of any shape
    - beta: float

    Returns a tuple of:
    - out: same shape as x
    - cache: for swish_backward
    """
    ### BEGIN SOLUTION
    s = _sigmoid(beta * x)
    return x * s, (x, s, beta)
    ### END SOLUTION


def swish_backward(dout, cache):
    """Backward pass of swish: sigmoid(beta x) + beta * x * sigmoid(beta x) * (1 - sigmoid(beta x)).

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from swish_forward

    Returns:
    - dx: same shape as x
    """
    ### BEGIN SOLUTION
    x, s, beta = cache
    return dout * (s + beta * x * s * (1.0 - s))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    a = x @ W + b
    g = _sigmoid(x @ V + c)
    return a * g, (x, W, V, a, g)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, W, V, a, g = cache
    da = dout * g
    dz = dout * a * g * (1.0 - g)  # through the gate's sigmoid
    dx = da @ W.T + dz @ V.T
    return dx, x.T @ da, da.sum(axis=0), x.T @ dz, dz.sum(axis=0)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    a, v = x @ W1 + b1, x @ W2 + b2
    return swish_forward(a)[0] * v, (x, W1, W2, a, v)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, W1, W2, a, v = cache
    s, s_cache = swish_forward(a)  # recomputed rather than cached: a smaller cache
    da = swish_backward(dout * v, s_cache)
    dv = dout * s
    dx = da @ W1.T + dv @ W2.T
    return dx, x.T @ da, da.sum(axis=0), x.T @ dv, dv.sum(axis=0)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    a, v = x @ W1 + b1, x @ W2 + b2
    return gelu_forward(a)[0] * v, (x, W1, W2, a, v)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, W1, W2, a, v = cache
    h, h_cache = gelu_forward(a)  # recomputed rather than cached: a smaller cache
    da = gelu_backward(dout * v, h_cache)
    dv = dout * h
    dx = da @ W1.T + dv @ W2.T
    return dx, x.T @ da, da.sum(axis=0), x.T @ dv, dv.sum(axis=0)
    ### END SOLUTION
