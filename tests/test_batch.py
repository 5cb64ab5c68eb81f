"""Does grade-all grade a class deterministically, resume after a kill, and write a gradebook?"""

import csv
import errno
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch import Journal, _Forks, function_failures, grade_all, gradebook_csv, summary
from grader.cli import main
from grader.course import load_course
from grader.errors import UserError
from tests.conftest import ROOT, make_submission, reference_source

AID = "03_backprop"
BUG = '''
def affine_backward(dout, cache):
    x, W = cache[0], cache[1]
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
'''


@pytest.fixture
def klass(tmp_path, course):
    ref = reference_source(course, AID)
    base = tmp_path / "class"
    make_submission(base / "alice", course, {AID: ref})
    make_submission(base / "bob", course, {AID: ref + BUG})
    make_submission(base / "carol", course, {})
    (base / ".hidden").mkdir()
    return base


def run(*args):
    return CliRunner().invoke(main, ["--course", str(ROOT), *args])


def test_gradebook_rows_columns_and_json(klass, tmp_path, course):
    out = tmp_path / "gb.csv"
    result = run("grade-all", str(klass), "-a", AID, "-j", "2", "-o", str(out), "--json-dir", str(tmp_path / "j"),
                 "--plot", str(tmp_path / "p.png"))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open()))
    top = course.assignment(AID).max_score
    assert rows[0] == ["Student", AID, "Total"] and rows[1] == ["Points Possible", f"{top:g}", f"{top:g}"]
    scores = {r[0]: float(r[1]) for r in rows[2:]}
    assert list(scores) == ["alice", "bob", "carol"]
    assert scores["alice"] == top and 0 < scores["bob"] < top and scores["carol"] == 0
    assert json.loads((tmp_path / "j" / "bob.json").read_text())["submission"] == "bob"
    assert (tmp_path / "p.png").stat().st_size > 10_000
    assert "affine_backward" in result.output, "the summary names the function students fail"


def test_summary_names_who_did_not_submit_and_whose_file_could_not_be_graded(klass, tmp_path, course):
    make_submission(klass / "dave", course, {AID: "def affine_forward(x, W, b:\n"})
    result = run("grade-all", str(klass), "-a", AID, "-j", "2", "-o", str(tmp_path / "gb.csv"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"not submitted: {AID}, 1 student(s) without assignments/{AID}/backprop.py: carol" in lines
    at = lines.index(f"could not be graded: {AID}, 1 student(s):")
    assert lines[at + 1].startswith("  dave: ") and "syntax error at line 1" in lines[at + 1]
    # carol, who submitted nothing, is not counted among those who fail; dave's broken file is
    at = lines.index("functions most students fail (of those who submitted the assignment):")
    assert lines[at + 1] == f"  {AID}.affine_backward: 2/3 students (67%)"
    assert all(line.endswith(("/3 students (67%)", "/3 students (33%)")) for line in lines[at + 1:at + 6])


def test_pass_rates_count_the_students_who_submitted_the_assignment(course):
    """The summary's list and the plot's heatmap: a missing file is no failed function (a class
    where half has not handed in 07 yet would see all of 07 at the top), a broken file is."""
    names = list(course.assignment(AID).points)
    tests = [{"function": fn, "status": "passed" if fn != names[0] else "failed"} for fn in names]
    results = {"ann": {"assignments": [{"id": AID, "status": "graded", "tests": tests}]},
               "bob": {"assignments": [{"id": AID, "status": "missing", "tests": []}]},
               "cyd": {"assignments": [{"id": AID, "status": "error", "tests": []}]}}
    fails, seen = function_failures(results, course)
    assert seen == {(AID, fn): 2 for fn in names}
    assert fails == {(AID, fn): 2 if fn == names[0] else 1 for fn in names}


def test_ctrl_c_says_what_is_kept_and_a_rerun_resumes(klass, tmp_path, monkeypatch):
    import grader.batch as batch

    real = batch.grade_all

    def ctrl_c_after_one(iterable, length):
        for item in iterable:
            yield item
            raise KeyboardInterrupt

    monkeypatch.setattr(batch, "grade_all", lambda *a, **kw: real(*a, **{**kw, "progress": ctrl_c_after_one}))
    out = tmp_path / "gb.csv"
    stopped = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(out))
    assert stopped.exit_code == 130 and "Traceback" not in stopped.output
    assert f"interrupted: 1 graded student(s) are kept in the journal {out}.journal" in stopped.output
    assert not out.exists()
    monkeypatch.undo()
    resumed = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(out))
    assert resumed.exit_code == 0 and "graded 2 student(s), reused 1 from the journal" in resumed.output


def test_output_is_the_same_whatever_the_parallelism(klass, tmp_path, course):
    one = grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=tmp_path / "j1")
    two = grade_all(ROOT, course, klass, ids=[AID], jobs=2, journal_path=tmp_path / "j2")
    assert json.dumps(one.results, sort_keys=True) == json.dumps(two.results, sort_keys=True)


def test_a_killed_batch_resumes_without_regrading_or_duplicating(klass, tmp_path, course):
    journal = tmp_path / "journal"
    first = grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=journal)
    assert first.graded == 3
    lines = journal.read_bytes().splitlines(keepends=True)
    # Simulate a kill: bob's line torn in half, carol's never written.
    kept = [ln for ln in lines if b'"student":"alice"' in ln]
    torn = [ln for ln in lines if b'"student":"bob"' in ln][0][:40]
    journal.write_bytes(b"".join(kept) + torn)
    second = grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=journal)
    assert (second.graded, second.reused) == (2, 1)
    assert json.dumps(second.results, sort_keys=True) == json.dumps(first.results, sort_keys=True)
    assert sorted(Journal(journal).read()) == ["alice", "bob", "carol"]
    third = grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=journal)
    assert (third.graded, third.reused) == (0, 3)


