"""`grader nbgrader export|import`: run this course on nbgrader (JupyterHub) and grade it here.

Export writes an nbgrader course directory: ``nbgrader_config.py`` and one source notebook per
assignment, built from the reference module. Cells, in order:

1. a read-only introduction (the module docstring) and a read-only cell with the imports;
2. only when the reference has module-level solution regions (reference-only helpers): a 0-point
   autograder cell holding them as hidden tests, so ``generate_assignment`` strips them and the
   student version matches the kit's stub;
3. per function: a solution cell (the reference code; its ``### BEGIN/END SOLUTION`` markers are
   nbgrader's own) and, for graded functions, an autograder cell worth the function's points whose
   hidden part calls :func:`notebook_check`, which runs this kit's hidden tests of that function
   in-process against the notebook's namespace and returns the points earned (nbgrader's partial
   credit).

Import grades nbgrader's ``submitted/<student>/<id>/<id>.ipynb`` with the kit's isolated engine:
the module is extracted from the notebook's solution and read-only code cells without running it
(top-level statements other than imports, definitions and constants computed from imports are
dropped, as is a cell that does not parse), graded by :func:`grader.runner.grade_submission`, and
the per-function scores are written into nbgrader's gradebook (``nbgrader.api.Gradebook``) as the
autograde scores of the matching cells, with an ``autograded/`` notebook whose test cells show
the feedback, so formgrader, ``nbgrader export`` and ``generate_feedback`` work as after
``nbgrader autograde``.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Callable

import click

from grader.clickutil import user_errors
from grader.course import Assignment, Course, load_course
from grader.errors import UserError
from grader.release import BEGIN, END, read_course_text

HELPERS_ID = "reference_helpers"
_INSTALL = "nbgrader is not installed; install the extra"
_DEFS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# builtins a module-level constant may call and still count as a constant (see module_source)
_CONSTANT_NAMES = {"abs", "float", "int", "len", "max", "min", "range", "round", "sum", "tuple", "list", "dict",
                   "set", "pow"}
_MAX_NOTEBOOK_BYTES = 16 * 1024 * 1024

CONFIG = '''\
# nbgrader configuration of this course, written by `grader nbgrader export` (edit freely; export
# never overwrites it). Run nbgrader from this directory.
c = get_config()

# The autograder cells run the course's hidden tests of one function each, in the notebook's
# kernel; some take longer than nbgrader's 30-second default per cell.
c.Execute.timeout = 300

# The kit needs nothing else: the default directory layout (source/, release/, submitted/,
# autograded/, feedback/) and gradebook (sqlite:///gradebook.db here) are what
# `grader nbgrader import` reads and writes.
'''


def _require(module: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise UserError(_install_hint()) from None


def _install_hint() -> str:
    """How to install the nbgrader extra into this very environment. The kit is installed from its
    repository (README, docs/nbgrader.md), not from PyPI, so the command names the repository."""
    repo = Path(__file__).resolve().parent.parent
    where = str(repo) if (repo / "pyproject.toml").is_file() else "/path/to/the/course/repository"
    return f"{_INSTALL}: {sys.executable} -m pip install -e '{where}[nbgrader]'"


def _meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


# -- export ----------------------------------------------------------------------------------------

def _split_reference(source: str, filename: str) -> tuple[str, str, str, list[tuple[str, str, bool]]]:
    """(docstring, header code, module-level helper code, [(function, cell code, has_region)])."""
    lines = source.splitlines()
    helper_lines: set[int] = set()  # 1-based numbers of module-level region lines, markers included
    start = None
    for no, line in enumerate(lines, start=1):
        if line.rstrip() == BEGIN:
            start = no
        elif line.rstrip() == END and start is not None:
            helper_lines.update(range(start, no + 1))
            start = None
    helpers = "\n".join(lines[n - 1] for n in sorted(helper_lines) if lines[n - 1].rstrip() not in (BEGIN, END))
    tree = ast.parse(source, filename=filename)
    doc = ast.get_docstring(tree) or ""
    body = [n for n in tree.body if n.lineno not in helper_lines]
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        first = body[0].end_lineno + 1
        body = body[1:]
    else:
        first = 1
    defs = [n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]

    def text(a: int, b: int) -> str:  # lines a..b (1-based, inclusive) without the helper regions
        return "\n".join(lines[n - 1] for n in range(a, b + 1) if n not in helper_lines).strip("\n")

    if not defs:
        raise UserError(f"{filename}: defines no function")
    begin = lambda n: min([n.lineno] + [d.lineno for d in n.decorator_list])  # noqa: E731
    header = text(first, begin(defs[0]) - 1)
    # A function's cell runs up to the next function's cell (the AST ends a function before its
    # closing "### END SOLUTION" comment); comment lines just above a def open that def's cell.
    starts = []
    for i, node in enumerate(defs):
        at = begin(node)
        while i and at - 1 > defs[i - 1].end_lineno and at - 1 not in helper_lines and (
                not lines[at - 2].strip() or lines[at - 2].startswith("#")):
            at -= 1
        starts.append(at)
    cells = []
    for i, node in enumerate(defs):
        code = text(starts[i], starts[i + 1] - 1 if i + 1 < len(defs) else len(lines))
        cells.append((node.name, code, BEGIN in code))
    return doc, header, helpers, cells


def source_notebook(root: Path, course: Course, assignment: Assignment):
    """The nbgrader source notebook of one assignment (an nbformat NotebookNode)."""
    nbformat = _require("nbformat")
    ref = Path(root) / "solutions" / assignment.id / f"{assignment.module}.py"
    if not ref.is_file():
        raise UserError(f"reference {ref} not found")
    from grader.runner import hidden_test_files

    if not hidden_test_files(root, assignment.id):
        raise UserError(f"{assignment.id} has no hidden tests in solutions/{assignment.id}; "
                        "export the other assignments with -a ID")
    doc, header, helpers, functions = _split_reference(read_course_text(ref), str(ref))
    missing = sorted(set(assignment.points) - {name for name, _, _ in functions})
    if missing:
        raise UserError(f"{ref}: course.yaml gives points to {', '.join(missing)}, which it does not define")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    allowed = ", ".join(f"`{m}`" for m in course.allowed_imports)
    intro = (f"# {assignment.id} · {assignment.title}\n\n"
             f"Write each function in its cell, replacing `raise NotImplementedError()`. The cell under a "
             f"function holds its hidden autograder tests and shows its points. Only {allowed} may be "
             f"imported. Your code is graded as the module `{assignment.module}.py`: definitions, imports "
             f"and constants in your answer cells count; other statements (test calls, prints) are "
             f"ignored by the grader.\n\n{doc}")
    cells = [nbformat.v4.new_markdown_cell(intro, metadata=_meta("intro", locked=True)),
             nbformat.v4.new_code_cell(header, metadata=_meta("imports", locked=True))]
    if helpers.strip():
        cells.append(nbformat.v4.new_code_cell(
            "# Helpers of the instructor's version (nothing to do here; not shown to students).\n"
            f"### BEGIN HIDDEN TESTS\n{helpers.strip(chr(10))}\n### END HIDDEN TESTS",
            metadata=_meta(HELPERS_ID, grade=True, locked=True, points=0)))
    for name, code, has_region in functions:
        cells.append(nbformat.v4.new_code_cell(code, metadata=_meta(name, solution=has_region, locked=not has_region)))
        if name in assignment.points:
            points = assignment.points[name]
            cells.append(nbformat.v4.new_code_cell(
                f"# Autograder tests of `{name}` ({points:g} point{'s' if points != 1 else ''}): hidden; "
                "they run when your notebook is graded.\n"
                "### BEGIN HIDDEN TESTS\n"
                "from grader.nbgrader_io import notebook_check\n"
                f"notebook_check(globals(), {assignment.id!r}, {name!r}, course={str(Path(root).resolve())!r})\n"
                "### END HIDDEN TESTS",
                metadata=_meta(f"test_{name}", grade=True, locked=True, points=points)))
    for i, cell in enumerate(cells):
        cell.id = f"{assignment.id.replace('_', '-')}-{i:02d}"
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def export_course(root: Path, course: Course, dest: Path, ids: list[str] | None = None,
                  force: bool = False) -> list[Path]:
    """Write the nbgrader course directory ``dest``; returns the files written."""
    nbformat = _require("nbformat")
    dest = Path(dest)
    assignments = [course.assignment(i) for i in ids] if ids else list(course.assignments)
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest} is not a directory")
    if Path(root).resolve() in [dest.resolve(), *dest.resolve().parents]:
        raise UserError(f"{dest} lies inside the course repository; choose a directory elsewhere")
    notebooks = {a.id: source_notebook(root, course, a) for a in assignments}  # all checks before writing
    written = []
    for aid, nb in notebooks.items():
        path = dest / "source" / aid / f"{aid}.ipynb"
        if path.exists() and not force:
            raise UserError(f"{path} exists; pass --force to overwrite the exported notebooks")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        written.append(path)
    config = dest / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
        written.append(config)
    return written


def _report(function: str, count: int, failures: list[str], earned: float, total: float) -> str:
    """The feedback shown in an autograder cell (the same for nbgrader autograde and the import)."""
    head = (f"{function}: {count - len(failures)} of {count} hidden tests passed, "
            f"{round(earned, 4):g} of {total:g} point{'s' if total != 1 else ''}")
    return "\n".join([head, *failures])


# -- the autograder cell, in nbgrader's kernel -----------------------------------------------------

class _Namespace:
    """The notebook's globals seen as the student's module by the hidden tests."""

    def __init__(self, namespace: dict):
        self._ns = namespace

    def __getattr__(self, name: str):
        try:
            return self._ns[name]
        except KeyError:
            raise AssertionError(f"your notebook does not define {name}; run its cell") from None


def _raised_in(err: BaseException, namespace: dict) -> str:
    """The innermost function of the notebook's in the traceback (a stub called by ``function``)."""
    name, tb = "", err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals is namespace:
            name = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return name


