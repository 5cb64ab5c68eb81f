"""checks.memoized: a hidden test's pure computation on fixed inputs, once per grading process."""

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
