"""The perceptron, logic gates, XOR with a two-layer perceptron, and Rosenblatt's learning rule.

Conventions shared by every function in this module:

- A perceptron with weights ``w (D,)`` and bias ``b`` (a float) outputs
  ``step(x @ w + b)``: 1 when ``x @ w + b > 0`` and 0 otherwise (0 exactly at 0).
- Inputs are batch-first: ``x`` has shape ``(N, D)`` (one sample per row) or ``(D,)`` (one sample).
- Binary values (gate inputs, labels, outputs) are 0 or 1; outputs are integer arrays.
- No function modifies its input arrays. Nothing here is random.
"""

import numpy as np


def step(z):
    """Step (Heaviside) activation: 1 where z > 0, else 0 (so step(0) == 0).

    Inputs:
    - z: array of any shape (0-d included).

    Returns:
    - out: integer array of z's shape with values 0 or 1.
    """
    ### BEGIN SOLUTION
    return (np.asarray(z) > 0).astype(np.int64)
    ### END SOLUTION


def perceptron(x, w, b):
    """A single perceptron: step(x @ w + b).

    Inputs:
    - x: array (N, D) of N samples, or (D,) for one sample.
    - w: array (D,) of weights.
    - b: float, the bias.

    Returns:
    - out: integer array (N,) for x (N, D); an integer scalar (0-d) for x (D,).
    """
    ### BEGIN SOLUTION
    return step(x @ w + b)
    ### END SOLUTION


def gate_params(name):
    """Weights and bias of a perceptron that computes a two-input logic gate.

    Inputs:
    - name: one of "AND", "OR", "NAND", "NOR".

    Returns a tuple (w, b):
    - w: array (2,); b: float; such that perceptron(x, w, b) reproduces the gate's truth table for
      every x in {0, 1}^2. Any such weights are correct.
    """
    ### BEGIN SOLUTION
    params = {
        "AND": ([0.5, 0.5], -0.7),
        "OR": ([0.5, 0.5], -0.2),
        "NAND": ([-0.5, -0.5], 0.7),
        "NOR": ([-0.5, -0.5], 0.2),
    }
    if name not in params:
        raise ValueError(f"unknown gate {name!r}; expected one of {sorted(params)}")
    w, b = params[name]
    return np.array(w), b
    ### END SOLUTION


def xor(x1, x2):
    """XOR of two 0/1 arrays, built only from perceptron gates: AND(NAND(x1, x2), OR(x1, x2)).

    A single perceptron cannot compute XOR (its points are not linearly separable); stacking two
    layers of perceptrons can.

    Inputs:
    - x1, x2: arrays (N,) of 0/1 values.

    Returns:
    - out: integer array (N,), 1 where exactly one of x1, x2 is 1.
    """
    ### BEGIN SOLUTION
    x = np.stack([x1, x2], axis=-1)
    s1 = perceptron(x, *gate_params("NAND"))
    s2 = perceptron(x, *gate_params("OR"))
    return perceptron(np.stack([s1, s2], axis=-1), *gate_params("AND"))
    ### END SOLUTION


def xor_mlp_params():
    """Weights of a two-layer perceptron (2 inputs, 2 hidden units, 1 output) that computes XOR.

    The network is y = step(step(x @ W1 + b1) @ W2 + b2) for x in {0, 1}^2 (one sample per row).

    Returns a tuple (W1, b1, W2, b2):
    - W1: array (2, 2), column j holds hidden unit j's weights; b1: array (2,).
    - W2: array (2,); b2: float.
    """
    ### BEGIN SOLUTION
    (w_nand, b_nand), (w_or, b_or) = gate_params("NAND"), gate_params("OR")
    W1 = np.column_stack([w_nand, w_or])
    b1 = np.array([b_nand, b_or])
    W2, b2 = gate_params("AND")
    return W1, b1, W2, b2
    ### END SOLUTION


def perceptron_train(X, y, *, lr=1.0, epochs=100):
    """Rosenblatt's perceptron learning rule.

    Starts from w = 0, b = 0. Each epoch visits the samples in order i = 0 .. N-1; when the
    prediction y_hat = step(X[i] @ w + b) is wrong, it updates
    w <- w + lr * (y[i] - y_hat) * X[i] and b <- b + lr * (y[i] - y_hat) (no change when right).
    Training stops after the first epoch without mistakes, or after ``epochs`` epochs. On linearly
    separable data it always stops (the perceptron convergence theorem); on XOR it never does.

    Inputs:
    - X: array (N, D); y: array (N,) of 0/1 labels.
    - lr: float, learning rate; epochs: int, maximum number of epochs.

    Returns a tuple (w, b, errors):
    - w: array (D,); b: float.
    - errors: list of ints, errors[e] = number of mistakes (updates) in epoch e; its length is the
      number of epochs run.
    """
    ### BEGIN SOLUTION
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w = w + lr * delta * xi
                b = b + lr * float(delta)
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
    ### END SOLUTION


def decision_boundary(w, b, x1):
    """Points on the decision boundary w[0] x1 + w[1] x2 + b = 0 (requires w[1] != 0).

    Inputs:
    - w: array (2,); b: float.
    - x1: array (M,) of first coordinates.

    Returns:
    - x2: array (M,), the second coordinates, x2 = -(w[0] x1 + b) / w[1].
    """
    ### BEGIN SOLUTION
    return -(w[0] * x1 + b) / w[1]
    ### END SOLUTION
