"""Do late penalties follow course.yaml (grace, per started day, cap, per-assignment override),
explain themselves in `message` without new JSON keys, and take the submission time from an
explicit time, a CSV or the graded git commit?"""

import datetime as dt
import json
import os
import re
import subprocess

import msgspec
import pytest

from grader.course import LatePolicy, load_course, parse_course
from grader.errors import UserError
from grader.late import apply_late_penalties, git_commit_time, parse_time, penalty_percent, read_times
from grader.results import AssignmentResult, SubmissionResult, name_key
from tests.test_bundle import AID, TOY_COURSE, invoke, toy_course, toy_submission

DUE = dt.datetime(2026, 10, 12, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=9)))
POLICY = LatePolicy(penalty_per_day=10, max_penalty=30, grace_minutes=15)


@pytest.mark.parametrize("late, percent, days", [
    (dt.timedelta(minutes=-5), 0, 0),
    (dt.timedelta(minutes=15), 0, 0),          # within the grace period
    (dt.timedelta(minutes=16), 10, 1),         # past grace: one started day
    (dt.timedelta(hours=24), 10, 1),
    (dt.timedelta(hours=24, seconds=1), 20, 2),
    (dt.timedelta(days=9), 30, 9),             # capped at max_penalty
])
def test_penalty_per_started_day_with_grace_and_cap(late, percent, days):
    assert penalty_percent(POLICY, DUE, DUE + late) == (percent, days)


def test_times_need_a_utc_offset():
    assert parse_time("2026-10-13T00:10:00Z", "x") == dt.datetime(2026, 10, 13, 0, 10, tzinfo=dt.timezone.utc)
    with pytest.raises(UserError, match="no UTC offset"):
        parse_time("2026-10-13T00:10:00", "--submitted-at")
    with pytest.raises(UserError, match="not an ISO 8601 timestamp"):
        parse_time("yesterday", "--submitted-at")


def course_with(extra: str = ""):
    return parse_course(TOY_COURSE + extra)


def graded(score: float, status: str = "graded") -> SubmissionResult:
    return SubmissionResult("alice", score, 5.0, [AssignmentResult(AID, score, 5.0, status, "", [])])


def test_penalty_changes_score_and_message_only():
    result = graded(4.0)
    late = apply_late_penalties(result, course_with(), {None: DUE + dt.timedelta(days=1, hours=2)})
    [a] = late.assignments
    assert a.score == 3.2 and late.score == 3.2 and result.assignments[0].score == 4.0  # input untouched
    assert "20% penalty" in a.message and "raw score 4" in a.message and "late by 2 started day(s)" in a.message
    assert set(json.loads(json.dumps(late.to_dict()))["assignments"][0]) == {"id", "score", "max_score", "status",
                                                                            "message", "tests"}


def test_on_time_missing_and_undated_assignments_are_unchanged():
    course = course_with()
    assert apply_late_penalties(graded(4.0), course, {AID: DUE}) == graded(4.0)
    missing = graded(0.0, "missing")
    assert apply_late_penalties(missing, course, {None: DUE + dt.timedelta(days=3)}) == missing
    undated = parse_course(TOY_COURSE.replace("    due: 2026-10-12T23:59:00+09:00\n", ""))
    assert apply_late_penalties(graded(4.0), undated, {None: DUE + dt.timedelta(days=3)}) == graded(4.0)


@pytest.mark.parametrize("override, late, score", [
    ("{penalty_per_day: 50, max_penalty: 100}", dt.timedelta(hours=2), 2.0),  # both keys replaced
    # A key left out keeps the course's value (penalty 10 %/day, cap 30 %, grace 15 min), not the
    # built-in default: the rate alone once dropped the course's cap (100 % lost) and grace.
    ("{penalty_per_day: 50}", dt.timedelta(hours=2), 2.8),
    ("{penalty_per_day: 50}", dt.timedelta(minutes=10), 4.0),
    ("{grace_minutes: 600}", dt.timedelta(days=8), 2.8),  # the rate stays: no free week
    ("{grace_minutes: 600}", dt.timedelta(hours=9), 4.0),
])
def test_an_assignment_policy_overrides_the_course_policy_key_by_key(override, late, score):
    course = parse_course(TOY_COURSE.replace("    points:", f"    late_policy: {override}\n    points:"))
    [a] = apply_late_penalties(graded(4.0), course, {None: DUE + late}).assignments
    assert a.score == score, a.message


