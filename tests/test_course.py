"""Does course.yaml load into the typed schema, and do bad files get file:line messages?"""

import hashlib
import os
import subprocess
import sys

import pytest

from grader import course as course_module
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


def test_the_import_limit_is_30_s_unless_the_course_or_an_assignment_sets_it():
    assert parse_course(GOOD).limits_for(parse_course(GOOD).assignment("03_backprop")).import_seconds == 30
    course = parse_course(GOOD.replace("    points:", "    limits:\n      import_seconds: 90\n    points:"))
    assert course.limits_for(course.assignment("03_backprop")).import_seconds == 90
    assert course.limits.import_seconds == 30
    with pytest.raises(UserError, match=r"course.yaml:\d+: assignments\[0\]\.limits\.import_seconds"):
        parse_course(GOOD.replace("    points:", "    limits:\n      import_seconds: 0\n    points:"), "course.yaml")


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
    with pytest.raises(UserError, match="appears twice") as err:
        parse_course(twice, "course.yaml")
    # the line of the second entry's id, not of the `assignments:` key above both
    second = twice.splitlines().index("  - id: 03_backprop", twice.splitlines().index("  - id: 03_backprop") + 1) + 1
    assert f"course.yaml:{second}: assignments[1].id: assignment id '03_backprop' appears twice" in str(err.value)
    assert "also at assignments[0]" in str(err.value)


def test_bad_ids_modules_and_points_are_explained():
    with pytest.raises(UserError, match="must look like 03_backprop"):
        parse_course(GOOD.replace("id: 03_backprop", "id: Backprop"))
    with pytest.raises(UserError, match="must be a positive finite number"):
        parse_course(GOOD.replace("affine_forward: 2", "affine_forward: 0"))
    for value in (".nan", ".inf", "-.inf"):  # YAML floats that `points <= 0` lets through
        with pytest.raises(UserError, match=r"course.yaml:7: .*points of affine_forward must be a positive finite"):
            parse_course(GOOD.replace("affine_forward: 2", f"affine_forward: {value}"))
    with pytest.raises(UserError, match="required key is missing"):
        parse_course(GOOD.replace("    title: Backprop\n", ""))


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_course(tmp_path / "course.yaml")


# -- the cache of parsed courses -----------------------------------------------------------------------

DATED = GOOD + """\
    due: 2026-03-01T23:59:00+09:00
    late_policy: {penalty_per_day: 10, grace_minutes: 15}
  - id: 04_activations
    title: Activations
    module: activations
    points: {relu: 1.5}
    due: 2026-03-08T12:00:00Z
    limits: {memory_mb: 512}
limits: {call_seconds: 3}
"""


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(course_module.CACHE_ENV, str(folder))
    return folder


def test_an_unchanged_course_is_read_back_from_the_cache_without_yaml(tmp_path, cache_dir):
    path = tmp_path / "course.yaml"
    path.write_text(DATED)
    first = load_course(path)
    assert first == parse_course(DATED) and len(list(cache_dir.glob("course-*.json"))) == 1
    # a fresh interpreter reads it back, equal field for field, and never imports PyYAML
    probe = ("import sys; from grader.course import load_course, parse_course; "
             f"c = load_course({str(path)!r}); print('yaml' in sys.modules, c == parse_course(open({str(path)!r}).read()))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={**os.environ, course_module.CACHE_ENV: str(cache_dir)}).stdout.split()
    assert out == ["False", "True"]


def test_an_edited_course_is_parsed_again_and_its_errors_keep_their_lines(tmp_path, cache_dir):
    path = tmp_path / "course.yaml"
    path.write_text(GOOD)
    assert load_course(path).assignments[0].points == {"affine_forward": 2.0}
    path.write_text(GOOD.replace("affine_forward: 2", "affine_forward: 3"))
    assert load_course(path).assignments[0].points == {"affine_forward": 3.0}
    path.write_text(GOOD.replace("affine_forward: 2", "affine_forward: two"))
    with pytest.raises(UserError, match=r"course.yaml:7: "):
        load_course(path)


def test_a_damaged_or_foreign_cache_file_is_ignored_and_replaced(tmp_path, cache_dir):
    path = tmp_path / "course.yaml"
    path.write_text(GOOD)
    load_course(path)
    [cached] = cache_dir.glob("course-*.json")
    good = cached.read_bytes()
    payload = good[128:]
    other_key = b"0" * 64 + good[64:]
    edited = good.replace(b"Demo", b"Forged")
    resealed = good[:64] + hashlib.sha256(edited[128:]).hexdigest().encode() + edited[128:]
    invalid = b'{"name":"Demo","assignments":[],"bogus":1}'  # sealed, but not the schema
    invalid = good[:64] + hashlib.sha256(invalid).hexdigest().encode() + invalid
    assert load_course(path).name == "Demo"
    for junk in (b"", good[:100], b"{not json", other_key, edited, invalid):
        cached.write_bytes(junk)
        course = load_course(path)
        assert course.name == "Demo" and course == parse_course(GOOD)
        assert cached.read_bytes() == good
    assert payload.startswith(b"{") and b"Forged" not in good
    # an entry sealed again after an edit is believed: the cache is the user's own, like course.yaml
    cached.write_bytes(resealed)
    assert load_course(path).name == "Forged"


def test_no_usable_cache_directory_still_loads(tmp_path, monkeypatch):
    path = tmp_path / "course.yaml"
    path.write_text(GOOD)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for setting in (str(blocker / "cache"), ""):  # cannot be created; turned off
        monkeypatch.setenv(course_module.CACHE_ENV, setting)
        assert load_course(path) == parse_course(GOOD)
        assert load_course(path) == parse_course(GOOD)
    assert not (blocker / "cache").exists()


def test_the_cache_keeps_only_the_newest_files(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setattr(course_module, "_CACHE_FILES", 3)
    paths = []
    for k in range(5):
        paths.append(tmp_path / f"c{k}" / "course.yaml")
        paths[-1].parent.mkdir()
        paths[-1].write_text(GOOD)
        load_course(paths[-1])
        os.utime(course_module._cache_file(paths[-1]), (1000 + k, 1000 + k))
    assert sorted(cache_dir.glob("course-*.json")) == sorted(course_module._cache_file(p) for p in paths[2:])


def test_a_student_may_name_an_assignment_loosely_and_an_ambiguous_start_says_so():
    course = load_course(ROOT / "course.yaml")
    for text in ("03_backprop", "03", "backprop", "assignments/03_backprop/"):
        assert course.find_assignment(text).id == "03_backprop"
    with pytest.raises(UserError, match=r"'0' is the start of 7 assignments \(01_regression, .*give more of the id"):
        course.find_assignment("0")
    with pytest.raises(UserError, match="unknown assignment 'xyz'"):
        course.find_assignment("xyz")
