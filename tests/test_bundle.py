"""Does the bundle carry exactly the hidden material, refuse anything altered, and stay secret
when encrypted? Also home of ``toy_course``: a two-function course the CI, Gradescope, release and
format tests grade quickly, independent of the real assignments' state."""

import hashlib
import io
import json
import os
import tarfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import bundle
from grader.bundle import build_bundle, open_bundle, read_bundle
from grader.cli import main
from grader.course import load_course
from grader.errors import UserError
from grader.release import make_stub

TOY_REFERENCE = '''"""Toy module: two small functions."""

import numpy as np


def add(a, b):
    """Elementwise sum.

    Inputs:
    - a, b: arrays of the same shape
    Returns: a + b
    """
    ### BEGIN SOLUTION
    total = np.add(a, b)
    return total.astype(np.float64)
    ### END SOLUTION


def scale(x, k):
    """x times the number k.

    Inputs:
    - x: array; k: float
    Returns: x * k
    """
    ### BEGIN SOLUTION
    scaled = np.multiply(x, float(k))
    return scaled.astype(np.float64)
    ### END SOLUTION
'''

TOY_HIDDEN = '''"""Hidden tests of the toy course."""

import numpy as np

from grader.checks import assert_close, graded

SECRET_FACTOR = 2.718281828459045


@graded("add")
def test_add_matches_reference_on_secret_inputs(student, ref):
    a = np.arange(6.0).reshape(2, 3) * 1.7320508075688772
    b = np.full((2, 3), -0.41421356237309515)
    assert_close("sum", student.add(a, b), ref.add(a, b))


@graded("add")
def test_add_on_a_column(student, ref):
    a = np.linspace(-1.0, 1.0, 5)
    assert_close("sum", student.add(a, a), ref.add(a, a))


@graded("scale", weight=2)
def test_scale_by_the_secret_factor(student, ref):
    x = np.array([[1.0, -2.0], [3.5, 0.25]])
    assert_close("scaled", student.scale(x, SECRET_FACTOR), ref.scale(x, SECRET_FACTOR))
'''

TOY_PUBLIC = '''import numpy as np

import toy


def test_add_small():
    assert np.allclose(toy.add(np.ones(2), np.ones(2)), 2.0)


def test_scale_small():
    assert np.allclose(toy.scale(np.ones(2), 3.0), 3.0)
'''

TOY_COURSE = """name: Toy course
allowed_imports: [numpy, math]
limits:
  call_seconds: 30
  test_seconds: 60
late_policy:
  penalty_per_day: 10
  max_penalty: 30
  grace_minutes: 15
assignments:
  - id: 01_toy
    title: Toy functions
    module: toy
    due: 2026-10-12T23:59:00+09:00
    points:
      add: 2
      scale: 3
"""

AID = "01_toy"


def toy_course(base: Path) -> Path:
    """A complete course repository under ``base``: course.yaml, reference, hidden and public tests, stub."""
    (base / "solutions" / AID).mkdir(parents=True)
    (base / "assignments" / AID).mkdir(parents=True)
    (base / "course.yaml").write_text(TOY_COURSE)
    (base / "solutions" / AID / "toy.py").write_text(TOY_REFERENCE)
    (base / "solutions" / AID / "test_toy_hidden.py").write_text(TOY_HIDDEN)
    (base / "assignments" / AID / "toy.py").write_text(make_stub(TOY_REFERENCE))
    (base / "assignments" / AID / "test_toy.py").write_text(TOY_PUBLIC)
    (base / "assignments" / AID / "README.md").write_text("# Toy\n\nImplement add and scale.\n")
    return base


def toy_submission(base: Path, source: str = TOY_REFERENCE) -> Path:
    (base / "assignments" / AID).mkdir(parents=True)
    (base / "assignments" / AID / "toy.py").write_text(source)
    return base


def invoke(course_dir: Path, *args, env=None):
    return CliRunner().invoke(main, ["--course", str(course_dir), *args], env=env)


@pytest.fixture
def toy(tmp_path):
    return toy_course(tmp_path / "course")


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def test_bundle_holds_course_reference_and_hidden_tests_with_checksums(toy, tmp_path):
    out = tmp_path / "autograder.tar.gz"
    result = invoke(toy, "bundle", "-o", str(out))
    assert result.exit_code == 0, result.output
    members = _members(out)
    assert set(members) == {"MANIFEST.json", "course.yaml", f"solutions/{AID}/toy.py", f"solutions/{AID}/test_toy_hidden.py"}
    manifest = json.loads(members["MANIFEST.json"])
    assert manifest["assignments"] == [AID] and manifest["course"] == "Toy course"
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(members[name]).hexdigest() == digest


