"""Hidden tests for 03_backprop, part 1: the affine / sigmoid / ReLU layers and the graph gates.

Every backward is checked two ways: against the reference backward and against centred differences
of the correct forward (the reference's, computed once per grading process: the student's forward,
where it agrees with the reference, has the same gradient, and a wrong forward is graded by its own
tests). A backward gets its cache from the student's own forward, called on copies, so a forward
that scribbles on its input cannot spoil the backward's test; where that forward's output is wrong
(its cache may hold something else), a sigmoid or ReLU backward passes as the docstring's rule
applied to the forward's own output. ReLU check points keep |x| >= 0.05,
far from the kink; the kink itself (x == 0) is tested separately.

Every student call is a round trip to the worker, so a test sends its first input through
call_unchanged (which also proves the inputs are left alone: a function that scribbles on its
inputs does so on every input) and the rest together through call_each.
"""

import numpy as np

from grader.checks import (assert_close, assert_shape, call_each, call_unchanged, graded, memoized, numeric_grad_call,
                           unpack)

SEEDS = (0, 1, 2)
RTOL = 1e-7         # closed forms: admits any reordering of the float operations
GRAD_RTOL = 1e-5    # centred differences with h = 1e-6
GRAD_ATOL = 1e-7
# (N, D, M): D != M, N = 1, a square W, and D = M = 1, where a squeezed out, dW or db loses an axis
SHAPES = ((4, 5, 3), (7, 3, 6), (1, 4, 2), (5, 6, 6), (3, 1, 1))


def _points(rng, shape, scale=2.0):
    """Values away from 0 (|x| >= 0.05)."""
    u = scale * rng.standard_normal(shape)
    return np.where(u >= 0, 1.0, -1.0) * (0.05 + np.abs(u))


def _affine_inputs(rng, n, d, m):
    return rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)


def _each(fn, calls):
    """``[fn(*args, **kwargs) for args, kwargs in calls]`` in two round trips; the first call also fails
    the test if fn modifies its inputs."""
    (args, kwargs), rest = calls[0], calls[1:]
    return [call_unchanged(fn, *args, **kwargs)] + (call_each(fn, rest) if rest else [])


def _copies(args):
    return tuple(np.copy(a) for a in args)


def _student_caches(student, name, inputs):
    """The cache of the student's forward on copies of each tuple of inputs, in one round trip (the
    forward's own tests charge its outputs and any change to its inputs)."""
    return [cache for _, cache in _student_forwards(student, name, inputs)]


def _student_forwards(student, name, inputs):
    """(out, cache) of the student's forward on copies of each tuple of inputs, in one round trip."""
    results = call_each(getattr(student, name), [(_copies(args), {}) for args in inputs])
    return [unpack(result, 2, name) for result in results]


def _agrees(out, expected):
    try:
        out = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return out.shape == np.shape(expected) and np.allclose(out, expected, rtol=1e-6, atol=1e-10)


def _check_elementwise_backward(forward, dx, out, x, dout, checks, local):
    """A sigmoid or ReLU backward's dx: ``checks()`` (assert_close calls against the correct gradient at x)
    must pass, unless the student's forward got x wrong (``out`` is its output; ``forward`` the reference's):
    its cache may then hold something else (a stale input, another function's output), and dx passes if it
    is the docstring's rule applied to that forward's own output, ``dout * local(out)``. A correct backward
    must not lose points for its forward's mistake, which the forward's own tests charge. Unless that rule
    gives zero everywhere, or values below the tolerance everywhere (an output of zeros, or of 1e-300 whose
    y (1 - y) is 1e-300): then there is nothing to check dx against, and a backward returning zeros would
    pass with it."""
    try:
        checks()
    except AssertionError:
        if np.shape(out) != np.shape(x) or _agrees(out, forward(x)[0]):
            raise
        try:
            own = dout * local(np.asarray(out, dtype=np.float64))
        except (TypeError, ValueError):
            raise AssertionError("your forward's output is not a numeric array: see its own tests") from None
        if not np.any(np.abs(own) > GRAD_ATOL):  # zeros pass wherever |own| <= atol: some entry must be above
            raise AssertionError("dx cannot be checked: your forward's output is wrong (see its own tests) and its "
                                 "local gradient is zero everywhere, so there is nothing to compare dx with; fix the "
                                 "forward first") from None
        assert_close("dx (from your forward's output, which is wrong: see its own tests)", dx, own, rtol=RTOL)


