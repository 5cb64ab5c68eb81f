"""Mutants and alternatives for 06_regularization (see the kit's corpus tests).

A mutant redefines its named function (and, for a forward pass whose training output changes, a
backward pass consistent with it: backward tests grade consistency with the submission's own
forward, so the pair must agree for the mutant to cost only the forward's points).
"""

# name -> (function that must lose points, source appended to the reference module)
MUTANTS = {
    "l2_reg_squared": ("l2_penalty", '''
def l2_penalty(weights, reg):
    return 0.5 * reg ** 2 * sum(float(np.sum(w * w)) for w in weights), [reg ** 2 * w for w in weights]
'''),
    "l2_no_half": ("l2_penalty", '''
def l2_penalty(weights, reg):
    return reg * sum(float(np.sum(w * w)) for w in weights), [reg * w for w in weights]
'''),
    "l2_mutates_weights": ("l2_penalty", '''
def l2_penalty(weights, reg):
    loss = 0.5 * reg * sum(float(np.sum(w * w)) for w in weights)
    for w in weights:
        w *= reg
    return loss, list(weights)
'''),
    "l1_grad_one_at_zero": ("l1_penalty", '''
def l1_penalty(weights, reg):
    return reg * sum(float(np.sum(np.abs(w))) for w in weights), [reg * np.where(w >= 0, 1.0, -1.0) for w in weights]
'''),
    "l1_squared_loss": ("l1_penalty", '''
def l1_penalty(weights, reg):
    return reg * sum(float(np.sum(w * w)) for w in weights), [reg * np.sign(w) for w in weights]
'''),
    "dropout_no_rescale": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) < 1.0 - drop_prob).astype(float)
    return x * mask, mask
