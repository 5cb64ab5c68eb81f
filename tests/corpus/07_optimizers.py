"""Mutants and alternatives for 07_optimizers (see the kit's corpus tests)."""

# name -> (function that must lose points, source appended to the reference module)
MUTANTS = {
    # the state kept in an object (behind a handle in the worker) and changed in place
    "adam_state_object_changed_in_place": ("adam", '''
class _Moments:
    pass

def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    st = state.get("st")
    if st is None:
        st = _Moments()
        st.m, st.v, st.t = np.zeros_like(w), np.zeros_like(w), 0
    st.t += 1
    st.m = beta1 * st.m + (1 - beta1) * dw
    st.v = beta2 * st.v + (1 - beta2) * dw * dw
    return w - lr * (st.m / (1 - beta1 ** st.t)) / (np.sqrt(st.v / (1 - beta2 ** st.t)) + eps), {"st": st}
'''),
    "sgd_ascent": ("sgd", '''
def sgd(w, dw, state, *, lr=1e-2):
    return w + lr * dw, {}
'''),
    "sgd_in_place": ("sgd", '''
def sgd(w, dw, state, *, lr=1e-2):
    w -= lr * dw
    return w, {}
'''),
    "momentum_dampened": ("sgd_momentum", '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state.get("v", np.zeros_like(w)) + (1 - momentum) * dw
    return w - lr * v, {"v": v}
'''),
    "momentum_ignores_velocity": ("sgd_momentum", '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    return w - lr * dw, {"v": v}
'''),
    "momentum_state_in_place": ("sgd_momentum", '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    if "v" not in state:
        state["v"] = np.zeros_like(w)
    state["v"] *= momentum
    state["v"] += dw
    return w - lr * state["v"], state
'''),
    "nesterov_is_plain_momentum": ("nesterov", '''
def nesterov(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    return w - lr * v, {"v": v}
'''),
    "nesterov_old_velocity": ("nesterov", '''
def nesterov(w, dw, state, *, lr=1e-2, momentum=0.9):
    v_old = state.get("v", np.zeros_like(w))
    return w - lr * (dw + momentum * v_old), {"v": momentum * v_old + dw}
'''),
    "adagrad_not_accumulating": ("adagrad", '''
def adagrad(w, dw, state, *, lr=1e-2, eps=1e-10):
    G = dw ** 2
    return w - lr * dw / (np.sqrt(G) + eps), {"G": G}
'''),
    "adagrad_eps_inside_sqrt": ("adagrad", '''
def adagrad(w, dw, state, *, lr=1e-2, eps=1e-10):
    G = state.get("G", np.zeros_like(w)) + dw ** 2
    return w - lr * dw / np.sqrt(G + eps), {"G": G}
'''),
    "adagrad_in_place": ("adagrad", '''
def adagrad(w, dw, state, *, lr=1e-2, eps=1e-10):
    G = state.setdefault("G", np.zeros_like(w))
    G += dw ** 2
    return w - lr * dw / (np.sqrt(G) + eps), state
'''),
    "rmsprop_eps_inside_sqrt": ("rmsprop", '''
def rmsprop(w, dw, state, *, lr=1e-2, decay=0.99, eps=1e-8):
    s = decay * state.get("s", np.zeros_like(w)) + (1 - decay) * dw ** 2
    return w - lr * dw / np.sqrt(s + eps), {"s": s}
'''),
    "rmsprop_decay_swapped": ("rmsprop", '''
def rmsprop(w, dw, state, *, lr=1e-2, decay=0.99, eps=1e-8):
    s = (1 - decay) * state.get("s", np.zeros_like(w)) + decay * dw ** 2
    return w - lr * dw / (np.sqrt(s) + eps), {"s": s}
'''),
    "rmsprop_state_starts_at_one": ("rmsprop", '''
def rmsprop(w, dw, state, *, lr=1e-2, decay=0.99, eps=1e-8):
    s = decay * state.get("s", np.ones_like(w)) + (1 - decay) * dw ** 2
    return w - lr * dw / (np.sqrt(s) + eps), {"s": s}
'''),
    "adam_no_bias_correction": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    return w - lr * m / (np.sqrt(v) + eps), {"m": m, "v": v}
'''),
    "adam_t_never_incremented": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 1)
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
'''),
    "adam_t_starts_at_one": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 1) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
'''),
    "adam_eps_inside_sqrt": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), {"m": m, "v": v, "t": t}
