"""Mutants and alternatives of the 03_backprop reference (see tests/corpus/ conventions)."""

# name -> (function that must lose points, source appended to the reference module)
MUTANTS = {
    # ------------------------------------------------------------------ affine
    "affine_forward_in_place": ("affine_forward", '''
def affine_forward(x, W, b):
    cache = (x.copy(), W)
    x += 0.5          # uses the caller's array as scratch space
    return (x - 0.5) @ W + b, cache
'''),
    "affine_forward_forgets_bias": ("affine_forward", '''
def affine_forward(x, W, b):
    return x @ W, (x, W)
'''),
    "dW_transposed": ("affine_backward", '''
def affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, (x.T @ dout).T, dout.sum(axis=0)
'''),
    "db_averaged": ("affine_backward", '''
def affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
'''),
    "db_shape_1_M": ("affine_backward", '''
def affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0, keepdims=True)
'''),
    "dx_not_transposed": ("affine_backward", '''
def affine_backward(dout, cache):
    x, W = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)
'''),
    # ------------------------------------------------------------------ sigmoid / relu
    "sigmoid_forward_wrong_sign": ("sigmoid_forward", '''
def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(x))
    return out, 1.0 - out
'''),
    "sigmoid_backward_uses_x": ("sigmoid_backward", '''
def sigmoid_forward(x):
    out = _sigmoid(x)
    return out, (x, out)

def sigmoid_backward(dout, cache):
    x, out = cache
    return dout * x * (1.0 - x)
'''),
    "sigmoid_backward_missing_dout": ("sigmoid_backward", '''
def sigmoid_backward(dout, cache):
    return cache * (1.0 - cache) + 0.0 * dout
'''),
    "relu_forward_in_place": ("relu_forward", '''
def relu_forward(x):
    cache = x.copy()
    np.maximum(x, 0.0, out=x)
    return x.copy(), cache
'''),
    "relu_backward_passes_at_zero": ("relu_backward", '''
def relu_backward(dout, cache):
    return dout * (cache >= 0)
'''),
    "relu_backward_modifies_dout": ("relu_backward", '''
def relu_backward(dout, cache):
    dout[cache <= 0] = 0.0
    return dout
'''),
    # ------------------------------------------------------------------ gates
    "add_gate_halves": ("add_gate_backward", '''
def add_gate_backward(dout):
    return 0.5 * dout, 0.5 * dout
'''),
    "mul_gate_not_swapped": ("mul_gate_backward", '''
def mul_gate_backward(x, y, dout):
    return dout * x, dout * y
'''),
    "max_gate_ties_to_y": ("max_gate_backward", '''
def max_gate_backward(x, y, dout):
    x_wins = np.asarray(x) > np.asarray(y)
    return np.where(x_wins, dout, 0.0), np.where(x_wins, 0.0, dout)
'''),
    "max_gate_ties_split": ("max_gate_backward", '''
def max_gate_backward(x, y, dout):
    x, y = np.asarray(x), np.asarray(y)
    share = np.where(x == y, 0.5, 1.0)
    return np.where(x >= y, dout, 0.0) * share, np.where(y >= x, dout, 0.0) * share
'''),
    "copy_gate_one_branch": ("copy_gate_backward", '''
def copy_gate_backward(dout1, dout2):
    return dout1
'''),
    # ------------------------------------------------------------------ network
    "init_ignores_weight_scale": ("two_layer_init", '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    return {"W1": 1e-2 * rng.standard_normal((input_dim, hidden_dim)), "b1": np.zeros(hidden_dim),
            "W2": 1e-2 * rng.standard_normal((hidden_dim, output_dim)), "b2": np.zeros(output_dim)}
'''),
    "init_uniform_same_std": ("two_layer_init", '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    a = weight_scale * np.sqrt(3.0)
    return {"W1": rng.uniform(-a, a, (input_dim, hidden_dim)), "b1": np.zeros(hidden_dim),
            "W2": rng.uniform(-a, a, (hidden_dim, output_dim)), "b2": np.zeros(output_dim)}
'''),
    "init_global_random_state": ("two_layer_init", '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    return {"W1": weight_scale * np.random.standard_normal((input_dim, hidden_dim)), "b1": np.zeros(hidden_dim),
            "W2": weight_scale * np.random.standard_normal((hidden_dim, output_dim)), "b2": np.zeros(output_dim)}
'''),
    "init_biases_shape_1_H": ("two_layer_init", '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    return {"W1": weight_scale * rng.standard_normal((input_dim, hidden_dim)), "b1": np.zeros((1, hidden_dim)),
            "W2": weight_scale * rng.standard_normal((hidden_dim, output_dim)), "b2": np.zeros((1, output_dim))}
'''),
    "forward_always_relu": ("two_layer_forward", '''
_two_layer_forward_ref = two_layer_forward
def two_layer_forward(X, params, hidden_activation="relu"):
    return _two_layer_forward_ref(X, params, "relu")
'''),
    "backward_skips_activation": ("two_layer_backward", '''
def two_layer_backward(dscores, cache):
    cache1, cache_act, cache2, hidden_activation = cache
    dh, dW2, db2 = affine_backward(dscores, cache2)
    _, dW1, db1 = affine_backward(dh, cache1)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''),
    "backward_db2_averaged": ("two_layer_backward", '''
_two_layer_backward_ref = two_layer_backward
def two_layer_backward(dscores, cache):
    grads = _two_layer_backward_ref(dscores, cache)
    grads["b2"] = grads["b2"] / dscores.shape[0]
    return grads
'''),
    # ------------------------------------------------------------------ loss
    "loss_missing_l2_gradient": ("two_layer_loss", '''
_two_layer_loss_ref = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    value, grads = _two_layer_loss_ref(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=reg)
    return value, {k: g - reg * params[k] if k.startswith("W") else g for k, g in grads.items()}
'''),
    "loss_l2_reg_squared": ("two_layer_loss", '''
_two_layer_loss_ref = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    return _two_layer_loss_ref(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=reg ** 2)
'''),
    "loss_l2_on_biases_too": ("two_layer_loss", '''
_two_layer_loss_ref = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    value, grads = _two_layer_loss_ref(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=reg)
    value += 0.5 * reg * (np.sum(params["b1"] ** 2) + np.sum(params["b2"] ** 2))
    grads["b1"] = grads["b1"] + reg * params["b1"]
    grads["b2"] = grads["b2"] + reg * params["b2"]
    return value, grads
'''),
    "loss_l2_without_half": ("two_layer_loss", '''
_two_layer_loss_ref = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    value, grads = _two_layer_loss_ref(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=reg)
    return value + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)), grads
'''),
    "softmax_loss_summed": ("two_layer_loss", '''
def _softmax_loss(scores, y):
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1.0
    return -log_probs[np.arange(n), y].sum(), dscores
'''),
    "mse_sigmoid_missing_sigmoid_derivative": ("two_layer_loss", '''
def _mse_sigmoid_loss(scores, t):
    o = _sigmoid(scores)
    return 0.5 * np.sum((o - t) ** 2) / scores.shape[0], (o - t) / scores.shape[0]
