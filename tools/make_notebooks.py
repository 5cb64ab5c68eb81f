"""Write the seven student notebooks ``assignments/<id>/<id>.ipynb`` (outputs cleared).

    python tools/make_notebooks.py           # (re)write every notebook
    python tools/make_notebooks.py --check   # exit 1 when a committed notebook differs

Each notebook imports the student's module from its own folder and plots what it does. The first
code cell sets the matplotlib style once and defines ``when_implemented()``: a plotting block that
reaches a function still raising ``NotImplementedError`` prints "implement `name` to see this
plot" instead of a traceback. The notebooks hold no solution code (the release leak scan checks);
all randomness comes from seeded ``numpy.random.default_rng``. Cell ids are fixed so that
regenerating gives byte-identical files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

SETUP = '''\
%matplotlib inline
%load_ext autoreload
%autoreload 2

import traceback
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

# One style for every figure of this notebook.
plt.style.use({
    "figure.figsize": (6.4, 4.0), "figure.dpi": 80, "font.size": 10,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "image.cmap": "viridis", "legend.frameon": False,
})


def missing_function(err):
    """The name of the function that raised NotImplementedError (the innermost frame)."""
    return traceback.extract_tb(err.__traceback__)[-1].name


@contextmanager
def when_implemented(what="plot"):
    """Run a plotting block; if it reaches a function you have not written yet, say which one."""
    try:
        yield
    except NotImplementedError as err:
        plt.close("all")
        print(f"implement `{missing_function(err)}` to see this {what}")


import {module}  # your code: {module}.py in this folder (edits are reloaded automatically)
'''


def _setup(module: str) -> str:
    return SETUP.replace("{module}", module)


# ---------------------------------------------------------------------------------------------
# 01 regression

NB01 = [
    ("md", """\
# 01 · Regression, losses and information theory — in pictures

Run this notebook top to bottom after implementing functions in `regression.py`. Every plot uses
only your functions; a plot whose functions are not written yet tells you which one to implement.
"""),
    ("code", _setup("regression")),
    ("md", """\
## Linear regression (선형 회귀): closed form and mini-batch SGD

Noisy points around a line. The closed-form least-squares fit and mini-batch SGD on standardized
inputs should draw the same line; the right panel is the full-data MSE after each SGD epoch.
"""),
    ("code", """\
rng = np.random.default_rng(0)
x = rng.uniform(-3, 3, size=(80, 1))
y = 1.5 * x[:, 0] - 0.5 + rng.normal(0, 0.6, size=80)
line = np.linspace(-3.2, 3.2, 100)[:, None]

with when_implemented():
    w_cf, b_cf = regression.linear_regression_closed_form(x, y)
    mean, std = regression.standardize_fit(x)
    w_gd, b_gd, losses = regression.linear_regression_gd(regression.standardize_apply(x, mean, std), y, lr=0.05,
                                                          epochs=40, batch_size=16, rng=np.random.default_rng(1))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax1.scatter(x[:, 0], y, s=12, alpha=0.6, label="data")
    ax1.plot(line[:, 0], regression.linear_forward(line, w_cf, b_cf), lw=2, label="closed form")
    ax1.plot(line[:, 0], regression.linear_forward(regression.standardize_apply(line, mean, std), w_gd, b_gd),
             "--", lw=2, label="mini-batch SGD (standardized x)")
    ax1.set(xlabel="x", ylabel="y", title="least-squares fits")
    ax1.legend()
    ax2.plot(np.arange(1, len(losses) + 1), losses, marker=".")
    ax2.set(xlabel="epoch", ylabel="MSE", title="SGD loss curve")
    plt.show()
"""),
    ("md", """\
## Logistic regression (로지스틱 회귀)

Two overlapping classes. Full-batch gradient descent on binary cross-entropy (+ L2); the shading is
P(y = 1 | x) = sigmoid(x·w + b) and the black line is the 0.5 decision boundary.
"""),
    ("code", """\
rng = np.random.default_rng(2)
X2 = np.vstack([rng.normal([-1.0, -0.5], 0.9, (100, 2)), rng.normal([1.2, 0.8], 0.9, (100, 2))])
y2 = np.r_[np.zeros(100), np.ones(100)]
g1, g2 = np.meshgrid(np.linspace(-4, 4, 160), np.linspace(-4, 4, 160))
grid = np.c_[g1.ravel(), g2.ravel()]

