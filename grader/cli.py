"""The `grader` command line: parses options and forwards to plain functions.

User mistakes (bad path, bad course.yaml, unknown assignment) surface as one-line
``click.ClickException`` messages that say what to do; tracebacks are for bugs only.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

import click

from grader.clickutil import InputFolder, OutputFile, WholeNumber, user_errors
from grader.course import Course, load_course
from grader.errors import UserError, stop_code, stop_word
from grader.fileutil import write_atomic
from grader.loading import find_course_root


class Context:
    def __init__(self, course_dir: str | None, from_env: bool = False):
        self._course_dir = course_dir
        self._from_env = from_env  # --course came from GRADER_COURSE, which the user may have forgotten
        self._root: Path | None = None
        self._course: Course | None = None

    @property
    def root(self) -> Path:
        if self._root is None:
            if not self._course_dir:
                self._root = find_course_root(Path.cwd())
                return self._root
            given = Path(self._course_dir)
            problem = "does not exist" if not given.exists() else "is not a directory" if not given.is_dir() \
                else "has no course.yaml" if not (given / "course.yaml").is_file() else ""
            if problem and self._from_env:
                raise UserError(f"GRADER_COURSE={self._course_dir} {problem}: set it to the course repository "
                                "(the folder holding course.yaml), or unset it to use the nearest one above the "
                                "current directory")
            if problem:
                raise UserError(f"--course {self._course_dir} {problem}: pass the course repository (the folder "
                                "holding course.yaml)")
            self._root = given.resolve()
        return self._root

    @property
    def course(self) -> Course:
        if self._course is None:
            self._course = load_course(self.root / "course.yaml")
        return self._course


def check_writable(path: Path) -> None:
    """Fail before the work, not after it: the directory that will hold ``path`` must exist and be
    writable."""
    parent = Path(path).parent
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {path}: directory {parent} is not writable")


def check_not_source(path: Path, root: Path, submission: Path | None = None) -> None:
    """Refuse an output that would replace an existing file of the course (course.yaml, a reference,
    a hidden test, a stub) or of the submission's assignments/: the work would be lost to a result."""
    target = Path(path).resolve()
    if not target.is_file():
        return
    places = [(root / "course.yaml", "the course"), (root / "solutions", "the course"),
              (root / "assignments", "the course")]
    if submission is not None:
        places.append((Path(submission) / "assignments", "the submission"))
    for place, whose in places:
        if target == place.resolve() or target.is_relative_to(place.resolve()):
            raise UserError(f"{path} is a file of {whose} ({place}): writing the result there would replace it; "
                            "give -o another file, such as result.json")


def colour_wanted(stream) -> bool:
    """Colour only on a terminal, and not when the user said no (https://no-color.org: NO_COLOR set
    and not empty) or the terminal cannot show it (TERM=dumb)."""
    return (stream is not None and stream.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


def write_output(text: str, out: str | None) -> None:
    """Write to a file atomically (a crash never leaves half a result), or to stdout. The caller
    checks the directory with :func:`check_writable` before its work."""
    if not out:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(Path(out), text)
    except OSError as err:  # a full disk, a read-only file system, a directory removed meanwhile
        raise UserError(f"cannot write {out}: {err.strerror or err}") from None


class _LazyGroup(click.Group):
    """A group whose commands defined in their own modules are imported only when used.

    Start-up time is part of every grade (one assignment takes ~0.1 s), so `grader grade` must not
    pay for importing the nbgrader, CI, bundle and doctor modules.
    """

    lazy = {"bundle": ("grader.bundle", "bundle_command"), "ci": ("grader.ci", "ci_command"),
            "doctor": ("grader.doctor", "doctor"), "gradescope": ("grader.gradescope", "gradescope_group"),
            "nbgrader": ("grader.nbgrader_io", "nbgrader_group")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str):
        if name in self.lazy and name not in self.commands:
            module, attr = self.lazy[name]
            try:
                self.add_command(getattr(importlib.import_module(module), attr), name)
            except KeyboardInterrupt as err:  # here click would say "Aborted!" and exit 1 (for ci: a low score)
                click.echo(stop_word(err), err=True)
                sys.exit(stop_code(err))
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--course", "course_dir", metavar="DIR", envvar="GRADER_COURSE", show_envvar=True,
              help="Course repository holding course.yaml (default: the nearest one above the current directory).")
@click.version_option(package_name="dlcourse-grader")
@click.pass_context
def main(ctx: click.Context, course_dir: str | None) -> None:
    """Grade NumPy deep-learning assignments, with student code isolated in a worker process."""
    from click.core import ParameterSource

    ctx.obj = Context(course_dir, from_env=ctx.get_parameter_source("course_dir") is ParameterSource.ENVIRONMENT)