'''),
    "adam_mutates_state": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] = state.get("t", 0) + 1
    state["m"] = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    state["v"] = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    t = state["t"]
    m_hat, v_hat = state["m"] / (1 - beta1 ** t), state["v"] / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), state
'''),
    "adam_folded_eps": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # the Adam paper's "efficient" form: eps ends up scaled by sqrt(1 - beta2**t), not the spec's rule
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    step = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    return w - step * m / (np.sqrt(v) + eps), {"m": m, "v": v, "t": t}
'''),
    "sgd_ignores_lr": ("sgd", '''
def sgd(w, dw, state, *, lr=1e-2):
    return w - 1e-2 * dw, {}
'''),
    "momentum_sign_error": ("sgd_momentum", '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state.get("v", np.zeros_like(w)) - dw
    return w - lr * v, {"v": v}
'''),
    "momentum_velocity_decays_wrong_way": ("sgd_momentum", '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = state.get("v", np.zeros_like(w)) - momentum * dw
    return w - lr * v, {"v": v}
'''),
    "nesterov_lookahead_sign": ("nesterov", '''
def nesterov(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    return w - lr * (dw - momentum * v), {"v": v}
'''),
    "nesterov_mutates_state_arrays": ("nesterov", '''
def nesterov(w, dw, state, *, lr=1e-2, momentum=0.9):
    new = dict(state)  # a shallow copy: the velocity array is still the caller's
    if "v" in new:
        new["v"] *= momentum
        new["v"] += dw
    else:
        new["v"] = dw.copy()
    return w - lr * (dw + momentum * new["v"]), new
'''),
    "adagrad_no_square": ("adagrad", '''
def adagrad(w, dw, state, *, lr=1e-2, eps=1e-10):
    G = state.get("G", np.zeros_like(w)) + np.abs(dw)
    return w - lr * dw / (np.sqrt(G) + eps), {"G": G}
'''),
    "rmsprop_no_square": ("rmsprop", '''
def rmsprop(w, dw, state, *, lr=1e-2, decay=0.99, eps=1e-8):
    s = decay * state.get("s", np.zeros_like(w)) + (1 - decay) * np.abs(dw)
    return w - lr * dw / (np.sqrt(s) + eps), {"s": s}
'''),
    "rmsprop_no_sqrt": ("rmsprop", '''
def rmsprop(w, dw, state, *, lr=1e-2, decay=0.99, eps=1e-8):
    s = decay * state.get("s", np.zeros_like(w)) + (1 - decay) * dw ** 2
    return w - lr * dw / (s + eps), {"s": s}
'''),
    "adam_t_from_zero": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # bias correction with t starting at 0: the count is used before it is incremented
    t = state.get("t", 0)
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    m_hat, v_hat = m / (1 - beta1 ** max(t, 1)), v / (1 - beta2 ** max(t, 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t + 1}
'''),
    "adam_only_m_corrected": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v) + eps), {"m": m, "v": v, "t": t}
'''),
    "adam_betas_swapped": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = beta2 * state.get("m", np.zeros_like(w)) + (1 - beta2) * dw
    v = beta1 * state.get("v", np.zeros_like(w)) + (1 - beta1) * dw ** 2
    m_hat, v_hat = m / (1 - beta2 ** t), v / (1 - beta1 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
'''),
    "adam_mutates_state_arrays": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    new = dict(state)  # a shallow copy: m and v are still the caller's arrays
    new["t"] = new.get("t", 0) + 1
    if "m" in new:
        new["m"] *= beta1
        new["m"] += (1 - beta1) * dw
        new["v"] *= beta2
        new["v"] += (1 - beta2) * dw ** 2
    else:
        new["m"], new["v"] = (1 - beta1) * dw, (1 - beta2) * dw ** 2
    t = new["t"]
    m_hat, v_hat = new["m"] / (1 - beta1 ** t), new["v"] / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), new
