"""Are the Gradescope, JUnit, Markdown and CSV renderings valid for their consumers, and inert
when the student's own text (exception messages) holds markup or control characters?"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from grader.batch import gradebook_csv
from grader.course import load_course
from grader.formats import (FORMATS, gradescope_dict, md_escape, render, to_gradescope,
                            to_junit, to_markdown)
from grader.results import AssignmentResult, SubmissionResult
from grader.results import TestResult as TR
from tests.test_bundle import AID, TOY_REFERENCE, invoke, toy_course, toy_submission

HOSTILE = 'boom <img src=x onerror=alert(1)> | [link](http://x) **bold** \x00\x1b[31m & "q"\n::error::fake'


def sample() -> SubmissionResult:
    return SubmissionResult("alice", 3.5, 10.0, [
        AssignmentResult("03_backprop", 3.5, 6.0, "graded", "", [
            TR("test_affine_forward", "affine_forward", 1.0, 1.0, "passed"),
            TR("test_affine_backward", "affine_backward", 0.0, 2.0, "failed", "dW: max relative error 3e-01"),
            TR("test_relu", "relu_forward", 0.0, 1.0, "error", HOSTILE),
            TR("test_two_layer", "two_layer_loss", 0.0, 1.0, "timeout", "two_layer_loss took longer than 10 s"),
            TR("test_sigmoid_a", "sigmoid_forward", 1.0, 0.5, "passed"),
            TR("test_sigmoid_b", "sigmoid_forward", 1.5, 0.5, "passed"),
        ]),
        AssignmentResult("04_activations", 0.0, 4.0, "error", "syntax error at line 7: invalid syntax", []),
    ])


# Gradescope's autograder specification, as a small schema: key -> (types, required).
GS_TOP = {"score": ((int, float), True), "execution_time": ((int, float), False), "output": (str, False),
          "output_format": (str, False), "test_output_format": (str, False), "test_name_format": (str, False),
          "visibility": (str, False), "stdout_visibility": (str, False), "extra_data": (dict, False),
          "tests": (list, False), "leaderboard": (list, False)}
GS_TEST = {"score": ((int, float), False), "max_score": ((int, float), False), "status": (str, False),
           "name": (str, False), "name_format": (str, False), "number": (str, False), "output": (str, False),
           "output_format": (str, False), "tags": (list, False), "visibility": (str, False), "extra_data": (dict, False)}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def check_gradescope_schema(data: dict) -> None:
    for schema, obj in [(GS_TOP, data), *((GS_TEST, t) for t in data.get("tests", []))]:
        assert set(obj) <= set(schema), f"keys outside the spec: {set(obj) - set(schema)}"
        for key, (types, required) in schema.items():
            if required:
                assert key in obj, f"missing {key}"
            if key in obj:
                assert isinstance(obj[key], types) and not isinstance(obj[key], bool), f"{key}: {obj[key]!r}"
        for key in ("visibility", "stdout_visibility"):
            assert obj.get(key, "visible") in VISIBILITY
        assert obj.get("status", "passed") in {"passed", "failed"}
    for t in data.get("tests", []):
        assert 0 <= t["score"] <= t["max_score"] or t["status"] == "passed"


def test_gradescope_follows_the_spec_and_keeps_the_score():
    data = gradescope_dict(sample())
    check_gradescope_schema(data)
    assert data["score"] == 3.5
    by_name = {t["name"]: t for t in data["tests"]}
    t = by_name["03_backprop / affine_backward / test_affine_backward"]
    assert t["status"] == "failed" and t["max_score"] == 2.0 and "relative error" in t["output"]
    assert by_name["03_backprop / two_layer_loss / test_two_layer"]["output"].startswith("timeout:")
    whole = by_name["04_activations"]
    assert whole["max_score"] == 4.0 and whole["score"] == 0 and "syntax error" in whole["output"]
    assert by_name["03_backprop / affine_forward / test_affine_forward"]["status"] == "passed"


def test_gradescope_visibility_is_checked():
    data = gradescope_dict(sample(), visibility="after_published", stdout_visibility="visible")
    assert data["visibility"] == "after_published" and {t["visibility"] for t in data["tests"]} == {"after_published"}
    with pytest.raises(ValueError, match="visibility"):
        gradescope_dict(sample(), visibility="sometimes")


def test_junit_is_well_formed_and_counts_match():
    root = ET.fromstring(to_junit(sample()).encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["03_backprop", "04_activations"]
    for s in suites:
        cases = s.findall("testcase")
        assert int(s.get("tests")) == len(cases)
        assert int(s.get("failures")) == sum(len(c.findall("failure")) for c in cases)
        assert int(s.get("errors")) == sum(len(c.findall("error")) for c in cases)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "1", "3")
    bp = suites[0]
    props = {p.get("name"): p.get("value") for p in bp.find("properties")}
    assert props == {"score": "3.5", "max_score": "6.0", "status": "graded"}
    relu = bp.find("testcase[@name='test_relu']")
    assert relu.get("classname") == "03_backprop.relu_forward" and relu.find("error").get("type") == "error"
    assert "\x00" not in relu.find("error").get("message") and "<img" in relu.find("error").get("message")
    assert suites[1].find("testcase/error").get("type") == "error"


def test_markdown_escapes_student_text():
    text = to_markdown(sample())
    assert "<img" not in text and "&lt;img" in text
    assert "](http" not in text and "**bold**" not in text
    row = next(line for line in text.splitlines() if "relu_forward" in line)
    assert row.count(" | ") == 4  # the student's '|' did not add a column
    assert "| ❌ | `affine_backward` | 0.00 / 2.00 | 0/1 |" in text
    assert "| ✅ | `sigmoid_forward` | 2.50 / 1.00 | 2/2 |  |" in text
    assert "syntax error at line 7" in text
    assert md_escape("a\nb|c") == "a b\\|c"
    # GFM links 'www.x.com', 'https://x' and 'a@b.co' without brackets: student text must not
    cell = md_escape("line 2 imports www.evil.com; see HTTPS://x.y or mail eve@evil.co")
    assert re.search(r"(?i)\bwww\.|\bhttps?:|\w@", cell) is None, cell
    assert cell.replace("\u200b", "") == "line 2 imports www.evil.com; see HTTPS://x.y or mail eve@evil.co"


def test_render_knows_every_format():
    for fmt in FORMATS:
        assert render(sample(), fmt)
    with pytest.raises(ValueError):
        render(sample(), "yaml")


@pytest.mark.parametrize("fmt", ["gradescope", "junit", "markdown"])
def test_grade_command_writes_each_format(tmp_path, fmt):
    course = toy_course(tmp_path / "course")
    broken = TOY_REFERENCE.replace("scaled = np.multiply(x, float(k))", "scaled = np.multiply(x, float(k) + 1)")
    sub = toy_submission(tmp_path / "carol", broken)
    out = tmp_path / f"result.{fmt}"
    r = invoke(course, "grade", str(sub), "--format", fmt, "-o", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    if fmt == "gradescope":
        data = json.loads(text)
        check_gradescope_schema(data)
        assert data["score"] == 2.0 and len(data["tests"]) == 3
        assert [t["status"] for t in data["tests"]] == ["passed", "passed", "failed"]
    elif fmt == "junit":
        root = ET.fromstring(text)
        assert root.get("tests") == "3" and root.get("failures") == "1"
    else:
        assert "| ❌ | `scale` | 0.00 / 3.00 | 0/1 |" in text and "2.00 / 5.00" in text


def test_gradescope_output_text_is_valid_json():
    assert json.loads(to_gradescope(sample()))["tests"]


def test_student_text_cannot_drive_the_terminal():
    # A fake green "ok" line drawn with cursor movement, a window-title change, a right-to-left
    # override: none of it may reach the instructor's terminal, whatever the format.
    escapes = "\x1b[2K\x1b[1A\x1b[32m ok tanh_forward 1.00 / 1.00\x1b]0;pwned\x07\u202e"
    result = SubmissionResult("mallory\x1b[31m\nbob", 0.0, 1.0, [
        AssignmentResult("04_activations", 0.0, 1.0, "error", escapes, [
            TR("test_tanh", "tanh_forward", 0.0, 1.0, "failed", escapes)])])
    for fmt in FORMATS:
        text = render(result, fmt)
        assert not any(c in text for c in "\x1b\x07\u202e"), fmt
    assert result.submission == "mallory\ufffd[31m bob"


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(1+9)"])
def test_gradebook_student_names_are_never_formulas(tmp_path, name):
    course = load_course(toy_course(tmp_path / "course") / "course.yaml")
    results = {n: {"score": 0.0, "assignments": []} for n in (name, "alice")}
    rows = list(csv.reader(io.StringIO(gradebook_csv(results, course, [AID]))))
    assert [row[0] for row in rows[2:]] == ["'" + name, "alice"]


def test_markdown_cells_quote_at_most_a_bounded_message():
    # One row per function and one per assignment: with each cell bounded, a summary of the whole
    # course stays far below GitHub's 1 MiB for a job summary and 64 KiB for a comment.
    from grader.results import AssignmentResult, SubmissionResult, TestResult

    long = "x" * 300_000
    result = SubmissionResult("s", 0.0, 2.0, [
        AssignmentResult("01_a", 0.0, 1.0, "error", f"line 1 imports {long!r}, which this course does not allow"),
        AssignmentResult("02_b", 0.0, 1.0, "graded", "", [TestResult("test_f", "f", 0.0, 1.0, "failed", long)]),
    ])
    text = to_markdown(result)
    assert len(text) < 5_000 and text.count("more characters") == 2
