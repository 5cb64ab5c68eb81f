"""Regularization and normalization: L1/L2 penalties, inverted dropout, batch / layer / group /
instance normalization and data augmentation.

Conventions shared by every function in this module:

- Pure NumPy, float64. Fully connected inputs are batch-first `x (N, D)`; image inputs are
  `(N, C, H, W)`.
- Layers follow the pattern `<name>_forward(...) -> (out, cache)` and
  `<name>_backward(dout, cache) -> grads`, where `grads` lists the gradients of the forward's
  differentiable inputs in order (a single array when there is one). `cache` is opaque: only your
  own backward reads it. `batchnorm_forward` also returns the updated running statistics.
- Normalization layers take `gamma` (scale) and `beta` (shift) of shape `(D,)` (or `(C,)` for
  images), and `eps` is added to the variance before the square root. Variances are biased
  (divide by the number of elements, not by that number minus one).
- No function modifies its input arrays, lists or dicts.
- Randomness comes only from the `rng` argument (a `numpy.random.Generator`); any valid way of
  drawing from it is fine.
"""

import numpy as np


def l2_penalty(weights, reg):
    """L2 regularization (weight decay): `0.5 * reg * sum(w**2)` over all weight arrays.

    Inputs:
    - weights: list of weight arrays of any shapes (biases are not passed in)
    - reg: regularization strength, a float >= 0

    Returns a tuple of:
    - loss: the penalty, a float
    - grads: list of arrays, `grads[i] = reg * weights[i]` with the same shape as `weights[i]`
    """
    raise NotImplementedError("l2_penalty: replace this line with your code")


def l1_penalty(weights, reg):
    """L1 regularization: `reg * sum(|w|)` over all weight arrays.

    Inputs:
    - weights: list of weight arrays of any shapes
    - reg: regularization strength, a float >= 0

    Returns a tuple of:
    - loss: the penalty, a float
    - grads: list of arrays, `grads[i] = reg * sign(weights[i])` (0 where the weight is exactly 0)
    """
    raise NotImplementedError("l1_penalty: replace this line with your code")


def dropout_forward(x, drop_prob, train, rng):
    """Inverted dropout.

    In training every element is kept independently with probability `1 - drop_prob` and kept
    values are divided by `1 - drop_prob`, so `E[out] = x` and nothing needs rescaling at test time.
    At test time (`train=False`) the output is `x` itself and `rng` is not used.

    Inputs:
    - x: input array of any shape, e.g. (N, D)
    - drop_prob: probability of dropping a unit, in [0, 1); anything else raises ValueError
    - train: bool, training (random mask) or test mode (identity)
    - rng: numpy.random.Generator used for the mask

    Returns a tuple of:
    - out: array of the same shape as x
    - cache: whatever dropout_backward needs
    """
    raise NotImplementedError("dropout_forward: replace this line with your code")


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout: gradients flow only through kept units, with the same scale.
    After a test-mode forward (`train=False`) the layer was the identity, so `dx = dout`.

    Inputs:
    - dout: upstream gradient, same shape as the forward's x
    - cache: from dropout_forward

    Returns:
    - dx: array of the same shape as dout
    """
    raise NotImplementedError("dropout_backward: replace this line with your code")


def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    """Batch normalization over the batch axis of `x (N, D)`.

    Training: normalize each feature with the batch mean and (biased) batch variance, then scale
    and shift: `out = gamma * xhat + beta`; update the running statistics
    `running = momentum * running + (1 - momentum) * batch_stat`.
    Inference: normalize with the running statistics (still applying gamma and beta) and return
    the state unchanged.

    Inputs:
    - x: data of shape (N, D)
    - gamma, beta: scale and shift, shape (D,)
    - state: dict with "running_mean" (D,) and "running_var" (D,); an empty dict means zeros and
      ones. Not modified.
    - train: bool, training or inference mode
    - momentum: weight of the old running statistics
    - eps: added to the variance for numerical stability

    Returns a tuple of:
    - out: shape (N, D)
    - new_state: dict with "running_mean" and "running_var" of shape (D,)
    - cache: whatever batchnorm_backward needs (training mode)
    """
    raise NotImplementedError("batchnorm_forward: replace this line with your code")


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode.

    Inputs:
    - dout: upstream gradient, shape (N, D)
    - cache: from batchnorm_forward with train=True

    Returns a tuple of:
    - dx: shape (N, D)
    - dgamma: shape (D,)
    - dbeta: shape (D,)
    """
    raise NotImplementedError("batchnorm_backward: replace this line with your code")


