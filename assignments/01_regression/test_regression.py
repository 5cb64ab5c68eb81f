"""Public tests for 01_regression. Run: pytest assignments/01_regression  (or: grader check 01_regression).

They check small hand-computable cases and properties; the hidden tests check more (other inputs,
shapes, exact results, numerical stability), so passing these is necessary, not sufficient.
"""

import math

import numpy as np
import pytest

import regression as R


def numerical_gradient(f, x, h=1e-6):
    """Centred differences of the scalar function f at x."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x.copy())
        x[i] = old - h
        fm = f(x.copy())
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


# ---------------------------------------------------------------- preprocessing

def test_standardize_fit_small_example():
    X = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]])
    mean, std = R.standardize_fit(X)
    np.testing.assert_allclose(mean, [3.0, 2.0])
    # population std (divide by N = 3); the constant second column gets std 1
    np.testing.assert_allclose(std, [math.sqrt(8 / 3), 1.0])
    assert np.shape(mean) == (2,) and np.shape(std) == (2,)


def test_standardize_train_statistics_on_another_split():
    X_train = np.array([[0.0, 10.0], [2.0, 30.0]])
    X_test = np.array([[4.0, 20.0]])
    mean, std = R.standardize_fit(X_train)  # mean [1, 20], std [1, 10]
    np.testing.assert_allclose(R.standardize_apply(X_test, mean, std), [[3.0, 0.0]])
    Z = R.standardize_apply(X_train, mean, std)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)
    np.testing.assert_array_equal(X_train, [[0.0, 10.0], [2.0, 30.0]])  # input untouched


# ---------------------------------------------------------------- linear regression

def test_linear_forward():
    X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
    out = R.linear_forward(X, np.array([2.0, -1.0]), 0.5)
    np.testing.assert_allclose(out, [0.5, 1.5, 6.0])


def test_mse_loss_values():
    loss, dy = R.mse_loss(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]))
    assert float(loss) == pytest.approx(5 / 3)
    np.testing.assert_allclose(dy, [0.0, 2 / 3, 4 / 3])


def test_mse_loss_gradient_check():
    rng = np.random.default_rng(0)
    y_hat, y = rng.standard_normal(5), rng.standard_normal(5)
    _, dy = R.mse_loss(y_hat, y)
    num = numerical_gradient(lambda v: float(R.mse_loss(v, y)[0]), y_hat)
    np.testing.assert_allclose(dy, num, rtol=1e-6, atol=1e-9)


def test_closed_form_recovers_exact_line():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 2))
    y = X @ np.array([2.0, -1.0]) + 3.0
    w, b = R.linear_regression_closed_form(X, y)
    np.testing.assert_allclose(w, [2.0, -1.0], atol=1e-10)
    assert float(b) == pytest.approx(3.0)


def test_closed_form_minimum_norm_for_duplicated_column():
    x = np.linspace(-1.0, 1.0, 9)
    X = np.column_stack([x, x])  # rank deficient: any w1 + w2 = 2 fits y = 2x + 1
    w, b = R.linear_regression_closed_form(X, 2.0 * x + 1.0)
    np.testing.assert_allclose(w, [1.0, 1.0], atol=1e-10)  # the minimum-norm split
    assert float(b) == pytest.approx(1.0)


def test_linear_regression_gd_approaches_closed_form():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((100, 2))
    y = X @ np.array([1.0, -2.0]) + 0.5 + 0.1 * rng.standard_normal(100)
    w, b, losses = R.linear_regression_gd(X, y, lr=0.05, epochs=30, batch_size=10, rng=np.random.default_rng(0))
    w_cf, b_cf = R.linear_regression_closed_form(X, y)
    best = np.mean((X @ w_cf + b_cf - y) ** 2)
    assert len(losses) == 30
    assert losses[-1] < losses[0]
    assert losses[-1] == pytest.approx(np.mean((X @ w + b - y) ** 2))  # full-data MSE after the last epoch
    assert losses[-1] <= 1.5 * best


# ---------------------------------------------------------------- sigmoid, BCE, logistic regression

def test_sigmoid_values_and_symmetry():
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    s = R.sigmoid(z)
    assert s[2] == 0.5
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(R.sigmoid(-z), 1 - s)


def test_sigmoid_large_inputs_no_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = R.sigmoid(np.array([1e4, -1e4, 800.0, -800.0]))
    assert s[0] == 1.0 and s[2] == 1.0
    assert 0.0 <= s[1] <= 1e-300 and 0.0 <= s[3] <= 1e-300


def test_bce_with_logits_at_zero():
    y = np.array([1.0, 0.0, 1.0, 0.0])
    loss, dz = R.bce_with_logits(np.zeros(4), y)
    assert float(loss) == pytest.approx(math.log(2))
    np.testing.assert_allclose(dz, (0.5 - y) / 4)


def test_bce_with_logits_large_logits_are_finite():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, _ = R.bce_with_logits(np.array([1e4, -1e4]), np.array([0.0, 0.0]))
    assert float(loss) == pytest.approx(1e4 / 2)  # the first sample is wrong by a margin of 1e4


def test_bce_with_logits_gradient_check():
    rng = np.random.default_rng(3)
    z, y = rng.standard_normal(5), np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    _, dz = R.bce_with_logits(z, y)
    num = numerical_gradient(lambda v: float(R.bce_with_logits(v, y)[0]), z)
    np.testing.assert_allclose(dz, num, rtol=1e-6, atol=1e-9)


def test_logistic_regression_gd_learns_and_reg_shrinks():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((50, 2))
    y = (X[:, 0] - X[:, 1] > 0).astype(np.float64)
    w, b, losses = R.logistic_regression_gd(X, y, lr=0.5, epochs=50)
    assert len(losses) == 50 and losses[-1] < losses[0] < math.log(2)
    assert np.mean((X @ w + b > 0) == y) >= 0.95
    w_reg, _, _ = R.logistic_regression_gd(X, y, lr=0.5, epochs=50, reg=1.0)
    assert np.linalg.norm(w_reg) < np.linalg.norm(w)


# ---------------------------------------------------------------- softmax and cross-entropy

def test_softmax_rows_and_shift_invariance():
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    P = R.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P[1], [1 / 3] * 3)
    np.testing.assert_allclose(R.softmax(Z + 100.0), P)


def test_softmax_large_logits_no_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = R.softmax(np.array([[1e4, 1e4, -1e4]]))
    np.testing.assert_allclose(P, [[0.5, 0.5, 0.0]])


def test_softmax_cross_entropy_uniform_logits():
    loss, dZ = R.softmax_cross_entropy(np.zeros((2, 4)), np.array([1, 3]))
    assert float(loss) == pytest.approx(math.log(4))
    np.testing.assert_allclose(dZ, [[0.125, -0.375, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]])


def test_softmax_cross_entropy_large_logits_are_exact():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dZ = R.softmax_cross_entropy(np.array([[1e4, 0.0]]), np.array([1]))
    assert float(loss) == pytest.approx(1e4)  # -log softmax = logsumexp(z) - z_y, finite
    np.testing.assert_allclose(dZ, [[1.0, -1.0]])


def test_softmax_cross_entropy_gradient_check():
    rng = np.random.default_rng(5)
    Z, y = rng.standard_normal((3, 4)), np.array([0, 3, 1])
    _, dZ = R.softmax_cross_entropy(Z, y)
    num = numerical_gradient(lambda v: float(R.softmax_cross_entropy(v, y)[0]), Z)
    np.testing.assert_allclose(dZ, num, rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------- information theory

def test_entropy_uniform_onehot_and_batch():
    p = np.array([[0.25, 0.25, 0.25, 0.25], [0.0, 1.0, 0.0, 0.0]])
    H = R.entropy(p)
    assert np.shape(H) == (2,)
    np.testing.assert_allclose(H, [math.log(4), 0.0], atol=1e-15)  # 0 log 0 = 0, not NaN


def test_cross_entropy_and_kl_relations():
    p = np.array([0.5, 0.5, 0.0])
    q = np.array([0.25, 0.25, 0.5])
    assert float(R.cross_entropy(p, q)) == pytest.approx(math.log(4))
    assert float(R.kl_divergence(p, q)) == pytest.approx(math.log(2))
    assert float(R.kl_divergence(p, p)) == pytest.approx(0.0, abs=1e-15)
    assert float(R.kl_divergence(p, q)) == pytest.approx(float(R.cross_entropy(p, q) - R.entropy(p)))
    assert float(R.kl_divergence(q, p)) == math.inf  # KL is not symmetric (q puts mass where p has none)


def test_accuracy_small_example():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert R.accuracy(scores, np.array([1, 1, 1])) == pytest.approx(2 / 3)


# ---------------------------------------------------------------- softmax regression

def test_softmax_regression_train_separates_three_blobs():
    rng = np.random.default_rng(6)
    centers = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0]])
    y = rng.integers(0, 3, 150)
    X = centers[y] + 0.7 * rng.standard_normal((150, 2))
    W, b, history = R.softmax_regression_train(X, y, 3, lr=0.1, epochs=10, batch_size=16, reg=1e-3,
                                               rng=np.random.default_rng(0))
    assert W.shape == (2, 3) and b.shape == (3,)
    assert len(history["loss"]) == 10 and history["loss"][-1] < history["loss"][0]
    assert R.accuracy(X @ W + b, y) >= 0.95


# ---------------------------------------------------------------- randomness only from rng

def global_random_state():
    """numpy's global random state (what np.random.seed and np.random.permutation change), comparable with ==."""
    _, key, pos, has_gauss, gauss = np.random.get_state()
    return key.tobytes(), pos, has_gauss, gauss


@pytest.mark.parametrize("name", ["linear_regression_gd", "softmax_regression_train"])
def test_training_shuffles_only_with_rng(name):
    data = np.random.default_rng(7)
    X, y = data.standard_normal((30, 2)), data.integers(0, 3, 30)

    def train(seed):
        if name == "linear_regression_gd":
            return R.linear_regression_gd(X, y.astype(float), lr=0.05, epochs=3, batch_size=4,
                                          rng=np.random.default_rng(seed))[0]
        return R.softmax_regression_train(X, y, 3, lr=0.1, epochs=3, batch_size=4, reg=0.0,
                                          rng=np.random.default_rng(seed))[0]

    np.random.seed(12345)  # a global state that no earlier call has left behind
    before = global_random_state()
    first = train(0)
    untouched = global_random_state() == before  # (a bool: pytest would print both states, 2.5 kB each)
    assert untouched, \
        f"{name} used numpy's global random state (np.random.seed / permutation / shuffle): shuffle with rng"
    np.testing.assert_array_equal(train(0), first,
                                  err_msg=f"{name}: the same rng gave other weights: shuffle only with rng")

