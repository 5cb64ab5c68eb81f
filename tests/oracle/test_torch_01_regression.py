"""The 01_regression reference against PyTorch as an independent oracle (float64, autograd)."""

from pathlib import Path

import numpy as np
import pytest

from grader.loading import REF_PREFIX, import_path

torch = pytest.importorskip("torch")
F = torch.nn.functional

ref = import_path(Path(__file__).parents[2] / "solutions/01_regression/regression.py", REF_PREFIX)
pytestmark = pytest.mark.torch

RTOL = 1e-10


def t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def close(actual, expected, rtol=RTOL, atol=1e-13):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol, atol=atol)


def test_standardize_matches_torch_population_std():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4)) * np.array([1.0, 5.0, 0.1, 2.0]) + 3.0
    X[:, 2] = 4.0
    mean, std = ref.standardize_fit(X)
    tm, ts = t(X).mean(dim=0), t(X).std(dim=0, correction=0)
    ts = torch.where(ts == 0, torch.ones_like(ts), ts)
    close(mean, tm.numpy())
    close(std, ts.numpy())
    X_test = rng.standard_normal((7, 4))
    close(ref.standardize_apply(X_test, mean, std), ((t(X_test) - tm) / ts).numpy())


def test_mse_loss_matches_torch_autograd():
    rng = np.random.default_rng(1)
    y_hat, y = rng.standard_normal(9), rng.standard_normal(9)
    loss, dy = ref.mse_loss(y_hat, y)
    ty = t(y_hat, grad=True)
    tl = F.mse_loss(ty, t(y))
    tl.backward()
    close(loss, tl.item())
    close(dy, ty.grad.numpy())


def test_closed_form_matches_torch_minimum_norm_lstsq():
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((40, 3))
    X = np.column_stack([Z, Z[:, 0], 3.0 * Z[:, 2], np.zeros(40)])
    y = rng.standard_normal(40)
    w, b = ref.linear_regression_closed_form(X, y)
    A = t(np.column_stack([X, np.ones(40)]))
    theta = torch.linalg.pinv(A) @ t(y)  # pseudo-inverse: the minimum-norm least-squares solution
    close(w, theta[:-1].numpy(), rtol=1e-9, atol=1e-12)
    close(b, theta[-1].item(), rtol=1e-9)


def test_linear_regression_gd_full_batch_matches_torch_loop():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 3)) + 0.5
    y = X @ np.array([1.0, -2.0, 0.5]) + 1.5 + 0.1 * rng.standard_normal(50)
    w, b, losses = ref.linear_regression_gd(X, y, lr=0.07, epochs=12, batch_size=50, rng=np.random.default_rng(0))
    tw, tb = torch.zeros(3, dtype=torch.float64, requires_grad=True), torch.zeros((), dtype=torch.float64,
                                                                                     requires_grad=True)
    opt = torch.optim.SGD([tw, tb], lr=0.07)
    tlosses = []
    for _ in range(12):
        opt.zero_grad()
        F.mse_loss(t(X) @ tw + tb, t(y)).backward()
        opt.step()
        with torch.no_grad():
            tlosses.append(F.mse_loss(t(X) @ tw + tb, t(y)).item())
    close(w, tw.detach().numpy(), rtol=1e-9)
    close(b, tb.item(), rtol=1e-9)
    close(losses, tlosses, rtol=1e-9)


def test_sigmoid_matches_torch_including_huge_logits():
    z = np.concatenate([np.random.default_rng(4).standard_normal(20) * 10, [1e4, -1e4, 750.0, -750.0, 0.0]])
    close(ref.sigmoid(z), torch.sigmoid(t(z)).numpy(), atol=1e-300)


def test_bce_with_logits_matches_torch():
    rng = np.random.default_rng(5)
    z = np.concatenate([rng.standard_normal(10) * 4, [1e4, -1e4, 1e4, -1e4]])
    y = np.concatenate([(rng.random(10) < 0.5).astype(float), [1.0, 0.0, 0.0, 1.0]])
    loss, dz = ref.bce_with_logits(z, y)
    tz = t(z, grad=True)
    tl = F.binary_cross_entropy_with_logits(tz, t(y))
    tl.backward()
    close(loss, tl.item())
    close(dz, tz.grad.numpy())