@memoized  # fixed inputs: computed once per grading process, not once per student
def _reference_numeric(ref, name, args, wrt, dout):
    """Centred differences of ``sum(ref.<name>(*args)[0] * dout)`` with respect to ``args[wrt]``."""
    return numeric_grad_call(getattr(ref, name), args, wrt, dout=dout, output=0)


# ---------------------------------------------------------------------------- affine
@graded("affine_forward", weight=1)
def test_affine_forward_matches_reference(student, ref):
    inputs = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        inputs += [_affine_inputs(rng, n, d, m) for n, d, m in SHAPES]
    results = call_each(student.affine_forward, [(_copies(args), {}) for args in inputs])
    for args, result in zip(inputs, results):
        out, _ = unpack(result, 2, "affine_forward")
        assert_close("out", out, ref.affine_forward(*args)[0], rtol=RTOL)


@graded("affine_forward", weight=1)
def test_affine_forward_leaves_inputs_unchanged(student, ref):
    for seed in SEEDS:
        x, W, b = _affine_inputs(np.random.default_rng(5 + seed), 4, 5, 3)
        unpack(call_unchanged(student.affine_forward, x, W, b), 2, "affine_forward")


@graded("affine_backward", weight=2)
def test_affine_backward_matches_reference(student, ref):
    inputs, douts = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(10 + seed)
        for n, d, m in SHAPES:
            inputs.append(_affine_inputs(rng, n, d, m))
            douts.append(rng.standard_normal((n, m)))
    caches = _student_caches(student, "affine_forward", inputs)
    results = _each(student.affine_backward, [((dout, cache), {}) for dout, cache in zip(douts, caches)])
    for (x, W, b), dout, result in zip(inputs, douts, results):
        grads = unpack(result, 3, "affine_backward")
        expected = ref.affine_backward(dout, ref.affine_forward(x, W, b)[1])
        for name, g, e in zip(("dx", "dW", "db"), grads, expected):
            assert_close(name, g, e, rtol=RTOL)  # exact shapes too: db is (M,), not (1, M)


@graded("affine_backward", weight=1)
def test_affine_backward_numerical_gradient(student, ref):
    inputs, douts = [], []
    for seed, (n, d, m) in zip(SEEDS, ((2, 3, 2), (3, 2, 4))):  # small: every entry costs two calls
        rng = np.random.default_rng(20 + seed)
        inputs.append(_affine_inputs(rng, n, d, m))
        douts.append(rng.standard_normal((n, m)))
    caches = _student_caches(student, "affine_forward", inputs)
    results = call_each(student.affine_backward, [((dout, cache), {}) for dout, cache in zip(douts, caches)])
    for args, dout, result in zip(inputs, douts, results):
        grads = unpack(result, 3, "affine_backward")
        for i, (name, g) in enumerate(zip(("dx", "dW", "db"), grads)):
            num = _reference_numeric(ref, "affine_forward", args, i, dout)
            assert_close(f"{name} vs. numerical gradient", g, num, rtol=GRAD_RTOL, atol=GRAD_ATOL)


# ---------------------------------------------------------------------------- sigmoid
@graded("sigmoid_forward", weight=1)
def test_sigmoid_forward_matches_reference(student, ref):
    xs = []
    for seed in SEEDS:
        rng = np.random.default_rng(30 + seed)
        xs += [3.0 * rng.standard_normal((5, 4)), rng.standard_normal(7), np.array([[-30.0, -8.0, 0.0, 8.0, 30.0]])]
    for x, result in zip(xs, _each(student.sigmoid_forward, [((x,), {}) for x in xs])):
        out, _ = unpack(result, 2, "sigmoid_forward")
        assert_close("out", out, ref.sigmoid_forward(x)[0], rtol=RTOL)


