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
    ### BEGIN SOLUTION
    loss = 0.5 * reg * sum(float(np.sum(w * w)) for w in weights)
    grads = [reg * w for w in weights]
    return loss, grads
    ### END SOLUTION


def l1_penalty(weights, reg):
    """L1 regularization: `reg * sum(|w|)` over all weight arrays.

    Inputs:
    - weights: list of weight arrays of any shapes
    - reg: regularization strength, a float >= 0

    Returns a tuple of:
    - loss: the penalty, a float
    - grads: list of arrays, `grads[i] = reg * sign(weights[i])` (0 where the weight is exactly 0)
    """
    ### BEGIN SOLUTION
    loss = reg * sum(float(np.sum(np.abs(w))) for w in weights)
    grads = [reg * np.sign(w) for w in weights]
    return loss, grads
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
    if not train:
        return x.copy(), None
    keep = 1.0 - drop_prob
    mask = (rng.random(x.shape) < keep) / keep  # 0 or 1/keep
    return x * mask, mask
    ### END SOLUTION


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout: gradients flow only through kept units, with the same scale.
    After a test-mode forward (`train=False`) the layer was the identity, so `dx = dout`.

    Inputs:
    - dout: upstream gradient, same shape as the forward's x
    - cache: from dropout_forward

    Returns:
    - dx: array of the same shape as dout
    """
    ### BEGIN SOLUTION
    mask = cache
    if mask is None:  # test mode: the layer was the identity
        return dout.copy()
    return dout * mask
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    D = x.shape[1]
    running_mean = state.get("running_mean", np.zeros(D))
    running_var = state.get("running_var", np.ones(D))
    if not train:
        xhat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * xhat + beta, dict(state), None
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    new_state = {"running_mean": momentum * running_mean + (1 - momentum) * mu,
                 "running_var": momentum * running_var + (1 - momentum) * var}
    return gamma * xhat + beta, new_state, (xhat, gamma, inv_std)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    xhat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    # the batch mean and variance depend on every row: two extra terms besides dxhat * inv_std
    dx = inv_std * (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0))
    return dx, dgamma, dbeta
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    mu = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    xhat = (x - mu) * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    xhat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = inv_std * (dxhat - dxhat.mean(axis=1, keepdims=True)
                    - xhat * (dxhat * xhat).mean(axis=1, keepdims=True))
    return dx, dgamma, dbeta
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    if C % groups != 0:
        raise ValueError(f"the number of channels {C} is not divisible by groups={groups}")
    xg = x.reshape(N, groups, -1)
    inv_std = 1.0 / np.sqrt(xg.var(axis=2, keepdims=True) + eps)
    xhat = ((xg - xg.mean(axis=2, keepdims=True)) * inv_std).reshape(x.shape)
    out = gamma.reshape(1, C, 1, 1) * xhat + beta.reshape(1, C, 1, 1)
    return out, (xhat, gamma, inv_std, groups)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    xhat, gamma, inv_std, groups = cache
    N, C = dout.shape[:2]
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * xhat).sum(axis=(0, 2, 3))
    dxhat = (dout * gamma.reshape(1, C, 1, 1)).reshape(N, groups, -1)
    xh = xhat.reshape(N, groups, -1)
    dx = inv_std * (dxhat - dxhat.mean(axis=2, keepdims=True)
                    - xh * (dxhat * xh).mean(axis=2, keepdims=True))
    return dx.reshape(dout.shape), dgamma, dbeta
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    return groupnorm_forward(x, gamma, beta, x.shape[1], eps=eps)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    return groupnorm_backward(dout, cache)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    flip = rng.random(images.shape[0]) < p
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
    ### END SOLUTION