@pytest.mark.parametrize("command, name", [(["bundle"], "b.tar.gz"), (["gradescope", "build"], "a.zip")])
def test_an_output_in_a_directory_it_cannot_write_is_named_before_the_work(toy, tmp_path, monkeypatch, command, name):
    # it was reported after the work as the hidden temporary file beside it: ".b.tar.gz.k3x9: Permission
    # denied" (the tests run as root, who may write anywhere: the directory is made unwritable for os.access)
    import grader.cli

    out = tmp_path / "readonly" / name
    out.parent.mkdir()
    real = os.access
    monkeypatch.setattr(grader.cli.os, "access", lambda p, mode, **kw: Path(p) != out.parent and real(p, mode, **kw))
    result = invoke(toy, *command, "-o", str(out))
    assert result.exit_code != 0 and f"cannot write {out}: directory {out.parent} is not writable" in result.output, \
        result.output
    assert not out.exists()


def test_bundle_is_reproducible(toy, tmp_path):
    course = load_course(toy / "course.yaml")
    build_bundle(toy, course, tmp_path / "a.tar.gz")
    build_bundle(toy, course, tmp_path / "b.tar.gz")
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


def test_the_same_assignments_give_the_same_bundle_whatever_the_order_of_a(tmp_path):
    # docs/ci.md: "The same inputs give a byte-identical file". `-a 02 -a 01` gave other bytes than
    # `-a 01 -a 02`, and `-a 02 -a 02` listed 02 twice in the manifest ("2 assignment(s)").
    root = Path(__file__).resolve().parents[1]
    course = load_course(root / "course.yaml")
    manifest = build_bundle(root, course, tmp_path / "a.tar.gz", ["02_perceptron", "01_regression", "02_perceptron"])
    build_bundle(root, course, tmp_path / "b.tar.gz", ["01_regression", "02_perceptron"])
    assert manifest["assignments"] == ["01_regression", "02_perceptron"]
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


def test_open_bundle_uses_the_bundled_course(toy, tmp_path):
    course = load_course(toy / "course.yaml")
    build_bundle(toy, course, tmp_path / "b.tar.gz")
    root, bundled, ids = open_bundle(tmp_path / "b.tar.gz", tmp_path / "dest")
    assert ids == [AID] and bundled == course
    assert (root / "solutions" / AID / "test_toy_hidden.py").read_text() == TOY_HIDDEN


def _rewrite(src: Path, dest: Path, change) -> None:
    members = _members(src)
    change(members)
    with tarfile.open(dest, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("change, message", [
    (lambda m: m.__setitem__(f"solutions/{AID}/toy.py", b"def add(a, b): return 0\n"), "checksum mismatch"),
    (lambda m: m.__setitem__("extra.py", b"x = 1\n"), "differ from the manifest"),
    (lambda m: m.__setitem__("../escape.py", b"x = 1\n"), "not a plain relative file"),
    (lambda m: m.pop("MANIFEST.json"), "no valid MANIFEST.json"),
])
def test_an_altered_bundle_is_refused(toy, tmp_path, change, message):
    build_bundle(toy, load_course(toy / "course.yaml"), tmp_path / "good.tar.gz")
    _rewrite(tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz", change)
    with pytest.raises(UserError, match=message):
        read_bundle(tmp_path / "bad.tar.gz")


def test_a_file_that_is_no_bundle_is_refused(tmp_path):
    (tmp_path / "x.tar.gz").write_bytes(b"not a tarball")
    with pytest.raises(UserError, match="not a readable tar.gz"):
        read_bundle(tmp_path / "x.tar.gz")
    # damage inside a member's compressed data: tarfile lets zlib's own error through
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as t:
        info = tarfile.TarInfo("MANIFEST.json")
        info.size = 40000
        t.addfile(info, io.BytesIO(bytes(info.size)))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = deflate.compress(tar.getvalue()[:20000]) + deflate.flush(zlib.Z_FULL_FLUSH) + b"\x07\xff\xff"
    (tmp_path / "x.tar.gz").write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body)
    with pytest.raises(UserError, match="not a readable tar.gz bundle .*invalid block type"):
        read_bundle(tmp_path / "x.tar.gz")


def test_encrypted_bundle_needs_the_passphrase(toy, tmp_path, monkeypatch):
    out = tmp_path / "b.tar.gz.enc"
    key = "correct horse battery staple 42"
    assert invoke(toy, "bundle", "--encrypt", "-o", str(out), env={"GRADER_BUNDLE_KEY": key}).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"Salted__") and b"SECRET_FACTOR" not in data
    monkeypatch.setenv("GRADER_BUNDLE_KEY", key)
    manifest, members = read_bundle(out)
    assert members[f"solutions/{AID}/test_toy_hidden.py"].decode() == TOY_HIDDEN
    monkeypatch.setenv("GRADER_BUNDLE_KEY", "a wrong passphrase of some length")
    with pytest.raises(UserError, match="wrong passphrase"):
        read_bundle(out)
    monkeypatch.delenv("GRADER_BUNDLE_KEY")
    with pytest.raises(UserError, match="set the environment variable GRADER_BUNDLE_KEY"):
        read_bundle(out)


