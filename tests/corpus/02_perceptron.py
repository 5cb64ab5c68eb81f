"""Mutants and alternatives of 02_perceptron (perceptron.py) that prove the hidden tests work."""

# name -> (function that must lose points, source appended to the reference module)
MUTANTS = {
    "step_one_at_zero": ("step", '''
def step(z):
    return (np.asarray(z) >= 0).astype(np.int64)
'''),
    "step_returns_bool": ("step", '''
def step(z):
    return np.asarray(z) > 0
'''),
    "step_returns_float": ("step", '''
def step(z):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)
'''),
    "perceptron_no_bias": ("perceptron", '''
def perceptron(x, w, b):
    return step(x @ w)
'''),
    "perceptron_ge_threshold": ("perceptron", '''
def perceptron(x, w, b):
    return (x @ w + b >= 0).astype(np.int64)
'''),
    "perceptron_single_sample_as_row": ("perceptron", '''
def perceptron(x, w, b):
    return step(np.atleast_2d(x) @ w + b)
'''),
    "perceptron_ge_only_for_single_sample": ("perceptron", '''
def perceptron(x, w, b):
    z = np.asarray(x) @ w + b
    if np.ndim(z) == 0:
        return np.int64(z >= 0)       # single-sample path written separately, with >=
    return step(z)
'''),
    "gate_nand_weights_give_and": ("gate_params", '''
def gate_params(name):
    params = {"AND": ([0.5, 0.5], -0.7), "OR": ([0.5, 0.5], -0.2),
              "NAND": ([0.5, 0.5], -0.7), "NOR": ([-0.5, -0.5], 0.2)}
    w, b = params[name]
    return np.array(w), b
'''),
    "gate_or_bias_too_low": ("gate_params", '''
def gate_params(name):
    params = {"AND": ([0.5, 0.5], -0.7), "OR": ([0.5, 0.5], -0.5),
              "NAND": ([-0.5, -0.5], 0.7), "NOR": ([-0.5, -0.5], 0.2)}
    w, b = params[name]
    return np.array(w), b
'''),
    "gate_nor_bias_sign": ("gate_params", '''
def gate_params(name):
    params = {"AND": ([0.5, 0.5], -0.7), "OR": ([0.5, 0.5], -0.2),
              "NAND": ([-0.5, -0.5], 0.7), "NOR": ([-0.5, -0.5], -0.2)}
    w, b = params[name]
    return np.array(w), b
'''),
    "gate_w_as_row_matrix": ("gate_params", '''
def gate_params(name):
    params = {"AND": ([0.5, 0.5], -0.7), "OR": ([0.5, 0.5], -0.2),
              "NAND": ([-0.5, -0.5], 0.7), "NOR": ([-0.5, -0.5], 0.2)}
    w, b = params[name]
    return np.array([w]), b
'''),
    "xor_wrong_composition": ("xor", '''
def xor(x1, x2):
    x = np.stack([x1, x2], axis=-1)
    s1 = perceptron(x, *gate_params("NAND"))
    s2 = perceptron(x, *gate_params("OR"))
    return perceptron(np.stack([s1, s2], axis=-1), *gate_params("OR"))
'''),
    "xor_mutates_input": ("xor", '''
def xor(x1, x2):
    x = np.stack([x1, x2], axis=-1)
    s1 = perceptron(x, *gate_params("NAND"))
    s2 = perceptron(x, *gate_params("OR"))
    x1[...] = 0
    return perceptron(np.stack([s1, s2], axis=-1), *gate_params("AND"))
'''),
    "xor_returns_bool": ("xor", '''
def xor(x1, x2):
    x = np.stack([x1, x2], axis=-1)
    s1 = perceptron(x, *gate_params("NAND"))
    s2 = perceptron(x, *gate_params("OR"))
    return perceptron(np.stack([s1, s2], axis=-1), *gate_params("AND")).astype(bool)
'''),
    "xor_returns_float": ("xor", '''
def xor(x1, x2):
    x = np.stack([x1, x2], axis=-1)
    s1 = perceptron(x, *gate_params("NAND"))
    s2 = perceptron(x, *gate_params("OR"))
    return perceptron(np.stack([s1, s2], axis=-1), *gate_params("AND")) * 1.0
'''),
    "xor_mlp_output_or": ("xor_mlp_params", '''
def xor_mlp_params():
    W1 = np.array([[-0.5, 0.5], [-0.5, 0.5]])
    return W1, np.array([0.7, -0.2]), np.array([0.5, 0.5]), -0.2
'''),
    "xor_mlp_b2_shape_1": ("xor_mlp_params", '''
def xor_mlp_params():
    W1 = np.array([[-0.5, 0.5], [-0.5, 0.5]])
    return W1, np.array([0.7, -0.2]), np.array([0.5, 0.5]), np.array([-0.7])
'''),
    "xor_mlp_W1_rows_are_units": ("xor_mlp_params", '''
def xor_mlp_params():
    W1 = np.array([[-0.5, -0.5], [0.5, 0.5]])  # hidden units stored as rows, but the network uses x @ W1
    return W1, np.array([0.7, -0.2]), np.array([0.5, 0.5]), -0.7
'''),
    "train_no_stop_after_clean_epoch": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w, b = w + lr * delta * xi, b + lr * float(delta)
                mistakes += 1
        errors.append(mistakes)
    return w, b, errors
'''),
    "train_updates_every_sample": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            mistakes += int(perceptron(xi, w, b) != yi)
            sign = 2 * yi - 1          # pushes towards the label even when already right
            w, b = w + lr * sign * xi, b + lr * float(sign)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
'''),
    "train_drops_last_clean_epoch": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w, b = w + lr * delta * xi, b + lr * float(delta)
                mistakes += 1
        if mistakes == 0:
            break
        errors.append(mistakes)
    return w, b, errors
