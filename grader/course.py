"""course.yaml: one typed, validated schema.

Unknown keys are rejected, and every error names the key path, the bad value and its line in the
file, e.g. ``course.yaml:42: assignments[2].points.affine_forward: Input should be a valid number
(got 'two')``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from grader.errors import UserError

_ID = re.compile(r"^[0-9]{2}_[a-z][a-z0-9_]*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """Resource limits of the worker that runs student code."""

    call_seconds: float = Field(10.0, gt=0, le=3600, description="wall-clock limit of one call")
    test_seconds: float = Field(60.0, gt=0, le=7200, description="wall-clock limit of one hidden test")
    memory_mb: int = Field(1024, ge=256, le=65536, description="address-space limit of the worker")


class LimitsOverride(_Strict):
    call_seconds: float | None = Field(None, gt=0, le=3600)
    test_seconds: float | None = Field(None, gt=0, le=7200)
    memory_mb: int | None = Field(None, ge=256, le=65536)


class LatePolicy(_Strict):
    penalty_per_day: float = Field(0.0, ge=0, le=100, description="percent lost per started day late")
    max_penalty: float = Field(100.0, ge=0, le=100, description="cap on the penalty, percent")
    grace_minutes: float = Field(0.0, ge=0, description="lateness forgiven")


class Assignment(_Strict):
    id: str = Field(description="folder name under assignments/ and solutions/, e.g. 03_backprop")
    title: str
    module: str = Field(description="module name, without .py")
    due: dt.datetime | None = None
    limits: LimitsOverride = LimitsOverride()
    late_policy: LatePolicy | None = None
    points: dict[str, float] = Field(description="points of each graded student function")

    @field_validator("id")
    @classmethod
    def _id_form(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must look like 03_backprop (two digits, underscore, lowercase name)")
        return v

    @field_validator("module")
    @classmethod
    def _module_form(cls, v: str) -> str:
        if not _IDENT.match(v):
            raise ValueError("must be a Python module name without .py")
        return v

    @field_validator("points")
    @classmethod
    def _points_form(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("must list at least one function")
        for name, pts in v.items():
            if not _IDENT.match(name):
                raise ValueError(f"{name!r} is not a function name")
            if pts <= 0:
                raise ValueError(f"points of {name} must be positive")
        return v

    @property
    def max_score(self) -> float:
        return float(sum(self.points.values()))


class Course(_Strict):
    name: str
    allowed_imports: list[str] = Field(default_factory=lambda: ["numpy", "math", "scipy.special"])
    limits: Limits = Limits()
    late_policy: LatePolicy = LatePolicy()
    assignments: list[Assignment]

    @model_validator(mode="after")
    def _unique_ids(self) -> "Course":
        seen: set[str] = set()
        for a in self.assignments:
            if a.id in seen:
                raise ValueError(f"assignment id {a.id!r} appears twice")
            seen.add(a.id)
        return self

    def assignment(self, aid: str) -> Assignment:
        for a in self.assignments:
            if a.id == aid:
                return a
        known = ", ".join(a.id for a in self.assignments)
        raise UserError(f"unknown assignment {aid!r}; course.yaml defines: {known}")

    def limits_for(self, a: Assignment) -> Limits:
        override = {k: v for k, v in a.limits.model_dump().items() if v is not None}
        return self.limits.model_copy(update=override)

    def late_policy_for(self, a: Assignment) -> LatePolicy:
        return a.late_policy or self.late_policy


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping key and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = {}
    lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) or key is None:
            raise yaml.constructor.ConstructorError(None, None, "mapping keys must be plain words",
                                                    key_node.start_mark)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    loader.line_index[id(mapping)] = (node.start_mark.line + 1, lines)
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> list:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    loader.line_index[id(items)] = (node.start_mark.line + 1, {i: c.start_mark.line + 1 for i, c in enumerate(node.value)})
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _line_of(data: Any, loc: tuple, index: dict) -> int | None:
    """The line of the deepest key of ``loc`` found in ``data``."""
    line = index.get(id(data), (None, {}))[0]
    node = data
    for part in loc:
        entry = index.get(id(node))
        if entry is None:
            break
        if part in entry[1]:
            line = entry[1][part]
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_course(text: str, source: str = "course.yaml") -> Course:
    """Parse and validate course.yaml text; raise UserError with file:line messages."""
    loader = _LineLoader(text)
    loader.line_index = {}
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = getattr(err, "problem", None) or str(err)
        raise UserError(f"{where}: not valid YAML: {problem}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise UserError(f"{source}: the top level must be a mapping with name, assignments, ...")
    try:
        return Course.model_validate(data)
    except ValidationError as err:
        msgs = []
        for e in err.errors():
            loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            line = _line_of(data, loc, loader.line_index)
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = f"unknown key {loc[-1]!r} (check its spelling; see grader/course.py for the schema)"
            elif e["type"] == "missing":
                msg = "required key is missing"
            else:
                value = e.get("input")
                if not isinstance(value, (dict, list)):
                    msg += f" (got {value!r})"
            msgs.append(f"{source}:{line if line else '?'}: {_format_loc(loc)}: {msg}")
        raise UserError("invalid course file:\n  " + "\n  ".join(msgs)) from None


def load_course(path: Path) -> Course:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path} not found; run the grader from the course repository or pass --course") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read {path}: {err}") from None
    return parse_course(text, str(path))
