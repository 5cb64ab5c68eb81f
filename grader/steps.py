"""The step loop behind ``checks.iterate``, shared by the worker and plain pytest.

Imported by the worker, so it imports nothing (the worker carries only the standard library, numpy
and grader.codec); keeping one copy means a loop graded in the worker and the same loop run
in-process under plain pytest cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Callable


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