'''),
    "minimize_hparams_first_step_only": ("minimize", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w, state = np.array(w0, dtype=float), {}
    traj = [w]
    for k in range(steps):
        w, state = optimizer(w, grad_fn(w)[1], state, **(hparams if k == 0 else {}))
        traj.append(w)
    return w, np.array(traj)
'''),
    "step_decay_off_by_one": ("step_decay", '''
def step_decay(lr0, epoch, *, drop=0.5, every=10):
    return lr0 * drop ** ((epoch + 1) // every)
'''),
    "step_decay_continuous": ("step_decay", '''
def step_decay(lr0, epoch, *, drop=0.5, every=10):
    return lr0 * drop ** (epoch / every)
'''),
    "cosine_ignores_lr_min": ("cosine_schedule", '''
def cosine_schedule(lr0, t, total, *, lr_min=0.0):
    return 0.5 * lr0 * (1 + math.cos(math.pi * t / total))
'''),
    "cosine_full_period": ("cosine_schedule", '''
def cosine_schedule(lr0, t, total, *, lr_min=0.0):
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(2 * math.pi * t / total))
'''),
    "rosenbrock_b10": ("rosenbrock", '''
def rosenbrock(w):
    x, y = w
    f = (1 - x) ** 2 + 10 * (y - x ** 2) ** 2
    return float(f), np.array([-2 * (1 - x) - 40 * x * (y - x ** 2), 20 * (y - x ** 2)])
'''),
    "rosenbrock_grad_sign": ("rosenbrock", '''
def rosenbrock(w):
    x, y = w
    f = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    return float(f), np.array([2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)])
'''),
    "quadratic_no_half": ("quadratic", '''
def quadratic(w, A):
    return float(w @ A @ w), A @ w
'''),
    "quadratic_grad_2Aw": ("quadratic", '''
def quadratic(w, A):
    return 0.5 * float(w @ A @ w), 2 * A @ w
'''),
    "minimize_no_w0": ("minimize", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w, state, traj = np.array(w0, dtype=float), {}, []
    for _ in range(steps):
        w, state = optimizer(w, grad_fn(w)[1], state, **hparams)
        traj.append(w)
    return w, np.array(traj).reshape(steps, len(w0))
'''),
    "minimize_fresh_state_each_step": ("minimize", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w = np.array(w0, dtype=float)
    traj = [w]
    for _ in range(steps):
        w, _ = optimizer(w, grad_fn(w)[1], {}, **hparams)
        traj.append(w)
    return w, np.array(traj)
'''),
    "minimize_drops_hparams": ("minimize", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w, state = np.array(w0, dtype=float), {}
    traj = [w]
    for _ in range(steps):
        w, state = optimizer(w, grad_fn(w)[1], state, lr=hparams.get("lr", 1e-2),
                             **{k: v for k, v in hparams.items() if k not in ("lr", "beta1")})
        traj.append(w)
    return w, np.array(traj)
'''),
    "minimize_one_step_short": ("minimize", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w, state = np.array(w0, dtype=float), {}
    traj = [w]
    for _ in range(max(steps - 1, 0)):
        w, state = optimizer(w, grad_fn(w)[1], state, **hparams)
        traj.append(w)
    traj += [w] * (steps - len(traj) + 1)
    return w, np.array(traj)
'''),
    "minimize_mutates_w0": ("minimize", '''
_minimize_ref = minimize
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w_final, traj = _minimize_ref(grad_fn, w0, optimizer, steps=steps, **hparams)
    w0[...] = w_final
    return w_final, traj
'''),
    "minimize_stores_references": ("minimize", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w, state = np.array(w0, dtype=float), {}
    traj = [w]
    for _ in range(steps):
        w_next, state = optimizer(w, grad_fn(w)[1], state, **hparams)
        w[...] = w_next  # one buffer updated in place: every row of the trajectory is that buffer
        traj.append(w)
    return w, np.array(traj)
'''),
    "minimize_gradient_at_w0": ("minimize", '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w, state = np.array(w0, dtype=float), {}
    traj = [w]
    for _ in range(steps):
        w, state = optimizer(w, grad_fn(w0)[1], state, **hparams)
        traj.append(w)
    return w, np.array(traj)
'''),
    # Bugs of the functions minimize is run with: they must cost those functions only, since a
    # right minimize is graded on test-defined callbacks where its own ones misbehave.
    "momentum_in_place_w": ("sgd_momentum", '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    w -= lr * v  # CS231n-style in-place update
    return w, {"v": v}
'''),
    "adam_modifies_w": ("adam", '''
_adam_ref = adam
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    w_next, new = _adam_ref(w, dw, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    w[...] = w_next
    return w, new
'''),
    "adam_global_step_count": ("adam", '''
_T = [0]
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    _T[0] += 1  # the step count outside state: a second run carries on from the first
    t = _T[0]
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), {"m": m, "v": v}
'''),
    "adam_not_implemented": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    raise NotImplementedError
'''),
    "rosenbrock_grad_in_input_buffer": ("rosenbrock", '''
def rosenbrock(w):
    x, y = w
    f = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    w[0] = -2 * (1 - x) - 400 * x * (y - x ** 2)  # reuses the input as the gradient's storage
    w[1] = 200 * (y - x ** 2)
    return float(f), w
'''),
    "rosenbrock_not_implemented": ("rosenbrock", '''
def rosenbrock(w):
    raise NotImplementedError
'''),
    # Defaults and state threading that only a run from an empty state with defaults shows.
    "adam_keras_default_eps": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), {"m": m, "v": v, "t": t}
