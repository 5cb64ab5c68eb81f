"""A small stand-in hidden suite for 03_backprop, used by the hostile corpus only when the course
has no solutions/03_backprop/test_*hidden*.py yet. One test per graded function, each comparing
the student's function with the reference on fixed inputs (layer backward passes get the student's
own forward cache, the network's backward the reference's)."""

import numpy as np

from grader.checks import assert_close, graded, unpack

RNG = np.random.default_rng(1234)
X = RNG.standard_normal((5, 4))
W = RNG.standard_normal((4, 3))
B = RNG.standard_normal(3)
DOUT = RNG.standard_normal((5, 3))
Y = np.array([0, 2, 1, 2, 0])
PARAMS = {"W1": RNG.standard_normal((4, 6)) * 0.5, "b1": RNG.standard_normal(6) * 0.1,
          "W2": RNG.standard_normal((6, 3)) * 0.5, "b2": RNG.standard_normal(3) * 0.1}


def _same(name, actual, expected):
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and sorted(actual) == sorted(expected), f"{name}: wrong keys"
        for k in expected:
            _same(f"{name}[{k!r}]", actual[k], expected[k])
    elif isinstance(expected, (tuple, list)):
        got = unpack(actual, len(expected), name)
        for i, (a, e) in enumerate(zip(got, expected, strict=True)):
            _same(f"{name}[{i}]", a, e)
    else:
        assert_close(name, actual, expected, rtol=1e-6, atol=1e-9)


@graded("affine_forward")
def test_affine_forward(student, ref):
    _same("out", unpack(student.affine_forward(X, W, B), 2, "affine_forward")[0], ref.affine_forward(X, W, B)[0])


@graded("affine_backward")
def test_affine_backward(student, ref):
    cache = unpack(student.affine_forward(X, W, B), 2, "affine_forward")[1]
    _same("grads", student.affine_backward(DOUT, cache), ref.affine_backward(DOUT, ref.affine_forward(X, W, B)[1]))


@graded("sigmoid_forward")
def test_sigmoid_forward(student, ref):
    _same("out", unpack(student.sigmoid_forward(X), 2, "sigmoid_forward")[0], ref.sigmoid_forward(X)[0])


@graded("sigmoid_backward")
def test_sigmoid_backward(student, ref):
    cache = unpack(student.sigmoid_forward(X), 2, "sigmoid_forward")[1]
    _same("dx", student.sigmoid_backward(X, cache), ref.sigmoid_backward(X, ref.sigmoid_forward(X)[1]))


@graded("relu_forward")
def test_relu_forward(student, ref):
    _same("out", unpack(student.relu_forward(X), 2, "relu_forward")[0], ref.relu_forward(X)[0])


@graded("relu_backward")
def test_relu_backward(student, ref):
    cache = unpack(student.relu_forward(X), 2, "relu_forward")[1]
    _same("dx", student.relu_backward(X, cache), ref.relu_backward(X, ref.relu_forward(X)[1]))


@graded("add_gate_backward")
def test_add_gate_backward(student, ref):
    _same("grads", student.add_gate_backward(DOUT), ref.add_gate_backward(DOUT))


@graded("mul_gate_backward")
def test_mul_gate_backward(student, ref):
    _same("grads", student.mul_gate_backward(X, X + 1, X * 2), ref.mul_gate_backward(X, X + 1, X * 2))


@graded("max_gate_backward")
def test_max_gate_backward(student, ref):
    _same("grads", student.max_gate_backward(X, -X, DOUT[:, :1] + X), ref.max_gate_backward(X, -X, DOUT[:, :1] + X))


@graded("copy_gate_backward")
def test_copy_gate_backward(student, ref):
    _same("dx", student.copy_gate_backward(X, 2 * X), ref.copy_gate_backward(X, 2 * X))


@graded("two_layer_init")
def test_two_layer_init(student, ref):
    _same("params", student.two_layer_init(4, 5, 3, np.random.default_rng(7), weight_scale=0.3),
          ref.two_layer_init(4, 5, 3, np.random.default_rng(7), weight_scale=0.3))


@graded("two_layer_forward")
def test_two_layer_forward(student, ref):
    _same("scores", unpack(student.two_layer_forward(X, PARAMS), 2, "two_layer_forward")[0],
          ref.two_layer_forward(X, PARAMS)[0])


@graded("two_layer_backward")
def test_two_layer_backward(student, ref):
    cache = ref.two_layer_forward(X, PARAMS)[1]  # the reference's cache: a broken layer forward costs it nothing
    _same("grads", student.two_layer_backward(DOUT, cache), ref.two_layer_backward(DOUT, cache))


@graded("two_layer_loss")
def test_two_layer_loss(student, ref):
    _same("loss and grads", student.two_layer_loss(X, Y, PARAMS, reg=0.3), ref.two_layer_loss(X, Y, PARAMS, reg=0.3))


@graded("numerical_gradient")
def test_numerical_gradient(student, ref):
    def f(v):
        return float(np.sum(v ** 3))

    _same("grad", student.numerical_gradient(f, X), ref.numerical_gradient(f, X))


@graded("relative_error")
def test_relative_error(student, ref):
    _same("error", student.relative_error(X, X + 1e-3), ref.relative_error(X, X + 1e-3))


@graded("predict")
def test_predict(student, ref):
    _same("labels", student.predict(X, PARAMS), ref.predict(X, PARAMS))


@graded("train_two_layer")
def test_train_two_layer(student, ref):
    kw = dict(hidden_dim=5, lr=0.1, epochs=2, batch_size=2, reg=0.01)
    _same("params and history", student.train_two_layer(X, Y, rng=np.random.default_rng(3), **kw),
          ref.train_two_layer(X, Y, rng=np.random.default_rng(3), **kw))