def notebook_check(namespace: dict, assignment_id: str, function: str, course: str | None = None) -> float:
    """Run the hidden tests of ``function`` against the notebook's ``namespace``; return the points.

    Prints one line per failed test (the kit's feedback). Raises AssertionError when no point was
    earned, so nbgrader records 0; otherwise the returned number is nbgrader's partial credit.
    """
    from grader.results import rounded
    from grader.runner import load_suite

    root = Path(os.environ.get("GRADER_COURSE") or course or ".")
    if not (root / "course.yaml").is_file():
        raise RuntimeError(f"the course repository {root} is not here; set GRADER_COURSE to its path")
    suite = load_suite(root, load_course(root / "course.yaml").assignment(assignment_id))
    tests = [t for t in suite.tests if t.function == function]
    student, earned, lines = _Namespace(namespace), 0.0, []
    for test in tests:
        kwargs = {"student": student, "ref": suite.ref}
        sink = io.StringIO()
        try:  # student warnings and stderr are kept out of the cell: nbgrader scores stderr as an error
            with warnings.catch_warnings(), contextlib.redirect_stderr(sink):
                warnings.simplefilter("ignore")
                test.run(**{p: kwargs[p] for p in test.params})
            earned += suite.max_points(test)
            continue
        except AssertionError as err:
            message = str(err) or f"a check of {function} failed"
        except NotImplementedError as err:
            raised_in = _raised_in(err, namespace) or function
            message = (f"{raised_in} is not implemented yet (it raised NotImplementedError"
                       + (f" when {function} called it)" if raised_in != function else ")"))
        except Exception as err:  # noqa: BLE001 - any student exception costs this test only
            message = f"{type(err).__name__}: {err}"
        lines.append(f"  {test.name}: {' '.join(message.split())[:500]}")
    total = suite.assignment.points[function]
    print(_report(function, len(tests), lines, earned, total))
    if not earned:
        raise AssertionError(f"{function}: no points")
    return total if len(lines) == 0 else rounded(earned)