@main.command()
@click.argument("submission", type=InputFolder())
@click.option("-a", "--assignment", "ids", multiple=True, metavar="ID", help="Grade only this assignment (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "gradescope", "junit", "markdown"]),
              default="table", show_default=True, help="Output format.")
@click.option("-o", "--output", "out", type=OutputFile("result.json"),
              help="Write the result to this file ('-': standard output, the default).")
@click.option("--submitted-at", metavar="TIME|git", default=None,
              help="Apply late penalties for a submission at this ISO 8601 time, or at SUBMISSION's commit date ('git').")
@click.option("--times", "times_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Apply late penalties from a CSV with columns student,submitted_at[,assignment].")
@click.pass_obj
@user_errors
def grade(obj: Context, submission: str, ids: tuple[str, ...], fmt: str, out: str | None,
          submitted_at: str | None, times_file: str | None) -> None:
    """Grade one SUBMISSION: a directory holding assignments/<id>/<module>.py.

    Exits 0 whenever grading completed, whatever the score.
    """
    from grader.formats import render
    from grader.late import apply_late_penalties, resolve_times
    from grader.runner import grade_submission
    from grader.submission import layout_mistake

    if out == "-":  # the usual spelling of standard output
        out = None
    if not out and sys.stdout is None:  # started with stdout closed (`>&-`): click would drop the result
        raise UserError("standard output is closed, so the result has nowhere to go: give -o FILE")
    if out:
        check_writable(Path(out))  # before grading, not after
        check_not_source(Path(out), obj.root, Path(submission))
    chosen = list(dict.fromkeys(ids)) or [a.id for a in obj.course.assignments]
    if mistake := layout_mistake(Path(submission), chosen):
        raise UserError(mistake)
    if not (Path(submission) / "assignments").is_dir():  # graded all the same: zero, every assignment missing
        click.echo(f"note: {submission} has no assignments/ folder, so every assignment is graded as not "
                   "submitted; is it the submission's folder?", err=True)
    # Before grading: a time that cannot be found is reported at once, not after the tests ran.
    times = resolve_times(Path(submission), obj.course, chosen, submitted_at, times_file)
    result = grade_submission(obj.root, obj.course, Path(submission), chosen)
    if times:
        result = apply_late_penalties(result, obj.course, times)
    write_output(render(result, fmt, color=out is None and colour_wanted(sys.stdout)), out)