with when_implemented():
    w, b, losses = regression.logistic_regression_gd(X2, y2, lr=0.5, epochs=200, reg=0.01)
    prob = regression.sigmoid(regression.linear_forward(grid, w, b)).reshape(g1.shape)
    train_acc = np.mean((regression.sigmoid(regression.linear_forward(X2, w, b)) > 0.5) == y2)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    shade = ax1.contourf(g1, g2, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    ax1.contour(g1, g2, prob, levels=[0.5], colors="k")
    ax1.scatter(X2[:, 0], X2[:, 1], c=np.where(y2 == 1, "tab:red", "tab:blue"), edgecolors="w", linewidths=0.5, s=18)
    fig.colorbar(shade, ax=ax1, label="P(y = 1 | x)")
    ax1.set(xlabel="$x_1$", ylabel="$x_2$", title=f"decision boundary (train accuracy {train_acc:.0%})")
    ax2.plot(losses)
    ax2.set(xlabel="iteration", ylabel="BCE + L2", title="loss curve")
    plt.show()
"""),
    ("md", """\
## Softmax regression (소프트맥스 회귀)

Three classes, mini-batch SGD on softmax cross-entropy: the decision regions (argmax of the scores)
and the loss per epoch.
"""),
    ("code", """\
rng = np.random.default_rng(3)
centers = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
X3 = np.vstack([rng.normal(c, 0.9, (80, 2)) for c in centers])
y3 = np.repeat(np.arange(3), 80)
colors = ["tab:blue", "tab:orange", "tab:green"]

with when_implemented():
    W, b, history = regression.softmax_regression_train(X3, y3, 3, lr=0.1, epochs=60, batch_size=32, reg=1e-3,
                                                        rng=np.random.default_rng(4))
    regions = np.argmax(grid @ W + b, axis=1).reshape(g1.shape)
    acc = regression.accuracy(X3 @ W + b, y3)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.contourf(g1, g2, regions, levels=[-0.5, 0.5, 1.5, 2.5], colors=colors, alpha=0.25)
    ax1.scatter(X3[:, 0], X3[:, 1], c=[colors[k] for k in y3], edgecolors="k", s=16)
    ax1.set(xlabel="$x_1$", ylabel="$x_2$", title=f"decision regions (train accuracy {acc:.0%})")
    ax2.plot(np.arange(1, len(history["loss"]) + 1), history["loss"], marker=".")
    ax2.set(xlabel="epoch", ylabel="cross-entropy + L2", title="loss curve")
    plt.show()
"""),
    ("md", """\
## Entropy, cross-entropy and KL divergence (엔트로피, 교차 엔트로피, KL 발산)

Left: the entropy of a coin with P(heads) = p peaks at ln 2 for a fair coin. Right: for a fixed
true distribution p* = (0.3, 0.7) and a model q = (q, 1 − q), cross-entropy = entropy + KL, and
both are smallest at q = p*.
"""),
    ("code", """\
p = np.linspace(0, 1, 201)
q = np.linspace(0.01, 0.99, 197)
p_star = np.array([0.3, 0.7])

with when_implemented():
    H = regression.entropy(np.stack([p, 1 - p], axis=1))
    Q = np.stack([q, 1 - q], axis=1)
    P = np.tile(p_star, (len(q), 1))
    CE, KL = regression.cross_entropy(P, Q), regression.kl_divergence(P, Q)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax1.plot(p, H)
    ax1.axhline(np.log(2), ls=":", c="gray", label="ln 2")
    ax1.set(xlabel="p", ylabel="H(p) [nats]", title="entropy of a coin")
    ax1.legend()
    ax2.plot(q, CE, label="cross-entropy H(p*, q)")
    ax2.plot(q, KL, label="KL(p* ‖ q)")
    ax2.axhline(float(regression.entropy(p_star)), ls=":", c="gray", label="H(p*)")
    ax2.axvline(p_star[0], ls="--", c="k", lw=1)
    ax2.set(xlabel="q", ylabel="nats", ylim=(0, 2.5), title="cross-entropy = entropy + KL")
    ax2.legend(loc="upper center")
    plt.show()
"""),
]

# ---------------------------------------------------------------------------------------------
# 02 perceptron

NB02 = [
    ("md", """\
# 02 · Perceptron, logic gates and XOR — in pictures

A perceptron draws one straight line. It can be AND, OR or NAND, but no line separates XOR; two
layers of perceptrons can.
"""),
    ("code", _setup("perceptron")),
    ("code", """\
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
x1 = np.linspace(-0.5, 1.5, 50)


def draw_boundary(ax, w, b, style="k--", label=None):
    \"\"\"The line w[0] x1 + w[1] x2 + b = 0 (vertical when w[1] = 0).\"\"\"
    w = np.asarray(w, dtype=float)
    if abs(w[1]) > 1e-12:
        ax.plot(x1, perceptron.decision_boundary(w, b, x1), style, label=label)
    elif abs(w[0]) > 1e-12:
        ax.axvline(-b / w[0], ls=style[1:] or "--", c=style[0], label=label)


def draw_points(ax, labels, title):
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="coolwarm", vmin=0, vmax=1, s=160, edgecolors="k", zorder=3)
    for (a, c), t in zip(X, labels):
        ax.annotate(str(int(t)), (a, c), xytext=(8, 8), textcoords="offset points")
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
"""),
    ("md", """\
## Logic gates (논리 게이트) as single perceptrons

Each panel shows the gate's output on the four inputs (red 1, blue 0) and the perceptron's line.
"""),
    ("code", """\
with when_implemented():
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, gate in zip(axes, ["AND", "OR", "NAND"]):
        w, b = perceptron.gate_params(gate)
        draw_points(ax, perceptron.perceptron(X, w, b), f"{gate}: w = {np.round(w, 2)}, b = {float(b):.2f}")
        draw_boundary(ax, w, b)
    plt.show()

with when_implemented("truth table"):
    print("XOR from NAND, OR and AND:", perceptron.xor(X[:, 0].astype(int), X[:, 1].astype(int)))
"""),
    ("md", """\
## The perceptron learning rule, and its failure on XOR

Rosenblatt's rule stops after the first epoch without a mistake. On AND it converges; on XOR the
mistakes never reach 0 because no line separates the classes.
"""),
    ("code", """\
y_and = np.array([0, 0, 0, 1])
y_xor = np.array([0, 1, 1, 0])

