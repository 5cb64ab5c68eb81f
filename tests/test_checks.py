"""grader.checks: memoized and reference (computed once per grading process), and assert_close."""

import math
from fractions import Fraction

import numpy as np
import pytest

from grader.checks import memoized


def _counted():
    calls = []

    @memoized
    def runs(X, y, *, lr, epochs):
        calls.append((lr, epochs))
        return X * lr, {"loss": np.full(epochs, lr)}

    return runs, calls


def test_equal_inputs_are_computed_once_and_other_values_again():
    runs, calls = _counted()
    X, y = np.arange(6.0).reshape(3, 2), np.array([0, 1, 2])
    first = runs(X, y, lr=0.5, epochs=3)
    again = runs(X.copy(), y.copy(), epochs=3, lr=0.5)  # new arrays of the same values, keywords reordered
    assert again is first and len(calls) == 1
    runs(X, y, lr=0.25, epochs=3)
    runs(X.astype(np.float32), y, lr=0.5, epochs=3)  # same numbers, another dtype: another computation
    runs(X.reshape(2, 3), y, lr=0.5, epochs=3)       # same bytes, another shape
    runs(X + 1e-12, y, lr=0.5, epochs=3)
    assert len(calls) == 5
    assert runs(X, y, lr=np.float64(0.5), epochs=3) is not first  # a numpy scalar keys by its dtype too


def test_cached_arrays_are_read_only_so_a_test_cannot_change_them_for_the_next_student():
    runs, _ = _counted()
    out, history = runs(np.ones((2, 2)), np.zeros(2), lr=1.0, epochs=2)
    with pytest.raises(ValueError, match="read-only"):
        out += 1
    with pytest.raises(ValueError, match="read-only"):
        history["loss"][0] = 5.0


def test_generators_and_arbitrary_objects_are_refused():
    runs, calls = _counted()
    with pytest.raises(TypeError, match="Generator"):
        runs(np.ones(2), np.random.default_rng(0), lr=1.0, epochs=1)
    with pytest.raises(TypeError, match="object"):
        runs(np.ones(2), object(), lr=1.0, epochs=1)
    with pytest.raises(TypeError):
        runs(np.array([object()]), np.ones(2), lr=1.0, epochs=1)
    assert calls == []


def test_reference_reuses_a_seeded_reference_run_and_refuses_one_that_changes_its_inputs():
    from grader.checks import reference

    calls = []

    def train(X, *, lr, rng):
        calls.append(lr)
        return X * lr + rng.standard_normal(X.shape), {"loss": [lr]}

    X = np.arange(4.0)
    first = reference(train, X, lr=0.5, rng_seed=3)
    assert reference(train, X.copy(), rng_seed=3, lr=0.5) is first and calls == [0.5]
    expected = X * 0.5 + np.random.default_rng(3).standard_normal(4)  # the call got default_rng(rng_seed)
    assert np.array_equal(first[0], expected) and not first[0].flags.writeable
    assert reference(train, X, lr=0.5, rng_seed=4) is not first  # another seed, another run
    assert reference(train, X, lr=0.25, rng_seed=3) is not first
    assert len(calls) == 3

    def scribbles(X):
        X[0] = 99.0
        return X.sum()

    with pytest.raises(ValueError, match="scribbles modified its inputs"):
        reference(scribbles, np.ones(3))
    with pytest.raises(TypeError, match="Generator"):
        reference(train, X, lr=0.5, rng=np.random.default_rng(0))  # a Generator: pass rng_seed instead


def test_assert_close_decides_by_its_documented_rule_on_numbers_and_arrays_alike():
    """Passes exactly when every |a - e| <= atol + rtol * (|a| + |e|) with NaN and inf where the
    expected value has them, whichever shortcut decides: two floats, arrays, or the full check."""
    from grader.checks import assert_close

    def rule(a, e, rtol, atol):  # in exact arithmetic: no overflow, no rounding
        def ok(a, e):
            if math.isfinite(a) and math.isfinite(e):
                a, e = Fraction(a), Fraction(e)
                return abs(a - e) <= Fraction(atol) + Fraction(rtol) * (abs(a) + abs(e))
            return not math.isfinite(e) and (a == e or (math.isnan(a) and math.isnan(e)))

        a, e = np.asarray(a, dtype=np.float64).ravel(), np.asarray(e, dtype=np.float64).ravel()
        return all(ok(float(x), float(y)) for x, y in zip(a, e))

    rng = np.random.default_rng(0)
    edges = [0.0, -0.0, 1.0, 1e-12, 5e-13, np.inf, -np.inf, np.nan, 1e308, -1e308, 1.7e308]
    for _ in range(3000):
        e = rng.choice(edges) if rng.random() < 0.3 else rng.standard_normal() * 10.0 ** rng.integers(-3, 4)
        a = rng.choice(edges) if rng.random() < 0.2 else e * (1 + rng.choice([0, 1e-9, 1e-7, 2e-7, 1e-3]))
        rtol, atol = rng.choice([1e-7, 0.0, 1e-3]), rng.choice([1e-12, 0.0, 1e-3])
        kinds = [(float(a), float(e)), (np.float64(a), float(e)), (np.array([a, 1.0]), np.array([e, 1.0])),
                 (np.array(a), e)]
        for got, want in kinds:
            try:
                assert_close("x", got, want, rtol=rtol, atol=atol)
                passed = True
            except AssertionError:
                passed = False
            assert passed == rule(got, want, rtol, atol), (got, want, rtol, atol)
    assert_close("empty", np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(AssertionError, match="expected shape"):
        assert_close("empty", np.zeros((0, 3)), np.zeros((3, 0)))


def test_assert_close_passes_within_tolerance_and_explains_failures_without_values():
    from grader.checks import assert_close

    x = np.array([[1.0, -2.0], [3.0, 4.5]])
    assert_close("out", x * (1 + 1e-9), x)  # a relative error of 1e-9 passes at rtol 1e-7
    assert_close("out", x.astype(np.float32), x, rtol=1e-6)  # other float dtypes are compared as float64
    assert_close("n", np.array([1, 2]), [1.0, 2.0])  # ints, and an expected list
    assert_close("inf", np.array([np.inf, -np.inf, np.nan]), np.array([np.inf, -np.inf, np.nan]))
    x.flags.writeable = False
    assert_close("read-only", x, x)  # the actual value is never written to
    with pytest.raises(AssertionError, match=r"out: max relative error 1\.6e-02 \(tolerance 1e-07\); 1 of 4"):
        assert_close("out", x + np.array([[0, 0], [0.1, 0]]), x)
    with pytest.raises(AssertionError, match=r"expected shape \(2, 2\), got \(4,\)"):
        assert_close("out", x.ravel(), x)
    with pytest.raises(AssertionError, match="1 of 4 entries are NaN or infinite where finite"):
        assert_close("out", np.where(x > 4, np.nan, x), x)
    with pytest.raises(AssertionError, match="NaN/infinite entries are not where they should be"):
        assert_close("out", np.array([1.0, 2.0]), np.array([1.0, np.inf]))
    for got, want in (([np.inf], [5.0]), ([-np.inf], [np.inf]), ([np.nan], [np.inf])):  # inf <= inf once let these by
        with pytest.raises(AssertionError, match="out: "):
            assert_close("out", np.array(got), np.array(want))
    with pytest.raises(AssertionError, match="expected a numeric array or number, got"):
        assert_close("mask", x > 0, x > 0)  # booleans are not numbers here
    with pytest.raises(AssertionError, match="expected a numeric array or number"):
        assert_close("out", [1.0, 2.0], [1.0, 2.0])  # a student's list is not an array
