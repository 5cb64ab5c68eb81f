"""`grader validate`: the course is consistent, references earn full marks and pass the public
tests, stubs earn zero (and so do stubs whose functions return None), no test throws a check's
result away, hidden-test draws are seeded, no hidden test costs each student much time."""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from grader.course import Course
from grader.errors import UserError
from grader.release import BEGIN, check_release, read_course_text
from grader.runner import grade_submission, load_suite


# The line make_stub puts where a solution region was (grader/release.py).
_NOT_IMPLEMENTED = re.compile(r'raise NotImplementedError\("[^"\n]*: replace this line with your code"\)')


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    try:
        tree = ast.parse(read_course_text(path))
    except SyntaxError as err:
        raise UserError(f"{path}:{err.lineno}: {err.msg}") from None
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def consistency_problems(root: Path, course: Course, ids: list[str]) -> list[str]:
    problems = list(check_release(root, course))
    for aid in ids:
        a = course.assignment(aid)
        ref = root / "solutions" / a.id / f"{a.module}.py"
        stub = root / "assignments" / a.id / f"{a.module}.py"
        if not ref.is_file():
            continue  # check_release has said so, once
        try:
            load_suite(root, a)
        except UserError as err:
            problems.append(str(err))
            continue
        try:
            ref_fns = _functions(ref)
            stub_fns = _functions(stub) if stub.is_file() else {}
        except UserError as err:  # not UTF-8, or a syntax error: said, rather than a traceback
            problems.append(str(err))
            continue
        for fn in a.points:
            if fn not in ref_fns:
                problems.append(f"{a.id}: course.yaml gives points to {fn}, which the reference does not define")
            elif fn not in stub_fns:
                problems.append(f"{a.id}: the stub does not define {fn}")
            elif ast.unparse(stub_fns[fn].args) != ast.unparse(ref_fns[fn].args):
                problems.append(f"{a.id}: {fn} has a different signature in the stub")
            elif ast.dump(ref_fns[fn]) == ast.dump(stub_fns[fn]):
                problems.append(f"{ref}:{ref_fns[fn].lineno}: {fn} has no {BEGIN} region, so the stub "
                                "gives students its code: mark the lines students write")
    return problems


def student_file_warnings(root: Path, course: Course, ids: list[str]) -> list[str]:
    """What students would miss in an assignment's folder, short of a grading problem: its README
    and public tests (without them `grader check` has nothing to run, and students no way to test)."""
    warnings = []
    for aid in ids:
        folder = Path(root) / "assignments" / aid
        if not (folder / "README.md").is_file():
            warnings.append(f"{aid}: no README.md in {folder}: students get no instructions for it")
        if not any(folder.glob("test_*.py")):
            warnings.append(f"{aid}: no public tests (test_*.py) in {folder}: `grader check` has nothing to run "
                            "for it, and students no way to test their work before grading")
        if folder.is_dir() and not (folder / f"{aid}.ipynb").is_file():
            warnings.append(f"{aid}: no notebook {aid}.ipynb in {folder}: students get no plots of what their code "
                            "does (add an entry to NOTEBOOKS in tools/make_notebooks.py and run it)")
    return warnings


# numpy.random's names that make a generator from a seed; any other numpy.random call draws from
# NumPy's global generator (np.random.rand, np.random.permutation, ...)
_SEEDED = frozenset(["default_rng", "RandomState", "Generator", "SeedSequence", "BitGenerator", "PCG64", "PCG64DXSM",
                     "Philox", "SFC64", "MT19937"])


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _test_trees(root: Path, ids: list[str], public: bool = False) -> Iterator[tuple[Path, ast.Module]]:
    """Each hidden test file of ``ids`` (and, with ``public``, each public one) with its syntax tree.
    A file that does not parse is skipped: consistency_problems names a hidden one, and a public
    one fails its own run."""
    from grader.runner import hidden_test_files

    for aid in ids:
        paths = hidden_test_files(root, aid)
        if public:
            paths = [*paths, *sorted((Path(root) / "assignments" / aid).glob("test_*.py"))]
        for path in paths:
            try:
                yield path, ast.parse(read_course_text(path))
            except (SyntaxError, UserError):
                continue


