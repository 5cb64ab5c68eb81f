"""Hidden tests for 03_backprop, part 2: the two-layer network, its loss, gradient checking and
training.

Network backward and loss gradients are checked against the reference and against centred
differences of the student's own forward / loss (when that agrees with the reference; a wrong
forward is graded by its own tests). ReLU networks for numerical checks keep every hidden
pre-activation at least 1e-3 away from the kink. Training is graded by outcome (accuracy of the
returned parameters), so any valid use of rng passes.
"""

import numpy as np

from grader.checks import (as_float, assert_close, assert_equal, assert_shape, call_unchanged, describe, graded,
                           numeric_grad, numeric_grad_array, unpack)

SEEDS = (0, 1, 2)
RTOL = 1e-7
GRAD_RTOL = 1e-5    # centred differences with h = 1e-6
GRAD_ATOL = 1e-7
KEYS = ("W1", "b1", "W2", "b2")
NET_SHAPES = ((5, 4, 6, 3), (8, 3, 10, 4), (1, 2, 5, 3))  # (N, D, H, C)
ACTIVATIONS = ("relu", "sigmoid")
LOSS_CASES = (("relu", "softmax", 0.37), ("sigmoid", "softmax", 2.5),
              ("relu", "mse_sigmoid", 2.5), ("sigmoid", "mse_sigmoid", 0.37))


def _net(rng, d, h, c):
    return {"W1": 0.7 * rng.standard_normal((d, h)), "b1": 0.3 * rng.standard_normal(h),
            "W2": 0.7 * rng.standard_normal((h, c)), "b2": 0.3 * rng.standard_normal(c)}


def _copy(params):
    return {k: v.copy() for k, v in params.items()}


def _smooth_problem(rng, n, d, h, c):
    """X and params whose hidden pre-activations all satisfy |a| >= 1e-3 (no ReLU kink nearby)."""
    while True:
        X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
        if np.min(np.abs(X @ params["W1"] + params["b1"])) >= 1e-3:
            return X, params


def _targets(rng, loss, n, c):
    return rng.integers(0, c, size=n) if loss == "softmax" else rng.random((n, c))


def _check_params_dict(what, value, shapes):
    if not isinstance(value, dict) or set(value) != set(KEYS):
        raise AssertionError(f"{what} must be a dict with keys 'W1', 'b1', 'W2', 'b2', got {describe(value)}")
    for k in KEYS:
        assert_shape(f"{what}[{k!r}]", value[k], shapes[k])


def _shapes(d, h, c):
    return {"W1": (d, h), "b1": (h,), "W2": (h, c), "b2": (c,)}


def _check_grads(what, grads, expected, rtol=RTOL, atol=1e-12):
    _check_params_dict(what, grads, {k: np.shape(v) for k, v in expected.items()})
    for k in KEYS:
        assert_close(f"{what}[{k!r}]", grads[k], expected[k], rtol=rtol, atol=atol)


def _label(act, loss=None, reg=None):
    parts = [f"hidden_activation={act!r}"] + ([f"loss={loss!r}"] if loss else []) + (
        ["reg set"] if reg else [])
    return ", ".join(parts)


# ---------------------------------------------------------------------------- two_layer_init
@graded("two_layer_init", weight=1)
def test_two_layer_init_shapes_and_zero_biases(student, ref):
    for seed in SEEDS:
        for d, h, c in ((4, 7, 3), (2, 50, 5)):
            params = student.two_layer_init(d, h, c, np.random.default_rng(seed), weight_scale=0.37)
            _check_params_dict("params", params, _shapes(d, h, c))
            assert_equal("params['b1']", params["b1"], np.zeros(h))
            assert_equal("params['b2']", params["b2"], np.zeros(c))
            for k in ("W1", "W2"):
                w = np.asarray(params[k], dtype=np.float64)
                assert np.all(np.isfinite(w)) and np.any(w != 0), f"params[{k!r}] must be random, finite and nonzero"