def test_a_wrong_passphrase_that_passes_openssls_padding_check_is_still_reported_as_such(tmp_path, monkeypatch):
    # AES-CBC has no authentication: for about 1 wrong passphrase in 256, openssl exits 0 with noise
    # (CI met one). The noise must be reported as a wrong passphrase, not as a damaged tar.gz.
    out = tmp_path / "b.tar.gz.enc"
    out.write_bytes(b"Salted__" + bytes(range(8)) + bytes(64))
    monkeypatch.setenv("GRADER_BUNDLE_KEY", "a wrong passphrase of some length")
    for noise in (bytes(range(7, 200)), b"\x1f\x8b" + bytes(range(40))):  # the second even looks like gzip
        monkeypatch.setattr(bundle, "_openssl", lambda data, key_env, key, decrypt, noise=noise: noise)
        with pytest.raises(UserError, match="wrong passphrase in GRADER_BUNDLE_KEY"):
            read_bundle(out)


def test_bundle_command_errors_are_clean_messages(toy, tmp_path):
    cases = [
        invoke(toy, "bundle", "-a", "99_nothing", "-o", str(tmp_path / "b.tar.gz")),
        invoke(toy, "bundle", "--encrypt", "-o", str(tmp_path / "c.enc"), env={"GRADER_BUNDLE_KEY": ""}),
        invoke(toy, "bundle", "--encrypt", "-o", str(tmp_path / "c.enc"), env={"GRADER_BUNDLE_KEY": "short"}),
        invoke(toy, "bundle", "-o", str(tmp_path / "no" / "dir" / "b.tar.gz")),
        invoke(toy, "bundle", "-o", str(tmp_path / "c.enc")),  # a plaintext bundle named as encrypted
        invoke(toy, "bundle", "-o", str(tmp_path / "b.ZIP")),
    ]
    (toy / "solutions" / AID / "test_toy_hidden.py").unlink()
    cases.append(invoke(toy, "bundle", "-o", str(tmp_path / "b.tar.gz")))
    for r in cases:
        assert r.exit_code == 1 and "Traceback" not in r.output and r.output.startswith("Error:"), r.output
    assert "unknown assignment '99_nothing'" in cases[0].output
    assert "GRADER_BUNDLE_KEY" in cases[1].output and "at least 16" in cases[2].output
    assert "does not exist" in cases[3].output
    assert "add --encrypt" in cases[4].output and "gzip-compressed tar" in cases[5].output
    assert "01_toy: no hidden tests" in cases[6].output
    assert not (tmp_path / "b.tar.gz").exists() and not (tmp_path / "c.enc").exists()
    assert not (tmp_path / "b.ZIP").exists()


# -- Gradescope autograder ---------------------------------------------------------------------

def test_gradescope_build_makes_the_autograder_zip(toy, tmp_path):
    import stat
    import subprocess
    import zipfile

    out = tmp_path / "autograder.zip"
    r = invoke(toy, "gradescope", "build", "-o", str(out), "--visibility", "after_due_date")
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        run = zf.read("run_autograder").decode()
        setup = zf.read("setup.sh").decode()
        (tmp_path / "inner.tar.gz").write_bytes(zf.read("autograder.tar.gz"))
    assert {"setup.sh", "run_autograder", "autograder.tar.gz", "grader-src/pyproject.toml",
            "grader-src/grader/cli.py", "grader-src/grader/templates/grade.yml"} <= names
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert "--visibility after_due_date" in run and "@" not in run
    assert "/autograder/results/results.json" in run and "/autograder/submission" in run
    for script in (setup, run):
        assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    manifest, members = read_bundle(tmp_path / "inner.tar.gz")
    assert manifest["assignments"] == [AID] and f"solutions/{AID}/test_toy_hidden.py" in members


