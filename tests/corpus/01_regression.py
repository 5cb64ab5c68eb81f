"""Mutants and alternatives of 01_regression (regression.py) that prove the hidden tests work."""

# name -> (function that must lose points, source appended to the reference module)
MUTANTS = {
    # ---- preprocessing
    "std_sample_ddof1": ("standardize_fit", '''
def standardize_fit(X):
    std = X.std(axis=0, ddof=1)
    return X.mean(axis=0), np.where(std == 0, 1.0, std)
'''),
    "std_zero_not_replaced": ("standardize_fit", '''
def standardize_fit(X):
    return X.mean(axis=0), X.std(axis=0)
'''),
    "std_keepdims_shape": ("standardize_fit", '''
def standardize_fit(X):
    std = X.std(axis=0, keepdims=True)
    return X.mean(axis=0, keepdims=True), np.where(std == 0, 1.0, std)
'''),
    "apply_own_statistics": ("standardize_apply", '''
def standardize_apply(X, mean, std):
    m, s = standardize_fit(X)
    return (X - m) / s
'''),
    "apply_mutates_input": ("standardize_apply", '''
def standardize_apply(X, mean, std):
    X -= mean
    X /= std
    return X
'''),
    # ---- linear regression
    "linear_forward_no_bias": ("linear_forward", '''
def linear_forward(X, w, b):
    return X @ w
'''),
    "mse_grad_missing_2": ("mse_loss", '''
def mse_loss(y_hat, y):
    diff = y_hat - y
    return float(np.mean(diff**2)), diff / diff.size
'''),
    "mse_grad_missing_1_over_n": ("mse_loss", '''
def mse_loss(y_hat, y):
    diff = y_hat - y
    return float(np.mean(diff**2)), 2.0 * diff
'''),
    "mse_loss_summed": ("mse_loss", '''
def mse_loss(y_hat, y):
    diff = y_hat - y
    return float(np.sum(diff**2)), 2.0 * diff / diff.size
'''),
    "mse_grad_sign_flipped": ("mse_loss", '''
def mse_loss(y_hat, y):
    diff = y - y_hat
    return float(np.mean(diff**2)), 2.0 * diff / diff.size
'''),
    "closed_form_no_intercept": ("linear_regression_closed_form", '''
def linear_regression_closed_form(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0], 0.0
'''),
    "closed_form_normal_equations_solve": ("linear_regression_closed_form", '''
def linear_regression_closed_form(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    try:
        theta = np.linalg.solve(A.T @ A, A.T @ y)
    except np.linalg.LinAlgError:
        theta = np.linalg.lstsq(A.T @ A + 1e-8 * np.eye(A.shape[1]), A.T @ y, rcond=None)[0]
    return theta[:-1], float(theta[-1])
'''),
    "closed_form_least_squares_not_min_norm": ("linear_regression_closed_form", '''
def linear_regression_closed_form(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    null = np.linalg.svd(A)[2][-1]      # a null-space direction when A is rank deficient
    if np.linalg.matrix_rank(A) < A.shape[1]:
        theta = theta + 0.5 * null     # still optimal, but not minimum-norm
    return theta[:-1], float(theta[-1])
'''),
    "gd_losses_before_epoch": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        losses.append(mse_loss(X @ w + b, y)[0])
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w - lr * (X[idx].T @ dy)
            b = b - lr * float(np.sum(dy))
    return w, b, np.array(losses)
'''),
    "gd_bias_not_updated": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w - lr * (X[idx].T @ dy)
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "gd_never_shuffles": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        for start in range(0, N, batch_size):
            idx = np.arange(start, min(start + batch_size, N))
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w - lr * (X[idx].T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "gd_one_sample_per_epoch": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        idx = rng.permutation(N)[:batch_size]   # one mini-batch per epoch instead of a full pass
        _, dy = mse_loss(X[idx] @ w + b, y[idx])
        w = w - lr * (X[idx].T @ dy)
        b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    # ---- sigmoid, BCE, logistic regression
    "sigmoid_exp_ratio_overflows": ("sigmoid", '''
def sigmoid(z):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(z) / (1.0 + np.exp(z))
'''),
    "sigmoid_clipped_logits": ("sigmoid", '''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
'''),
    "bce_log_of_sigmoid": ("bce_with_logits", '''
def bce_with_logits(z, y):
    s = sigmoid(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    return float(loss), (s - y) / z.size
'''),
    "bce_eps_clipped_log": ("bce_with_logits", '''
def bce_with_logits(z, y):
    s = sigmoid(z)
    loss = -np.mean(y * np.log(s + 1e-12) + (1 - y) * np.log(1 - s + 1e-12))
    return float(loss), (s - y) / z.size
'''),
    "bce_grad_not_averaged": ("bce_with_logits", '''
def bce_with_logits(z, y):
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return float(loss), sigmoid(z) - y
'''),
    "logistic_regularizes_bias": ("logistic_regression_gd", '''
def logistic_regression_gd(X, y, *, lr, epochs, reg=0.0):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        _, dz = bce_with_logits(X @ w + b, y)
        w, b = w - lr * (X.T @ dz + reg * w), b - lr * (float(np.sum(dz)) + reg * b)
        loss, _ = bce_with_logits(X @ w + b, y)
        losses.append(loss + 0.5 * reg * (float(np.sum(w**2)) + b**2))
    return w, b, np.array(losses)
'''),
    "logistic_ignores_reg": ("logistic_regression_gd", '''
def logistic_regression_gd(X, y, *, lr, epochs, reg=0.0):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        _, dz = bce_with_logits(X @ w + b, y)
        w, b = w - lr * (X.T @ dz), b - lr * float(np.sum(dz))
        losses.append(bce_with_logits(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "logistic_reg_squared": ("logistic_regression_gd", '''
def logistic_regression_gd(X, y, *, lr, epochs, reg=0.0):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        _, dz = bce_with_logits(X @ w + b, y)
        w, b = w - lr * (X.T @ dz + reg**2 * w), b - lr * float(np.sum(dz))
        loss, _ = bce_with_logits(X @ w + b, y)
        losses.append(loss + 0.5 * reg**2 * float(np.sum(w**2)))
    return w, b, np.array(losses)
'''),
    # ---- softmax and cross-entropy
    "softmax_no_max_shift": ("softmax", '''
def softmax(Z):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(Z)
        return e / np.sum(e, axis=-1, keepdims=True)
'''),
    "softmax_wrong_axis": ("softmax", '''
def softmax(Z):
    e = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
'''),
    "ce_summed_not_averaged": ("softmax_cross_entropy", '''
import scipy.special  # the reference no longer imports it; students may
def softmax_cross_entropy(Z, y):
    N = Z.shape[0]
    log_p = Z - scipy.special.logsumexp(Z, axis=1, keepdims=True)
    dZ = np.exp(log_p)
    dZ[np.arange(N), y] -= 1.0
    return float(-np.sum(log_p[np.arange(N), y])), dZ
'''),
    "ce_log_of_softmax": ("softmax_cross_entropy", '''
def softmax_cross_entropy(Z, y):
    N = Z.shape[0]
    P = softmax(Z)
    with np.errstate(divide="ignore"):
        loss = -np.mean(np.log(P[np.arange(N), y]))
    dZ = P.copy()
    dZ[np.arange(N), y] -= 1.0
    return float(loss), dZ / N
'''),
    "ce_grad_not_averaged": ("softmax_cross_entropy", '''
import scipy.special  # the reference no longer imports it; students may
def softmax_cross_entropy(Z, y):
    N = Z.shape[0]
    log_p = Z - scipy.special.logsumexp(Z, axis=1, keepdims=True)
    dZ = np.exp(log_p)
    dZ[np.arange(N), y] -= 1.0
    return float(-np.mean(log_p[np.arange(N), y])), dZ
'''),
    "ce_mutates_logits": ("softmax_cross_entropy", '''
def softmax_cross_entropy(Z, y):
    N = Z.shape[0]
    Z -= np.max(Z, axis=1, keepdims=True)
    log_p = Z - np.log(np.sum(np.exp(Z), axis=1, keepdims=True))
    dZ = np.exp(log_p)
    dZ[np.arange(N), y] -= 1.0
    return float(-np.mean(log_p[np.arange(N), y])), dZ / N
'''),
    # ---- information theory
    "entropy_no_0log0": ("entropy", '''
def entropy(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(p * np.log(p), axis=-1)
'''),
    "entropy_log2": ("entropy", '''
import scipy.special  # the reference no longer imports it; students may
def entropy(p):
    return -np.sum(scipy.special.xlogy(p, p), axis=-1) / np.log(2)
'''),
    "entropy_sums_everything": ("entropy", '''
import scipy.special  # the reference no longer imports it; students may
def entropy(p):
    return -np.sum(scipy.special.xlogy(p, p))
'''),
    "cross_entropy_no_convention": ("cross_entropy", '''
def cross_entropy(p, q):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(p * np.log(q), axis=-1)
'''),
    "cross_entropy_swapped": ("cross_entropy", '''
import scipy.special  # the reference no longer imports it; students may
def cross_entropy(p, q):
    return -np.sum(scipy.special.xlogy(q, p), axis=-1)
'''),
    "kl_arguments_swapped": ("kl_divergence", '''
import scipy.special  # the reference no longer imports it; students may
def kl_divergence(p, q):
    return np.sum(scipy.special.rel_entr(q, p), axis=-1)
'''),
    "kl_no_convention": ("kl_divergence", '''
def kl_divergence(p, q):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(p * np.log(p / q), axis=-1)
'''),
    "accuracy_argmin": ("accuracy", '''
def accuracy(scores, y):
    return float(np.mean(np.argmin(scores, axis=1) == y))
'''),
    "accuracy_count": ("accuracy", '''
def accuracy(scores, y):
    return float(np.sum(np.argmax(scores, axis=1) == y))
'''),
    # ---- softmax regression
    "softmax_train_ignores_reg": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W, b = W - lr * (X[idx].T @ dZ), b - lr * dZ.sum(axis=0)
        losses.append(softmax_cross_entropy(X @ W + b, y)[0])
    return W, b, {"loss": np.array(losses)}
'''),
    "softmax_train_history_per_batch": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            loss, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W, b = W - lr * (X[idx].T @ dZ + reg * W), b - lr * dZ.sum(axis=0)
            losses.append(loss + 0.5 * reg * np.sum(W**2))
    return W, b, {"loss": np.array(losses)}
'''),
    "softmax_train_grad_ascent_on_bias": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W, b = W - lr * (X[idx].T @ dZ + reg * W), b + lr * dZ.sum(axis=0)
        losses.append(softmax_cross_entropy(X @ W + b, y)[0] + 0.5 * reg * np.sum(W**2))
    return W, b, {"loss": np.array(losses)}
'''),
    # ---- training loops that learn wrongly (added with the faster hidden tests: they must still fail)
    "gd_gradient_ascent": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w + lr * (X[idx].T @ dy)
            b = b + lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "gd_batch_gradient_divided_by_n": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            err = X[idx] @ w + b - y[idx]
            w = w - lr * 2.0 * (X[idx].T @ err) / N    # averaged over all N samples, not over the batch
            b = b - lr * 2.0 * float(np.sum(err)) / N
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "gd_never_updates": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w_new = w - lr * (X[idx].T @ dy)
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "softmax_train_grad_divided_by_n": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            P = softmax(X[idx] @ W + b)
            P[np.arange(len(idx)), y[idx]] -= 1.0
            P /= N                                   # averaged over all N samples, not over the batch
            W, b = W - lr * (X[idx].T @ P + reg * W), b - lr * P.sum(axis=0)
        losses.append(softmax_cross_entropy(X @ W + b, y)[0] + 0.5 * reg * np.sum(W**2))
    return W, b, {"loss": np.array(losses)}
'''),
    "softmax_train_gradient_ascent": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W, b = W + lr * (X[idx].T @ dZ + reg * W), b + lr * dZ.sum(axis=0)
        losses.append(softmax_cross_entropy(X @ W + b, y)[0] + 0.5 * reg * np.sum(W**2))
    return W, b, {"loss": np.array(losses)}
'''),
    "softmax_train_never_updates": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W_new, b_new = W - lr * (X[idx].T @ dZ + reg * W), b - lr * dZ.sum(axis=0)
        losses.append(softmax_cross_entropy(X @ W + b, y)[0] + 0.5 * reg * np.sum(W**2))
    return W, b, {"loss": np.array(losses)}
'''),
    # ---- stability: right values, but a warning on the way (the spec: no overflow warning)
    "sigmoid_naive_overflow_warning": ("sigmoid", '''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))   # exp(1e4) overflows to inf with a RuntimeWarning; the values stay right
'''),
    "sigmoid_where_both_branches": ("sigmoid", '''
def sigmoid(z):
    # np.where evaluates both branches everywhere: exp overflows, and inf / inf warns too
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
'''),
    "bce_sigmoid_inline_overflows": ("bce_with_logits", '''
def bce_with_logits(z, y):
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return float(loss), (1.0 / (1.0 + np.exp(-z)) - y) / z.size
'''),
    "softmax_overflow_then_fallback": ("softmax", '''
def softmax(Z):
    e = np.exp(Z)                      # the plain formula first (overflows, with a warning) ...
    if not np.all(np.isfinite(e)):     # ... and the shifted one only once it did
        e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
'''),
    "ce_log_of_softmax_where_fallback": ("softmax_cross_entropy", '''
def softmax_cross_entropy(Z, y):
    N = Z.shape[0]
    P = softmax(Z)
    shifted = Z - np.max(Z, axis=1, keepdims=True)
    # log(P) where P > 0, log-softmax where P underflowed: right values, but np.where takes log(0) anyway
    log_p = np.where(P > 0, np.log(P), shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True)))
    dZ = P.copy()
    dZ[np.arange(N), y] -= 1.0
    return float(-np.mean(log_p[np.arange(N), y])), dZ / N
'''),
    # ---- mini-batch SGD: shuffling, the last smaller batch
    "gd_shuffle_once": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    order = rng.permutation(N)            # shuffled once, not every epoch
    for _ in range(epochs):
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dy = mse_loss(linear_forward(X[idx], w, b), y[idx])
            w = w - lr * (X[idx].T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(linear_forward(X, w, b), y)[0])
    return w, b, np.array(losses)
'''),
    "gd_drops_last_batch": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N - batch_size + 1, batch_size):   # the smaller last batch is skipped
            idx = order[start:start + batch_size]
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w - lr * (X[idx].T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "gd_grad_divided_by_batch_size": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            err = X[idx] @ w + b - y[idx]
            w = w - lr * 2.0 * (X[idx].T @ err) / batch_size     # wrong for a smaller last batch
            b = b - lr * 2.0 * float(np.sum(err)) / batch_size
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "gd_separate_perms_X_y": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        Xs, ys = rng.permutation(X), rng.permutation(y)   # X and y shuffled independently
        for start in range(0, N, batch_size):
            _, dy = mse_loss(Xs[start:start + batch_size] @ w + b, ys[start:start + batch_size])
            w = w - lr * (Xs[start:start + batch_size].T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    # ---- softmax regression: update, history and shuffling bugs an outcome-only test let through
    "softmax_train_shuffle_once": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    order = rng.permutation(N)            # shuffled once, not every epoch
    for _ in range(epochs):
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    "softmax_train_never_shuffles": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        for start in range(0, N, batch_size):
            idx = np.arange(start, min(start + batch_size, N))   # always in the given order
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    "softmax_train_drop_last": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N - batch_size + 1, batch_size):   # the smaller last batch is skipped
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    "softmax_train_bias_regularized": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * (np.sum(dZ, axis=0) + reg * b)   # the bias regularized too
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * (float(np.sum(W**2)) + float(np.sum(b**2))))
    return W, b, history
'''),
    "softmax_train_history_before_epoch": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))   # BEFORE the epoch
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
    return W, b, history