'''),
    "adam_amsgrad": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    vmax = np.maximum(state.get("vmax", np.zeros_like(w)), v)  # AMSGrad's running maximum
    return (w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(vmax / (1 - beta2 ** t)) + eps),
            {"m": m, "v": v, "t": t, "vmax": vmax})
'''),
    "adam_step_count_key_typo": ("adam", '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("step", 0) + 1  # read under one key, stored under another: t is 1 at every step
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), {"m": m, "v": v, "t": t}
'''),
    "momentum_state_key_mismatch": ("sgd_momentum", '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state.get("velocity", np.zeros_like(w)) + dw
    return w - lr * v, {"v": v}
'''),
    "nesterov_first_step_without_lookahead": ("nesterov", '''
def nesterov(w, dw, state, *, lr=1e-2, momentum=0.9):
    if "v" not in state:
        return w - lr * dw, {"v": dw.copy()}
    v = momentum * state["v"] + dw
    return w - lr * (dw + momentum * v), {"v": v}
'''),
    "rmsprop_hinton_default_decay": ("rmsprop", '''
def rmsprop(w, dw, state, *, lr=1e-2, decay=0.9, eps=1e-8):
    s = decay * state.get("s", np.zeros_like(w)) + (1 - decay) * dw * dw
    return w - lr * dw / (np.sqrt(s) + eps), {"s": s}
'''),
    "minimize_state_kept_between_calls": ("minimize", '''
_minimize_state = {}
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    global _minimize_state
    w = np.array(w0, dtype=float)
    traj = [w]
    for _ in range(steps):
        w, _minimize_state = optimizer(w, grad_fn(w)[1], _minimize_state, **hparams)
        traj.append(w)
    return w, np.array(traj)
'''),
    # ------------------------------------------------------------------ from the twelfth audit (p)
    "adagrad_state_starts_at_one": ("adagrad", '''
def adagrad(w, dw, state, *, lr=1e-2, eps=1e-10):
    G = state.get("G", np.ones_like(w)) + dw * dw
    return w - lr * dw / (np.sqrt(G) + eps), {"G": G}
'''),
    "adagrad_default_eps_1e8": ("adagrad", '''
def adagrad(w, dw, state, *, lr=1e-2, eps=1e-8):
    G = state.get("G", np.zeros_like(w)) + dw * dw
    return w - lr * dw / (np.sqrt(G) + eps), {"G": G}
'''),
}