@pytest.mark.parametrize("layout, score, note", [
    ({"assignments/01_toy/toy.py": TOY_REFERENCE}, 5.0, None),                 # the whole repository
    ({"hw-alice/assignments/01_toy/toy.py": TOY_REFERENCE}, 5.0, "graded the repository in hw-alice/"),
    ({"toy.py": TOY_REFERENCE}, 5.0, "01_toy: graded toy.py"),                 # only the module file
    ({"src/toy.py": TOY_REFERENCE, "old/deeper/toy.py": "x = 1\n"}, 5.0, "(1 other toy.py ignored)"),
    ({"notes.txt": "nothing here"}, 0.0, "01_toy: no toy.py in the submission"),
])
def test_gradescope_run_grades_repositories_and_bare_files(toy, tmp_path, layout, score, note):
    from tests.test_formats import check_gradescope_schema

    build_bundle(toy, load_course(toy / "course.yaml"), tmp_path / "autograder.tar.gz")
    submission = tmp_path / "submission"
    for name, text in layout.items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        (submission / name).write_text(text)
    results = tmp_path / "results" / "results.json"
    r = CliRunner().invoke(main, ["gradescope", "run", "--submission", str(submission), "--bundle",
                                  str(tmp_path / "autograder.tar.gz"), "--results", str(results)])
    assert r.exit_code == 0, r.output
    data = json.loads(results.read_text())
    check_gradescope_schema(data)
    assert data["score"] == score and data["stdout_visibility"] == "hidden"
    if note:
        assert note in data["output"]


def test_gradescope_run_never_follows_a_symlinked_module(toy, tmp_path):
    build_bundle(toy, load_course(toy / "course.yaml"), tmp_path / "b.tar.gz")
    secret = tmp_path / "elsewhere" / "toy.py"
    secret.parent.mkdir()
    secret.write_text(TOY_REFERENCE)
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "toy.py").symlink_to(secret)
    r = CliRunner().invoke(main, ["gradescope", "run", "--submission", str(tmp_path / "submission"),
                                  "--bundle", str(tmp_path / "b.tar.gz"), "--results", str(tmp_path / "r.json")])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 0


def test_gradescope_errors_are_clean(toy, tmp_path):
    cases = [
        invoke(toy, "gradescope", "build", "-o", str(tmp_path / "no" / "x.zip")),
        invoke(toy, "gradescope", "build", "-a", "99_x", "-o", str(tmp_path / "x.zip")),
        invoke(toy, "gradescope", "build", "-o", str(tmp_path / "x.tar.gz")),
        CliRunner().invoke(main, ["gradescope", "run", "--submission", str(tmp_path / "nothing"),
                                  "--bundle", str(tmp_path / "b.tar.gz"), "--results", str(tmp_path / "r.json")]),
    ]
    for r in cases:
        assert r.exit_code == 1 and r.output.startswith("Error:") and "Traceback" not in r.output, r.output
    assert "does not exist" in cases[0].output and "99_x" in cases[1].output
    assert "takes the autograder as a .zip" in cases[2].output and not (tmp_path / "x.tar.gz").exists()
    assert "does not exist" in cases[3].output