@pytest.mark.parametrize("due, problem", [
    ("2026-10-12T23:59:00", "'2026-10-12T23:59:00' has no UTC offset"),  # a YAML timestamp
    ("2026-10-12 23:59", "'2026-10-12 23:59' has no UTC offset"),  # a string, for YAML
    ("2026-10-12", "'2026-10-12' is a date without a time and UTC offset"),
    ("next monday", "'next monday' is not a date and time"),
    ("12", "12 is not a date and time"),
    # Timestamps to YAML, but no such day: PyYAML's own parsing raised a bare ValueError, with no line.
    ("2026-02-30T23:59:00+09:00", "'2026-02-30T23:59:00+09:00' is not a date and time"),
    ("2026-10-12T25:00:00+09:00", "'2026-10-12T25:00:00+09:00' is not a date and time"),
])
def test_a_due_date_without_offset_is_refused_when_the_course_is_read(due, problem):
    # Refused at once, with its line, by every command (`grader validate` too), not at the end of
    # term when the first penalty is applied; and the advice shows a time that would be accepted.
    with pytest.raises(UserError) as err:
        parse_course(TOY_COURSE.replace("2026-10-12T23:59:00+09:00", due))
    line = TOY_COURSE.splitlines().index("    due: 2026-10-12T23:59:00+09:00") + 1
    assert f"course.yaml:{line}: assignments[0].due: {problem}; " in str(err.value)
    advice = str(err.value).partition("; ")[2]
    for example in re.findall(r"\d{4}-\d\d-\d\dT[\d:]+(?:[+-]\d\d:\d\d|Z)", advice):
        assert parse_course(TOY_COURSE.replace("2026-10-12T23:59:00+09:00", example)).assignments[0].due.tzinfo
    assert re.findall(r"\d{4}-\d\d-\d\d", advice) and "23:59 or" not in advice


def test_a_course_built_in_code_cannot_have_a_naive_due_date():
    course = parse_course(TOY_COURSE)
    with pytest.raises(ValueError, match="due: needs an offset from UTC"):
        msgspec.convert(msgspec.to_builtins(course.assignments[0].replace(due=None)) | {"due": "2026-10-12T23:59:00"},
                        type(course.assignments[0]))


def test_times_csv(tmp_path):
    course = course_with()
    path = tmp_path / "times.csv"
    path.write_text("student,submitted_at,assignment\nalice,2026-10-13T10:00:00+09:00,01_toy\n"
                    "bob,2026-10-12T10:00:00+09:00,\n")
    table = read_times(path, course)
    assert table["alice"] == {AID: dt.datetime(2026, 10, 13, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))}
    assert list(table["bob"]) == [None]
    path.write_text('student,submitted_at\n"ann\nlee",2026-10-13T10:00:00Z\n')  # a folder name with a newline
    # keyed as folders are looked up (name_key): the folder 'ann\nlee' finds this row
    assert list(read_times(path, course)) == [name_key("ann\nlee")] == ["ann lee"]
    bad = {
        "name,when\nalice,2026-10-13T10:00:00Z\n": "header must be",
        "x" * 500 + "\n": r"header must be student,submitted_at\[,assignment\] \(got x{77}\.\.\.\)$",  # not a CSV
        "student,submitted_at,assignment\nalice,2026-10-13T10:00:00Z,99_x\n": "times.csv:2: unknown assignment",
        "student,submitted_at\nalice,2026-10-13T10:00:00Z\nalice,2026-10-14T10:00:00Z\n": "times.csv:3: a second",
        "student,submitted_at\nalice,2026-10-13 10:00\n": "times.csv:2: .* no UTC offset",
        "student,submitted_at\n,2026-10-13T10:00:00Z\n": "student column is empty",
        "\n": "times.csv is empty: it needs the header student,submitted_at",
    }
    for text, message in bad.items():
        path.write_text(text)
        with pytest.raises(UserError, match=message):
            read_times(path, course)


