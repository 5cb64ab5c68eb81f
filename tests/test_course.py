"""Does course.yaml load into the typed schema, and do bad files get file:line messages?"""

import pytest

from grader.course import load_course, parse_course
from grader.errors import UserError
from tests.conftest import ROOT

GOOD = """\
name: Demo
assignments:
  - id: 03_backprop
    title: Backprop
    module: backprop
    points:
      affine_forward: 2
"""


def test_the_repository_course_loads_every_assignment_of_the_spec():
    course = load_course(ROOT / "course.yaml")
    assert [a.id for a in course.assignments] == [
        "01_regression", "02_perceptron", "03_backprop", "04_activations",
        "05_initialization", "06_regularization", "07_optimizers"]
    assert all(a.max_score > 0 for a in course.assignments)


def test_defaults_and_per_assignment_overrides_merge():
    course = parse_course(GOOD.replace("    points:", "    limits:\n      call_seconds: 3\n    points:"))
    limits = course.limits_for(course.assignment("03_backprop"))
    assert limits.call_seconds == 3 and limits.memory_mb == 1024
    assert course.allowed_imports == ["numpy", "math", "scipy.special"]


def test_unknown_key_is_rejected_with_its_line():
    text = GOOD.replace("    module: backprop\n", "    module: backprop\n    colour: red\n")
    with pytest.raises(UserError, match=r"course.yaml:6: assignments\[0\]\.colour: unknown key 'colour'"):
        parse_course(text, "course.yaml")


def test_bad_value_names_key_value_and_line():
    with pytest.raises(UserError) as err:
        parse_course(GOOD.replace("affine_forward: 2", "affine_forward: two"), "course.yaml")
    assert "course.yaml:7: assignments[0].points.affine_forward" in str(err.value)
    assert "'two'" in str(err.value)


def test_malformed_yaml_gives_a_line_not_a_traceback():
    with pytest.raises(UserError, match=r"course.yaml:\d+: not valid YAML"):
        parse_course("name: [unclosed\nassignments: []\n", "course.yaml")


def test_duplicate_keys_and_ids_are_rejected():
    with pytest.raises(UserError, match="duplicate key 'name'"):
        parse_course("name: a\nname: b\nassignments: []\n")
    twice = GOOD + GOOD.split("assignments:\n")[1]
    with pytest.raises(UserError, match="appears twice"):
        parse_course(twice)


def test_bad_ids_modules_and_points_are_explained():
    with pytest.raises(UserError, match="must look like 03_backprop"):
        parse_course(GOOD.replace("id: 03_backprop", "id: Backprop"))
    with pytest.raises(UserError, match="must be positive"):
        parse_course(GOOD.replace("affine_forward: 2", "affine_forward: 0"))
    with pytest.raises(UserError, match="required key is missing"):
        parse_course(GOOD.replace("    title: Backprop\n", ""))


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_course(tmp_path / "course.yaml")