def test_course_and_hidden_tests_that_disagree_are_located_by_file_and_line(toy):
    """A function with points but no hidden test, or a hidden test of a function without points: the
    message names course.yaml's line and the test's file and line, so the author can go straight there."""
    from grader.runner import load_suite
    from grader.course import load_course

    yaml_path = toy / "course.yaml"
    yaml_path.write_text(TOY_COURSE + "      norm: 1\n")
    with pytest.raises(UserError) as err:
        load_suite(toy, load_course(yaml_path).assignment(AID))
    line = TOY_COURSE.count("\n") + 1
    assert str(err.value).startswith(f"{yaml_path}:{line}: course.yaml gives points to norm in 01_toy")
    yaml_path.write_text(TOY_COURSE.replace("      scale: 3\n", ""))
    with pytest.raises(UserError) as err:
        load_suite(toy, load_course(yaml_path).assignment(AID))
    hidden = toy / "solutions" / AID / "test_toy_hidden.py"
    test_line = TOY_HIDDEN.splitlines().index('@graded("scale", weight=2)') + 1  # where the function is named
    points_line = TOY_COURSE.splitlines().index("    points:") + 1
    assert str(err.value).startswith(f"{hidden}:{test_line}: test_scale_by_the_secret_factor grades 'scale'")
    assert f"({yaml_path}:{points_line})" in str(err.value)
    result = invoke(toy, "validate")
    assert result.exit_code == 1 and f"{hidden}:{test_line}" in result.output and "Traceback" not in result.output


def test_a_hidden_test_that_would_never_run_is_named_not_skipped(toy):
    """A test_* function without @graded ran (and passed) under plain pytest but was skipped by the
    grader without a word; so was a @graded function not named test_*."""
    hidden = toy / "solutions" / AID / "test_toy_hidden.py"
    hidden.write_text(TOY_HIDDEN + "\n\ndef test_scale_negative(student, ref):\n    assert False\n")
    line = (TOY_HIDDEN + "\n\n").count("\n") + 1
    result = invoke(toy, "validate")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert f"{hidden}:{line}: test_scale_negative has no @graded" in result.output
    hidden.write_text(TOY_HIDDEN + '\n\n@graded("scale")\ndef check_scale(student, ref):\n    assert False\n')
    result = invoke(toy, "validate")
    assert result.exit_code == 1 and f"{hidden}:{line}: check_scale is tagged @graded" in result.output
    hidden.write_text(TOY_HIDDEN + "\n\nfrom math import isclose as test_isclose\n")  # not defined here: fine
    assert invoke(toy, "validate").exit_code == 0


def test_validate_fails_a_hidden_test_that_checks_nothing_of_the_output(toy):
    """A test that calls the student and never compares the output gets 0 from the stub, which raises,
    and full marks from the reference: validate passed, and every student whose function returns at
    all earned its points."""
    hidden = toy / "solutions" / AID / "test_toy_hidden.py"
    hidden.write_text(TOY_HIDDEN + '\n\n@graded("add")\ndef test_add_runs(student, ref):\n'
                      '    out, expected = student.add(np.ones(2), np.ones(2)), ref.add(np.ones(2), np.ones(2))\n')
    result = invoke(toy, "validate")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "test_add_runs passes when add returns None" in result.output
    assert "test_add_on_a_column passes" not in result.output, "a test that checks the output is not named"


@pytest.mark.filterwarnings("ignore:assertion is always true:SyntaxWarning")  # Python's own, on import
def test_validate_fails_a_test_that_throws_its_checks_result_away(toy):
    """`np.allclose(out, expected)` without its assert passes every submission that returns at all, and
    the run of stubs returning None did not see it (np.allclose(None, x) raises, so that test failed):
    validate passed. So did a bare comparison, and `assert (cond, message)`, which asserts a tuple."""
    hidden = toy / "solutions" / AID / "test_toy_hidden.py"
    public = toy / "assignments" / AID / "test_toy.py"
    base, base_public = TOY_HIDDEN.count("\n"), TOY_PUBLIC.count("\n")
    hidden.write_text(TOY_HIDDEN + '\n\n@graded("add")\ndef test_add_again(student, ref):\n'
                      "    a = np.ones(2)\n"
                      "    np.allclose(student.add(a, a), ref.add(a, a))\n"
                      "    (student.add(a, a) == ref.add(a, a)).all()\n"
                      "    assert (np.allclose(student.add(a, a), 2.0), 'add is wrong')\n"
                      "    assert np.allclose(student.add(a, a), ref.add(a, a)), 'fine'\n")
    public.write_text(TOY_PUBLIC + "\n\ndef test_scale_again():\n    toy.scale(np.ones(2), 3.0) == 3.0\n")
    result = invoke(toy, "validate")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    found = [line for line in result.output.splitlines() if line.startswith("problem: ")]
    assert found == [
        f"problem: {hidden}:{base + 6}: the result of np.allclose(...) is thrown away, so this line checks nothing: "
        "an `assert` is missing",
        f"problem: {hidden}:{base + 7}: the result of (...).all() is thrown away, so this line checks nothing: "
        "an `assert` is missing",
        f"problem: {hidden}:{base + 8}: `assert (condition, message)` asserts a tuple, which is always true: "
        "write `assert condition, message`",
        f"problem: {public}:{base_public + 4}: the result of a comparison is thrown away, so this line checks "
        "nothing: an `assert` is missing"], result.output