@graded("sigmoid_backward", weight=1)
def test_sigmoid_backward_matches_reference(student, ref):
    xs, douts = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(40 + seed)
        # a 3x spread: the local gradient y (1 - y) and the wrong x (1 - x) differ everywhere
        for x in (3.0 * rng.standard_normal((5, 4)), rng.standard_normal((2, 3, 2))):
            xs.append(x)
            douts.append(rng.standard_normal(x.shape))
    forwards = _student_forwards(student, "sigmoid_forward", [(x,) for x in xs])
    results = _each(student.sigmoid_backward, [((dout, cache), {}) for dout, (_, cache) in zip(douts, forwards)])
    for x, dout, (out, _), dx in zip(xs, douts, forwards, results):
        _check_elementwise_backward(ref.sigmoid_forward, dx, out, x, dout, lambda: assert_close(
            "dx", dx, ref.sigmoid_backward(dout, ref.sigmoid_forward(x)[1]), rtol=RTOL), _sigmoid_local)


@graded("sigmoid_backward", weight=1)
def test_sigmoid_backward_numerical_gradient(student, ref):
    xs, douts = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(50 + seed)
        xs.append(2.0 * rng.standard_normal((3, 2)))  # small: every entry costs two calls
        douts.append(rng.standard_normal((3, 2)))
    forwards = _student_forwards(student, "sigmoid_forward", [(x,) for x in xs])
    results = call_each(student.sigmoid_backward, [((dout, cache), {}) for dout, (_, cache) in zip(douts, forwards)])
    for x, dout, (out, _), dx in zip(xs, douts, forwards, results):
        num = _reference_numeric(ref, "sigmoid_forward", (x,), 0, dout)
        _check_elementwise_backward(ref.sigmoid_forward, dx, out, x, dout, lambda: assert_close(
            "dx vs. numerical gradient", dx, num, rtol=GRAD_RTOL, atol=GRAD_ATOL), _sigmoid_local)


def _sigmoid_local(y):
    return y * (1.0 - y)


# ---------------------------------------------------------------------------- ReLU
def _with_zeros(rng, shape):
    x = rng.standard_normal(shape)
    x.flat[::3] = 0.0  # exact zeros: the kink, where the gradient must be 0
    return x


@graded("relu_forward", weight=1)
def test_relu_forward_matches_reference(student, ref):
    xs = []
    for seed in SEEDS:
        rng = np.random.default_rng(60 + seed)
        # a 10x spread too: no clipping from above (ReLU6) either
        xs += [_with_zeros(rng, (5, 4)), 10.0 * rng.standard_normal(6), rng.standard_normal((2, 3, 2))]
    for x, result in zip(xs, _each(student.relu_forward, [((x,), {}) for x in xs])):
        out, _ = unpack(result, 2, "relu_forward")
        assert_close("out", out, ref.relu_forward(x)[0], rtol=RTOL)


@graded("relu_backward", weight=1)
def test_relu_backward_matches_reference(student, ref):
    xs, douts = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(70 + seed)
        for x in (_points(rng, (5, 4)), _points(rng, (2, 3, 2), scale=8.0)):  # 8x: the gradient passes above 6 too
            xs.append(x)
            douts.append(rng.standard_normal(x.shape))
    forwards = _student_forwards(student, "relu_forward", [(x,) for x in xs])
    results = _each(student.relu_backward, [((dout, cache), {}) for dout, (_, cache) in zip(douts, forwards)])
    # ReLU is piecewise linear and |x| >= 0.05: one centred difference of all entries is exact
    h = 1e-3
    for x, dout, (out, _), dx in zip(xs, douts, forwards, results):
        def checks():
            assert_close("dx", dx, ref.relu_backward(dout, ref.relu_forward(x)[1]), rtol=RTOL)
            dx_num = (ref.relu_forward(x + h)[0] - ref.relu_forward(x - h)[0]) / (2 * h) * dout
            assert_close("dx vs. numerical gradient", dx, dx_num, rtol=GRAD_RTOL, atol=GRAD_ATOL)
        _check_elementwise_backward(ref.relu_forward, dx, out, x, dout, checks, _relu_local)


def _relu_local(y):
    return (y > 0).astype(np.float64)