'''),
    "dropout_scale_by_p": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) < 1.0 - drop_prob) * drop_prob
    return x * mask, mask
'''),
    "dropout_keep_drop_confused": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) < drop_prob) / (1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_mask_shared_across_batch": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape[1:]) < 1.0 - drop_prob) / (1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_test_mode_scales": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x * (1.0 - drop_prob), None
    mask = (rng.random(x.shape) < 1.0 - drop_prob) / (1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_test_mode_draws_rng": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    mask = (rng.random(x.shape) < 1.0 - drop_prob) / (1.0 - drop_prob)
    if not train:
        return x.copy(), None
    return x * mask, mask
'''),
    # Spawning a child generator is using rng too, and test mode must not use it.
    "dropout_test_mode_spawns": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    child = rng.spawn(1)[0]
    if not train:
        return x.copy(), None
    mask = (child.random(x.shape) < 1.0 - drop_prob) / (1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_no_validation": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not train:
        return x.copy(), None
    keep = 1.0 - drop_prob
    mask = (rng.random(x.shape) < keep) / keep if keep > 0 else np.zeros(x.shape)
    return x * mask, mask
'''),
    "dropout_global_rng": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    mask = (np.random.random(x.shape) < 1.0 - drop_prob) / (1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_mask_reused": ("dropout_forward", '''
_dropout_masks = {}
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    key = (x.shape, drop_prob)
    if key not in _dropout_masks:  # the first mask for this shape is drawn from rng, then reused
        _dropout_masks[key] = (rng.random(x.shape) < 1.0 - drop_prob) / (1.0 - drop_prob)
    mask = _dropout_masks[key]
    return x * mask, mask
'''),
    "dropout_fixed_seed": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    rng.random()  # advances the caller's rng but draws the mask from a generator of its own
    mask = (np.random.default_rng(0).random(x.shape) < 1.0 - drop_prob) / (1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_fixed_drop_count": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    mask = np.ones(x.size)
    mask[rng.permutation(x.size)[:int(round(drop_prob * x.size))]] = 0.0  # always the same number dropped
    mask = mask.reshape(x.shape) / (1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_backward_unscaled": ("dropout_backward", '''
def dropout_backward(dout, cache):
    return dout.copy() if cache is None else dout * (cache != 0)
'''),
    "dropout_backward_test_mode_scales": ("dropout_backward", '''
def dropout_backward(dout, cache):
    return 0.5 * dout if cache is None else dout * cache
'''),
    "bn_ignores_gamma_beta_at_test": ("batchnorm_forward", '''
_bn_ref_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    if train:
        return _bn_ref_forward(x, gamma, beta, state, train=True, momentum=momentum, eps=eps)
    D = x.shape[1]
    rm = state.get("running_mean", np.zeros(D))
    rv = state.get("running_var", np.ones(D))
    return (x - rm) / np.sqrt(rv + eps), dict(state), None
'''),
    "bn_unbiased_running_var": ("batchnorm_forward", '''
_bn_ref_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    out, new_state, cache = _bn_ref_forward(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
    if train:
        rv = state.get("running_var", np.ones(x.shape[1]))
        new_state["running_var"] = momentum * rv + (1 - momentum) * x.var(axis=0, ddof=1)
    return out, new_state, cache
'''),
    "bn_unbiased_variance": ("batchnorm_forward", '''
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    D = x.shape[1]
    rm = state.get("running_mean", np.zeros(D))
    rv = state.get("running_var", np.ones(D))
    if not train:
        return gamma * (x - rm) / np.sqrt(rv + eps) + beta, dict(state), None
    mu, var = x.mean(axis=0), x.var(axis=0, ddof=1)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    new_state = {"running_mean": momentum * rm + (1 - momentum) * mu,
                 "running_var": momentum * rv + (1 - momentum) * var}
    return gamma * xhat + beta, new_state, (xhat, gamma, inv_std)

def batchnorm_backward(dout, cache):  # the exact gradient of the ddof=1 forward above
    xhat, gamma, inv_std = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = inv_std * (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).sum(axis=0) / (n - 1))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
'''),
    "bn_momentum_reversed": ("batchnorm_forward", '''
_bn_ref_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    return _bn_ref_forward(x, gamma, beta, state, train=train, momentum=1.0 - momentum, eps=eps)
'''),
    "bn_mutates_state": ("batchnorm_forward", '''
_bn_ref_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    out, new_state, cache = _bn_ref_forward(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
    state.update(new_state)
    return out, state, cache
'''),
    "bn_fills_empty_state_in_training": ("batchnorm_forward", '''
_bn_ref_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    if train:
        state.setdefault("running_mean", np.zeros(x.shape[1]))
        state.setdefault("running_var", np.ones(x.shape[1]))
    return _bn_ref_forward(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
'''),
    # Forward bugs that leave the cache intact: the (reference) backward must keep its points.
    "bn_train_ignores_beta": ("batchnorm_forward", '''
_bn_ref_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    out, new_state, cache = _bn_ref_forward(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
    return (out - beta if train else out), new_state, cache
'''),
    "bn_empty_state_zero_var": ("batchnorm_forward", '''
_bn_ref_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    if not state:
        state = {"running_mean": np.zeros(x.shape[1]), "running_var": np.zeros(x.shape[1])}
    return _bn_ref_forward(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
'''),
    "bn_backward_diagonal_only": ("batchnorm_backward", '''
def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    return dout * gamma * inv_std, (dout * xhat).sum(axis=0), dout.sum(axis=0)
'''),
    "bn_dgamma_keepdims": ("batchnorm_backward", '''
_bn_ref_backward = batchnorm_backward
def batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = _bn_ref_backward(dout, cache)
    return dx, dgamma.reshape(1, -1), dbeta
'''),
    "bn_backward_missing_mean_term": ("batchnorm_backward", '''
def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    dxhat = dout * gamma
    dx = inv_std * (dxhat - xhat * (dxhat * xhat).mean(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
'''),
    "ln_normalizes_batch_axis": ("layernorm_forward", '''
def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    out, _, cache = batchnorm_forward(x, gamma, beta, {}, train=True, eps=eps)
    return out, cache

def layernorm_backward(dout, cache):  # consistent with the batch-axis forward above
    return batchnorm_backward(dout, cache)
'''),
    "ln_shift_before_scale": ("layernorm_forward", '''
def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    mu = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    xhat = (x - mu) * inv_std
    return gamma * (xhat + beta), (xhat, gamma, inv_std)
'''),
    "ln_mutates_input": ("layernorm_forward", '''
_ln_ref_forward = layernorm_forward
def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    out, cache = _ln_ref_forward(x, gamma, beta, eps=eps)
    x -= x.mean(axis=1, keepdims=True)
    return out, cache
'''),
    "ln_dgamma_keepdims": ("layernorm_backward", '''
_ln_ref_backward = layernorm_backward
def layernorm_backward(dout, cache):
    dx, dgamma, dbeta = _ln_ref_backward(dout, cache)
    return dx, dgamma, dbeta.reshape(1, -1)
'''),
    "ln_backward_diagonal_only": ("layernorm_backward", '''
def layernorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    return dout * gamma * inv_std, (dout * xhat).sum(axis=0), dout.sum(axis=0)
'''),
    "gn_no_divisibility_check": ("groupnorm_forward", '''
def groupnorm_forward(x, gamma, beta, groups, *, eps=1e-5):
    N, C, H, W = x.shape
    xg = x.reshape(N, groups, -1)
    inv_std = 1.0 / np.sqrt(xg.var(axis=2, keepdims=True) + eps)
    xhat = ((xg - xg.mean(axis=2, keepdims=True)) * inv_std).reshape(x.shape)
    return gamma.reshape(1, C, 1, 1) * xhat + beta.reshape(1, C, 1, 1), (xhat, gamma, inv_std, groups)
'''),
    "gn_interleaved_groups": ("groupnorm_forward", '''
_gn_ref_forward, _gn_ref_backward = groupnorm_forward, groupnorm_backward
def _interleave(C, groups):  # channel c goes to group c % groups instead of c // (C // groups)
    return np.argsort(np.arange(C) % groups, kind="stable")

def groupnorm_forward(x, gamma, beta, groups, *, eps=1e-5):
    order = _interleave(x.shape[1], groups)
    out, cache = _gn_ref_forward(x[:, order], gamma[order], beta[order], groups, eps=eps)
    inv = np.argsort(order)
    return out[:, inv], (cache, order, inv)

def groupnorm_backward(dout, cache):  # consistent with the interleaved forward above
    cache, order, inv = cache
    dx, dgamma, dbeta = _gn_ref_backward(dout[:, order], cache)
    return dx[:, inv], dgamma[inv], dbeta[inv]
'''),
    "gn_backward_diagonal_only": ("groupnorm_backward", '''
def groupnorm_backward(dout, cache):
    xhat, gamma, inv_std, groups = cache
    N, C = dout.shape[:2]
    dxhat = (dout * gamma.reshape(1, C, 1, 1)).reshape(N, groups, -1)
    dx = (dxhat * inv_std).reshape(dout.shape)
    return dx, (dout * xhat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
'''),
    "gn_dgamma_keepdims": ("groupnorm_backward", '''
_gn_ref_backward = groupnorm_backward
def groupnorm_backward(dout, cache):
    dx, dgamma, dbeta = _gn_ref_backward(dout, cache)
    return dx, dgamma.reshape(1, -1, 1, 1), dbeta
'''),
    "in_is_layernorm": ("instancenorm_forward", '''
def instancenorm_forward(x, gamma, beta, *, eps=1e-5):
    return groupnorm_forward(x, gamma, beta, 1, eps=eps)
'''),
    "in_backward_diagonal_only": ("instancenorm_backward", '''
def instancenorm_backward(dout, cache):
    xhat, gamma, inv_std, groups = cache
    N, C = dout.shape[:2]
    dx = ((dout * gamma.reshape(1, C, 1, 1)).reshape(N, groups, -1) * inv_std).reshape(dout.shape)
    return dx, (dout * xhat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
'''),
    "flip_vertical": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = rng.random(images.shape[0]) < p
    out = images.copy()
    out[flip] = images[flip, :, ::-1, :]
    return out
'''),
    "flip_one_coin_per_batch": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    return images[..., ::-1].copy() if rng.random() < p else images.copy()
'''),
    "flip_per_channel": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = rng.random(images.shape[:2]) < p
    out = images.copy()
    out[flip] = images[flip][..., ::-1]
    return out
'''),
    "flip_keep_prob": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = rng.random(images.shape[0]) >= p
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
'''),
    "flip_in_place": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = rng.random(images.shape[0]) < p
    images[flip] = images[flip, ..., ::-1]
    return images
'''),
    "mixup_lam_per_row": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha, size=x.shape[0])
    perm = rng.permutation(x.shape[0])
    lx = lam.reshape((-1,) + (1,) * (x.ndim - 1))
    return lx * x + (1 - lx) * x[perm], lam[:, None] * y_onehot + (1 - lam[:, None]) * y_onehot[perm]
'''),
    "mixup_ignores_alpha": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(0.2, 0.2)
    perm = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    "mixup_default_alpha_1": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=1.0):
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    "mixup_lam_uniform": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.random()
    perm = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    "mixup_labels_other_perm": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(x.shape[0])
    perm_y = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm_y]
'''),
    "mixup_with_replacement": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    idx = rng.integers(0, x.shape[0], size=x.shape[0])
    return lam * x + (1 - lam) * x[idx], lam * y_onehot + (1 - lam) * y_onehot[idx]
'''),
    "mixup_labels_unmixed": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], y_onehot.copy()
'''),
    # ---- no math at all: a backward that passes dout through in training mode too
    "dropout_backward_passes_dout_through": ("dropout_backward", '''
def dropout_backward(dout, cache):
    return dout.copy()
'''),
    # Randomness taken from somewhere other than rng, or no randomness where rng should give some.
    "flip_fixed_seed": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = np.random.default_rng(0).random(images.shape[0]) < p  # the same images flipped on every call
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
'''),
    "flip_unseeded_generator": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = np.random.default_rng().random(images.shape[0]) < p  # ignores rng: not reproducible
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
'''),
    "flip_module_generator": ("random_horizontal_flip", '''
_flip_gen = np.random.default_rng(0)
def random_horizontal_flip(images, rng, p=0.5):
    flip = _flip_gen.random(images.shape[0]) < p  # a generator of its own, seeded once
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
'''),
    "mixup_perm_fixed_seed": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    perm = np.random.default_rng(0).permutation(x.shape[0])  # the same pairing on every call
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    "mixup_perm_reversed": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    perm = np.arange(x.shape[0])[::-1]  # no shuffle: always pairs i with N-1-i
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    "mixup_roll_by_one": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    perm = np.roll(np.arange(x.shape[0]), 1)  # neighbour pairing, no shuffle
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    "mixup_unseeded_lam": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = np.random.default_rng().beta(alpha, alpha)  # ignores rng: not reproducible
    perm = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    "mixup_perm_module_generator": ("mixup", '''
_mixup_gen = np.random.default_rng(0)
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    perm = _mixup_gen.permutation(x.shape[0])  # a generator of its own, seeded once
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    # Transposing H and W is a different image even when H == W.
    "flip_transposes_square_images": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = rng.random(images.shape[0]) < p
    out = images.copy()
    if images.shape[2] == images.shape[3]:  # transposes H and W instead of mirroring W
        out[flip] = np.swapaxes(images[flip], 2, 3)
    else:
        out[flip] = images[flip, ..., ::-1]
    return out
'''),
    # Inputs of rank other than 2 ("x: input array of any shape").
    "dropout_2d_only": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    N, D = x.shape  # fails for any input that is not 2-D
    mask = (rng.random((N, D)) < 1.0 - drop_prob) / (1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_one_mask_per_feature_map": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    # one coin per (sample, channel): for x of rank > 2 the whole map shares it (spatial dropout)
    keep = rng.random(x.shape[:2]).reshape(x.shape[:2] + (1,) * (x.ndim - 2)) < 1.0 - drop_prob
    mask = np.broadcast_to(keep / (1.0 - drop_prob), x.shape)
    return x * mask, mask
'''),
    "dropout_scale_wrong_unless_2d": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    scale = 1.0 / (1.0 - drop_prob) if x.ndim == 2 else 2.0  # drop_prob = 0.5 assumed beyond 2-D
    mask = (rng.random(x.shape) < 1.0 - drop_prob) * scale
    return x * mask, mask
'''),
    # A backward that reads state kept from the last forward call instead of its cache.
    "dropout_backward_uses_last_forward_mask": ("dropout_backward", '''
_last_dropout = {}
_dropout_ref_forward = dropout_forward
def dropout_forward(x, drop_prob, train, rng):
    out, cache = _dropout_ref_forward(x, drop_prob, train, rng)
    if cache is not None:
        _last_dropout["mask"] = cache
    return out, cache

def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    return dout * _last_dropout["mask"]  # the mask of the most recent forward, not this cache's
'''),
    # Inputs of rank other than 2 reach the backward and test mode too ("x: input array of any shape").
    "dropout_backward_flattens_beyond_2d": ("dropout_backward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    x2 = x.reshape(x.shape[0], -1)
    mask = (rng.random(x2.shape) < 1.0 - drop_prob) / (1.0 - drop_prob)
    return (x2 * mask).reshape(x.shape), mask

def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    return dout.reshape(dout.shape[0], -1) * cache  # dx of shape (N, C*H*W) for a 4-D input
'''),
    "dropout_test_mode_flattens": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.reshape(x.shape[0], -1).copy(), None  # (N, D) in test mode, whatever the rank of x
    keep = 1.0 - drop_prob
    mask = (rng.random(x.shape) < keep) / keep
    return x * mask, mask
'''),
    # A forward that never drops beyond 2-D costs the forward only: the backward's 4-D case is skipped.
    "dropout_identity_beyond_2d": ("dropout_forward", '''
_dropout_ref_forward = dropout_forward
def dropout_forward(x, drop_prob, train, rng):
    if x.ndim != 2 and 0.0 <= drop_prob < 1.0:
        return x.copy(), None
    return _dropout_ref_forward(x, drop_prob, train, rng)
'''),
    # "drop_prob outside [0, 1) raises ValueError" in test mode as well.
    "dropout_validates_only_in_training": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not train:
        return x.copy(), None
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    keep = 1.0 - drop_prob
    mask = (rng.random(x.shape) < keep) / keep
    return x * mask, mask
'''),
    "mixup_lam_folded_above_half": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    lam = max(lam, 1.0 - lam)  # keeps the original sample dominant: lam no longer Beta(alpha, alpha)
    perm = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
    "flip_decisions_cached_per_batch_size": ("random_horizontal_flip", '''
_flips = {}
def random_horizontal_flip(images, rng, p=0.5):
    key = (images.shape[0], p)
    if key not in _flips:  # drawn from rng once, then reused on every call
        _flips[key] = rng.random(images.shape[0]) < p
    flip = _flips[key]
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
'''),
    # Independence beyond neighbours: a fixed number of flips per call, a mask whose rows repeat far apart.
    "flip_fixed_count": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    n = images.shape[0]
    idx = rng.choice(n, size=int(round(p * n)), replace=False)  # always the same number of images
    out = images.copy()
    out[idx] = images[idx, :, :, ::-1]
    return out
'''),
    "dropout_half_batch_tiled": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    keep = 1.0 - drop_prob
    n = x.shape[0]
    half = rng.random(((n + 1) // 2,) + x.shape[1:]) < keep
    mask = np.concatenate([half, half])[:n] / keep  # the second half of the batch reuses the first half's mask
    return x * mask, mask
'''),
    # Which images are flipped must not depend on their position: a binomial count (the count test passes) of
    # always the leading images.
    "flip_binomial_count_first_images": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    k = rng.binomial(images.shape[0], p)  # how many to flip, but always the first k
    out = images.copy()
    out[:k] = images[:k, ..., ::-1]
    return out
'''),
    # A scale that is exact only for drop_probs whose 1 / (1 - p) is a short binary fraction (1.25, 2, 4).
    "dropout_scale_float32": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) < 1.0 - drop_prob).astype(np.float32) / np.float32(1.0 - drop_prob)
    return x * mask, mask
'''),
    "dropout_scale_rounded": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    keep = 1.0 - drop_prob
    mask = (rng.random(x.shape) < keep) * round(1.0 / keep, 2)
    return x * mask, mask
'''),
    # Coins shared between images of one call: one per pair of neighbours, or drawn for half the batch and tiled.
    "flip_one_coin_per_pair": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    n = images.shape[0]
    flip = np.repeat(rng.random((n + 1) // 2) < p, 2)[:n]  # one coin for each pair of neighbouring images
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
'''),
    "flip_half_batch_tiled": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    n = images.shape[0]
    half = rng.random((n + 1) // 2) < p
    flip = np.concatenate([half, half])[:n]  # the second half of the batch reuses the first half's coins
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
'''),
    # round 8: a forward bug must not cost the backward when the backward is right for the correct layer
    "bn_keyerror_on_empty_state": ("batchnorm_forward", '''
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    running_mean, running_var = state["running_mean"], state["running_var"]  # {} raises KeyError
    if not train:
        xhat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * xhat + beta, dict(state), None
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    new_state = {"running_mean": momentum * running_mean + (1 - momentum) * mu,
                 "running_var": momentum * running_var + (1 - momentum) * var}
    return gamma * xhat + beta, new_state, (xhat, gamma, inv_std)
'''),
    "dropout_scaled_twice_backward_right": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    keep = 1.0 - drop_prob
    mask = (rng.random(x.shape) < keep) / keep
    return x * mask / keep, mask  # scaled twice; the backward's dout * mask is the correct layer's gradient
'''),
    "dropout_no_rescale_backward_rescales": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) < 1.0 - drop_prob
    return x * keep, (keep, drop_prob)

def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    keep, p = cache
    return dout * keep / (1.0 - p)
'''),
    # ------------------------------------------------------------------ from the fifth audit
    "dropout_accepts_drop_prob_1": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob <= 1.0:
        raise ValueError("drop_prob")
    if not train:
        return x.copy(), None
    keep = 1.0 - drop_prob
    with np.errstate(divide="ignore", invalid="ignore"):
        mask = (rng.random(x.shape) < keep) / keep
    return x * mask, mask
