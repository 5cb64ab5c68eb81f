"""The 03_backprop reference against PyTorch (forward values, autograd gradients, SGD; float64)."""

from pathlib import Path

import numpy as np
import pytest

from grader.loading import REF_PREFIX, import_path

torch = pytest.importorskip("torch")
F = torch.nn.functional
ref = import_path(Path(__file__).parents[2] / "solutions/03_backprop/backprop.py", REF_PREFIX)

RTOL = 1e-10
ATOL = 1e-13
KEYS = ("W1", "b1", "W2", "b2")


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _net(seed, d=4, h=6, c=3):
    rng = np.random.default_rng(seed)
    return {"W1": 0.7 * rng.standard_normal((d, h)), "b1": 0.3 * rng.standard_normal(h),
            "W2": 0.7 * rng.standard_normal((h, c)), "b2": 0.3 * rng.standard_normal(c)}


def _torch_scores(X, tp, act):
    a = X @ tp["W1"] + tp["b1"]
    h = torch.relu(a) if act == "relu" else torch.sigmoid(a)
    return h @ tp["W2"] + tp["b2"]


def _close(actual, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(actual, expected.detach().numpy() if torch.is_tensor(expected) else expected,
                               rtol=rtol, atol=atol)


@pytest.mark.torch
def test_affine():
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x, W, b, dout = (rng.standard_normal(s) for s in ((5, 4), (4, 3), (3,), (5, 3)))
        out, cache = ref.affine_forward(x, W, b)
        dx, dW, db = ref.affine_backward(dout, cache)
        xt, Wt, bt = _t(x, True), _t(W, True), _t(b, True)
        yt = F.linear(xt, Wt.T, bt)
        yt.backward(_t(dout))
        _close(out, yt)
        for g, t in ((dx, xt), (dW, Wt), (db, bt)):
            assert g.shape == t.shape
            _close(g, t.grad)


@pytest.mark.torch
@pytest.mark.parametrize("name, torch_fn", [("sigmoid", torch.sigmoid), ("relu", torch.relu)])
def test_elementwise_layers(name, torch_fn):
    forward, backward = getattr(ref, f"{name}_forward"), getattr(ref, f"{name}_backward")
    for seed in range(3):
        rng = np.random.default_rng(10 + seed)
        x = 3.0 * rng.standard_normal((6, 5))
        x.flat[::4] = 0.0  # torch's ReLU also has gradient 0 at 0
        x[0, :] = [-40.0, -20.0, 0.0, 20.0, 40.0]
        dout = rng.standard_normal(x.shape)
        out, cache = forward(x)
        xt = _t(x, True)
        yt = torch_fn(xt)
        yt.backward(_t(dout))
        _close(out, yt)
        _close(backward(dout, cache), xt.grad)


@pytest.mark.torch
def test_gates():
    rng = np.random.default_rng(20)
    x, y, g, g2 = (rng.standard_normal((4, 5)) for _ in range(4))  # no ties: torch splits those evenly
    xt, yt = _t(x, True), _t(y, True)
    ((xt + yt) * _t(g)).sum().backward()
    for r, t in zip(ref.add_gate_backward(g), (xt, yt)):
        _close(r, t.grad)
    for make, name in ((lambda a, b: a * b, "mul_gate_backward"), (torch.maximum, "max_gate_backward")):
        xt, yt = _t(x, True), _t(y, True)
        (make(xt, yt) * _t(g)).sum().backward()
        for r, t in zip(getattr(ref, name)(x, y, g), (xt, yt)):
            _close(r, t.grad)
    xt = _t(x, True)
    z1, z2 = xt * 1.0, xt * 1.0  # the copy node: x feeds two branches
    ((z1 * _t(g)).sum() + (z2 * _t(g2)).sum()).backward()
    _close(ref.copy_gate_backward(g, g2), xt.grad)


@pytest.mark.torch
@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_two_layer_forward_backward(act):
    for seed in range(3):
        params = _net(30 + seed)
        rng = np.random.default_rng(40 + seed)
        X, dscores = rng.standard_normal((7, 4)), rng.standard_normal((7, 3))
        scores, cache = ref.two_layer_forward(X, params, hidden_activation=act)
        grads = ref.two_layer_backward(dscores, cache)
        tp = {k: _t(v, True) for k, v in params.items()}
        st = _torch_scores(_t(X), tp, act)
        st.backward(_t(dscores))
        _close(scores, st)
        for k in KEYS:
            _close(grads[k], tp[k].grad)
        np.testing.assert_array_equal(ref.predict(X, params, hidden_activation=act), st.argmax(dim=1).numpy())


@pytest.mark.torch
@pytest.mark.parametrize("act", ["relu", "sigmoid"])
@pytest.mark.parametrize("loss", ["softmax", "mse_sigmoid"])
@pytest.mark.parametrize("reg", [0.0, 0.37, 2.5])
def test_two_layer_loss(act, loss, reg):
    params = _net(50)
    rng = np.random.default_rng(51)
    X = rng.standard_normal((8, 4))
    y = rng.integers(0, 3, size=8) if loss == "softmax" else rng.random((8, 3))
    value, grads = ref.two_layer_loss(X, y, params, hidden_activation=act, loss=loss, reg=reg)
    tp = {k: _t(v, True) for k, v in params.items()}
    st = _torch_scores(_t(X), tp, act)
    if loss == "softmax":
        data = F.cross_entropy(st, torch.tensor(y))
    else:
        data = 0.5 * ((torch.sigmoid(st) - _t(y)) ** 2).sum() / X.shape[0]
    total = data + 0.5 * reg * ((tp["W1"] ** 2).sum() + (tp["W2"] ** 2).sum())
    total.backward()
    _close(value, total)
    for k in KEYS:
        _close(grads[k], tp[k].grad)


@pytest.mark.torch
def test_numerical_gradient_and_relative_error():
    rng = np.random.default_rng(60)
    C, x = 3.0 * rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    xt = _t(x, True)
    (_t(C) * torch.sin(4.0 * xt)).sum().backward()
    num = ref.numerical_gradient(lambda v: float(np.sum(C * np.sin(4.0 * v))), x)
    _close(num, xt.grad, rtol=1e-8, atol=1e-9)
    a, b = rng.standard_normal(20), rng.standard_normal(20)
    a[:3], b[:3] = [1e-10, 0.0, 2e-9], [-1e-10, 0.0, 0.0]
    at, bt = _t(a), _t(b)
    expected = ((at - bt).abs() / torch.clamp(at.abs() + bt.abs(), min=1e-8)).max().item()
    assert ref.relative_error(a, b) == pytest.approx(expected, rel=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_train_two_layer_full_batch_matches_torch_sgd(act):
    # With batch_size = N every epoch is one full-batch step, so shuffling only reorders sums.
    rng = np.random.default_rng(70)
    X = rng.standard_normal((30, 2))
    y = rng.integers(0, 3, size=30)
    kw = {"hidden_dim": 8, "lr": 0.5, "epochs": 15, "batch_size": 30, "reg": 0.37, "hidden_activation": act}
    params, history = ref.train_two_layer(X, y, rng=np.random.default_rng(71), **kw)
    init = ref.two_layer_init(2, 8, 3, np.random.default_rng(71))  # the same first draws as inside training
    tp = {k: _t(v, True) for k, v in init.items()}
    opt = torch.optim.SGD(tp.values(), lr=kw["lr"])
    Xt, yt = _t(X), torch.tensor(y)

    def objective():
        data = F.cross_entropy(_torch_scores(Xt, tp, act), yt)
        return data + 0.5 * kw["reg"] * ((tp["W1"] ** 2).sum() + (tp["W2"] ** 2).sum())

    losses = []
    for _ in range(kw["epochs"]):
        opt.zero_grad()
        objective().backward()
        opt.step()
        with torch.no_grad():
            losses.append(objective().item())
    for k in KEYS:
        _close(params[k], tp[k], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-9)