def test_changed_submission_and_force_are_regraded(klass, tmp_path, course):
    journal = tmp_path / "journal"
    grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=journal)
    bob = klass / "bob" / "assignments" / AID / "backprop.py"
    bob.write_text(reference_source(course, AID))
    again = grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=journal)
    assert (again.graded, again.reused) == (1, 2)
    assert again.results["bob"]["score"] == again.results["alice"]["score"]
    forced = grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=journal, force=True)
    assert forced.graded == 3


def test_grading_one_assignment_keeps_the_whole_course_entries_of_the_journal(small_class, tmp_path, course):
    """The week's assignment graded alone (-a) with the class's journal superseded every student's
    whole-course line: the next whole-course batch said "reused 0 from the journal", with no reason,
    and graded the whole class again."""
    journal = tmp_path / "journal"
    everything = [a.id for a in course.assignments]
    first = grade_all(ROOT, course, small_class, ids=everything, jobs=1, journal_path=journal)
    one = grade_all(ROOT, course, small_class, ids=[SMALL], jobs=1, journal_path=journal)
    assert (one.graded, one.reused) == (2, 0)
    again = grade_all(ROOT, course, small_class, ids=everything, jobs=1, journal_path=journal)
    assert (again.graded, again.reused) == (0, 2)
    assert json.dumps(again.results, sort_keys=True) == json.dumps(first.results, sort_keys=True)
    assert (grade_all(ROOT, course, small_class, ids=[SMALL], jobs=1, journal_path=journal).reused) == 2
    assert sorted(Journal(journal).read()) == ["alice", "carol"]


def test_bad_directory_is_a_clean_error(tmp_path):
    result = run("grade-all", str(tmp_path / "none"))
    assert result.exit_code != 0 and "Traceback" not in (result.output or "")


