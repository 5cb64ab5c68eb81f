"""Regression, losses and information theory in NumPy.

Conventions shared by every function in this module:

- Data are batch-first: ``X`` has shape ``(N, D)`` (N samples, D features); targets ``y`` have shape
  ``(N,)``. Class labels are integers in ``0 .. C-1``; binary labels are 0 or 1.
- Losses return ``(loss, dinput)``: ``loss`` is a Python float (or 0-d array) AVERAGED over the N
  samples, and ``dinput`` is the gradient of that averaged loss, with the input's shape.
- L2 regularization is ``0.5 * reg * sum(W**2)`` over weights only, never biases; its gradient is
  ``reg * W``.
- Training functions start from zero parameters and return the loss history as an array of shape
  ``(epochs,)`` whose entry ``e`` is the full-data objective evaluated AFTER epoch ``e``.
- Randomness (mini-batch shuffling) comes only from the ``rng`` argument
  (a ``numpy.random.Generator``).
- Everything must be numerically stable for logits as large as 1e4 in magnitude: no overflow, no
  NaN, no ``log(0)``. Natural logarithms throughout; ``0 * log 0`` is taken to be 0.
- No function modifies its input arrays.
"""

import numpy as np


def standardize_fit(X):
    """Per-feature statistics for zero-centering and normalization (train split only).

    Inputs:
    - X: array (N, D) of training data.

    Returns a tuple (mean, std):
    - mean: array (D,), the per-feature mean.
    - std: array (D,), the per-feature POPULATION standard deviation (divide by N, ddof=0);
      a std of 0 (a constant feature) is replaced by 1 so that dividing by it is safe.
    """
    raise NotImplementedError("standardize_fit: replace this line with your code")


def standardize_apply(X, mean, std):
    """Standardize any split with statistics computed on the training split.

    Inputs:
    - X: array (M, D), any split (train, validation or test).
    - mean, std: arrays (D,) from standardize_fit on the TRAINING data.

    Returns:
    - X_std: array (M, D), (X - mean) / std.
    """
    raise NotImplementedError("standardize_apply: replace this line with your code")


def linear_forward(X, w, b):
    """Linear model y_hat = X w + b.

    Inputs:
    - X: array (N, D).
    - w: array (D,) of weights.
    - b: float, the bias (intercept).

    Returns:
    - y_hat: array (N,) of predictions.
    """
    raise NotImplementedError("linear_forward: replace this line with your code")


def mse_loss(y_hat, y):
    """Mean squared error and its gradient.

    Inputs:
    - y_hat: array (N,) of predictions.
    - y: array (N,) of targets.

    Returns a tuple (loss, dy_hat):
    - loss: float, mean((y_hat - y)**2).
    - dy_hat: array (N,), 2 * (y_hat - y) / N.
    """
    raise NotImplementedError("mse_loss: replace this line with your code")


def linear_regression_closed_form(X, y):
    """Least-squares linear regression with an intercept, solved in closed form.

    Solves min over (w, b) of ||X w + b - y||^2. When X is rank deficient (e.g. duplicated or
    all-zero columns) there are many minimizers; return the one with the smallest norm of
    theta = (w, b) together, the solution of A theta = y with A = [X, 1] (a column of ones) that
    np.linalg.lstsq(A, y) and np.linalg.pinv(A) @ y give. Do not invert X^T X directly: it is
    singular in exactly that case.

    Inputs:
    - X: array (N, D).
    - y: array (N,).

    Returns a tuple (w, b):
    - w: array (D,).
    - b: float.
    """
    raise NotImplementedError("linear_regression_closed_form: replace this line with your code")


def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    """Linear regression by mini-batch stochastic gradient descent on the MSE.

    Starts from w = 0, b = 0. Every epoch visits the samples in a fresh random order drawn with
    ``rng`` and takes one gradient step per mini-batch of ``batch_size`` consecutive samples of that
    order (the last batch may be smaller).

    Inputs:
    - X: array (N, D); y: array (N,).
    - lr: float, learning rate.
    - epochs: int, number of passes over the data.
    - batch_size: int.
    - rng: numpy.random.Generator used for shuffling.

    Returns a tuple (w, b, losses):
    - w: array (D,); b: float.
    - losses: array (epochs,), losses[e] = full-data MSE after epoch e.
    """
    raise NotImplementedError("linear_regression_gd: replace this line with your code")


def sigmoid(z):
    """Numerically stable logistic sigmoid 1 / (1 + exp(-z)), elementwise.

    Never evaluates exp of a large positive number, so there is no overflow for |z| up to 1e4 and
    the limits are exact: sigmoid(1e4) == 1.0 and sigmoid(-1e4) == 0.0.

    Inputs:
    - z: array of any shape.

    Returns:
    - s: array of the same shape, values in [0, 1].
    """
    raise NotImplementedError("sigmoid: replace this line with your code")


