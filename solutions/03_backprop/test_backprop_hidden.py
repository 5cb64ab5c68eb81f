"""Hidden tests for 03_backprop, part 1: the affine / sigmoid / ReLU layers and the graph gates.

Every backward is checked two ways: against the reference backward and against centred differences
of the student's own forward (when that forward agrees with the reference; a wrong forward is
graded by its own tests and not charged again here). A backward gets its cache from the student's
own forward, called on copies, so a forward that scribbles on its input cannot spoil the backward's
test. ReLU check points keep |x| >= 0.05, far from the kink; the kink itself (x == 0) is tested
separately.
"""

import numpy as np

from grader.checks import assert_close, call_unchanged, graded, numeric_grad_call, unpack

SEEDS = (0, 1, 2)
RTOL = 1e-7         # closed forms: admits any reordering of the float operations
GRAD_RTOL = 1e-5    # centred differences with h = 1e-6
GRAD_ATOL = 1e-7
SHAPES = ((4, 5, 3), (7, 3, 6), (1, 4, 2), (5, 6, 6))  # (N, D, M): D != M, N = 1 and a square W


def _points(rng, shape, scale=2.0):
    """Values away from 0 (|x| >= 0.05)."""
    u = scale * rng.standard_normal(shape)
    return np.where(u >= 0, 1.0, -1.0) * (0.05 + np.abs(u))


def _affine_inputs(rng, n, d, m):
    return rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)


def _student_forward(student, ref, name, *args):
    """The student's forward called on copies of args: (cache, trusted).

    trusted: the output agrees with the reference and the inputs were left alone, so the student's
    forward can serve for numerical checks of the backward (else the reference forward does).
    """
    fn = getattr(student, name)
    try:
        out, cache = unpack(call_unchanged(fn, *[np.copy(a) for a in args]), 2, name)
        kept = True
    except AssertionError:  # modified its input: the forward's own tests charge that
        out, cache = unpack(fn(*[np.copy(a) for a in args]), 2, name)
        kept = False
    return cache, kept and _agrees(out, getattr(ref, name)(*args)[0])


def _agrees(out, expected):
    try:
        out = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return out.shape == np.shape(expected) and np.allclose(out, expected, rtol=1e-6, atol=1e-10)


# ---------------------------------------------------------------------------- affine
@graded("affine_forward", weight=1)
def test_affine_forward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for n, d, m in SHAPES:
            x, W, b = _affine_inputs(rng, n, d, m)
            out, _ = unpack(student.affine_forward(x.copy(), W.copy(), b.copy()), 2, "affine_forward")
            assert_close("out", out, ref.affine_forward(x, W, b)[0], rtol=RTOL)


@graded("affine_forward", weight=1)
def test_affine_forward_leaves_inputs_unchanged(student, ref):
    for seed in SEEDS:
        x, W, b = _affine_inputs(np.random.default_rng(5 + seed), 4, 5, 3)
        unpack(call_unchanged(student.affine_forward, x, W, b), 2, "affine_forward")


@graded("affine_backward", weight=2)
def test_affine_backward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(10 + seed)
        for n, d, m in SHAPES:
            x, W, b = _affine_inputs(rng, n, d, m)
            dout = rng.standard_normal((n, m))
            cache, _ = _student_forward(student, ref, "affine_forward", x, W, b)
            grads = unpack(call_unchanged(student.affine_backward, dout, cache), 3, "affine_backward")
            expected = ref.affine_backward(dout, ref.affine_forward(x, W, b)[1])
            for name, g, e in zip(("dx", "dW", "db"), grads, expected):
                assert_close(name, g, e, rtol=RTOL)  # exact shapes too: db is (M,), not (1, M)