# name -> source appended to the reference: correct but differently written; must get full marks
ALTERNATIVES = {
    # state as a dict subclass: a dict all the same (the codec sends any dict subclass as its items)
    "momentum_state_dict_subclass": '''
class _State(dict):
    pass

def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    return w - lr * v, _State(v=v)
''',
    "momentum_cs231n_w_plus_v": '''
def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    velocity = momentum * state.get("velocity", np.zeros_like(w)) - lr * dw
    return w + velocity, {"velocity": velocity}
''',
    "nesterov_cs231n_form": '''
def nesterov(w, dw, state, *, lr=1e-2, momentum=0.9):
    v_prev = state.get("velocity", np.zeros_like(w))
    v = momentum * v_prev - lr * dw
    return w - momentum * v_prev + (1 + momentum) * v, {"velocity": v}
''',
    "adam_pytorch_form_other_keys": '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    step = state.get("step", 0) + 1
    exp_avg = state.get("exp_avg", 0.0) * beta1 + dw * (1 - beta1)
    exp_avg_sq = state.get("exp_avg_sq", 0.0) * beta2 + dw * dw * (1 - beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    denom = np.sqrt(exp_avg_sq) / math.sqrt(bias_correction2) + eps
    w_next = w - (lr / bias_correction1) * exp_avg / denom
    return w_next, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
''',
    "adagrad_rmsprop_other_keys_copy_update": '''
def adagrad(w, dw, state, *, lr=1e-2, eps=1e-10):
    new = {"cache": state["cache"] + dw ** 2 if "cache" in state else dw ** 2}
    w_next = w.copy()
    w_next -= lr * dw / (np.sqrt(new["cache"]) + eps)
    return w_next, new

def rmsprop(w, dw, state, *, lr=1e-2, decay=0.99, eps=1e-8):
    cache = state.get("cache", 0) * decay + (1 - decay) * np.square(dw)
    return w - lr * dw / (cache ** 0.5 + eps), {"cache": cache, "steps": state.get("steps", 0) + 1}
''',
    "sgd_empty_state": '''
def sgd(w, dw, state, *, lr=1e-2):
    return w - dw * lr, {}
''',
    "schedules_numpy_scalars": '''
def step_decay(lr0, epoch, *, drop=0.5, every=10):
    return np.float64(lr0) * np.power(drop, np.floor(epoch / every))

def cosine_schedule(lr0, t, total, *, lr_min=0.0):
    return np.asarray(lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * t / total)) / 2)
''',
    "test_functions_0d_and_lists": '''
def rosenbrock(w):
    x, y = float(w[0]), float(w[1])
    r = y - x * x
    return np.asarray((1 - x) ** 2 + 100 * r ** 2), np.array([2 * (x - 1) - 400 * x * r, 200 * r])

def quadratic(w, A):
    g = 0.5 * (A + A.T) @ w
    return np.float64(0.5 * w.dot(A).dot(w)), g
''',
    "minimize_preallocated": '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    traj = np.zeros((steps + 1, len(w0)))
    traj[0] = w0
    st = {}
    for k in range(steps):
        f, g = grad_fn(traj[k].copy())
        w_new, st = optimizer(traj[k].copy(), g, st, **hparams)
        traj[k + 1] = w_new
    return traj[-1].copy(), traj
''',
    "minimize_copies_and_extra_evaluation": '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w = np.asarray(w0, dtype=float).copy()
    state, traj, losses = {}, [w.copy()], []
    for _ in range(steps):
        f, g = grad_fn(w)
        losses.append(f)
        w, state = optimizer(w, g, state, **hparams)
        traj.append(np.array(w, dtype=float))
    losses.append(grad_fn(w)[0])  # the loss at the final point too: one call more than needed
    return traj[-1], np.stack(traj)
