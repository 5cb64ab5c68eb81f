"""Backpropagation by hand: layers, computational-graph gates and a two-layer network.

Conventions shared by every function in this module:

- Arrays are batch-first float64: ``x`` has shape ``(N, D)`` (N examples, D features), an affine
  layer's weights ``W`` have shape ``(D, M)`` and its bias ``b`` shape ``(M,)``.
- A layer is a pair ``<name>_forward(...) -> (out, cache)`` and ``<name>_backward(dout, cache)``.
  ``dout`` is the upstream gradient dL/d(out), of the same shape as ``out``; the backward returns
  the gradient of the loss with respect to each differentiable input of the forward, in the
  forward's argument order (a tuple, or a single array when there is one input), each of exactly
  that input's shape. ``cache`` is whatever the forward wants to keep for its backward; only your
  own backward reads it.
- Losses return ``(loss, dscores)`` with ``loss`` averaged over the N examples (a Python float or a
  0-d array).
- L2 regularization adds ``0.5 * reg * sum(W**2)`` for each weight matrix (W1 and W2, never the
  biases); its gradient is ``reg * W``.
- A two-layer network's parameters are a dict ``params`` with ``"W1" (D, H)``, ``"b1" (H,)``,
  ``"W2" (H, C)`` and ``"b2" (C,)``; its gradients are a dict with the same keys and shapes.
- No function modifies its input arrays or dicts, and randomness comes only from the ``rng``
  (a ``numpy.random.Generator``) passed in.
"""

import numpy as np


def affine_forward(x, W, b):
    """Affine (fully connected) layer: out = x W + b.

    Inputs:
    - x: array of shape (N, D)
    - W: weights of shape (D, M)
    - b: bias of shape (M,)

    Returns a tuple of:
    - out: array of shape (N, M)
    - cache: what affine_backward needs
    """
    raise NotImplementedError("affine_forward: replace this line with your code")


def affine_backward(dout, cache):
    """Backward pass of the affine layer.

    Inputs:
    - dout: upstream gradient of shape (N, M)
    - cache: from affine_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dW: gradient with respect to W, shape (D, M)
    - db: gradient with respect to b, shape (M,)
    """
    raise NotImplementedError("affine_backward: replace this line with your code")


def sigmoid_forward(x):
    """Elementwise sigmoid, 1 / (1 + exp(-x)).

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: array of the same shape as x, values in (0, 1)
    - cache: what sigmoid_backward needs
    """
    raise NotImplementedError("sigmoid_forward: replace this line with your code")


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid: the local gradient is y (1 - y) with y the forward's output.

    Inputs:
    - dout: upstream gradient, same shape as the forward's x
    - cache: from sigmoid_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    raise NotImplementedError("sigmoid_backward: replace this line with your code")


def relu_forward(x):
    """Elementwise ReLU, max(0, x).

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: array of the same shape as x
    - cache: what relu_backward needs
    """
    raise NotImplementedError("relu_forward: replace this line with your code")