def test_a_check_expected_to_raise_or_with_an_out_argument_is_not_thrown_away(tmp_path):
    """Inside `with pytest.raises(...)` a bare check is the failure the test expects (np.allclose of
    mismatched shapes raises), and np.isfinite(x, out=mask) keeps its result: validate failed such tests."""
    from grader.validate import discarded_checks

    (tmp_path / "solutions" / "01_x").mkdir(parents=True)
    hidden = tmp_path / "solutions" / "01_x" / "test_x_hidden.py"
    hidden.write_text("import numpy as np\nimport pytest\n\n\ndef test_shapes(student):\n"
                      "    with pytest.raises(ValueError):\n"
                      "        np.allclose(student.f(np.ones(3)), np.ones(4))\n"
                      "    with np.testing.assert_raises(TypeError), open('x') as fh:\n"
                      "        student.f(None) < 0\n"
                      "    mask = np.empty(3, bool)\n"
                      "    np.isfinite(student.f(np.ones(3)), out=mask)\n"
                      "    assert mask.all()\n"
                      "    np.allclose(student.f(1.0), 1.0)\n")
    assert discarded_checks(tmp_path, ["01_x"]) == [
        f"{hidden}:13: the result of np.allclose(...) is thrown away, so this line checks nothing: an `assert` "
        "is missing"]


def test_validate_warns_of_hidden_tests_that_cost_every_student_much_time(toy):
    """A test that calls the student once per item of a loop (a round trip each) or does slow work of its
    own costs every student of a class that time; validate said nothing of it."""
    hidden = toy / "solutions" / AID / "test_toy_hidden.py"
    hidden.write_text(TOY_HIDDEN + '\n\n@graded("add")\ndef test_add_one_by_one(student, ref):\n'
                      "    for i in range(150):\n"
                      "        assert_close('sum', student.add(np.ones(2) * i, np.ones(2)), ref.add(np.ones(2) * i, "
                      "np.ones(2)))\n"
                      '\n\n@graded("scale")\ndef test_scale_slowly(student, ref):\n'
                      "    import time\n"
                      "    time.sleep(0.08)\n"
                      "    assert_close('scaled', student.scale(np.ones(2), 3.0), ref.scale(np.ones(2), 3.0))\n")
    result = invoke(toy, "validate")
    assert result.exit_code == 0, result.output  # a warning: such a test is right, only slow
    warned = [line for line in result.output.splitlines() if line.startswith("warning: ") and "a student" in line]
    assert len(warned) == 2, result.output
    assert warned[0].startswith(f"warning: {AID}: test_add_one_by_one takes ")
    assert " ms a student, with 150 calls to the student's worker" in warned[0] and "call_each" in warned[0]
    assert warned[1].startswith(f"warning: {AID}: test_scale_slowly takes ") and "with 1 call to" in warned[1]
    assert f"benchmarks/profile_suite.py {AID}" in warned[1]
    assert "test_add_on_a_column" not in result.output


def test_validate_does_not_name_a_test_that_was_slow_once_in_its_timing_pass(toy, tmp_path):
    """The timing pass can be the first in this process to compute a test's memoized values (the earlier
    passes graded that assignment in a fork): a test over the limit is timed again, and only a test slow
    both times is named. Here the test is slow on its fourth run only, the timing pass (after the
    references, the stubs and the stubs returning None)."""
    runs = tmp_path / "runs"
    hidden = toy / "solutions" / AID / "test_toy_hidden.py"
    hidden.write_text(TOY_HIDDEN + '\n\n@graded("add")\ndef test_add_slow_once(student, ref):\n'
                      "    import time\n"
                      f"    with open({str(runs)!r}, 'a') as fh:\n"
                      "        fh.write('run\\n')\n"
                      f"    if open({str(runs)!r}).read().count('run') == 4:\n"
                      "        time.sleep(0.08)\n"
                      "    assert_close('sum', student.add(np.ones(2), np.ones(2)), ref.add(np.ones(2), np.ones(2)))\n")
    result = invoke(toy, "validate")
    assert result.exit_code == 0, result.output
    assert runs.read_text().count("run") == 5, "slow in the timing pass, so timed once more"
    assert "test_add_slow_once takes" not in result.output, result.output


