"""Is a submission read as data, with a clear message and zero for an unreadable module only?"""

import os
import shutil

import pytest

from grader.errors import SubmissionError
from grader.submission import check_source, read_source
from tests.conftest import ROOT, function_scores, grade, make_submission, reference_source

ALLOWED = ["numpy", "math", "scipy.special"]


def test_missing_module_is_missing(tmp_path):
    with pytest.raises(SubmissionError) as err:
        read_source(tmp_path, "03_backprop", "backprop")
    assert err.value.status == "missing"


@pytest.mark.parametrize("other", ["backprop-1.py", "Backprop.py", "03_backprop.ipynb"])
def test_a_module_handed_in_under_another_name_is_named_not_called_missing(tmp_path, other):
    """An LMS renames a resubmitted file (backprop-1.py); some students hand in the notebook. Reported as
    "not found", status missing, the student showed as "not submitted" in grade-all's summary and got a
    blank (no submission) in a Canvas or Moodle gradebook, and nothing said what they had sent."""
    folder = tmp_path / "assignments" / "03_backprop"
    folder.mkdir(parents=True)
    (folder / other).write_text("x = 1\n")
    (folder / "test_backprop.py").write_text("x = 1\n")  # the public tests are not a submission
    with pytest.raises(SubmissionError) as err:
        read_source(tmp_path, "03_backprop", "backprop")
    assert err.value.status == "error"
    assert f"holds {other!r}: only backprop.py is graded" in str(err.value) and "test_backprop" not in str(err.value)


def test_a_module_or_folder_that_cannot_be_read_is_an_error_for_that_assignment(tmp_path, monkeypatch):
    """A file unpacked with mode 000 by another user raised PermissionError through `grade` (a traceback) and
    stopped `grade-all` for the whole class; an unsearchable folder passed for a missing file. (Root reads
    everything, so the denials are simulated.)"""
    folder = tmp_path / "assignments" / "03_backprop"
    folder.mkdir(parents=True)
    (folder / "backprop.py").write_text("x = 1\n")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    with monkeypatch.context() as m:
        m.setattr("pathlib.Path.read_bytes", denied)
        with pytest.raises(SubmissionError, match=r"backprop.py cannot be read \(Permission denied\)") as err:
            read_source(tmp_path, "03_backprop", "backprop")
    assert err.value.status == "error"
    monkeypatch.setattr("os.path.lexists", lambda path: False)
    monkeypatch.setattr("os.access", lambda path, mode: False)
    with pytest.raises(SubmissionError, match=r"03_backprop cannot be read \(permission denied\)") as err:
        read_source(tmp_path, "03_backprop", "backprop")
    assert err.value.status == "error"


def test_symlink_leaving_the_submission_is_refused(tmp_path):
    outside = tmp_path / "secret.py"
    outside.write_text("x = 1\n")
    folder = tmp_path / "sub" / "assignments" / "03_backprop"
    folder.mkdir(parents=True)
    os.symlink(outside, folder / "backprop.py")
    with pytest.raises(SubmissionError, match="symlink that points outside"):
        read_source(tmp_path / "sub", "03_backprop", "backprop")


def test_huge_and_non_utf8_files_are_refused(tmp_path):
    folder = tmp_path / "assignments" / "03_backprop"
    folder.mkdir(parents=True)
    (folder / "backprop.py").write_bytes(b"x = 1\n" * 200_000)
    with pytest.raises(SubmissionError, match="limit"):
        read_source(tmp_path, "03_backprop", "backprop")
    (folder / "backprop.py").write_bytes(b"x = 1\ny = '\xff'\n")
    with pytest.raises(SubmissionError, match="line 2 is not valid UTF-8"):
        read_source(tmp_path, "03_backprop", "backprop")