@graded("two_layer_init", weight=2)
def test_two_layer_init_weight_statistics(student, ref):
    # Tolerances are 10 standard errors of each statistic for normal draws (a correct
    # implementation fails with probability far below 1e-9); uniform draws of the right std fail.
    for seed, scale in ((0, 0.37), (1, None), (2, 2.5)):
        kwargs = {} if scale is None else {"weight_scale": scale}
        s = 1e-2 if scale is None else scale
        params = student.two_layer_init(300, 200, 50, np.random.default_rng(seed), **kwargs)
        _check_params_dict("params", params, _shapes(300, 200, 50))
        what = "default weight_scale" if scale is None else "weight_scale set"
        for k in ("W1", "W2"):
            w = np.asarray(params[k], dtype=np.float64).ravel()
            n = w.size
            assert abs(np.mean(w)) <= 10 * s / np.sqrt(n), f"params[{k!r}] ({what}): the mean of the weights must be 0"
            assert abs(np.sqrt(np.mean(w ** 2)) / s - 1) <= 10 / np.sqrt(2 * n), \
                f"params[{k!r}] ({what}): the standard deviation of the weights must be weight_scale"
            p = 0.6826894921370859  # P(|z| < 1) for a standard normal z
            assert abs(np.mean(np.abs(w) < s) - p) <= 10 * np.sqrt(p * (1 - p) / n), \
                f"params[{k!r}] ({what}): the weights must be normally distributed"


@graded("two_layer_init", weight=1)
def test_two_layer_init_draws_only_from_rng(student, ref):
    first = student.two_layer_init(5, 8, 3, np.random.default_rng(21), weight_scale=0.37)
    again = student.two_layer_init(5, 8, 3, np.random.default_rng(21), weight_scale=0.37)
    other = student.two_layer_init(5, 8, 3, np.random.default_rng(22), weight_scale=0.37)
    for params in (first, again, other):
        _check_params_dict("params", params, _shapes(5, 8, 3))
    for k in ("W1", "W2"):
        assert_close(f"params[{k!r}] from an identically seeded rng", again[k], first[k], rtol=1e-12, atol=0)
        assert not np.allclose(other[k], first[k]), \
            f"params[{k!r}] must come from rng: differently seeded generators gave the same weights"


# ---------------------------------------------------------------------------- two_layer_forward
@graded("two_layer_forward", weight=2)
def test_two_layer_forward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(200 + seed)
        for n, d, h, c in NET_SHAPES:
            X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
            for act in ACTIVATIONS:
                scores, _ = unpack(call_unchanged(student.two_layer_forward, X, params, hidden_activation=act),
                                   2, "two_layer_forward")
                expected = ref.two_layer_forward(X, params, hidden_activation=act)[0]
                assert_close(f"scores ({_label(act)})", scores, expected, rtol=RTOL)
            scores, _ = unpack(student.two_layer_forward(X, _copy(params)), 2, "two_layer_forward")
            assert_close("scores (default hidden_activation)", scores, ref.two_layer_forward(X, params)[0], rtol=RTOL)


# ---------------------------------------------------------------------------- two_layer_backward
def _network_forward(student, ref, X, params, act):
    """The student's two_layer_forward on copies: (cache, trusted).

    trusted: its scores agree with the reference and it left X and params alone. A backward can only
    be compared with the reference through a sound forward's cache; a wrong forward is charged by
    its own tests, and the backward is then checked for its output's structure only.
    """
    fn = student.two_layer_forward
    try:
        scores, cache = unpack(call_unchanged(fn, X.copy(), _copy(params), hidden_activation=act), 2,
                               "two_layer_forward")
        kept = True
    except AssertionError:  # modified its input
        scores, cache = unpack(fn(X.copy(), _copy(params), hidden_activation=act), 2, "two_layer_forward")
        kept = False
    return cache, kept and _agrees(scores, ref.two_layer_forward(X, params, hidden_activation=act)[0])


def _agrees(out, expected):
    try:
        out = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return out.shape == np.shape(expected) and np.allclose(out, expected, rtol=1e-6, atol=1e-10)


@graded("two_layer_backward", weight=2)
def test_two_layer_backward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(300 + seed)
        for n, d, h, c in NET_SHAPES:
            X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
            dscores = rng.standard_normal((n, c))
            for act in ACTIVATIONS:
                cache, trusted = _network_forward(student, ref, X, params, act)
                grads = call_unchanged(student.two_layer_backward, dscores, cache)
                if trusted:
                    expected = ref.two_layer_backward(dscores, ref.two_layer_forward(X, params, hidden_activation=act)[1])
                    _check_grads(f"grads ({_label(act)})", grads, expected)
                else:
                    _check_params_dict(f"grads ({_label(act)})", grads, _shapes(d, h, c))