def log_progress(iterable, length: int, every: float = 30.0, clock=time.monotonic):
    """Progress for a log rather than a terminal: a line at each tenth of the work, and at least
    every ``every`` seconds, with the count and an estimate of the time left."""
    start = last = clock()
    step = max(1, length // 10)
    for done, item in enumerate(iterable, 1):
        yield item
        now = clock()
        if done == length or done % step == 0 or now - last >= every:
            last = now
            left = (now - start) / done * (length - done)
            eta = f", about {_duration(left)} left" if done < length else f" in {_duration(now - start)}"
            click.echo(f"grading: {done}/{length} student(s){eta}", err=True)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


@main.command("grade-all")
@click.argument("directory", type=InputFolder())
@click.option("-a", "--assignment", "ids", multiple=True, metavar="ID", help="Grade only this assignment (repeatable).")
@click.option("-j", "--jobs", type=WholeNumber(1, 256), default=None, metavar="N",
              help="Parallel grader processes [default: number of cores].")
@click.option("-o", "--output", "out", type=OutputFile("gradebook.csv"), default="gradebook.csv", show_default=True,
              help="Gradebook CSV (one row per student, one column per assignment; see --gradebook-format).")
@click.option("--json-dir", type=click.Path(file_okay=False), help="Also write one JSON result per student here.")
@click.option("--journal", type=OutputFile("gradebook.csv.journal"),
              help="Progress journal for resuming [default: next to the gradebook, <output>.journal].")
@click.option("--force", is_flag=True, help="Regrade every student, even those already in the journal.")
@click.option("--plot", type=OutputFile("scores.png"),
              help="Save score histograms and a pass-rate heatmap (.png, .pdf or .svg).")
@click.option("--times", "times_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Apply late penalties from a CSV with columns student,submitted_at[,assignment]; "
                   "the student is the folder's name.")
@click.option("--gradebook-format", "book_format", type=click.Choice(["plain", "canvas", "moodle"]), default="plain",
              show_default=True,
              help="plain: assignment ids, Points Possible row, Total. canvas: Canvas's import columns, assignment "
                   "titles, no Total. moodle: no Points Possible row, no Total. Missing work is blank in canvas "
                   "and moodle.")
@click.option("--roster", "roster_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV with a 'folder' column and the columns to copy into the gradebook (the LMS's "
                   "identifiers: SIS Login ID, username, email...), so that its import matches each row.")
@click.pass_obj
@user_errors
def grade_all(obj: Context, directory: str, ids: tuple[str, ...], jobs: int | None, out: str,
              json_dir: str | None, journal: str | None, force: bool, plot: str | None,
              times_file: str | None, book_format: str, roster_file: str | None) -> None:
    """Grade every immediate subdirectory of DIRECTORY as one student's submission.

    Students already graded (same files, per the journal) are not graded again, so a batch that
    was interrupted resumes where it stopped. Late penalties (--times) are applied to the
    gradebook and JSON results, not to the journal: a corrected times file needs no regrading.
    """
    from grader.batch import grade_all as run_batch
    from grader.batch import gradebook_csv, some_files, stray_files, summary

    chosen = list(dict.fromkeys(ids)) or [a.id for a in obj.course.assignments]  # -a X -a X: one column, one plot
    if out == "-":
        raise click.BadParameter("grade-all writes its gradebook to a file (its journal sits beside it); give a "
                                 "file name, and use `grader grade` for one submission's result on stdout",
                                 param_hint="'-o' / '--output'")
    out_path = Path(out)
    journal_path = Path(journal) if journal else out_path.with_name(out_path.name + ".journal")
    # Every output is checked before grading: a class can take an hour, and a typo must not cost it.
    files = {"-o": out_path, "--journal": journal_path, **({"--plot": Path(plot)} if plot else {})}
    seen: dict[Path, str] = {}
    for option, path in files.items():
        if path.resolve() in seen:
            raise click.BadParameter(f"it names the same file as {seen[path.resolve()]} ({path}): each output would "
                                     "overwrite the other (a gradebook over the journal, and no batch could resume)",
                                     param_hint=f"'{option}'")
        seen[path.resolve()] = option
    for path in (out_path, journal_path):
        check_writable(path)
        check_not_source(path, obj.root)
    if plot:
        from grader.plots import check_plot_path

        check_plot_path(Path(plot))
        check_writable(Path(plot))
    # What the batch writes inside DIRECTORY (--json-dir, created below) is not a student.
    outputs = [out_path, journal_path, *(Path(p) for p in (json_dir, plot) if p)]
    from grader.batch import check_class, list_students

    # Refused before anything is made: an output inside a student's folder, or a folder that is
    # not a class (one submission, say).
    students = check_class(Path(directory), chosen, list_students(Path(directory), outputs))
    roster = None
    if roster_file:
        from grader.batch import check_roster, read_roster

        roster = read_roster(Path(roster_file))
        check_roster(roster, obj.course, chosen)
    times = None
    if times_file:
        from grader.late import class_times, read_times

        times = class_times(students, obj.course, chosen, read_times(Path(times_file), obj.course), times_file)
    if json_dir:
        try:
            Path(json_dir).mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UserError(f"cannot create --json-dir {json_dir}: {err.strerror or err}") from None
        check_writable(Path(json_dir) / "student.json")

    def progress(iterable, length: int):
        if not sys.stderr.isatty():  # a CI log, nohup, a pipe: click's bar stays silent there until the end
            yield from log_progress(iterable, length)
            return
        with click.progressbar(iterable, length=length, label="grading", show_eta=True, show_pos=True,
                               file=sys.stderr) as bar:
            yield from bar

    try:
        outcome = run_batch(obj.root, obj.course, Path(directory), ids=chosen, jobs=jobs,
                            journal_path=journal_path, force=force, progress=progress, outputs=outputs)
    except KeyboardInterrupt as err:
        from grader.batch import Journal

        kept = sum(tuple(chosen) in graded for graded in Journal(journal_path).read().values())
        click.echo(f"\n{stop_word(err)}: {kept} graded student(s) are kept in the journal {journal_path}; "
                   "run the same command again to grade the rest"
                   + (" (without --force, or they are graded again)" if force else ""), err=True)
        sys.exit(stop_code(err))
    results, late = outcome.results, []
    if times:
        from grader.late import late_summary, penalize_class

        results = penalize_class(outcome.results, obj.course, times)
        late = late_summary(outcome.results, results, chosen)
    try:
        write_atomic(out_path, gradebook_csv(results, obj.course, chosen, book_format, roster))
        if json_dir:
            for name, result in results.items():
                write_atomic(Path(json_dir) / f"{name}.json", json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        if plot:
            from grader.plots import plot_class

            plot_class(results, obj.course, chosen, Path(plot))
    except OSError as err:  # e.g. the disk filled up while grading
        again = "the same command without --force" if force else "the same command"
        # The default journal sits next to -o: a new -o alone would look for it there, and regrade all.
        keep = "" if journal else f"; to change -o, also pass --journal {journal_path}"
        raise UserError(f"every student is graded, but writing {err.filename or 'an output'} failed "
                        f"({err.strerror or err}). The grades are kept in the journal {journal_path}: run "
                        f"{again} (with --json-dir or --plot changed if need be{keep}) and no one is graded "
                        "again") from None
    click.echo(f"graded {outcome.graded} student(s), {outcome.reuse_note()}; wrote {out}")
    notes: list[str] = []
    if outcome.nested:  # said, since the instructor may want the layout fixed for next time
        from grader.results import submission_name

        down = [f"{name}/{inner}" for name, inner in sorted(outcome.nested.items())]
        notes.append(f"graded one folder down (a repository downloaded as a zip): {len(down)} student(s): "
                       + ", ".join(submission_name(d) for d in down[:8]) + (" ..." if len(down) > 8 else ""))
    from grader.batch import files_instead

    notes += files_instead(students)
    if roster:
        from grader.batch import roster_mismatches

        notes += roster_mismatches(results, roster)
    for line in summary(results, obj.course, chosen) + late + notes:
        click.echo(line)
    if files := stray_files(Path(directory)):  # students who sent an archive, or a bare module
        click.echo(f"not graded: {directory} also holds {some_files(files)}; only folders are graded: unpack each "
                   "into a folder named after its student, and run the same command again", err=True)


@main.command()
@click.option("--check", is_flag=True, help="Only verify that the committed stubs match the references.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Build the student repository in this new directory (no solutions, no hidden tests).")
@click.pass_obj
@user_errors
def release(obj: Context, check: bool, out: str | None) -> None:
    """Regenerate the student stubs in assignments/ from the references in solutions/."""
    from grader.release import check_release
    from grader.release import release as do_release

    if check and out:
        raise click.UsageError("give --check or --out, not both")
    if out:
        from grader.student_repo import build_student_repo

        files = build_student_repo(obj.root, obj.course, Path(out))
        click.echo(f"wrote the student repository to {out} ({len(files)} files; no solution or hidden test found in it)")
        return
    if check:
        problems = check_release(obj.root, obj.course)
        if problems:
            raise click.ClickException("stubs are out of date:\n  " + "\n  ".join(problems))
        click.echo(f"all {len(obj.course.assignments)} stubs match their references")
        return
    changed = do_release(obj.root, obj.course)
    for path in changed:
        click.echo(f"wrote {path.relative_to(obj.root)}")
    click.echo(f"{len(changed)} stub(s) regenerated" if changed else "stubs already up to date")


@main.command()
@click.option("-a", "--assignment", "ids", multiple=True, metavar="ID",
              help="Validate only this assignment (repeatable).")
@click.pass_obj
@user_errors
def validate(obj: Context, ids: tuple[str, ...]) -> None:
    """Check the course: references get full marks and pass the public tests, untouched stubs get zero,
    files are consistent, no test throws a check's result away.

    Also warns of draws no seed fixes and of hidden tests that cost each student over 50 ms or 100
    round trips to the worker. Exits 1 when a check fails."""
    from grader.validate import validate_course

    ok = validate_course(obj.root, obj.course, list(ids) or None, echo=click.echo)
    if not ok:
        raise click.ClickException("validation failed (see above)")


@main.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("-a", "--assignment", "more_ids", multiple=True, metavar="ID",
              help="Check only this assignment (repeatable), as in the other commands; a bare ID works too.")
@click.pass_obj
@user_errors
def check(obj: Context, ids: tuple[str, ...], more_ids: tuple[str, ...]) -> None:
    """For students: run the public tests of your checkout (all assignments, or the IDs given).

    An ID may also be given as the start of the id (03), the module (backprop) or the folder
    (assignments/03_backprop/), when only one assignment matches."""
    from grader.student import run_public_tests

    chosen = list(dict.fromkeys(ids + more_ids))  # an assignment named twice runs once
    try:
        code = run_public_tests(obj.root, obj.course, chosen or None, echo=click.echo)
    except KeyboardInterrupt:  # while reading the modules; once the runs start, run_public_tests handles Ctrl-C
        click.echo("\ninterrupted")
        code = 130
    sys.exit(code)