# -- import ----------------------------------------------------------------------------------------

def module_source(nb) -> tuple[str, list[str]]:
    """The module code of a submitted notebook, extracted without running it, and notes on dropped cells.

    Taken from solution cells and read-only code cells (not autograder cells). Kept: imports,
    definitions, and assignments computed from imports and earlier constants only; anything else
    at top level (test calls, prints) would run at import time and is dropped.
    """
    parts, notes = [], []
    known = set(_CONSTANT_NAMES)  # names a kept constant may use: imports, builtins, earlier constants
    for index, cell in enumerate(nb.cells, start=1):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or meta.get("grade") or not (meta.get("solution") or meta.get("locked")):
            continue
        text = re.sub(r"(?m)^[ \t]*[%!].*$", "", cell.get("source", ""))  # IPython magics and shell lines
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError) as err:
            notes.append(f"cell {index} ({meta.get('grade_id', '?')}) was left out: it does not parse "
                         f"({getattr(err, 'msg', err)}, line {getattr(err, 'lineno', '?')})")
            continue
        lines, kept = text.splitlines(), []
        for node in tree.body:
            loads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            constant = isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and loads <= known
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                known |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif constant:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                known |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            elif not isinstance(node, _DEFS):
                continue
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            kept.append("\n".join(lines[first - 1:node.end_lineno]))
        if kept:
            parts.append(f"# --- notebook cell {index} ---\n" + "\n\n".join(kept))
    return "\n\n\n".join(parts) + "\n", notes


