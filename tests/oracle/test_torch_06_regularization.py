"""The 06_regularization reference against PyTorch as an independent oracle (float64, autograd)."""

from pathlib import Path

import numpy as np
import pytest

from grader.loading import REF_PREFIX, import_path

torch = pytest.importorskip("torch")
F = torch.nn.functional
ref = import_path(Path(__file__).parents[2] / "solutions/06_regularization/regularization.py", REF_PREFIX)

pytestmark = pytest.mark.torch
TOL = dict(rtol=1e-10, atol=1e-12)


def _t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def _close(actual, expected, **tol):
    np.testing.assert_allclose(actual, expected.detach().numpy() if torch.is_tensor(expected) else expected,
                               **(tol or TOL))


def _affine(rng, d):
    return rng.uniform(0.5, 2.0, size=d), rng.normal(size=d)


@pytest.mark.parametrize("reg", [0.3, 2.5])
def test_penalties_match_autograd(reg):
    rng = np.random.default_rng(0)
    ws = [rng.normal(size=(4, 3)), rng.normal(size=(2, 3, 2, 2))]
    ws[0][0, 0] = 0.0
    for fn, torch_loss in ((ref.l2_penalty, lambda t: 0.5 * reg * (t ** 2).sum()),
                           (ref.l1_penalty, lambda t: reg * t.abs().sum())):
        ts = [_t(w, grad=True) for w in ws]
        total = sum(torch_loss(t) for t in ts)
        total.backward()
        loss, grads = fn(ws, reg)
        _close(loss, total)
        for g, t in zip(grads, ts):
            _close(g, t.grad)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.75])
def test_dropout_scale_and_eval_match_torch(p):
    x = np.ones((200, 300))
    ours = ref.dropout_forward(x, p, True, np.random.default_rng(0))[0]
    theirs = F.dropout(_t(x), p=p, training=True).numpy()
    # different random streams: compare the value kept units take, and the eval-mode identity
    np.testing.assert_allclose(np.unique(ours[ours != 0]), np.unique(theirs[theirs != 0]), rtol=1e-15)
    _close(ref.dropout_forward(x, p, False, np.random.default_rng(0))[0], F.dropout(_t(x), p=p, training=False))


@pytest.mark.parametrize("momentum", [0.9, 0.7])
def test_batchnorm_train_matches_torch(momentum):
    rng = np.random.default_rng(1)
    N, D = 10, 5
    x = rng.normal(loc=2.0, scale=3.0, size=(N, D))
    gamma, beta = _affine(rng, D)
    rm, rv = rng.normal(size=D), rng.uniform(0.5, 2.0, size=D)
    dout = rng.normal(size=(N, D))
    out, state, cache = ref.batchnorm_forward(x, gamma, beta, {"running_mean": rm, "running_var": rv},
                                              train=True, momentum=momentum, eps=1e-5)
    dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)

    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    trm, trv = _t(rm), _t(rv)
    # torch's momentum weighs the NEW statistic: ours 0.9 is torch's 0.1
    yt = F.batch_norm(xt, trm, trv, gt, bt, training=True, momentum=1 - momentum, eps=1e-5)
    yt.backward(_t(dout))
    _close(out, yt)
    _close(state["running_mean"], trm)
    # torch updates running_var with the unbiased batch variance; this course uses the biased one
    var_unbiased = (trv.numpy() - momentum * rv) / (1 - momentum)
    _close(state["running_var"], momentum * rv + (1 - momentum) * var_unbiased * (N - 1) / N)
    _close(dx, xt.grad, rtol=1e-9, atol=1e-12)
    _close(dgamma, gt.grad)
    _close(dbeta, bt.grad)


def test_batchnorm_eval_matches_torch():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 4))
    gamma, beta = _affine(rng, 4)
    rm, rv = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)
    out, state, _ = ref.batchnorm_forward(x, gamma, beta, {"running_mean": rm, "running_var": rv}, train=False)
    _close(out, F.batch_norm(_t(x), _t(rm), _t(rv), _t(gamma), _t(beta), training=False, eps=1e-5))
    out0, _, _ = ref.batchnorm_forward(x, gamma, beta, {}, train=False)
    _close(out0, F.batch_norm(_t(x), torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64),
                              _t(gamma), _t(beta), training=False, eps=1e-5))


def test_layernorm_matches_torch():
    rng = np.random.default_rng(3)
    x = rng.normal(loc=1.0, scale=2.0, size=(5, 7))
    gamma, beta = _affine(rng, 7)
    dout = rng.normal(size=x.shape)
    out, cache = ref.layernorm_forward(x, gamma, beta, eps=1e-5)
    dx, dgamma, dbeta = ref.layernorm_backward(dout, cache)
    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    yt = F.layer_norm(xt, (7,), gt, bt, eps=1e-5)
    yt.backward(_t(dout))
    _close(out, yt)
    _close(dx, xt.grad, rtol=1e-9, atol=1e-12)
    _close(dgamma, gt.grad)
    _close(dbeta, bt.grad)


@pytest.mark.parametrize("groups", [1, 2, 3, 6])
def test_groupnorm_matches_torch(groups):
    rng = np.random.default_rng(4)
    x = rng.normal(loc=0.5, scale=2.0, size=(3, 6, 4, 3))
    gamma, beta = _affine(rng, 6)
    dout = rng.normal(size=x.shape)
    out, cache = ref.groupnorm_forward(x, gamma, beta, groups, eps=1e-5)
    dx, dgamma, dbeta = ref.groupnorm_backward(dout, cache)
    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    yt = F.group_norm(xt, groups, gt, bt, eps=1e-5)
    yt.backward(_t(dout))
    _close(out, yt)
    _close(dx, xt.grad, rtol=1e-9, atol=1e-12)
    _close(dgamma, gt.grad)
    _close(dbeta, bt.grad)


def test_instancenorm_matches_torch():
    rng = np.random.default_rng(5)
    x = rng.normal(loc=-1.0, scale=2.0, size=(2, 3, 4, 5))
    gamma, beta = _affine(rng, 3)
    dout = rng.normal(size=x.shape)
    out, cache = ref.instancenorm_forward(x, gamma, beta, eps=1e-5)
    dx, dgamma, dbeta = ref.instancenorm_backward(dout, cache)
    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    yt = F.instance_norm(xt, weight=gt, bias=bt, eps=1e-5)
    yt.backward(_t(dout))
    _close(out, yt)
    _close(dx, xt.grad, rtol=1e-9, atol=1e-12)
    _close(dgamma, gt.grad)
    _close(dbeta, bt.grad)


def test_horizontal_flip_is_torch_flip():
    images = np.random.default_rng(6).normal(size=(4, 3, 5, 6))
    _close(ref.random_horizontal_flip(images, np.random.default_rng(0), p=1.0), torch.flip(_t(images), dims=[-1]))
    _close(ref.random_horizontal_flip(images, np.random.default_rng(0), p=0.0), _t(images))


def test_mixup_is_torch_lerp():
    # with the same lam and permutation, mixup is torch.lerp(x[perm], x, lam)
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(6, 4)), np.eye(6)
    x_mix, y_mix = ref.mixup(x, y, np.random.default_rng(8), alpha=0.4)
    g = np.random.default_rng(8)
    lam, perm = g.beta(0.4, 0.4), g.permutation(6)
    _close(x_mix, torch.lerp(_t(x[perm]), _t(x), lam))
    _close(y_mix, torch.lerp(_t(y[perm]), _t(y), lam))