@graded("two_layer_backward", weight=1)
def test_two_layer_backward_numerical_gradient(student, ref):
    for seed in SEEDS[:2]:
        rng = np.random.default_rng(320 + seed)
        X, params = _smooth_problem(rng, 4, 3, 5, 3)
        dscores = rng.standard_normal((4, 3))
        for act in ACTIVATIONS:
            cache, trusted = _network_forward(student, ref, X, params, act)
            grads = student.two_layer_backward(dscores, cache)
            _check_params_dict(f"grads ({_label(act)})", grads, _shapes(3, 5, 3))
            if not trusted:
                continue
            for k in KEYS:
                num = numeric_grad_array(lambda v: student.two_layer_forward(X, {**params, k: v}, hidden_activation=act)[0],
                                         params[k], dscores)
                assert_close(f"grads[{k!r}] vs. numerical gradient ({_label(act)})", grads[k], num,
                             rtol=GRAD_RTOL, atol=GRAD_ATOL)


# ---------------------------------------------------------------------------- two_layer_loss
def _loss_matches(student, ref, cases, with_default):
    for seed in SEEDS:
        rng = np.random.default_rng(400 + seed)
        for n, d, h, c in NET_SHAPES:
            X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
            for act, loss, reg in cases:
                y = _targets(rng, loss, n, c)
                got = unpack(call_unchanged(student.two_layer_loss, X, y, params, hidden_activation=act, loss=loss,
                                            reg=reg), 2, "two_layer_loss")
                expected = ref.two_layer_loss(X, y, params, hidden_activation=act, loss=loss, reg=reg)
                label = _label(act, loss, reg)
                assert_close(f"loss ({label})", as_float("loss", got[0]), expected[0], rtol=RTOL)
                _check_grads(f"grads ({label})", got[1], expected[1])
            if with_default:
                y = _targets(rng, "softmax", n, c)
                got = unpack(student.two_layer_loss(X, y, _copy(params)), 2, "two_layer_loss")
                expected = ref.two_layer_loss(X, y, params)
                assert_close("loss (default arguments)", as_float("loss", got[0]), expected[0], rtol=RTOL)
                _check_grads("grads (default arguments)", got[1], expected[1])


@graded("two_layer_loss", weight=2)
def test_two_layer_loss_softmax_matches_reference(student, ref):
    _loss_matches(student, ref, [cs for cs in LOSS_CASES if cs[1] == "softmax"], with_default=True)


@graded("two_layer_loss", weight=2)
def test_two_layer_loss_mse_sigmoid_matches_reference(student, ref):
    _loss_matches(student, ref, [cs for cs in LOSS_CASES if cs[1] == "mse_sigmoid"], with_default=False)


@graded("two_layer_loss", weight=1)
def test_two_layer_loss_l2_term(student, ref):
    rng = np.random.default_rng(430)
    X, params = rng.standard_normal((6, 4)), _net(rng, 4, 5, 3)
    for act, loss, reg in LOSS_CASES:
        y = _targets(rng, loss, 6, 3)
        base = unpack(student.two_layer_loss(X, y, _copy(params), hidden_activation=act, loss=loss, reg=0.0), 2,
                      "two_layer_loss")
        with_reg = unpack(student.two_layer_loss(X, y, _copy(params), hidden_activation=act, loss=loss, reg=reg),
                          2, "two_layer_loss")
        _check_params_dict("grads", base[1], _shapes(4, 5, 3))
        _check_params_dict("grads", with_reg[1], _shapes(4, 5, 3))
        penalty = 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
        added = as_float("loss", with_reg[0]) - as_float("loss", base[0])
        assert abs(added - penalty) <= 1e-9 * (1 + penalty), \
            f"two_layer_loss ({_label(act, loss)}): reg must add 0.5 * reg * (sum(W1**2) + sum(W2**2)) to the loss"
        for k in KEYS:
            extra = np.asarray(with_reg[1][k], dtype=np.float64) - np.asarray(base[1][k], dtype=np.float64)
            want = reg * params[k] if k.startswith("W") else np.zeros_like(params[k])
            assert np.allclose(extra, want, rtol=1e-9, atol=1e-12), (
                f"two_layer_loss ({_label(act, loss)}): reg must add reg * {k} to grads[{k!r}]" if k.startswith("W")
                else f"two_layer_loss ({_label(act, loss)}): biases are not regularized, reg must not change "
                     f"grads[{k!r}]")


@graded("two_layer_loss", weight=1)
def test_two_layer_loss_numerical_gradient(student, ref):
    rng = np.random.default_rng(440)
    for act, loss, reg in LOSS_CASES:
        X, params = _smooth_problem(rng, 5, 3, 4, 3)
        y = _targets(rng, loss, 5, 3)
        kw = {"hidden_activation": act, "loss": loss, "reg": reg}
        got = unpack(student.two_layer_loss(X, y, _copy(params), **kw), 2, "two_layer_loss")
        expected = ref.two_layer_loss(X, y, params, **kw)[0]
        own = abs(as_float("loss", got[0]) - expected) <= 1e-6 * abs(expected) + 1e-10
        f = student.two_layer_loss if own else ref.two_layer_loss
        _check_params_dict("grads", got[1], _shapes(3, 4, 3))
        for k in KEYS:
            num = numeric_grad(lambda v: as_float("loss", f(X, y, {**params, k: v}, **kw)[0]), params[k])
            assert_close(f"grads[{k!r}] vs. numerical gradient ({_label(act, loss, reg)})", got[1][k], num,
                         rtol=GRAD_RTOL, atol=GRAD_ATOL)