with when_implemented():
    w_and, b_and, err_and = perceptron.perceptron_train(X, y_and, lr=1.0, epochs=20)
    w_xor, b_xor, err_xor = perceptron.perceptron_train(X, y_xor, lr=1.0, epochs=20)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    axes[0].plot(np.arange(1, len(err_and) + 1), err_and, "o-", label="AND")
    axes[0].plot(np.arange(1, len(err_xor) + 1), err_xor, "s-", label="XOR")
    axes[0].set(xlabel="epoch", ylabel="mistakes", title="mistakes per epoch")
    axes[0].legend()
    draw_points(axes[1], y_and, f"AND learned in {len(err_and)} epochs")
    draw_boundary(axes[1], w_and, b_and)
    draw_points(axes[2], y_xor, f"XOR: {err_xor[-1]} mistakes after {len(err_xor)} epochs")
    draw_boundary(axes[2], w_xor, b_xor)
    plt.show()
"""),
    ("md", """\
## XOR with a two-layer perceptron (다층 퍼셉트론)

Left: the two hidden units' lines in input space and the network's output regions. Right: in the
hidden space (h1, h2) the four inputs become linearly separable, and the output unit's line splits
them.
"""),
    ("code", """\
g1, g2 = np.meshgrid(np.linspace(-0.5, 1.5, 240), np.linspace(-0.5, 1.5, 240))
grid = np.c_[g1.ravel(), g2.ravel()]

with when_implemented():
    W1, b1, W2, b2 = perceptron.xor_mlp_params()
    W1, b1, W2 = np.asarray(W1, dtype=float), np.asarray(b1, dtype=float), np.asarray(W2, dtype=float)

    def hidden(points):
        return np.stack([perceptron.perceptron(points, W1[:, j], b1[j]) for j in range(2)], axis=1)

    out = perceptron.perceptron(hidden(grid), W2, b2).reshape(g1.shape)
    h = hidden(X)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.5))
    ax1.contourf(g1, g2, out, levels=[-0.5, 0.5, 1.5], cmap="coolwarm", alpha=0.25)
    draw_points(ax1, y_xor, "input space: network output")
    for j, style in enumerate(["g-", "m-"]):
        draw_boundary(ax1, W1[:, j], b1[j], style, label=f"hidden unit {j + 1}")
    ax1.legend(loc="lower left")
    jitter = np.array([[0.0, 0.0], [-0.04, 0.04], [0.04, -0.04], [0.0, 0.0]])  # (0, 1) and (1, 0) coincide
    offsets = [(8, -14), (-78, 6), (8, -14), (8, -14)]
    ax2.scatter(h[:, 0] + jitter[:, 0], h[:, 1] + jitter[:, 1], c=y_xor, cmap="coolwarm", vmin=0, vmax=1,
                s=160, edgecolors="k", zorder=3)
    for (a, c), (u, v), offset in zip(X.astype(int), h + jitter, offsets):
        ax2.annotate(f"x = ({a}, {c})", (u, v), xytext=offset, textcoords="offset points")
    draw_boundary(ax2, W2, b2, "k--", label="output unit")
    ax2.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$h_1$", ylabel="$h_2$", aspect="equal",
            title="hidden space: now linearly separable")
    ax2.legend(loc="upper right")
    plt.show()
"""),
]

# ---------------------------------------------------------------------------------------------
# 03 backprop

NB03 = [
    ("md", """\
# 03 · Two-layer network backpropagation — in pictures

A two-layer network (affine – ReLU – affine) learns a 3-class spiral that no linear classifier can
separate. First the gradient check (기울기 검증), then training, decision regions and curves.
"""),
    ("code", _setup("backprop")),
    ("code", """\
def make_spiral(points_per_class, classes, rng):
    \"\"\"The classic spiral data set: `classes` interleaved arms in 2-D.\"\"\"
    X = np.zeros((points_per_class * classes, 2))
    y = np.repeat(np.arange(classes), points_per_class)
    for k in range(classes):
        r = np.linspace(0.0, 1.0, points_per_class)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), points_per_class) + rng.normal(0, 0.2, points_per_class)
        X[y == k] = np.c_[r * np.sin(t), r * np.cos(t)]
    return X, y


X, y = make_spiral(100, 3, np.random.default_rng(0))
colors = np.array(["tab:blue", "tab:orange", "tab:green"])
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.scatter(X[:, 0], X[:, 1], c=colors[y], s=14, edgecolors="k", linewidths=0.3)
ax.set(title="3-class spiral (300 points)", aspect="equal")
plt.show()
"""),
    ("md", """\
## Gradient check (기울기 검증)

For every parameter, the analytic gradient from `two_layer_loss` against the centred-difference
gradient from `numerical_gradient`, on a small batch with L2 regularization. Relative errors
around 1e-7 or smaller mean the backward pass is right; 1e-2 or larger means a bug.
"""),
    ("code", """\
X_small, y_small = X[5::30], y[5::30]  # away from the origin, where ReLU's kink would spoil the check
rows = []
with when_implemented("table"):
    for act, loss, target in [("relu", "softmax", y_small), ("sigmoid", "mse_sigmoid", np.eye(3)[y_small])]:
        params = backprop.two_layer_init(2, 6, 3, np.random.default_rng(2), weight_scale=0.5)
        _, grads = backprop.two_layer_loss(X_small, target, params, hidden_activation=act, loss=loss, reg=0.1)
        for name in ["W1", "b1", "W2", "b2"]:
            def f(value, name=name):
                return backprop.two_layer_loss(X_small, target, {**params, name: value}, hidden_activation=act,
                                               loss=loss, reg=0.1)[0]
            numeric = backprop.numerical_gradient(f, params[name])
            rows.append(f"| {act} + {loss} | `{name}` | {backprop.relative_error(grads[name], numeric):.1e} |")
    display(Markdown("| network | parameter | relative error |\\n|---|---|---|\\n" + "\\n".join(rows)))
