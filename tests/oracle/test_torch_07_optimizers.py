"""The 07_optimizers reference against torch.optim and torch.optim.lr_scheduler (float64)."""

from pathlib import Path

import numpy as np
import pytest

from grader.loading import REF_PREFIX, import_path

torch = pytest.importorskip("torch")
ref = import_path(Path(__file__).parents[2] / "solutions/07_optimizers/optimizers.py", REF_PREFIX)

pytestmark = pytest.mark.torch
STEPS = 50

# (our optimizer, our hyperparameters, torch class, torch keyword arguments)
CASES = [
    ("sgd", {"lr": 0.05}, "SGD", {"lr": 0.05}),
    ("sgd_momentum", {"lr": 0.05, "momentum": 0.8}, "SGD", {"lr": 0.05, "momentum": 0.8}),
    ("sgd_momentum", {}, "SGD", {"lr": 1e-2, "momentum": 0.9}),
    ("nesterov", {"lr": 0.05, "momentum": 0.8}, "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("nesterov", {}, "SGD", {"lr": 1e-2, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.3, "eps": 1e-6}, "Adagrad", {"lr": 0.3, "eps": 1e-6}),
    ("adagrad", {}, "Adagrad", {"lr": 1e-2, "eps": 1e-10}),
    ("rmsprop", {"lr": 0.02, "decay": 0.9, "eps": 1e-6}, "RMSprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-6}),
    ("rmsprop", {}, "RMSprop", {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}),
    ("adam", {"lr": 0.02, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6}, "Adam",
     {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-6}),
    ("adam", {}, "Adam", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}),
]


def _grads(scale):
    rng = np.random.default_rng(0)
    if scale == "tiny":  # 1e-9 .. 1e-6: eps placement matters
        return [10.0 ** rng.uniform(-9, -6, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4)) for _ in range(STEPS)]
    return [rng.normal(size=(3, 4)) * scale for _ in range(STEPS)]


@pytest.mark.parametrize("scale", [1.0, 1e-3, "tiny"])
@pytest.mark.parametrize("name,hp,torch_name,torch_kw", CASES)
def test_optimizer_trajectory_matches_torch(name, hp, torch_name, torch_kw, scale):
    grads = _grads(scale)
    w0 = np.random.default_rng(1).normal(size=(3, 4))
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, torch_name)([p], **torch_kw)
    w, state = w0, {}
    for g in grads:
        opt.zero_grad()
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        w, state = ref.__dict__[name](w, g, state, **hp)
        np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-10, atol=1e-15)


def _lrs(scheduler_factory, lr0, n):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr0)
    sched = scheduler_factory(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


@pytest.mark.parametrize("drop,every", [(0.5, 10), (0.3, 7)])
def test_step_decay_matches_steplr(drop, every):
    theirs = _lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=every, gamma=drop), 0.2, 45)
    ours = [ref.step_decay(0.2, e, drop=drop, every=every) for e in range(45)]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("lr_min", [0.0, 0.02])
def test_cosine_matches_cosineannealinglr(lr_min):
    total = 37
    theirs = _lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=total, eta_min=lr_min), 0.5,
                  total + 1)
    ours = [ref.cosine_schedule(0.5, t, total, lr_min=lr_min) for t in range(total + 1)]
    # torch applies a recursive form of the same closed formula: agreement up to accumulated rounding
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)


def test_test_functions_match_autograd():
    rng = np.random.default_rng(2)
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    A = q @ np.diag([0.1, 1.0, 3.0, 20.0]) @ q.T
    for _ in range(5):
        w = rng.uniform(-2, 2, size=2)
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        f = (1 - wt[0]) ** 2 + 100 * (wt[1] - wt[0] ** 2) ** 2
        f.backward()
        f_ref, g_ref = ref.rosenbrock(w)
        np.testing.assert_allclose(f_ref, f.item(), rtol=1e-13)
        np.testing.assert_allclose(g_ref, wt.grad.numpy(), rtol=1e-12)
        v = rng.normal(size=4)
        vt = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        fq = 0.5 * vt @ torch.tensor(A) @ vt
        fq.backward()
        f_ref, g_ref = ref.quadratic(v, A)
        np.testing.assert_allclose(f_ref, fq.item(), rtol=1e-12)
        np.testing.assert_allclose(g_ref, vt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_minimize_rosenbrock_matches_torch_adam():
    w0 = np.array([-1.2, 1.0])
    w_final, traj = ref.minimize(ref.rosenbrock, w0, ref.adam, steps=200, lr=0.05)
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.05)
    path = [w0]
    for _ in range(200):
        opt.zero_grad()
        f = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        f.backward()
        opt.step()
        path.append(p.detach().numpy().copy())
    assert traj.shape == (201, 2)
    np.testing.assert_allclose(traj, np.array(path), rtol=1e-8, atol=1e-12)
    np.testing.assert_array_equal(w_final, traj[-1])