'''),
    "mse_sigmoid_not_averaged": ("two_layer_loss", '''
def _mse_sigmoid_loss(scores, t):
    o = _sigmoid(scores)
    return 0.5 * np.sum((o - t) ** 2), (o - t) * o * (1.0 - o)
'''),
    "loss_ignores_hidden_activation": ("two_layer_loss", '''
_two_layer_loss_ref = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    return _two_layer_loss_ref(X, y, params, loss=loss, reg=reg)
'''),
    # ------------------------------------------------------------------ gradient checking
    "numgrad_forward_differences": ("numerical_gradient", '''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - fx) / h
        x[i] = old
    return grad
'''),
    "numgrad_leaves_x_modified": ("numerical_gradient", '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad
'''),
    "numgrad_ignores_h": ("numerical_gradient", '''
_numerical_gradient_ref = numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    return _numerical_gradient_ref(f, x)
'''),
    "relative_error_no_floor": ("relative_error", '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
'''),
    "relative_error_mean": ("relative_error", '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
'''),
    "relative_error_floor_1e_6": ("relative_error", '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-6, np.abs(a) + np.abs(b))))
'''),
    # ------------------------------------------------------------------ predict / training
    "predict_returns_scores": ("predict", '''
def predict(X, params, hidden_activation="relu"):
    return two_layer_forward(X, params, hidden_activation)[0]
'''),
    "predict_ignores_hidden_activation": ("predict", '''
def predict(X, params, hidden_activation="relu"):
    return np.argmax(two_layer_forward(X, params)[0], axis=1)
'''),
    "train_ascends_the_gradient": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] + lr * grads[k] for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_history_per_batch": ("train_two_layer", '''
_train_two_layer_ref = train_two_layer
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    params, history = _train_two_layer_ref(X, y, hidden_dim=hidden_dim, lr=lr, epochs=epochs, batch_size=batch_size,
                                           reg=reg, rng=rng, hidden_activation=hidden_activation)
    history["loss"] = history["loss"] * 2
    return params, history
'''),
    "train_ignores_hidden_activation": ("train_two_layer", '''
_train_two_layer_ref = train_two_layer
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    return _train_two_layer_ref(X, y, hidden_dim=hidden_dim, lr=lr, epochs=epochs, batch_size=batch_size,
                                reg=reg, rng=rng)
'''),
    "train_always_sigmoid": ("train_two_layer", '''
_train_two_layer_ref = train_two_layer
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    return _train_two_layer_ref(X, y, hidden_dim=hidden_dim, lr=lr, epochs=epochs, batch_size=batch_size,
                                reg=reg, rng=rng, hidden_activation="sigmoid")
'''),
    "train_global_random_state": ("train_two_layer", '''
_train_two_layer_ref = train_two_layer
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    return _train_two_layer_ref(X, y, hidden_dim=hidden_dim, lr=lr, epochs=epochs, batch_size=batch_size,
                                reg=reg, rng=np.random.default_rng(), hidden_activation=hidden_activation)
'''),
    # ------------------------------------------------------------------ training loops that do not learn right
    # (added with the faster hidden tests: they must still fail)
    "train_forgets_l2": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation)
            params = {k: params[k] - lr * grads[k] for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),  # the mini-batch gradient without the L2 term (history still reports it)
    "train_never_updates": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            new_params = {k: params[k] - lr * grads[k] for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),  # computes the step but never applies it
    "train_grads_divided_by_batch_again": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] / len(batch) for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),  # averages the already averaged gradient once more
    "train_one_step_per_epoch": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
        params = {k: params[k] - lr * grads[k] for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),  # the update dedented out of the mini-batch loop: one step per epoch, on the last mini-batch
    "train_grads_summed_over_batch": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] * len(batch) for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),  # sums the batch gradient instead of averaging it
    # ------------------------------------------------------------------ schedule and history (from an audit)
    "train_shuffle_once": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    order = rng.permutation(n)                      # once, not every epoch
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_never_shuffles": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            batch = np.arange(start, min(start + batch_size, n))
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_bias_regularized": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * (grads[k] + (reg * params[k] if k.startswith("b") else 0)) for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),  # weight decay on the biases too
    "train_history_before_epoch": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
    return params, history
'''),
    "train_history_from_last_batch": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X[batch], params, hidden_activation) == y[batch])))
    return params, history
'''),  # the last mini-batch's loss and accuracy instead of the whole training set's
    "train_history_epoch_mean_batch_loss": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        losses = []
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            losses.append(loss)
            params = {k: params[k] - lr * grads[k] for k in params}
        history["loss"].append(float(np.mean(losses)))
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),  # the mean of the mini-batch losses met during the epoch, not the whole set's loss after it
    "train_history_wrong_but_last": ("train_two_layer", '''
_train_two_layer_ref = train_two_layer
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    params, history = _train_two_layer_ref(X, y, hidden_dim=hidden_dim, lr=lr, epochs=epochs, batch_size=batch_size,
                                           reg=reg, rng=rng, hidden_activation=hidden_activation)
    history["train_acc"] = [1.0 - a for a in history["train_acc"]][:-1] + history["train_acc"][-1:]
    return params, history
