"""`grader ci`: grade the checkout a CI job runs in and report the way GitHub Actions expects.

Order of work:
1. find the hidden material: the bundle (``--bundle`` / $GRADER_BUNDLE), unpacked into a fresh
   temporary directory outside the checkout, with the course.yaml *from the bundle* (the student
   controls the checkout's copy); or, without a bundle, the course repository itself;
2. grade the checkout like ``grader grade`` (student code only in the confined worker);
3. report: the table in the log, ``::error`` annotations at each failing function's ``def`` line
   (found by parsing the student's file with ast, never by running it), a Markdown table in
   $GITHUB_STEP_SUMMARY, score and max_score in $GITHUB_OUTPUT, results.json and JUnit XML files;
4. exit 0 when grading completed, or 1 when ``--fail-under`` is given and the score is below it;
   2 when it could not grade (a usage error, a missing bundle or key), so the two differ.

Everything the student controls that reaches the log (feedback quoting their exceptions, import
errors, branch names) is escaped so it cannot form a workflow command; the log table is printed
between ``::stop-commands::TOKEN`` and ``::TOKEN::`` with a random token as a second wall.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import click

from grader import formats
from grader.bundle import KEY_ENV, unpack_outside
from grader.clickutil import OutputFile, Percent, user_errors
from grader.course import Course
from grader.errors import SubmissionError, UserError
from grader.fileutil import write_atomic
from grader.results import SubmissionResult
from grader.submission import module_path, read_source

# GitHub shows the first 10 error annotations of a step and drops the rest without a word; one is
# kept for --fail-under's own error, so at most 9 for the functions, the most useful ones first.
MAX_ANNOTATIONS = 9


# -- escaping -------------------------------------------------------------------------------------

def escape_data(text: str) -> str:
    """The message part of a workflow command (GitHub's escapeData: %, CR, LF)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value of a workflow command (escapeProperty: also ':' and ',')."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command_message(text: str) -> str:
    """The message of one of our own workflow commands: escapeData, plus no legacy '##[' inside."""
    return escape_data(text).replace("##[", "##%5B")


def neutralize(text: str) -> str:
    """Untrusted text made safe to print in a job log: one line, no '::' command, no legacy '##['. A
    plain log line is shown as printed, so '%' stays '%' ("51% of the spiral", not "51%25"): only a
    workflow command's message is decoded."""
    text = str(text).replace("\r", "%0D").replace("\n", "%0A")
    return text.replace("::", ":%3A").replace("##[", "##%5B")


# -- locating student functions --------------------------------------------------------------------

def definition_lines(source: str) -> dict[str, int]:
    """Line of the (last, as at import) top-level definition of each name in ``source``; parsed, never run."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    lines: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines[node.name] = node.lineno
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    lines[t.id] = node.lineno
    return lines


def annotations(result: SubmissionResult, course: Course, checkout: Path, workspace: Path) -> list[str]:
    """``::error`` workflow commands, one per failing function or ungradable assignment, at most
    MAX_ANNOTATIONS of them: assignments that could not be graded first, then functions the student
    wrote, then functions still raising NotImplementedError (a stub not started yet), and a
    ``::notice`` saying how many more the job summary lists."""
    out: list[str] = []
    started: list[str] = []
    stubs: list[str] = []
    for a in result.assignments:
        spec = course.assignment(a.id)
        path = module_path(checkout, a.id, spec.module)
        try:
            rel = path.resolve().relative_to(workspace.resolve()).as_posix()
        except ValueError:
            rel = path.relative_to(checkout).as_posix()
        if a.status == "missing" or (a.status != "graded" and not path.is_file()):
            # no file to point at (an annotation on a file the checkout lacks lands nowhere useful)
            title = f"{a.id}: not graded" if a.status == "missing" else f"{a.id}: cannot be graded"
            out.append(f"::error title={escape_property(title)}::{command_message(formats.clip(a.message))}")
            continue
        if a.status != "graded":
            m = re.search(r"\bline (\d+)", a.message)
            line = int(m.group(1)) if m else 1
            out.append(f"::error file={escape_property(rel)},line={line},"
                       f"title={escape_property(f'{a.id}: cannot be graded')}::"
                       f"{command_message(formats.clip(a.message))}")
            continue
        try:
            lines = definition_lines(read_source(checkout, a.id, spec.module))
        except SubmissionError:
            lines = {}
        for fn, tests in formats.by_function(a).items():
            bad = [t for t in tests if t.status != "passed"]
            if not bad:
                continue
            got = sum(t.score for t in tests)
            top = sum(t.max_score for t in tests)
            title = f"{fn}: {got:g} / {top:g} points"
            message = formats.clip(f"{len(tests) - len(bad)}/{len(tests)} tests passed; "
                                   f"{bad[0].status}: {bad[0].feedback}")
            group = stubs if all("NotImplementedError" in t.feedback for t in bad) else started
            group.append(f"::error file={escape_property(rel)},line={lines.get(fn, 1)},"
                         f"title={escape_property(title)}::{command_message(message)}")
    out += started + stubs
    if len(out) > MAX_ANNOTATIONS:
        more = len(out) - MAX_ANNOTATIONS
        out = out[:MAX_ANNOTATIONS] + [f"::notice title=more failing functions::{more} more failing function(s) "
                                       "are not annotated (GitHub shows 10 errors per step): see the job summary"]
    return out


# -- the GitHub environment ------------------------------------------------------------------------

def describe_event(env: Mapping[str, str]) -> str:
    """What was graded ("pull request #3 at 1a2b3c4d5e6f", "commit ... on main"), from the event file."""
    event: object = {}
    path = env.get("GITHUB_EVENT_PATH")
    if path:
        try:
            event = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            event = {}
    event = event if isinstance(event, dict) else {}
    pr = event.get("pull_request")
    if isinstance(pr, dict):
        head = pr.get("head") if isinstance(pr.get("head"), dict) else {}
        return f"pull request #{pr.get('number', '?')} at {str(head.get('sha', ''))[:12]}"
    sha = str(event.get("after") or env.get("GITHUB_SHA", ""))[:12]
    ref = env.get("GITHUB_REF_NAME", "")
    if not sha:
        return "local checkout"
    return f"commit {sha}" + (f" on {ref}" if ref else "")


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)


def _write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)


def _check_output(path: Path, option: str, checkout: Path) -> None:
    """Before grading: ``path`` can be written once its missing folders are made (a student's whole
    grading must not be lost to an output path that fails only at the end). Inside the checkout the
    student controls what already exists: a symbolic link there (grader-results/ committed as a link)
    would have the results written wherever it points, a FIFO would hang the job; both are refused."""
    full = Path(os.path.abspath(path))
    if full.is_relative_to(checkout):
        part = full
        while part != checkout:
            if part.is_symlink() or (part == full and part.exists() and not part.is_file()):
                kind = "a symbolic link" if part.is_symlink() else "not a regular file"
                raise UserError(f"cannot write {option} {path}: {part} is {kind} in the checkout, which the "
                                f"student's repository controls; remove it, or give {option} a path outside it")
            part = part.parent
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UserError(f"cannot write {option} {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {option} {path}: the folder {parent} is not writable")


@dataclass
class CiOptions:
    bundle: str | None = None
    key_env: str = KEY_ENV
    submission: str | None = None
    ids: list[str] = field(default_factory=list)
    results: str = "grader-results/results.json"
    junit: str = "grader-results/junit.xml"
    fail_under: float | None = None
    submitted_at: str | None = None


def run_ci(options: CiOptions, course_root: Callable[[], tuple[Path, Course]], env: Mapping[str, str],
           echo: Callable[[str], None]) -> int:
    """Grade and report; returns the exit status. ``course_root`` gives the course when there is no bundle."""
    from grader.late import apply_late_penalties, resolve_times
    from grader.runner import grade_submission, hidden_test_files

    # Outside Actions, with --submission given, the current directory is no checkout: a local try run
    # from /tmp was refused because the bundle's temporary directory "lies inside /tmp".
    workspace = Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
    checkout = Path(options.submission or workspace).resolve()
    if not checkout.is_dir():
        raise UserError(f"the checkout {checkout} is not a directory; pass --submission DIR")
    _check_output(Path(options.results), "--results", checkout)
    _check_output(Path(options.junit), "--junit", checkout)
    tmp = None
    try:
        if options.bundle:
            protected = [checkout, *([workspace] if env.get("GITHUB_WORKSPACE") or not options.submission else [])]
            tmp, root, course, available = unpack_outside(Path(options.bundle), protected,
                                                          options.key_env, env.get("RUNNER_TEMP") or None)
        else:
            root, course = course_root()
            available = [a.id for a in course.assignments if hidden_test_files(root, a.id)]
            if not available:
                raise UserError(f"{root} holds no hidden tests; pass --bundle FILE or set GRADER_BUNDLE "
                                "(see docs/ci.md)")
        ids = list(options.ids) or available
        missing = [i for i in ids if i not in available]
        if missing:
            raise UserError(f"no hidden tests for {', '.join(missing)} in "
                            f"{'the bundle' if options.bundle else root}; it has: {', '.join(available)}")
        name = (env.get("GITHUB_REPOSITORY") or "").rsplit("/", 1)[-1] or checkout.name
        if not options.bundle and (checkout / "solutions").is_dir():
            # the course repository itself: its assignments/ are the generated stubs, so it scores 0
            echo("::notice title=course repository::this checkout is the course repository (it has solutions/): "
                 "its assignments/ hold the stubs, which score 0. Check the course with `grader validate`; "
                 "`grader ci` grades a student's repository")
        result = grade_submission(root, course, checkout, ids, name=name)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    times = resolve_times(checkout, course, ids, options.submitted_at, None)
    if times:
        result = apply_late_penalties(result, course, times)

    from grader.report import to_json, to_table

    _write_file(Path(options.results), to_json(result))
    _write_file(Path(options.junit), formats.to_junit(result))
    what = describe_event(env)
    token = secrets.token_hex(16)
    echo(f"::stop-commands::{token}")
    echo(f"Graded {neutralize(what)}")
    for line in to_table(result).splitlines():
        echo(neutralize(line))
    echo(f"::{token}::")
    for command in annotations(result, course, checkout, workspace):
        echo(command)
    percent = 100.0 * result.score / result.max_score if result.max_score else 0.0
    _append(env.get("GITHUB_STEP_SUMMARY"),
            formats.to_markdown(result, heading=f"Autograder: {formats.md_escape(what)}")
            + "\nThis score is feedback; the grade of record is computed by the instructor.\n")
    _append(env.get("GITHUB_OUTPUT"), f"score={result.score:g}\nmax_score={result.max_score:g}\npercent={percent:.2f}\n")
    echo(f"score {result.score:g} / {result.max_score:g} ({percent:.1f}%); "
         f"results in {options.results} and {options.junit}")
    if options.fail_under is not None and percent < options.fail_under:
        echo(f"::error title=score below threshold::{percent:.1f}% is below --fail-under {options.fail_under:g}%")
        return 1
    return 0


# -- command line ----------------------------------------------------------------------------------

@click.command("ci")
@click.option("--bundle", type=click.Path(dir_okay=False), envvar="GRADER_BUNDLE", default=None,
              help="Autograder bundle from `grader bundle` (plain or encrypted) [env: GRADER_BUNDLE]. "
                   "Without it, the hidden tests of the course repository are used.")
@click.option("--key-env", default=KEY_ENV, show_default=True, metavar="NAME",
              help="Environment variable holding the passphrase of an encrypted bundle.")
@click.option("--submission", type=click.Path(exists=True, file_okay=False), default=None,
              help="Checkout to grade [default: $GITHUB_WORKSPACE, else the current directory].")
@click.option("-a", "--assignment", "ids", multiple=True, metavar="ID",
              help="Grade only this assignment (repeatable; default: every assignment in the bundle).")
@click.option("--results", type=OutputFile("results.json"), default="grader-results/results.json", show_default=True,
              help="Where to write the JSON result (that of `grader grade --format json`).")
@click.option("--junit", type=OutputFile("junit.xml"), default="grader-results/junit.xml", show_default=True,
              help="Where to write the JUnit XML result.")
@click.option("--fail-under", type=Percent(), default=None, metavar="PERCENT",
              help="Exit 1 when the score is below PERCENT of the maximum (default: exit 0 whenever grading "
                   "completed; 2 means it could not grade).")
@click.option("--submitted-at", default=None, metavar="TIME|git",
              help="Apply the late policy for a submission at this ISO 8601 time, or at the commit date ('git').")
@click.pass_obj
@user_errors(exit_code=2)  # 1 is a score below --fail-under: a workflow can tell the two apart
def ci_command(obj, bundle, key_env, submission, ids, results, junit, fail_under, submitted_at) -> None:
    """Grade the checkout this CI job runs in: job summary, annotations, outputs, result files."""
    options = CiOptions(bundle=bundle, key_env=key_env, submission=submission, ids=list(ids), results=results,
                        junit=junit, fail_under=fail_under, submitted_at=submitted_at)
    try:
        code = run_ci(options, lambda: (obj.root, obj.course), os.environ, click.echo)
    except (UserError, OSError, click.ClickException):
        raise  # one line and exit 2, from user_errors (Ctrl-C is no Exception: it exits 130 there)
    except Exception:  # a bug: still "could not grade" (2), never "below --fail-under" (1)
        import traceback

        traceback.print_exc()
        click.echo("Error: grading failed with the error above, a bug in the grader: please report it", err=True)
        code = 2
    raise SystemExit(code)
