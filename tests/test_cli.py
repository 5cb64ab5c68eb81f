"""Does every command work through click, with clean messages for user mistakes?"""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.conftest import ROOT, make_submission, reference_source

AID = "03_backprop"


def run(*args):
    return CliRunner().invoke(main, ["--course", str(ROOT), *args])


@pytest.mark.parametrize("command", [[], ["grade"], ["validate"], ["check"], ["release"]])
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_grade_json_has_the_fixed_keys(course, tmp_path):
    sub = make_submission(tmp_path / "alice", course, {AID: reference_source(course, AID)})
    result = run("grade", str(sub), "-a", AID, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"submission", "score", "max_score", "assignments", "isolation"}
    assert "separate-process" in data["isolation"]["active"] and isinstance(data["isolation"]["unavailable"], list)
    assert data["submission"] == "alice" and data["score"] == data["max_score"] > 0
    [a] = data["assignments"]
    assert set(a) == {"id", "score", "max_score", "status", "message", "tests"}
    assert a["status"] == "graded"
    for t in a["tests"]:
        assert set(t) == {"name", "function", "score", "max_score", "status", "feedback"}
        assert t["function"] in course.assignment(AID).points and t["status"] == "passed"


def test_grade_table_and_output_file(course, tmp_path):
    sub = make_submission(tmp_path / "bob", course, {AID: reference_source(course, AID)})
    result = run("grade", str(sub), "-a", AID)
    assert result.exit_code == 0 and "Total:" in result.output and "affine_backward" in result.output
    out = tmp_path / "r.json"
    assert run("grade", str(sub), "-a", AID, "--format", "json", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["submission"] == "bob"


def test_a_repeated_assignment_is_graded_once(course, tmp_path):
    # Both copies used to share one worker: the second killed the first's, and scores varied.
    sub = make_submission(tmp_path / "carol", course, {"02_perceptron": reference_source(course, "02_perceptron")})
    result = run("grade", str(sub), "-a", "02_perceptron", "-a", "02_perceptron", "--format", "json")
    data = json.loads(result.output)
    assert [a["id"] for a in data["assignments"]] == ["02_perceptron"]
    assert data["score"] == data["max_score"] == course.assignment("02_perceptron").max_score


def test_ctrl_c_during_grade_exits_130_not_aborted(tmp_path, monkeypatch):
    import grader.runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(grader.runner, "grade_submission", interrupted)
    result = run("grade", str(tmp_path), "-a", "02_perceptron")
    assert result.exit_code == 130 and "interrupted" in result.output and "Aborted" not in result.output


def test_ctrl_c_stops_grade_at_once_when_one_module_hangs(tmp_path):
    """A student early in the term: one module, every function of which loops. Ctrl-C must stop
    `grade` at once, not after every 5 s call limit still to come (it waited 11 s to 98 s, in a
    thread pool, when the other assignments were missing)."""
    spin = "".join(f"def {fn}(*args, **kwargs):\n    while True:\n        pass\n\n"
                   for fn in ("step", "perceptron", "gate_params", "xor"))
    folder = tmp_path / "sub" / "assignments" / "02_perceptron"
    folder.mkdir(parents=True)
    (folder / "perceptron.py").write_text(spin)
    proc = subprocess.Popen([sys.executable, "-m", "grader", "--course", str(ROOT), "grade", str(tmp_path / "sub")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        time.sleep(3)  # the first call is running, with 5 s to go before its limit
        assert proc.poll() is None, proc.communicate()[0]
        os.killpg(proc.pid, signal.SIGINT)
        sent = time.monotonic()
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    waited = time.monotonic() - sent
    assert proc.returncode == 130 and "interrupted" in out and "Traceback" not in out, out
    assert waited < 2.5, f"grade exited {waited:.1f} s after Ctrl-C"


def test_an_output_that_cannot_be_written_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    import grader.cli as cli

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(cli, "write_atomic", disk_full)
    result = run("grade", str(tmp_path), "-a", "02_perceptron", "--format", "json", "-o", str(tmp_path / "r.json"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"cannot write {tmp_path / 'r.json'}: No space left on device" in result.output


def _table_on_a_terminal(submission, env: dict) -> str:
    """What `grader grade` prints when its standard output is a terminal (a pseudo-terminal)."""
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "grader", "--course", str(ROOT), "grade", str(submission), "-a",
                               "02_perceptron"], stdout=follower, stderr=subprocess.PIPE, timeout=120,
                              env={**os.environ, "TERM": "xterm", **env})
        os.close(follower)
        follower = -1
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and everything was read
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert proc.returncode == 0, proc.stderr
    return out.decode()


def test_the_table_is_coloured_on_a_terminal_unless_no_color_or_a_dumb_terminal(course, tmp_path):
    sub = make_submission(tmp_path / "sub", course, {"02_perceptron": reference_source(course, "02_perceptron")})
    assert "\x1b[" in _table_on_a_terminal(sub, {"NO_COLOR": ""})  # set but empty: no effect, per no-color.org
    for env in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        text = _table_on_a_terminal(sub, env)
        assert "Total: 20.00 / 20.00" in text and "\x1b" not in text, env


@pytest.mark.parametrize("args, example", [
    (["grade", "{sub}", "-o"], "result.json"),
    (["grade-all", "{sub}", "-o"], "gradebook.csv"),
    (["grade-all", "{sub}", "--journal"], "gradebook.csv.journal"),
    (["grade-all", "{sub}", "--plot"], "scores.png"),
    (["ci", "--submission", "{sub}", "--results"], "results.json"),
    (["ci", "--submission", "{sub}", "--junit"], "junit.xml"),
    (["bundle", "-o"], "autograder.tar.gz"),
    (["gradescope", "build", "-o"], "autograder.zip"),
    (["gradescope", "run", "--submission", "{sub}", "--results"], "results.json"),
])
def test_an_output_file_named_like_a_folder_is_refused(tmp_path, monkeypatch, args, example):
    # `--results gr/` wrote a file named gr: to Path, "gr/" is "gr".
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    result = run(*[a.format(sub=tmp_path / "sub") for a in args], "gr/")
    assert result.exit_code == 2, result.output
    assert f"'gr/' names a folder, but this is a file: give the file's name too, such as gr/{example}" in result.output
    assert not (tmp_path / "gr").exists()


@pytest.mark.parametrize("args, said", [
    (["grade-all", "{sub}", "-j", "abc"], "'abc' is not a valid integer."),
    (["grade-all", "{sub}", "-j", "0"], "0 is not in the range 1<=x<=256."),
    (["ci", "--submission", "{sub}", "--fail-under", "half"], "'half' is not a valid number."),
])
def test_a_number_option_given_a_word_says_a_number_is_wanted(tmp_path, args, said):
    # click's own wording asked for "a valid integer range" (or "float range"), as if a range were wanted
    (tmp_path / "sub").mkdir()
    result = run(*[a.format(sub=tmp_path / "sub") for a in args])
    assert result.exit_code == 2, result.output
    assert said in result.output and "range." not in result.output.replace(said, "")


def test_a_wrong_course_path_says_where_it_came_from(tmp_path):
    # A stale GRADER_COURSE, forgotten in a shell profile, was reported as if --course had been
    # passed, and the help did not mention the variable.
    (tmp_path / "file").write_text("x")
    cases = {
        ("env", "gone"): f"GRADER_COURSE={tmp_path / 'gone'} does not exist: set it to the course repository",
        ("env", ""): f"GRADER_COURSE={tmp_path} has no course.yaml: set it to the course repository",
        ("option", "gone"): f"--course {tmp_path / 'gone'} does not exist: pass the course repository",
        ("option", "file"): f"--course {tmp_path / 'file'} is not a directory: pass the course repository",
        ("option", ""): f"--course {tmp_path} has no course.yaml: pass the course repository",
    }
    for (how, name), message in cases.items():
        path = str(tmp_path / name) if name else str(tmp_path)
        args, env = (["validate"], {"GRADER_COURSE": path}) if how == "env" else (["--course", path, "validate"], {})
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output, result.output
    assert "env var: GRADER_COURSE" in CliRunner().invoke(main, ["--help"]).output
    valid = CliRunner().invoke(main, ["validate", "-a", "02_perceptron"], env={"GRADER_COURSE": str(ROOT)})
    assert valid.exit_code == 0, valid.output


def test_dash_output_is_stdout_for_grade_and_refused_by_grade_all(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sub = tmp_path / "sub"
    sub.mkdir()
    result = run("grade", str(sub), "-a", "02_perceptron", "--format", "json", "-o", "-")
    assert result.exit_code == 0 and json.loads(result.stdout)["assignments"][0]["id"] == "02_perceptron"
    result = run("grade-all", str(tmp_path), "-a", "02_perceptron", "-o", "-")
    assert result.exit_code == 2 and "give a file name" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"], "no file named '-' (nor its journal) is written"


def test_user_mistakes_give_one_line_messages_not_tracebacks(tmp_path):
    cases = [
        run("grade", str(tmp_path), "-a", "99_nothing"),
        run("grade", str(tmp_path / "nope")),
        CliRunner().invoke(main, ["--course", str(tmp_path), "validate"]),
        run("grade", str(tmp_path), "-a", AID, "--format", "json", "-o", str(tmp_path / "no" / "dir" / "x.json")),
    ]
    for result in cases:
        assert result.exit_code != 0
        assert "Traceback" not in result.output and not isinstance(result.exception, (TypeError, KeyError))
    assert "unknown assignment '99_nothing'" in cases[0].output
    assert "does not exist" in cases[1].output
    assert "course.yaml" in cases[2].output


def test_grading_an_empty_directory_completes_with_missing_assignments(tmp_path):
    result = run("grade", str(tmp_path), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # the JSON alone: the note that the folder may be wrong is on stderr
    assert data["score"] == 0 and {a["status"] for a in data["assignments"]} == {"missing"}
    assert "has no assignments/ folder" in result.stderr


def test_release_check_passes_on_the_repository():
    result = run("release", "--check")
    assert result.exit_code == 0 and "match" in result.output


def test_validate_one_assignment():
    result = run("validate", "-a", AID)
    assert result.exit_code == 0, result.output
    assert "validation passed" in result.output and "warning" not in result.output


def test_validate_warns_of_an_assignment_without_readme_public_tests_or_notebook(tmp_path):
    """An assignment added with only its reference, hidden tests and stub passed validation without a
    word, but its students got no instructions, and `grader check` said all public tests pass having
    run none."""
    for part in ("solutions", "assignments"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    folder = tmp_path / "assignments" / AID
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "validate", "-a", AID])
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    (folder / "README.md").unlink()
    for test in folder.glob("test_*.py"):
        test.unlink()
    (folder / f"{AID}.ipynb").unlink()
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "validate", "-a", AID])
    assert result.exit_code == 0 and "validation passed" in result.output, result.output
    assert f"warning: {AID}: no notebook {AID}.ipynb in {folder}: students get no plots" in result.output
    assert f"warning: {AID}: no README.md in {folder}: students get no instructions for it" in result.output
    assert f"warning: {AID}: no public tests (test_*.py) in {folder}: `grader check` has nothing to run" \
        in result.output
    check = CliRunner().invoke(main, ["--course", str(tmp_path), "check", AID])
    assert check.exit_code == 0 and "(no public tests)" in check.output, check.output
    assert "all public tests pass" not in check.output and "no public tests to run here" in check.output


def test_check_runs_public_tests_on_a_student_checkout(course, tmp_path):
    import shutil

    shutil.copytree(ROOT / "assignments", tmp_path / "assignments")
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    stub = CliRunner().invoke(main, ["--course", str(tmp_path), "check", AID])
    # untouched: one line, not a NotImplementedError traceback per public test
    assert stub.exit_code == 1 and "\nnot started: 03_backprop\n" in stub.output, stub.output
    assert "NotImplementedError\n" not in stub.output and "public tests fail" not in stub.output
    assert len(stub.output.splitlines()) == 4, stub.output
    module = tmp_path / "assignments" / AID / "backprop.py"
    module.write_text(module.read_text() + "\n\ndef relu_forward(x):\n    return np.maximum(x, 0), x\n")
    begun = CliRunner().invoke(main, ["--course", str(tmp_path), "check", AID])  # its tests run, and fail
    assert begun.exit_code == 1 and "public tests fail in: 03_backprop" in begun.output, begun.output
    assert "NotImplementedError" in begun.output and "not started" not in begun.output
    (tmp_path / "assignments" / AID / "backprop.py").write_text(reference_source(course, AID))
    done = CliRunner().invoke(main, ["--course", str(tmp_path), "check", AID])
    assert done.exit_code == 0 and "all public tests pass" in done.output
    # -a ID, as every other command spells it, and an assignment named twice runs once
    both = CliRunner().invoke(main, ["--course", str(tmp_path), "check", "-a", AID, AID])
    assert both.exit_code == 0 and both.output.count(f"== {AID}") == 1 and "== 01_" not in both.output, both.output
    # as a student types it: the folder the shell completed, the module, the number; once each
    named = CliRunner().invoke(main, ["--course", str(tmp_path), "check", "assignments/03_backprop/", "backprop", "03"])
    assert named.exit_code == 0 and named.output.count(f"== {AID}") == 1, named.output
    assert "'0' is the start of 7 assignments" in CliRunner().invoke(main, ["--course", str(tmp_path), "check",
                                                                           "0"]).output
    (tmp_path / "assignments" / AID / "backprop.py").write_text("import os\n")
    bad = CliRunner().invoke(main, ["--course", str(tmp_path), "check", AID])
    assert bad.exit_code == 1 and "imports 'os'" in bad.output


def test_check_says_what_to_do_about_a_missing_module(course, tmp_path):
    # "regression.py not found" left a student who had renamed or lost the file with nothing to do.
    shutil.copytree(ROOT / "assignments" / "01_regression", tmp_path / "assignments" / "01_regression")
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    folder = tmp_path / "assignments" / "01_regression"
    (folder / "regression.py").rename(folder / "Regression (1).py")
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "check", "01_regression"])
    assert result.exit_code == 1, result.output
    assert "assignments/01_regression/regression.py not found" in result.output
    assert "only this file name is graded" in result.output and "'Regression (1).py'" in result.output
    assert "git checkout -- assignments/01_regression/regression.py" in result.output
    (folder / "Regression (1).py").unlink()
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "check", "01_regression"])
    assert "git checkout -- assignments/01_regression/regression.py" in result.output
    assert "only this file name" not in result.output, result.output