def unseeded_randomness(root: Path, ids: list[str]) -> list[str]:
    """Draws in the hidden tests that no seed fixes: a student's score could then change from one
    grading to the next (and a regrade from the journal would not notice). Found by reading the
    files: a call of numpy.random's global functions, or a generator made without a seed."""
    found = []
    for path, tree in _test_trees(root, ids):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _dotted(node.func)
            last = name.rsplit(".", 1)[-1]
            in_numpy_random = name.startswith(("np.random.", "numpy.random."))
            if in_numpy_random and last not in _SEEDED:
                why = f"{name}() draws from NumPy's global generator"
            elif (in_numpy_random or name in _SEEDED) and not node.keywords and (
                    not node.args or (isinstance(node.args[0], ast.Constant) and node.args[0].value is None)):
                why = f"{name}() makes a generator without a seed"
            else:
                continue
            found.append(f"{path}:{node.lineno}: {why}, so a student's score could change between gradings: "
                         "use np.random.default_rng(seed) with a fixed seed")
    return found


# Functions whose only effect is their result: a call of one on a line of its own checks nothing.
_PURE_CHECKS = frozenset(["allclose", "isclose", "array_equal", "array_equiv", "all", "any", "isfinite", "approx"])
# Context managers whose block is meant to raise (or warn): a bare check there is the expected failure.
_RAISING_CONTEXTS = frozenset(["raises", "warns", "deprecated_call", "assert_raises", "assert_raises_regex",
                               "assert_warns"])