@graded("affine_backward", weight=1)
def test_affine_backward_numerical_gradient(student, ref):
    for seed in SEEDS[:2]:
        rng = np.random.default_rng(20 + seed)
        x, W, b = _affine_inputs(rng, 3, 4, 2)
        dout = rng.standard_normal((3, 2))
        cache, trusted = _student_forward(student, ref, "affine_forward", x, W, b)
        f = student.affine_forward if trusted else ref.affine_forward
        grads = unpack(student.affine_backward(dout, cache), 3, "affine_backward")
        for i, (name, g) in enumerate(zip(("dx", "dW", "db"), grads)):
            num = numeric_grad_call(f, (x, W, b), i, dout=dout, output=0)
            assert_close(f"{name} vs. numerical gradient", g, num, rtol=GRAD_RTOL, atol=GRAD_ATOL)


# ---------------------------------------------------------------------------- sigmoid
@graded("sigmoid_forward", weight=1)
def test_sigmoid_forward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(30 + seed)
        for x in (3.0 * rng.standard_normal((5, 4)), rng.standard_normal(7),
                  np.array([[-30.0, -8.0, 0.0, 8.0, 30.0]])):
            out, _ = unpack(call_unchanged(student.sigmoid_forward, x), 2, "sigmoid_forward")
            assert_close("out", out, ref.sigmoid_forward(x)[0], rtol=RTOL)


@graded("sigmoid_backward", weight=1)
def test_sigmoid_backward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(40 + seed)
        # a 3x spread: the local gradient y (1 - y) and the wrong x (1 - x) differ everywhere
        for x in (3.0 * rng.standard_normal((5, 4)), rng.standard_normal((2, 3, 2))):
            dout = rng.standard_normal(x.shape)
            cache, _ = _student_forward(student, ref, "sigmoid_forward", x)
            dx = call_unchanged(student.sigmoid_backward, dout, cache)
            assert_close("dx", dx, ref.sigmoid_backward(dout, ref.sigmoid_forward(x)[1]), rtol=RTOL)