def _coursedir(nbroot: Path):
    """nbgrader's CourseDirectory for ``nbroot``, configured by its nbgrader_config.py."""
    _require("nbgrader")
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    if (nbroot / "nbgrader_config.py").is_file():
        try:
            cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(nbroot)).load_config())
        except Exception as err:  # noqa: BLE001 - any error in the instructor's config file
            raise UserError(f"{nbroot / 'nbgrader_config.py'} cannot be loaded: {type(err).__name__}: {err}") from None
    cfg.CourseDirectory.root = str(nbroot)
    coursedir = CourseDirectory(config=cfg)
    if Path(coursedir.directory_structure) != Path("{nbgrader_step}", "{student_id}", "{assignment_id}"):
        raise UserError("only nbgrader's default CourseDirectory.directory_structure is supported")
    return coursedir


def _function_scores(assignment: Assignment, result) -> dict[str, tuple[float, int, list[str]]]:
    """{function: (points earned, number of tests, failure lines)} of one AssignmentResult."""
    out: dict[str, list] = {}
    for t in result.tests:
        entry = out.setdefault(t.function, [0.0, 0, []])
        entry[0] += t.score
        entry[1] += 1
        if t.status != "passed":
            entry[2].append(f"  {t.name}: {t.feedback or t.status}")
    # all tests passed: exactly the function's points (three tests of 0.6667 must not make 1.9999)
    return {k: (float(assignment.points[k]) if not v[2] else round(v[0], 4), v[1], v[2]) for k, v in out.items()}