def _expected_to_raise(tree: ast.AST) -> set[int]:
    """The ids of the statements inside ``with pytest.raises(...)`` (or warns, ...) blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
                isinstance(item.context_expr, ast.Call)
                and _dotted(item.context_expr.func).rsplit(".", 1)[-1] in _RAISING_CONTEXTS for item in node.items):
            inside.update(id(n) for statement in node.body for n in ast.walk(statement))
    return inside


def discarded_checks(root: Path, ids: list[str]) -> list[str]:
    """Checks in the hidden and public tests whose outcome is thrown away: a comparison or an
    ``np.allclose(...)`` on a line of its own (a forgotten ``assert``), or ``assert (cond, "message")``,
    which asserts a non-empty tuple. Such a line passes every submission that returns at all, and
    the stubs-returning-None run does not see it: np.allclose(None, x) raises, so that test fails."""
    found = []
    for path, tree in _test_trees(root, ids, public=True):
        raising = _expected_to_raise(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert) and isinstance(node.test, ast.Tuple) and node.test.elts:
                found.append(f"{path}:{node.lineno}: `assert (condition, message)` asserts a tuple, which is "
                             "always true: write `assert condition, message`")
                continue
            if not isinstance(node, ast.Expr) or id(node) in raising:
                continue
            value = node.value
            if isinstance(value, ast.Compare):
                what = "a comparison"
            elif isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)) and not any(
                    k.arg == "out" for k in value.keywords) and (  # np.isfinite(x, out=mask) keeps it
                    (value.func.id if isinstance(value.func, ast.Name) else value.func.attr) in _PURE_CHECKS):
                name = _dotted(value.func)
                what = f"{name}(...)" if "." in name or isinstance(value.func, ast.Name) else f"(...).{name}()"
            else:
                continue
            found.append(f"{path}:{node.lineno}: the result of {what} is thrown away, so this line checks "
                         "nothing: an `assert` is missing")
    return found


def _start_public_tests(root: Path, course: Course, ids: list[str], tmp: Path) -> dict:
    """Start each assignment's public tests on its reference, as `grader check` runs them (a pytest
    process per assignment, with the course's limits): a public test that fails a correct solution
    sends every student after a bug that is not there. Returns {id: the run}."""
    from grader.student import _Run

    runs = {}
    for aid in ids:
        a = course.assignment(aid)
        folder = Path(root) / "assignments" / aid
        if not any(folder.glob("test_*.py")):
            continue  # student_file_warnings says so
        dest = tmp / "public" / aid
        shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
        shutil.copyfile(Path(root) / "solutions" / aid / f"{a.module}.py", dest / f"{a.module}.py")
        limits = course.limits_for(a)
        runs[aid] = _Run(dest, limits.test_seconds, limits.import_seconds)
        runs[aid].start()
    return runs


def _public_failures(run) -> list[str]:
    """The FAILED/ERROR lines and the summary of a public-test run that did not pass (none if it did)."""
    out, err = run.proc.communicate()
    if run.proc.returncode == 0:
        return []
    lines = out.strip().splitlines()
    shown = [line for line in lines if line.startswith(("FAILED ", "ERROR "))][:8]
    return shown + lines[-1:] if lines else [(err.strip().splitlines() or ["pytest failed"])[-1]]


def validate_course(root: Path, course: Course, ids: list[str] | None, echo: Callable[[str], None]) -> bool:
    ids = ids or [a.id for a in course.assignments]
    problems = consistency_problems(root, course, ids) + discarded_checks(root, ids)
    for p in problems:
        echo(f"problem: {p}")
    for w in student_file_warnings(root, course, ids) + unseeded_randomness(root, ids):
        echo(f"warning: {w}")
    if problems:
        return False
    tmp = Path(tempfile.mkdtemp(prefix="grader-validate-"))
    runs = {}
    try:
        runs = _start_public_tests(root, course, ids, tmp)  # they run while the hidden tests grade
        for aid in ids:
            a = course.assignment(aid)
            dest = tmp / "assignments" / aid
            dest.mkdir(parents=True)
            shutil.copyfile(root / "solutions" / aid / f"{a.module}.py", dest / f"{a.module}.py")
        refs = grade_submission(root, course, tmp, ids, name="reference", full_errors=True)
        stubs = grade_submission(root, course, root, ids, name="stubs")
        for aid in ids:  # the stubs again, each function returning None instead of raising
            module = course.assignment(aid).module
            stub = read_course_text(root / "assignments" / aid / f"{module}.py")
            (tmp / "assignments" / aid / f"{module}.py").write_text(_NOT_IMPLEMENTED.sub("return None", stub))
        nones = grade_submission(root, course, tmp, ids, name="stubs returning None")
        public = {aid: _public_failures(run) for aid, run in runs.items()}
        for aid in ids:  # the references again, for the time each test costs every student
            module = course.assignment(aid).module
            shutil.copyfile(root / "solutions" / aid / f"{module}.py", tmp / "assignments" / aid / f"{module}.py")
        timings: dict = {}
        grade_submission(root, course, tmp, ids, name="reference", timings=timings)
        # An assignment graded in a fork above has its memoized values computed here for the first
        # time: a test over the limit is timed once more, and its faster time counts.
        again = list(dict.fromkeys(aid for (aid, _), _ in _over_the_limit(timings)))
        if again:
            second: dict = {}
            grade_submission(root, course, tmp, again, name="reference", timings=second)
            timings = {key: min(value, second.get(key, value)) for key, value in timings.items()}
    finally:
        for run in runs.values():
            run.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    ok = True
    echo(f"{'assignment':<22} {'reference':>18} {'stub':>16}")
    for r, s, n in zip(refs.assignments, stubs.assignments, nones.assignments):
        empty = [t for t in n.tests if t.status == "passed"]
        good = r.score == r.max_score and r.status == "graded" and s.score == 0 and not empty and not public.get(r.id)
        ok &= good
        echo(f"{r.id:<22} {r.score:>8.2f} / {r.max_score:<7.2f} {s.score:>7.2f} / {s.max_score:<7.2f}"
             f" {'ok' if good else 'PROBLEM'}")
        for t in r.tests:
            if t.status != "passed":
                echo(f"    reference fails {t.name}: {t.status}: {t.feedback}")
        for t in s.tests:
            if t.status == "passed":
                echo(f"    stub passes {t.name}: a test that an empty function passes cannot grade it")
        for t in empty:
            echo(f"    {t.name} passes when {t.function} returns None: it checks nothing of the output "
                 "(an assert missing?)")
        if public.get(r.id):
            echo(f"    the public tests fail the reference (assignments/{r.id}; students would chase a bug that "
                 "is not there):")
            for line in public[r.id]:
                echo(f"      {line}")
    for w in slow_tests(timings):
        echo(f"warning: {w}")
    echo("validation passed" if ok else "validation FAILED")
    return ok


SLOW_TEST_SECONDS = 0.05  # the course's slowest hidden test takes ~10 ms a student
MANY_ROUND_TRIPS = 100  # and makes at most ~10 calls to the worker


def slow_tests(timings: dict) -> list[str]:
    """Hidden tests that cost every student a lot, from a grading of the references with the memoized
    values already computed ({(id, test): (seconds, round trips)}, see runner.grade_submission): a
    class of hundreds pays each of them hundreds of times."""
    return [f"{aid}: {name} takes {1000 * seconds:.0f} ms a student, with {trips} call{'' if trips == 1 else 's'} "
            f"to the student's worker (a class of 500 spends {500 * seconds:.0f} s on it): send a loop's calls "
            "in one round trip (call_each, numeric_grad_call, iterate) and compute fixed expected values once "
            f"(memoized, reference); `python benchmarks/profile_suite.py {aid}` shows where the time goes"
            for (aid, name), (seconds, trips) in _over_the_limit(timings)]


def _over_the_limit(timings: dict) -> list:
    return [(key, value) for key, value in timings.items()
            if value[0] > SLOW_TEST_SECONDS or value[1] > MANY_ROUND_TRIPS]