@graded("relu_backward", weight=1)
def test_relu_backward_zero_gradient_at_zero(student, ref):
    xs, douts = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(80 + seed)
        xs.append(_with_zeros(rng, (6, 5)))
        douts.append(1.0 + rng.random((6, 5)))  # a nonzero upstream gradient everywhere
    forwards = _student_forwards(student, "relu_forward", [(x,) for x in xs])
    results = _each(student.relu_backward, [((dout, cache), {}) for dout, (_, cache) in zip(douts, forwards)])
    for x, dout, (out, _), dx in zip(xs, douts, forwards, results):
        def checks():
            assert_shape("dx", dx, x.shape)
            assert np.all(np.asarray(dx)[x == 0] == 0), "relu_backward: the gradient where x == 0 must be 0"
            assert_close("dx", dx, ref.relu_backward(dout, ref.relu_forward(x)[1]), rtol=RTOL)
        _check_elementwise_backward(ref.relu_forward, dx, out, x, dout, checks, _relu_local)


# ---------------------------------------------------------------------------- gates
def _gate_cases(rng):
    """(x, y, dout) triples: arrays of two shapes, then Python floats. An array comes first because _each
    checks the first call's inputs for changes, and a gate can only write into an array."""
    cases = [tuple(rng.standard_normal(shape) for _ in range(3)) for shape in ((5,), (3, 4))]
    return cases + [(3.0, -4.0, 2.0), (-1.5, 0.5, -3.0)]


def _all_gate_cases(base):
    return [case for seed in SEEDS for case in _gate_cases(np.random.default_rng(base + seed))]


def _check_pair(name, result, expected):
    got = unpack(result, 2, name)
    for label, g, e in zip(("dx", "dy"), got, expected):
        assert_close(label, g, e, rtol=RTOL)


@graded("add_gate_backward", weight=1)
def test_add_gate_backward_distributes(student, ref):
    cases = _all_gate_cases(90)
    for (_, _, dout), result in zip(cases, _each(student.add_gate_backward, [((c[2],), {}) for c in cases])):
        _check_pair("add_gate_backward", result, ref.add_gate_backward(dout))


@graded("mul_gate_backward", weight=1)
def test_mul_gate_backward_swaps(student, ref):
    cases = _all_gate_cases(100)
    for case, result in zip(cases, _each(student.mul_gate_backward, [(c, {}) for c in cases])):
        _check_pair("mul_gate_backward", result, ref.mul_gate_backward(*case))


@graded("max_gate_backward", weight=1)
def test_max_gate_backward_routes(student, ref):
    cases = _all_gate_cases(110)
    for case, result in zip(cases, _each(student.max_gate_backward, [(c, {}) for c in cases])):
        _check_pair("max_gate_backward", result, ref.max_gate_backward(*case))


@graded("max_gate_backward", weight=1)
def test_max_gate_backward_ties_go_to_x(student, ref):
    rng = np.random.default_rng(120)
    x = rng.standard_normal((4, 5))
    y = np.where(rng.random((4, 5)) < 0.5, x, rng.standard_normal((4, 5)))  # about half are ties
    dout = 1.0 + rng.random((4, 5))
    cases = [(x, y, dout), (2.5, 2.5, -1.5)]
    for args, result in zip(cases, call_each(student.max_gate_backward, [(c, {}) for c in cases])):
        dx, dy = unpack(result, 2, "max_gate_backward")
        ties = np.asarray(args[0]) == np.asarray(args[1])
        to_x = np.all(np.asarray(dx)[ties] == np.asarray(args[2])[ties]) and np.all(np.asarray(dy)[ties] == 0)
        assert to_x, "max_gate_backward: where x == y the whole gradient must go to x (and dy = 0 there)"
        _check_pair("max_gate_backward", (dx, dy), ref.max_gate_backward(*args))


@graded("copy_gate_backward", weight=1)
def test_copy_gate_backward_sums(student, ref):
    cases = _all_gate_cases(130)
    for (d1, d2, _), dx in zip(cases, _each(student.copy_gate_backward, [((c[0], c[1]), {}) for c in cases])):
        assert_close("dx", dx, ref.copy_gate_backward(d1, d2), rtol=RTOL)