def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    """Layer normalization: normalize each row (sample) of `x (N, D)` over its D features.

    Same computation in training and inference; no running statistics.

    Inputs:
    - x: data of shape (N, D)
    - gamma, beta: scale and shift, shape (D,)
    - eps: added to the variance

    Returns a tuple of:
    - out: shape (N, D)
    - cache: whatever layernorm_backward needs
    """
    raise NotImplementedError("layernorm_forward: replace this line with your code")


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    Inputs:
    - dout: upstream gradient, shape (N, D)
    - cache: from layernorm_forward

    Returns a tuple of:
    - dx: shape (N, D)
    - dgamma: shape (D,)
    - dbeta: shape (D,)
    """
    raise NotImplementedError("layernorm_backward: replace this line with your code")


def groupnorm_forward(x, gamma, beta, groups, *, eps=1e-5):
    """Group normalization: split the C channels into `groups` groups of C // groups channels and
    normalize each (sample, group) over its channels and all spatial positions.

    Inputs:
    - x: images of shape (N, C, H, W)
    - gamma, beta: per-channel scale and shift, shape (C,)
    - groups: number of groups; C must be divisible by it, else ValueError
    - eps: added to the variance

    Returns a tuple of:
    - out: shape (N, C, H, W)
    - cache: whatever groupnorm_backward needs
    """
    raise NotImplementedError("groupnorm_forward: replace this line with your code")


def groupnorm_backward(dout, cache):
    """Backward pass of group normalization.

    Inputs:
    - dout: upstream gradient, shape (N, C, H, W)
    - cache: from groupnorm_forward

    Returns a tuple of:
    - dx: shape (N, C, H, W)
    - dgamma: shape (C,)
    - dbeta: shape (C,)
    """
    raise NotImplementedError("groupnorm_backward: replace this line with your code")


def instancenorm_forward(x, gamma, beta, *, eps=1e-5):
    """Instance normalization: normalize each (sample, channel) over its H x W positions
    (group normalization with one group per channel).

    Inputs:
    - x: images of shape (N, C, H, W)
    - gamma, beta: per-channel scale and shift, shape (C,)
    - eps: added to the variance

    Returns a tuple of:
    - out: shape (N, C, H, W)
    - cache: whatever instancenorm_backward needs
    """
    raise NotImplementedError("instancenorm_forward: replace this line with your code")


def instancenorm_backward(dout, cache):
    """Backward pass of instance normalization.

    Inputs:
    - dout: upstream gradient, shape (N, C, H, W)
    - cache: from instancenorm_forward

    Returns a tuple of:
    - dx: shape (N, C, H, W)
    - dgamma: shape (C,)
    - dbeta: shape (C,)
    """
    raise NotImplementedError("instancenorm_backward: replace this line with your code")


def random_horizontal_flip(images, rng, p=0.5):
    """Data augmentation: flip each image left-right (along the last, width axis) with probability p,
    independently per image; all channels of an image are flipped together.

    Inputs:
    - images: array of shape (N, C, H, W), not modified
    - rng: numpy.random.Generator
    - p: flip probability in [0, 1]

    Returns:
    - out: array of shape (N, C, H, W)
    """
    raise NotImplementedError("random_horizontal_flip: replace this line with your code")


def mixup(x, y_onehot, rng, alpha=0.2):
    """Mixup augmentation: blend the batch with a shuffled copy of itself.

    Draw one `lam ~ Beta(alpha, alpha)` and one permutation `perm` of the N rows per call, then
    `x_mix = lam * x + (1 - lam) * x[perm]` and `y_mix = lam * y + (1 - lam) * y[perm]`, with the same
    lam and perm for inputs and labels.

    Inputs:
    - x: inputs of shape (N, ...) (e.g. (N, D) or (N, C, H, W))
    - y_onehot: one-hot labels of shape (N, K)
    - rng: numpy.random.Generator
    - alpha: Beta distribution parameter (> 0)

    Returns a tuple of:
    - x_mix: same shape as x
    - y_mix: same shape as y_onehot
    """
    raise NotImplementedError("mixup: replace this line with your code")
