"""Are stubs generated from references, and does --check catch drift and bad markers?"""

import shutil

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.release import MarkerError, check_release, make_stub
from tests.conftest import ROOT

REF = '''import numpy as np

### BEGIN SOLUTION
def _helper(x):
    return x * 2
### END SOLUTION


def f(x):
    """Double x.

    Inputs:
    - x: array of shape (N, D)
    Returns:
    - out: array of shape (N, D)
    """
    ### BEGIN SOLUTION
    return _helper(x)
    ### END SOLUTION
'''


def test_function_region_becomes_not_implemented_and_docstring_stays():
    stub = make_stub(REF)
    assert 'raise NotImplementedError("f: replace this line with your code")' in stub
    assert "array of shape (N, D)" in stub and "def f(x):" in stub


def test_module_level_region_is_removed_entirely():
    stub = make_stub(REF)
    assert "_helper" not in stub and "SOLUTION" not in stub
    compile(stub, "stub.py", "exec")


@pytest.mark.parametrize("bad, message", [
    (REF.replace("    ### END SOLUTION\n", ""), "never closed"),
    (REF.replace("### BEGIN SOLUTION\ndef _helper", "def _helper"), "without a matching"),
    (REF.replace("    ### BEGIN SOLUTION\n    return", "    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return"),
     "inside the region"),
    (REF.replace("    ### END SOLUTION", "    ### END SOLUTON"), "malformed marker"),
])
def test_unbalanced_or_misspelt_markers_are_errors_with_lines(bad, message):
    with pytest.raises(MarkerError, match=message):
        make_stub(bad, "ref.py")


def test_committed_stubs_match_their_references(course):
    assert check_release(ROOT, course) == []


def test_check_fails_when_a_stub_drifts(tmp_path, course):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "assignments", tmp_path / "assignments")
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    stub = tmp_path / "assignments" / "03_backprop" / "backprop.py"
    text = stub.read_text()
    stub.write_text(text + "\n# edited by hand\n")
    runner = CliRunner()
    result = runner.invoke(main, ["--course", str(tmp_path), "release", "--check"])
    line = text.count("\n") + 1  # the first line that differs: where the edit begins
    assert result.exit_code != 0 and f"03_backprop: {stub}:{line} differs" in result.output, result.output
    lines = text.splitlines()
    at = next(i for i, s in enumerate(lines) if "rows sum" in s or "Returns" in s)  # a docstring edited in place
    stub.write_text("\n".join(lines[:at] + [lines[at] + " (edited)"] + lines[at + 1:]) + "\n")
    result = runner.invoke(main, ["--course", str(tmp_path), "release", "--check"])
    assert f"03_backprop: {stub}:{at + 1} differs" in result.output, result.output
    result = runner.invoke(main, ["--course", str(tmp_path), "release"])
    assert result.exit_code == 0 and "backprop.py" in result.output
    assert runner.invoke(main, ["--course", str(tmp_path), "release", "--check"]).exit_code == 0


def test_release_refuses_a_missing_reference_instead_of_saying_up_to_date(tmp_path):
    shutil.copytree(ROOT / "assignments", tmp_path / "assignments")
    course_yaml = (ROOT / "course.yaml").read_text()
    (tmp_path / "course.yaml").write_text(course_yaml)
    runner = CliRunner()
    result = runner.invoke(main, ["--course", str(tmp_path), "release"])  # a student repository: no solutions/
    assert result.exit_code == 1 and "no reference solutions" in result.output, result.output
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    (tmp_path / "course.yaml").write_text(course_yaml.replace("module: perceptron", "module: perceptrn"))
    result = runner.invoke(main, ["--course", str(tmp_path), "release"])
    assert result.exit_code == 1 and "perceptrn.py is missing (check `module:` in course.yaml)" in result.output
    assert "up to date" not in result.output