def test_one_submission_given_as_the_class_is_refused_with_what_to_do(tmp_path, course):
    sub = make_submission(tmp_path / "alice", course, {AID: reference_source(course, AID)})
    result = run("grade-all", str(sub), "-o", str(tmp_path / "gb.csv"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "looks like one submission" in result.output and f"grader grade {sub}" in result.output
    assert not (tmp_path / "gb.csv").exists()


def test_outputs_that_cannot_be_written_are_refused_before_grading(klass, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    cases = [(["--plot", str(tmp_path / "plot.txt")], "must end in .png, .pdf, .svg"),
             (["--plot", str(tmp_path / "no" / "plot.png")], "does not exist"),
             (["--json-dir", str(a_file / "json")], "cannot create --json-dir"),
             (["--journal", str(tmp_path / "no" / "journal")], "does not exist"),
             (["-o", str(tmp_path / "no" / "gb.csv")], "does not exist")]
    for extra, message in cases:
        result = run("grade-all", str(klass), "-a", AID, "-o", str(tmp_path / "gb.csv"), *extra)  # a later -o wins
        assert result.exit_code == 1 and message in result.output, (extra, result.output)
        assert "Traceback" not in result.output
        assert not list(tmp_path.glob("gb.csv*")), f"{extra}: refused only after grading"


def test_outputs_naming_one_file_are_refused_before_grading(small_class, tmp_path):
    """-o and --journal on one file: the gradebook overwrote the journal, and no batch ever resumed."""
    same = tmp_path / "same.csv"
    for extra in (["--journal", str(same)], ["--plot", str(tmp_path / "x" / ".." / "same.csv")]):
        result = run("grade-all", str(small_class), "-a", SMALL, "-o", str(same), *extra)
        assert result.exit_code != 0 and "names the same file as -o" in result.output, result.output
        assert "Traceback" not in result.output and not same.exists()


def test_an_output_inside_a_students_folder_is_refused_not_that_student_dropped(small_class, tmp_path):
    """Any folder holding an output was taken for the batch's own and silently left out of the gradebook:
    e.g. grade-all .. from inside a student's folder, with the default -o gradebook.csv."""
    for extra in (["-o", str(small_class / "alice" / "gradebook.csv")],
                  ["-o", str(tmp_path / "gb.csv"), "--json-dir", str(small_class / "alice" / "json")]):
        result = run("grade-all", str(small_class), "-a", SMALL, *extra)
        assert result.exit_code == 1 and "inside the submission 'alice'" in result.output, result.output
        assert not (small_class / "alice" / "json").exists() and not (small_class / "alice" / "gradebook.csv").exists()
    result = run("grade-all", str(small_class), "-a", SMALL, "-o", str(tmp_path / "gb.csv"),
                 "--json-dir", str(small_class / "json"))  # beside the students: the batch's own folder
    assert result.exit_code == 0, result.output
    assert [r[0] for r in csv.reader((tmp_path / "gb.csv").open())][2:] == ["alice", "carol"]


def test_a_folder_name_that_is_not_utf8_is_graded_and_written(small_class, tmp_path):
    """An archive from Windows may name a folder in Latin-1: the gradebook once failed to encode it."""
    os.rename(small_class / "carol", os.fsencode(small_class) + b"/caf\xe9")
    out = tmp_path / "gb.csv"
    result = run("grade-all", str(small_class), "-a", SMALL, "-o", str(out), "--json-dir", str(tmp_path / "j"))
    assert result.exit_code == 0, result.output
    assert [r[0] for r in csv.reader(out.open(encoding="utf-8"))][2:] == ["alice", "caf\ufffd"]
    # the JSON file is named after the folder itself, byte for byte
    data = json.loads(Path(os.fsdecode(os.fsencode(tmp_path / "j") + b"/caf\xe9.json")).read_text(encoding="utf-8"))
    assert data["submission"] == "caf\ufffd"


def test_a_newline_in_a_folder_name_stays_out_of_the_gradebook_and_summary(small_class, tmp_path):
    # A quoted multi-line cell, which some importers reject, and a summary line cut in two; and
    # `grade` already showed the name on one line.
    (small_class / "carol").rename(small_class / "ann\nlee")
    (small_class / "bob\tby").mkdir()  # submitted nothing: named in the summary
    out = tmp_path / "gb.csv"
    result = run("grade-all", str(small_class), "-a", SMALL, "-o", str(out), "--json-dir", str(tmp_path / "j"))
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[2:] == ["alice,20,20", "ann lee,0,0", "bob by,0,0"]
    assert json.loads((tmp_path / "j" / "ann\nlee.json").read_text())["submission"] == "ann lee"
    assert any(line.startswith("not submitted: ") and line.endswith(": ann lee, bob by")
               for line in result.output.splitlines()), result.output
    assert "rows named" not in result.output
    (small_class / "ann lee").mkdir()  # the same row name as ann\nlee
    again = run("grade-all", str(small_class), "-a", SMALL, "-o", str(out))
    assert "the gradebook has 2 rows named 'ann lee' (folder names that differ only in spaces" in again.output


def test_names_that_differ_only_in_unicode_normalization_are_named_in_the_summary(course):
    # 'José' typed (NFC) and 'José' from a macOS zip (NFD): two rows that look the same.
    missing = {"score": 0.0, "max_score": 20.0,
               "assignments": [{"id": SMALL, "score": 0.0, "max_score": 20.0, "status": "missing", "message": "",
                                "tests": []}]}
    lines = summary({"Jos\u00e9": missing, "Jose\u0301": missing}, course, [SMALL])
    assert any(line.startswith("the gradebook has 2 rows named 'Jos\u00e9'") for line in lines), lines


def test_the_summary_names_students_whose_tests_hit_a_time_limit(course):
    # One infinite loop made the example class take 18 s instead of 1: the summary says who.
    def result(statuses: list[str]) -> dict:
        tests = [{"name": f"t{i}", "function": "step", "score": 0.0, "max_score": 1.0, "status": s, "feedback": ""}
                 for i, s in enumerate(statuses)]
        return {"score": 0.0, "max_score": 20.0, "assignments": [
            {"id": SMALL, "score": 0.0, "max_score": 20.0, "status": "graded", "message": "", "tests": tests}]}

    results = {"ann": result(["passed", "timeout"]), "bob": result(["timeout", "timeout", "failed"]),
               "cy": result(["passed", "failed"])}
    lines = summary(results, course, [SMALL])
    at = next(i for i, line in enumerate(lines) if line.startswith("tests or imports stopped at a time limit"))
    assert lines[at].endswith(": 2 student(s):")
    assert lines[at + 1:] == [f"  bob: {SMALL} 2 tests", f"  ann: {SMALL} 1 test"]
    assert not any("time limit" in line for line in summary({"cy": results["cy"]}, course, [SMALL]))
    shown = summary({f"s{i}": results["ann"] for i in range(3)}, course, [SMALL], names_shown=2)
    assert shown[-3:] == [f"  s0: {SMALL} 1 test", f"  s1: {SMALL} 1 test", "  and 1 more"]


def test_the_summary_names_students_whose_import_was_stopped(course, own_course, tmp_path):
    """An import that never finishes costs the batch its limit (course.yaml import_seconds, 30 s by
    default; an assignment may set its own): named like a loop, with the limit it ran into."""
    yaml = own_course / "course.yaml"
    text = yaml.read_text()
    assert text.count("  import_seconds: 30 ") == 1
    yaml.write_text(text.replace("  import_seconds: 30 ", "  import_seconds: 1.5 "))
    base = tmp_path / "hang"
    make_submission(base / "eve", course, {SMALL: "while True:\n    pass\n"})
    make_submission(base / "fay", course, {SMALL: "def step(:\n"})  # an error, but not a time limit
    t0 = time.monotonic()
    result = CliRunner().invoke(main, ["--course", str(own_course), "grade-all", str(base), "-a", SMALL, "-j", "1",
                                       "-o", str(tmp_path / "gb.csv"), "--json-dir", str(tmp_path / "json")])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - t0 < 25  # not the default 30 s
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("tests or imports stopped at a time limit"))
    assert lines[at].endswith(": 1 student(s):")
    assert lines[at + 1] == f"  eve: {SMALL} import (stopped after 1.5 s)"
    assert not any("fay:" in line for line in lines[at:])
    eve = json.loads((tmp_path / "json" / "eve.json").read_text())["assignments"][0]
    assert eve["status"] == "error" and "importing your module took longer than 1.5 s" in eve["message"]


def test_an_output_that_fails_after_grading_loses_no_grade(klass, tmp_path, monkeypatch):
    import grader.cli as cli

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    out = tmp_path / "gb.csv"
    monkeypatch.setattr(cli, "write_atomic", disk_full)
    failed = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(out))
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    assert "No space left on device" in failed.output and f"journal {out}.journal" in failed.output
    monkeypatch.undo()
    again = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(out))
    assert again.exit_code == 0 and "graded 0 student(s), reused 3 from the journal" in again.output
    assert len(list(csv.reader(out.open()))) == 2 + 3


# -- the journal: reused only under the same course, never lost, never graded as a student ----------
SMALL = "02_perceptron"  # the quickest assignment to grade: these tests exercise the batch, not grading


