"""Helpers for writing hidden tests.

A hidden test is a plain function named ``test_*`` taking the arguments ``student`` (the submission's
module: a proxy into the isolated worker when graded, the imported module under plain pytest) and
``ref`` (the reference module, always in the grader's process). It is tagged with the one student
function it grades::

    @graded("scale_backward", weight=2)
    def test_scale_backward_example(student, ref):
        for seed in (0, 1, 2):
            ...
            dx, dk = unpack(student.scale_backward(dout, cache), 2, "scale_backward")
            assert_close("dk", dk, dk_ref)

Every helper raises ``AssertionError`` with feedback that names the output, the error measure and
the tolerance, never a hidden input or an expected value. The helpers work the same whether
``student`` is a proxy or a real module, so the same test file runs under the grader and under
plain pytest. The message of an ``assert`` written in a test reaches students as it is: it must not
quote an input or an expected value either.
"""

from __future__ import annotations

import copy
import functools
import math
import operator
import sys
import types
from typing import Any, Callable

import numpy as np

from grader.errors import GlobalRandomUsed, StudentError, WorkerLost
from grader.loading import parameter_names
from grader.steps import call_recording_warnings, run_steps

__all__ = [
    "graded",
    "assert_close",
    "assert_equal",
    "assert_shape",
    "assert_scalar",
    "as_float",
    "unpack",
    "call_unchanged",
    "call_quietly",
    "expect_raises",
    "numeric_grad",
    "numeric_grad_array",
    "numeric_grad_call",
    "call_each",
    "iterate",
    "describe",
    "memoized",
    "reference",
    "small_shape",
]


def graded(function: str, weight: float = 1.0):
    """Mark a test as grading the student function ``function``.

    The function's points (course.yaml) are split among its tests in proportion to ``weight``.
    """
    if weight <= 0:
        raise ValueError("weight must be positive")

    def mark(test):
        test.grader_function = function
        test.grader_weight = float(weight)
        return test

    return mark