def relu_backward(dout, cache):
    """Backward pass of the ReLU: the gradient passes where x > 0 and is 0 elsewhere (also at x = 0).

    Inputs:
    - dout: upstream gradient, same shape as the forward's x
    - cache: from relu_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    raise NotImplementedError("relu_backward: replace this line with your code")


def add_gate_backward(dout):
    """Backward pass of z = x + y: the add gate distributes the upstream gradient.

    Inputs:
    - dout: upstream gradient dL/dz, a number or an array

    Returns a tuple of:
    - dx, dy: gradients with respect to x and y, each of dout's shape
    """
    raise NotImplementedError("add_gate_backward: replace this line with your code")


def mul_gate_backward(x, y, dout):
    """Backward pass of z = x * y (elementwise): the mul gate swaps its inputs.

    Inputs:
    - x, y: the forward's inputs, numbers or arrays of the same shape
    - dout: upstream gradient dL/dz, same shape as x

    Returns a tuple of:
    - dx: dout * y
    - dy: dout * x
    """
    raise NotImplementedError("mul_gate_backward: replace this line with your code")


def max_gate_backward(x, y, dout):
    """Backward pass of z = max(x, y) (elementwise): the max gate routes the gradient to the winner.

    Where x == y the whole gradient goes to x.

    Inputs:
    - x, y: the forward's inputs, numbers or arrays of the same shape
    - dout: upstream gradient dL/dz, same shape as x

    Returns a tuple of:
    - dx: dout where x >= y, else 0
    - dy: dout where y > x, else 0
    """
    raise NotImplementedError("max_gate_backward: replace this line with your code")


def copy_gate_backward(dout1, dout2):
    """Backward pass of a copy (fan-out) node x -> (x, x): the copy gate sums the branch gradients.

    Inputs:
    - dout1, dout2: upstream gradients of the two copies, numbers or arrays of the same shape

    Returns:
    - dx: dout1 + dout2
    """
    raise NotImplementedError("copy_gate_backward: replace this line with your code")


def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    """Initial parameters of the network affine - activation - affine.

    Weights are weight_scale times standard normal draws from rng; biases are zero.

    Inputs:
    - input_dim: D, hidden_dim: H, output_dim: C (integers)
    - rng: numpy.random.Generator
    - weight_scale: standard deviation of the weights

    Returns:
    - params: dict with "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,)
    """
    raise NotImplementedError("two_layer_init: replace this line with your code")


def two_layer_forward(X, params, hidden_activation="relu"):
    """Forward pass of affine - activation - affine.

    Inputs:
    - X: array of shape (N, D)
    - params: dict with "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,)
    - hidden_activation: "relu" or "sigmoid"

    Returns a tuple of:
    - scores: array of shape (N, C)
    - cache: what two_layer_backward needs
    """
    raise NotImplementedError("two_layer_forward: replace this line with your code")


def two_layer_backward(dscores, cache):
    """Backward pass of the two-layer network (no loss, no regularization).

    Inputs:
    - dscores: upstream gradient of shape (N, C)
    - cache: from two_layer_forward

    Returns:
    - grads: dict with "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,)
    """
    raise NotImplementedError("two_layer_backward: replace this line with your code")


def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    """Loss and gradients of the two-layer network, with L2 regularization on W1 and W2.

    loss="softmax": mean softmax cross-entropy of the scores; y holds integer labels, shape (N,).
    loss="mse_sigmoid": o = sigmoid(scores) against targets y of shape (N, C),
    E = 0.5 * sum((o - y)**2) / N.
    Both add 0.5 * reg * (sum(W1**2) + sum(W2**2)).

    Inputs:
    - X: array of shape (N, D)
    - y: labels (N,) or targets (N, C), see above
    - params: dict with "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,)
    - hidden_activation: "relu" or "sigmoid"
    - loss: "softmax" or "mse_sigmoid"
    - reg: L2 regularization strength

    Returns a tuple of:
    - loss: scalar
    - grads: dict with the same keys and shapes as params
    """
    raise NotImplementedError("two_layer_loss: replace this line with your code")


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function by centred differences, (f(x + h e_i) - f(x - h e_i)) / (2h).

    Inputs:
    - f: function taking an array of x's shape and returning a number
    - x: array of any shape, the point at which to differentiate
    - h: step size

    Returns:
    - grad: array of x's shape; x itself is left as it was found
    """
    raise NotImplementedError("numerical_gradient: replace this line with your code")


def relative_error(a, b):
    """Worst elementwise relative error, max(|a - b| / maximum(1e-8, |a| + |b|)).

    Inputs:
    - a, b: arrays (or numbers) of the same shape

    Returns:
    - a Python float
    """
    raise NotImplementedError("relative_error: replace this line with your code")


def predict(X, params, hidden_activation="relu"):
    """Predicted class of each example: the argmax of the network's scores.

    Inputs:
    - X: array of shape (N, D)
    - params: dict with "W1", "b1", "W2", "b2"
    - hidden_activation: "relu" or "sigmoid"

    Returns:
    - labels: integer array of shape (N,)
    """
    raise NotImplementedError("predict: replace this line with your code")


def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    """Train a two-layer network with mini-batch SGD on the softmax loss plus L2.

    Parameters start from two_layer_init(D, hidden_dim, C, rng) with C = max(y) + 1. Each epoch
    visits the examples in a new random order (from rng) in mini-batches of batch_size.

    Inputs:
    - X: array of shape (N, D)
    - y: integer labels of shape (N,), values 0 .. C-1
    - hidden_dim, lr, epochs, batch_size, reg: hyperparameters
    - rng: numpy.random.Generator
    - hidden_activation: "relu" or "sigmoid"

    Returns a tuple of:
    - params: the trained parameters (dict as from two_layer_init)
    - history: dict with "loss" and "train_acc", lists with one entry per epoch: the full training
      set's loss (as two_layer_loss computes it, L2 term included) and accuracy after that epoch
    """
    raise NotImplementedError("train_two_layer: replace this line with your code")