'''),  # error rates instead of accuracies, except the last entry that other checks read
    "train_classes_from_unique_labels": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, len(np.unique(y)), rng)
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
'''),  # C = number of distinct labels: too few classes when one has no example (the docstring: max(y) + 1)
    "train_seeds_global_shuffle": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    np.random.seed(0)                               # "for reproducibility": global state
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = np.random.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),  # the grader fails any call that changes numpy's global RandomState
    # ------------------------------------------------------------------ from the second audit
    "copy_gate_accumulates_into_dout1": ("copy_gate_backward", '''
def copy_gate_backward(dout1, dout2):
    dx = dout1          # the caller's array
    dx += dout2
    return dx
'''),
    "max_gate_asarray_mutates_dout": ("max_gate_backward", '''
def max_gate_backward(x, y, dout):
    x, y = np.asarray(x), np.asarray(y)
    dx = np.asarray(dout, dtype=float)       # the caller's array itself when dout is a float array
    dy = dx.copy()
    dx[x < y] = 0.0
    dy[x >= y] = 0.0
    return dx, dy
'''),
    "mul_gate_scales_dout_in_place": ("mul_gate_backward", '''
def mul_gate_backward(x, y, dout):
    dx = dout * y
    dout *= x        # reuses dout for dy
    return dx, dout
'''),
    "init_truncated_at_2_std": ("two_layer_init", '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    W1 = np.clip(rng.standard_normal((input_dim, hidden_dim)), -2, 2)
    W2 = np.clip(rng.standard_normal((hidden_dim, output_dim)), -2, 2)
    return {"W1": weight_scale * W1, "b1": np.zeros(hidden_dim), "W2": weight_scale * W2, "b2": np.zeros(output_dim)}
'''),  # std 4 % low: within the std's tolerance, but no weight beyond 2 std
    "init_w2_redraws_w1_stream": ("two_layer_init", '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    state = rng.bit_generator.state
    W1 = weight_scale * rng.standard_normal((input_dim, hidden_dim))
    rng.bit_generator.state = state          # "reproducible": W2 starts from the same draws as W1
    W2 = weight_scale * rng.standard_normal((hidden_dim, output_dim))
    return {"W1": W1, "b1": np.zeros(hidden_dim), "W2": W2, "b2": np.zeros(output_dim)}
'''),
    "forward_mutates_X_on_sigmoid_path": ("two_layer_forward", '''
def two_layer_forward(X, params, hidden_activation="relu"):
    a, cache1 = affine_forward(X, params["W1"], params["b1"])
    if hidden_activation == "relu":
        h, cache_act = relu_forward(a)
    else:
        np.clip(X, -500, 500, out=X)     # "guard" against overflow... on the caller's X
        X *= 1.0000001
        a, cache1 = affine_forward(X / 1.0000001, params["W1"], params["b1"])
        h, cache_act = sigmoid_forward(a)
    scores, cache2 = affine_forward(h, params["W2"], params["b2"])
    return scores, (cache1, cache_act, cache2, hidden_activation)
'''),
    # a wrong forward with the reference's backward: the backward, graded against this forward where it
    # disagrees with the reference, must keep its points (the cache is still built for the bias). The
    # audit paired such forwards with a wrong backward too (all-zero gradients; a sigmoid backward
    # without (1 - y)): both now lose points on two_layer_backward, checked by grading those cases, as
    # an entry here may break one function only.
    "forward_drops_b2_from_scores": ("two_layer_forward", '''
_two_layer_forward_ref = two_layer_forward
def two_layer_forward(X, params, hidden_activation="relu"):
    scores, cache = _two_layer_forward_ref(X, params, hidden_activation)
    return scores - params["b2"], cache
'''),
    "forward_sigmoid_path_drops_b1": ("two_layer_forward", '''
_two_layer_forward_ref = two_layer_forward
def two_layer_forward(X, params, hidden_activation="relu"):
    if hidden_activation == "sigmoid":
        a, c1 = affine_forward(X, params["W1"], np.zeros_like(params["b1"]))
        h, ca = sigmoid_forward(a)
        s, c2 = affine_forward(h, params["W2"], params["b2"])
        return s, (c1, ca, c2, "sigmoid")
    return _two_layer_forward_ref(X, params, hidden_activation)
'''),
    "numgrad_never_restores_x_i": ("numerical_gradient", '''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)   # a private copy, so the caller's x is safe...
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        grad[i] = (fp - fm) / (2.0 * h)  # ...but x[i] stays at old - h for the entries after it
    return grad
'''),
    "numgrad_restores_to_x_i_plus_2h": ("numerical_gradient", '''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        fm = f(x)
        x[i] += 3 * h       # typo: restores to x + 2h, shifting every later evaluation
        grad[i] = (fp - fm) / (2.0 * h)
    return grad
'''),
    "train_full_batch_gradient": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)  # X, not X[batch]
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_batch_off_by_one": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size - 1]     # drops one example per batch
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_batch_index_not_strided": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(max(n // batch_size, 1)):
            batch = order[i:i + batch_size]          # should be order[i * batch_size:(i + 1) * batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_reg_shared_out_over_batches": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            # "share" the L2 term among the epoch's mini-batches: the wrong objective
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation,
                                      reg=reg * len(batch) / n)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_history_acc_default_activation": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
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
        history["train_acc"].append(float(np.mean(predict(X, params) == y)))   # forgot hidden_activation
    return params, history