def test_a_byte_order_mark_is_dropped_as_python_drops_it(tmp_path, course):
    # Notepad's "UTF-8 with BOM": Python and pytest accept the file; the grader called U+FEFF a syntax error
    # and gave the whole assignment 0
    sub = make_submission(tmp_path, course, {})
    path = sub / "assignments" / "02_perceptron" / "perceptron.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + reference_source(course, "02_perceptron").encode())
    assert not read_source(sub, "02_perceptron", "perceptron").startswith("\ufeff")
    [a] = grade(course, sub, ["02_perceptron"]).assignments
    assert a.status == "graded" and a.score == a.max_score, a.message
    path.write_bytes(b"\xef\xbb\xbfimport numpy as np\n\nimport os\n")
    with pytest.raises(SubmissionError, match="line 3"):  # line numbers as in the student's editor
        check_source(read_source(sub, "02_perceptron", "perceptron"), "perceptron.py", ALLOWED)


@pytest.mark.parametrize("source, message", [
    ("def f(:\n", "syntax error at line 1"),
    ("import os\n", "imports 'os'"),
    ("from scipy import linalg\n", "imports 'scipy'"),
    ("from . import x\n", "imports '.'"),
    ("m = __import__('os')\n", "__import__"),
    ("import torch\n", "imports 'torch'"),
])
def test_bad_sources_are_refused_with_a_line(source, message):
    with pytest.raises(SubmissionError, match=message):
        check_source(source, "m.py", ALLOWED)


@pytest.mark.parametrize("source, fix", [
    ("import scipy\n", "import only scipy.special (e.g. `from scipy import special`, or `import scipy.special`)"),
    ("from scipy import stats\n", "import only scipy.special"),
    ("import os\n", "remove the import"),
    ("import scipy.stats\n", "remove the import"),
])
def test_a_refused_import_says_how_to_import_what_is_allowed(source, fix):
    # `import scipy` with scipy.special allowed was told only to remove the import
    with pytest.raises(SubmissionError) as err:
        check_source(source, "m.py", ALLOWED)
    assert err.value.message.endswith(fix) or f"); {fix}" in err.value.message, err.value.message


@pytest.mark.parametrize("source", ["import numpy as np\n", "from scipy.special import erf\n",
                                    "from scipy import special\n", "import math\nfrom numpy import random\n"])
def test_allowed_imports_pass(source):
    check_source(source, "m.py", ALLOWED)


@pytest.mark.parametrize("source, used", [
    ("import numpy as np\n", ("numpy",)),
    ("from scipy.special import erf\nimport math\n", ("math", "scipy.special")),
    ("from scipy import special\n", ("scipy.special",)),
    ("import scipy.special.cython_special\n", ("scipy.special",)),
    ("x = 1\n", ()),
])
def test_check_source_names_the_allowed_modules_it_imports(source, used):
    assert set(check_source(source, "m.py", ALLOWED)) == set(used)


def test_a_broken_assignment_scores_zero_while_the_others_are_graded(tmp_path, course):
    sub = make_submission(tmp_path, course, {
        "02_perceptron": "import os\n",
        "03_backprop": reference_source(course, "03_backprop"),
    })
    result = grade(course, sub, ["01_regression", "02_perceptron", "03_backprop"])
    by_id = {a.id: a for a in result.assignments}
    assert by_id["01_regression"].status == "missing" and by_id["01_regression"].score == 0
    assert by_id["02_perceptron"].status == "error" and "imports 'os'" in by_id["02_perceptron"].message
    assert by_id["03_backprop"].status == "graded"
    assert by_id["03_backprop"].score == by_id["03_backprop"].max_score
    assert all(s == m for s, m in function_scores(by_id["03_backprop"]).values())


def test_from_future_import_annotations_is_allowed(tmp_path, course):
    # a compiler directive for type hints, not a library: it cost the whole assignment (check and worker refused it)
    source = "from __future__ import annotations\n" + reference_source(course, "02_perceptron")
    source += "\n\ndef _hinted(x: np.ndarray) -> np.ndarray:\n    return x\n"
    assert check_source(source, "perceptron.py", ALLOWED) == ("numpy",)
    [a] = grade(course, make_submission(tmp_path, course, {"02_perceptron": source}), ["02_perceptron"]).assignments
    assert a.status == "graded" and a.score == a.max_score, a.message