def _git(repo, *args, date="2026-10-14T09:00:00+09:00"):
    env = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(repo), *args],
                   check=True, capture_output=True, env=env)


def test_git_commit_time(tmp_path):
    repo = toy_submission(tmp_path / "alice")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "done")
    assert git_commit_time(repo) == dt.datetime(2026, 10, 14, 9, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    with pytest.raises(UserError, match="cannot read the commit date") as err:
        git_commit_time(tmp_path)
    assert "--times" not in str(err.value), "`ci` has no --times; grade's is in its --help"


def test_git_commit_time_ignores_the_submissions_git_config(tmp_path):
    # A submission is untrusted data. Its .git/config can name programs for git to run (here the
    # signature checker that log.showSignature calls on a signed commit): reading the date must
    # never run them.
    repo = toy_submission(tmp_path / "mallory")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "done")
    head = subprocess.run(["git", "-C", str(repo), "cat-file", "commit", "HEAD"], capture_output=True, text=True,
                          check=True).stdout
    headers, message = head.split("\n\n", 1)
    signed = (f"{headers}\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----\n"
              f"\n{message}")
    sha = subprocess.run(["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"], input=signed,
                         capture_output=True, text=True, check=True).stdout.strip()
    _git(repo, "update-ref", "HEAD", sha)
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\n")
    evil.chmod(0o755)
    for key, value in (("log.showSignature", "true"), ("gpg.program", str(evil)), ("core.pager", str(evil)),
                       ("core.fsmonitor", str(evil))):
        _git(repo, "config", key, value)
    subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%cI"], capture_output=True)
    assert marker.exists(), "the planted config must be live for plain git, or this test proves nothing"
    marker.unlink()
    assert git_commit_time(repo) == dt.datetime(2026, 10, 14, 9, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert not marker.exists(), "git ran a program named by the submission's .git/config"


def test_git_commit_time_needs_the_submission_itself_to_be_a_checkout(tmp_path):
    # A submission folder inside some other repository (the course's, say) must not be given
    # that repository's commit date.
    outer = tmp_path / "course"
    repo = toy_submission(outer / "class" / "bob")
    _git(outer, "init", "-q")
    _git(outer, "add", ".")
    _git(outer, "commit", "-q", "-m", "course")
    with pytest.raises(UserError, match="not the top of a git checkout"):
        git_commit_time(repo)


def test_grade_command_applies_penalties_from_each_source(tmp_path):
    course = toy_course(tmp_path / "course")
    sub = toy_submission(tmp_path / "alice")
    _git(sub, "init", "-q")
    _git(sub, "add", ".")
    _git(sub, "commit", "-q", "-m", "done")  # 1 day 9 h 1 min late: 2 days, 20 %
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\nalice,2026-10-20T00:00:00Z\n")  # capped at 30 %
    expected = {"--submitted-at=2026-10-13T00:00:00+09:00": 5.0, "--submitted-at=2026-10-13T01:00:00+09:00": 4.5,
                "--submitted-at=git": 4.0, f"--times={times}": 3.5}
    for option, score in expected.items():
        r = invoke(course, "grade", str(sub), "--format", "json", option)
        assert r.exit_code == 0, r.output
        data = json.loads(r.output)
        assert (data["score"], data["assignments"][0]["score"]) == (score, score), option
        if score < 5:
            assert "raw score 5" in data["assignments"][0]["message"]
        # The table (what `grade` prints by default, and `ci` in its log) says why the score is below
        # the sum of its functions, all of them ok.
        table = invoke(course, "grade", str(sub), option).output
        assert f"{score:.2f} / 5.00" in table and "FAIL" not in table
        assert ("penalty; raw score 5, penalized score" in table) == (score < 5), table


def test_grade_command_late_errors_are_clean(tmp_path):
    course = toy_course(tmp_path / "course")
    sub = toy_submission(tmp_path / "alice")
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\nbob,2026-10-20T00:00:00Z\n")
    cases = {
        ("--submitted-at", "2026-10-13"): "no UTC offset",
        ("--submitted-at", "git"): "cannot read the commit date",
        ("--times", str(times)): "has no submission time for 1 student(s) who submitted: alice (01_toy)",
        ("--times", str(times), "--submitted-at", "git"): "not both",
    }
    for args, message in cases.items():
        r = invoke(course, "grade", str(sub), *args)
        assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output, r.output
    # As in grade-all: a time for another assignment is none for this one, and a student who
    # submitted nothing needs no time (it graded full marks without a penalty, and refused that).
    times.write_text("student,submitted_at,assignment\nalice,2026-10-20T00:00:00Z,02_other\n")
    course_text = (course / "course.yaml").read_text()
    (course / "course.yaml").write_text(course_text + "  - id: 02_other\n    title: Other\n    module: other\n"
                                        "    points: {add: 1}\n")
    r = invoke(course, "grade", str(sub), "-a", AID, "--times", str(times))
    assert r.exit_code == 1 and "no submission time for 1 student(s) who submitted: alice (01_toy)" in r.output
    (course / "course.yaml").write_text(course_text)
    times.write_text("student,submitted_at\nbob,2026-10-20T00:00:00Z\n")
    (tmp_path / "dave").mkdir()
    r = invoke(course, "grade", str(tmp_path / "dave"), "--format", "json", "--times", str(times))
    assert r.exit_code == 0 and json.loads(r.stdout)["assignments"][0]["status"] == "missing", r.output


def test_real_course_due_dates_have_offsets():
    from tests.conftest import ROOT

    for a in load_course(ROOT / "course.yaml").assignments:
        assert a.due is None or a.due.tzinfo is not None, a.id


def test_grade_all_applies_penalties_from_a_times_file_without_regrading(tmp_path):
    course = toy_course(tmp_path / "course")
    klass = tmp_path / "class"
    for name in ("alice", "bob"):
        toy_submission(klass / name)
    (klass / "carol").mkdir()  # nothing submitted: needs no time
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at,assignment\nalice,2026-10-14T09:00:00+09:00,\n"  # 2 days: 20 %
                     "bob,2026-10-12T23:00:00+09:00,01_toy\nzoe,2026-10-20T00:00:00Z,\n")  # on time; no folder
    out, json_dir = tmp_path / "gb.csv", tmp_path / "json"
    r = invoke(course, "grade-all", str(klass), "-j", "1", "-o", str(out), "--json-dir", str(json_dir),
               "--times", str(times))
    assert r.exit_code == 0, r.output
    assert out.read_text().splitlines()[2:] == ["alice,4,4", "bob,5,5", "carol,0,0"]
    alice = json.loads((json_dir / "alice.json").read_text())
    assert alice["score"] == 4.0 and "20% penalty; raw score 5" in alice["assignments"][0]["message"]
    assert "late: 01_toy, 1 student(s) penalized: alice (-1)" in r.output
    # The journal keeps raw scores: without --times (or with a corrected file) nobody is graded again.
    again = invoke(course, "grade-all", str(klass), "-j", "1", "-o", str(out), "--json-dir", str(json_dir))
    assert "graded 0 student(s), reused 3" in again.output and "late:" not in again.output
    assert out.read_text().splitlines()[2:] == ["alice,5,5", "bob,5,5", "carol,0,0"]
    assert json.loads((json_dir / "alice.json").read_text())["assignments"][0]["message"] == ""


