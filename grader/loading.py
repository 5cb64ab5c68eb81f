"""Locating the course and importing modules from files, for code that runs in the grader's process."""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.errors import UserError

_counter = itertools.count()


def find_course_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` that holds a course.yaml."""
    start = Path(start).resolve()
    for d in [start, *start.parents]:
        if (d / "course.yaml").is_file():
            return d
    raise UserError(f"no course.yaml found in {start} or any parent directory; run this inside the course repository")


def import_path(path: Path, prefix: str) -> ModuleType:
    """Import the Python file ``path`` under a fresh, unique module name starting with ``prefix``.

    Unique names keep a reference and a student copy of the same module from clashing in
    ``sys.modules``.
    """
    name = f"{prefix}{Path(path).stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


REF_PREFIX = "_grader_ref_"


_PARAMETER_NAMES: dict = {}  # reference functions (the same for every student) -> their names


def parameter_names(fn: Any) -> tuple[str, ...]:
    """Names of ``fn``'s positional parameters, in order; () when it has no readable signature."""
    try:
        return _PARAMETER_NAMES[fn]
    except (KeyError, TypeError):  # TypeError: an unhashable callable
        pass
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ()
    names = tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    if len(_PARAMETER_NAMES) < 1024:
        try:
            _PARAMETER_NAMES[fn] = names
        except TypeError:
            pass
    return names