def bce_with_logits(z, y):
    """Binary cross-entropy of sigmoid(z) against labels y, computed stably from the logits.

    loss = mean(-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)))
         = mean(max(z, 0) - z y + log(1 + exp(-|z|))).

    Inputs:
    - z: array (N,) of logits.
    - y: array (N,) of labels in {0, 1}.

    Returns a tuple (loss, dz):
    - loss: float.
    - dz: array (N,), (sigmoid(z) - y) / N.
    """
    raise NotImplementedError("bce_with_logits: replace this line with your code")


def logistic_regression_gd(X, y, *, lr, epochs, reg=0.0):
    """Logistic regression by full-batch gradient descent.

    Minimizes bce_with_logits(X w + b, y) + 0.5 * reg * sum(w**2) (the bias is not regularized),
    starting from w = 0, b = 0, with one step per epoch:
    w <- w - lr * dL/dw, b <- b - lr * dL/db.

    Inputs:
    - X: array (N, D); y: array (N,) of labels in {0, 1}.
    - lr: float; epochs: int; reg: float, L2 strength.

    Returns a tuple (w, b, losses):
    - w: array (D,); b: float.
    - losses: array (epochs,), losses[e] = the regularized objective after epoch e's step.
    """
    raise NotImplementedError("logistic_regression_gd: replace this line with your code")


def softmax(Z):
    """Numerically stable softmax over the last axis.

    Subtracts each row's maximum before exponentiating (softmax is unchanged by a shift), so the
    largest exponent is exp(0) = 1: no overflow for logits up to 1e4 in magnitude.

    Inputs:
    - Z: array (..., C) of logits, e.g. (N, C) or (C,).

    Returns:
    - P: array of Z's shape; each row is positive and sums to 1.
    """
    raise NotImplementedError("softmax: replace this line with your code")


def softmax_cross_entropy(Z, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient.

    loss = mean_i(-log softmax(Z_i)[y_i]) = mean_i(logsumexp(Z_i) - Z_i[y_i]); compute it from
    log-probabilities (log-sum-exp with the max shift), not as log(softmax(Z)), which is -inf when a
    probability underflows to 0.

    Inputs:
    - Z: array (N, C) of logits.
    - y: integer array (N,) of labels in 0 .. C-1.

    Returns a tuple (loss, dZ):
    - loss: float.
    - dZ: array (N, C), (softmax(Z) - onehot(y)) / N.
    """
    raise NotImplementedError("softmax_cross_entropy: replace this line with your code")


def entropy(p):
    """Shannon entropy H(p) = -sum_k p_k log p_k over the last axis (0 log 0 = 0).

    Inputs:
    - p: array (..., K) of probability distributions.

    Returns:
    - H: array of shape p.shape[:-1] (a scalar for a single distribution).
    """
    raise NotImplementedError("entropy: replace this line with your code")


def cross_entropy(p, q):
    """Cross-entropy H(p, q) = -sum_k p_k log q_k over the last axis (terms with p_k = 0 are 0).

    Inputs:
    - p: array (..., K), the true distribution(s).
    - q: array (..., K), the model distribution(s).

    Returns:
    - H: array of shape p.shape[:-1].
    """
    raise NotImplementedError("cross_entropy: replace this line with your code")


def kl_divergence(p, q):
    """Kullback-Leibler divergence KL(p || q) = sum_k p_k log(p_k / q_k) = H(p, q) - H(p).

    Over the last axis; terms with p_k = 0 are 0. Not symmetric: KL(p || q) != KL(q || p).

    Inputs:
    - p, q: arrays (..., K) of probability distributions.

    Returns:
    - kl: array of shape p.shape[:-1], >= 0.
    """
    raise NotImplementedError("kl_divergence: replace this line with your code")


def accuracy(scores, y):
    """Fraction of rows whose highest score is at the true label.

    Inputs:
    - scores: array (N, C) of class scores (logits or probabilities).
    - y: integer array (N,) of labels.

    Returns:
    - acc: float in [0, 1].
    """
    raise NotImplementedError("accuracy: replace this line with your code")


def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    """Softmax (multinomial logistic) regression by mini-batch SGD.

    Minimizes softmax_cross_entropy(X W + b, y) + 0.5 * reg * sum(W**2) from W = 0, b = 0.
    Every epoch shuffles the samples with ``rng`` and takes one step per mini-batch of
    ``batch_size`` samples (the last batch may be smaller).

    Inputs:
    - X: array (N, D); y: integer array (N,) of labels in 0 .. num_classes-1.
    - num_classes: int C.
    - lr: float; epochs: int; batch_size: int; reg: float, L2 strength.
    - rng: numpy.random.Generator used for shuffling.

    Returns a tuple (W, b, history):
    - W: array (D, C); b: array (C,).
    - history: dict; history["loss"] is an array (epochs,) of the full-data regularized
      objective after each epoch.
    """
    raise NotImplementedError("softmax_regression_train: replace this line with your code")