@pytest.fixture
def own_course(tmp_path):
    """A copy of the course (course.yaml and SMALL's solutions) that a test may edit."""
    root = tmp_path / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "course.yaml", root / "course.yaml")
    shutil.copytree(ROOT / "solutions" / SMALL, root / "solutions" / SMALL,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def small_class(tmp_path, course):
    base = tmp_path / "small"
    make_submission(base / "alice", course, {SMALL: reference_source(course, SMALL)})
    make_submission(base / "carol", course, {})
    return base


def test_a_journal_written_under_another_course_is_regraded_and_says_why(own_course, small_class, tmp_path):
    journal = tmp_path / "journal"

    def batch():
        return grade_all(own_course, load_course(own_course / "course.yaml"), small_class, ids=[SMALL], jobs=1,
                         journal_path=journal)

    first = batch()
    assert (first.graded, first.reused, first.stale) == (2, 0, 0)
    yaml = own_course / "course.yaml"
    yaml.write_text(yaml.read_text().replace("      step: 1\n", "      step: 7\n", 1))
    new_points = batch()
    assert (new_points.graded, new_points.reused, new_points.stale) == (2, 0, 2)
    assert new_points.results["alice"]["score"] == first.results["alice"]["score"] + 6, "graded under the new points"
    assert new_points.reuse_note() == "reused 0 from the journal (the course changed since it was written: 2 regraded)"
    unchanged = batch()
    assert (unchanged.graded, unchanged.reused) == (0, 2) and unchanged.reuse_note() == "reused 2 from the journal"
    for edited in (own_course / "solutions" / SMALL / "test_perceptron_hidden.py",  # a fixed hidden test
                   own_course / "solutions" / SMALL / "perceptron.py"):  # a fixed reference
        edited.write_text(edited.read_text() + "\n# fixed\n")
        regraded, then = batch(), batch()
        assert (regraded.graded, regraded.stale, then.reused) == (2, 2, 2), edited.name


def test_a_journal_written_by_another_grader_code_is_regraded(own_course, small_class, tmp_path, monkeypatch):
    # grader.checks decides pass or fail (its tolerances, its feedback): a fix pulled into the
    # grader, with __version__ unchanged, must not leave the old scores in the gradebook.
    import grader.batch as batch_module

    package = tmp_path / "grader-copy"
    shutil.copytree(Path(batch_module.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(batch_module, "GRADER_SOURCES", package)
    journal = tmp_path / "journal"

    def batch():
        return grade_all(own_course, load_course(own_course / "course.yaml"), small_class, ids=[SMALL], jobs=1,
                         journal_path=journal)

    assert (batch().graded, batch().reused) == (2, 2)
    checks = package / "checks.py"
    checks.write_text(checks.read_text() + "\n# a tolerance fixed\n")
    batch_module.grader_source_digest.cache_clear()  # computed once per process: the next command is a new one
    regraded = batch()
    assert (regraded.graded, regraded.stale) == (2, 2), "graded again under the new grader code"


def test_a_journal_that_cannot_be_written_stops_the_batch_cleanly_and_keeps_its_grades(small_class, tmp_path,
                                                                                        monkeypatch):
    real = Journal.append
    calls = []

    def full_after_one(self, entry):
        calls.append(entry["student"])
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, entry)

    out = tmp_path / "gb.csv"
    monkeypatch.setattr(Journal, "append", full_after_one)
    failed = run("grade-all", str(small_class), "-a", SMALL, "-j", "1", "-o", str(out))
    assert failed.exit_code == 1 and "Traceback" not in failed.output, failed.output
    assert f"cannot write the journal {out}.journal (No space left on device)" in failed.output
    assert "run the same command again" in failed.output
    assert [line.startswith("Error: ") for line in failed.output.splitlines()][-1:] == [True], "one line, last"
    monkeypatch.undo()
    again = run("grade-all", str(small_class), "-a", SMALL, "-j", "1", "-o", str(out))
    assert again.exit_code == 0 and "graded 1 student(s), reused 1 from the journal" in again.output


def test_a_failed_journal_write_leaves_the_journal_as_it_was(tmp_path, monkeypatch):
    from grader import batch

    journal = Journal(tmp_path / "journal")
    journal.append({"student": "alice", "result": {}})
    before = journal.path.read_bytes()
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch.os, "write", half_then_full)
    with pytest.raises(OSError):
        journal.append({"student": "bob", "result": {}})
    monkeypatch.undo()
    assert journal.path.read_bytes() == before, "no half line left behind"
    journal.append({"student": "carol", "result": {}})
    assert sorted(journal.read()) == ["alice", "carol"]


def test_a_journal_path_that_is_a_directory_or_unwritable_is_refused_before_grading(small_class, tmp_path,
                                                                                    course, monkeypatch):
    from grader import batch

    out = tmp_path / "gb.csv"
    (tmp_path / "gb.csv.journal").mkdir()
    result = run("grade-all", str(small_class), "-a", SMALL, "-o", str(out))
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert f"{out}.journal is a directory" in result.output and "--journal" in result.output
    # A path whose directory passes os.access but where no file can be created (-o /proc/g.csv as
    # root): refused when the journal is first opened, before anyone is graded.
    monkeypatch.setattr(batch._Forks, "run", lambda *a: pytest.fail("graded before opening the journal"))
    with pytest.raises(UserError, match="cannot write the journal /proc/g.csv.journal .*--journal"):
        grade_all(ROOT, course, small_class, ids=[SMALL], jobs=1, journal_path=Path("/proc/g.csv.journal"))


def test_a_read_only_journal_is_advised_to_be_made_writable(tmp_path, monkeypatch):
    # The directory is writable and the file is not (chmod 444): "a file in a writable directory"
    # was the wrong advice. (Simulated: this suite may run as root, who may write anyway.)
    from grader import batch

    path = tmp_path / "gb.csv.journal"
    path.write_text("")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(batch.os, "open", denied)
    with pytest.raises(UserError, match=r"\(Permission denied\): make it writable \(chmod u\+w\), or pass --journal"):
        Journal(path).check()
    path.unlink()  # no file: the directory is what refused it
    with pytest.raises(UserError, match=r"\(Permission denied\): pass --journal with a file in a writable directory"):
        Journal(path).check()


def test_changing_the_output_after_a_failure_is_advised_with_the_journal_to_keep(small_class, tmp_path,
                                                                                  monkeypatch):
    from grader import cli

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    out = tmp_path / "gb.csv"
    monkeypatch.setattr(cli, "write_atomic", disk_full)
    failed = run("grade-all", str(small_class), "-a", SMALL, "-j", "1", "-o", str(out))
    assert failed.exit_code == 1 and f"--journal {out}.journal" in failed.output, failed.output
    monkeypatch.undo()
    elsewhere = tmp_path / "other.csv"
    again = run("grade-all", str(small_class), "-a", SMALL, "-o", str(elsewhere), "--journal", f"{out}.journal")
    assert again.exit_code == 0 and "graded 0 student(s), reused 2 from the journal" in again.output


def test_what_the_batch_writes_inside_the_class_is_not_graded_as_a_student(small_class, course):
    (small_class / "reports").mkdir()
    out = small_class / "reports" / "gb.csv"  # and the journal beside it
    result = run("grade-all", str(small_class), "-a", SMALL, "-o", str(out), "--json-dir", str(small_class / "json"))
    assert result.exit_code == 0, result.output
    assert [row[0] for row in csv.reader(out.open())][2:] == ["alice", "carol"]
    (small_class / "pictures").mkdir()
    found = grade_all(ROOT, course, small_class, ids=[SMALL], jobs=1, journal_path=small_class / "reports" / "j",
                      outputs=[small_class / "json", small_class / "pictures" / "plot.png"])
    assert list(found.results) == ["alice", "carol"]


def test_an_assignment_chosen_twice_is_graded_and_listed_once(small_class, tmp_path, course):
    once = grade_all(ROOT, course, small_class, ids=[SMALL, SMALL], jobs=1, journal_path=tmp_path / "j")
    assert [a["id"] for a in once.results["alice"]["assignments"]] == [SMALL]
    assert gradebook_csv(once.results, course, [SMALL, SMALL]).splitlines()[0] == f"Student,{SMALL},Total"
    assert summary(once.results, course, [SMALL, SMALL])[0].startswith("2 students;")
    assert sum(line.startswith(f"  {SMALL} ") for line in summary(once.results, course, [SMALL, SMALL])) == 1


# -- the grading processes (forks of the grader fed one student at a time) ----------------------


def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def test_forks_grade_every_student_once_and_share_the_work():
    before = _children()
    done = list(_Forks(2, lambda i: {"i": i, "pid": os.getpid()}).run(9))
    assert sorted(i for i, _ in done) == list(range(9))
    assert all(r["i"] == i for i, r in done)
    pids = {r["pid"] for _, r in done}
    assert len(pids) == 2 and os.getpid() not in pids, "both forks grade, the parent does not"
    assert _children() <= before, "no grading process outlives the batch"


def test_each_fork_does_its_last_work_after_the_last_student_before_it_exits(tmp_path):
    # (the batch's forks wait there for the workers still closing in the background)
    def done():
        (tmp_path / f"done-{os.getpid()}").write_text(",".join(sorted(p.name for p in tmp_path.glob("graded-*"))))

    def grade(i):
        (tmp_path / f"graded-{os.getpid()}-{i}").touch()
        return {"pid": os.getpid()}

    results = list(_Forks(2, grade, done=done).run(6))
    pids = {r["pid"] for _, r in results}
    assert {p.name for p in tmp_path.glob("done-*")} == {f"done-{pid}" for pid in pids}, "every fork, once"
    for pid in pids:
        mine = {f"graded-{pid}-{i}" for i, r in results if r["pid"] == pid}
        assert mine <= set((tmp_path / f"done-{pid}").read_text().split(",")), "after all its students"


def test_a_batch_leaves_no_worker_behind(klass, tmp_path, course, monkeypatch):
    import tempfile

    from grader import sandbox

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    scratch.chmod(0o1777)  # workers may run as another uid
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    live = set(sandbox._live)
    before = _children()
    outcome = grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=tmp_path / "j")
    assert outcome.results["alice"]["score"] == outcome.results["alice"]["max_score"]
    assert not list(scratch.glob("grader-worker-*")), "every worker's scratch directory is removed"
    assert sandbox._live <= live and _children() <= before