'''),
    "softmax_train_history_no_reg": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss)          # the L2 term is missing from the objective
    history["loss"] = np.array(history["loss"])
    return W, b, history
'''),
    "softmax_train_one_epoch_short": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for e in range(epochs):
        order = rng.permutation(N)
        if e > 0:   # off by one: the first epoch only records the loss
            for start in range(0, N, batch_size):
                idx = order[start:start + batch_size]
                _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
                W = W - lr * (X[idx].T @ dZ + reg * W)
                b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    "softmax_train_reg_grad_divided_by_batch": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W / len(idx))   # reg averaged like the loss: wrong
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    "softmax_train_reg_grad_double": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + 2 * reg * W)   # gradient of 0.5*reg*W^2 taken as 2*reg*W
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    "softmax_train_reg_grad_half": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + 0.5 * reg * W)     # gradient of 0.5*reg*W^2 taken as 0.5*reg*W
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    "softmax_train_global_np_random": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = np.random.permutation(N)   # global state, not rng
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    # ---- found by the second audit: each shows only on inputs the suite did not use before
    "softmax_train_num_classes_from_y": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    C = int(y.max()) + 1              # ignores num_classes: too few columns when the last class has no sample
    N, D = X.shape
    W, b = np.zeros((D, C)), np.zeros(C)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