"""),
    ("md", """\
## Training on the spiral

Mini-batch SGD with `train_two_layer`; then the decision regions of `predict` over the plane, and
the loss and training accuracy per epoch.
"""),
    ("code", """\
g1, g2 = np.meshgrid(np.linspace(-1.2, 1.2, 200), np.linspace(-1.2, 1.2, 200))
grid = np.c_[g1.ravel(), g2.ravel()]

with when_implemented():
    params, history = backprop.train_two_layer(X, y, hidden_dim=64, lr=1.0, epochs=200, batch_size=32, reg=1e-3,
                                               rng=np.random.default_rng(1))
    regions = np.asarray(backprop.predict(grid, params)).reshape(g1.shape)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(g1, g2, regions, levels=[-0.5, 0.5, 1.5, 2.5], colors=list(colors), alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=colors[y], s=14, edgecolors="k", linewidths=0.3)
    ax.set(title=f"decision regions (train accuracy {history['train_acc'][-1]:.0%})", aspect="equal")
    plt.show()

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax1.plot(epochs, history["loss"])
    ax1.set(xlabel="epoch", ylabel="softmax loss + L2", title="loss")
    ax2.plot(epochs, history["train_acc"])
    ax2.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title="training accuracy")
    plt.show()
"""),
]

# ---------------------------------------------------------------------------------------------
# 04 activations

NB04 = [
    ("md", """\
# 04 · Activation functions and their derivatives — in pictures

Each panel shows an activation f(x) and its derivative f'(x), the derivative taken from your
backward pass (`dout = 1`). The sigmoid panel is drawn here for comparison, as in the lecture
notes: its derivative never exceeds 0.25, which is why deep sigmoid networks lose their gradients.
"""),
    ("code", _setup("activations")),
    ("code", """\
def explain(ax, err):
    \"\"\"Write the missing function into an empty panel.\"\"\"
    ax.text(0.5, 0.5, f"implement `{missing_function(err)}`\\nto see this plot", ha="center", va="center",
            transform=ax.transAxes)
    print(f"implement `{missing_function(err)}` to see the {ax.get_title() or 'panel'} plot")


def layer(forward, backward, **kwargs):
    \"\"\"(x -> (f(x), f'(x))) from a forward/backward pair; a tuple of gradients gives its dx.\"\"\"
    def run(x):
        out, cache = forward(x, **kwargs)
        dx = backward(np.ones_like(x), cache)
        return out, dx[0] if isinstance(dx, tuple) else dx
    return run


def sigmoid_pair(x):  # for comparison only: the sigmoid and its derivative s (1 - s)
    s = 1.0 / (1.0 + np.exp(-x))
    return s, s * (1.0 - s)


curves = {
    "sigmoid (for comparison)": sigmoid_pair,
    "tanh": layer(activations.tanh_forward, activations.tanh_backward),
    "Leaky ReLU (α = 0.1)": layer(activations.leaky_relu_forward, activations.leaky_relu_backward, alpha=0.1),
    "PReLU (α = 0.25)": layer(activations.prelu_forward, activations.prelu_backward, alpha=0.25),
    "ELU (α = 1)": layer(activations.elu_forward, activations.elu_backward),
    "SELU": layer(activations.selu_forward, activations.selu_backward),
    "GELU (exact)": layer(activations.gelu_forward, activations.gelu_backward),
    "GELU (tanh approximation)": layer(activations.gelu_forward, activations.gelu_backward, approximate="tanh"),
    "Swish / SiLU (β = 1)": layer(activations.swish_forward, activations.swish_backward),
}
"""),
    ("code", """\
x = np.linspace(-4, 4, 401)
fig, axes = plt.subplots(3, 3, figsize=(12, 9), sharex=True, layout="constrained")
for ax, (title, pair) in zip(axes.flat, curves.items()):
    ax.set_title(title)
    try:
        f, df = pair(x)
        ax.plot(x, f, lw=2, label="f(x)")
        ax.plot(x, df, "--", lw=2, label="f'(x)")
        ax.axhline(0, c="gray", lw=0.5)
        ax.legend(loc="upper left")
    except NotImplementedError as err:
        explain(ax, err)
plt.show()
"""),
    ("md", """\
## The GLU family (GLU, SwiGLU, GEGLU)

A gated linear unit multiplies a linear path by a gated path. With one input and one unit, all
weights 1 and biases 0, GLU is x·sigmoid(x), SwiGLU is swish(x)·x and GEGLU is gelu(x)·x; the
right panel is each one's dx from its backward pass.
"""),
    ("code", """\
xs = np.linspace(-4, 4, 401)[:, None]
one, zero = np.ones((1, 1)), np.zeros(1)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for name, label in [("glu", "GLU: x·σ(x)"), ("swiglu", "SwiGLU: swish(x)·x"), ("geglu", "GEGLU: gelu(x)·x")]:
    try:
        out, cache = getattr(activations, f"{name}_forward")(xs, one, zero, one, zero)
        grads = getattr(activations, f"{name}_backward")(np.ones_like(out), cache)
        ax1.plot(xs[:, 0], out[:, 0], lw=2, label=label)
        ax2.plot(xs[:, 0], grads[0][:, 0], lw=2, label=label)
    except NotImplementedError as err:
        print(f"implement `{missing_function(err)}` to see {name} in this plot")
ax1.set(xlabel="x", title="output (weights 1, biases 0)")
ax2.set(xlabel="x", title="dx from the backward pass")
for ax in (ax1, ax2):
    if ax.lines:
        ax.legend()
