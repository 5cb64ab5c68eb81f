"""grader/nbgrader_io.py: the course as an nbgrader course, and nbgrader submissions graded by the kit.

The round trip runs real nbgrader: export -> ``nbgrader generate_assignment`` -> a reference-filled
submission, an untouched stub and a partly wrong one -> graded both by ``nbgrader autograde`` and
by ``grader nbgrader import``, which must agree cell by cell.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.nbgrader_io import HELPERS_ID, module_source, notebook_check
from grader.runner import grade_submission, hidden_test_files
from grader.student_repo import find_leaks

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
ROUND_TRIP = ["02_perceptron", "04_activations"]  # 04 has module-level reference helpers
WRONG = {"step": "    return (np.asarray(z) >= 0).astype(int)",  # wrong at 0
         # right values, but squares the cache in place: partial credit (it fails "leaves inputs unchanged")
         "tanh_backward": "    np.multiply(cache, cache, out=cache)\n    return dout * (1 - cache)"}


def _cli(*args: str):
    return CliRunner().invoke(main, ["--course", str(ROOT), *args])


def _gradable(course) -> list[str]:
    return [a.id for a in course.assignments if hidden_test_files(ROOT, a.id)]


def _cells(nb) -> dict:
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


def _filled(source_nb, release_nb):
    """The release notebook answered with the reference: what a perfect student submits.

    The reference-only helpers (hidden in the release) go into the first answer cell, where a
    student would put helpers of their own.
    """
    nb = nbformat.from_dict(release_nb)
    source = _cells(source_nb)
    helpers = source.get(HELPERS_ID)
    extra = re.search(r"### BEGIN HIDDEN TESTS\n(.*)\n### END HIDDEN TESTS", helpers.source, re.S).group(1) if helpers else ""
    first = True
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = source[meta["grade_id"]].source + ("\n\n\n" + extra if first and extra else "")
            first = False
    return nb


def _leaks_in(folder: Path, nb) -> list[str]:
    """The release leak scan run on one notebook."""
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "student.ipynb")
    return find_leaks(folder, ROOT)


def _strip_solutions(nb):
    """What generate_assignment does to solution regions (for tests that do not run nbgrader)."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        cell.source = re.sub(r"(?ms)^([ \t]*)### BEGIN SOLUTION\n.*?### END SOLUTION",
                             r"\1# YOUR CODE HERE\n\1raise NotImplementedError()", cell.source)
        cell.source = re.sub(r"(?ms)^### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", "", cell.source)
    return nb


# -- export ----------------------------------------------------------------------------------------