'''),
    "train_init_scale_changed": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng, weight_scale=0.1)   # not the docstring's init
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
'''),
    # ------------------------------------------------------------------ from the third audit
    "affine_backward_db_squeezed": ("affine_backward", '''
def affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, np.squeeze(dout.sum(axis=0, keepdims=True))   # (M,)... unless M == 1
'''),  # caught since the affine tests have a shape with D = M = 1
    "affine_backward_dW_squeezed": ("affine_backward", '''
def affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, np.squeeze(x.T @ dout), dout.sum(axis=0)     # (D, M)... unless D == 1 or M == 1
'''),
    "relu_forward_clipped_at_6": ("relu_forward", '''
def relu_forward(x):
    return np.clip(x, 0.0, 6.0), x          # ReLU6, not ReLU
'''),  # caught since relu_forward's inputs spread beyond 6
    "relu_backward_stops_above_6": ("relu_backward", '''
def relu_backward(dout, cache):
    return np.where((cache > 0) & (cache < 6), dout, 0.0)
'''),
    # A forward that returns a stale (out, cache) pair: the forward loses points, and the backward, right for
    # the cache it is given, must not (it passes as the docstring's rule applied to the forward's own output).
    "relu_forward_memo_by_shape": ("relu_forward", '''
_relu_seen = {}
def relu_forward(x):
    if x.shape not in _relu_seen:          # "compute once per shape"
        _relu_seen[x.shape] = (np.maximum(x, 0.0), x)
    return _relu_seen[x.shape]
'''),
    "sigmoid_forward_memo_by_shape": ("sigmoid_forward", '''
_sig_seen = {}
def sigmoid_forward(x):
    if x.shape not in _sig_seen:
        out = _sigmoid(x)
        _sig_seen[x.shape] = (out, out)
    return _sig_seen[x.shape]
'''),
    "sigmoid_backward_scales_dout_in_place": ("sigmoid_backward", '''
def sigmoid_backward(dout, cache):
    dout *= cache * (1.0 - cache)
    return dout
'''),
    "sigmoid_backward_consumes_cache": ("sigmoid_backward", '''
def sigmoid_backward(dout, cache):
    cache *= 1.0 - cache      # the cache is the forward's output: changed for good
    return dout * cache
'''),
    "relu_backward_turns_cache_into_mask": ("relu_backward", '''
def relu_backward(dout, cache):
    cache[cache <= 0] = 0.0
    cache[cache > 0] = 1.0
    return dout * cache
'''),
    "max_gate_scalar_ties_to_y": ("max_gate_backward", '''
def max_gate_backward(x, y, dout):
    if np.ndim(x) == 0:
        return (dout, 0.0) if x > y else (0.0, dout)
    x_wins = np.asarray(x) >= np.asarray(y)
    return np.where(x_wins, dout, 0.0), np.where(x_wins, 0.0, dout)
'''),
    "max_gate_atleast_1d": ("max_gate_backward", '''
def max_gate_backward(x, y, dout):
    x_wins = np.atleast_1d(x) >= np.atleast_1d(y)
    d = np.atleast_1d(dout)
    return np.where(x_wins, d, 0.0), np.where(x_wins, 0.0, d)      # shape (1,) for numbers
'''),
    "copy_gate_averages": ("copy_gate_backward", '''
def copy_gate_backward(dout1, dout2):
    return (dout1 + dout2) / 2
'''),
    "mul_gate_treats_x_as_scalar": ("mul_gate_backward", '''
def mul_gate_backward(x, y, dout):
    return dout * y, dout * np.mean(x)
'''),
    "relative_error_abs_of_sum": ("relative_error", '''
def relative_error(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))
'''),
    "relative_error_floor_added": ("relative_error", '''
def relative_error(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b) + 1e-8)))
'''),
    "loss_reg_only_for_softmax": ("two_layer_loss", '''
_two_layer_loss_ref3 = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    return _two_layer_loss_ref3(X, y, params, hidden_activation=hidden_activation, loss=loss,
                                reg=reg if loss == "softmax" else 0.0)
'''),
    "numgrad_float32_copy": ("numerical_gradient", '''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float32)        # "saves memory": the steps are lost in rounding
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2.0 * h)
    return grad
'''),
    "predict_default_sigmoid": ("predict", '''
def predict(X, params, hidden_activation="sigmoid"):
    scores, _ = two_layer_forward(X, params, hidden_activation)
    return np.argmax(scores, axis=1)
'''),
    # another default step than the signature's h = 1e-5 (accurate enough for every other test)
    "numgrad_default_h_1e-4": ("numerical_gradient", '''
_numerical_gradient_ref = numerical_gradient
def numerical_gradient(f, x, h=1e-4):
    return _numerical_gradient_ref(f, x, h)
'''),
    # the loop-index slip order[:batch_size]: every step of an epoch on the same first mini-batch (it still fits the
    # spiral and the blobs, and every step of the four identical examples is the same)
    "train_same_first_batch_every_step": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[:batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    # ------------------------------------------------------------------ from the fifth audit
    "train_fixed_order_seed_per_epoch": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for epoch in range(epochs):
        order = np.random.default_rng(epoch).permutation(n)    # "reproducible" shuffles, not from rng
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_X_and_y_shuffled_separately": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for epoch in range(epochs):
        Xs, ys = X.copy(), y.copy()
        rng.shuffle(Xs); rng.shuffle(ys)
        for start in range(0, n, batch_size):
            _, grads = two_layer_loss(Xs[start:start + batch_size], ys[start:start + batch_size], params,
                                      hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "train_lr_decay": ("train_two_layer", '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * 0.95 ** epoch * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
'''),
    "mse_sigmoid_mean_over_all": ("two_layer_loss", '''
_tl_ref = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    if loss != "mse_sigmoid":
        return _tl_ref(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=reg)
    scores, cache = two_layer_forward(X, params, hidden_activation)
    o = _sigmoid(scores)
    data = 0.5 * np.mean((o - y) ** 2)
    ds = (o - y) * o * (1 - o) / o.size
    g = two_layer_backward(ds, cache)
    g["W1"] = g["W1"] + reg * params["W1"]; g["W2"] = g["W2"] + reg * params["W2"]
    return float(data + 0.5 * reg * (np.sum(params["W1"]**2) + np.sum(params["W2"]**2))), g
'''),
    "loss_l2_grad_2reg": ("two_layer_loss", '''
_tl_ref2 = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    v, g = _tl_ref2(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=reg)
    g["W1"] = g["W1"] + reg * params["W1"]; g["W2"] = g["W2"] + reg * params["W2"]
    return v, g
'''),
    "relative_error_max_not_sum": ("relative_error", '''
def relative_error(a, b):
    a = np.asarray(a, float); b = np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))
'''),
    "relu_backward_out_ge_0": ("relu_backward", '''
def relu_forward(x):
    out = np.maximum(x, 0.0)
    return out, out

def relu_backward(dout, cache):
    return dout * (cache >= 0)
'''),
    "max_gate_ties_to_nobody": ("max_gate_backward", '''
def max_gate_backward(x, y, dout):
    return dout * (np.asarray(x) > y), dout * (np.asarray(y) > x)
'''),
    # ------------------------------------------------------------------ from the twelfth audit (p)
    "sigmoid_backward_recomputes_sigmoid_of_out": ("sigmoid_backward", '''
def sigmoid_backward(dout, cache):
    s = _sigmoid(cache)          # cache is already sigmoid(x)
    return dout * s * (1 - s)
'''),
    "mse_sigmoid_grad_sign": ("two_layer_loss", '''
_loss_ref = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    if loss != "mse_sigmoid":
        return _loss_ref(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=reg)
    scores, cache = two_layer_forward(X, params, hidden_activation)
    n = scores.shape[0]
    o = _sigmoid(scores)
    E = 0.5 * np.sum((o - y) ** 2) / n
    g = two_layer_backward((y - o) * o * (1 - o) / n, cache)
    g["W1"] = g["W1"] + reg * params["W1"]; g["W2"] = g["W2"] + reg * params["W2"]
    return float(E + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))), g
'''),
    "relu_backward_masks_by_dout": ("relu_backward", '''
def relu_backward(dout, cache):
    return np.where(dout > 0, dout, 0.0)
'''),
}

# name -> source appended to the reference: correct but differently written; must get full marks
ALTERNATIVES = {
    "einsum_and_dot_affine": '''
def affine_forward(x, W, b):
    return np.einsum("nd,dm->nm", x, W) + b[None, :], (x, W)

def affine_backward(dout, cache):
    x, W = cache
    return np.dot(dout, W.T), np.einsum("nd,nm->dm", x, dout), np.einsum("nm->m", dout)
''',
    "dict_caches": '''
def affine_forward(x, W, b):
    return x.dot(W) + b, {"x": x.copy(), "W": W.copy()}

def affine_backward(dout, cache):
    return dout.dot(cache["W"].T), cache["x"].T.dot(dout), np.sum(dout, axis=0)

def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))
    return out, {"x": x.copy()}

def sigmoid_backward(dout, cache):
    s = 1.0 / (1.0 + np.exp(-np.clip(cache["x"], -500, 500)))
    return dout * s * (1 - s)

def relu_forward(x):
    out = x * (x > 0)
    return out, {"out": out}

def relu_backward(dout, cache):
    return dout * (cache["out"] > 0)

def two_layer_forward(X, params, hidden_activation="relu"):
    act = {"relu": (relu_forward, relu_backward), "sigmoid": (sigmoid_forward, sigmoid_backward)}[hidden_activation]
    a, c1 = affine_forward(X, params["W1"], params["b1"])
    h, ca = act[0](a)
    scores, c2 = affine_forward(h, params["W2"], params["b2"])
    return scores, {"fc1": c1, "act": ca, "fc2": c2, "name": hidden_activation}

def two_layer_backward(dscores, cache):
    dh, dW2, db2 = affine_backward(dscores, cache["fc2"])
    da = (relu_backward if cache["name"] == "relu" else sigmoid_backward)(dh, cache["act"])
    dX, dW1, db1 = affine_backward(da, cache["fc1"])
    return dict(W1=dW1, b1=db1, W2=dW2, b2=db2)
''',
    "closure_cache_and_inline_backward": '''
def two_layer_forward(X, params, hidden_activation="relu"):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    a = X @ W1 + b1
    h = np.maximum(a, 0) if hidden_activation == "relu" else 1 / (1 + np.exp(-a))
    scores = h @ W2 + b2

    def backward(dscores):
        dh = dscores @ W2.T
        da = dh * (a > 0) if hidden_activation == "relu" else dh * h * (1 - h)
        return {"W1": X.T @ da, "b1": da.sum(0), "W2": h.T @ dscores, "b2": dscores.sum(0)}

    return scores, {"backward": backward}