def _record(gb, assignment: Assignment, student: str, result, nb, timestamp) -> None:
    """Write one graded submission into the gradebook, as nbgrader autograde's SaveAutoGrades would."""
    from nbgrader import utils

    aid = assignment.id
    gb.update_or_create_student(student)
    if timestamp:
        gb.update_or_create_submission(aid, student, timestamp=timestamp)
    else:
        gb.update_or_create_submission(aid, student)
    scores = _function_scores(assignment, result)
    notebook = gb.find_notebook(aid, aid)
    for cell in notebook.grade_cells:
        function = cell.name.removeprefix("test_")
        if cell.name.startswith("test_") and function in assignment.points:
            auto = min(scores.get(function, (0.0,))[0], float(cell.max_score))
        elif not cell.max_score:
            auto = 0.0  # the hidden reference-helpers cell
        else:
            continue  # an instructor's own (manually graded) cell: left to formgrader
        grade = gb.find_grade(cell.name, aid, aid, student)
        grade.auto_score = auto
        grade.needs_manual_grade = grade.manual_score is not None
    submitted = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in (nb.cells if nb else [])}
    for cell in notebook.solution_cells:
        comment = gb.find_comment(cell.name, aid, aid, student)
        try:
            unchanged = utils.compute_checksum(submitted[cell.name]) == gb.find_source_cell(cell.name, aid, aid).checksum
        except Exception:  # noqa: BLE001 - a cell that is missing or has broken metadata counts as a response
            unchanged = cell.name not in submitted
        comment.auto_comment = "No response." if unchanged else None
    gb.db.commit()


def _write_autograded(src_dir: Path, dest_dir: Path, nb, assignment: Assignment, result, nbformat) -> None:
    """autograded/<student>/<id>/: the submitted files, the notebook with the kit's feedback as outputs."""
    if dest_dir.exists():
        shutil.rmtree(dest_dir)
    dest_dir.mkdir(parents=True)
    for path in src_dir.iterdir():
        if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb":
            shutil.copyfile(path, dest_dir / path.name)
    if nb is None:
        return
    scores = _function_scores(assignment, result)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        function = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").removeprefix("test_")
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and function in assignment.points:
            earned, count, failures = scores.get(function, (0.0, 0, []))
            text = _report(function, count, failures, earned, assignment.points[function])
            if result.status != "graded":
                text += f"\n  {result.message}"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
    nbformat.write(nb, dest_dir / f"{assignment.id}.ipynb")


def import_submissions(root: Path, course: Course, nbroot: Path, ids: list[str] | None = None,
                       students: list[str] | None = None, echo: Callable[[str], None] = print) -> dict:
    """Grade nbgrader's submitted notebooks with the kit and record the scores in its gradebook.

    Returns {student: SubmissionResult}.
    """
    nbformat = _require("nbformat")
    _require("nbgrader")
    from nbgrader.api import Gradebook, MissingEntry

    from grader.runner import grade_submission

    nbroot = Path(nbroot).resolve()
    coursedir = _coursedir(nbroot)
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, ".", ".")).resolve()
    if not submitted.is_dir():
        raise UserError(f"{submitted} not found; collect the submissions first (nbgrader collect or zip_collect)")
    db = coursedir.db_url
    if db.startswith("sqlite:///") and not Path(db.removeprefix("sqlite:///")).is_file():
        raise UserError(f"no gradebook at {db.removeprefix('sqlite:///')}; run nbgrader generate_assignment first")
    wanted = [course.assignment(i) for i in ids] if ids else list(course.assignments)
    names = sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.is_symlink())
    if students:
        unknown = sorted(set(students) - set(names))
        if unknown:
            raise UserError(f"no submission folder for {', '.join(unknown)} in {submitted}")
        names = [n for n in names if n in students]
    todo = {n: [a for a in wanted if (submitted / n / a.id).is_dir()] for n in names}
    results = {}
    with Gradebook(db, coursedir.course_id) as gb, tempfile.TemporaryDirectory(prefix="grader-nbgrader-") as tmp, \
            warnings.catch_warnings():
        # nbgrader's own add_submission trips SQLAlchemy autoflush warnings (nbgrader autograde shows them too)
        warnings.filterwarnings("ignore", message=".* not in session, add operation along")
        for a in {a.id: a for lst in todo.values() for a in lst}.values():
            try:
                gb.find_notebook(a.id, a.id)
            except MissingEntry:
                raise UserError(f"the gradebook has no notebook {a.id}.ipynb in assignment {a.id}; "
                                f"run nbgrader generate_assignment {a.id} first") from None
        for student, assignments in todo.items():
            if not assignments:
                continue
            sub, notebooks = Path(tmp) / f"s{len(results)}", {}
            for a in assignments:
                path = submitted / student / a.id / f"{a.id}.ipynb"
                notebooks[a.id], notes = _read_notebook(path, nbformat)
                if notebooks[a.id] is not None:
                    code, more = module_source(notebooks[a.id])
                    notes += more
                    target = sub / "assignments" / a.id / f"{a.module}.py"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(code, encoding="utf-8")
                for note in notes:
                    echo(f"{student}/{a.id}: {note}")
            result = grade_submission(root, course, sub, [a.id for a in assignments], name=student)
            for a, r in zip(assignments, result.assignments):
                try:
                    timestamp = coursedir.get_existing_timestamp(str(submitted / student / a.id))
                except Exception:  # noqa: BLE001 - nbgrader fails on a malformed timestamp.txt
                    timestamp = None
                    echo(f"{student}/{a.id}: timestamp.txt is not a valid time; the submission time was not recorded")
                _record(gb, a, student, r, notebooks[a.id], timestamp)
                dest = Path(coursedir.format_path(coursedir.autograded_directory, student, a.id))
                _write_autograded(submitted / student / a.id, dest, notebooks[a.id], a, r, nbformat)
            results[student] = result
    return results