def test_validate_names_a_graded_function_whose_reference_has_no_solution_region(toy):
    """Without markers `grader release` copies the reference's code into the stub; validate said only
    "stub passes ...: a test that an empty function passes", which points at the tests."""
    ref = toy / "solutions" / AID / "toy.py"
    unmarked = TOY_REFERENCE.replace("    ### BEGIN SOLUTION\n    scaled", "    scaled", 1)
    ref.write_text(unmarked.replace("scaled.astype(np.float64)\n    ### END SOLUTION", "scaled.astype(np.float64)"))
    assert invoke(toy, "release").exit_code == 0
    result = invoke(toy, "validate")
    line = TOY_REFERENCE.splitlines().index("def scale(x, k):") + 1
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert f"{ref}:{line}: scale has no ### BEGIN SOLUTION region" in result.output
    assert "add has no" not in result.output


def test_gradescope_run_reports_the_isolation_in_the_instructors_log(toy, tmp_path, monkeypatch):
    # Gradescope's container may refuse a protection (namespaces, Landlock): the grader must say so
    # in the log the instructor sees (/autograder/results/stdout), never degrade silently.
    import grader.runner

    real = grader.runner.grade_submission

    def degraded(*args, **kwargs):
        result = real(*args, **kwargs)
        result.isolation = {"active": ["separate-process"],
                            "unavailable": [{"name": "landlock-filesystem", "reason": "not supported"}]}
        return result

    monkeypatch.setattr(grader.runner, "grade_submission", degraded)
    build_bundle(toy, load_course(toy / "course.yaml"), tmp_path / "autograder.tar.gz")
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "toy.py").write_text(TOY_REFERENCE)
    results = tmp_path / "results.json"
    r = CliRunner().invoke(main, ["gradescope", "run", "--submission", str(tmp_path / "submission"), "--bundle",
                                  str(tmp_path / "autograder.tar.gz"), "--results", str(results)])
    assert r.exit_code == 0, r.output
    assert "NOT ACTIVE: landlock-filesystem: not supported" in r.output
    data = json.loads(results.read_text())
    assert data["extra_data"]["isolation"]["unavailable"][0]["name"] == "landlock-filesystem"


def test_validate_fails_a_public_test_that_fails_the_reference(toy):
    """A public test that a correct solution fails sends every student after a bug that is not there;
    validate ran only the hidden tests, so it passed such a course."""
    public = toy / "assignments" / AID / "test_toy.py"
    assert invoke(toy, "validate").exit_code == 0
    public.write_text(TOY_PUBLIC + "\n\ndef test_scale_wrongly():\n"
                                   "    assert np.allclose(toy.scale(np.ones(2), 3.0), 4.0)\n")
    result = invoke(toy, "validate")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "the public tests fail the reference" in result.output
    assert "FAILED test_toy.py::test_scale_wrongly" in result.output
    assert "test_add_small" not in result.output


def test_validate_warns_of_hidden_tests_whose_draws_no_seed_fixes(toy):
    """np.random.rand in a hidden test (or a generator made without a seed) gives each grading other
    inputs, so a student's score could change on a regrade; validate passed it without a word."""
    hidden = toy / "solutions" / AID / "test_toy_hidden.py"
    base = TOY_HIDDEN.count("\n")
    hidden.write_text(TOY_HIDDEN + '\n\n@graded("add")\ndef test_add_random(student, ref):\n'
                      "    a = np.random.rand(2, 3)\n"
                      "    b = np.random.default_rng().standard_normal((2, 3))\n"
                      "    c = np.random.default_rng(7).standard_normal((2, 3))\n"
                      "    assert_close('sum', student.add(a, b + c), ref.add(a, b + c))\n")
    result = invoke(toy, "validate")
    assert result.exit_code == 0, result.output  # a warning: such a test may still be right
    warned = [line for line in result.output.splitlines() if line.startswith("warning: ") and "seed" in line]
    assert [w.split(": ")[1] for w in warned] == [f"{hidden}:{base + 5}", f"{hidden}:{base + 6}"], result.output
    assert "np.random.rand() draws from NumPy's global generator" in warned[0]
    assert "np.random.default_rng() makes a generator without a seed" in warned[1]