def two_layer_backward(dscores, cache):
    return cache["backward"](dscores)
''',
    "loss_as_0d_array_and_logsumexp": '''
from scipy.special import logsumexp

def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    scores, cache = two_layer_forward(X, params, hidden_activation)
    n = X.shape[0]
    if loss == "softmax":
        lse = logsumexp(scores, axis=1, keepdims=True)
        value = np.mean(lse[:, 0] - scores[np.arange(n), y])
        p = np.exp(scores - lse)
        dscores = (p - np.eye(scores.shape[1])[y]) / n
    else:
        o = np.exp(-np.logaddexp(0.0, -scores))
        value = 0.5 * np.sum((o - y) ** 2) / n
        dscores = (o - y) * o * (1 - o) / n
    grads = two_layer_backward(dscores, cache)
    value = value + 0.5 * reg * sum(np.sum(params[k] * params[k]) for k in ("W1", "W2"))
    for k in ("W1", "W2"):
        grads[k] += reg * params[k]
    return np.array(value), grads
''',
    "loss_as_numpy_float": '''
_two_layer_loss_ref = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    value, grads = _two_layer_loss_ref(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=reg)
    return np.float64(value), grads
''',
    "numgrad_nditer_in_place_restore": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
''',
    "numgrad_flat_indices": '''
def numerical_gradient(f, x, h=1e-5):
    base = np.array(x, dtype=np.float64)
    flat = base.ravel()
    grad = np.empty_like(flat)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = h
        grad[i] = (f((flat + e).reshape(base.shape)) - f((flat - e).reshape(base.shape))) / (2 * h)
    return grad.reshape(base.shape)
''',
    "relative_error_numpy_scalar": '''
def relative_error(a, b):
    diff = np.abs(np.subtract(a, b, dtype=np.float64))
    return np.max(diff / np.fmax(np.abs(a) + np.abs(b), 1e-8))
''',
    "gates_as_arrays": '''
def add_gate_backward(dout):
    return np.array(dout, dtype=float), np.array(dout, dtype=float)

def mul_gate_backward(x, y, dout):
    return np.multiply(y, dout), np.multiply(x, dout)

def max_gate_backward(x, y, dout):
    x_wins = (np.asarray(x) >= np.asarray(y)).astype(float)
    return dout * x_wins, dout * (1.0 - x_wins)

def copy_gate_backward(dout1, dout2):
    return np.add(dout1, dout2)
''',
    "init_normal_w2_first": '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    W2 = rng.normal(0.0, weight_scale, size=(hidden_dim, output_dim))
    W1 = rng.normal(0.0, weight_scale, size=(input_dim, hidden_dim))
    return dict(W1=W1, b1=np.zeros(hidden_dim), W2=W2, b2=np.zeros(output_dim))
''',
    "predict_int32": '''
def predict(X, params, hidden_activation="relu"):
    scores, _ = two_layer_forward(X, params, hidden_activation=hidden_activation)
    return scores.argmax(axis=-1).astype(np.int32)