def test_grade_all_refuses_a_times_file_missing_a_submitter_before_grading(tmp_path):
    course = toy_course(tmp_path / "course")
    klass = tmp_path / "class"
    for name in ("alice", "bob"):
        toy_submission(klass / name)
    times = tmp_path / "times.csv"
    out = tmp_path / "gb.csv"
    cases = {
        # bob would escape the penalty alice pays
        "student,submitted_at\nalice,2026-10-14T09:00:00+09:00\n": "no submission time for 1 student(s) who "
                                                                    "submitted: bob (01_toy)",
        # a time for another assignment is no time for this one
        "student,submitted_at,assignment\nalice,2026-10-14T09:00:00Z,\nbob,2026-10-14T09:00:00Z,02_x\n":
            "unknown assignment '02_x'",
        # an assignment named on a row whose header has no such column
        "student,submitted_at\nalice,2026-10-14T09:00:00Z\nbob,2026-10-14T09:00:00Z,01_toy\n":
            "times.csv:3: this row has more fields than the header student,submitted_at",
    }
    for text, message in cases.items():
        times.write_text(text)
        r = invoke(course, "grade-all", str(klass), "-j", "1", "-o", str(out), "--times", str(times))
        assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output, r.output
        assert not out.exists() and not out.with_name("gb.csv.journal").exists()  # refused before grading