'''),
    "dropout_accepts_negative": ("dropout_forward", '''
def dropout_forward(x, drop_prob, train, rng):
    if drop_prob >= 1.0:
        raise ValueError("drop_prob")
    if not train:
        return x.copy(), None
    keep = 1.0 - drop_prob
    mask = (rng.random(x.shape) < keep) / keep
    return x * mask, mask
'''),
    "bn_test_uses_batch_stats": ("batchnorm_forward", '''
_bn_ref = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    if train:
        return _bn_ref(x, gamma, beta, state, train=True, momentum=momentum, eps=eps)
    xhat = (x - x.mean(0)) / np.sqrt(x.var(0) + eps)
    return gamma * xhat + beta, dict(state), None
'''),
    "bn_eps_outside_sqrt": ("batchnorm_forward", '''
_bn_ref2 = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    out, st, cache = _bn_ref2(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
    if not train:
        D = x.shape[1]
        rm = state.get("running_mean", np.zeros(D)); rv = state.get("running_var", np.ones(D))
        return gamma * (x - rm) / (np.sqrt(rv) + eps) + beta, st, cache
    xhat = (x - x.mean(0)) / (x.std(0) + eps)
    return gamma * xhat + beta, st, cache
'''),
    "ln_no_eps": ("layernorm_forward", '''
_ln_ref = layernorm_forward
def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    return _ln_ref(x, gamma, beta, eps=0.0)
'''),
    "bn_backward_no_eps": ("batchnorm_backward", '''
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    D = x.shape[1]
    running_mean = state.get("running_mean", np.zeros(D))
    running_var = state.get("running_var", np.ones(D))
    if not train:
        xhat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * xhat + beta, dict(state), None
    mu, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    new_state = {"running_mean": momentum * running_mean + (1 - momentum) * mu,
                 "running_var": momentum * running_var + (1 - momentum) * var}
    return gamma * xhat + beta, new_state, (x, xhat, gamma, var)

def batchnorm_backward(dout, cache):
    x, xhat, gamma, var = cache
    inv_std = 1.0 / np.sqrt(var)
    xh = (x - x.mean(0)) * inv_std
    dxhat = dout * gamma
    dx = inv_std * (dxhat - dxhat.mean(axis=0) - xh * (dxhat * xh).mean(axis=0))
    return dx, (dout * xhat).sum(0), dout.sum(0)
'''),
    "flip_ignores_p": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = rng.random(images.shape[0]) < 0.5
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
'''),
    "mixup_labels_lam_swapped": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], (1 - lam) * y_onehot + lam * y_onehot[perm]
