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


### BEGIN SOLUTION
def _sigmoid(z):
    """Stable logistic function: exp is only ever taken of non-positive numbers."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax_loss(scores, y):
    """Mean softmax cross-entropy of integer labels y (N,) and its gradient (p - onehot) / N."""
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1.0
    return loss, dscores / n


def _mse_sigmoid_loss(scores, t):
    """E = 0.5 * sum((o - t)**2) / N with o = sigmoid(scores); dE/dscores = (o - t) o (1 - o) / N."""
    n = scores.shape[0]
    o = _sigmoid(scores)
    loss = 0.5 * np.sum((o - t) ** 2) / n
    return loss, (o - t) * o * (1.0 - o) / n
### END SOLUTION


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
    ### BEGIN SOLUTION
    out = x @ W + b
    return out, (x, W)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
    ### END SOLUTION


def sigmoid_forward(x):
    """Elementwise sigmoid, 1 / (1 + exp(-x)).

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: array of the same shape as x, values in (0, 1)
    - cache: what sigmoid_backward needs
    """
    ### BEGIN SOLUTION
    out = _sigmoid(x)
    return out, out
    ### END SOLUTION


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid: the local gradient is y (1 - y) with y the forward's output.

    Inputs:
    - dout: upstream gradient, same shape as the forward's x
    - cache: from sigmoid_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    ### BEGIN SOLUTION
    out = cache
    return dout * out * (1.0 - out)
    ### END SOLUTION


def relu_forward(x):
    """Elementwise ReLU, max(0, x).

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: array of the same shape as x
    - cache: what relu_backward needs
    """
    ### BEGIN SOLUTION
    return np.maximum(x, 0.0), x
    ### END SOLUTION


def relu_backward(dout, cache):
    """Backward pass of the ReLU: the gradient passes where x > 0 and is 0 elsewhere (also at x = 0).

    Inputs:
    - dout: upstream gradient, same shape as the forward's x
    - cache: from relu_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    ### BEGIN SOLUTION
    x = cache
    return np.where(x > 0, dout, 0.0)
    ### END SOLUTION


def add_gate_backward(dout):
    """Backward pass of z = x + y: the add gate distributes the upstream gradient.

    Inputs:
    - dout: upstream gradient dL/dz, a number or an array

    Returns a tuple of:
    - dx, dy: gradients with respect to x and y, each of dout's shape
    """
    ### BEGIN SOLUTION
    return dout, dout
    ### END SOLUTION


def mul_gate_backward(x, y, dout):
    """Backward pass of z = x * y (elementwise): the mul gate swaps its inputs.

    Inputs:
    - x, y: the forward's inputs, numbers or arrays of the same shape
    - dout: upstream gradient dL/dz, same shape as x

    Returns a tuple of:
    - dx: dout * y
    - dy: dout * x
    """
    ### BEGIN SOLUTION
    return dout * y, dout * x
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x_wins = np.asarray(x) >= np.asarray(y)
    return np.where(x_wins, dout, 0.0), np.where(x_wins, 0.0, dout)
    ### END SOLUTION


def copy_gate_backward(dout1, dout2):
    """Backward pass of a copy (fan-out) node x -> (x, x): the copy gate sums the branch gradients.

    Inputs:
    - dout1, dout2: upstream gradients of the two copies, numbers or arrays of the same shape

    Returns:
    - dx: dout1 + dout2
    """
    ### BEGIN SOLUTION
    return dout1 + dout2
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    return {
        "W1": weight_scale * rng.standard_normal((input_dim, hidden_dim)),
        "b1": np.zeros(hidden_dim),
        "W2": weight_scale * rng.standard_normal((hidden_dim, output_dim)),
        "b2": np.zeros(output_dim),
    }
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    a, cache1 = affine_forward(X, params["W1"], params["b1"])
    if hidden_activation == "relu":
        h, cache_act = relu_forward(a)
    elif hidden_activation == "sigmoid":
        h, cache_act = sigmoid_forward(a)
    else:
        raise ValueError(f"unknown hidden_activation {hidden_activation!r}")
    scores, cache2 = affine_forward(h, params["W2"], params["b2"])
    return scores, (cache1, cache_act, cache2, hidden_activation)
    ### END SOLUTION


def two_layer_backward(dscores, cache):
    """Backward pass of the two-layer network (no loss, no regularization).

    Inputs:
    - dscores: upstream gradient of shape (N, C)
    - cache: from two_layer_forward

    Returns:
    - grads: dict with "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,)
    """
    ### BEGIN SOLUTION
    cache1, cache_act, cache2, hidden_activation = cache
    dh, dW2, db2 = affine_backward(dscores, cache2)
    if hidden_activation == "relu":
        da = relu_backward(dh, cache_act)
    else:
        da = sigmoid_backward(dh, cache_act)
    _, dW1, db1 = affine_backward(da, cache1)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    scores, cache = two_layer_forward(X, params, hidden_activation)
    if loss == "softmax":
        data_loss, dscores = _softmax_loss(scores, y)
    elif loss == "mse_sigmoid":
        data_loss, dscores = _mse_sigmoid_loss(scores, y)
    else:
        raise ValueError(f"unknown loss {loss!r}")
    grads = two_layer_backward(dscores, cache)
    W1, W2 = params["W1"], params["W2"]
    total = data_loss + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    grads["W1"] = grads["W1"] + reg * W1
    grads["W2"] = grads["W2"] + reg * W2
    return float(total), grads
    ### END SOLUTION


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function by centred differences, (f(x + h e_i) - f(x - h e_i)) / (2h).

    Inputs:
    - f: function taking an array of x's shape and returning a number
    - x: array of any shape, the point at which to differentiate
    - h: step size

    Returns:
    - grad: array of x's shape; x itself is left as it was found
    """
    ### BEGIN SOLUTION
    x = np.array(x, dtype=np.float64)  # a private copy: the caller's x is never touched
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad
    ### END SOLUTION


def relative_error(a, b):
    """Worst elementwise relative error, max(|a - b| / maximum(1e-8, |a| + |b|)).

    Inputs:
    - a, b: arrays (or numbers) of the same shape

    Returns:
    - a Python float
    """
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
    ### END SOLUTION


def predict(X, params, hidden_activation="relu"):
    """Predicted class of each example: the argmax of the network's scores.

    Inputs:
    - X: array of shape (N, D)
    - params: dict with "W1", "b1", "W2", "b2"
    - hidden_activation: "relu" or "sigmoid"

    Returns:
    - labels: integer array of shape (N,)
    """
    ### BEGIN SOLUTION
    scores, _ = two_layer_forward(X, params, hidden_activation)
    return np.argmax(scores, axis=1)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
    ### END SOLUTION