plt.show()
"""),
    ("md", """\
## Gradient norms through depth (기울기 소실)

A 20-layer stack (width 64, no bias, LeCun-scaled weights with std 1/sqrt(64), the scale SELU is
designed for). We backpropagate from the top and plot the norm of the gradient reaching each
layer's input. Sigmoid's gradient vanishes by ten orders of magnitude; tanh, ELU and SELU keep it
roughly flat; Leaky ReLU, GELU and Swish pass only about half of the signal's variance per layer,
so they shrink too, which He initialization's extra factor sqrt(2) corrects (assignment 05).
"""),
    ("code", """\
depth, width, batch = 20, 64, 32
rng = np.random.default_rng(0)
x0 = rng.standard_normal((batch, width))
weights = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(depth)]
dout_top = rng.standard_normal((batch, width))


def sigmoid_layer():
    def forward(a):
        s = 1.0 / (1.0 + np.exp(-a))
        return s, s
    return forward, lambda dout, s: dout * s * (1.0 - s)


def gradient_norms(forward, backward):
    \"\"\"Norm of dL/dh at the input of every layer, bottom (layer 1) to top.\"\"\"
    h, caches = x0, []
    for W in weights:
        h, cache = forward(h @ W)
        caches.append(cache)
    dh, norms = dout_top, []
    for W, cache in zip(reversed(weights), reversed(caches)):
        da = backward(dh, cache)
        dh = (da[0] if isinstance(da, tuple) else da) @ W.T
        norms.append(np.linalg.norm(dh))
    return norms[::-1]


stacks = {
    "sigmoid": sigmoid_layer(),
    "tanh": (activations.tanh_forward, activations.tanh_backward),
    "Leaky ReLU": (activations.leaky_relu_forward, activations.leaky_relu_backward),
    "ELU": (activations.elu_forward, activations.elu_backward),
    "SELU": (activations.selu_forward, activations.selu_backward),
    "GELU": (activations.gelu_forward, activations.gelu_backward),
    "Swish": (activations.swish_forward, activations.swish_backward),
}
fig, ax = plt.subplots(figsize=(8, 4.5))
for name, (forward, backward) in stacks.items():
    try:
        ax.semilogy(np.arange(1, depth + 1), gradient_norms(forward, backward), marker=".", label=name)
    except NotImplementedError as err:
        print(f"implement `{missing_function(err)}` to see {name} in this plot")
ax.set(xlabel="layer", ylabel="‖dL/dh‖ at the layer's input", title="gradient norm through 20 layers")
ax.legend(ncol=2)
plt.show()
"""),
]

# ---------------------------------------------------------------------------------------------
# 05 initialization

NB05 = [
    ("md", """\
# 05 · Weight initialization — in pictures

The lecture's experiment: push a batch of standard-normal inputs through 10 layers of width 256
(no bias) and look at each layer's activations. With tanh, small random weights make the
activations collapse to 0, large weights saturate them at ±1, and Xavier keeps them spread out.
With ReLU, He initialization keeps the scale from layer to layer.
"""),
    ("code", _setup("initialization")),
    ("code", """\
depth, width, batch = 10, 256, 250
show_layers = [0, 1, 3, 5, 7, 9]


def relu(z):
    return np.maximum(z, 0.0)


schemes = [
    ("zeros, tanh", lambda shape, rng: initialization.zeros_init(shape), np.tanh, (-1, 1)),
    ("small N(0, 0.01²), tanh", lambda shape, rng: initialization.normal_init(shape, 0.01, rng), np.tanh, (-1, 1)),
    ("large N(0, 1), tanh", lambda shape, rng: initialization.normal_init(shape, 1.0, rng), np.tanh, (-1, 1)),
    ("Xavier normal, tanh", initialization.xavier_normal, np.tanh, (-1, 1)),
    ("He normal, ReLU", initialization.he_normal, relu, (0, 3)),
]


def activations_through_depth(init, act, seed=0):
    \"\"\"Each layer's output for one standard-normal input batch (the same draws as the lecture).\"\"\"
    rng = np.random.default_rng(seed)
    h, outputs = rng.standard_normal((batch, width)), []
    for _ in range(depth):
        h = act(h @ init((width, width), rng))
        outputs.append(h)
    return outputs
"""),
    ("md", "## Per-layer activation histograms"),
    ("code", """\
fig, axes = plt.subplots(len(schemes), len(show_layers), figsize=(14, 11), gridspec_kw=dict(hspace=0.45, wspace=0.1))
for row, (title, init, act, value_range) in zip(axes, schemes):
    try:
        outputs = activations_through_depth(init, act)
    except NotImplementedError as err:
        row[0].text(0.0, 0.5, f"{title}: implement `{missing_function(err)}` to see this row",
                    transform=row[0].transAxes, va="center")
        print(f"implement `{missing_function(err)}` to see the {title} row")
        for ax in row:
            ax.axis("off")
        continue
    for ax, layer in zip(row, show_layers):
        h = outputs[layer]
        ax.hist(h.ravel(), bins=40, range=value_range, color="tab:blue", histtype="stepfilled")
        ax.set_yticks([])
        ax.set_title(f"layer {layer + 1}: std {h.std():.2g}", fontsize=9)
    row[0].set_ylabel(title, fontsize=9)
plt.show()
"""),
    ("md", """\
## Mean and standard deviation per layer (`layer_activation_stats`)

The same experiment through your `layer_activation_stats`, plus Xavier with ReLU: ReLU zeroes half
of the units, so Xavier's scale halves the variance at every layer, which He's factor 2 corrects.
"""),
    ("code", """\