@pytest.mark.parametrize("argv, grading", [
    (["grade", "sub"], True), (["--course", "x", "grade-all", "d"], True), (["validate"], True),
    (["ci"], True), (["grade", "--help"], False), (["release"], False), (["--course", "grade"], False),
    (["doctor"], False), ([], False), (["--version"], False),
])
def test_the_console_script_boots_the_zygote_early_only_for_grading_commands(argv, grading):
    from grader.entry import _GRADING, _command

    assert (_command(argv) in _GRADING) is grading


def test_the_console_script_uses_one_blas_thread_unless_told_otherwise(monkeypatch):
    from grader.entry import _one_blas_thread

    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)  # restored after the test
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    _one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "4"


def test_the_console_script_keeps_exit_codes_and_output(course, tmp_path):
    """`python -m grader` goes through grader.entry, which skips interpreter teardown."""
    import subprocess
    import sys

    sub = make_submission(tmp_path / "alice", course, {"02_perceptron": reference_source(course, "02_perceptron")})
    ok = subprocess.run([sys.executable, "-m", "grader", "--course", str(ROOT), "grade", str(sub), "-a",
                         "02_perceptron", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["score"] == course.assignment("02_perceptron").max_score
    bad = subprocess.run([sys.executable, "-m", "grader", "--course", str(ROOT), "grade", str(tmp_path / "nobody")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "does not exist" in bad.stderr
    failing = subprocess.run([sys.executable, "-m", "grader", "--course", str(ROOT), "validate", "-a", "nope"],
                             capture_output=True, text=True, timeout=120)
    assert failing.returncode == 1 and "unknown assignment 'nope'" in failing.stderr


@pytest.mark.parametrize("launcher", ["zygote", "spawn"])
def test_a_worker_that_cannot_be_confined_stops_grading_instead_of_recording_zeros(course, tmp_path, launcher):
    """`ulimit -f 8` in the instructor's shell: the zygote (or, without one, the spawned worker's
    preexec step) cannot set the worker's file size limit. That is this machine's fault, not the
    students': no zero may be journaled for a resumed batch to reuse, and the grader must not
    truncate its own bytecode cache in the process either."""
    import resource

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    source = {"02_perceptron": reference_source(course, "02_perceptron")}
    make_submission(tmp_path / "class" / "alice", course, source)
    make_submission(tmp_path / "class" / "bob", course, source)
    base = [sys.executable, "-m", "grader", "--course", str(ROOT)]
    env = {**os.environ, "GRADER_NO_ZYGOTE": "1"} if launcher == "spawn" else None
    one = subprocess.run([*base, "grade", str(tmp_path / "class" / "alice"), "-a", "02_perceptron"],
                         capture_output=True, text=True, timeout=120, preexec_fn=small_files, env=env)
    gradebook = tmp_path / "gradebook.csv"
    batch = subprocess.run([*base, "grade-all", str(tmp_path / "class"), "-a", "02_perceptron", "-o", str(gradebook)],
                           capture_output=True, text=True, timeout=120, preexec_fn=small_files, env=env)
    for proc in (one, batch):
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "could not confine its worker process" in proc.stderr and "Traceback" not in proc.stderr
    assert not gradebook.exists()
    journal = tmp_path / "gradebook.csv.journal"
    assert not journal.exists() or journal.read_text() == ""
    again = subprocess.run([*base, "grade-all", str(tmp_path / "class"), "-a", "02_perceptron", "-o", str(gradebook)],
                           capture_output=True, text=True, timeout=120, env=env)
    assert again.returncode == 0 and "graded 2 student(s), reused 0" in again.stdout, again.stdout + again.stderr
    import csv

    rows = {row["Student"]: row for row in csv.DictReader(gradebook.read_text().splitlines())}
    full = course.assignment("02_perceptron").max_score
    assert {name: float(rows[name]["Total"]) for name in ("alice", "bob")} == {"alice": full, "bob": full}


@pytest.mark.parametrize("launcher", ["zygote", "spawn"])
@pytest.mark.parametrize("command", ["grade", "grade-all"])
@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm", "ctrl-c-twice"])
def test_a_stopped_grader_leaves_no_process_or_scratch_directory_behind(course, tmp_path, launcher, command, stop):
    """Each worker's scratch directory holds a copy of the student's code: stopping the grader
    (Ctrl-C to its process group, or SIGTERM to it alone, as `timeout`, `docker stop` and a
    cancelled CI job do) must not leave one in the temporary folder, nor any process the
    student's code started, however the workers were started. Without a zygote, before:
    - Ctrl-C left 5 to 14 directories (the interrupted grader lost the workers it had not
      closed yet to the garbage collector; a grading process killed mid-student left its
      workers' directories) and the worker looping in student code, orphaned, spinning until
      its 15-minute CPU backstop, and the child it had forked, forever;
    - SIGTERM killed the grader without any cleanup;
    - Ctrl-C waited for the looping call's 5 s limit;
    - a second Ctrl-C could cut the cleanup after the first short."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="grader-test-tmp-"))  # in /tmp: reachable by a worker's own uid
    tmp.chmod(0o1777)
    forks_and_loops = ("\n\n_os = np.lib._datasource.os\n\n\ndef decision_boundary(*args, **kwargs):\n"
                       "    if _os.fork() == 0:\n        open('forked', 'w').close()\n"
                       "        r, w = _os.pipe()\n        _os.read(r, 1)  # waits forever\n"
                       "    while True: pass\n")
    source = {"02_perceptron": reference_source(course, "02_perceptron") + forks_and_loops,
              "04_activations": reference_source(course, "04_activations")}
    for name in ("alice", "bob", "carol"):
        make_submission(tmp_path / "class" / name, course, source)
    target = (["grade", str(tmp_path / "class" / "alice")] if command == "grade" else
              ["grade-all", str(tmp_path / "class"), "-j", "2", "-o", str(tmp_path / "gradebook.csv")])
    env = {**os.environ, "TMPDIR": str(tmp), **({"GRADER_NO_ZYGOTE": "1"} if launcher == "spawn" else {})}
    try:
        proc = subprocess.Popen([sys.executable, "-m", "grader", "--course", str(ROOT), *target, "-a", "02_perceptron",
                                 "-a", "04_activations"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while not any(tmp.glob("grader-worker-*/forked")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)  # until the looping worker has forked its child (in its scratch directory)
        time.sleep(0.2)  # other workers may be starting
        if stop == "sigterm":
            os.kill(proc.pid, signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        if stop == "ctrl-c-twice":  # impatient: again, while the grader cleans up after the first
            time.sleep(0.005)
            os.killpg(proc.pid, signal.SIGINT)
        stopped = time.monotonic()
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            pytest.fail(f"not stopped within 60 s:\n{out}")
        word, code = ("terminated", 143) if stop == "sigterm" else ("interrupted", 130)
        assert proc.returncode == code and word in out and "Traceback" not in out, out
        # Not at the loop's 5 s call limit: threaded grading (grade without a zygote) waited for it.
        assert time.monotonic() - stopped < 2.5
        assert sorted(p.name for p in tmp.iterdir()) == []
        deadline = time.monotonic() + 5
        while _working_in(tmp) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _working_in(tmp) == [], "no worker, nor the child it forked, outlives the grader"
    finally:
        for pid in _working_in(tmp):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


_INTERRUPTED_WHILE_IMPORTING = """
import os, signal, sys

module = sys.argv[2]


class CtrlC:  # the signal while a module is imported
    def find_spec(self, name, path=None, target=None):
        if name == module:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.{sig})
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["grader", "--course", sys.argv[1], *sys.argv[3:]]
from grader.entry import main
main()
"""


@pytest.mark.parametrize("sig, word, code", [("SIGINT", "interrupted", 130), ("SIGTERM", "terminated", 143)])
@pytest.mark.parametrize("module, command", [
    ("click", ["grade", "."]),  # the first 50 ms of every command, before click could catch it
    ("grader.ci", ["ci"]),  # imported when click looks the command up: it said "Aborted!" and exit 1
])
def test_a_grader_stopped_while_it_starts_says_so_without_a_traceback(tmp_path, sig, word, code, module, command):
    proc = subprocess.run([sys.executable, "-c", _INTERRUPTED_WHILE_IMPORTING.format(sig=sig), str(ROOT), module,
                           *command], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == code and proc.stderr.strip() == word, proc.stderr


def _working_in(folder: Path) -> list[int]:
    """The live processes whose working directory is in ``folder`` (or was, before it was removed)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(") ", 1)[1][0]
        except (OSError, ValueError, IndexError):
            continue
        if cwd.startswith(f"{folder}/") and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("source, untouched", [
    ('def f(x):\n    """Doc."""\n    raise NotImplementedError("f: replace this line")\n'
     'def g():\n    raise NotImplementedError\n', True),
    ('def f(x):\n    raise NotImplementedError\ndef g():\n    return 1\n', False),  # g begun
    ('def f(x):\n    raise NotImplementedError\n', False),  # g missing: its tests say so
    ('def f(x):\n    raise ValueError\ndef g():\n    raise NotImplementedError\n', False),
    ('def f(x):\n    raise NotImplementedError\n    return x\ndef g():\n    raise NotImplementedError\n', False),
    ('def f(x):\n    return x\ndef f(x):\n    raise NotImplementedError\ndef g():\n    raise NotImplementedError\n',
     True),  # the last definition is the one that runs
])
def test_check_tells_an_untouched_module_from_a_begun_one(source, untouched):
    from grader.student import _untouched

    assert _untouched(source, ["f", "g"]) is untouched


def test_check_reports_in_the_order_asked_while_running_ahead(course, tmp_path):
    """Public tests of several assignments run side by side, but each report comes whole and in
    the order asked, with a module that cannot be graded reported in its place."""
    import shutil

    shutil.copytree(ROOT / "assignments", tmp_path / "assignments")
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    (tmp_path / "assignments" / "07_optimizers" / "optimizers.py").write_text(reference_source(course, "07_optimizers"))
    (tmp_path / "assignments" / "03_backprop" / "backprop.py").write_text("def broken(:\n")
    for aid, begun in (("01_regression", "linear_forward(X, w, b):\n    return X @ w + b"),
                       ("02_perceptron", "xor(x1, x2):\n    return x1 ^ x2")):  # begun: their tests run
        module = next((tmp_path / "assignments" / aid).glob("[!t]*.py"))
        module.write_text(f"{module.read_text()}\n\ndef {begun}\n")
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "check", "07_optimizers", "03_backprop",
                                       "01_regression", "02_perceptron"])
    assert result.exit_code == 1, result.output
    headers = [line.split(":")[0] for line in result.output.splitlines() if line.startswith("== ")]
    assert headers == ["== 07_optimizers", "== 03_backprop", "== 01_regression", "== 02_perceptron"]
    sections = re.split(r"^== ", result.output, flags=re.MULTILINE)[1:]
    assert " passed in " in sections[0] and "failed" not in sections[0]
    assert "cannot be graded" in sections[1] and "line 1" in sections[1]
    # 01's own report: a function not written yet is one line per test, not a traceback
    assert re.search(r"^   regression\.py:\d+: standardize_fit is not implemented yet \(it still raises "
                     r"NotImplementedError\)$", sections[2], flags=re.MULTILINE), sections[2]
    assert "E   NotImplementedError" not in sections[2] and "R.standardize_fit(" not in sections[2]
    assert re.search(r"perceptron\.py:\d+: step is not implemented yet", sections[3])
    # a module that cannot be loaded ran no test: it is not among those whose tests fail
    assert "\ncannot be graded (fix this first, see above): 03_backprop\n" in result.output
    assert "\npublic tests fail in: 01_regression, 02_perceptron\n" in result.output


PUBLIC_TESTS = '''
import perceptron as P

def test_before():
    assert P.fine() == 1

def test_the_loop():
    P.spin()

def test_after():
    assert P.fine() == 1
'''


def _checkout_with(tmp_path, module: str, seconds: float):
    """A student checkout of 02_perceptron whose module is ``module`` and whose public tests are
    PUBLIC_TESTS, with a per-test limit of ``seconds`` (and `signal` importable, to block alarms;
    `open` is a builtin, not an import)."""
    text = (ROOT / "course.yaml").read_text()
    text = text.replace("  test_seconds: 60 ", f"  test_seconds: {seconds} ").replace(
        "allowed_imports: [numpy, math, scipy.special]", "allowed_imports: [numpy, math, scipy.special, signal]")
    assert f"test_seconds: {seconds} " in text and "signal]" in text
    (tmp_path / "course.yaml").write_text(text)
    folder = tmp_path / "assignments" / "02_perceptron"
    folder.mkdir(parents=True)
    (folder / "perceptron.py").write_text(module)
    (folder / "test_perceptron.py").write_text(PUBLIC_TESTS)
    return tmp_path


def _check(root, interrupt_once=None) -> tuple[int, str]:
    """`grader check 02_perceptron` in its own process group: a regression that hangs fails the
    test after a minute instead of hanging the suite (the whole group is killed). With
    ``interrupt_once`` (a path), Ctrl-C as soon as that file appears."""
    proc = subprocess.Popen([sys.executable, "-m", "grader", "--course", str(root), "check", "02_perceptron"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        if interrupt_once is not None:
            deadline = time.monotonic() + 60
            while not interrupt_once.exists() and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"grader check did not finish within 60 s:\n{out}")
    return proc.returncode, out


def test_check_stops_a_public_test_that_loops_forever(tmp_path):
    """An endless loop fails its test at the course's limit, with a traceback into the loop, and
    the run stops there instead of waiting as long again in every later test."""
    # The loop on one line: the alarm may interrupt either of a two-line loop's lines.
    root = _checkout_with(tmp_path, "def fine():\n    return 1\n\ndef spin():\n    while True: pass\n", 1)
    code, out = _check(root)
    assert code == 1, out
    assert "ran for more than 1 s, the grader's limit per test" in out
    assert "perceptron.py:5: in spin" in out  # where the loop is
    assert "test_the_loop ran out of time" in out
    assert "1 failed, 1 passed in" in out  # test_after did not run


def test_check_stops_a_training_loop_with_a_readable_traceback(tmp_path):
    """A perceptron_train written `while True:` around `for ...: if wrong: ...` never ends on XOR.
    On CPython 3.11 the alarm lands on the inner loop's back edge, an instruction with no line
    number: pytest's report crashed on it (INTERNALERROR, 120 lines of pytest's frames, none of
    the student's). The inner loop is long so that the alarm all but always lands there. (3.12 and
    later give that instruction a line: there this passes regardless.)"""
    module = ("def fine():\n    return 1\n\ndef spin():\n    while True:\n        count = 0\n"
              "        for i in range(1000):\n            if i % 2:\n                count += 1\n")
    code, out = _check(_checkout_with(tmp_path, module, 1))
    assert code == 1, out
    assert "INTERNALERROR" not in out, out
    assert "ran for more than 1 s, the grader's limit per test" in out
    assert re.search(r"perceptron\.py:[5-9]: in spin", out), out  # a line of the loop
    assert "test_the_loop ran out of time" in out and "1 failed, 1 passed in" in out


def test_check_stops_a_module_whose_top_level_code_never_ends(tmp_path):
    """A training loop left at the bottom of the module runs when the test file imports it, before
    any test: `grader check` printed its header and then nothing, forever. The import gets the
    course's import_seconds, and the message points at top-level code."""
    root = _checkout_with(tmp_path, "def fine():\n    return 1\n\ndef spin():\n    pass\n\nwhile True: pass\n", 60)
    text = (root / "course.yaml").read_text()
    assert "  import_seconds: 30 " in text
    (root / "course.yaml").write_text(text.replace("  import_seconds: 30 ", "  import_seconds: 1 "))
    code, out = _check(root)
    assert code == 1, out
    assert "importing your module ran for more than 1 s" in out, out
    assert "perceptron.py:7" in out, out  # where the loop is


@pytest.mark.parametrize("on_ci", [False, True], ids=["terminal", "CI"])
def test_check_does_not_advise_an_option_it_does_not_have(tmp_path, monkeypatch, on_ci):
    # pytest's "Use -v to get more diff" sent students to `grader check -v`: "No such option".
    # Under CI (CI or BUILD_NUMBER set, as on GitHub Actions) pytest prints the whole diff and no
    # advice at all; the test pins the environment so that it checks the same thing everywhere.
    for name in ("CI", "BUILD_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    if on_ci:
        monkeypatch.setenv("CI", "true")
    root = _checkout_with(tmp_path, "def fine():\n    return [1, 2, 3, 4, 5, 6]\n\ndef spin():\n    pass\n", 60)
    (root / "assignments" / "02_perceptron" / "test_perceptron.py").write_text(
        "import perceptron as P\n\ndef test_list():\n    assert P.fine() == [1, 2, 3, 4, 5, 7]\n")
    code, out = _check(root)
    assert code == 1 and "At index 5 diff: 6 != 7" in out, out
    assert "Use -v" not in out, out
    advice = "(for the whole diff: python -m pytest -vv assignments/02_perceptron)"
    if on_ci:
        assert "Full diff:" in out and "-vv" not in out, out
    else:
        assert advice in out and "Full diff:" not in out, out


@pytest.mark.parametrize("assertion", [
    "assert P.shape() == (2, 3) and P.fine() == 1",  # a chained `and`: the advice is inside a line
    "assert P.shape() == (2, 3) and P.fine() == 1 and P.shape() == (1, 3)",
])
def test_check_does_not_advise_an_option_it_does_not_have_in_a_chained_assertion(tmp_path, monkeypatch, assertion):
    # The public shape checks are written `assert dx.shape == ... and db.shape == (M,)`: a db of
    # shape (1, M), the classic keepdims bug, got "Use -v to get more diff and (1, 2) == (2,)".
    for name in ("CI", "BUILD_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    root = _checkout_with(tmp_path, "def fine():\n    return 1\n\ndef shape():\n    return (1, 2, 3)\n", 60)
    (root / "assignments" / "02_perceptron" / "test_perceptron.py").write_text(
        f"import perceptron as P\n\ndef test_shapes():\n    {assertion}\n")
    code, out = _check(root)
    assert code == 1 and "1 failed" in out, out
    assert "Use -v" not in out, out
    assert "(for the whole diff: python -m pytest -vv assignments/02_perceptron)" in out, out


def test_check_stops_a_call_that_never_returns_to_python(tmp_path):
    """With the alarm blocked (as inside one long NumPy call) the process is ended a little after
    the limit, and check names the frames it was stuck in."""
    module = ("import signal\n\ndef fine():\n    return 1\n\ndef spin():\n"
              "    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n    while True: pass\n")  # one line
    code, out = _check(_checkout_with(tmp_path, module, 1))
    assert code == 1, out
    assert "stopped: a test ran for more than 1 s" in out
    assert "test_perceptron.py:8 in test_the_loop\n     perceptron.py:8 in spin" in out
    assert "public tests fail in: 02_perceptron" in out


def test_ctrl_c_in_check_shows_where_the_tests_were(tmp_path):
    started = tmp_path / "started"
    module = (f"import signal\n\ndef fine():\n    return 1\n\ndef spin():\n    open({str(started)!r}, 'w').close()\n"
              "    while True:\n        pass\n")
    code, out = _check(_checkout_with(tmp_path, module, 60), interrupt_once=started)
    assert code == 130, out
    assert "perceptron.py:8: KeyboardInterrupt" in out and out.rstrip().endswith("interrupted")
    assert "Traceback" not in out and "Aborted" not in out


TRAINING_LOOP = ("    while True:\n        count = 0\n        for i in range(1000):\n            if i % 2:\n"
                 "                count += 1\n")


def test_ctrl_c_in_a_training_loop_shows_where_it_was(tmp_path):
    """Ctrl-C in a loop whose back edge has no line number (CPython 3.11; see
    test_check_stops_a_training_loop_with_a_readable_traceback): check, and plain pytest as the
    README suggests, name the student's line instead of crashing in pytest's report."""
    started = tmp_path / "started"
    module = (f"import signal\n\ndef fine():\n    return 1\n\ndef spin():\n    open({str(started)!r}, 'w').close()\n"
              + TRAINING_LOOP)
    root = _checkout_with(tmp_path, module, 60)
    code, out = _check(root, interrupt_once=started)
    assert code == 130 and "INTERNALERROR" not in out, out
    assert re.search(r"perceptron\.py:(8|9|10|11|12): KeyboardInterrupt", out), out
    started.unlink()
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."],
                            cwd=root / "assignments" / "02_perceptron", stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.3)  # into the loop
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert "INTERNALERROR" not in out, out
    assert re.search(r"perceptron\.py:(8|9|10|11|12): KeyboardInterrupt", out), out


def test_check_cuts_what_a_failing_test_printed_to_its_first_and_last_lines(tmp_path):
    # A debug print in a loop echoed a million lines, and the failure scrolled out of the terminal.
    module = ("def fine():\n    return 1\n\ndef spin():\n    for i in range(100000):\n        print('debug', i)\n"
              "    raise ValueError('the real failure')\n")
    code, out = _check(_checkout_with(tmp_path, module, 60))
    assert code == 1, out
    lines = out.splitlines()
    assert len(lines) < 80, out[:3000]
    assert "   ... 99970 more lines of your output, not shown ..." in lines
    shown = [int(line.split()[1]) for line in lines if line.startswith("   debug ")]
    assert shown == [*range(15), *range(99985, 100000)]
    assert "ValueError: the real failure" in out and "1 failed, 2 passed" in out


def test_ctrl_c_in_check_kills_public_tests_that_ignore_it(tmp_path):
    """A pytest that does not stop on Ctrl-C (here the student's code blocks SIGINT) is killed
    after the grace period: `check` still ends, with 130."""
    started = tmp_path / "started"
    module = (f"import signal\n\ndef fine():\n    return 1\n\ndef spin():\n"
              "    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})\n"
              f"    open({str(started)!r}, 'w').close()\n    while True:\n        pass\n")
    start = time.monotonic()
    code, out = _check(_checkout_with(tmp_path, module, 60), interrupt_once=started)
    assert code == 130 and out.rstrip().endswith("interrupted"), out
    assert time.monotonic() - start < 40
    assert "Traceback" not in out


@pytest.mark.parametrize("mistake, expected", [
    ("\ndef broken(:\n", r"test_toy_hidden\.py:\d+: invalid syntax"),
    ("\nundefined_helper()\n", r"test_toy_hidden\.py:\d+: NameError: name 'undefined_helper' is not defined"),
])
def test_a_mistake_in_a_hidden_test_file_is_one_line(tmp_path, mistake, expected):
    from tests.test_bundle import AID as TOY_AID, invoke, toy_course, toy_submission

    course = toy_course(tmp_path / "course")
    hidden = course / "solutions" / TOY_AID / "test_toy_hidden.py"
    hidden.write_text(hidden.read_text() + mistake)
    for args in (["grade", str(toy_submission(tmp_path / "alice")), "--format", "json"], ["validate"]):
        result = invoke(course, *args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert re.search(expected, result.output) and "grader validate" in result.output, result.output


def test_gradescope_build_on_a_full_disk_leaves_nothing_behind(tmp_path):
    """Writes that stop part way (here a file-size limit of 150 kB: the zip is about 250 kB, the
    bundle inside it 90 kB) leave neither the zip nor a temporary file in the output folder."""
    import resource

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))

    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run([sys.executable, "-m", "grader", "--course", str(ROOT), "gradescope", "build", "-o",
                           str(out / "ag.zip")], capture_output=True, text=True, timeout=300, preexec_fn=limited)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip() == f"Error: {out / 'ag.zip'}: File too large"
    assert list(out.iterdir()) == []


def test_a_file_system_error_is_one_line_naming_the_path_not_a_traceback(tmp_path):
    """A full disk, a directory given for a file (ci --results DIR), a permission: the path and the reason."""
    import click

    from grader.clickutil import user_errors

    @click.command()
    @user_errors
    def write():
        (tmp_path / "results.json").mkdir()
        (tmp_path / "results.json").write_text("{}")

    result = CliRunner().invoke(write, [])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.output.strip() == f"Error: {tmp_path / 'results.json'}: Is a directory"



def test_grade_all_progress_in_a_log_gives_counts_and_time_left():
    """click's bar prints nothing but its label when stderr is no terminal (a CI log, nohup), so a
    long batch showed no sign of life: the log gets a line per tenth of the class, and every 30 s."""
    from grader.cli import log_progress

    # 20 students, 1 s each, but the 3rd takes 40 s: lines at every 2nd, and at the 3rd (30 s passed)
    times = [0.0, 1.0, 2.0, 42.0, *(42.0 + k for k in range(1, 18))]
    ticks = iter(times)
    runner = CliRunner()
    with runner.isolation() as (_, err, *_rest):
        items = list(log_progress(range(20), 20, every=30.0, clock=lambda: next(ticks)))
        lines = err.getvalue().decode().splitlines()
    assert items == list(range(20))
    assert [int(line.split()[1].split("/")[0]) for line in lines] == [2, 3, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    assert lines[0] == "grading: 2/20 student(s), about 18s left"
    assert lines[1] == "grading: 3/20 student(s), about 3m58s left"
    assert lines[-1] == "grading: 20/20 student(s) in 59s"


def test_nbgrader_missing_says_how_to_install_the_extra_from_the_repository():
    """The kit is installed from its repository (README, docs/nbgrader.md), not from PyPI: the
    message names a pip command that installs the extra into the grader's own environment."""
    from grader.errors import UserError
    from grader.nbgrader_io import _require

    with pytest.raises(UserError) as err:
        _require("no_such_module_for_this_test")
    message = str(err.value)
    assert "pip install 'dlcourse-grader[nbgrader]'" not in message
    assert sys.executable in message and f"{ROOT}[nbgrader]" in message


def test_an_output_over_the_submissions_module_or_the_course_is_refused(course, tmp_path):
    """`-o` naming the student's own module (or course.yaml, a reference, a stub) would replace
    that work with the result, silently: refused, before grading, and the file is left as it was."""
    source = reference_source(course, "02_perceptron")
    sub = make_submission(tmp_path / "alice", course, {"02_perceptron": source})
    module = sub / "assignments" / "02_perceptron" / "perceptron.py"
    result = run("grade", str(sub), "-a", "02_perceptron", "--format", "json", "-o", str(module))
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "perceptron.py" in result.output and "submission" in result.output
    assert module.read_text(encoding="utf-8") == source
    copy = tmp_path / "course"
    copy.mkdir()
    for name in ("solutions", "assignments"):
        shutil.copytree(ROOT / name, copy / name)
    shutil.copy(ROOT / "course.yaml", copy / "course.yaml")
    (tmp_path / "class").mkdir()
    shutil.move(sub, tmp_path / "class" / "alice")
    sub = tmp_path / "class" / "alice"
    for target in (copy / "course.yaml", copy / "solutions" / "02_perceptron" / "perceptron.py"):
        before = target.read_bytes()
        for command in (["grade", str(sub), "-a", "02_perceptron"],
                        ["grade-all", str(sub.parent), "-a", "02_perceptron"], ["bundle"], ["gradescope", "build"]):
            result = CliRunner().invoke(main, ["--course", str(copy), *command, "-o", str(target)])
            assert result.exit_code == 1 and "course" in result.output, (command, result.output)
            assert target.read_bytes() == before, command


def test_a_closed_standard_output_is_no_traceback(course, tmp_path):
    """Run from cron or a service with stdout closed (`>&-`): Python's sys.stdout is None then. The
    command still does its work and keeps its exit code; a grade says where its result can go."""
    sub = make_submission(tmp_path / "alice", course, {"02_perceptron": reference_source(course, "02_perceptron")})
    base = [sys.executable, "-m", "grader", "--course", str(ROOT)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    check = subprocess.run([*base, "release", "--check"], stderr=subprocess.PIPE, text=True, env=env,
                           preexec_fn=lambda: os.close(1), timeout=120)
    assert check.returncode == 0 and "Traceback" not in check.stderr, check.stderr
    graded = subprocess.run([*base, "grade", str(sub), "-a", "02_perceptron"], stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=lambda: os.close(1), timeout=120)
    assert graded.returncode == 1 and "Traceback" not in graded.stderr, graded.stderr
    assert "-o" in graded.stderr


def test_a_reader_that_leaves_the_pipe_early_stops_the_output_quietly(tmp_path):
    """`grader grade-all ... | head -1`: the gradebook is written, and the command stops as a pipe's
    writer does (status 141), not with 'Error: Broken pipe' on stderr."""
    out = tmp_path / "gb.csv"
    proc = subprocess.Popen([sys.executable, "-m", "grader", "--course", str(ROOT), "grade-all",
                             str(ROOT / "examples" / "class"), "-a", "02_perceptron", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, stderr
    assert "Broken pipe" not in stderr and "Traceback" not in stderr, stderr
    assert out.is_file() and "Student" in out.read_text()


@pytest.mark.parametrize("name, how", [("alice.zip", "unzip "), ("class.tar.gz", "tar -xf ")])
def test_an_archive_given_for_a_folder_says_to_unpack_it(tmp_path, name, how):
    archive = tmp_path / name
    archive.write_bytes(b"PK\x03\x04")
    for command in ("grade", "grade-all"):
        r = CliRunner().invoke(main, ["--course", str(ROOT), command, str(archive)])
        assert r.exit_code == 2 and "is an archive, not a folder: unpack it first" in r.output, r.output
        assert how in r.output


def _every_command(group, path=()):
    import click

    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from _every_command(command, path + (name,))


def test_help_says_which_options_repeat_and_names_the_passphrase_variable_option():
    # `grader validate -a X -a Y` validates both, but its help read "Validate only this assignment.";
    # `bundle --encrypt` named $GRADER_BUNDLE_KEY only, though --key-env picks another variable.
    from grader.cli import main

    unsaid = [f"grader {' '.join(path)} {param.opts[-1]}" for path, command in _every_command(main)
              for param in command.params if getattr(param, "multiple", False) and "repeatable" not in param.help]
    assert unsaid == []
    bundle = main.get_command(None, "bundle")
    encrypt = next(p for p in bundle.params if p.name == "encrypt")
    assert "--key-env" in encrypt.help


def test_check_reports_a_function_not_written_yet_in_one_line_and_other_not_implemented_errors_whole(tmp_path):
    """A half-done assignment's tests of unwritten functions each printed a traceback (~200 lines in
    01), burying the real failures. A NotImplementedError raised by the student's module is now one
    line naming the function; one raised elsewhere (here: by a library the module calls) is a real
    failure and keeps its traceback."""
    module = ("import numpy as np\n\ndef fine():\n    return 1\n\n"
              "def spin():\n    raise NotImplementedError('spin: replace this line with your code')\n")
    code, out = _check(_checkout_with(tmp_path, module, 10))
    assert code == 1 and "1 failed, 2 passed" in out, out
    assert "   perceptron.py:7: spin is not implemented yet (it still raises NotImplementedError)\n" in out, out
    assert "E   NotImplementedError" not in out and "P.spin()" not in out, out
    library = module.replace("    raise NotImplementedError('spin: replace this line with your code')\n",
                             "    return np.linalg.matrix_power(np.ones((2, 2, 2), dtype=object), 2)\n")
    (tmp_path / "assignments" / "02_perceptron" / "perceptron.py").write_text(library)
    code, out = _check(tmp_path)
    assert code == 1 and "1 failed, 2 passed" in out, out
    assert "not implemented yet" not in out and "P.spin()" in out, out