'''),
    "bn_default_momentum_099": ("batchnorm_forward", '''
_bn_ref3 = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.99, eps=1e-5):
    return _bn_ref3(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
'''),
    "l1_grad_sign_without_reg": ("l1_penalty", '''
def l1_penalty(weights, reg):
    return reg * sum(float(np.sum(np.abs(w))) for w in weights), [np.sign(w) for w in weights]
'''),
    "gn_default_eps_1e_6": ("groupnorm_forward", '''
_gn_ref = groupnorm_forward
def groupnorm_forward(x, gamma, beta, groups, *, eps=1e-6):
    return _gn_ref(x, gamma, beta, groups, eps=eps)
'''),
    "dropout_backward_test_mode_returns_zeros": ("dropout_backward", '''
def dropout_backward(dout, cache):
    if cache is None:
        return np.zeros_like(dout)
    return dout * cache
'''),
    "bn_running_var_of_xhat": ("batchnorm_forward", '''
_bn_ref4 = batchnorm_forward
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    out, st, cache = _bn_ref4(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
    if train:
        D = x.shape[1]
        rv = state.get("running_var", np.ones(D))
        st = dict(st, running_var=momentum * rv + (1 - momentum) * x.std(0))
    return out, st, cache
'''),
    "flip_global_rng": ("random_horizontal_flip", '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = np.random.random(images.shape[0]) < p
    return np.where(flip[:, None, None, None], images[..., ::-1], images)
'''),
    "mixup_global_rng": ("mixup", '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = np.random.beta(alpha, alpha)
    perm = np.random.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
'''),
}

# name -> source appended to the reference: correct but differently written; must get full marks
ALTERNATIVES = {
    "penalties_tuples_and_0d_loss": '''
def l2_penalty(weights, reg):
    loss = np.asarray(0.0)
    for w in weights:
        loss = loss + 0.5 * reg * np.sum(w ** 2)
    return loss, tuple(reg * w for w in weights)

def l1_penalty(weights, reg):
    loss = np.float64(0.0)
    for w in weights:
        loss += reg * np.abs(w).sum()
    return loss, tuple(np.where(w > 0, reg, np.where(w < 0, -reg, 0.0)) for w in weights)
''',
    "dropout_binomial": '''
def dropout_forward(x, drop_prob, train, rng):
    if drop_prob < 0 or drop_prob >= 1:
        raise ValueError("drop_prob must be in [0, 1)")
    if not train:
        return x, {"mask": None}
    mask = rng.binomial(1, 1.0 - drop_prob, size=x.shape)
    return x * mask / (1.0 - drop_prob), {"mask": mask, "p": drop_prob}

def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout
    return dout * cache["mask"] / (1.0 - cache["p"])
''',
    "dropout_uniform_ge": '''
def dropout_forward(x, drop_prob, train, rng):
    if not (0 <= drop_prob < 1):
        raise ValueError("drop_prob must be in [0, 1)")
    mask = np.ones_like(x)
    if train:
        mask = (rng.uniform(0.0, 1.0, size=x.shape) >= drop_prob) / (1 - drop_prob)
    return x * mask, mask

def dropout_backward(dout, cache):
    return dout * cache
''',
    "dropout_choice": '''
def dropout_forward(x, drop_prob, train, rng):
    if not (0 <= drop_prob < 1):
        raise ValueError("drop_prob must be in [0, 1)")
    if not train or drop_prob == 0:
        return x.copy(), (train, None, drop_prob)
    keep = rng.choice([False, True], size=x.shape, p=[drop_prob, 1 - drop_prob])
    out = np.where(keep, x / (1 - drop_prob), 0.0)
    return out, (train, keep, drop_prob)

def dropout_backward(dout, cache):
    train, keep, p = cache
    if keep is None:
        return dout.copy()
    return np.where(keep, dout / (1 - p), 0.0)
''',
    "batchnorm_long_graph": '''
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    new_state = {k: v for k, v in state.items()}
    N, D = x.shape
    if train:
        mu = np.sum(x, axis=0) / N
        xc = x - mu
        var = np.sum(xc ** 2, axis=0) / N
        std = np.sqrt(var + eps)
        istd = 1.0 / std
        xhat = xc * istd
        new_state["running_mean"] = momentum * state.get("running_mean", np.zeros(D)) + (1 - momentum) * mu
        new_state["running_var"] = momentum * state.get("running_var", np.ones(D)) + (1 - momentum) * var
        new_state["num_batches_tracked"] = state.get("num_batches_tracked", 0) + 1
        return xhat * gamma + beta, new_state, (xc, std, istd, xhat, gamma, var, eps)
    if "running_mean" not in new_state:
        new_state = {"running_mean": np.zeros(D), "running_var": np.ones(D)}
    xhat = (x - new_state["running_mean"]) / np.sqrt(new_state["running_var"] + eps)
    return xhat * gamma + beta, new_state, None

def batchnorm_backward(dout, cache):
    xc, std, istd, xhat, gamma, var, eps = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dxc = dxhat * istd
    distd = np.sum(dxhat * xc, axis=0)
    dstd = -distd / std ** 2
    dvar = 0.5 * dstd / np.sqrt(var + eps)
    dsq = np.ones_like(dout) * dvar / N
    dxc = dxc + 2 * xc * dsq
    dmu = -np.sum(dxc, axis=0)
    dx = dxc + np.ones_like(dout) * dmu / N
    return dx, dgamma, dbeta
''',
    "layernorm_via_transpose": '''
def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    xt = x.T
    mu = xt.mean(axis=0)
    var = ((xt - mu) ** 2).mean(axis=0)
    xhat = ((xt - mu) / np.sqrt(var + eps)).T
    return gamma * xhat + beta, (xhat, gamma, np.sqrt(var + eps))

def layernorm_backward(dout, cache):
    xhat, gamma, std = cache
    D = dout.shape[1]
    dxhat = (dout * gamma).T
    xh = xhat.T
    dx = (D * dxhat - dxhat.sum(axis=0) - xh * (dxhat * xh).sum(axis=0)) / (D * std)
    return dx.T, np.einsum("nd,nd->d", dout, xhat), dout.sum(axis=0)
''',
    "groupnorm_loops_and_instancenorm_direct": '''
def groupnorm_forward(x, gamma, beta, groups, *, eps=1e-5):
    N, C, H, W = x.shape
    if C % groups:
        raise ValueError("C must be divisible by groups")
    size = C // groups
    xhat = np.empty_like(x)
    stds = np.empty((N, groups))
    for n in range(N):
        for g in range(groups):
            block = x[n, g * size:(g + 1) * size]
            m = block.mean()
            v = np.mean(block ** 2) - m ** 2
            stds[n, g] = np.sqrt(v + eps)
            xhat[n, g * size:(g + 1) * size] = (block - m) / stds[n, g]
    return xhat * gamma[:, None, None] + beta[:, None, None], (xhat, gamma, stds, size)

def groupnorm_backward(dout, cache):
    xhat, gamma, stds, size = cache
    N, C = dout.shape[:2]
    dxhat = dout * gamma[:, None, None]
    dx = np.empty_like(dout)
    for n in range(N):
        for g in range(C // size):
            sl = slice(g * size, (g + 1) * size)
            a, xh = dxhat[n, sl], xhat[n, sl]
            dx[n, sl] = (a - a.mean() - xh * np.mean(a * xh)) / stds[n, g]
    return dx, np.sum(dout * xhat, axis=(0, 2, 3)), np.sum(dout, axis=(0, 2, 3))

def instancenorm_forward(x, gamma, beta, *, eps=1e-5):
    mu = x.mean(axis=(2, 3), keepdims=True)
    std = np.sqrt(x.var(axis=(2, 3), keepdims=True) + eps)
    xhat = (x - mu) / std
    return gamma[None, :, None, None] * xhat + beta[None, :, None, None], (xhat, gamma, std)

def instancenorm_backward(dout, cache):
    xhat, gamma, std = cache
    dxhat = dout * gamma[None, :, None, None]
    dx = (dxhat - dxhat.mean(axis=(2, 3), keepdims=True)
          - xhat * (dxhat * xhat).mean(axis=(2, 3), keepdims=True)) / std
    return dx, (dout * xhat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
''',
    "flip_binomial_where": '''
def random_horizontal_flip(images, rng, p=0.5):
    flip = rng.binomial(1, p, size=images.shape[0]).astype(bool)
    return np.where(flip[:, None, None, None], np.flip(images, axis=-1), images)
''',
    "flip_loop_per_image": '''
def random_horizontal_flip(images, rng, p=0.5):
    out = np.empty_like(images)
    for i in range(len(images)):
        out[i] = images[i, :, :, ::-1] if rng.uniform() < p else images[i]
    return out
''',
    "mixup_perm_first_lam_on_shuffled": '''
def mixup(x, y_onehot, rng, alpha=0.2):
    idx = rng.permutation(len(x))
    lam = float(rng.beta(alpha, alpha))
    return lam * x[idx] + (1.0 - lam) * x, lam * y_onehot[idx] + (1.0 - lam) * y_onehot
''',
    "mixup_shuffle_copy_interpolate": '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    idx = np.arange(len(x))
    rng.shuffle(idx)
    return x[idx] + lam * (x - x[idx]), y_onehot[idx] + lam * (y_onehot - y_onehot[idx])
''',
    # Drop masks from other valid draws: their drop counts are binomial like rng.random's.
    "dropout_child_generator_where": '''
def dropout_forward(x, drop_prob, train, rng):
    if drop_prob < 0 or drop_prob >= 1:
        raise ValueError("drop_prob must be in [0, 1)")
    if not train:
        return x, None
    child = np.random.default_rng(rng.integers(0, 2 ** 63))
    keep = child.random(x.shape) > drop_prob
    return np.where(keep, x / (1 - drop_prob), 0.0), (keep, drop_prob)

def dropout_backward(dout, cache):
    if cache is None:
        return dout
    keep, p = cache
    return np.where(keep, dout / (1 - p), 0.0)
''',
    "dropout_float32_uniforms_flat_draw": '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0 <= drop_prob < 1:
        raise ValueError("drop_prob must be in [0, 1)")
    if not train or drop_prob == 0.0:
        return x.copy(), np.ones_like(x)
    keep = rng.random(x.size, dtype=np.float32).reshape(x.shape) < (1 - drop_prob)
    return x * keep / (1 - drop_prob), keep / (1 - drop_prob)

def dropout_backward(dout, cache):
    return dout * cache
''',
    # Backward passes reading caches that hold closures (opaque handles under the grader).
    "closure_caches": '''
_bn_ref_fwd, _bn_ref_bwd = batchnorm_forward, batchnorm_backward
_ln_ref_fwd, _ln_ref_bwd = layernorm_forward, layernorm_backward

def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    out, new_state, cache = _bn_ref_fwd(x, gamma, beta, state, train=train, momentum=momentum, eps=eps)
    return out, new_state, (lambda dout: _bn_ref_bwd(dout, cache))

def batchnorm_backward(dout, cache):
    return cache(dout)

def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    out, cache = _ln_ref_fwd(x, gamma, beta, eps=eps)
    return out, (lambda dout: _ln_ref_bwd(dout, cache))

def layernorm_backward(dout, cache):
    return cache(dout)
''',
    "batchnorm_mean_of_squares_lerp": '''
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    N, D = x.shape
    rm = state["running_mean"] if "running_mean" in state else np.zeros(D)
    rv = state["running_var"] if "running_var" in state else np.ones(D)
    if train:
        mu = np.mean(x, axis=0)
        var = np.mean(x ** 2, axis=0) - mu ** 2
        std = np.sqrt(var + eps)
        xhat = (x - mu) / std
        new = dict(state)
        new["running_mean"] = rm + (1 - momentum) * (mu - rm)
        new["running_var"] = rv + (1 - momentum) * (var - rv)
        return gamma * xhat + beta, new, (xhat, gamma, std)
    return gamma * (x - rm) / np.sqrt(rv + eps) + beta, state, None

def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(0)
    dgamma = (xhat * dout).sum(0)
    return gamma / (N * std) * (N * dout - dbeta - xhat * dgamma), dgamma, dbeta
''',
    # Other valid draws from rng: the same state gives the same output, other states other outputs.
    "flip_binomial_count_then_choice": '''
def random_horizontal_flip(images, rng, p=0.5):
    n = images.shape[0]
    k = rng.binomial(n, p)  # iid coins == a binomial count of uniformly chosen images
    flip = np.zeros(n, dtype=bool)
    flip[rng.choice(n, size=k, replace=False)] = True
    out = np.array(images)
    out[flip] = np.flip(images[flip], axis=3)
    return out
''',
    "flip_loop_random_then_integers_draws": '''
def random_horizontal_flip(images, rng, p=0.5):
    out = images.copy()
    for i in range(images.shape[0]):
        if rng.integers(0, 2 ** 53) < p * 2 ** 53:
            out[i] = images[i][..., ::-1]
    return out
''',
    "mixup_permuted_lam_after": '''
def mixup(x, y_onehot, rng, alpha=0.2):
    perm = rng.permuted(np.arange(x.shape[0]))
    lam = rng.beta(alpha, alpha)
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
''',
    "mixup_choice_no_replacement": '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.beta(alpha, alpha)
    perm = rng.choice(len(x), size=len(x), replace=False)
    return x * lam + x[perm] * (1 - lam), y_onehot * lam + y_onehot[perm] * (1 - lam)
''',
    "mixup_argsort_uniforms_gamma_lam": '''
def mixup(x, y_onehot, rng, alpha=0.2):
    perm = np.argsort(rng.random(x.shape[0]))
    g = rng.standard_gamma(alpha, size=2)
    lam = g[0] / g.sum()
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
''',
    # Any rank: a mask drawn in another axis order, per sample, and a cache holding a closure.
    "dropout_transposed_draw_row_loop": '''
def dropout_forward(x, drop_prob, train, rng):
    if drop_prob < 0 or drop_prob >= 1:
        raise ValueError("drop_prob must be in [0, 1)")
    if not train:
        return x.copy(), ("test",)
    u = rng.random(x.shape[::-1]).T  # any rank: the transpose reverses every axis
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = np.where(u[i] >= drop_prob, x[i] / (1 - drop_prob), 0.0)
    return out, ("train", u >= drop_prob, drop_prob)

def dropout_backward(dout, cache):
    if cache[0] == "test":
        return dout
    _, keep, p = cache
    return np.where(keep, dout / (1 - p), 0.0)
''',
    "dropout_closure_cache_per_sample_draws": '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0 <= drop_prob < 1:
        raise ValueError("drop_prob must be in [0, 1)")
    if not train:
        return x.copy(), (lambda dout: dout.copy())
    keep = np.stack([rng.random(x.shape[1:]) >= drop_prob for _ in range(x.shape[0])])
    scale = keep / (1 - drop_prob)
    return x * scale, (lambda dout: dout * scale)

def dropout_backward(dout, cache):
    return cache(dout)
''',
    # Draws from a child Generator spawned from rng: reproducible from rng's state, fresh on every call.
    "flip_spawned_child": '''
def random_horizontal_flip(images, rng, p=0.5):
    child = rng.spawn(1)[0]
    flip = child.random(images.shape[0]) < p
    out = images.copy()
    out[flip] = images[flip, ..., ::-1]
    return out
''',
    # The mask from a child spawned from rng: rng's bit generator does not move, its spawn count does.
    "dropout_spawned_child": '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("bad drop_prob")
    if not train:
        return x.copy(), None
    child = rng.spawn(1)[0]
    keep = 1.0 - drop_prob
    mask = (child.random(x.shape) < keep) / keep
    return x * mask, mask
''',
    "mixup_spawned_child": '''
def mixup(x, y_onehot, rng, alpha=0.2):
    c = rng.spawn(1)[0]
    lam = c.beta(alpha, alpha)
    perm = c.permutation(x.shape[0])
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]
''',
    # The mask kept as (N, D) for any rank, and reshaped back in the backward: right for every shape.
    "dropout_flat_mask_reshaped_backward": '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError("drop_prob must be in [0, 1)")
    if not train:
        return x.copy(), None
    flat = x.reshape(x.shape[0], -1)
    keep = rng.random(flat.shape) >= drop_prob
    return (np.where(keep, flat, 0.0) / (1.0 - drop_prob)).reshape(x.shape), (keep, drop_prob)

def dropout_backward(dout, cache):
    if cache is None:
        return dout.copy()
    keep, p = cache
    return (np.where(keep, dout.reshape(keep.shape), 0.0) / (1.0 - p)).reshape(dout.shape)
''',
    # Other valid draws: a binomial count of uniformly chosen units (the same law as iid drops), and
    # normal variates above the drop_prob quantile (scipy.special.ndtri).
    "dropout_binomial_count_then_choice": '''
def dropout_forward(x, drop_prob, train, rng):
    if not 0 <= drop_prob < 1:
        raise ValueError("drop_prob must be in [0, 1)")
    if not train:
        return x.copy(), None
    k = rng.binomial(x.size, drop_prob)
    keep = np.ones(x.size, dtype=bool)
    keep[rng.choice(x.size, size=k, replace=False)] = False
    mask = keep.reshape(x.shape) / (1 - drop_prob)
    return x * mask, mask

def dropout_backward(dout, cache):
    return dout.copy() if cache is None else dout * cache
''',
    "dropout_normal_above_quantile": '''
import scipy.special

def dropout_forward(x, drop_prob, train, rng):
    if not (0 <= drop_prob < 1):
        raise ValueError("drop_prob must be in [0, 1)")
    if not train:
        return x, None
    keep = rng.standard_normal(x.shape) > scipy.special.ndtri(drop_prob)  # P(Z > Phi^-1(p)) = 1 - p
    return np.where(keep, x / (1 - drop_prob), 0.0), (keep, 1 - drop_prob)

def dropout_backward(dout, cache):
    if cache is None:
        return dout
    keep, q = cache
    return np.where(keep, dout / q, 0.0)
''',
    "mixup_dirichlet_lam_of_shape_1": '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = rng.dirichlet([alpha, alpha])[:1]  # the first share of Dirichlet(a, a) is Beta(a, a)
    index = rng.permutation(len(x))
    return lam * x + (1 - lam) * x[index], lam * y_onehot + (1 - lam) * y_onehot[index]
''',
    "layernorm_via_batchnorm_of_transpose": '''
def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    n = x.shape[0]
    xhat_t, _, cache = batchnorm_forward(x.T, np.ones(n), np.zeros(n), {}, train=True, eps=eps)
    xhat = xhat_t.T
    return gamma * xhat + beta, (cache, xhat, gamma)

def layernorm_backward(dout, cache):
    bn_cache, xhat, gamma = cache
    dx_t, _, _ = batchnorm_backward((dout * gamma).T, bn_cache)
    return dx_t.T, (dout * xhat).sum(axis=0), dout.sum(axis=0)
''',
    # ------------------------------------------------------------------ from the fifth audit
    "penalties_norm_and_nested_where": '''
def l2_penalty(weights, reg):
    loss = 0.0
    grads = []
    for w in weights:
        loss += np.linalg.norm(np.ravel(w)) ** 2
        grads.append(np.multiply(w, reg))
    return 0.5 * reg * loss, grads

def l1_penalty(weights, reg):
    return (reg * float(sum(np.abs(w).sum() for w in weights)),
            [np.where(w > 0, reg, np.where(w < 0, -reg, 0.0)) for w in weights])
''',
    "dropout_bool_mask_test_mode_returns_x_itself": '''
def dropout_forward(x, drop_prob, train, rng):
    if drop_prob < 0 or drop_prob >= 1:
        raise ValueError("drop_prob")
    if not train:
        return x, ("test",)
    keep = 1 - drop_prob
    mask = rng.random(size=x.shape) < keep
    return np.where(mask, x / keep, 0.0), ("train", mask, keep)

def dropout_backward(dout, cache):
    if cache[0] == "test":
        return dout
    _, mask, keep = cache
    return np.where(mask, dout / keep, 0.0)
''',
    "batchnorm_std_and_compact_backward_returns_state_itself": '''
def batchnorm_forward(x, gamma, beta, state, *, train, momentum=0.9, eps=1e-5):
    D = x.shape[1]
    rm = state["running_mean"] if "running_mean" in state else np.zeros(D)
    rv = state["running_var"] if "running_var" in state else np.ones(D)
    if not train:
        return gamma * (x - rm) / np.sqrt(rv + eps) + beta, state, None
    mu = np.mean(x, axis=0)
    sd2 = np.std(x, axis=0) ** 2
    inv = (sd2 + eps) ** -0.5
    xhat = (x - mu) * inv
    return xhat * gamma + beta, {"running_var": momentum * rv + (1 - momentum) * sd2,
                                 "running_mean": momentum * rm + (1 - momentum) * mu}, (xhat, gamma, inv, x.shape[0])

def batchnorm_backward(dout, cache):
    xhat, gamma, inv, N = cache
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dx = (1.0 / N) * gamma * inv * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta
''',
    "layernorm_compact_sum_form": '''
def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    mu = np.mean(x, axis=1, keepdims=True)
    xc = x - mu
    var = np.mean(xc * xc, axis=1, keepdims=True)
    inv = 1 / np.sqrt(var + eps)
    xhat = xc * inv
    return xhat * gamma[np.newaxis, :] + beta[np.newaxis, :], {"xhat": xhat, "inv": inv, "gamma": gamma}

def layernorm_backward(dout, cache):
    xhat, inv, gamma = cache["xhat"], cache["inv"], cache["gamma"]
    D = xhat.shape[1]
    g = dout * gamma
    dx = inv / D * (D * g - g.sum(axis=1, keepdims=True) - xhat * (g * xhat).sum(axis=1, keepdims=True))
    return dx, np.einsum("nd,nd->d", dout, xhat), dout.sum(axis=0)
''',
    "groupnorm_5d_reshape": '''
def groupnorm_forward(x, gamma, beta, groups, *, eps=1e-5):
    N, C, H, W = x.shape
    if C % groups:
        raise ValueError("C must be divisible by groups")
    x5 = x.reshape(N, groups, C // groups, H, W)
    mu = x5.mean(axis=(2, 3, 4), keepdims=True)
    var = ((x5 - mu) ** 2).mean(axis=(2, 3, 4), keepdims=True)
    xhat = ((x5 - mu) / np.sqrt(var + eps)).reshape(N, C, H, W)
    return xhat * gamma[None, :, None, None] + beta[None, :, None, None], (xhat, gamma, var, eps, groups)

def groupnorm_backward(dout, cache):
    xhat, gamma, var, eps, G = cache
    N, C, H, W = dout.shape
    dgamma = np.einsum("nchw,nchw->c", dout, xhat)
    dbeta = np.einsum("nchw->c", dout)
    g5 = (dout * gamma[None, :, None, None]).reshape(N, G, C // G, H, W)
    x5 = xhat.reshape(N, G, C // G, H, W)
    m = (C // G) * H * W
    dx = ((m * g5 - g5.sum(axis=(2, 3, 4), keepdims=True) - x5 * (g5 * x5).sum(axis=(2, 3, 4), keepdims=True))
          / (m * np.sqrt(var + eps)))
    return dx.reshape(N, C, H, W), dgamma, dbeta

def instancenorm_forward(x, gamma, beta, *, eps=1e-5):
    mu = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1), (xhat, gamma, var + eps)

def instancenorm_backward(dout, cache):
    xhat, gamma, ve = cache
    m = xhat.shape[2] * xhat.shape[3]
    g = dout * gamma.reshape(1, -1, 1, 1)
    dx = (g - g.mean(axis=(2, 3), keepdims=True) - xhat * (g * xhat).mean(axis=(2, 3), keepdims=True)) / np.sqrt(ve)
    return dx, (dout * xhat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
''',
    "flip_ge_threshold_np_flip": '''
def random_horizontal_flip(images, rng, p=0.5):
    do = rng.random(len(images)) >= 1.0 - p
    out = np.array(images, copy=True)
    out[do] = np.flip(images[do], axis=3)
    return out
''',
    "mixup_difference_form": '''
def mixup(x, y_onehot, rng, alpha=0.2):
    lam = float(rng.beta(a=alpha, b=alpha))
    perm = rng.permutation(len(x))
    return x + (1.0 - lam) * (x[perm] - x), y_onehot + (1.0 - lam) * (y_onehot[perm] - y_onehot)
''',
    "dropout_per_row_draws_cache_tuple": '''
def dropout_forward(x, drop_prob, train, rng):
    if not (0 <= drop_prob < 1):
        raise ValueError(drop_prob)
    if not train:
        return np.array(x), (None, 1.0)
    flat = x.reshape(x.shape[0], -1) if x.ndim > 1 else x.reshape(1, -1)
    keep_mask = np.stack([rng.random(flat.shape[1]) >= drop_prob for _ in range(flat.shape[0])]).reshape(x.shape)
    scale = 1.0 / (1.0 - drop_prob)
    return x * keep_mask * scale, (keep_mask, scale)

def dropout_backward(dout, cache):
    mask, scale = cache
    if mask is None:
        return np.array(dout)
    return dout * mask * scale
''',
}