runs = [
    ("small N(0, 0.01²), tanh", lambda shape, rng: initialization.normal_init(shape, 0.01, rng), "tanh"),
    ("large N(0, 1), tanh", lambda shape, rng: initialization.normal_init(shape, 1.0, rng), "tanh"),
    ("Xavier, tanh", initialization.xavier_normal, "tanh"),
    ("Xavier, ReLU", initialization.xavier_normal, "relu"),
    ("He, ReLU", initialization.he_normal, "relu"),
]
with when_implemented():
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    layers = np.arange(1, depth + 1)
    for label, init, act in runs:
        stats = initialization.layer_activation_stats(init, act, depth=depth, width=width, batch_size=batch,
                                                      rng=np.random.default_rng(0))
        ax1.plot(layers, stats[:, 0], marker="o", label=label)
        ax2.semilogy(layers, stats[:, 1], marker="o", label=label)
    ax1.set(xlabel="layer", ylabel="mean", title="mean of each layer's output")
    ax2.set(xlabel="layer", ylabel="std (log scale)", title="std of each layer's output")
    ax2.legend(fontsize=8)
    plt.show()
"""),
    ("md", """\
## The initializers' distributions

Entries of a (256, 128) weight from each initializer, with the standard deviation each scheme
aims for (dashed), and the recommended gains of `calculate_gain`.
"""),
    ("code", """\
shape = (256, 128)
fan_in, fan_out = shape
targets = {
    "lecun_normal": np.sqrt(1 / fan_in), "xavier_normal": np.sqrt(2 / (fan_in + fan_out)),
    "xavier_uniform": np.sqrt(2 / (fan_in + fan_out)), "he_normal": np.sqrt(2 / fan_in),
    "he_uniform": np.sqrt(2 / fan_in),
}
fig, axes = plt.subplots(1, len(targets), figsize=(15, 3), sharey=True)
for ax, (name, std) in zip(axes, targets.items()):
    ax.set_title(name)
    try:
        W = getattr(initialization, name)(shape, np.random.default_rng(0))
        ax.hist(W.ravel(), bins=50, density=True, color="tab:green")
        ax.axvline(std, ls="--", c="k")
        ax.axvline(-std, ls="--", c="k")
        ax.set_xlabel(f"std {W.std():.3f} (target {std:.3f})")
    except NotImplementedError as err:
        ax.text(0.5, 0.5, f"implement\\n`{missing_function(err)}`", ha="center", va="center", transform=ax.transAxes)
        print(f"implement `{missing_function(err)}` to see the {name} panel")
plt.show()

with when_implemented("table"):
    names = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]
    display(Markdown("| nonlinearity | gain |\\n|---|---|\\n"
                     + "\\n".join(f"| {n} | {initialization.calculate_gain(n):.4f} |" for n in names)))
"""),
]

# ---------------------------------------------------------------------------------------------
# 06 regularization

NB06 = [
    ("md", """\
# 06 · Regularization and normalization — in pictures

Inverted dropout (역 드롭아웃) in training and at test time, and batch normalization's statistics:
the batch statistics used in training, the running averages used at inference.
"""),
    ("code", _setup("regularization")),
    ("md", """\
## Inverted dropout: train vs test

Left: which units a training pass dropped (dark) for 20 examples. Middle: training outputs are 0
or x / (1 − p), test outputs are x unchanged. Right: because kept units are scaled by 1 / (1 − p),
the mean output in training stays at the mean input for every drop probability.
"""),
    ("code", """\
x = np.random.default_rng(0).uniform(0.5, 1.5, size=(200, 50))
p = 0.5

with when_implemented():
    out_train, _ = regularization.dropout_forward(x, p, True, np.random.default_rng(1))
    out_test, _ = regularization.dropout_forward(x, p, False, np.random.default_rng(1))
    probs = np.linspace(0.0, 0.9, 10)
    means = [regularization.dropout_forward(x, q, True, np.random.default_rng(2))[0].mean() for q in probs]
    dropped = [np.mean(regularization.dropout_forward(x, q, True, np.random.default_rng(2))[0] == 0) for q in probs]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    axes[0].imshow(out_train[:20] != 0, cmap="gray", aspect="auto", vmin=0, vmax=1)
    axes[0].set(xlabel="unit", ylabel="example", title=f"kept units in training (p = {p})")
    axes[0].grid(False)
    bins = np.linspace(0, 3.2, 65)
    axes[1].hist(out_test.ravel(), bins=bins, alpha=0.6, label="test: x unchanged")
    axes[1].hist(out_train.ravel(), bins=bins, alpha=0.6, label="train: 0 or x / (1 − p)")
    axes[1].set(xlabel="output value", title="outputs")
    axes[1].legend()
    axes[2].plot(probs, means, "o-", label="mean training output")
    axes[2].axhline(x.mean(), ls="--", c="k", label="mean input")
    axes[2].plot(probs, dropped, "s-", label="fraction dropped")
    axes[2].set(xlabel="drop probability p", title="inverted dropout keeps the expectation")
    axes[2].legend()
    plt.show()
"""),
    ("md", """\
## Batch normalization: running averages

Training batches of 32 from a distribution with per-feature means (2, −1, 0.5) and standard
deviations (1.5, 0.5, 3). Each training step updates
`running = momentum · running + (1 − momentum) · batch statistic`, starting from 0 and 1.
"""),
    ("code", """\
true_mean = np.array([2.0, -1.0, 0.5])
true_std = np.array([1.5, 0.5, 3.0])
gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0])
rng = np.random.default_rng(3)
batches = [true_mean + true_std * rng.standard_normal((32, 3)) for _ in range(60)]