def test_an_id_that_is_not_its_folders_name_is_named_with_the_folder_no_assignment_claims(tmp_path):
    """An id typed differently from its folder (02_perceptrn) was told to check `module:`, which was right;
    nothing named the id, or the folder solutions/02_perceptron that no assignment pointed to any more."""
    for name in ("solutions", "assignments"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "course.yaml").write_text((ROOT / "course.yaml").read_text().replace(
        "id: 02_perceptron", "id: 02_perceptrn"))
    said = (f"02_perceptrn: no folder {tmp_path}/solutions/02_perceptrn (an assignment's id in course.yaml is its "
            "folder's name; folders no assignment names: 02_perceptron)")
    for command in (["release"], ["release", "--check"], ["validate", "-a", "02_perceptrn"]):
        result = CliRunner().invoke(main, ["--course", str(tmp_path), *command])
        assert result.exit_code == 1 and said in result.output, (command, result.output)
        assert "check `module:`" not in result.output


def test_a_broken_marker_writes_no_stub_at_all(tmp_path):
    # A reference edited in 01 and a marker lost in 03: release stopped at 03 with 01's stub already
    # rewritten, leaving the stubs half released without saying so.
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "assignments", tmp_path / "assignments")
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    ref01 = tmp_path / "solutions" / "01_regression" / "regression.py"
    ref01.write_text(ref01.read_text() + "\n# a note for students\n")
    ref03 = tmp_path / "solutions" / "03_backprop" / "backprop.py"
    ref03.write_text(ref03.read_text().replace("### END SOLUTION", "", 1))
    before = {p: p.read_bytes() for p in (tmp_path / "assignments").rglob("*.py")}
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "release"])
    assert result.exit_code == 1 and "backprop.py" in result.output and "Traceback" not in result.output, result.output
    assert {p: p.read_bytes() for p in (tmp_path / "assignments").rglob("*.py")} == before


@pytest.mark.parametrize("which", ["solutions", "assignments"])
def test_a_course_file_not_in_utf8_is_a_message_naming_it(tmp_path_factory, which):
    """A reference or stub saved as Latin-1 or CP949 by an editor: release, release --check and
    validate name the file and the line, and say what to do, instead of a UnicodeDecodeError."""
    tmp_path, outside = tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("out")
    for name in ("solutions", "assignments"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    bad = tmp_path / which / "02_perceptron" / "perceptron.py"
    bad.write_bytes(bad.read_bytes() + "# 퍼셉트론\n".encode("cp949"))
    commands = [["release"], ["release", "--check"], ["validate", "-a", "02_perceptron"]]
    if which == "solutions":  # what reads the references themselves
        commands += [["release", "--out", str(outside / "student")]]
        commands += [["nbgrader", "export", str(outside / "nb"), "-a", "02_perceptron"]]
    for command in commands:
        result = CliRunner().invoke(main, ["--course", str(tmp_path), *command])
        assert result.exit_code == 1 and not isinstance(result.exception, UnicodeDecodeError), (command, result.output)
        assert f"{bad}:" in result.output and "UTF-8" in result.output, (command, result.output)


def test_validate_names_a_stub_with_a_syntax_error(tmp_path):
    """A stub edited by hand into a syntax error: validate reports it as a problem, no SyntaxError traceback."""
    for name in ("solutions", "assignments"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    stub = tmp_path / "assignments" / "02_perceptron" / "perceptron.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "def (:\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "validate", "-a", "02_perceptron"])
    assert result.exit_code == 1 and not isinstance(result.exception, SyntaxError), result.output
    assert f"{stub}:" in result.output and "invalid syntax" in result.output


def test_validate_says_a_missing_reference_once(tmp_path):
    for name in ("solutions", "assignments"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "course.yaml", tmp_path / "course.yaml")
    (tmp_path / "solutions" / "02_perceptron" / "perceptron.py").unlink()
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "validate", "-a", "02_perceptron"])
    assert result.exit_code == 1, result.output
    assert [line for line in result.output.splitlines() if "perceptron.py" in line] == [
        f"problem: 02_perceptron: reference {tmp_path}/solutions/02_perceptron/perceptron.py is missing "
        "(check `module:` in course.yaml)"]
