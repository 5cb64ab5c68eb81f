"""Reading a submission's module as data, before any of it runs.

A submission is a directory holding ``assignments/<id>/<module>.py``. The file is checked here in
the grader's process without executing it: it must exist, stay inside the submission (no symlink
out), be of sane size, be UTF-8, parse, and import only allowed modules. Any failure is a
:class:`SubmissionError` that costs this assignment only.
"""

from __future__ import annotations

import ast
import os
import unicodedata
from pathlib import Path

from grader.errors import SubmissionError
from grader.formats import clip  # a 500 KB name in the source must not make every report quoting it 500 KB

MAX_SOURCE_BYTES = 512 * 1024


def module_path(submission: Path, assignment_id: str, module: str) -> Path:
    return Path(submission) / "assignments" / assignment_id / f"{module}.py"


def nested_submission(path: Path) -> Path | None:
    """The one folder inside ``path`` that holds the submission, when ``path`` has no assignments/
    of its own but a single subfolder (not a symlink, not hidden) that has: a repository downloaded
    as a zip from GitHub ('alice/dlcourse-student-main/assignments/...') or an LMS. None otherwise."""
    path = Path(path)
    try:
        if (path / "assignments").is_dir():
            return None
        folders = [c for c in path.iterdir() if not c.name.startswith(".") and c.is_dir() and not c.is_symlink()]
    except OSError:
        return None
    if len(folders) == 1 and (folders[0] / "assignments").is_dir() and not (folders[0] / "assignments").is_symlink():
        return folders[0]
    return None


def layout_mistake(path: Path, ids: list[str]) -> str | None:
    """Why ``path``, given as one submission, is probably not one (None when it may be): the
    assignments folder of a submission (one level too deep), or a folder of submissions. Graded
    as it is, either would score zero everywhere, with nothing but "not found" to say why."""
    path = Path(path)
    try:
        if (path / "assignments").is_dir():
            return None
        if path.resolve().parent.name == "assignments" and (path.resolve().parent.parent / "assignments").is_dir():
            return (f"{path} looks like one assignment's folder, not a submission: pass the folder that holds "
                    f"assignments/, {path.resolve().parent.parent}")
        inside = next((aid for aid in ids if (path / aid).is_dir()), None)
        if inside:
            return (f"{path} looks like the assignments folder of a submission (it holds {inside}/), not a "
                    f"submission: pass the folder that holds it, {path.resolve().parent}")
        holders = sorted(c.name for c in path.iterdir() if c.is_dir() and (c / "assignments").is_dir())
    except OSError:
        return None  # an unreadable folder: grading says so, assignment by assignment
    if len(holders) == 1 and nested_submission(path) is not None:
        return (f"{path} holds one submission one folder down (as a repository downloaded as a zip does): "
                f"grade {path / holders[0]}")
    if holders:
        shown = ", ".join(holders[:3]) + (" ..." if len(holders) > 3 else "")
        return (f"{path} holds submissions ({shown}) rather than being one: grade one of them, or the whole "
                f"class with `grader grade-all {path}`")
    return None


def other_modules(folder: Path) -> list[str]:
    """Python files and notebooks in an assignment's ``folder`` other than its public tests: what a
    student submitted when the module itself is missing. The notebook the course ships beside each
    module counts too, since the module is what is missing."""
    try:
        return sorted(p.name for p in Path(folder).iterdir() if p.suffix.lower() in (".py", ".ipynb")
                      and not p.name.startswith(("test_", ".")))
    except OSError:
        return []


def read_source(submission: Path, assignment_id: str, module: str) -> str:
    """The checked source text of one assignment's module, or SubmissionError."""
    root = Path(submission)
    path = module_path(root, assignment_id, module)
    rel = path.relative_to(root)
    try:
        return _read_checked(root, path, rel)
    except OSError as err:  # e.g. a file unpacked with mode 000 by another user: zero for this assignment only
        raise SubmissionError("error", f"{rel} cannot be read ({err.strerror or err}); make it readable") from None