''',
    "minimize_no_copy_of_w0": '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    # no copy needed: optimizers return new arrays and never write to w
    w, state, traj = w0, {}, [w0]
    for _ in range(steps):
        w, state = optimizer(w, grad_fn(w)[1], state, **hparams)
        traj.append(w)
    return w, np.array(traj, dtype=float)
''',
    # Adam's state without t: the products beta**t kept instead, or the count stored one step ahead.
    "adam_beta_powers_instead_of_t": '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    b1t = state.get("b1t", 1.0) * beta1
    b2t = state.get("b2t", 1.0) * beta2
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * dw
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * dw ** 2
    w_next = w - lr * (m / (1 - b1t)) / (np.sqrt(v / (1 - b2t)) + eps)
    return w_next, {"m": m, "v": v, "b1t": b1t, "b2t": b2t}
''',
    "adam_next_t_and_object_state": '''
class _AdamMoments:
    __slots__ = ("m", "v")
    def __init__(self, m, v):
        self.m, self.v = m, v

def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("next_t", 1)
    old = state.get("moments", _AdamMoments(0.0, 0.0))  # a new object each step, never changed
    new = _AdamMoments(beta1 * old.m + (1 - beta1) * dw, beta2 * old.v + (1 - beta2) * dw * dw)
    w_next = w - lr * (new.m / (1 - beta1 ** t)) / (np.sqrt(new.v / (1 - beta2 ** t)) + eps)
    return w_next, {"moments": new, "next_t": t + 1}
''',
    # The Adam paper's efficient form with eps rescaled to match the spec's rule exactly.
    "adam_efficient_form_eps_hat": '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if not state:
        m, v, t = (1 - beta1) * dw, (1 - beta2) * dw * dw, 1
    else:
        t = state["t"] + 1
        m = beta1 * state["m"] + (1 - beta1) * dw
        v = beta2 * state["v"] + (1 - beta2) * dw * dw
    lr_t = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    eps_hat = eps * math.sqrt(1 - beta2 ** t)
    return w - lr_t * m / (np.sqrt(v) + eps_hat), {"m": m, "v": v, "t": t}
''',
    "schedules_loop_and_cos_squared": '''
def step_decay(lr0, epoch, *, drop=0.5, every=10):
    lr = lr0
    for e in range(1, epoch + 1):
        if e % every == 0:
            lr *= drop
    return lr

def cosine_schedule(lr0, t, total, *, lr_min=0.0):
    return lr_min + (lr0 - lr_min) * math.cos(math.pi * t / (2 * total)) ** 2
''',
    "minimize_keyword_calls_one_state_dict": '''
def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    w = np.copy(w0).astype(float)
    state, k = {}, 0
    path = np.empty((steps + 1,) + np.shape(w0))
    path[0] = w
    while k < steps:
        _, g = grad_fn(w)
        w, new_state = optimizer(w=w, dw=g, state=state, **hparams)
        state = {}
        state.update(new_state)
        k += 1
        path[k] = w
    return path[-1].copy(), path
''',
    # ------------------------------------------------------------------ from the twelfth audit (p)
    "adagrad_hypot_root_state": '''
def adagrad(w, dw, state, *, lr=1e-2, eps=1e-10):
    r = np.hypot(state.get("root", np.zeros_like(w)), dw)  # keeps sqrt(G) directly
    return w - lr * dw / (r + eps), {"root": r}
''',
    "rmsprop_lerp_int_keys": '''
def rmsprop(w, dw, state, *, lr=1e-2, decay=0.99, eps=1e-8):
    s = state.get(0, np.zeros_like(w))
    s = s + (1 - decay) * (dw ** 2 - s)
    return w - lr * dw / (np.sqrt(s) + eps), {0: s}
''',
    "adam_nested_tuple_state": '''
def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = state.get("moments", (np.zeros_like(w), np.zeros_like(w)))
    t = state.get("meta", {"t": 0})["t"] + 1
    m = m + (1 - beta1) * (dw - m)
    v = v + (1 - beta2) * (dw * dw - v)
    mh = m / (1 - np.power(beta1, t)); vh = v / (1 - np.power(beta2, t))
    return w - lr * mh / (np.sqrt(vh) + eps), {"moments": (m, v), "meta": {"t": t}}
''',
}