def test_export_writes_an_nbgrader_course(course, tmp_path):
    """Does export write nbgrader_config.py and source notebooks with nbgrader's cell metadata and points?"""
    result = _cli("nbgrader", "export", str(tmp_path / "nb"), "-a", "02_perceptron", "-a", "04_activations")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "nb" / "nbgrader_config.py").read_text().count("c.Execute.timeout") == 1
    for aid in ROUND_TRIP:
        a = course.assignment(aid)
        nb = nbformat.read(tmp_path / "nb" / "source" / aid / f"{aid}.ipynb", as_version=4)
        cells = _cells(nb)
        for fn, points in a.points.items():
            sol, test = cells[fn].metadata["nbgrader"], cells[f"test_{fn}"].metadata["nbgrader"]
            assert sol == {"grade": False, "grade_id": fn, "locked": False, "schema_version": 3, "solution": True}
            assert test == {"grade": True, "grade_id": f"test_{fn}", "locked": True, "points": points,
                            "schema_version": 3, "solution": False}
            assert "### BEGIN SOLUTION" in cells[fn].source and "### END SOLUTION" in cells[fn].source
            assert re.search(rf"### BEGIN HIDDEN TESTS\n.*notebook_check\(globals\(\), '{aid}', '{fn}'.*\n"
                             "### END HIDDEN TESTS$", cells[f"test_{fn}"].source, re.S)
        graded = [c.metadata["nbgrader"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert sum(m["points"] for m in graded) == a.max_score
        assert (HELPERS_ID in cells) == (aid == "04_activations")


def test_export_refuses_to_overwrite_without_force(tmp_path):
    """Does a second export stop with a one-line message, and --force overwrite notebooks but not the config?"""
    dest = tmp_path / "nb"
    assert _cli("nbgrader", "export", str(dest), "-a", "02_perceptron").exit_code == 0
    (dest / "nbgrader_config.py").write_text("c = get_config()  # mine\n")
    again = _cli("nbgrader", "export", str(dest), "-a", "02_perceptron")
    assert again.exit_code == 1 and "pass --force" in again.output and "Traceback" not in again.output
    assert _cli("nbgrader", "export", str(dest), "-a", "02_perceptron", "--force").exit_code == 0
    assert (dest / "nbgrader_config.py").read_text() == "c = get_config()  # mine\n"


def test_export_errors_are_one_line(tmp_path):
    """Do an unknown assignment and a destination inside the course give clean errors?"""
    unknown = _cli("nbgrader", "export", str(tmp_path / "x"), "-a", "99_nothing")
    assert unknown.exit_code == 1 and "unknown assignment '99_nothing'" in unknown.output
    inside = _cli("nbgrader", "export", str(ROOT / "nbgrader_course"), "-a", "02_perceptron")
    assert inside.exit_code == 1 and "inside the course repository" in inside.output
    assert not (ROOT / "nbgrader_course").exists()


def test_every_exported_notebook_reassembles_its_reference(course, tmp_path):
    """Filled with the reference, does every exported notebook grade full, and stripped, zero (kit engine)?"""
    ids = _gradable(course)
    args = [x for aid in ids for x in ("-a", aid)]
    assert _cli("nbgrader", "export", str(tmp_path / "nb"), *args).exit_code == 0
    full, empty = tmp_path / "full", tmp_path / "empty"
    for aid in ids:
        module = course.assignment(aid).module
        source = nbformat.read(tmp_path / "nb" / "source" / aid / f"{aid}.ipynb", as_version=4)
        release = _strip_solutions(source)
        assert _leaks_in(tmp_path / "leak" / aid, release) == []
        for base, nb in [(full, _filled(source, release)), (empty, release)]:
            code, notes = module_source(nb)
            assert notes == []
            (base / "assignments" / aid).mkdir(parents=True)
            (base / "assignments" / aid / f"{module}.py").write_text(code)
    for base, expected in [(full, "max"), (empty, 0.0)]:
        result = grade_submission(ROOT, course, base, ids)
        for a in result.assignments:
            assert a.status == "graded", a.message
            assert a.score == (a.max_score if expected == "max" else 0.0), (a.id, [t for t in a.tests if t.status != "passed"][:3])


# -- extraction ------------------------------------------------------------------------------------

def test_module_source_keeps_definitions_and_drops_scratch_work():
    """Are imports, functions and constants from answer cells kept, and calls, prints, magics and autograder cells dropped?"""
    meta = lambda gid, **kw: {"nbgrader": {"grade_id": gid, "schema_version": 3, "grade": False, "locked": False,  # noqa: E731
                                           "solution": False, **kw}}
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import numpy as np\nSCALE = 2.0\nEPS = np.sqrt(SCALE) * 1e-8", metadata=meta("imports", locked=True)),
        nbformat.v4.new_code_cell("%matplotlib inline\ndef f(x):\n    return SCALE * x\n\nprint(f(3))\ny = f(2)\n"
                                  "for i in range(3):\n    pass", metadata=meta("f", solution=True)),
        nbformat.v4.new_code_cell("raise RuntimeError('test')", metadata=meta("test_f", grade=True, locked=True, points=1)),
        nbformat.v4.new_code_cell("def g(:\n    pass", metadata=meta("g", solution=True)),
        nbformat.v4.new_code_cell("def scratch():\n    pass"),  # a cell the student added: not graded
    ]
    code, notes = module_source(nb)
    namespace: dict = {}
    exec(compile(code, "<extracted>", "exec"), namespace)  # noqa: S102 - test data written above
    assert namespace["f"](1.5) == 3.0 and namespace["EPS"] > 0
    assert "y" not in namespace and "scratch" not in namespace and "g" not in namespace
    assert "print(" not in code and "RuntimeError" not in code and "%matplotlib" not in code
    assert len(notes) == 1 and "cell 4 (g) was left out" in notes[0]


def test_import_without_a_gradebook_is_a_clean_error(tmp_path):
    """Does import on a directory without submissions or gradebook say what to run first?"""
    pytest.importorskip("nbgrader")
    (tmp_path / "submitted").mkdir()
    result = _cli("nbgrader", "import", str(tmp_path))
    assert result.exit_code == 1 and "run nbgrader generate_assignment first" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "gradebook.db").exists()


