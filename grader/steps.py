"""What the worker and plain pytest both run: the step loop behind ``checks.iterate`` and the
warning recorder behind ``checks.call_quietly``.

Imported by the worker, so it imports only the standard library and numpy (all the worker
carries besides grader.codec); keeping one copy means a call graded in the worker and the same
call run in-process under plain pytest cannot drift apart.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

# numpy's default error handling, whatever the student's module set with np.seterr: underflow
# (harmless, and common in stable formulas) stays silent.
_NUMPY_DEFAULT_ERRORS = {"divide": "warn", "over": "warn", "invalid": "warn", "under": "ignore"}


def call_recording_warnings(fn: Callable, args, kwargs: dict) -> tuple[Any, list]:
    """``fn(*args, **kwargs)`` and every warning it emitted (``warnings.WarningMessage`` records),
    numpy's floating-point ones included, even where the module silenced them with ``np.seterr``
    or numpy would show each only once per line. A ``with np.errstate(...)`` inside ``fn`` still
    wins (it is entered after ours): a function that silences its own warnings emits none, and
    tests that look for warnings cannot tell it from one that never overflowed."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(**_NUMPY_DEFAULT_ERRORS):
        warnings.simplefilter("always")
        value = fn(*args, **kwargs)
    return value, list(caught)


def run_steps(fn: Callable, args: list, kwargs: dict, steps: list, carry: list,
              keep: Callable[[Any], Any]) -> list:
    """Call ``fn`` once per step and return ``keep(output)`` for each.

    ``steps`` is a list of ``[(key, value), ...]`` argument overrides (key: a position or a
    keyword); ``carry`` is ``[(key, index), ...]``: after each call, argument ``key`` becomes
    ``output[index]`` (the whole output when index is None). The loop stops early when an output
    cannot be indexed that way. ``keep`` snapshots each output as it is returned (encoding it, or
    deep-copying it), so later in-place changes by the function cannot rewrite earlier steps.
    """
    args = list(args)
    kwargs = dict(kwargs)

    def put(key, value) -> None:
        if isinstance(key, int) and 0 <= key < len(args):
            args[key] = value
        else:
            kwargs[str(key)] = value

    outputs = []
    for step in steps:
        for key, value in step:
            put(key, value)
        out = fn(*args, **kwargs)
        outputs.append(keep(out))
        fed = [(key, out if idx is None else out[idx]) for key, idx in carry
               if idx is None or (isinstance(out, (tuple, list)) and -len(out) <= idx < len(out))]
        if len(fed) < len(carry):
            break
        for key, value in fed:
            put(key, value)
    return outputs