def test_without_a_zygote_the_forks_inherit_one_probe_of_the_spawned_workers_protections(monkeypatch):
    """Spawned workers need a probe of what confinement works here (another interpreter, ~0.1 s):
    made once before forking, not once in every grading process."""
    from grader import sandbox, zygote

    monkeypatch.setenv(zygote.DISABLE_ENV, "1")
    monkeypatch.setattr(sandbox, "_spawn_plan", None)
    done = dict(_Forks(2, lambda i: {"probed": sandbox._spawn_plan is not None}).run(4))
    assert all(r["probed"] for r in done.values())


def test_a_dead_grading_process_is_replaced_and_its_student_graded_again(tmp_path):
    marker = tmp_path / "died-once"

    def grade(i):
        if i == 3 and not marker.exists():
            marker.touch()
            os._exit(9)  # as if the process were killed (e.g. by the kernel's OOM killer)
        return {"i": i}

    done = dict(_Forks(2, grade).run(6))
    assert sorted(done) == list(range(6)) and done[3] == {"i": 3}


def test_a_student_that_kills_two_grading_processes_stops_the_batch_cleanly():
    before = _children()

    def grade(i):
        if i == 1:
            os._exit(9)
        return {"i": i}

    seen = []
    with pytest.raises(UserError, match="student number 2 killed the grading process twice"):
        for i, _ in _Forks(1, grade).run(3):
            seen.append(i)
    assert seen == [0], "students finished before are still reported (and journaled by grade_all)"
    assert _children() <= before


def test_a_student_that_kills_two_grading_processes_is_named_by_its_folder(klass, tmp_path, course, monkeypatch):
    """The batch stopped with "grading student number 2 killed the grading process twice": a number
    counted among the students left to grade after the journal's, which no listing of the class shows."""
    from grader import runner

    real = runner.grade_submission

    def killer(course_root, course, submission, *args, **kwargs):
        if Path(submission).name == "bob":
            os._exit(9)  # as the kernel's OOM killer would end the process
        return real(course_root, course, submission, *args, **kwargs)

    monkeypatch.setattr(runner, "grade_submission", killer)
    with pytest.raises(UserError, match="grading 'bob' killed the grading process twice") as err:
        grade_all(ROOT, course, klass, ids=[AID], jobs=1, journal_path=tmp_path / "journal")
    assert "move that folder out of the class folder" in str(err.value)


def test_a_grader_bug_in_a_fork_is_raised_here():
    def grade(i):
        if i == 2:
            raise ZeroDivisionError("a bug in the grader")
        return {}

    with pytest.raises(ZeroDivisionError, match="a bug in the grader"):
        list(_Forks(2, grade).run(5))