'''),
    "softmax_train_pads_unseen_classes": ("softmax_regression_train", '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    C = int(y.max()) + 1              # trains only the classes present, then pads W and b with zeros
    N, D = X.shape
    W, b = np.zeros((D, C)), np.zeros(C)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    W = np.column_stack([W, np.zeros((D, num_classes - C))])
    return W, np.append(b, np.zeros(num_classes - C)), history
'''),
    "gd_array_split_equal_batches": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    n_batches = int(np.ceil(N / batch_size))
    for _ in range(epochs):
        for idx in np.array_split(rng.permutation(N), n_batches):   # near-equal batches, not batch_size each
            _, dy = mse_loss(linear_forward(X[idx], w, b), y[idx])
            w = w - lr * (X[idx].T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(linear_forward(X, w, b), y)[0])
    return w, b, np.array(losses)
'''),
    "entropy_zeros_replaced_in_place": ("entropy", '''
def entropy(p):
    p[p == 0] = 1.0                 # in place on the caller's p: 1 * log 1 = 0; changes only a p with zeros
    return -np.sum(p * np.log(p), axis=-1)
'''),
    "cross_entropy_q_masked_in_place": ("cross_entropy", '''
def cross_entropy(p, q):
    q[p == 0] = 1.0                 # in place on the caller's q: changes it only where p has zeros
    return -np.sum(p * np.log(q), axis=-1)