def _read_notebook(path: Path, nbformat):
    """(notebook or None, notes): a submitted notebook read as data, never a symlink or a huge file."""
    if not path.exists():
        return None, [f"{path.name} was not submitted"]
    if path.is_symlink() or not path.is_file():
        return None, [f"{path.name} is not a regular file; it was not graded"]
    if path.stat().st_size > _MAX_NOTEBOOK_BYTES:
        return None, [f"{path.name} is larger than {_MAX_NOTEBOOK_BYTES >> 20} MiB; it was not graded"]
    try:
        return nbformat.read(path, as_version=4), []
    except Exception as err:  # noqa: BLE001 - invalid JSON, unknown format, bad UTF-8: all the student's
        return None, [f"{path.name} is not a readable notebook ({type(err).__name__}); it was not graded"]


# -- command line ----------------------------------------------------------------------------------

@click.group("nbgrader")
def nbgrader_group() -> None:
    """nbgrader (JupyterHub): export the course as an nbgrader course; grade its submissions here."""


@nbgrader_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("-a", "--assignment", "ids", multiple=True, metavar="ID", help="Export only this assignment (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite notebooks exported before (nbgrader_config.py is never overwritten).")
@click.pass_obj
@user_errors
def export_command(obj, directory: str, ids: tuple[str, ...], force: bool) -> None:
    """Write an nbgrader course to DIRECTORY: nbgrader_config.py and source/<id>/<id>.ipynb."""
    written = export_course(obj.root, obj.course, Path(directory), list(ids) or None, force=force)
    click.echo(f"wrote {len(written)} file(s) to {directory}; next, in {directory}: nbgrader generate_assignment ID")


@nbgrader_group.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("-a", "--assignment", "ids", multiple=True, metavar="ID", help="Grade only this assignment (repeatable).")
@click.option("-s", "--student", "students", multiple=True, metavar="NAME", help="Grade only this student (repeatable).")
@click.pass_obj
@user_errors
def import_command(obj, directory: str, ids: tuple[str, ...], students: tuple[str, ...]) -> None:
    """Grade DIRECTORY/submitted/<student>/<id>/<id>.ipynb here and record the scores in nbgrader's gradebook."""
    results = import_submissions(obj.root, obj.course, Path(directory), list(ids) or None, list(students) or None,
                                 echo=click.echo)
    for student, result in results.items():
        parts = ", ".join(f"{a.id} {a.score:g}/{a.max_score:g}" for a in result.assignments)
        click.echo(f"{student}: {parts}")
    click.echo(f"graded {len(results)} student(s); scores are in the gradebook (see formgrader or nbgrader export)")
