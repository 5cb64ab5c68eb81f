"""course.yaml: one typed, validated schema.

Unknown keys are rejected, and an error names the key path, the bad value and its line in the
file, e.g. ``course.yaml:42: assignments[2].points.affine_forward: Expected float, got str``
(msgspec stops at the first error, so a file with several mistakes reports them one by one).

Every `grader` command loads course.yaml first, and importing PyYAML alone costs ~10 ms. A course
that parsed is kept, validated, in the user's cache directory (one JSON file per course path,
keyed by the file's bytes and this module's source); an unchanged course.yaml is then read back
without importing PyYAML at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from msgspec import Meta, Struct

if TYPE_CHECKING:
    import yaml

from grader.errors import UserError

_ID = re.compile(r"^[0-9]{2}_[a-z][a-z0-9_]*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# The schema is msgspec Structs: typed, strict (unknown keys rejected) and frozen. msgspec imports
# in a few milliseconds, which matters: every `grader` command loads course.yaml first.
_Seconds = Annotated[float, Meta(gt=0, le=3600)]
_TestSeconds = Annotated[float, Meta(gt=0, le=7200)]
_MiB = Annotated[int, Meta(ge=256, le=65536)]
_Percent = Annotated[float, Meta(ge=0, le=100)]


class _Strict(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    def replace(self, **changes: Any):
        """A copy with ``changes`` applied (the Struct stays frozen)."""
        return msgspec.structs.replace(self, **changes)


class Limits(_Strict):
    """Resource limits of the worker that runs student code."""

    call_seconds: _Seconds = 10.0  # wall-clock limit of one call
    test_seconds: _TestSeconds = 60.0  # wall-clock limit of one hidden test
    import_seconds: _Seconds = 30.0  # wall-clock limit of importing the student's module
    memory_mb: _MiB = 1024  # address-space limit of the worker


class LimitsOverride(_Strict):
    call_seconds: _Seconds | None = None
    test_seconds: _TestSeconds | None = None
    import_seconds: _Seconds | None = None
    memory_mb: _MiB | None = None


class LatePolicy(_Strict):
    penalty_per_day: _Percent = 0.0  # percent lost per started day late
    max_penalty: _Percent = 100.0  # cap on the penalty, percent
    grace_minutes: Annotated[float, Meta(ge=0)] = 0.0  # lateness forgiven


class LatePolicyOverride(_Strict):
    """An assignment's own late policy: each key given replaces the course's, the others stay."""

    penalty_per_day: _Percent | None = None
    max_penalty: _Percent | None = None
    grace_minutes: Annotated[float, Meta(ge=0)] | None = None


class Assignment(_Strict):
    id: str  # folder name under assignments/ and solutions/, e.g. 03_backprop
    title: str
    module: str  # module name, without .py
    points: dict[str, float]  # points of each graded student function
    due: dt.datetime | None = None
    limits: LimitsOverride = LimitsOverride()
    late_policy: LatePolicyOverride | None = None

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError("id: must look like 03_backprop (two digits, underscore, lowercase name)")
        if not _IDENT.match(self.module):
            raise ValueError("module: must be a Python module name without .py")
        if not self.points:
            raise ValueError("points: must list at least one function")
        for name, pts in self.points.items():
            if not _IDENT.match(name):
                raise ValueError(f"points: {name!r} is not a function name")
            if not math.isfinite(pts) or pts <= 0:  # .nan passes `<= 0`, and .inf would make every total inf
                raise ValueError(f"points.{name}: points of {name} must be a positive finite number")
        if self.due is not None and self.due.tzinfo is None:
            raise ValueError("due: needs an offset from UTC, e.g. 2026-03-01T23:59:00+09:00")

    @property
    def max_score(self) -> float:
        return float(sum(self.points.values()))


class Course(_Strict):
    name: str
    assignments: list[Assignment]
    allowed_imports: list[str] = msgspec.field(default_factory=lambda: ["numpy", "math", "scipy.special"])
    limits: Limits = Limits()
    late_policy: LatePolicy = LatePolicy()

    def __post_init__(self) -> None:
        seen: dict[str, int] = {}
        for i, a in enumerate(self.assignments):
            if a.id in seen:
                raise ValueError(f"assignments.{i}.id: assignment id {a.id!r} appears twice (also at "
                                 f"assignments[{seen[a.id]}]); give each assignment its own id")
            seen[a.id] = i

    def assignment(self, aid: str) -> Assignment:
        for a in self.assignments:
            if a.id == aid:
                return a
        known = ", ".join(a.id for a in self.assignments)
        raise UserError(f"unknown assignment {aid!r}; course.yaml defines: {known}")

    def find_assignment(self, text: str) -> Assignment:
        """An assignment as a student may name it: its id, its folder as the shell completes it
        (``assignments/03_backprop/``), its module (``backprop``), or the start of its id (``03``),
        if only one matches; else :meth:`assignment`'s error."""
        name = os.path.basename(os.path.normpath(text)) if text else text
        for matches in ([a for a in self.assignments if name in (a.id, a.module)],
                        [a for a in self.assignments if a.id.startswith(name)]):
            if len(matches) == 1:
                return matches[0]
        if name and len(matches) > 1:  # the start of several ids ("0"): say which, not "unknown"
            raise UserError(f"{text!r} is the start of {len(matches)} assignments "
                            f"({', '.join(a.id for a in matches)}): give more of the id, such as {matches[0].id}")
        return self.assignment(text)

    def limits_for(self, a: Assignment) -> Limits:
        override = {k: v for k, v in msgspec.structs.asdict(a.limits).items() if v is not None}
        return self.limits.replace(**override)

    def late_policy_for(self, a: Assignment) -> LatePolicy:
        """The course's policy with the assignment's keys applied, key by key as for limits: an
        override of the rate alone must not drop the course's grace period or cap."""
        if a.late_policy is None:
            return self.late_policy
        override = {k: v for k, v in msgspec.structs.asdict(a.late_policy).items() if v is not None}
        return self.late_policy.replace(**override)