def _grading_forks(before: set[int]) -> set[int]:
    """Children started since ``before`` that are still running, other than the zygote."""
    from grader import zygote

    z = zygote.get()
    return _children() - before - ({z.proc.pid} if z is not None and z.proc is not None else set())


def test_a_batch_stopped_in_its_loop_stops_its_forks_at_once(klass, tmp_path, course):
    """Ctrl-C can land in grade_all's own loop (journal, progress bar) rather than in the forks'
    generator: the forks must stop then, not when the suspended generator is collected."""
    before = _children()

    def ctrl_c_after_one(iterable, length):
        for item in iterable:
            yield item
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        grade_all(ROOT, course, klass, ids=[AID], jobs=2, journal_path=tmp_path / "j", progress=ctrl_c_after_one)
    # `caught` still holds the traceback, its frames and so the suspended generator: only an
    # explicit close can have stopped the forks by now.
    assert caught.type is KeyboardInterrupt
    assert not _grading_forks(before), "a grading process outlived the interrupted batch"


def test_a_later_fork_that_inherits_the_batch_does_not_touch_its_processes():
    forks = _Forks(2, lambda i: {"i": i})
    batch = forks.run(6)
    first = next(batch)
    pids = [p.pid for p in forks.procs]
    child = os.fork()
    if child == 0:  # e.g. a grading process forked while the batch is suspended
        try:
            batch.close()  # as the garbage collector would, in the copy
            os._exit(0)
        except BaseException:  # noqa: B036
            os._exit(1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert set(pids) <= _children(), "the batch's own processes are still running"
    assert sorted([first, *batch]) == [(i, {"i": i}) for i in range(6)]


def test_gradebook_names_are_text_not_formulas_or_escapes(course):
    # Student folder names are the student's choice; a spreadsheet must not run one as a formula
    # and the summary must not send escape sequences to the instructor's terminal.
    result = {"score": 0.0, "max_score": 1.0, "assignments": [
        {"id": SMALL, "score": 0.0, "max_score": 1.0, "status": "missing", "message": "", "tests": []}]}
    results = {"=HYPERLINK(\"http://x\")": result, "eve\x1b]0;pwned\x07": result}
    rows = list(csv.reader(gradebook_csv(results, course, [SMALL]).splitlines()))
    assert [r[0] for r in rows[2:]] == ["'=HYPERLINK(\"http://x\")", "eve\ufffd]0;pwned\ufffd"]
    assert not any("\x1b" in line or "\x07" in line for line in summary(results, course, [SMALL]))


@pytest.mark.parametrize("fmt", ["plain", "canvas", "moodle"])
def test_a_decomposed_folder_name_is_written_composed_as_the_lms_has_it(course, fmt):
    """A zip made on macOS stores 'Zoë' decomposed (NFD): the gradebook wrote it so, and it looked
    like the LMS's 'Zoë' but matched nothing by name."""
    result = {"score": 1.0, "max_score": 1.0, "assignments": [
        {"id": SMALL, "score": 1.0, "max_score": 1.0, "status": "graded", "message": "", "tests": []}]}
    rows = list(csv.reader(gradebook_csv({"Zoe\u0308 Mu\u0308ller": result}, course, [SMALL], fmt).splitlines()))
    assert rows[-1][0] == "Zo\u00eb M\u00fcller"


def test_folders_that_are_not_a_class_are_refused_with_what_to_pass(tmp_path, course):
    # An LMS download left as archives, an empty folder, and one submission's assignments folder:
    # each graded "successfully" into an empty gradebook, or a row of zeros per assignment folder.
    zips = tmp_path / "zips"
    zips.mkdir()
    for name in ("alice.zip", "bob.tar.gz", "carol.ipynb", "readme.txt"):
        (zips / name).write_text("x")
    (tmp_path / "empty").mkdir()
    sub = make_submission(tmp_path / "dave", course, {AID: reference_source(course, AID)})
    cases = {
        zips: "holds no student folders: grade-all grades each subdirectory as one student's submission. It holds "
              "alice.zip, bob.tar.gz, carol.ipynb (3 file(s)): unpack each into a folder named after its student.",
        tmp_path / "empty": "holds no student folders",
        sub / "assignments": f"looks like the assignments folder of one submission (it holds {AID}/)",
    }
    out = tmp_path / "gb.csv"
    for folder, message in cases.items():
        result = run("grade-all", str(folder), "-a", AID, "-o", str(out), "--json-dir", str(tmp_path / "json"))
        assert result.exit_code == 1 and message in " ".join(result.output.split()), result.output
        assert not out.exists() and not (tmp_path / "json").exists()  # refused before anything was made


def test_archives_beside_the_students_folders_are_named_as_not_graded(klass, tmp_path):
    (klass / "erin.zip").write_text("x")
    (klass / "gradebook-notes.txt").write_text("x")
    result = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(tmp_path / "gb.csv"))
    assert result.exit_code == 0, result.output
    assert f"not graded: {klass} also holds erin.zip (1 file(s)); only folders are graded" in result.output
    assert "gradebook-notes" not in result.output


def test_a_student_folder_holding_an_archive_or_bare_modules_is_named(klass, tmp_path):
    """A Moodle or Canvas download keeps each upload as it is: a student who uploaded a zip, or only
    the .py files, got a folder without assignments/. grade-all listed them with those who sent
    nothing ("not submitted", a blank in the LMS gradebook) and nothing said they had sent work."""
    (klass / "erin").mkdir()
    (klass / "erin" / "dlcourse-student-main.zip").write_text("x")
    (klass / "frank").mkdir()
    (klass / "frank" / "backprop.py").write_text("x = 1\n")
    (klass / "gina").mkdir()  # nothing at all: not submitted, and nothing more to say
    result = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(tmp_path / "gb.csv"))
    assert result.exit_code == 0, result.output
    assert "no assignments/ folder, but files that look like a submission: 2 student(s)" in result.output
    assert "  erin: dlcourse-student-main.zip (1 file(s))\n  frank: backprop.py (1 file(s))\n" in result.output
    assert "gina:" not in result.output and "alice:" not in result.output