def describe(value: Any) -> str:
    """A short type description of a returned value that reveals no numbers."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a NumPy scalar of dtype {value.dtype}"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, (int, float)):
        return f"a Python {type(value).__name__}"
    if isinstance(value, tuple):
        return f"a tuple of length {len(value)}"
    if isinstance(value, list):
        return f"a list of length {len(value)}"
    if isinstance(value, dict):
        # its keys are the student's strings, which could spell out the hidden inputs: only their count
        return f"a dict with {len(value)} key{'' if len(value) == 1 else 's'}"
    proxy = sys.modules.get("grader.proxy")  # loaded whenever a worker exists, and only then can a Handle
    if proxy is not None and isinstance(value, proxy.Handle):
        # a value the codec refused, kept in the worker: its type is unknown here, so name the usual ones
        return ("a value the grader cannot read back (an array of dtype object, e.g. from np.frompyfunc, a "
                "generator, a set, an object of your own class?); return NumPy arrays of numbers")
    return f"an object of type {type(value).__name__}"


def _as_numeric_array(name: str, value: Any) -> np.ndarray:
    if type(value) is np.ndarray and value.dtype.kind in "iuf":  # the common case, first
        return value
    if isinstance(value, (np.ndarray, np.generic, int, float)) and not isinstance(value, (bool, np.bool_)):
        arr = np.asarray(value)
        if arr.dtype.kind in "iuf":
            return arr
    raise AssertionError(f"{name}: expected a numeric array or number, got {describe(value)}")


def assert_shape(name: str, actual: Any, shape: tuple[int, ...]) -> None:
    """``actual`` is a numeric array (or number) of exactly ``shape``."""
    arr = _as_numeric_array(name, actual)
    if arr.shape != tuple(shape):
        raise AssertionError(f"{name}: expected shape {tuple(shape)}, got {arr.shape}")


_PLAIN_FLOATS = (float, np.float64)  # exact types: no subclass with its own arithmetic


def assert_close(name: str, actual: Any, expected: Any, *, rtol: float = 1e-7, atol: float = 1e-12) -> None:
    """``actual`` matches ``expected`` in shape exactly and in value within tolerance.

    An entry passes when ``|a - e| <= atol + rtol * (|a| + |e|)``; NaN or inf must sit exactly
    where the expected value has them. Feedback gives the worst relative error
    ``|a - e| / (|a| + |e|)`` and how many entries fail, never the values themselves.
    """
    # Hidden tests make hundreds of these checks per student, so the common case, everything
    # finite and within tolerance, is decided first in as few operations as possible; anything
    # else (NaN, inf, a miss, another type) falls through to the full check below, which decides.
    if type(actual) in _PLAIN_FLOATS and type(expected) in _PLAIN_FLOATS:
        # Two numbers (a loss, a scalar output): Python floats, which never warn. NaN compares
        # false; inf - x is inf, excluded because inf <= atol + rtol * inf would hold.
        a, e, r = float(actual), float(expected), float(rtol)
        d = abs(a - e)
        if d <= atol + (r * abs(a) + r * abs(e)) and d != math.inf:
            return
    exp = np.asarray(expected, dtype=np.float64)
    arr = _as_numeric_array(name, actual)
    if arr.shape != exp.shape:
        raise AssertionError(f"{name}: expected shape {exp.shape}, got {arr.shape}")
    a = arr.astype(np.float64, copy=False)  # never written to
    if not a.size:
        return
    try:
        with np.errstate(invalid="ignore", over="raise"):
            # max(diff - tol) <= 0 exactly when every diff <= tol (a float difference is never
            # rounded to the wrong sign), in one reduction. NaN propagates through max and fails,
            # and so does inf (inf - inf is NaN). An overflow (values near 1e308) leaves it to the
            # full check, which computes the tolerance without overflowing.
            diff = np.abs(a - exp)
            tol = np.abs(a)
            tol += np.abs(exp)
            tol *= rtol
            tol += atol
            diff -= tol
            if diff.max() <= 0:
                return
    except FloatingPointError:
        pass
    finite_e = np.isfinite(exp)
    if np.any(~np.isfinite(a) & finite_e):
        bad = int(np.sum(~np.isfinite(a) & finite_e))
        raise AssertionError(f"{name}: {bad} of {a.size} entries are NaN or infinite where finite values are expected")
    if np.any(finite_e != np.isfinite(a)) or np.any(np.isnan(exp) != np.isnan(a)):
        raise AssertionError(f"{name}: NaN/infinite entries are not where they should be")
    with np.errstate(invalid="ignore", over="ignore"):
        same_inf = (~finite_e) & (a == exp) | np.isnan(exp) & np.isnan(a)
        diff = np.where(finite_e, np.abs(a - exp), 0.0)
        scale = np.where(finite_e, np.abs(a) + np.abs(exp), 0.0)
        # rtol * |a| + rtol * |e|, not rtol * scale: the sum of two huge values overflows to inf
        fail = finite_e & (diff > atol + (rtol * np.abs(np.where(finite_e, a, 0.0)) + rtol * np.abs(exp)))
    fail |= ~finite_e & ~same_inf
    if np.any(fail):
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), np.inf)
        worst = float(np.max(rel[fail])) if np.any(fail & finite_e) else float("inf")
        raise AssertionError(
            f"{name}: max relative error {worst:.1e} (tolerance {rtol:.0e}); "
            f"{int(np.sum(fail))} of {a.size} entries differ"
        )


def assert_equal(name: str, actual: Any, expected: Any) -> None:
    """Exact equality of arrays, numbers or nested tuples/lists (shape and values; ints vs floats ok)."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            raise AssertionError(f"{name}: expected a sequence of length {len(expected)}, got {describe(actual)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_equal(f"{name}[{i}]", a, e)
        return
    exp = np.asarray(expected)
    if isinstance(actual, (np.ndarray, np.generic, int, float, bool)):
        arr = np.asarray(actual)
    else:
        raise AssertionError(f"{name}: expected {'an array' if exp.ndim else 'a number'}, got {describe(actual)}")
    if arr.shape != exp.shape:
        raise AssertionError(f"{name}: expected shape {exp.shape}, got {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise AssertionError(f"{name}: expected numbers, got dtype {arr.dtype}")
    wrong = arr != exp
    if np.any(wrong):
        raise AssertionError(f"{name}: {int(np.sum(wrong))} of {max(exp.size, 1)} entries are wrong")


def as_float(name: str, value: Any) -> float:
    """A loss-like scalar: a Python number, NumPy scalar or 0-d array, returned as float."""
    if isinstance(value, (bool, np.bool_)):
        raise AssertionError(f"{name}: expected a number, got a bool")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        return float(value)
    raise AssertionError(f"{name}: expected a scalar (float or 0-d array), got {describe(value)}")


def assert_scalar(name: str, value: Any) -> float:
    """``value`` is a finite scalar; returns it as a float."""
    v = as_float(name, value)
    if not math.isfinite(v):
        raise AssertionError(f"{name}: expected a finite number, got {v}")
    return v



def stable_or_formula_hint(fn: Callable, ref_fn: Callable, moderate_args: tuple, name: str, stability_hint: str,
                           formula: str) -> str:
    """The hint for a loss ``fn`` (returning ``(loss, grad)``) that is finite but wrong at extreme inputs:
    ``stability_hint`` when it is right at ``moderate_args`` (the same inputs scaled down), else its
    formula, since a loss wrong there too has another mistake that the stability hint would hide.
    One more student call, made only for a failing loss."""
    try:
        loss = as_float("loss", unpack(fn(*moderate_args), 2, name)[0])
    except GlobalRandomUsed:
        raise
    except (StudentError, AssertionError):
        return stability_hint
    loss_ref = ref_fn(*moderate_args)[0]
    if abs(loss - loss_ref) <= 1e-6 * abs(loss_ref):
        return stability_hint
    return f"the loss is wrong at moderate logits too: {formula}"


def unpack(result: Any, n: int, function: str) -> tuple:
    """Check that ``result`` is a tuple (or list) of ``n`` items and return it as a tuple."""
    if not isinstance(result, (tuple, list)) or len(result) != n:
        raise AssertionError(f"{function} must return a tuple of {n} values, got {describe(result)}")
    return tuple(result)


def _snapshot(value: Any) -> Any:
    """A deep copy of everything a function must not modify (generators are meant to advance)."""
    if isinstance(value, np.random.Generator):
        return _SKIP
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return copy.copy(value)


_SKIP = object()


def _same(before: Any, after: Any) -> bool:
    if before is _SKIP:
        return True
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape and before.dtype == after.dtype
                and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, dict):
        return (isinstance(after, dict) and before.keys() == after.keys()
                and all(_same(before[k], after[k]) for k in before))
    if isinstance(before, (list, tuple)):
        return (type(before) is type(after) and len(before) == len(after)
                and all(_same(b, a) for b, a in zip(before, after)))
    if isinstance(before, (int, float, complex, str, bytes, bool, np.generic)) or before is None:
        # Scalars inside a dict or list (Adam's state["t"]) are compared too; NaN equals NaN.
        return type(before) is type(after) and (before == after or (before != before and after != after))
    return True


def _arguments(fn: Callable, labels: list[str]) -> str:
    """"'x'" or "'x' and 'cache'" for the modified arguments: positional ones (labelled by index)
    named by the signature (the reference's under the grader), "argument 3" where none is known."""
    names = getattr(fn, "parameters", None)
    if names is None:
        names = parameter_names(fn)
    words = []
    for label in labels:
        if not label.isdigit():
            words.append(f"'{label}'")
        elif int(label) < len(names):
            words.append(f"'{names[int(label)]}'")
        else:
            words.append(f"argument {int(label) + 1}")
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


def call_unchanged(fn: Callable, *args, **kwargs):
    """Call a student function and fail if it modified any array, list or dict argument.

    Under the grader the worker compares each argument's bytes before and after the call; under
    plain pytest the arguments are deep-copied and compared here.
    """
    name = getattr(fn, "__name__", "function")
    checked = getattr(fn, "call_checked", None)
    if checked is not None:
        result, mutated = checked(args, kwargs)
    else:
        before = [(str(i), _snapshot(a), a) for i, a in enumerate(args)]
        before += [(k, _snapshot(v), v) for k, v in kwargs.items()]
        result = fn(*args, **kwargs)
        mutated = [label for label, snap, value in before if not _same(snap, value)]
    if mutated:
        raise AssertionError(f"{name} modified its input {_arguments(fn, mutated)}; "
                             "functions must not change their arguments")
    return result


def call_quietly(fn: Callable, *args, **kwargs):
    """Call a student function and fail if it emitted any warning, e.g. numpy's "overflow
    encountered in exp" from a sigmoid that is not numerically stable.

    Under the grader the worker records the warnings; under plain pytest they are recorded here.
    Either way every warning counts, even one that numpy would show only once per line or that the
    module silenced with ``np.seterr``.
    """
    name = getattr(fn, "__name__", "function")
    quietly = getattr(fn, "call_quietly", None)
    if quietly is not None:
        result, caught = quietly(args, kwargs)
    else:
        result, records = call_recording_warnings(fn, args, kwargs)
        caught = [f"{r.category.__name__}: {r.message}" for r in records]
    if caught:
        raise AssertionError(f"{name} emitted a warning ({caught[0]}): a numerically stable version emits "
                             "none (no overflow, no division by zero, no log of 0)")
    return result


def expect_raises(exc_name: str, fn: Callable, *args, **kwargs) -> None:
    """The call must raise an exception of class ``exc_name`` (e.g. "ValueError") or a subclass."""
    name = getattr(fn, "__name__", "function")
    try:
        fn(*args, **kwargs)
    except GlobalRandomUsed:
        raise  # it returned, but broke the rule on randomness: reported as such
    except WorkerLost:
        raise  # the zygote died under the worker: the test runs again
    except StudentError as err:  # graded: the exception happened in the worker
        if err.is_a(exc_name):
            return
        if err.is_a("NotImplementedError"):
            raise  # reported as "not implemented yet", not as a wrong exception
        raise AssertionError(f"{name} should raise {exc_name} here, but raised {err.type_name}") from None
    except NotImplementedError:
        if exc_name == "NotImplementedError":
            return
        raise
    except Exception as err:  # plain pytest: a real exception
        if exc_name in [c.__name__ for c in type(err).__mro__]:
            return
        raise AssertionError(f"{name} should raise {exc_name} here, but raised {type(err).__name__}") from None
    raise AssertionError(f"{name} should raise {exc_name} for this input, but returned normally")


def _fresh_generators(value: Any) -> Any:
    """``value`` with every Generator (at any depth of tuples, lists, dicts) replaced by a copy."""
    if isinstance(value, np.random.Generator):
        return copy.deepcopy(value)
    if isinstance(value, dict):
        return {k: _fresh_generators(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_fresh_generators(v) for v in value)
    return value


def small_shape(shape: Any, max_size: int = 1_000_000) -> tuple[int, ...]:
    """``shape`` as a tuple of ints, for a test helper that the student's code calls with a shape
    (e.g. an ``init(shape, rng)`` passed to the student's function): the helper runs in the
    grader, so a shape of 10**5 x 10**5 must be refused, not allocated. ValueError unless it has
    at most 8 non-negative dimensions and at most ``max_size`` elements."""
    try:
        dims = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise ValueError("shape must be a tuple of integers") from None
    if len(dims) > 8 or any(d < 0 for d in dims) or math.prod(dims) > max_size:
        raise ValueError(f"shape must have at most 8 non-negative dimensions and {max_size} elements")
    return dims


def _memo_key(value: Any) -> Any:
    """A hashable key equal for equal plain inputs (arrays by dtype, shape and bytes); TypeError for
    anything else (a Generator, whose state a cached result would not advance)."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biufc":
        return ("nd", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, *(_memo_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", *((k, _memo_key(v)) for k, v in sorted(value.items())))
    if value is None or type(value) in (bool, int, float, str, bytes, types.ModuleType, types.FunctionType):
        return value  # (a module or function by identity: a grading process imports each once)
    raise TypeError(f"memoized: cannot key a {type(value).__name__}")


def _frozen(value: Any) -> Any:
    """``value`` with its arrays made read-only, so a test that changed a cached result fails loudly
    instead of handing the change to the next student."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (tuple, list)):
        for v in value:
            _frozen(v)
    elif isinstance(value, dict):
        for v in value.values():
            _frozen(v)
    return value


def memoized(fn: Callable) -> Callable:
    """Cache a test's own pure computation on fixed inputs (e.g. every possible run of a training
    loop, a reference result on seeded data) for the rest of the grading process.

    grade-all grades many students in one process with the hidden suites imported once, so a
    deterministic expected value is then computed once per process instead of once per student.
    Arguments must be plain values (numbers, strings, arrays, modules and functions, these two by
    identity, and lists, tuples or dicts of them); the cached result's arrays are read-only. Never
    use it on student calls or on anything that draws from a Generator.
    """
    cache: dict = {}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        key = _memo_key((args, kwargs))
        try:
            return cache[key]
        except KeyError:
            pass
        value = _frozen(fn(*args, **kwargs))
        if len(cache) < 256:
            cache[key] = value
        return value

    return wrapper


_REFERENCE_RESULTS: dict = {}


def reference(fn: Callable, *args: Any, rng_seed: int | None = None, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, a reference function on fixed inputs, computed once per grading
    process as with :func:`memoized` (same plain arguments; the result's arrays are read-only).
    With ``rng_seed`` the call also gets ``rng=np.random.default_rng(rng_seed)``, so a seeded
    reference run is reused too::

        W_ref, b_ref, _ = reference(ref.train, X, y, rng_seed=seed, lr=0.5)

    ``fn`` must leave its inputs unchanged, since a reused result would skip that change: if it
    does change them, ValueError (a mistake in the test, not the student's).
    """
    key = _memo_key((fn, args, kwargs, rng_seed))
    try:
        return _REFERENCE_RESULTS[key]
    except KeyError:
        pass
    call_kwargs = kwargs if rng_seed is None else dict(kwargs, rng=np.random.default_rng(rng_seed))
    value = fn(*args, **call_kwargs)
    if _memo_key((fn, args, kwargs, rng_seed)) != key:
        raise ValueError(f"reference: {getattr(fn, '__name__', fn)} modified its inputs, so its result "
                         "cannot be reused: call it directly")
    value = _frozen(value)
    if len(_REFERENCE_RESULTS) < 4096:
        _REFERENCE_RESULTS[key] = value
    return value


def call_each(fn: Callable, calls: list[tuple[tuple, dict]], output: int | None = None) -> list:
    """``[fn(*args, **kwargs) for args, kwargs in calls]``, in ONE round trip to the worker when
    graded. Statistical tests use it to draw many samples cheaply: give each call its own
    ``np.random.default_rng(seed)``. Each call gets a copy of a Generator's current state and the
    Generators passed in are not advanced, under the grader and under plain pytest alike.

    ``output=k`` keeps only item ``k`` of each returned tuple (e.g. ``output=0`` drops a forward's
    cache, which is costly to send back); a call that did not return a tuple or list that long
    fails the test with a message saying what it returned.
    """
    batch = getattr(fn, "map", None)
    if batch is not None:
        values = batch(list(calls)) if output is None else batch(list(calls), output=output)
    else:
        values = [fn(*_fresh_generators(tuple(a)), **_fresh_generators(dict(k))) for a, k in calls]
    if output is None or getattr(values, "selected", False):
        return list(values)
    name = getattr(fn, "__name__", "function")
    for v in values:
        if not (isinstance(v, (tuple, list)) and -len(v) <= output < len(v)):
            raise AssertionError(f"{name} must return a tuple whose item {output} is checked here, "
                                 f"got {describe(v)}")
    return [v[output] for v in values]


def iterate(fn: Callable, args: tuple, steps: list[dict], carry: dict, kwargs: dict | None = None) -> list:
    """Call ``fn`` once per step, feeding outputs into the next call, in ONE round trip when graded.

    ``steps[t]`` maps argument positions or keywords to values for step ``t`` (e.g. ``{1: dw_t}``);
    ``carry`` maps positions or keywords to the output index that feeds them next (``None`` for
    the whole output). An optimizer loop ``w, config = adam(w, dw_t, config)`` is::

        outs = iterate(student.adam, (w0, None, None), [{1: g} for g in grads], {0: 0, 2: 1})

    A Generator in ``args`` or ``kwargs`` is the same object at every step, as in a training
    loop: each step draws where the previous one stopped, and the Generator passed in ends
    advanced by all of them (under the grader too). Generators cannot be step values.

    Returns each step's output as it was when that step returned (deep-copied, so later in-place
    changes do not rewrite it). The loop stops early when an output is not a tuple or list long
    enough to carry from; check ``len(outs)`` and each output with :func:`unpack`.
    """
    kwargs = dict(kwargs or {})
    plan = [sorted(step.items(), key=lambda kv: str(kv[0])) for step in steps]
    feed = sorted(carry.items(), key=lambda kv: str(kv[0]))
    keys = {k for step in plan for k, _ in step} | {k for k, _ in feed}
    bad = sorted(str(k) for k in keys if not (isinstance(k, str) or (isinstance(k, int) and 0 <= k < len(args))))
    if bad:
        raise ValueError(f"iterate: argument positions {', '.join(bad)} are not in args (length {len(args)})")
    if any(isinstance(v, np.random.Generator) for step in plan for _, v in step):
        raise ValueError("iterate: a Generator cannot be a step value; pass it in args, and every step draws from it")
    remote = getattr(fn, "iterate", None)
    if remote is not None:
        return remote(tuple(args), kwargs, plan, feed)
    return run_steps(fn, list(args), kwargs, plan, feed, copy.deepcopy)


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Centred-difference gradient of a scalar function ``f`` at ``x`` (``x`` is left unchanged)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = float(f(x.copy()))
        x[i] = old - h
        fm = float(f(x.copy()))
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def numeric_grad_array(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray,
                       h: float = 1e-6) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x`` by centred differences.

    ``f`` returns an array (e.g. ``lambda x: student.tanh_forward(x)[0]``); this is how a layer's
    backward is checked against its own forward.
    """
    dout = np.asarray(dout, dtype=np.float64)
    return numeric_grad(lambda z: float(np.sum(np.asarray(f(z), dtype=np.float64) * dout)), x, h)


def numeric_grad_call(fn: Callable, args: tuple, wrt: int | str | tuple = 0, *, dout: Any = None,
                      output: int | None = None, kwargs: dict | None = None, h: float = 1e-6) -> np.ndarray:
    """Centred-difference gradient of a (student) function with respect to one of its arguments.

    Differentiates ``sum(out * dout)`` where ``out = fn(*args, **kwargs)``, or ``out[output]`` when
    the function returns a tuple (e.g. ``output=0`` for a forward's ``(out, cache)``); with ``dout``
    None the output must be a scalar (a loss). ``wrt`` is the position of the argument, or its
    keyword, or ``(position_or_keyword, key)`` for one entry of a dict argument (e.g.
    ``(2, "W1")`` for ``params["W1"]``). All 2n perturbed calls go to the worker in ONE round trip
    (``fn.map``) when ``fn`` is a graded student function, and one by one otherwise; the
    differences are computed here either way, so the worker only ever reports function values.

    Example: ``dx_num = numeric_grad_call(student.tanh_forward, (x,), 0, dout=dout, output=0)``.
    """
    kwargs = dict(kwargs or {})
    outer, inner = wrt if isinstance(wrt, tuple) else (wrt, None)
    container = kwargs[outer] if isinstance(outer, str) else args[outer]
    base = container if inner is None else container[inner]
    x = np.array(base, dtype=np.float64)
    calls = []
    for i in np.ndindex(x.shape):
        for step in (h, -h):
            z = x.copy()
            z[i] += step
            value = z if inner is None else {**container, inner: z}
            if isinstance(outer, str):
                calls.append((tuple(args), {**kwargs, outer: value}))
            else:
                calls.append((tuple(args[:outer]) + (value,) + tuple(args[outer + 1:]), dict(kwargs)))
    results = call_each(fn, calls, output=output)
    name = getattr(fn, "__name__", "function")
    d = None if dout is None else np.asarray(dout, dtype=np.float64)

    def scalar(out: Any) -> float:
        if d is None:
            return as_float(f"{name} output", out)
        arr = _as_numeric_array(f"{name} output", out)
        if arr.shape != d.shape:
            raise AssertionError(f"{name}: expected output shape {d.shape}, got {arr.shape}")
        return float(np.sum(arr * d))

    values = np.array([scalar(r) for r in results], dtype=np.float64).reshape(x.shape + (2,)) if x.size else np.zeros(x.shape + (2,))
    return (values[..., 0] - values[..., 1]) / (2 * h)
