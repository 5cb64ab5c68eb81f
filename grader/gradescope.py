"""Gradescope: build the autograder zip, and grade inside Gradescope's container.

The zip holds, at its root (Gradescope's autograder specification):
``setup.sh`` (installs Python 3.11+ and the grader into /autograder/venv), ``run_autograder``
(calls ``grader gradescope run``), ``autograder.tar.gz`` (the bundle: references, hidden tests,
course.yaml) and ``grader-src/`` (the grader package and its pyproject). Gradescope unpacks it to
/autograder/source; students never see it, but their code runs in the same container, which is
why grading goes through the confined worker as everywhere else.

A Gradescope submission is either a whole repository (uploaded from GitHub, or a zip of it) or
just the module files: :func:`stage_submission` accepts both.
"""

from __future__ import annotations

import io
import json
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

import click

from grader import formats
from grader.bundle import build_bundle, unpack_outside
from grader.clickutil import OutputFile, user_errors
from grader.course import Course
from grader.errors import UserError
from grader.fileutil import write_atomic
from grader.student_repo import TEMPLATES, copy_grader_package

_MAX_DEPTH = 4  # how deep to look for module files in a submission


def build_autograder_zip(root: Path, course: Course, out: Path, ids: list[str] | None = None,
                         visibility: str = "visible", stdout_visibility: str = "hidden") -> list[str]:
    """Write the Gradescope autograder zip for assignments ``ids`` (all by default); returns its members."""
    for name, value in (("visibility", visibility), ("stdout visibility", stdout_visibility)):
        if value not in formats.VISIBILITIES:
            raise UserError(f"{name} must be one of {', '.join(formats.VISIBILITIES)} (got {value!r})")
    out = Path(out)
    if not out.parent.is_dir():
        raise UserError(f"cannot write {out}: directory {out.parent} does not exist")
    run = ((TEMPLATES / "gradescope_run_autograder").read_text(encoding="utf-8")
           .replace("@VISIBILITY@", visibility).replace("@STDOUT_VISIBILITY@", stdout_visibility))
    with tempfile.TemporaryDirectory(prefix="grader-gradescope-") as tmp:
        tmp = Path(tmp)
        build_bundle(root, course, tmp / "autograder.tar.gz", ids)
        copy_grader_package(tmp / "grader-src", [])
        members = []
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            def add(name: str, data: bytes, executable: bool = False) -> None:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
                members.append(name)

            add("setup.sh", (TEMPLATES / "gradescope_setup.sh").read_bytes(), executable=True)
            add("run_autograder", run.encode(), executable=True)
            add("autograder.tar.gz", (tmp / "autograder.tar.gz").read_bytes())
            for path in sorted(p for p in (tmp / "grader-src").rglob("*") if p.is_file()):
                add(f"grader-src/{path.relative_to(tmp / 'grader-src').as_posix()}", path.read_bytes())
        write_atomic(out, buf.getvalue())  # on a full disk, no half zip and no temporary file is left
    return members


def _candidates(base: Path, name: str) -> list[Path]:
    """Regular files called ``name`` under ``base`` (no symlinks followed), shallowest first."""
    found = []
    for path in base.rglob(name):
        rel = path.relative_to(base)
        if len(rel.parts) > _MAX_DEPTH or any(p.startswith(".") or p == "__MACOSX" for p in rel.parts):
            continue
        if any((base / Path(*rel.parts[:i])).is_symlink() for i in range(1, len(rel.parts) + 1)):
            continue
        if path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: (len(p.relative_to(base).parts), str(p)))


def stage_submission(submission: Path, course: Course, ids: list[str], staging: Path) -> tuple[Path, list[str]]:
    """The directory to grade, and notes on where each module was found.

    A repository (``assignments/<id>/<module>.py`` at the top, or one level down, as in a zip of
    the folder) is graded in place. Otherwise each ``<module>.py`` found anywhere (shallowest
    first) is copied into ``staging/assignments/<id>/``; symlinks are never followed.
    """
    submission = Path(submission)
    for base in [submission, *sorted(p for p in submission.iterdir() if p.is_dir() and not p.is_symlink())]:
        if any((base / "assignments" / i / f"{course.assignment(i).module}.py").exists() for i in ids):
            return base, ([] if base == submission else [f"graded the repository in {base.relative_to(submission)}/"])
    notes = []
    for aid in ids:
        module = f"{course.assignment(aid).module}.py"
        found = _candidates(submission, module)
        if not found:
            notes.append(f"{aid}: no {module} in the submission")
            continue
        dest = staging / "assignments" / aid / module
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found[0], dest)
        where = found[0].relative_to(submission).as_posix()
        notes.append(f"{aid}: graded {where}" + (f" ({len(found) - 1} other {module} ignored)" if len(found) > 1 else ""))
    return staging, notes