def test_grade_all_times_match_folders_as_they_show_and_one_folder_down(tmp_path):
    """A folder unpacked as 'Kim Minjun ' (trailing space) or 'José' decomposed (a macOS zip) is the
    row 'Kim Minjun' or 'José' of the times file; a submission one folder down (a repository's zip,
    graded there) needs its time like any other, or it would escape the penalty."""
    course = toy_course(tmp_path / "course")
    klass = tmp_path / "class"
    toy_submission(klass / "Kim Minjun ")
    toy_submission(klass / "Jose\u0301")
    toy_submission(klass / "dora" / "repo-main")
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\nKim Minjun,2026-10-14T09:00:00+09:00\n"
                     "Jos\u00e9,2026-10-12T09:00:00+09:00\n")
    out = tmp_path / "gb.csv"
    r = invoke(course, "grade-all", str(klass), "-j", "1", "-o", str(out), "--times", str(times))
    assert r.exit_code == 1 and "no submission time for 1 student(s) who submitted: dora (01_toy)" in r.output, \
        r.output
    times.write_text(times.read_text() + "dora,2026-10-13T12:00:00+09:00\n")
    r = invoke(course, "grade-all", str(klass), "-j", "1", "-o", str(out), "--times", str(times))
    assert r.exit_code == 0, r.output
    assert sorted(out.read_text().splitlines()[2:]) == ["Jos\u00e9,5,5", "Kim Minjun,4,4", "dora,4.5,4.5"]


@pytest.mark.parametrize("encoding, delimiter", [("utf-8-sig", ";"), ("utf-16", "\t"), ("utf-8", ",")])
def test_times_as_a_spreadsheet_saves_them_are_read(tmp_path, encoding, delimiter):
    # Excel saves ';' where the decimal mark is a comma, and "Unicode Text" is UTF-16 with tabs.
    path = tmp_path / "times.csv"
    path.write_text(delimiter.join(["student", "submitted_at"]) + "\n" +
                    delimiter.join(["jos\u00e9", "2026-03-02T10:00:00+09:00"]) + "\n", encoding=encoding)
    table = read_times(path, course_with())
    assert table == {name_key("jos\u00e9"): {None: parse_time("2026-03-02T10:00:00+09:00", "x")}}


def test_times_in_a_legacy_encoding_say_how_to_save_them(tmp_path):
    path = tmp_path / "times.csv"
    path.write_bytes("student,submitted_at\n김민수,2026-03-02T10:00:00+09:00\n".encode("cp949"))
    with pytest.raises(UserError, match="not UTF-8 text; save it as CSV UTF-8"):
        read_times(path, course_with())


def test_the_student_readme_counts_late_days_from_the_due_date_not_from_the_end_of_grace():
    # It read "per started day after the due date after a grace period of 15 minutes": a student
    # 24 h 10 min late could count from due + 15 min, expect one day (10 %), and be charged two.
    from grader.student_repo import student_readme

    line = next(text for text in student_readme(course_with()).splitlines() if "Late work" in text)
    assert line == ("- Late work loses 10% of its score per started day after the due date, counted from the due "
                    "date itself (work at most 15 minutes late is on time), at most 30%.")
    assert penalty_percent(POLICY, DUE, DUE + dt.timedelta(hours=24, minutes=10)) == (20, 2)