def _row(score: float, status: str = "graded") -> dict:
    return {"id": AID, "score": score, "max_score": 32.0, "status": status, "message": "", "tests": []}


def test_gradebook_formats_that_canvas_and_moodle_import(course):
    """Moodle's CSV import aborts on a row that names no user (a Points Possible row), Canvas imports
    a Total column as one more assignment, and both read a blank cell as 'no grade', not 0."""
    results = {"ann": {"score": 21.54166, "assignments": [_row(21.54166)]},
               "bob": {"score": 0.0, "assignments": [_row(0.0, "missing")]},
               "cyd": {"score": 0.0, "assignments": [_row(0.0, "error")]}}
    title = course.assignment(AID).title

    def rows(fmt):
        return list(csv.reader(gradebook_csv(results, course, [AID], fmt).splitlines()))

    assert rows("plain") == [["Student", AID, "Total"], ["Points Possible", "32", "32"], ["ann", "21.5417", "21.5417"],
                             ["bob", "0", "0"], ["cyd", "0", "0"]]
    assert rows("canvas") == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title],
                              ["Points Possible", "", "", "", "", "32"], ["ann", "", "", "", "", "21.5417"],
                              ["bob", "", "", "", "", ""], ["cyd", "", "", "", "", "0"]]
    assert rows("moodle") == [["Student", AID], ["ann", "21.5417"], ["bob", ""], ["cyd", "0"]]


def test_gradebook_numbers_are_exact_to_the_graders_precision(course):
    # ':g' kept 6 significant digits: a total of 159.0416 was written 159.042, and 1234.5678 as 1234.57
    results = {"ann": {"score": 1234.5678, "assignments": [_row(0.00005)]}}
    assert gradebook_csv(results, course, [AID]).splitlines()[2] == "ann,0.0001,1234.5678"


def test_a_roster_puts_the_lms_identifiers_in_the_gradebook(course, tmp_path):
    from grader.batch import read_roster

    roster_file = tmp_path / "roster.csv"
    # a spreadsheet's export: a BOM, CRLF, its own column order, a folder name decomposed (macOS)
    roster_file.write_text("\ufeffSIS Login ID,Folder,Student,email\r\nann01,ann,\"Lee, Ann\",ann@x.edu\r\n"
                           "jo02,Jose\u0301,José Ruiz,jo@x.edu\r\nzed03,zed,Zed,zed@x.edu\r\n", encoding="utf-8")
    roster = read_roster(roster_file)
    results = {"ann ": {"score": 3.0, "assignments": [_row(3.0)]},  # a folder unpacked with a trailing space
               "Jos\u00e9": {"score": 1.0, "assignments": [_row(1.0)]},
               "=evil": {"score": 0.0, "assignments": [_row(0.0)]}}
    rows = list(csv.reader(gradebook_csv(results, course, [AID], "canvas", roster).splitlines()))
    assert rows[0][:6] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "email"]
    assert rows[2:] == [["Lee, Ann", "", "", "ann01", "", "ann@x.edu", "3"],
                        ["José Ruiz", "", "", "jo02", "", "jo@x.edu", "1"],
                        ["'=evil", "", "", "", "", "", "0"]]
    moodle = list(csv.reader(gradebook_csv(results, course, [AID], "moodle", roster).splitlines()))
    assert moodle[0] == ["Student", "SIS Login ID", "email", AID]
    assert moodle[1] == ["Lee, Ann", "ann01", "ann@x.edu", "3"]
    from grader.batch import roster_mismatches

    assert roster_mismatches(results, roster) == [
        "not in the roster: 1 folder(s), whose gradebook rows have no identifier for the LMS to match: =evil "
        "(add them to the roster, or rename the folders as the roster has them)",
        "no folder: 1 roster student(s) have no folder in the class directory, so no gradebook row: zed"]


@pytest.mark.parametrize("text", ["folder;SIS Login ID\r\nann;ann01\r\n", "folder\tSIS Login ID\nann\tann01\n"])
def test_a_roster_saved_with_semicolons_or_tabs_is_read(tmp_path, text):
    """Excel saves "CSV" with semicolons where the decimal mark is a comma, and offers tab-separated
    text: such a roster does name a folder column, and was refused as if it had none."""
    from grader.batch import read_roster

    roster_file = tmp_path / "roster.csv"
    roster_file.write_text(text, encoding="utf-8")
    roster = read_roster(roster_file)
    assert roster.columns == ("SIS Login ID",) and roster.row("ann") == {"SIS Login ID": "ann01"}


@pytest.mark.parametrize("text, message", [
    ("name,email\nann,a@x\n", r"roster.csv:1: the roster's header must name a 'folder' column"),
    ("folder,email,email\nann,a,b\n", r"roster.csv:1: the roster's header has an empty or repeated column"),
    ("folder,email\nann,a\nann,b\n", r"roster.csv:3: a second row for the folder 'ann'"),
    ("folder,email\nann,a,b\n", r"roster.csv:2: this row has more fields than the header folder,email"),
    ("folder,email\n,a\n", r"roster.csv:2: the folder column is empty"),
    (f"folder,{AID}\nann,1\n", rf"the roster's column '{AID}' has the name of a gradebook column"),
])
def test_a_bad_roster_is_refused_before_grading_with_its_line(klass, tmp_path, text, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    result = run("grade-all", str(klass), "-a", AID, "-o", str(tmp_path / "gb.csv"), "--roster", str(roster))
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert re.search(message, result.output), result.output
    assert not (tmp_path / "gb.csv.journal").exists(), "refused before grading anyone"


def test_grade_all_writes_a_canvas_gradebook_from_a_roster(klass, tmp_path, course):
    roster = tmp_path / "roster.csv"
    roster.write_text("folder,SIS Login ID\nalice,al1\nbob,bo2\ncarol,ca3\ndan,da4\ndora,do5\n")
    make_submission(klass / "dora" / "repo-main", course, {AID: reference_source(course, AID)})
    out = tmp_path / "gb.csv"
    result = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(out), "--gradebook-format", "canvas",
                 "--roster", str(roster))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open()))
    assert [(r[0], r[3]) for r in rows[2:]] == [("alice", "al1"), ("bob", "bo2"), ("carol", "ca3"), ("dora", "do5")]
    assert rows[2][5] == f"{course.assignment(AID).max_score:g}" and rows[4][5] == "", "carol submitted nothing"
    assert "no folder: 1 roster student(s) have no folder in the class directory, so no gradebook row: dan" \
        in result.output
    assert "graded one folder down (a repository downloaded as a zip): 1 student(s): dora/repo-main" in result.output