'''),
    "kl_masked_in_place": ("kl_divergence", '''
def kl_divergence(p, q):
    m = p > 0
    q[~m] = 1.0; p[~m] = 1.0        # in place: changes p and q only where p has zeros
    return np.sum(p * np.log(p / q), axis=-1)
'''),
    "sigmoid_clips_in_place": ("sigmoid", '''
def sigmoid(z):
    z = np.clip(z, -709, 709, out=z)   # in place on the caller's array: changes only logits beyond 709
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''),
    "softmax_floors_in_place": ("softmax", '''
def softmax(Z):
    np.maximum(Z, -700.0, out=Z)       # "avoid underflow": floors the caller's logits in place
    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
'''),
    "logistic_bias_grad_after_w_step": ("logistic_regression_gd", '''
def logistic_regression_gd(X, y, *, lr, epochs, reg=0.0):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        _, dz = bce_with_logits(X @ w + b, y)
        w = w - lr * (X.T @ dz + reg * w)
        _, dz = bce_with_logits(X @ w + b, y)    # the bias gradient taken with the updated w
        b = b - lr * float(np.sum(dz))
        loss, _ = bce_with_logits(X @ w + b, y)
        losses.append(loss + 0.5 * reg * float(np.sum(w**2)))
    return w, b, np.array(losses)
'''),
    # ---- no math at all: only properties that say nothing of the values (they must earn nothing)
    "mse_loss_constant_zero": ("mse_loss", '''
def mse_loss(y_hat, y):
    return 0.0, np.zeros(np.shape(y_hat))
'''),
    "bce_with_logits_constant_zero": ("bce_with_logits", '''
def bce_with_logits(z, y):
    return 0.0, np.zeros(np.shape(z))
'''),
    "softmax_cross_entropy_constant_zero": ("softmax_cross_entropy", '''
def softmax_cross_entropy(Z, y):
    return 0.0, np.zeros(np.shape(Z))
'''),
    # ---- found by the third audit
    "sigmoid_safe_clip_709": ("sigmoid", '''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -709, 709)))   # no overflow, but sigmoid(-1e4) is 1e-308, not 0.0
'''),
    "bce_clips_logits_in_place_for_dz": ("bce_with_logits", '''
def bce_with_logits(z, y):
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    np.clip(z, -700.0, 700.0, out=z)   # "so exp cannot overflow": in place, changes only logits beyond 700
    return float(loss), (1.0 / (1.0 + np.exp(-z)) - y) / z.size
'''),
    "gd_shuffles_caller_arrays_in_place": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        state = rng.bit_generator.state
        rng.shuffle(X)                     # the same permutation for X and y, but in place on the caller's arrays
        rng.bit_generator.state = state
        rng.shuffle(y)
        for start in range(0, N, batch_size):
            xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            _, dy = mse_loss(xb @ w + b, yb)
            w = w - lr * (xb.T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "gd_own_fixed_seed_generator": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    gen = np.random.default_rng(42)        # ignores rng: every call visits the samples in the same orders
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = gen.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w - lr * (X[idx].T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "gd_bias_grad_after_w_step": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w - lr * (X[idx].T @ dy)
            _, dy = mse_loss(X[idx] @ w + b, y[idx])   # the bias gradient taken with the updated w
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    "linear_forward_squeezes_single_row": ("linear_forward", '''
def linear_forward(X, w, b):
    return np.squeeze(X @ w) + b          # shape () instead of (1,) when N = 1
'''),
    "closed_form_tiny_ridge": ("linear_regression_closed_form", '''
def linear_regression_closed_form(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.solve(A.T @ A + 1e-3 * np.eye(A.shape[1]), A.T @ y)   # "regularized so it is invertible"
    return theta[:-1], float(theta[-1])
'''),
    "logistic_reg_grad_over_n": ("logistic_regression_gd", '''
def logistic_regression_gd(X, y, *, lr, epochs, reg=0.0):
    N = len(y)
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        _, dz = bce_with_logits(X @ w + b, y)
        w, b = w - lr * (X.T @ dz + reg * w / N), b - lr * float(np.sum(dz))   # the L2 term averaged like the loss
        loss, _ = bce_with_logits(X @ w + b, y)
        losses.append(loss + 0.5 * reg * float(np.sum(w**2)) / N)
    return w, b, np.array(losses)
'''),
    # ---- global random state in the other shuffling function (the public tests must catch it too)
    "gd_global_np_random": ("linear_regression_gd", '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = np.random.permutation(N)   # global state, not rng
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, d = mse_loss(X[idx] @ w + b, y[idx])
            w, b = w - lr * X[idx].T @ d, b - lr * float(np.sum(d))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
'''),
    # ------------------------------------------------------------------ from the twelfth audit (p)
    "softmax_global_max_shift": ("softmax", '''
def softmax(Z):
    e = np.exp(Z - np.max(Z))
    return e / np.sum(e, axis=-1, keepdims=True)
'''),
    "mse_half_convention": ("mse_loss", '''
def mse_loss(y_hat, y):
    d = y_hat - y
    return float(0.5 * np.mean(d ** 2)), d / d.size
'''),
    "cross_entropy_eps_1e9": ("cross_entropy", '''
def cross_entropy(p, q):
    return -np.sum(p * np.log(q + 1e-9), axis=-1)
'''),
}

# name -> source appended to the reference: correct but differently written; must get full marks
ALTERNATIVES = {
    "standardize_by_hand": '''
def standardize_fit(X):
    mean = np.sum(X, axis=0) / X.shape[0]
    std = np.sqrt(np.mean((X - mean) ** 2, axis=0))
    std[std == 0] = 1.0
    return mean, std

def standardize_apply(X, mean, std):
    return (X - mean[None, :]) * (1.0 / std)
''',
    "linear_dot_and_0d_losses": '''
def linear_forward(X, w, b):
    return np.dot(X, w) + np.float64(b)

def mse_loss(y_hat, y):
    diff = y_hat - y
    return np.array(np.dot(diff, diff) / len(diff)), (2.0 / len(diff)) * diff
''',
    "closed_form_pinv": '''
def linear_regression_closed_form(X, y):
    theta = np.linalg.pinv(np.hstack([X, np.ones((len(X), 1))])) @ y
    return theta[:-1], theta[-1]
''',
    "closed_form_centered_pinv": '''
def linear_regression_closed_form(X, y):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    w = np.linalg.pinv(X - x_mean) @ (y - y_mean)
    return w, float(y_mean - x_mean @ w)
''',
    "gd_shuffle_index_array_and_list": '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N = len(X)
    w, b = np.zeros(X.shape[1]), np.float64(0.0)
    idx = np.arange(N)
    losses = []
    for epoch in range(epochs):
        rng.shuffle(idx)
        for i in range(0, N, batch_size):
            batch = idx[i:i + batch_size]
            err = X[batch] @ w + b - y[batch]
            w = w - lr * 2.0 * X[batch].T @ err / len(batch)
            b = b - lr * 2.0 * err.mean()
        losses.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, losses
''',
    "gd_rng_choice": '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = np.zeros(epochs)
    for e in range(epochs):
        order = rng.choice(N, size=N, replace=False)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            loss, dy = mse_loss(linear_forward(X[idx], w, b), y[idx])
            w -= lr * (dy @ X[idx])
            b -= lr * dy.sum()
        losses[e] = mse_loss(linear_forward(X, w, b), y)[0]
    return w, b, losses
''',
    "sigmoid_expit": '''
import scipy.special  # the reference no longer imports it; students may
def sigmoid(z):
    return scipy.special.expit(z)
''',
    "sigmoid_tanh": '''
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))
''',
    "sigmoid_masked": '''
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out
''',
    "bce_logaddexp_0d": '''
import scipy.special  # the reference no longer imports it; students may
def bce_with_logits(z, y):
    loss = np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z))
    return np.asarray(loss), (scipy.special.expit(z) - y) / len(z)