# -- the round trip with real nbgrader ---------------------------------------------------------------

def _nbgrader(cwd: Path, *args: str) -> None:
    # nbgrader runs the `alembic` command from PATH when it creates a gradebook: put this
    # environment's scripts first, as activating it would (CI runs .venv/bin/python unactivated)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def _scores(course_dir: Path, aid: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        out = {}
        for sub in gb.assignment_submissions(aid):
            out[sub.student.id] = {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}
            out[sub.student.id]["total"] = sub.score
        return out


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """An exported course after nbgrader generate_assignment, with three students' submissions."""
    pytest.importorskip("nbgrader")
    base = tmp_path_factory.mktemp("nbgrader") / "course"
    args = [x for aid in ROUND_TRIP for x in ("-a", aid)]
    result = _cli("nbgrader", "export", str(base), *args)
    assert result.exit_code == 0, result.output
    for aid in ROUND_TRIP:
        _nbgrader(base, "generate_assignment", aid, "--force")
        source = nbformat.read(base / "source" / aid / f"{aid}.ipynb", as_version=4)
        release = nbformat.read(base / "release" / aid / f"{aid}.ipynb", as_version=4)
        full = _filled(source, release)
        partial = _filled(source, release)
        for cell in partial.cells:
            wrong = WRONG.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
            if wrong:  # a wrong answer, then a call that fails (the kit must not run it at import time)
                cell.source = cell.source.split("    ### BEGIN")[0] + wrong + "\n\nprint(undefined_name)\n"
        for student, nb in [("ref", full), ("stub", release), ("partial", partial)]:
            folder = base / "submitted" / student / aid
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{aid}.ipynb")
            (folder / "timestamp.txt").write_text("2026-10-01 12:00:00.000000 UTC")
    return base


def test_release_holds_no_solution_and_no_hidden_test(released):
    """Does nbgrader's student version contain neither reference code nor the hidden-test cells' content?"""
    assert find_leaks(released / "release", ROOT) == []
    for aid in ROUND_TRIP:
        text = (released / "release" / aid / f"{aid}.ipynb").read_text()
        assert "notebook_check" not in text and "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text


@pytest.fixture(scope="module")
def both_paths(released, tmp_path_factory):
    """The same course graded by nbgrader autograde and by grader nbgrader import (separate copies)."""
    by_nbgrader = tmp_path_factory.mktemp("autograde") / "course"
    by_kit = tmp_path_factory.mktemp("import") / "course"
    shutil.copytree(released, by_nbgrader)
    shutil.copytree(released, by_kit)
    for aid in ROUND_TRIP:
        _nbgrader(by_nbgrader, "autograde", aid, "--force")
    result = _cli("nbgrader", "import", str(by_kit))
    assert result.exit_code == 0, result.output
    return by_nbgrader, by_kit, result.output