def test_logistic_regression_gd_matches_torch_loop():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((40, 3))
    y = (X @ np.array([1.0, -1.0, 2.0]) + 0.5 + rng.standard_normal(40) > 0).astype(float)
    reg, lr = 0.3, 0.4
    w, b, losses = ref.logistic_regression_gd(X, y, lr=lr, epochs=25, reg=reg)
    tw = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    tb = torch.zeros((), dtype=torch.float64, requires_grad=True)

    def objective():
        return F.binary_cross_entropy_with_logits(t(X) @ tw + tb, t(y)) + 0.5 * reg * (tw ** 2).sum()

    tlosses = []
    for _ in range(25):
        tw.grad = tb.grad = None
        objective().backward()
        with torch.no_grad():
            tw -= lr * tw.grad
            tb -= lr * tb.grad
            tlosses.append(objective().item())
    close(w, tw.detach().numpy(), rtol=1e-9)
    close(b, tb.item(), rtol=1e-9)
    close(losses, tlosses, rtol=1e-9)


def test_softmax_matches_torch_including_huge_logits():
    Z = np.random.default_rng(7).standard_normal((5, 4)) * 5
    Z[0] = [1e4, -1e4, 1e4 - 2.0, 0.0]
    Z[1] = -1e4
    close(ref.softmax(Z), torch.softmax(t(Z), dim=-1).numpy(), atol=1e-300)
    Z3 = np.random.default_rng(8).standard_normal((2, 3, 4))
    close(ref.softmax(Z3), torch.softmax(t(Z3), dim=-1).numpy())


def test_softmax_cross_entropy_matches_torch():
    rng = np.random.default_rng(9)
    Z = rng.standard_normal((6, 5)) * 3
    Z[0] = [1e4, -1e4, 3.0, 0.0, -5.0]
    y = np.array([2, 4, 0, 1, 1, 3])
    loss, dZ = ref.softmax_cross_entropy(Z, y)
    tZ = t(Z, grad=True)
    tl = F.cross_entropy(tZ, torch.tensor(y))
    tl.backward()
    close(loss, tl.item())
    close(dZ, tZ.grad.numpy())


def test_information_theory_matches_torch():
    rng = np.random.default_rng(10)
    p = rng.random((2, 3, 6)) * (rng.random((2, 3, 6)) < 0.7)
    p[..., 0] += 0.1
    p /= p.sum(axis=-1, keepdims=True)
    q = rng.random((2, 3, 6)) + 0.01
    q /= q.sum(axis=-1, keepdims=True)
    tp, tq = t(p), t(q)
    close(ref.entropy(p), torch.special.entr(tp).sum(-1).numpy())
    close(ref.cross_entropy(p, q), (-torch.special.xlogy(tp, tq)).sum(-1).numpy())
    kl_torch = F.kl_div(tq.log(), tp, reduction="none").sum(-1)  # kl_div(input=log q, target=p) = KL(p || q)
    close(ref.kl_divergence(p, q), kl_torch.numpy(), rtol=1e-9, atol=1e-14)
    dist = torch.distributions.Categorical(probs=tp)
    close(ref.entropy(p), dist.entropy().numpy())


def test_accuracy_matches_torch():
    rng = np.random.default_rng(11)
    scores, y = rng.standard_normal((50, 4)), rng.integers(0, 4, 50)
    expected = (torch.argmax(t(scores), dim=1) == torch.tensor(y)).double().mean().item()
    assert ref.accuracy(scores, y) == expected


def test_softmax_regression_full_batch_matches_torch_loop():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((60, 4))
    y = rng.integers(0, 3, 60)
    reg, lr = 0.05, 0.3
    W, b, history = ref.softmax_regression_train(X, y, 3, lr=lr, epochs=10, batch_size=60, reg=reg,
                                                 rng=np.random.default_rng(0))
    tW = torch.zeros((4, 3), dtype=torch.float64, requires_grad=True)
    tb = torch.zeros(3, dtype=torch.float64, requires_grad=True)

    def objective():
        return F.cross_entropy(t(X) @ tW + tb, torch.tensor(y)) + 0.5 * reg * (tW ** 2).sum()

    tlosses = []
    for _ in range(10):
        tW.grad = tb.grad = None
        objective().backward()
        with torch.no_grad():
            tW -= lr * tW.grad
            tb -= lr * tb.grad
            tlosses.append(objective().item())
    close(W, tW.detach().numpy(), rtol=1e-9)
    close(b, tb.detach().numpy(), rtol=1e-9)
    close(history["loss"], tlosses, rtol=1e-9)