''',
    "logistic_in_place_updates": '''
import scipy.special  # the reference no longer imports it; students may
def logistic_regression_gd(X, y, *, lr, epochs, reg=0.0):
    N, D = X.shape
    w = np.zeros(D)
    b = 0.0
    losses = []
    for _ in range(epochs):
        p = scipy.special.expit(X @ w + b)
        grad_w = X.T @ (p - y) / N + reg * w
        grad_b = np.mean(p - y)
        w -= lr * grad_w
        b -= lr * grad_b
        z = X @ w + b
        bce = np.mean(np.logaddexp(0.0, z) - y * z)
        losses.append(bce + 0.5 * reg * w @ w)
    return w, b, np.array(losses)
''',
    "softmax_scipy": '''
import scipy.special  # the reference no longer imports it; students may
def softmax(Z):
    return scipy.special.softmax(Z, axis=-1)
''',
    "softmax_logsumexp": '''
import scipy.special  # the reference no longer imports it; students may
def softmax(Z):
    return np.exp(Z - scipy.special.logsumexp(Z, axis=-1, keepdims=True))
''',
    "ce_scipy_log_softmax_0d": '''
import scipy.special  # the reference no longer imports it; students may
def softmax_cross_entropy(Z, y):
    N = len(y)
    log_p = scipy.special.log_softmax(Z, axis=1)
    onehot = np.eye(Z.shape[1])[y]
    return np.asarray(-np.sum(onehot * log_p) / N), (np.exp(log_p) - onehot) / N