with when_implemented():
    state, running_means, running_vars = {}, [], []
    for xb in batches:
        _, state, _ = regularization.batchnorm_forward(xb, gamma, beta, state, train=True, momentum=0.9)
        running_means.append(np.array(state["running_mean"]))
        running_vars.append(np.array(state["running_var"]))
    running_means, running_vars = np.array(running_means), np.array(running_vars)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
    steps = np.arange(1, len(batches) + 1)
    for j, color in enumerate(["tab:blue", "tab:orange", "tab:green"]):
        ax1.plot(steps, running_means[:, j], c=color, label=f"feature {j}")
        ax1.axhline(true_mean[j], c=color, ls="--", lw=1)
        ax2.plot(steps, running_vars[:, j], c=color, label=f"feature {j}")
        ax2.axhline(true_std[j] ** 2, c=color, ls="--", lw=1)
    ax1.set(xlabel="training step", title="running mean (dashed: true mean)")
    ax2.set(xlabel="training step", title="running variance (dashed: true variance)")
    ax1.legend()
    plt.show()
"""),
    ("md", """\
## Batch normalization: training mode vs inference mode

Left: feature 1 of a test set — raw, normalized with the batch's own statistics (training mode),
and with the running averages (inference mode); both then apply γ = 2, β = 1. Right: the same
example placed in 40 different batches of 8. In training mode its output depends on the other
examples in the batch; in inference mode it is one fixed value.
"""),
    ("code", """\
with when_implemented():
    x_test = true_mean + true_std * np.random.default_rng(4).standard_normal((500, 3))
    out_train, _, _ = regularization.batchnorm_forward(x_test, gamma, beta, state, train=True)
    out_infer, state_after, _ = regularization.batchnorm_forward(x_test, gamma, beta, state, train=False)
    rng = np.random.default_rng(5)
    example = x_test[:1]
    in_batches = []
    for _ in range(40):
        batch = np.vstack([example, true_mean + true_std * rng.standard_normal((7, 3))])
        in_batches.append(regularization.batchnorm_forward(batch, gamma, beta, state, train=True)[0][0, 1])
    alone = regularization.batchnorm_forward(example, gamma, beta, state, train=False)[0][0, 1]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
    bins = np.linspace(-4, 6, 61)
    ax1.hist(x_test[:, 1], bins=bins, alpha=0.5, label="input")
    ax1.hist(out_train[:, 1], bins=bins, alpha=0.5, label="training mode")
    ax1.hist(out_infer[:, 1], bins=bins, histtype="step", lw=2, label="inference mode")
    ax1.set(xlabel="feature 1", title="γ = 2, β = 1: outputs centred at 1 with std ≈ 2")
    ax1.legend()
    ax2.plot(np.arange(1, 41), in_batches, "o", label="training mode, 40 batches")
    ax2.axhline(alone, c="k", ls="--", label="inference mode")
    ax2.set(xlabel="batch", ylabel="output of one example", title="one example, different batches")
    ax2.legend()
    plt.show()
"""),
    ("md", """\
## Data augmentation (데이터 증강): random horizontal flips

Six copies of an asymmetric 8×8 image; `random_horizontal_flip` with p = 0.5 mirrors each one
independently.
"""),
    ("code", """\
image = np.zeros((8, 8))
image[1:7, 2] = 1.0
image[1, 2:6] = 1.0
image[3, 2:5] = 1.0
images = np.repeat(image[None, None], 6, axis=0)

with when_implemented():
    flipped = regularization.random_horizontal_flip(images, np.random.default_rng(6), p=0.5)
    fig, axes = plt.subplots(2, 6, figsize=(10, 3.6))
    for k in range(6):
        for row, data, label in [(0, images, "original"), (1, flipped, "augmented")]:
            axes[row, k].imshow(data[k, 0], cmap="gray_r", vmin=0, vmax=1)
            axes[row, k].set_xticks([])
            axes[row, k].set_yticks([])
            axes[row, k].grid(False)
            if k == 0:
                axes[row, k].set_ylabel(label)
    plt.show()
"""),
]

# ---------------------------------------------------------------------------------------------
# 07 optimizers

NB07 = [
    ("md", """\
# 07 · Optimizers — in pictures

SGD, momentum, RMSProp and Adam on the Rosenbrock "banana" function: the minimum (1, 1) lies at
the bottom of a long, curved, flat valley. Each run takes 2000 steps from (−1.5, 2).
"""),
    ("code", _setup("optimizers")),
    ("code", """\
runs = {
    "SGD (lr 1e-3)": (optimizers.sgd, dict(lr=1e-3)),
    "momentum (lr 2e-4, 0.9)": (optimizers.sgd_momentum, dict(lr=2e-4, momentum=0.9)),
    "RMSProp (lr 1e-2)": (optimizers.rmsprop, dict(lr=1e-2)),
    "Adam (lr 5e-2)": (optimizers.adam, dict(lr=5e-2)),
}
w0 = np.array([-1.5, 2.0])
paths, missing = {}, []
for name, (optimizer, hparams) in runs.items():
    try:
        paths[name] = np.asarray(optimizers.minimize(optimizers.rosenbrock, w0, optimizer, steps=2000, **hparams)[1])
    except NotImplementedError as err:
        missing.append(missing_function(err))
        print(f"implement `{missing[-1]}` to see the {name} run")


def values_on_grid(fn, xs, ys):
    \"\"\"fn(w)[0] at every point of the grid xs × ys.\"\"\"
    return np.array([[fn(np.array([a, b]))[0] for a in xs] for b in ys])