'''),
    "train_bias_not_updated": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w = w + lr * delta * xi
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
'''),
    "train_ignores_lr": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w, b = w + delta * xi, b + float(delta)
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
'''),
    "train_batch_updates_per_epoch": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        delta = y - perceptron(X, w, b)   # all predictions with the epoch's starting weights
        w, b = w + lr * delta @ X, b + lr * float(np.sum(delta))
        errors.append(int(np.count_nonzero(delta)))
        if errors[-1] == 0:
            break
    return w, b, errors
'''),
    "boundary_sign_flipped": ("decision_boundary", '''
def decision_boundary(w, b, x1):
    return (w[0] * x1 + b) / w[1]
'''),
    "boundary_weights_swapped": ("decision_boundary", '''
def decision_boundary(w, b, x1):
    return -(w[1] * x1 + b) / w[0]
'''),
    # ---- no math at all: the right shapes, a loop that never learns
    "xor_mlp_params_zeros": ("xor_mlp_params", '''
def xor_mlp_params():
    return np.zeros((2, 2)), np.zeros(2), np.zeros(2), 0.0
'''),
    "perceptron_train_never_learns": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    return np.zeros(X.shape[1]), 0.0, [1] * epochs
'''),
    # ---- found by the third audit (each already caught: kept so that it stays caught)
    "step_sign": ("step", '''
def step(z):
    return np.sign(z).astype(np.int64)    # -1 for negative z, not 0
'''),
    "perceptron_int_cast_before_step": ("perceptron", '''
def perceptron(x, w, b):
    return step((x @ w + b).astype(np.int64))   # truncates 0.7 to 0 before the threshold
'''),
    "xor_bitwise_operator": ("xor", '''
def xor(x1, x2):
    return np.asarray(x1) ^ np.asarray(x2)       # not built from gates; fails for float 0./1. inputs