_loader_class: type | None = None


def _line_loader(text: str):
    """A safe YAML loader for ``text`` that remembers the line of every mapping key and sequence
    item (in ``loader.line_index``). PyYAML is imported here, on first use, not with this module."""
    global _loader_class
    if _loader_class is None:
        import yaml

        class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            pass

        _LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
        _LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
        # Dates stay text, parsed by parse_course with the line they are on: PyYAML's own parsing
        # of 2026-02-30 raised a bare ValueError, a traceback with no line.
        _LineLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
        _loader_class = _LineLoader
    loader = _loader_class(text)
    loader.line_index = {}
    return loader


def _construct_mapping(loader, node: yaml.MappingNode) -> dict:
    import yaml

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


def _construct_sequence(loader, node: yaml.SequenceNode) -> list:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    loader.line_index[id(items)] = (node.start_mark.line + 1, {i: c.start_mark.line + 1 for i, c in enumerate(node.value)})
    return items


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
    import yaml

    loader = _line_loader(text)
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
    for i, a in enumerate(data.get("assignments") if isinstance(data.get("assignments"), list) else []):
        due = a.get("due") if isinstance(a, dict) else None
        if due is None:
            continue
        # A time without an offset from UTC is ambiguous by up to a day, the size of one penalty
        # step, and a bare date more so (its start, or its end?). Both are refused here, when the
        # course is read, rather than at the end of term, when penalties are first applied.
        try:
            a["due"] = dt.datetime.fromisoformat(due)
            problem = "" if a["due"].tzinfo else "has no UTC offset"
            if len(due.strip()) == 10:  # 2026-10-12
                problem = "is a date without a time and UTC offset"
        except (TypeError, ValueError):
            problem = "is not a date and time"
        if problem:
            line = _line_of(data, ("assignments", i, "due"), loader.line_index)
            shown = repr(due)
            raise UserError(f"invalid course file:\n  {source}:{line or '?'}: assignments[{i}].due: {shown} {problem}; "
                            "write the date, the time and the offset from UTC, e.g. 2026-03-01T23:59:00+09:00 "
                            "(or 2026-03-01T23:59:00Z for UTC)")
    try:
        return msgspec.convert(data, Course, strict=False)
    except msgspec.ValidationError as err:
        loc, msg = _explain(str(err), data)
        line = _line_of(data, loc, loader.line_index)
        raise UserError(f"invalid course file:\n  {source}:{line if line else '?'}: {_format_loc(loc)}: {msg}") from None