def _read_checked(root: Path, path: Path, rel: Path) -> str:
    if not os.path.lexists(path):
        folder = path.parent
        if folder.is_dir() and not os.access(folder, os.R_OK | os.X_OK):  # it hides the file as if missing
            raise SubmissionError("error", f"{rel.parent} cannot be read (permission denied); make it readable")
        if others := other_modules(path.parent):
            # Handed in under another name (an LMS renames a resubmission "regression-1.py") or as a
            # notebook: not "not submitted", which the gradebook would leave blank without a word.
            more = f" and {len(others) - 3} more" if len(others) > 3 else ""
            shown = ", ".join(repr(o) for o in others[:3]) + more
            raise SubmissionError("error", f"{rel} not found, but {rel.parent} holds {shown}: only {path.name} "
                                  f"is graded (rename a renamed copy back; save a notebook's code as {path.name})",
                                  found=tuple(others))
        raise SubmissionError("missing", f"{rel} not found")
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if os.path.commonpath([real_root, real]) != real_root:
        raise SubmissionError("error", f"{rel} is a symlink that points outside the submission; submit the file itself")
    if not os.path.isfile(real):
        raise SubmissionError("error", f"{rel} is not a regular file")
    size = os.path.getsize(real)
    if size > MAX_SOURCE_BYTES:
        raise SubmissionError("error", f"{rel} is {size // 1024} KiB; the limit is {MAX_SOURCE_BYTES // 1024} KiB")
    data = Path(real).read_bytes()
    try:
        # utf-8-sig: a leading byte-order mark (Notepad's "UTF-8 with BOM") is dropped, as Python drops it
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SubmissionError("error", f"{rel}: line {line} is not valid UTF-8; save the file as UTF-8") from None
    if "\x00" in text:
        raise SubmissionError("error", f"{rel} contains NUL bytes; it is not a Python source file")
    return text


def check_source(text: str, filename: str, allowed: list[str]) -> tuple[str, ...]:
    """Parse ``text`` and refuse imports outside ``allowed`` (SubmissionError with the line).

    Returns the entries of ``allowed`` the module imports (``scipy.special`` for ``from
    scipy.special import erf`` or ``from scipy import special``), which the zygote can import
    once for every worker instead of each worker paying for it.
    """
    return parse_source(text, filename, allowed)[0]


def parse_source(text: str, filename: str, allowed: list[str]) -> tuple[tuple[str, ...], ast.Module]:
    """:func:`check_source`, and the module's syntax tree, which the grader compiles the worker's
    code from rather than parsing the text a second time."""
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as err:
        raise SubmissionError("error", f"{filename}: syntax error at line {err.lineno}: "
                                       f"{clip(str(err.msg), 200)}") from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise SubmissionError("error", f"{filename}: cannot be parsed ({type(err).__name__})") from None

    def ok(name: str) -> bool:  # __future__: compiler directives (e.g. annotations), not a library
        return name == "__future__" or any(name == a or name.startswith(a + ".") for a in allowed)

    used: set[str] = set()
    problems: list[tuple[int, int, str]] = []
    for node in _import_statements(tree):
        bad = None
        if isinstance(node, ast.Import):
            bad = next((a.name for a in node.names if not ok(a.name)), None)
            used.update(a.name for a in node.names)
        else:
            if node.level:
                bad = "." * node.level + (node.module or "")
            elif not ok(node.module or "") and not all(ok(f"{node.module}.{a.name}") for a in node.names):
                bad = node.module
            used.add(node.module or "")
            used.update(f"{node.module}.{a.name}" for a in node.names)
        if bad is not None:
            problems.append((node.lineno, node.col_offset, bad))
    # A name is NFKC-normalised when parsed, so `__import__` spelt with other code points still
    # shows here; most modules never mention it, and need no walk over every expression.
    if "__import__" in unicodedata.normalize("NFKC", text):
        problems += [(n.lineno, n.col_offset, "__import__") for n in ast.walk(tree)
                     if isinstance(n, ast.Name) and n.id == "__import__"]
    if problems:
        line, _, bad = min(problems)
        # `import scipy` where scipy.special is allowed: say how to import the allowed part
        parts = [a for a in allowed if a.startswith(bad + ".")] if bad and not bad.startswith(".") else []
        fix = (f"import only {' or '.join(parts)} (e.g. `from {parts[0].rpartition('.')[0]} import "
               f"{parts[0].rpartition('.')[2]}`, or `import {parts[0]}`)" if parts else "remove the import")
        raise SubmissionError(
            "error",
            f"{filename}: line {line} imports {clip(repr(bad), 80)}, which this course does not allow "
            f"(allowed: {', '.join(allowed)}); {fix}",
        )
    return tuple(a for a in allowed if any(u == a or u.startswith(a + ".") for u in used)), tree


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _import_statements(tree: ast.AST):
    """Every import statement in ``tree``. Imports are statements, and statements live only in the
    bodies of other statements (functions, classes, if/for/while/with/try/match), so this visits
    a small part of what ast.walk would."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        for field in _BODIES:
            children = getattr(node, field, None)
            if isinstance(children, list):
                stack.extend(children)
