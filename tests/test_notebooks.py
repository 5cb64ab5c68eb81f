"""The student notebooks: generated, cleared, leak-free, and runnable headless top to bottom.

Each notebook is executed with nbclient in a copy of its assignment folder, once with the
reference module in place of the stub (every figure must appear, no cell may fail) and, for one
notebook, with the untouched stub (it must finish and tell the student what to implement).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from grader.student_repo import find_leaks

ROOT = Path(__file__).resolve().parents[1]

# image/png outputs each notebook shows when every function is implemented
EXPECTED_FIGURES = {
    "01_regression": 4,
    "02_perceptron": 3,
    "03_backprop": 3,
    "04_activations": 3,
    "05_initialization": 3,
    "06_regularization": 4,
    "07_optimizers": 4,
}


def _generator():
    spec = importlib.util.spec_from_file_location("make_notebooks", ROOT / "tools" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook_path(aid: str) -> Path:
    return ROOT / "assignments" / aid / f"{aid}.ipynb"


def _execute(folder: Path, aid: str):
    """Run the notebook in ``folder`` top to bottom; returns the executed notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(folder / f"{aid}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb


def _outputs(nb):
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def _errors(nb) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for o in _outputs(nb) if o.get("output_type") == "error"]


def _figures(nb) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(nb))


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for o in _outputs(nb) if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _copy_assignment(tmp_path: Path, aid: str, module: str | None, with_reference: bool) -> Path:
    folder = tmp_path / aid
    shutil.copytree(ROOT / "assignments" / aid, folder, ignore=shutil.ignore_patterns("__pycache__"))
    if with_reference:
        shutil.copyfile(ROOT / "solutions" / aid / f"{module}.py", folder / f"{module}.py")
    return folder


def test_every_assignment_has_a_notebook(course):
    """Does each assignment of course.yaml have a notebook, and each notebook an expected figure count?"""
    assert sorted(EXPECTED_FIGURES) == sorted(a.id for a in course.assignments)
    for aid in EXPECTED_FIGURES:
        assert _notebook_path(aid).is_file(), f"{aid}: notebook missing; run python tools/make_notebooks.py"


def test_notebooks_match_their_generator():
    """Are the committed notebooks exactly what tools/make_notebooks.py writes (so they can be regenerated)?"""
    pytest.importorskip("nbformat")
    generator = _generator()
    for aid in EXPECTED_FIGURES:
        assert _notebook_path(aid).read_text(encoding="utf-8") == generator.render(aid), (
            f"{aid}.ipynb differs from the generator; run python tools/make_notebooks.py")


def test_notebooks_are_committed_without_outputs():
    """Are outputs and execution counts cleared in every committed notebook?"""
    nbformat = pytest.importorskip("nbformat")
    for aid in EXPECTED_FIGURES:
        nb = nbformat.read(_notebook_path(aid), as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{aid}: a cell has outputs"


def test_notebooks_hold_no_solution_code(tmp_path):
    """Does the release leak scan find no solution region or hidden-test line in the notebooks?"""
    for aid in EXPECTED_FIGURES:
        dest = tmp_path / "assignments" / aid
        dest.mkdir(parents=True)
        shutil.copyfile(_notebook_path(aid), dest / f"{aid}.ipynb")
    assert find_leaks(tmp_path, ROOT) == []


@pytest.mark.parametrize("aid", sorted(EXPECTED_FIGURES))
def test_notebook_runs_against_the_reference(course, tmp_path, aid):
    """With the reference in place of the stub, does every cell run and every figure appear?"""
    module = course.assignment(aid).module
    folder = _copy_assignment(tmp_path, aid, module, with_reference=True)
    nb = _execute(folder, aid)
    assert _errors(nb) == []
    assert "implement `" not in _stdout(nb)
    assert _figures(nb) == EXPECTED_FIGURES[aid]


def test_notebook_against_the_stub_explains_instead_of_failing(course, tmp_path):
    """With the untouched stub, does the notebook finish without a traceback and say what to implement?"""
    aid = "01_regression"
    folder = _copy_assignment(tmp_path, aid, course.assignment(aid).module, with_reference=False)
    nb = _execute(folder, aid)
    assert _errors(nb) == []
    out = _stdout(nb)
    assert "implement `linear_regression_closed_form` to see this plot" in out
    assert "implement `entropy` to see this plot" in out
    assert _figures(nb) == 0
