"""First-order optimizers, learning-rate schedules and two test functions to minimize.

Conventions shared by every optimizer in this module (the update rules follow PyTorch's
`torch.optim` definitions, so results can be compared with it):

    w_next, state_next = optimizer(w, dw, state, *, lr=..., <hyperparameters>)

- w: parameters, an array of any shape; dw: the gradient of the loss at w, same shape.
- state: a dict holding what the optimizer remembers between steps (velocities, moving averages,
  the step count). It is the empty dict `{}` before the first step; the optimizer returns the new
  state and the caller passes it back in on the next step. Key names are up to you.
- Nothing is modified in place: `w`, `dw` and `state` (and the arrays inside it) stay untouched;
  return new arrays and a new dict.
- Arrays are float64.
"""

import math

import numpy as np


def sgd(w, dw, state, *, lr=1e-2):
    """Vanilla (stochastic) gradient descent: `w - lr * dw`.

    Inputs:
    - w: parameters, array of any shape
    - dw: gradient, same shape as w
    - state: dict (unused by plain SGD)
    - lr: learning rate

    Returns a tuple of:
    - w_next: array of the same shape as w
    - state_next: dict
    """
    ### BEGIN SOLUTION
    return w - lr * dw, dict(state)
    ### END SOLUTION


def sgd_momentum(w, dw, state, *, lr=1e-2, momentum=0.9):
    """SGD with momentum (PyTorch form): `v = momentum * v + dw`, `w_next = w - lr * v`, v starting at 0.

    Inputs:
    - w, dw: parameters and gradient, same shape
    - state: dict, {} before the first step
    - lr: learning rate
    - momentum: velocity decay in [0, 1)

    Returns a tuple of:
    - w_next: array of the same shape as w
    - state_next: dict holding the velocity
    """
    ### BEGIN SOLUTION
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    return w - lr * v, {"v": v}
    ### END SOLUTION


def nesterov(w, dw, state, *, lr=1e-2, momentum=0.9):
    """Nesterov momentum (PyTorch form): `v = momentum * v + dw`, `w_next = w - lr * (dw + momentum * v)`.

    Inputs:
    - w, dw: parameters and gradient, same shape
    - state: dict, {} before the first step
    - lr: learning rate
    - momentum: velocity decay in [0, 1)

    Returns a tuple of:
    - w_next: array of the same shape as w
    - state_next: dict holding the velocity
    """
    ### BEGIN SOLUTION
    v = momentum * state.get("v", np.zeros_like(w)) + dw
    return w - lr * (dw + momentum * v), {"v": v}
    ### END SOLUTION


def adagrad(w, dw, state, *, lr=1e-2, eps=1e-10):
    """AdaGrad: `G = G + dw**2`, `w_next = w - lr * dw / (sqrt(G) + eps)`, G starting at 0.

    Inputs:
    - w, dw: parameters and gradient, same shape
    - state: dict, {} before the first step
    - lr: learning rate
    - eps: added to sqrt(G) (outside the square root)

    Returns a tuple of:
    - w_next: array of the same shape as w
    - state_next: dict holding the sum of squared gradients
    """
    ### BEGIN SOLUTION
    G = state.get("G", np.zeros_like(w)) + dw * dw
    return w - lr * dw / (np.sqrt(G) + eps), {"G": G}
    ### END SOLUTION


def rmsprop(w, dw, state, *, lr=1e-2, decay=0.99, eps=1e-8):
    """RMSProp: `s = decay * s + (1 - decay) * dw**2`, `w_next = w - lr * dw / (sqrt(s) + eps)`, s from 0.

    Inputs:
    - w, dw: parameters and gradient, same shape
    - state: dict, {} before the first step
    - lr: learning rate
    - decay: weight of the old moving average of squared gradients
    - eps: added to sqrt(s) (outside the square root)

    Returns a tuple of:
    - w_next: array of the same shape as w
    - state_next: dict holding the moving average
    """
    ### BEGIN SOLUTION
    s = decay * state.get("s", np.zeros_like(w)) + (1 - decay) * dw * dw
    return w - lr * dw / (np.sqrt(s) + eps), {"s": s}
    ### END SOLUTION