''',
    "information_by_where": '''
def entropy(p):
    safe = np.where(p > 0, p, 1.0)
    return -np.sum(np.where(p > 0, p * np.log(safe), 0.0), axis=-1)

def cross_entropy(p, q):
    with np.errstate(divide="ignore"):
        logq = np.log(np.where(p > 0, q, 1.0))
    return -np.sum(np.where(p > 0, p * logq, 0.0), axis=-1)

def kl_divergence(p, q):
    return cross_entropy(p, q) - entropy(p)
''',
    "accuracy_count_over_len": '''
def accuracy(scores, y):
    return np.sum(scores.argmax(axis=-1) == y) / len(y)
''',
    "softmax_train_random_init_rng_shuffle": '''
import scipy.special  # the reference no longer imports it; students may
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W = 0.001 * rng.standard_normal((D, num_classes))
    b = np.zeros(num_classes)
    idx = np.arange(N)
    history = {"loss": [], "note": "extra keys are fine"}
    for _ in range(epochs):
        rng.shuffle(idx)
        for start in range(0, N, batch_size):
            batch = idx[start:start + batch_size]
            P = scipy.special.softmax(X[batch] @ W + b, axis=1)
            P[np.arange(len(batch)), y[batch]] -= 1.0
            P /= len(batch)
            W = W - lr * (X[batch].T @ P + reg * W)
            b = b - lr * P.sum(axis=0)
        history["loss"].append(softmax_cross_entropy(X @ W + b, y)[0] + 0.5 * reg * np.sum(W * W))
    return W, b, history