def test_a_submission_one_folder_down_is_graded_as_its_students(klass, tmp_path, course):
    """GitHub's 'Download ZIP' unpacks to alice/<repo>-main/assignments/...: graded there, under
    alice's name, rather than as not submitted. Two folders, or a symlink, are not guessed at."""
    ref = reference_source(course, AID)
    make_submission(klass / "dora" / "dlcourse-student-main", course, {AID: ref})
    make_submission(klass / "ed" / "one", course, {AID: ref})
    make_submission(klass / "ed" / "two", course, {AID: ref})
    make_submission(tmp_path / "elsewhere", course, {AID: ref})
    (klass / "fay").mkdir()
    (klass / "fay" / "repo").symlink_to(tmp_path / "elsewhere")
    out = tmp_path / "gb.csv"
    result = run("grade-all", str(klass), "-a", AID, "-j", "2", "-o", str(out), "--json-dir", str(tmp_path / "j"))
    assert result.exit_code == 0, result.output
    scores = {r[0]: float(r[1]) for r in list(csv.reader(out.open()))[2:]}
    top = course.assignment(AID).max_score
    assert (scores["dora"], scores["ed"], scores["fay"]) == (top, 0, 0)
    assert json.loads((tmp_path / "j" / "dora.json").read_text())["submission"] == "dora"
    assert "graded one folder down (a repository downloaded as a zip): 1 student(s): dora/dlcourse-student-main" \
        in result.output
    again = run("grade-all", str(klass), "-a", AID, "-j", "2", "-o", str(out))
    assert "graded 0 student(s), reused 6 from the journal" in again.output, again.output


def test_the_plot_counts_whole_students_and_shows_each_pass_rate(course, tmp_path):
    import matplotlib

    from grader.plots import plot_class

    names = list(course.assignment(AID).points)
    tests = [{"function": fn, "status": "passed" if fn != names[0] else "failed"} for fn in names]
    results = {n: {"assignments": [{"id": AID, "score": 20.0, "status": "graded", "tests": tests if n != "cy" else
                                    [{**t, "status": "passed"} for t in tests]}]} for n in ("al", "bo", "cy")}
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text kept as text, to be read back
        plot_class(results, course, [AID], tmp_path / "p.svg")
    svg = (tmp_path / "p.svg").read_text()
    texts = re.findall(r">([^<>]*)</text>", svg)
    assert {"0", "1", "2", "3"} <= set(texts) and not {"0.5", "1.5", "2.5"} & set(texts), texts
    assert f"{names[0]}" in svg and "33%" in texts and "100%" in texts, texts


def test_a_module_that_is_a_fifo_or_a_link_to_a_device_does_not_stop_the_class(klass, tmp_path, course):
    """The journal's fingerprint reads each student's module before anyone is graded: a module that
    is a FIFO (a tar can hold one) blocked that read forever, and one that links to /dev/zero (a git
    repository or a zip can hold one) read until the grader ran out of memory. Grading refuses both;
    the fingerprint must not hang on them either."""
    import subprocess
    import sys

    fifo = make_submission(klass / "mallory", course, {})
    (fifo / "assignments" / AID).mkdir(parents=True)
    os.mkfifo(fifo / "assignments" / AID / "backprop.py")
    link = make_submission(klass / "trent", course, {})
    (link / "assignments" / AID).mkdir(parents=True)
    os.mkfifo(tmp_path / "outside_fifo")
    (link / "assignments" / AID / "backprop.py").symlink_to(tmp_path / "outside_fifo")
    book = tmp_path / "gb.csv"
    try:
        proc = subprocess.run([sys.executable, "-m", "grader", "--course", str(ROOT), "grade-all", str(klass), "-a",
                               AID, "-j", "2", "-o", str(book)], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("grade-all hung on a student's module that is a FIFO")
    assert proc.returncode == 0, proc.stderr
    rows = {r["Student"]: r for r in csv.DictReader(book.open())}
    assert float(rows["alice"][AID]) == course.assignment(AID).max_score
    assert float(rows["mallory"][AID]) == 0 and float(rows["trent"][AID]) == 0


def test_a_second_batch_into_the_same_journal_is_refused_while_the_first_runs(klass, tmp_path):
    """Two grade-all runs into one gradebook (a second terminal, a cron job overlapping a manual
    run) each graded the whole class, the journal holding every student twice: the second is refused
    at once with what to do, and grades no one."""
    import fcntl

    journal = tmp_path / "gb.csv.journal"
    with open(journal, "a") as held:  # what the first batch holds while it runs
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(tmp_path / "gb.csv"))
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert "another grade-all" in result.output and "-o" in result.output
        assert journal.read_text() == "" and not (tmp_path / "gb.csv").exists()
    result = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(tmp_path / "gb.csv"))
    assert result.exit_code == 0, result.output
    with open(journal, "a") as after:  # released when the batch is over
        fcntl.flock(after, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_journal_on_a_file_system_without_locks_is_graded_unguarded(klass, tmp_path, monkeypatch):
    """Some network mounts refuse flock (ENOLCK): that is not another batch, and must not stop this one."""
    import fcntl

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    result = run("grade-all", str(klass), "-a", AID, "-j", "1", "-o", str(tmp_path / "gb.csv"))
    assert result.exit_code == 0 and "another grade-all" not in result.output, result.output
    assert (tmp_path / "gb.csv").is_file()