def adam(w, dw, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam: momentum (first moment m) plus RMSProp (second moment v) with bias correction.

    With m, v and the step count t starting at 0 and t incremented before use:
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw**2
        m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
        w_next = w - lr * m_hat / (sqrt(v_hat) + eps)

    Inputs:
    - w, dw: parameters and gradient, same shape
    - state: dict, {} before the first step
    - lr: learning rate
    - beta1, beta2: decay rates of the first and second moment averages
    - eps: added to sqrt(v_hat) (outside the square root)

    Returns a tuple of:
    - w_next: array of the same shape as w
    - state_next: dict holding m, v and t
    """
    ### BEGIN SOLUTION
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
    ### END SOLUTION


def step_decay(lr0, epoch, *, drop=0.5, every=10):
    """Step decay: multiply the learning rate by `drop` every `every` epochs.

    `lr = lr0 * drop ** floor(epoch / every)`; epochs count from 0.

    Inputs:
    - lr0: initial learning rate
    - epoch: current epoch, an int >= 0
    - drop: factor applied at each step
    - every: number of epochs between steps

    Returns:
    - lr: a float
    """
    ### BEGIN SOLUTION
    return lr0 * drop ** (epoch // every)
    ### END SOLUTION


def cosine_schedule(lr0, t, total, *, lr_min=0.0):
    """Cosine annealing from lr0 at t = 0 down to lr_min at t = total.

    `lr = lr_min + 0.5 * (lr0 - lr_min) * (1 + cos(pi * t / total))`.

    Inputs:
    - lr0: initial (maximum) learning rate
    - t: current step or epoch, 0 <= t <= total
    - total: length of the schedule
    - lr_min: final learning rate

    Returns:
    - lr: a float
    """
    ### BEGIN SOLUTION
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t / total))
    ### END SOLUTION


def rosenbrock(w):
    """The Rosenbrock "banana" function `f(x, y) = (1 - x)**2 + 100 * (y - x**2)**2` and its gradient.

    Its minimum f = 0 at (1, 1) lies at the bottom of a long, curved, flat valley.

    Inputs:
    - w: array of shape (2,) holding (x, y)

    Returns a tuple of:
    - f: the function value, a float
    - grad: array of shape (2,)
    """
    ### BEGIN SOLUTION
    x, y = w
    f = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    grad = np.array([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)])
    return float(f), grad
    ### END SOLUTION


def quadratic(w, A):
    """The quadratic bowl `f(w) = 0.5 * w^T A w` and its gradient `A w`.

    Inputs:
    - w: array of shape (D,)
    - A: symmetric positive (semi-)definite matrix of shape (D, D); its condition number
      (largest / smallest eigenvalue) sets how elongated the bowl is

    Returns a tuple of:
    - f: the function value, a float
    - grad: array of shape (D,)
    """
    ### BEGIN SOLUTION
    Aw = A @ w
    return 0.5 * float(w @ Aw), Aw
    ### END SOLUTION


def minimize(grad_fn, w0, optimizer, *, steps, **hparams):
    """Run `steps` optimizer steps from w0 and record the path.

    Each step: `f, dw = grad_fn(w)`, then `w, state = optimizer(w, dw, state, **hparams)`, with the
    state starting at {} and threaded from step to step.

    Inputs:
    - grad_fn: function w -> (f, grad), e.g. rosenbrock or lambda w: quadratic(w, A)
    - w0: starting point, array of shape (D,), not modified
    - optimizer: one of the optimizers above (or any function with their signature)
    - steps: number of optimizer steps
    - hparams: keyword arguments passed to every optimizer call (lr, momentum, ...)

    Returns a tuple of:
    - w_final: array of shape (D,), the last point (equal to trajectory[-1])
    - trajectory: array of shape (steps + 1, D); trajectory[0] is w0, trajectory[k] the point
      after k steps
    """
    ### BEGIN SOLUTION
    w = np.array(w0, dtype=np.float64)
    state = {}
    trajectory = [w]
    for _ in range(steps):
        _, dw = grad_fn(w)
        w, state = optimizer(w, dw, state, **hparams)
        trajectory.append(w)
    return w, np.array(trajectory)
    ### END SOLUTION