'''),
    "train_labels_pm1_in_place": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    y[y == 0] = -1                        # +-1 labels, in place on the caller's y
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        m = 0
        for xi, ti in zip(X, y):
            pred = 1 if xi @ w + b > 0 else -1
            if pred != ti:
                w = w + lr * ti * xi
                b = b + lr * ti
                m += 1
        errors.append(m)
        if m == 0:
            break
    return w, b, errors
'''),
    "train_mutable_default_errors": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100, errors=[]):   # the list survives between calls
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w, b = w + lr * delta * xi, b + lr * float(delta)
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
'''),
    "train_reverse_order": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X[::-1], y[::-1]):     # samples visited last to first
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w, b = w + lr * delta * xi, b + lr * float(delta)
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
'''),
    # ---- the twelfth audit's: a wrong default in the signature (from w = 0 the mistakes do not depend on lr,
    # and separable data converges in a few epochs, so no other test could see either)
    "train_default_lr_0_1": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=0.1, epochs=100):
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w, b = w + lr * delta * xi, b + lr * float(delta)
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
'''),
    "train_default_epochs_10": ("perceptron_train", '''
def perceptron_train(X, y, *, lr=1.0, epochs=10):
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w, b = w + lr * delta * xi, b + lr * float(delta)
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
'''),
}

# name -> source appended to the reference: correct but differently written; must get full marks
ALTERNATIVES = {
    "step_where_int32": '''
def step(z):
    return np.where(np.asarray(z) > 0, 1, 0).astype(np.int32)
''',
    "step_heaviside": '''
def step(z):
    return np.heaviside(z, 0.0).astype(int)
''',
    "perceptron_dot": '''
def perceptron(x, w, b):
    return step(np.dot(x, w) + b)
''',
    "gates_other_weights": '''
def gate_params(name):
    table = {"AND": (np.array([1.0, 1.0]), -1.5), "OR": (np.array([2.0, 2.0]), -1.0),
             "NAND": (np.array([-2.0, -2.0]), 3.0), "NOR": (np.array([-1.0, -1.0]), 0.5)}
    return table[name]
''',
    "gates_on_the_boundary_integer": '''
def gate_params(name):
    # step(0) == 0 makes these exact integer weights valid too
    w = {"AND": [1, 1], "OR": [1, 1], "NAND": [-1, -1], "NOR": [-1, -1]}[name]
    b = {"AND": -1, "OR": 0, "NAND": 2, "NOR": 1}[name]
    return np.array(w), b
''',
    "xor_through_the_mlp": '''
def xor(x1, x2):
    W1, b1, W2, b2 = xor_mlp_params()
    x = np.column_stack([x1, x2])
    return step(step(x @ W1 + b1) @ W2 + b2)
''',
    "xor_uint8": '''
def xor(x1, x2):
    x = np.column_stack([x1, x2])
    hidden = np.column_stack([perceptron(x, *gate_params("NAND")), perceptron(x, *gate_params("OR"))])
    return perceptron(hidden, *gate_params("AND")).astype(np.uint8)   # any integer dtype is an integer array
''',
    "xor_mlp_other_weights": '''
def xor_mlp_params():
    W1 = np.array([[1.0, -1.0], [1.0, -1.0]])   # hidden unit 0: OR, hidden unit 1: NAND
    b1 = np.array([-0.5, 1.5])
    return W1, b1, np.array([1.0, 1.0]), -1.5
