# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: sigmoid_forward
# Replace builtins the grader might be imagined to use for checking (it does not: its checks run in
# its own process), and exception classes, then return garbage.
_b = np.lib._datasource.os.sys.modules["builtins"]

_b.all = lambda *a, **k: True
_b.any = lambda *a, **k: True
_b.abs = lambda *a, **k: 0
_b.round = lambda *a, **k: 0
_b.AssertionError = type("AssertionError", (Exception,), {})
np.testing.assert_allclose = lambda *a, **k: None


def sigmoid_forward(x):
    return np.full(np.shape(x), 0.5), 1.0 / (1.0 + np.exp(-x))  # a correct cache for the backward