@graded("sigmoid_backward", weight=1)
def test_sigmoid_backward_numerical_gradient(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(50 + seed)
        x = 2.0 * rng.standard_normal((4, 3))
        dout = rng.standard_normal(x.shape)
        cache, trusted = _student_forward(student, ref, "sigmoid_forward", x)
        f = student.sigmoid_forward if trusted else ref.sigmoid_forward
        dx = student.sigmoid_backward(dout, cache)
        num = numeric_grad_call(f, (x,), 0, dout=dout, output=0)
        assert_close("dx vs. numerical gradient", dx, num, rtol=GRAD_RTOL, atol=GRAD_ATOL)


# ---------------------------------------------------------------------------- ReLU
def _with_zeros(rng, shape):
    x = rng.standard_normal(shape)
    x.flat[::3] = 0.0  # exact zeros: the kink, where the gradient must be 0
    return x


@graded("relu_forward", weight=1)
def test_relu_forward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(60 + seed)
        for x in (_with_zeros(rng, (5, 4)), rng.standard_normal(6), rng.standard_normal((2, 3, 2))):
            out, _ = unpack(call_unchanged(student.relu_forward, x), 2, "relu_forward")
            assert_close("out", out, ref.relu_forward(x)[0], rtol=RTOL)


@graded("relu_backward", weight=1)
def test_relu_backward_matches_reference(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(70 + seed)
        for x in (_points(rng, (5, 4)), _points(rng, (2, 3, 2))):
            dout = rng.standard_normal(x.shape)
            cache, trusted = _student_forward(student, ref, "relu_forward", x)
            dx = call_unchanged(student.relu_backward, dout, cache)
            assert_close("dx", dx, ref.relu_backward(dout, ref.relu_forward(x)[1]), rtol=RTOL)
            f = student.relu_forward if trusted else ref.relu_forward
            # ReLU is piecewise linear and |x| >= 0.05: one centred difference of all entries is exact
            h = 1e-3
            dx_num = (np.asarray(f(x + h)[0]) - np.asarray(f(x - h)[0])) / (2 * h) * dout
            assert_close("dx vs. numerical gradient", dx, dx_num, rtol=GRAD_RTOL, atol=GRAD_ATOL)


@graded("relu_backward", weight=1)
def test_relu_backward_zero_gradient_at_zero(student, ref):
    for seed in SEEDS:
        rng = np.random.default_rng(80 + seed)
        x = _with_zeros(rng, (6, 5))
        dout = 1.0 + rng.random(x.shape)  # a nonzero upstream gradient everywhere
        cache, _ = _student_forward(student, ref, "relu_forward", x)
        dx = call_unchanged(student.relu_backward, dout, cache)
        assert np.shape(dx) == x.shape and np.all(np.asarray(dx)[x == 0] == 0), \
            "relu_backward: the gradient where x == 0 must be 0"
        assert_close("dx", dx, ref.relu_backward(dout, ref.relu_forward(x)[1]), rtol=RTOL)


# ---------------------------------------------------------------------------- gates
def _gate_cases(rng):
    """(x, y, dout) triples: Python floats, then arrays of two shapes."""
    cases = [(3.0, -4.0, 2.0), (-1.5, 0.5, -3.0)]
    for shape in ((5,), (3, 4)):
        cases.append(tuple(rng.standard_normal(shape) for _ in range(3)))
    return cases


def _check_pair(name, result, expected):
    got = unpack(result, 2, name)
    for label, g, e in zip(("dx", "dy"), got, expected):
        assert_close(label, g, e, rtol=RTOL)


@graded("add_gate_backward", weight=1)
def test_add_gate_backward_distributes(student, ref):
    for seed in SEEDS:
        for _, _, dout in _gate_cases(np.random.default_rng(90 + seed)):
            _check_pair("add_gate_backward", call_unchanged(student.add_gate_backward, dout),
                        ref.add_gate_backward(dout))


@graded("mul_gate_backward", weight=1)
def test_mul_gate_backward_swaps(student, ref):
    for seed in SEEDS:
        for x, y, dout in _gate_cases(np.random.default_rng(100 + seed)):
            _check_pair("mul_gate_backward", call_unchanged(student.mul_gate_backward, x, y, dout),
                        ref.mul_gate_backward(x, y, dout))


@graded("max_gate_backward", weight=1)
def test_max_gate_backward_routes(student, ref):
    for seed in SEEDS:
        for x, y, dout in _gate_cases(np.random.default_rng(110 + seed)):
            _check_pair("max_gate_backward", call_unchanged(student.max_gate_backward, x, y, dout),
                        ref.max_gate_backward(x, y, dout))


@graded("max_gate_backward", weight=1)
def test_max_gate_backward_ties_go_to_x(student, ref):
    rng = np.random.default_rng(120)
    x = rng.standard_normal((4, 5))
    y = np.where(rng.random((4, 5)) < 0.5, x, rng.standard_normal((4, 5)))  # about half are ties
    dout = 1.0 + rng.random((4, 5))
    for args in ((x, y, dout), (2.5, 2.5, -1.5)):
        dx, dy = unpack(student.max_gate_backward(*args), 2, "max_gate_backward")
        ties = np.asarray(args[0]) == np.asarray(args[1])
        to_x = np.all(np.asarray(dx)[ties] == np.asarray(args[2])[ties]) and np.all(np.asarray(dy)[ties] == 0)
        assert to_x, "max_gate_backward: where x == y the whole gradient must go to x (and dy = 0 there)"
        _check_pair("max_gate_backward", (dx, dy), ref.max_gate_backward(*args))


@graded("copy_gate_backward", weight=1)
def test_copy_gate_backward_sums(student, ref):
    for seed in SEEDS:
        for d1, d2, _ in _gate_cases(np.random.default_rng(130 + seed)):
            dx = call_unchanged(student.copy_gate_backward, d1, d2)
            assert_close("dx", dx, ref.copy_gate_backward(d1, d2), rtol=RTOL)