''',
    "train_in_place_index_loop": '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    N, D = X.shape
    w = np.zeros(D)
    b = 0.0
    errors = np.zeros(0, dtype=np.int32)
    for epoch in range(epochs):
        count = 0
        for i in range(N):
            pred = 1 if X[i] @ w + b > 0 else 0
            if pred != y[i]:
                w += lr * (y[i] - pred) * X[i]
                b += lr * (y[i] - pred)
                count += 1
        errors = np.append(errors, np.int32(count))
        if count == 0:
            break
    return w, b, errors
''',
    "perceptron_single_sample_branch": '''
def perceptron(x, w, b):
    x = np.asarray(x)
    if x.ndim == 1:
        return np.int64(1 if x @ w + b > 0 else 0)
    return (x @ w + b > 0).astype(int)
''',
    # (perceptron_train's tests excuse a wrong perceptron only when perceptron disagrees with step; these
    # train correctly with the reference's perceptron and must keep every point)
    "train_zeros_like_float_dtype": '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros_like(X[0], dtype=np.float64), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w += lr * delta * xi
                b += lr * delta
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, float(b), errors
''',
    "train_zeros_like_rebound": '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    w, b = np.zeros_like(X[0]), 0       # integer for integer X, but w = w + ... makes a new float array
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X, y):
            delta = yi - perceptron(xi, w, b)
            if delta != 0:
                w = w + lr * delta * xi
                b = b + lr * delta
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, float(b), errors
''',
    "train_casts_X_to_float_batch_prediction": '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    X = np.asarray(X, dtype=np.float64)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        mistakes = 0
        for i in range(len(X)):
            y_hat = perceptron(X[i:i + 1], w, b)[0]   # a batch of one sample
            if y_hat != y[i]:
                w, b = w + lr * (y[i] - y_hat) * X[i], b + lr * (y[i] - y_hat)
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
''',
    "train_augmented_weights": '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    N, D = X.shape
    Xa = np.hstack([X, np.ones((N, 1))])
    wa = np.zeros(D + 1)
    errors = []
    for _ in range(epochs):
        m = 0
        for i in range(N):
            yh = 1 if Xa[i] @ wa > 0 else 0
            if yh != y[i]:
                wa = wa + lr * (y[i] - yh) * Xa[i]
                m += 1
        errors.append(m)
        if m == 0:
            break
    return wa[:D], float(wa[D]), errors
''',
    "boundary_rearranged": '''
def decision_boundary(w, b, x1):
    return (-b - w[0] * np.asarray(x1)) / w[1]
''',
    # ---- the third audit's
    "step_0d_python_int_perceptron_einsum": '''
def step(z):
    z = np.asarray(z)
    if z.ndim == 0:
        return int(z > 0)                 # a Python int for a 0-d input
    return (z > 0).astype(np.int64)

def perceptron(x, w, b):
    return step(np.einsum("...d,d->...", x, w) + b)
''',
    "train_pm1_labels_on_a_copy": '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    t = 2 * np.asarray(y) - 1             # +-1 labels, a new array: (y - y_hat) is t on a mistake
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        m = 0
        for xi, ti in zip(X, t):
            pred = 1 if xi @ w + b > 0 else -1
            if pred != ti:
                w = w + lr * ti * xi
                b = b + lr * ti
                m += 1
        errors.append(m)
        if m == 0:
            break
    return w, b, errors
''',
    "xor_from_and_nor_mlp_or_and": '''
def xor(x1, x2):
    x = np.column_stack([x1, x2])
    both = perceptron(x, *gate_params("AND"))
    neither = perceptron(x, *gate_params("NOR"))
    return perceptron(np.column_stack([both, neither]), *gate_params("NOR")).astype(np.int32)

def xor_mlp_params():
    W1 = np.ones((2, 2))
    b1 = np.array([-0.5, -1.5])           # hidden units: OR, AND
    return W1, b1, np.array([1.0, -2.0]), np.array(-0.5)
''',
    # ---- the twelfth audit's
    "train_factored_lr_unscaled_sums": '''
def perceptron_train(X, y, *, lr=1.0, epochs=100):
    # from w = 0 the rule keeps w = lr * u, b = lr * c with u, c the unscaled sums: predict from those
    u, c, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        m = 0
        for xi, yi in zip(X, y):
            yh = int(lr * (xi @ u + c) > 0)
            if yh != yi:
                u += (yi - yh) * xi
                c += (yi - yh)
                m += 1
        errors.append(m)
        if m == 0:
            break
    return lr * u, lr * c, errors
''',
    "train_unconditional_update_while_step_view": '''
def step(z):
    return np.greater(z, 0).view(np.int8)

def perceptron_train(X, y, *, lr=1.0, epochs=100):
    n, d = X.shape
    w, b, errors, epoch = np.zeros(d), 0.0, [], 0
    while epoch < epochs:
        m = 0
        for i in range(n):
            err = y[i] - step(X[i].dot(w) + b)
            w = w + lr * err * X[i]     # a zero update when right
            b = b + lr * err
            m += int(err != 0)
        errors.append(m)
        epoch += 1
        if m == 0:
            break
    return w, float(b), np.array(errors)
''',
}