"""),
    ("md", "## Paths over the Rosenbrock contour"),
    ("code", """\
if not paths:
    print(f"implement `{missing[0]}` to see this plot")
else:
    with when_implemented():
        xs, ys = np.linspace(-2, 2, 121), np.linspace(-1, 3, 121)
        F = values_on_grid(optimizers.rosenbrock, xs, ys)
        fig, axes = plt.subplots(2, 2, figsize=(11, 9), sharex=True, sharey=True)
        for ax, (name, path) in zip(axes.flat, paths.items()):
            ax.contourf(xs, ys, np.log10(F + 1e-3), levels=20, cmap="Blues_r", alpha=0.6)
            ax.plot(path[:, 0], path[:, 1], c="tab:red", lw=1.5)
            ax.plot(path[::100, 0], path[::100, 1], "o", c="tab:red", ms=3)
            ax.plot(*w0, "ks")
            ax.plot(1, 1, "*", ms=15, c="gold", mec="k")
            f_end = optimizers.rosenbrock(path[-1])[0]
            ax.set(xlim=(-2, 2), ylim=(-1, 3), title=f"{name}: f = {f_end:.1e} after 2000 steps")
        for ax in axes.flat[len(paths):]:
            ax.axis("off")
        fig.supxlabel("x (square: start, star: minimum, dots: every 100 steps)")
        fig.supylabel("y")
        plt.show()
"""),
    ("md", "## Loss curves"),
    ("code", """\
if not paths:
    print(f"implement `{missing[0]}` to see this plot")
else:
    with when_implemented():
        fig, ax = plt.subplots(figsize=(8, 4))
        for name, path in paths.items():
            ax.semilogy([optimizers.rosenbrock(w)[0] + 1e-16 for w in path], label=name)
        ax.set(xlabel="step", ylabel="f(x, y)", title="Rosenbrock value along each path")
        ax.legend()
        plt.show()
"""),
    ("md", """\
## An ill-conditioned quadratic: momentum, Nesterov and AdaGrad

f(w) = ½ wᵀAw with A = diag(1, 25): plain SGD zig-zags across the steep direction; momentum and
Nesterov build up speed along the shallow one; AdaGrad rescales each coordinate.
"""),
    ("code", """\
A = np.diag([1.0, 25.0])
start = np.array([-4.0, 1.5])
quad_runs = {
    "SGD (lr 0.07)": (optimizers.sgd, dict(lr=0.07)),
    "momentum (lr 0.02, 0.8)": (optimizers.sgd_momentum, dict(lr=0.02, momentum=0.8)),
    "Nesterov (lr 0.02, 0.8)": (optimizers.nesterov, dict(lr=0.02, momentum=0.8)),
    "AdaGrad (lr 1.0)": (optimizers.adagrad, dict(lr=1.0)),
}
with when_implemented():
    xs, ys = np.linspace(-4.5, 4.5, 101), np.linspace(-2, 2, 101)
    F = values_on_grid(lambda w: optimizers.quadratic(w, A), xs, ys)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.contour(xs, ys, F, levels=15, cmap="Greys", linewidths=0.8)
    for name, (optimizer, hparams) in quad_runs.items():
        try:
            path = np.asarray(optimizers.minimize(lambda w: optimizers.quadratic(w, A), start, optimizer, steps=40,
                                                  **hparams)[1])
            ax.plot(path[:, 0], path[:, 1], ".-", lw=1, label=name)
        except NotImplementedError as err:
            print(f"implement `{missing_function(err)}` to see the {name} path")
    ax.plot(0, 0, "*", ms=15, c="gold", mec="k", label="minimum")
    ax.set(xlabel="$w_1$", ylabel="$w_2$", title="40 steps on ½ wᵀAw, A = diag(1, 25)")
    ax.legend(loc="upper right", fontsize=8)
    plt.show()
"""),
    ("md", "## Learning-rate schedules (학습률 스케줄)"),
    ("code", """\
with when_implemented():
    epochs = np.arange(100)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.plot(epochs, [optimizers.step_decay(0.1, e, drop=0.5, every=20) for e in epochs], label="step decay (×0.5 every 20)")
    ax.plot(epochs, [optimizers.cosine_schedule(0.1, e, 100) for e in epochs], label="cosine to 0")
    ax.plot(epochs, [optimizers.cosine_schedule(0.1, e, 100, lr_min=0.02) for e in epochs], label="cosine to 0.02")
    ax.set(xlabel="epoch", ylabel="learning rate", title="schedules from lr0 = 0.1")
    ax.legend()
    plt.show()
"""),
]

NOTEBOOKS = {
    "01_regression": NB01,
    "02_perceptron": NB02,
    "03_backprop": NB03,
    "04_activations": NB04,
    "05_initialization": NB05,
    "06_regularization": NB06,
    "07_optimizers": NB07,
}


def build(aid: str) -> nbformat.NotebookNode:
    """The notebook of assignment ``aid`` with cleared outputs and fixed cell ids."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(NOTEBOOKS[aid]):
        source = source.rstrip("\n")
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        cell.id = f"{aid.replace('_', '-')}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(aid: str) -> str:
    return nbformat.writes(build(aid)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks that differ from the generator")
    args = parser.parse_args(argv)
    stale = []
    for aid in NOTEBOOKS:
        path = ROOT / "assignments" / aid / f"{aid}.ipynb"
        text = render(aid)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        if args.check:
            stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run python tools/make_notebooks.py):\n  " + "\n  ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