''',
    "softmax_train_mean_batch_loss_history": '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(N)
        batch_losses = []
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            loss, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            batch_losses.append(loss + 0.5 * reg * np.sum(W**2))
            W, b = W - lr * (X[idx].T @ dZ + reg * W), b - lr * dZ.sum(axis=0)
        history["loss"].append(float(np.mean(batch_losses)))
    return W, b, history
''',
    "information_scipy_xlogy_rel_entr": '''
import scipy.special  # how the reference was written before it dropped scipy

def entropy(p):
    return -np.sum(scipy.special.xlogy(p, p), axis=-1)

def cross_entropy(p, q):
    return -np.sum(scipy.special.xlogy(p, q), axis=-1)

def kl_divergence(p, q):
    return np.sum(scipy.special.rel_entr(p, q), axis=-1)
''',
    "sigmoid_logaddexp": '''
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))   # exp(-1e4) underflows silently
''',
    "bce_log_expit": '''
import scipy.special  # the reference no longer imports it; students may
def bce_with_logits(z, y):
    loss = -np.mean(y * scipy.special.log_expit(z) + (1 - y) * scipy.special.log_expit(-z))
    return loss, (scipy.special.expit(z) - y) / len(y)
''',
    "softmax_exp_over_sum_keepdims_last": '''
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=-1)[..., None]
    e = np.exp(Z - m)
    return e / e.sum(axis=-1)[..., None]

def softmax_cross_entropy(Z, y):
    N = len(y)
    m = Z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True))).ravel()
    loss = np.mean(lse - np.take_along_axis(Z, y[:, None], axis=1).ravel())
    dZ = softmax(Z)
    dZ[np.arange(N), y] -= 1
    return loss, dZ / N
''',
    "gd_argsort_random": '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w = np.zeros(D); b = np.zeros(())
    losses = np.empty(epochs)
    for e in range(epochs):
        order = np.argsort(rng.random(N))      # a uniformly random order, drawn another way
        Xs, ys = X[order], y[order]
        for s in range(0, N, batch_size):
            xb, yb = Xs[s:s + batch_size], ys[s:s + batch_size]
            g = 2.0 * (xb @ w + b - yb) / len(yb)
            w = w - lr * np.einsum("n,nd->d", g, xb)
            b = b - lr * g.sum()
        losses[e] = np.mean((X @ w + b - y) ** 2)
    return w, b, losses