''',
    "train_rng_shuffle_in_place_updates": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(y.max()) + 1, rng)
    idx = np.arange(n)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        rng.shuffle(idx)
        for start in range(0, n, batch_size):
            b = idx[start:start + batch_size]
            _, grads = two_layer_loss(X[b], y[b], params, hidden_activation=hidden_activation, reg=reg)
            for k in params:
                params[k] -= lr * grads[k]
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(np.mean(predict(X, params, hidden_activation=hidden_activation) == y))
    return params, history
''',  # (this entry used to record the epoch's mean mini-batch loss and take C from np.unique(y): both
    # contradict the docstring, and are now the mutants train_history_epoch_mean_batch_loss and
    # train_classes_from_unique_labels)
    "train_rng_choice_with_replacement": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(y.max()) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for epoch in range(epochs):
        for it in range(max(n // batch_size, 1)):
            b = rng.choice(n, size=batch_size, replace=True)
            _, grads = two_layer_loss(X[b], y[b], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: v - lr * grads[k] for k, v in params.items()}
        scores, _ = two_layer_forward(X, params, hidden_activation)
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(np.array(loss))
        history["train_acc"].append(float(np.mean(scores.argmax(1) == y)))
    return params, history
''',
    "train_rng_integers_batches_with_replacement": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        for _ in range(-(-n // batch_size)):       # ceil(n / batch_size) mini-batches drawn with replacement
            b = rng.integers(0, n, size=batch_size)
            _, grads = two_layer_loss(X[b], y[b], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
''',
    "train_permutation_drop_last": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        perm = rng.permutation(n)
        for i in range(max(n // batch_size, 1)):
            b = perm[i * batch_size:(i + 1) * batch_size]
            _, g = two_layer_loss(X[b], y[b], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * g[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
''',
    "train_orders_before_init_weight_decay_as_shrink": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    orders = [np.argsort(rng.random(n)) for _ in range(epochs)]   # every epoch's order, drawn before the init
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": np.zeros(epochs), "train_acc": np.zeros(epochs)}
    for epoch, order in enumerate(orders):
        for batch in np.array_split(order, range(batch_size, n, batch_size)):
            _, g = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation)
            # weight decay as a shrink of W, then the data gradient's step
            params = {k: (1.0 - lr * reg) * v - lr * g[k] if k[0] == "W" else v - lr * g[k]
                      for k, v in params.items()}
        history["loss"][epoch] = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0]
        history["train_acc"][epoch] = np.mean(predict(X, params, hidden_activation) == y)
    return params, history
''',
    "train_history_loss_without_l2": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        perm = rng.permutation(n)
        for start in range(0, n, batch_size):
            b = perm[start:start + batch_size]
            _, grads = two_layer_loss(X[b], y[b], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        # "the full training set's loss": the data loss, without the L2 term (the docstring leaves it open)
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
''',
    "init_rng_spawn": '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    g1, g2 = rng.spawn(2)              # one child stream per layer
    return {"W1": weight_scale * g1.standard_normal((input_dim, hidden_dim)), "b1": np.zeros(hidden_dim),
            "W2": weight_scale * g2.standard_normal((hidden_dim, output_dim)), "b2": np.zeros(output_dim)}
''',
    # ------------------------------------------------------------------ from the second audit
    "dict_subclasses_for_params_grads_history": '''
class Params(dict):
    pass

class History(dict):
    def __missing__(self, k):
        self[k] = []
        return self[k]
_bw_ref = two_layer_backward
def two_layer_backward(dscores, cache):
    return Params(sorted(_bw_ref(dscores, cache).items()))

_init_ref = two_layer_init
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    return Params(_init_ref(input_dim, hidden_dim, output_dim, rng, weight_scale))

def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = History()
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(np.sum(predict(X, params, hidden_activation) == y) / len(y))
    return params, history
''',
    "forward_inline_backward_from_h": '''
from scipy.special import expit
def two_layer_forward(X, params, hidden_activation="relu"):
    a = X.dot(params["W1"]) + params["b1"]
    h = np.clip(a, 0, None) if hidden_activation == "relu" else expit(a)
    return h.dot(params["W2"]) + params["b2"], [X, params, a, h, hidden_activation]

def two_layer_backward(dscores, cache):
    X, params, a, h, act = cache
    dW2 = h.T.dot(dscores)
    db2 = np.sum(dscores, axis=0)
    dh = dscores.dot(params["W2"].T)
    da = dh * (h > 0) if act == "relu" else dh * h * (1 - h)
    return {"W1": X.T.dot(da), "b1": da.sum(0), "W2": dW2, "b2": db2}
''',
    "gates_lists_and_ones_dot": '''
def add_gate_backward(dout):
    return [dout, dout]

def affine_backward(dout, cache):
    x, W = cache
    return np.dot(dout, W.T), np.dot(x.T, dout), np.ones(dout.shape[0]) @ dout
''',
    "gates_python_scalars_and_np_sum": '''
def add_gate_backward(dout):
    return 1.0 * dout, 1.0 * dout

def mul_gate_backward(x, y, dout):
    return y * dout, x * dout

def max_gate_backward(x, y, dout):
    z = np.maximum(x, y)
    wins = (np.asarray(x) == z)
    return dout * wins, dout * ~wins

def copy_gate_backward(dout1, dout2):
    return np.sum([dout1, dout2], axis=0)
''',
    "init_box_muller": '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    def normal(shape):
        n = int(np.prod(shape))
        u1 = 1.0 - rng.random(n)
        u2 = rng.random(n)
        return (np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)).reshape(shape)
    return {"W1": weight_scale * normal((input_dim, hidden_dim)), "b1": np.zeros(hidden_dim),
            "W2": weight_scale * normal((hidden_dim, output_dim)), "b2": np.zeros(output_dim)}
''',
    "init_single_draw_transposed_view": '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    flat = rng.standard_normal(input_dim * hidden_dim + hidden_dim * output_dim)
    W1 = flat[:input_dim * hidden_dim].reshape(hidden_dim, input_dim).T   # non-contiguous view
    W2 = flat[input_dim * hidden_dim:].reshape(hidden_dim, output_dim)
    return {"W1": weight_scale * W1, "b1": np.zeros(hidden_dim, ), "W2": weight_scale * W2, "b2": np.zeros(output_dim)}
''',
    "numgrad_actual_step_denominator": '''
def numerical_gradient(f, x, h=1e-5):
    x0 = np.asarray(x, dtype=float)
    grad = np.zeros(x0.shape)
    for idx in np.ndindex(*x0.shape):
        xp = x0.copy(); xm = x0.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (xp[idx] - xm[idx])
    return grad
''',
    "numgrad_flat_view_restore": '''
def numerical_gradient(f, x, h=1e-5):
    xx = x.astype(np.float64, copy=True)
    flat = xx.reshape(-1)
    g = np.zeros_like(flat)
    for i in range(flat.size):
        v = flat[i]
        flat[i] = v + h
        fp = f(xx)
        flat[i] = v - h
        fm = f(xx)
        flat[i] = v
        g[i] = (fp - fm) * (0.5 / h)
    return g.reshape(x.shape)
''',
    "train_choice_without_replacement_shuffles_x_and_y": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    N, D = X.shape
    C = int(y.max()) + 1
    params = two_layer_init(D, hidden_dim, C, rng)
    hist = {"loss": [], "train_acc": []}
    for ep in range(epochs):
        perm = rng.choice(N, N, replace=False)
        Xs, ys = X[perm], y[perm]
        i = 0
        while i < N:
            xb, yb = Xs[i:i + batch_size], ys[i:i + batch_size]
            _, g = two_layer_loss(xb, yb, params, hidden_activation=hidden_activation, reg=reg)
            for k in ("W1", "b1", "W2", "b2"):
                params[k] = params[k] - lr * g[k]
            i += batch_size
        L, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        hist["loss"].append(float(L))
        hist["train_acc"].append((predict(X, params, hidden_activation) == y).mean())
    return params, hist
''',
    "train_reverse_batch_order_tuple_history": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    N, D = X.shape
    params = two_layer_init(D, hidden_dim, np.max(y) + 1, rng)
    losses, accs = [], []
    for ep in range(epochs):
        idx = np.arange(N)
        rng.shuffle(idx)
        starts = list(range(0, N, batch_size))[::-1]     # any order of the epoch's mini-batches
        for s in starts:
            b = idx[s:s + batch_size]
            _, g = two_layer_loss(X[b], y[b], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: v - lr * g[k] for k, v in params.items()}
        losses.append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        accs.append(np.mean(predict(X, params, hidden_activation=hidden_activation) == y))
    return params, {"loss": tuple(losses), "train_acc": np.array(accs)}
''',
    "relu_mask_cache": '''
def relu_forward(x):
    mask = x > 0
    return (np.abs(x) + x) / 2, mask

def relu_backward(dout, cache):
    dx = np.array(dout, dtype=float, copy=True)
    dx[~cache] = 0
    return dx
''',
    "train_independent_batches_without_replacement": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        for _ in range(max(n // batch_size, 1)):   # each mini-batch drawn on its own: distinct examples
            b = rng.choice(n, size=min(batch_size, n), replace=False)
            _, grads = two_layer_loss(X[b], y[b], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
''',  # like the accepted draws with replacement: two of its mini-batches may overlap, by chance
    # ------------------------------------------------------------------ from the third audit
    "affine_backward_outer_product_loop": '''
def affine_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    db = np.zeros(W.shape[1])
    for n in range(x.shape[0]):          # the bias is copied to every row: sum the rows' gradients
        dW += np.outer(x[n], dout[n])
        db += dout[n]
    return dout @ W.T, dW, db
''',
    "affine_transposed_products_dict_cache": '''
def affine_forward(x, W, b):
    return (W.T @ x.T).T + b.reshape(1, -1), {"x": x, "W": W, "b_shape": b.shape}

def affine_backward(dout, cache):
    x, W = cache["x"], cache["W"]
    return (W @ dout.T).T, (dout.T @ x).T, dout.sum(axis=0).reshape(cache["b_shape"])
''',
    "affine_cs231n_reshape": '''
def affine_forward(x, W, b):
    out = x.reshape(x.shape[0], -1).dot(W) + b
    return out, (x, W, b)

def affine_backward(dout, cache):
    x, W, b = cache
    dx = dout.dot(W.T).reshape(x.shape)
    dW = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.add.reduce(dout, axis=0)
    return dx, dW, db
''',
    "sigmoid_tanh_form": '''
def sigmoid_forward(x):
    out = 0.5 * (1.0 + np.tanh(0.5 * x))
    return out, out

def sigmoid_backward(dout, cache):
    return dout * (cache - cache ** 2)
''',
    "sigmoid_expit_cache_x": '''
from scipy.special import expit
def sigmoid_forward(x):
    return expit(x), x.copy()

def sigmoid_backward(dout, cache):
    s = expit(cache)
    return dout * s * (1.0 - s)
''',
    "sigmoid_naive_exp_derivative": '''
def sigmoid_forward(x):
    return 1.0 / (1.0 + np.exp(-x)), (x,)

def sigmoid_backward(dout, cache):
    (x,) = cache
    e = np.exp(-x)
    return dout * e / (1.0 + e) ** 2
''',
    "sigmoid_logaddexp": '''
def sigmoid_forward(x):
    return np.exp(-np.logaddexp(0.0, -x)), x

def sigmoid_backward(dout, cache):
    return dout * np.exp(-np.logaddexp(0.0, -cache) - np.logaddexp(0.0, cache))
''',
    "sigmoid_two_branch_list_cache": '''
def sigmoid_forward(x):
    with np.errstate(over="ignore"):
        out = np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))
    return out, [out]

def sigmoid_backward(dout, cache):
    [y] = cache
    return y * (1.0 - y) * dout
''',
    "relu_clip_heaviside": '''
def relu_forward(x):
    return np.clip(x, 0.0, None), x

def relu_backward(dout, cache):
    return dout * np.heaviside(cache, 0.0)
''',
    "relu_closure_cache": '''
def relu_forward(x):
    mask = x > 0
    return x * mask, (lambda d: np.where(mask, d, 0.0))

def relu_backward(dout, cache):
    return cache(dout)
''',
    "max_gate_scalar_branch_int_zero": '''
def max_gate_backward(x, y, dout):
    if np.ndim(x) == 0:
        return (dout, 0) if x >= y else (0, dout)
    mask = np.asarray(x) >= np.asarray(y)
    dx = np.zeros(np.shape(dout))
    dy = np.zeros(np.shape(dout))
    dx[mask] = dout[mask]
    dy[~mask] = dout[~mask]
    return dx, dy
''',
    "max_gate_argmax_stack": '''
def max_gate_backward(x, y, dout):
    winner = np.argmax(np.stack([np.asarray(x, float), np.asarray(y, float)]), axis=0)  # first wins ties
    dx = dout * (winner == 0)
    return dx, dout - dx
''',
    "gates_np_copies": '''
def add_gate_backward(dout):
    return np.copy(dout), np.copy(dout)

def mul_gate_backward(x, y, dout):
    grads = [np.multiply(dout, other) for other in (y, x)]
    return tuple(grads)

def copy_gate_backward(dout1, dout2):
    dx = np.zeros_like(dout1, dtype=float)
    dx += dout1
    dx += dout2
    return dx
''',
    "gates_builtin_sum_and_lists": '''
def copy_gate_backward(dout1, dout2):
    return sum((dout1, dout2))

def mul_gate_backward(x, y, dout):
    return [y * dout, x * dout]

def max_gate_backward(x, y, dout):
    m = np.greater_equal(x, y)
    return [np.where(m, dout, 0.0), np.where(m, 0.0, dout)]
''',
    "network_plain_object_cache": '''
class _NetCache:
    def __init__(self, **parts):
        self.__dict__.update(parts)

def two_layer_forward(X, params, hidden_activation="relu"):
    a = X @ params["W1"] + params["b1"]
    if hidden_activation == "relu":
        h = np.maximum(a, 0)
    elif hidden_activation == "sigmoid":
        h = _sigmoid(a)
    else:
        raise ValueError(hidden_activation)
    return h @ params["W2"] + params["b2"], _NetCache(X=X, W2=params["W2"], a=a, h=h, act=hidden_activation)

def two_layer_backward(dscores, cache):
    dh = dscores @ cache.W2.T
    da = dh * (cache.a > 0) if cache.act == "relu" else dh * cache.h * (1 - cache.h)
    return {"W1": cache.X.T @ da, "b1": da.sum(0), "W2": cache.h.T @ dscores, "b2": dscores.sum(0)}
''',
    "loss_linalg_norm_item": '''
_two_layer_loss_ref3 = two_layer_loss
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    value, grads = _two_layer_loss_ref3(X, y, params, hidden_activation=hidden_activation, loss=loss, reg=0.0)
    penalty = 0.5 * reg * (np.linalg.norm(params["W1"]) ** 2 + np.linalg.norm(params["W2"]) ** 2)
    grads = {k: (g + reg * params[k] if k in ("W1", "W2") else g) for k, g in grads.items()}
    return np.asarray(value + penalty).item(), grads
''',
    "init_float32_draws": '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    W1 = rng.standard_normal((input_dim, hidden_dim), dtype=np.float32).astype(np.float64)
    W2 = rng.standard_normal((hidden_dim, output_dim), dtype=np.float32).astype(np.float64)
    return {"W1": weight_scale * W1, "b1": np.zeros(hidden_dim), "W2": weight_scale * W2, "b2": np.zeros(output_dim)}
''',
    "predict_row_loop": '''
def predict(X, params, hidden_activation="relu"):
    scores, _ = two_layer_forward(X, params, hidden_activation=hidden_activation)
    return np.array([int(np.argmax(row)) for row in scores], dtype=np.int64).reshape(X.shape[0])
''',
    "numgrad_two_copies_per_entry": '''
def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty(x.shape)
    for i in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] = x[i] + h
        xm[i] = x[i] - h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad
''',
    "relative_error_python_loop": '''
def relative_error(a, b):
    worst = 0.0
    for u, v in zip(np.ravel(a), np.ravel(b)):
        worst = max(worst, abs(u - v) / max(1e-8, abs(u) + abs(v)))
    return float(worst)
''',
    # ------------------------------------------------------------------ from the fourth audit
    # Valid loops whose rng draws, for test_train_two_layer_mini_batches' seeds, hit the rare events that test
    # reads as bugs (probability 3.7e-7 and 4.3e-7 per run, above the 1e-8 allowed): any seed drawn from rng is
    # a valid way to use it, and the salts were searched for (a few million tries) to make each event happen.
    "train_child_rng_orders_repeat_once": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    order_rng = np.random.default_rng([int(rng.integers(2**32)), 2454392])   # a child stream seeded from rng
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = order_rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
''',
    "train_child_rng_independent_batches_overlap_once": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    batch_rng = np.random.default_rng([int(rng.integers(2**32)), 6845872])   # a child stream seeded from rng
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        for _ in range(max(n // batch_size, 1)):   # each mini-batch drawn on its own: distinct examples
            b = batch_rng.choice(n, size=min(batch_size, n), replace=False)
            _, grads = two_layer_loss(X[b], y[b], params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        history["loss"].append(two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)[0])
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
''',
    # train_acc computed in float32, in-place updates: an accuracy k / N in float32 is within 6e-8 of it
    "train_history_acc_float32_in_place": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(X[batch], y[batch], params, hidden_activation=hidden_activation, reg=reg)
            for k in params:
                params[k] -= lr * grads[k]
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append((predict(X, params, hidden_activation) == y).astype(np.float32).mean())
    return params, history
''',
    # ------------------------------------------------------------------ from the fifth audit
    "loss_probs_onehot_log_take_along_axis": '''
def two_layer_loss(X, y, params, *, hidden_activation="relu", loss="softmax", reg=0.0):
    scores, cache = two_layer_forward(X, params, hidden_activation=hidden_activation)
    N = scores.shape[0]
    if loss == "softmax":
        e = np.exp(scores - np.max(scores, axis=1)[:, None])
        probs = e / np.sum(e, axis=1)[:, None]
        correct = np.take_along_axis(probs, np.asarray(y).reshape(-1, 1), axis=1)
        data = -np.sum(np.log(correct)) / N
        onehot = np.zeros_like(probs); onehot[np.arange(N), y] = 1
        ds = (probs - onehot) / N
    elif loss == "mse_sigmoid":
        o = 1.0 / (1.0 + np.exp(-scores))
        data = np.sum(0.5 * (y - o) ** 2) / N
        ds = -(y - o) * o * (1 - o) / N
    grads = two_layer_backward(ds, cache)
    data += 0.5 * reg * (np.tensordot(params["W1"], params["W1"], axes=2) + np.vdot(params["W2"], params["W2"]))
    out = {"W1": grads["W1"] + reg * params["W1"], "b1": grads["b1"],
           "W2": grads["W2"] + reg * params["W2"], "b2": grads["b2"]}
    return data, out
''',
    "network_backward_recomputes_from_inputs": '''
def two_layer_forward(X, params, hidden_activation="relu"):
    act = {"relu": lambda a: np.maximum(a, 0), "sigmoid": lambda a: 0.5 + 0.5 * np.tanh(0.5 * a)}[hidden_activation]
    a = X @ params["W1"] + params["b1"]
    return act(a) @ params["W2"] + params["b2"], (X, {k: v.copy() for k, v in params.items()}, hidden_activation)

def two_layer_backward(dscores, cache):
    X, p, act = cache
    a = X @ p["W1"] + p["b1"]
    if act == "relu":
        h = np.maximum(a, 0); da_dh = (a > 0).astype(float)
    else:
        h = 0.5 + 0.5 * np.tanh(0.5 * a); da_dh = h * (1 - h)
    dh = dscores @ p["W2"].T
    da = dh * da_dh
    return {"W2": np.einsum("nh,nc->hc", h, dscores), "b2": dscores.sum(0),
            "W1": np.einsum("nd,nh->dh", X, da), "b1": da.sum(0)}
''',
    "sigmoid_backward_expit_pair": '''
from scipy.special import expit
def sigmoid_forward(x):
    return expit(x), ("x", np.array(x, copy=True))

def sigmoid_backward(dout, cache):
    _, x = cache
    return dout * expit(x) * expit(-x)
''',
    "train_stacked_rows_shuffle": '''
def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    n, d = X.shape
    params = two_layer_init(d, hidden_dim, int(np.max(y)) + 1, rng)
    data = np.column_stack([X, y])
    history = {"loss": [], "train_acc": []}
    for _ in range(epochs):
        rng.shuffle(data)
        for start in range(0, n, batch_size):
            chunk = data[start:start + batch_size]
            xb, yb = chunk[:, :d], chunk[:, d].astype(int)
            _, grads = two_layer_loss(xb, yb, params, hidden_activation=hidden_activation, reg=reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        loss, _ = two_layer_loss(X, y, params, hidden_activation=hidden_activation, reg=reg)
        history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(predict(X, params, hidden_activation) == y)))
    return params, history
''',
    "train_generator_batches_permuted": '''
def _batches(n, batch_size, rng):
    order = rng.permuted(np.arange(n))
    i = 0
    while i < n:
        yield order[i:i + batch_size]
        i += batch_size

def train_two_layer(X, y, *, hidden_dim, lr, epochs, batch_size, reg, rng, hidden_activation="relu"):
    N, D = X.shape
    params = two_layer_init(D, hidden_dim, y.max() + 1, rng, weight_scale=0.01)
    losses, accs = np.empty(epochs), np.empty(epochs)
    for e in range(epochs):
        for idx in _batches(N, batch_size, rng):
            _, g = two_layer_loss(X[idx], y[idx], params, reg=reg, hidden_activation=hidden_activation)
            for k in params:
                params[k] = params[k] - lr * g[k]
        losses[e] = two_layer_loss(X, y, params, reg=reg, hidden_activation=hidden_activation)[0]
        accs[e] = np.count_nonzero(predict(X, params, hidden_activation) == y) / N
    return params, {"loss": list(losses), "train_acc": list(accs)}
''',
    "gates_numpy_ufuncs_and_sign": '''
def add_gate_backward(dout):
    return np.ones_like(dout) * dout, np.ones_like(dout) * dout

def mul_gate_backward(x, y, dout):
    return np.asarray(y) * dout, np.asarray(x) * dout

def max_gate_backward(x, y, dout):
    wx = (np.sign(np.subtract(x, y)) >= 0)
    return dout * wx, dout * np.logical_not(wx)

def copy_gate_backward(dout1, dout2):
    return np.sum(np.stack([np.asarray(dout1, float), np.asarray(dout2, float)]), axis=0)
''',
    "numgrad_unravel_and_relerr_divide_where": '''
def numerical_gradient(f, x, h=1e-5):
    base = np.copy(x).astype(float)
    grad = np.zeros(base.shape)
    for flat in range(base.size):
        idx = np.unravel_index(flat, base.shape)
        plus = base.copy(); plus[idx] += h
        minus = base.copy(); minus[idx] -= h
        grad[idx] = (f(plus) - f(minus)) / (2 * h)
    return grad

def relative_error(a, b):
    a = np.asarray(a, float); b = np.asarray(b, float)
    den = np.clip(np.abs(a) + np.abs(b), 1e-8, None)
    return np.divide(np.abs(a - b), den).max().item()
''',
    "relu_sign_mask_affine_tensordot": '''
def relu_forward(x):
    return np.where(x > 0, x, np.zeros_like(x)), np.sign(x)

def relu_backward(dout, cache):
    return dout * (cache == 1)

def affine_forward(x, W, b):
    return np.tensordot(x, W, axes=([1], [0])) + b, (x, W)

def affine_backward(dout, cache):
    x, W = cache
    return np.tensordot(dout, W, axes=([1], [1])), np.tensordot(x, dout, axes=([0], [0])), dout.sum(axis=0)
''',
    # ------------------------------------------------------------------ from the twelfth audit (p)
    "init_one_draw_split": '''
def two_layer_init(input_dim, hidden_dim, output_dim, rng, weight_scale=1e-2):
    n1 = input_dim * hidden_dim
    flat = rng.normal(0.0, weight_scale, size=n1 + hidden_dim * output_dim)
    return {"W1": flat[:n1].reshape(input_dim, hidden_dim), "b1": np.zeros(hidden_dim),
            "W2": flat[n1:].reshape(hidden_dim, output_dim), "b2": np.zeros(output_dim)}
''',
    "sigmoid_relu_tuple_caches_abs_form": '''
def sigmoid_forward(x):
    out = 0.5 * (1.0 + np.tanh(0.5 * x))
    return out, (x, out)

def sigmoid_backward(dout, cache):
    _, s = cache
    return dout * (s - s * s)

def relu_forward(x):
    return (np.abs(x) + x) / 2, x > 0

def relu_backward(dout, cache):
    return dout * cache
''',
}