@pytest.mark.parametrize("path", ["nbgrader autograde", "grader nbgrader import"])
def test_reference_scores_full_and_stub_zero(course, both_paths, path):
    """Via either path: does the reference-filled notebook get every point and the stub none?"""
    course_dir = both_paths[0] if path == "nbgrader autograde" else both_paths[1]
    for aid in ROUND_TRIP:
        scores, max_score = _scores(course_dir, aid), course.assignment(aid).max_score
        assert scores["ref"]["total"] == pytest.approx(max_score, abs=1e-9)
        assert scores["stub"]["total"] == 0.0
        assert all(v == 0.0 for k, v in scores["stub"].items())
    partial = _scores(course_dir, "04_activations")["partial"]
    assert partial["test_tanh_backward"] < 1.0 and partial["test_tanh_forward"] == 1.0
    assert partial["total"] == pytest.approx(25.0 + partial["test_tanh_backward"])
    assert _scores(course_dir, "02_perceptron")["partial"]["test_step"] < 1.0


def test_both_paths_agree_cell_by_cell(both_paths):
    """Does the kit's import give every autograded cell the score nbgrader autograde gives it?"""
    by_nbgrader, by_kit, _ = both_paths
    for aid in ROUND_TRIP:
        a, b = _scores(by_nbgrader, aid), _scores(by_kit, aid)
        assert a.keys() == b.keys() == {"ref", "stub", "partial"}
        for student in a:
            assert a[student] == pytest.approx(b[student]), (aid, student)


def test_import_output_and_nbgrader_tools_keep_working(course, both_paths):
    """After the import: does the summary list each student, and do nbgrader export and generate_feedback work?"""
    _, by_kit, output = both_paths
    assert "ref: 02_perceptron 20/20, 04_activations 26/26" in output
    assert "stub: 02_perceptron 0/20, 04_activations 0/26" in output
    _nbgrader(by_kit, "export")
    rows = (by_kit / "grades.csv").read_text().splitlines()
    assert any(r.startswith("04_activations,") and ",ref," in r and r.endswith(",26.0,0.0,26.0,26.0") for r in rows)
    _nbgrader(by_kit, "generate_feedback", "04_activations")
    html = (by_kit / "feedback" / "partial" / "04_activations" / "04_activations.html").read_text()
    assert re.search(r"tanh_backward: \d of \d hidden tests passed, 0\.\d+ of 1 point\b", html)
    assert "notebook_check" not in html and "HIDDEN TESTS" not in html
    autograded = nbformat.read(by_kit / "autograded" / "stub" / "04_activations" / "04_activations.ipynb", as_version=4)
    outputs = [o["text"] for c in autograded.cells for o in c.get("outputs", [])]
    assert any("tanh_forward is not implemented yet" in text for text in outputs)
    nobody = _cli("nbgrader", "import", str(by_kit), "-s", "nobody")
    assert nobody.exit_code == 1 and "no submission folder for nobody" in nobody.output


def test_notebook_feedback_names_the_stub_a_graded_function_calls(capsys):
    # train_two_layer is written, but the two_layer_init it calls is still a stub: the feedback
    # must send the student to two_layer_init, not to the function being graded.
    source = (ROOT / "solutions" / "03_backprop" / "backprop.py").read_text()
    namespace = {"__name__": "notebook"}
    exec(compile(source + "\ndef two_layer_init(*args, **kwargs):\n    raise NotImplementedError\n", "<cell>", "exec"),
         namespace)
    with pytest.raises(AssertionError, match="no points"):
        notebook_check(namespace, "03_backprop", "train_two_layer", course=str(ROOT))
    lines = capsys.readouterr().out.splitlines()[1:]
    assert lines and all(line.endswith("two_layer_init is not implemented yet (it raised NotImplementedError "
                                       "when train_two_layer called it)") for line in lines), lines