def run_in_gradescope(submission: Path, bundle: Path, results: Path, visibility: str = "visible",
                      stdout_visibility: str = "hidden") -> dict:
    """Grade a Gradescope submission with the bundle and write results.json; returns its content."""
    from grader.runner import grade_submission

    submission = Path(submission)
    if not submission.is_dir():
        raise UserError(f"the submission directory {submission} does not exist")
    tmp, root, course, ids = unpack_outside(Path(bundle), [submission])
    try:
        with tempfile.TemporaryDirectory(prefix="grader-staging-") as staging:
            target, notes = stage_submission(submission, course, ids, Path(staging))
            result = grade_submission(root, course, target, ids, name="submission")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    data = formats.gradescope_dict(result, visibility=visibility, stdout_visibility=stdout_visibility)
    if notes:
        data["output"] = "\n".join(notes) + "\n\n" + data["output"]
    # Which protections were active in Gradescope's container (a Docker container may refuse namespaces
    # or Landlock): kept in results.json's extra_data, and run_command prints it in the instructor's log.
    data["extra_data"] = {"isolation": result.isolation}
    results = Path(results)
    results.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(results, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return data


# -- command line ----------------------------------------------------------------------------------

_VIS = click.Choice(formats.VISIBILITIES)


@click.group("gradescope")
def gradescope_group() -> None:
    """Gradescope autograder: build the upload zip, and grade inside Gradescope's container."""


@gradescope_group.command("build")
@click.option("-a", "--assignment", "ids", multiple=True, metavar="ID",
              help="Include only this assignment (repeatable; usually one per Gradescope assignment).")
@click.option("-o", "--output", "out", type=OutputFile("autograder.zip"), default="autograder.zip",
              show_default=True,
              help="Zip file to upload as the Gradescope autograder.")
@click.option("--visibility", type=_VIS, default="visible", show_default=True, help="When students see the tests.")
@click.option("--stdout-visibility", type=_VIS, default="hidden", show_default=True,
              help="When students see the autograder's log.")
@click.pass_obj
@user_errors
def build_command(obj, ids, out, visibility, stdout_visibility) -> None:
    """Build the Gradescope autograder zip (setup.sh, run_autograder, bundle, grader)."""
    if out.lower().endswith((".tar", ".gz", ".tgz", ".bz2", ".xz")):
        raise UserError(f"Gradescope takes the autograder as a .zip: name it e.g. autograder.zip (got {out}); "
                        "for the tar.gz bundle that CI uses, use `grader bundle`")
    from grader.cli import check_not_source, check_writable

    check_writable(Path(out))  # before the work, naming the file asked for
    check_not_source(Path(out), obj.root)
    members = build_autograder_zip(obj.root, obj.course, Path(out), list(ids) or None, visibility, stdout_visibility)
    click.echo(f"wrote {out} ({len(members)} files); upload it as the assignment's autograder (Ubuntu base image)")


@gradescope_group.command("run")
@click.option("--submission", type=click.Path(file_okay=False), default="/autograder/submission", show_default=True,
              help="The student's upload, where Gradescope puts it.")
@click.option("--bundle", type=click.Path(dir_okay=False), default="/autograder/source/autograder.tar.gz",
              show_default=True, help="The course bundle packed into the autograder zip.")
@click.option("--results", type=OutputFile("results.json"), default="/autograder/results/results.json",
              show_default=True, help="Where Gradescope reads the result (its results.json format).")
@click.option("--visibility", type=_VIS, default="visible", show_default=True, help="When students see the tests.")
@click.option("--stdout-visibility", type=_VIS, default="hidden", show_default=True,
              help="When students see the autograder's log.")
@user_errors
def run_command(submission, bundle, results, visibility, stdout_visibility) -> None:
    """Grade a submission inside Gradescope's container (what run_autograder calls)."""
    data = run_in_gradescope(Path(submission), Path(bundle), Path(results), visibility, stdout_visibility)
    click.echo(f"score {data['score']:g}; wrote {results}")
    iso = data["extra_data"]["isolation"] or {}
    click.echo(f"Isolation: {len(iso.get('active', []))} protections active ({', '.join(iso.get('active', []))})")
    for item in iso.get("unavailable", []):
        click.echo(f"  NOT ACTIVE: {item.get('name')}: {item.get('reason')} (see `grader doctor`)")