# ---------------------------------------------------------------------------- gradient checking
def _wavy(rng, shape):
    """f(x) = sum(C * sin(4 x)) with C fixed: curved enough that forward differences are visibly off."""
    C = 3.0 * rng.standard_normal(shape)
    return (lambda v: float(np.sum(C * np.sin(4.0 * np.asarray(v))))), (lambda v: 4.0 * C * np.cos(4.0 * v))


@graded("numerical_gradient", weight=2)
def test_numerical_gradient_centred_accuracy(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(500 + seed)
        for shape in ((3, 4), (7,)):
            f, grad_f = _wavy(rng, shape)
            x = 2.0 * rng.standard_normal(shape)
            # centred differences err by about h**2, forward differences by about h: 1e-6 separates them
            assert_close("grad (default h)", student.numerical_gradient(f, x.copy()), grad_f(x), rtol=1e-6, atol=1e-8)
            assert_close("grad (h set)", student.numerical_gradient(f, x.copy(), h=1e-4), grad_f(x), rtol=1e-6,
                         atol=1e-8)


@graded("numerical_gradient", weight=1)
def test_numerical_gradient_uses_h(student, ref):
    # For a cubic, centred differences give exactly 3 x**2 + h**2: this checks the step really is h.
    rng = np.random.default_rng(510)
    x = rng.standard_normal((2, 3))
    for h in (1e-2, 3e-2):
        grad = student.numerical_gradient(lambda v: float(np.sum(np.asarray(v) ** 3)), x.copy(), h=h)
        assert_close("grad of sum(x**3) (h set)", grad, 3 * x ** 2 + h ** 2, rtol=1e-8, atol=1e-10)


@graded("numerical_gradient", weight=1)
def test_numerical_gradient_leaves_x_unchanged(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(520 + seed)
        f, grad_f = _wavy(rng, (4, 3))
        x = rng.standard_normal((4, 3))
        grad = call_unchanged(student.numerical_gradient, f, x)
        assert_close("grad", grad, grad_f(x), rtol=1e-6, atol=1e-8)


@graded("relative_error", weight=1)
def test_relative_error_formula(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(600 + seed)
        a = rng.standard_normal((4, 5))
        b = a + 1e-3 * rng.standard_normal((4, 5))
        b[0, 0] = a[0, 0] + 0.5                                    # one outlier: the max, not the mean
        a[1, :3], b[1, :3] = [1e-10, 0.0, 3e-9], [-1e-10, 0.0, 0.0]  # below the 1e-8 floor, and 0 vs 0
        tiny = 1e-9 * rng.standard_normal(6)                       # only floored entries
        cases = [(a, b), (a, a.copy()), (tiny, -tiny), (tiny, np.zeros(6)), (np.zeros(3), np.zeros(3)), (3.0, 3.5)]
        for u, v in cases:
            got = as_float("relative error", call_unchanged(student.relative_error, u, v))
            want = float(np.max(np.abs(np.subtract(u, v)) / np.maximum(1e-8, np.abs(u) + np.abs(v))))
            assert_close("relative error", got, want, rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------- predict
@graded("predict", weight=1)
def test_predict_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(700 + seed)
        for n, d, h, c in ((20, 4, 6, 3), (9, 3, 10, 5), (1, 2, 5, 3)):
            X, params = rng.standard_normal((n, d)), _net(rng, d, h, c)
            for act in ACTIVATIONS:
                labels = call_unchanged(student.predict, X, params, hidden_activation=act)
                assert_shape(f"labels ({_label(act)})", labels, (n,))
                assert np.asarray(labels).dtype.kind in "iu", "predict must return integer class labels"
                assert_equal(f"labels ({_label(act)})", labels, ref.predict(X, params, hidden_activation=act))
            assert_equal("labels (default hidden_activation)", student.predict(X, _copy(params)), ref.predict(X, params))


# ---------------------------------------------------------------------------- training
def _spiral(seed=0, n=100, k=3):
    """The CS231n spiral: k arms of n points, angle noise 0.2."""
    rng = np.random.default_rng(seed)
    X, y = np.zeros((n * k, 2)), np.zeros(n * k, dtype=np.int64)
    for j in range(k):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), n) + 0.2 * rng.standard_normal(n)
        X[j * n:(j + 1) * n] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[j * n:(j + 1) * n] = j
    # standardized and doubled: constant-lr SGD from the 1e-2 init leaves its plateau quickly
    return 2.0 * (X - X.mean(axis=0)) / X.std(axis=0), y


def _blobs(seed=0, n=50):
    rng = np.random.default_rng(seed)
    centers = 2.0 * np.array([[np.cos(a), np.sin(a)] for a in (0.0, 2 * np.pi / 3, 4 * np.pi / 3)])
    return np.concatenate([m + 0.5 * rng.standard_normal((n, 2)) for m in centers]), np.repeat(np.arange(3), n)


def _check_history(history, epochs):
    if not isinstance(history, dict) or not {"loss", "train_acc"} <= set(history):
        raise AssertionError(f"history must be a dict with keys 'loss' and 'train_acc', got {describe(history)}")
    values = {}
    for key in ("loss", "train_acc"):
        seq = history[key]
        if not isinstance(seq, (list, tuple, np.ndarray)) or len(seq) != epochs:
            raise AssertionError(f"history[{key!r}] must hold one entry per epoch ({epochs}), got {describe(seq)}")
        values[key] = np.array([as_float(f"history[{key!r}] entry", v) for v in seq])
    loss, acc = values["loss"], values["train_acc"]
    assert np.all(np.isfinite(loss)) and loss[-1] < loss[0], "history['loss'] must be finite and decrease overall"
    assert np.all((acc >= 0) & (acc <= 1)), "history['train_acc'] entries must be accuracies in [0, 1]"
    return loss, acc


def _train(student, X, y, **kw):
    params, history = unpack(call_unchanged(student.train_two_layer, X, y, **kw), 2, "train_two_layer")
    _check_params_dict("params", params, _shapes(X.shape[1], kw["hidden_dim"], 3))
    return params, history


@graded("train_two_layer", weight=3)
def test_train_two_layer_fits_spiral(student, ref):
    X, y = _spiral()
    params, history = _train(student, X, y, hidden_dim=50, lr=0.5, epochs=100, batch_size=30, reg=1e-4,
                             rng=np.random.default_rng(3))
    acc = float(np.mean(ref.predict(X, params) == y))
    assert acc >= 0.9, f"train_two_layer: the trained network classifies {acc:.0%} of the spiral, expected >= 90%"
    _, train_acc = _check_history(history, 100)
    assert train_acc[-1] >= 0.85, "history['train_acc'] must track the training accuracy (last epoch too low)"


@graded("train_two_layer", weight=1)
def test_train_two_layer_sigmoid_hidden(student, ref):
    X, y = _blobs()
    params, history = _train(student, X, y, hidden_dim=20, lr=2.0, epochs=30, batch_size=30, reg=1e-3,
                             rng=np.random.default_rng(4), hidden_activation="sigmoid")
    acc = float(np.mean(ref.predict(X, params, hidden_activation="sigmoid") == y))
    assert acc >= 0.95, f"train_two_layer (sigmoid hidden layer): classifies {acc:.0%} of three separated blobs"
    _check_history(history, 30)
    # the same run with a ReLU hidden layer follows other gradients, so it must end elsewhere
    relu_params, _ = _train(student, X, y, hidden_dim=20, lr=2.0, epochs=30, batch_size=30, reg=1e-3,
                            rng=np.random.default_rng(4), hidden_activation="relu")
    assert not all(np.allclose(relu_params[k], params[k]) for k in KEYS), \
        "train_two_layer must train with the hidden_activation it is given (relu and sigmoid gave the same network)"


@graded("train_two_layer", weight=1)
def test_train_two_layer_draws_only_from_rng(student, ref):
    X, y = _blobs(1, n=20)
    kw = {"hidden_dim": 8, "lr": 0.3, "epochs": 3, "batch_size": 16, "reg": 0.37}
    first = _train(student, X, y, rng=np.random.default_rng(5), **kw)[0]
    again = _train(student, X, y, rng=np.random.default_rng(5), **kw)[0]
    other = _train(student, X, y, rng=np.random.default_rng(6), **kw)[0]
    for k in KEYS:
        assert_close(f"params[{k!r}] from an identically seeded rng", again[k], first[k], rtol=1e-12, atol=0)
    assert not all(np.allclose(other[k], first[k]) for k in ("W1", "W2")), \
        "train_two_layer must draw its randomness from rng: differently seeded generators gave the same weights"