''',
    "gd_joint_shuffle_rows": '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    data = np.column_stack([X, y])
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        rng.shuffle(data)            # in place on a private copy, rows stay aligned
        for s in range(0, N, batch_size):
            xb, yb = data[s:s + batch_size, :D], data[s:s + batch_size, D]
            _, dy = mse_loss(xb @ w + b, yb)
            w = w - lr * xb.T @ dy
            b = b - lr * dy.sum()
        losses.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, losses
''',
    "gd_rng_spawn_child": '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    (child,) = rng.spawn(1)            # an independent child stream (NumPy's recommended way)
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = child.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w - lr * (X[idx].T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
''',
    "softmax_train_rng_spawn": '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    (child,) = rng.spawn(1)
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    history = {"loss": []}
    for _ in range(epochs):
        order = child.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            _, dZ = softmax_cross_entropy(X[idx] @ W + b, y[idx])
            W = W - lr * (X[idx].T @ dZ + reg * W)
            b = b - lr * np.sum(dZ, axis=0)
        loss, _ = softmax_cross_entropy(X @ W + b, y)
        history["loss"].append(loss + 0.5 * reg * float(np.sum(W**2)))
    return W, b, history
''',
    "softmax_train_permuted_copies": '''
def softmax_regression_train(X, y, num_classes, *, lr, epochs, batch_size, reg, rng):
    N, D = X.shape
    W, b = np.zeros((D, num_classes)), np.zeros(num_classes)
    Y = np.eye(num_classes)[y]
    losses = []
    for _ in range(epochs):
        perm = rng.permuted(np.arange(N))
        Xs, Ys = X[perm], Y[perm]
        for s in range(0, N, batch_size):
            xb, yb = Xs[s:s + batch_size], Ys[s:s + batch_size]
            Z = xb @ W + b
            P = np.exp(Z - Z.max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
            G = (P - yb) / len(xb)
            W -= lr * (xb.T @ G + reg * W)
            b -= lr * G.sum(axis=0)
        Z = X @ W + b
        lse = Z.max(axis=1) + np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1))
        losses.append(np.mean(lse - np.sum(Z * Y, axis=1)) + 0.5 * reg * np.sum(W * W))
    return W, b, {"loss": losses}
''',
    # ---- the second audit's checks must accept these
    "gd_array_split_at_multiples": '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        # split points at batch_size, 2 * batch_size, ...: the same batches as slicing
        for idx in np.array_split(rng.permutation(N), np.arange(batch_size, N, batch_size)):
            _, dy = mse_loss(X[idx] @ w + b, y[idx])
            w = w - lr * (X[idx].T @ dy)
            b = b - lr * float(np.sum(dy))
        losses.append(mse_loss(X @ w + b, y)[0])
    return w, b, np.array(losses)
''',
    "information_masks_in_place_on_copies": '''
def entropy(p):
    p = np.array(p, dtype=np.float64)    # a private copy: writing into it is fine
    p[p == 0] = 1.0
    return -np.sum(p * np.log(p), axis=-1)

def cross_entropy(p, q):
    q = q.copy()
    q[p == 0] = 1.0
    with np.errstate(divide="ignore"):
        return -np.sum(p * np.log(q), axis=-1)

def kl_divergence(p, q):
    m = p > 0
    p, q = p.copy(), q.copy()
    p[~m] = 1.0
    q[~m] = 1.0
    return np.sum(p * (np.log(p) - np.log(q)), axis=-1)
''',
    "sigmoid_softmax_in_place_on_copies": '''
def sigmoid(z):
    e = np.abs(z)                        # a new array: the in-place steps below leave z alone
    np.negative(e, out=e)
    np.exp(e, out=e)
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

def softmax(Z):
    Z = np.array(Z, dtype=np.float64)    # a private copy
    Z -= np.max(Z, axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= np.sum(Z, axis=-1, keepdims=True)
    return Z
''',
    # ---- the third audit's checks must accept these
    "sigmoid_naive_under_errstate": '''
def sigmoid(z):
    with np.errstate(over="ignore"):      # exp(1e4) = inf silently, 1 / (1 + inf) = 0.0: exact limits, no warning
        return 1.0 / (1.0 + np.exp(-z))
''',
    "sigmoid_exp_min_and_bce_label_masks": '''
def sigmoid(z):
    return np.exp(np.minimum(z, 0)) / (1.0 + np.exp(-np.abs(z)))

def bce_with_logits(z, y):
    loss = np.where(y == 1, np.logaddexp(0.0, -z), np.logaddexp(0.0, z)).mean()
    return loss, (sigmoid(z) - y) / len(z)
''',
    "sigmoid_vectorized_math_and_piecewise_bce": '''
import math
def _scalar_sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)

def sigmoid(z):
    return np.vectorize(_scalar_sigmoid, otypes=[np.float64])(z)

def bce_with_logits(z, y):
    softplus = np.where(z > 0, z + np.log1p(np.exp(-np.abs(z))), np.log1p(np.exp(-np.abs(z))))
    return np.sum(softplus - y * z) / len(z), (sigmoid(z) - y) / len(z)
''',
    "gd_fisher_yates_per_sample_loop": '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        order = list(range(N))
        for i in range(N - 1, 0, -1):      # Fisher-Yates with rng.integers
            j = int(rng.integers(0, i + 1))
            order[i], order[j] = order[j], order[i]
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            gw, gb = np.zeros(D), 0.0
            for i in idx:                  # the batch gradient accumulated sample by sample
                e = X[i] @ w + b - y[i]
                gw += 2.0 * e * X[i] / len(idx)
                gb += 2.0 * e / len(idx)
            w, b = w - lr * gw, b - lr * gb
        losses.append(np.mean((X @ w + b - y) ** 2))
    return w, b, losses
''',
    "gd_generator_seeded_from_rng_tuple_losses": '''
def linear_regression_gd(X, y, *, lr, epochs, batch_size, rng):
    gen = np.random.default_rng(rng.integers(2**63))   # a generator seeded from rng: still rng's randomness
    N, D = X.shape
    A = np.column_stack([X, np.ones(N)])
    theta = np.zeros(D + 1)
    losses = ()
    for _ in range(epochs):
        perm = gen.permutation(N)
        for s in range(0, N, batch_size):
            Ab, yb = A[perm[s:s + batch_size]], y[perm[s:s + batch_size]]
            theta -= lr * 2.0 * Ab.T @ (Ab @ theta - yb) / len(yb)
        r = A @ theta - y
        losses += (r @ r / N,)
    return theta[:D], theta[D:].reshape(()), losses
''',
    "closed_form_svd_by_hand_and_standardize_loop": '''
import math
def linear_regression_closed_form(X, y):
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    keep = s > s[0] * max(A.shape) * np.finfo(float).eps
    theta = Vt[keep].T @ ((U[:, keep].T @ y) / s[keep])
    return theta[:-1], theta[-1]

def standardize_fit(X):
    D = X.shape[1]
    mean, std = np.empty(D), np.empty(D)
    for j in range(D):
        mean[j] = X[:, j].sum() / X.shape[0]
        s = math.sqrt(np.var(X[:, j]))
        std[j] = s if s != 0 else 1.0
    return [mean, std]
''',
    "logistic_augmented_reg_mask": '''
def logistic_regression_gd(X, y, *, lr, epochs, reg=0.0):
    N, D = X.shape
    A = np.hstack([X, np.ones((N, 1))])
    theta = np.zeros(D + 1)
    mask = np.r_[np.full(D, reg), 0.0]    # reg on the weights, 0 on the bias
    losses = []
    for _ in range(epochs):
        theta = theta - lr * (A.T @ (sigmoid(A @ theta) - y) / N + mask * theta)
        z = A @ theta
        losses.append(np.mean(np.logaddexp(0, z) - y * z) + 0.5 * np.sum(mask * theta**2))
    return theta[:D], theta[D], losses
''',
    # an accuracy computed in float32 is k / N to 6e-8: a count loses nothing there (the test's rtol was 1e-12)
    "accuracy_float32_mean": '''
def accuracy(scores, y):
    return (np.argmax(scores, axis=1) == y).astype(np.float32).mean()
''',
    # ------------------------------------------------------------------ from the twelfth audit (p)
    "closed_form_ones_first_pinv_normal": '''
def linear_regression_closed_form(X, y):
    A = np.hstack([np.ones((X.shape[0], 1)), X])
    theta = np.linalg.pinv(A.T @ A, rcond=1e-10) @ (A.T @ y)
    return theta[1:], theta[0]
''',
    "information_entr_and_differences": '''
import scipy.special as sps
def entropy(p):
    return np.sum(sps.entr(p), axis=-1)

def cross_entropy(p, q):
    return -np.sum(sps.xlogy(p, q), axis=-1)

def kl_divergence(p, q):
    out = np.zeros_like(p, dtype=float)
    m = p > 0
    out[m] = p[m] * (np.log(p[m]) - np.log(q[m]))
    return out.sum(axis=-1)
''',
}