_PATH = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[(?:'|\")?([^\]'\"]*)(?:'|\")?\]")


def _explain(text: str, data: Any) -> tuple[tuple, str]:
    """msgspec's ``"Expected `int`, got `str` - at `$.limits.memory_mb`"`` as (key path, message)."""
    message, _, where = text.rpartition(" - at `")
    if not _:
        message, where = text, "$`"
    loc: list = []
    node: Any = data
    for name, index, key in _PATH.findall(where.rstrip("`").removeprefix("$")):
        part = name or (int(index) if index else key)
        if part == "..." and isinstance(node, dict):
            # msgspec does not name the dict key whose value is wrong; the only dict in the
            # schema maps function names to points, so it is the first non-numeric value
            part = next((k for k, v in node.items() if isinstance(v, bool) or not isinstance(v, (int, float))),
                        next(iter(node), part))
        loc.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    unknown = re.match(r"Object contains unknown field `(.+)`", message)
    missing = re.match(r"Object missing required field `(.+)`", message)
    if unknown:
        loc.append(unknown.group(1))
        return tuple(loc), f"unknown key {unknown.group(1)!r} (check its spelling; see grader/course.py for the schema)"
    if missing:
        loc.append(missing.group(1))
        return tuple(loc), "required key is missing"
    if re.match(r"^[A-Za-z_][A-Za-z0-9_.]*: ", message) and not message.startswith("Expected"):
        # our own __post_init__ checks: "points.relu: points of relu must be a positive finite number"
        field, _, message = message.partition(": ")
        loc.extend(int(part) if part.isdigit() else part for part in field.split("."))
    else:
        message = message.replace("`", "")
    value: Any = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            value = None
            break
    if value is not None and not isinstance(value, (dict, list)):
        message = re.sub(r", got \w+$", "", message) + f" (got {value!r})"
    return tuple(loc), message


def where_in_course(path: Path, aid: str, *keys: str) -> str:
    """``course.yaml:LINE`` of a key of assignment ``aid`` (e.g. "points", "relu"), for messages
    about a course that parses but does not fit its hidden tests; the file name alone when the line
    cannot be found."""
    import yaml

    line = None
    try:
        loader = _line_loader(Path(path).read_text(encoding="utf-8"))
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
        index = next(i for i, a in enumerate(data["assignments"]) if isinstance(a, dict) and a.get("id") == aid)
        line = _line_of(data, ("assignments", index, *keys), loader.line_index)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, StopIteration):
        pass
    return f"{path}:{line}" if line else str(path)


def load_course(path: Path) -> Course:
    """The course of the course.yaml at ``path``: from the cache when the file is unchanged, else
    parsed (and then cached; a cache that cannot be read or written is simply not used)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise UserError(f"{path} not found; run the grader from the course repository or pass --course") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read {path}: {err}") from None
    cache, key = _cache_file(path), _cache_key(raw)
    if cache is not None and key is not None:
        try:
            data = cache.read_bytes()
            # the key, the payload's own digest, then the course as JSON, validated again on the way in
            if data[:64] == key and hashlib.sha256(data[128:]).hexdigest().encode() == data[64:128]:
                return msgspec.json.decode(data[128:], type=Course)
        except (OSError, msgspec.DecodeError):
            pass  # absent, or written for another file or schema, or damaged: parse again
    course = parse_course(text, str(path))
    if cache is not None and key is not None:
        payload = msgspec.json.encode(course)
        _store(cache, key + hashlib.sha256(payload).hexdigest().encode() + payload)
    return course


# == the cache of parsed courses ===================================================================

CACHE_ENV = "GRADER_CACHE_DIR"  # where parsed courses are kept; "" turns the cache off
_CACHE_FILES = 64  # the newest are kept: one per course path, so a few per instructor
_schema_source: bytes | None = None


def _cache_dir() -> Path | None:
    explicit = os.environ.get(CACHE_ENV)
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlcourse-grader" if os.path.isabs(base) else None


def _cache_file(path: Path) -> Path | None:
    folder = _cache_dir()
    if folder is None:
        return None
    try:
        where = str(path.resolve())
    except OSError:
        return None
    return folder / f"course-{hashlib.sha256(where.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}.json"


def _cache_key(raw: bytes) -> bytes | None:
    """The file's bytes and this module's source: a cached course is used only for the very same
    file read by the very same schema."""
    global _schema_source
    if _schema_source is None:
        try:
            _schema_source = Path(__file__).read_bytes()
        except OSError:
            return None
    return hashlib.sha256(_schema_source + b"\0" + raw).hexdigest().encode()


def _store(cache: Path, data: bytes) -> None:
    from grader.fileutil import write_atomic

    try:
        cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(cache, data)
        files = sorted(cache.parent.glob("course-*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in files[_CACHE_FILES:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # e.g. a read-only home: every command parses course.yaml, as without a cache