def test_printing_megabytes_costs_no_test(tmp_path, course):
    # A debugging loop left in: printing reached the worker's 8 MB file-size limit, and from then on every
    # print raised OSError "File too large", in this function and in every function calling it
    flood = '''
_affine_forward_ref = affine_forward
_flooded = []
def affine_forward(x, W, b):
    if not _flooded:
        _flooded.append(True)
        for _ in range(1200):
            print("debug " * 1700)
    print("affine_forward", x.shape, W.shape, b.shape)
    return _affine_forward_ref(x, W, b)
'''
    sub = make_submission(tmp_path, course, {"03_backprop": reference_source(course, "03_backprop") + flood})
    [a] = grade(course, sub, ["03_backprop"]).assignments
    assert a.status == "graded" and a.score == a.max_score, [t.feedback for t in a.tests if t.score < t.max_score]


def test_import_time_failure_is_an_error_for_that_assignment_only(tmp_path, course):
    sub = make_submission(tmp_path, course, {"03_backprop": "import numpy as np\nraise SystemExit(0)\n"})
    [a] = grade(course, sub, ["03_backprop"]).assignments
    assert a.status == "error" and a.score == 0 and "failed to import: SystemExit" in a.message


def test_grade_refuses_a_path_one_level_too_deep_or_a_whole_class(tmp_path, course):
    # Graded as it is, each scores zero everywhere with only "not found" to say why.
    from click.testing import CliRunner

    from grader.cli import main

    sub = make_submission(tmp_path / "class" / "alice", course, {"02_perceptron": "x = 1\n"})
    make_submission(tmp_path / "class" / "bob", course, {"02_perceptron": "x = 1\n"})
    cases = {
        sub / "assignments": f"looks like the assignments folder of a submission (it holds 02_perceptron/), not a "
                             f"submission: pass the folder that holds it, {sub.resolve()}",
        sub / "assignments" / "02_perceptron": f"looks like one assignment's folder, not a submission: pass the folder "
                                               f"that holds assignments/, {sub.resolve()}",
        tmp_path / "class": "holds submissions (alice, bob) rather than being one: grade one of them, or the whole "
                            f"class with `grader grade-all {tmp_path / 'class'}`",
        # a repository downloaded as a zip: one folder, one submission in it
        tmp_path / "class" / "alice-zip": "holds one submission one folder down (as a repository downloaded as a zip "
                                          f"does): grade {tmp_path / 'class' / 'alice-zip' / 'repo-main'}",
    }
    shutil.copytree(sub, tmp_path / "class" / "alice-zip" / "repo-main")
    for path, message in cases.items():
        result = CliRunner().invoke(main, ["--course", str(ROOT), "grade", str(path), "--format", "json"])
        assert result.exit_code == 1 and message in " ".join(result.output.split()), result.output
    assert CliRunner().invoke(main, ["--course", str(ROOT), "grade", str(sub), "-a", "02_perceptron"]).exit_code == 0
    # a folder with no assignments/ at all (a mistyped path, an empty upload): graded, as GRADER.md has it
    # (exit 0, every assignment missing), with a note that the folder may be the wrong one
    (tmp_path / "empty").mkdir()
    empty = CliRunner().invoke(main, ["--course", str(ROOT), "grade", str(tmp_path / "empty"), "-a", "02_perceptron"])
    assert empty.exit_code == 0 and "MISSING" in empty.output, empty.output
    assert f"note: {tmp_path / 'empty'} has no assignments/ folder" in " ".join(empty.output.split())
    assert "note:" not in CliRunner().invoke(main, ["--course", str(ROOT), "grade", str(sub), "-a",
                                                    "02_perceptron"]).output
