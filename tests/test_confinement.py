"""Can a hostile submission escape the worker? Every case of the adversarial corpus (tests/hostile/)
is graded end to end, next to an honest second assignment, in a private copy of the course with
planted secrets; then each case is checked for its score, for leaks in every output, for changed
files and for surviving processes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader import confine, proxy, sandbox, zygote
from grader.report import to_json, to_table
from grader.runner import grade_submission
from grader.sandbox import protection_report
from tests.conftest import ROOT, fast_limits, function_scores, reference_source
from tests.hostile import (AID, MARKERS, OTHER_AID, REQUIRES, build_course, dependents, load_corpus,
                           make_hostile_submission, processes_of, submission_source, tree_fingerprint)

CASES = load_corpus()
ENV_VAR = "GRADER_CANARY_TOKEN"


class _Listener:
    """TCP and UDP on one 127.0.0.1 port; records whether anything ever arrived."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self.reached: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            for sock in (self.tcp, self.udp):
                try:
                    if sock is self.tcp:
                        conn, addr = sock.accept()
                        self.reached.append(f"tcp from {addr}")
                        conn.close()
                    else:
                        data, addr = sock.recvfrom(1024)
                        self.reached.append(f"udp {data!r} from {addr}")
                except (socket.timeout, OSError):
                    pass

    def close(self):
        self.stop.set()
        self.thread.join()
        self.tcp.close()
        self.udp.close()


class _CaptureFds:
    """Everything the grader's own process writes to fds 1 and 2 (not just sys.stdout)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.fh = open(self.path, "w+b")
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.fh.fileno(), 1)
        os.dup2(self.fh.fileno(), 2)
        return self

    def __exit__(self, *exc):
        for fd, saved in zip((1, 2), self.saved, strict=True):
            os.dup2(saved, fd)
            os.close(saved)
        self.fh.seek(0)
        self.text = self.fh.read().decode("utf-8", "replace")
        self.fh.close()


@pytest.fixture(scope="module")
def corpus_run(course, tmp_path_factory):
    """Grade every case once; returns {case: outcome dict} plus the shared context."""
    base = tmp_path_factory.mktemp("confinement")
    cc = build_course(ROOT, base, ENV_VAR)
    # 3 s of import: the module whose import never finishes
    quick = fast_limits(course, call_seconds=2.0, test_seconds=10.0, import_seconds=3.0)
    reference = reference_source(course, AID)
    other = reference_source(course, OTHER_AID)
    listener = _Listener()
    saved_env = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = cc.env_secret
    started = []
    real_start = proxy.start_worker

    def recording_start(spec):
        wp = real_start(spec)
        started.append((wp, spec.module))
        return wp

    proxy.start_worker = recording_start

    def outside() -> tuple:
        st = cc.canary_file.stat()
        return (cc.fingerprint(), tree_fingerprint(cc.canary_dir), cc.canary_file.read_bytes(),
                (st.st_mode, st.st_mtime_ns, st.st_uid))

    outcomes = {}
    try:
        for name, case in CASES.items():
            started.clear()
            values = {"__COURSE_ROOT__": str(cc.root), "__SUBMISSION__": str(base / "subs" / name),
                      "__CANARY_FILE__": str(cc.canary_file), "__CANARY_DIR__": str(cc.canary_dir),
                      "__PORT__": str(listener.port), "__CASE__": name, "__REPO_ROOT__": str(ROOT)}
            sub = make_hostile_submission(case, cc, base / "subs" / name, reference, other, values)
            sub_before = tree_fingerprint(sub)
            outside_before = outside()
            t0 = time.monotonic()
            with _CaptureFds(base / f"{name}.out") as cap:
                result = grade_submission(cc.root, quick, sub, [AID, OTHER_AID])
                outputs = to_json(result) + to_table(result)
            by_id = {a.id: a for a in result.assignments}
            workers = [(wp.pid, wp.scratch) for wp, _ in started]
            plan = zygote.get().plan if zygote.get() is not None else None
            uids = {confine.worker_uid(plan, pid)[0] for pid, _ in workers} if plan and plan.dedicated_uids else set()
            outcomes[name] = {
                "case": case, "hostile": by_id[AID], "other": by_id[OTHER_AID], "outputs": outputs,
                "captured": cap.text, "json": to_json(result),
                "source": submission_source(case, reference, values),
                "left": processes_of(uids, {pid for pid, _ in workers}),
                "scratch_left": [str(s) for _, s in workers if s.exists()],
                "sub_changed": tree_fingerprint(sub) != sub_before,
                "outside_changed": outside() != outside_before,
                "pwned": _pwned_files(name),
                "workers": [module for _, module in started], "seconds": time.monotonic() - t0,
            }
    finally:
        proxy.start_worker = real_start
        if saved_env is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = saved_env
        listener.close()
    return {"cases": outcomes, "course": cc, "listener": listener}


def _pwned_files(name: str) -> list[str]:
    """Files a case managed to create in shared temporary directories (removed once recorded)."""
    found = []
    for folder in ("/tmp", "/dev/shm", "/var/tmp"):
        if os.path.isdir(folder):
            for entry in os.listdir(folder):
                if entry.startswith("pwned-") and entry.endswith(name):
                    path = os.path.join(folder, entry)
                    found.append(path)
                    shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
    return found


def _skip_unless_protected(name: str) -> None:
    """Skip a case whose attack works without protections this machine lacks (documented)."""
    needed = REQUIRES.get(name, ())
    report = protection_report()
    if needed and not set(needed) & set(report["active"]):
        reasons = {u["name"]: u["reason"] for u in report["unavailable"]}
        assert all(n in reasons for n in needed), "the report must list what is missing"
        pytest.skip(f"{name} is stopped only by {' or '.join(needed)}, unavailable here: "
                    + "; ".join(f"{n}: {reasons[n]}" for n in needed))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_hostile_function_loses_its_points_and_nothing_else_does(corpus_run, name):
    out = corpus_run["cases"][name]
    case, result = out["case"], out["hostile"]
    if case.at_import:
        assert result.status == "error" and result.score == 0.0, result.message
        return
    assert result.status == "graded", result.message
    scores = function_scores(result)
    fn = case.target
    assert scores[fn][0] < scores[fn][1], f"{name}: {fn} must lose points"
    allowed = dependents(out["source"], fn)
    wrong = {f: s for f, s in scores.items() if f not in allowed and s[0] != s[1]}
    assert not wrong, f"{name}: functions that do not depend on {fn} lost points: {wrong}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_other_assignment_is_graded_normally(corpus_run, name):
    other = corpus_run["cases"][name]["other"]
    assert other.status == "graded" and other.score == other.max_score, [
        (t.name, t.feedback) for t in other.tests if t.status != "passed"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_nothing_secret_reaches_any_output(corpus_run, name):
    _skip_unless_protected(name)
    out = corpus_run["cases"][name]
    cc = corpus_run["course"]
    text = out["outputs"] + out["captured"]
    for secret in cc.secrets:
        assert secret not in text, f"{name}: {secret} leaked"
    for marker in MARKERS:
        assert marker not in text, f"{name}: a forbidden operation worked: {text[text.find(marker) - 200:][:400]}"
    for line in cc.hidden_lines:
        if line not in out["source"]:
            assert line not in text, f"{name}: a line of the hidden tests leaked: {line}"
    data = json.loads(out["json"])  # the JSON output is exactly one real document
    assert data["score"] < data["max_score"]
    for fake in ("::notice", "::error", "::add-mask", "::set-output", '"score": 100.0'):
        assert fake not in text


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_file_outside_the_scratch_directory_changed(corpus_run, name):
    _skip_unless_protected(name)
    out = corpus_run["cases"][name]
    assert not out["sub_changed"], f"{name} changed its submission directory"
    assert not out["scratch_left"], f"{name}: scratch directories left behind"
    assert not out["outside_changed"], f"{name} changed the course copy or a canary (content, mode or time)"
    assert not out["pwned"], f"{name} created {out['pwned']}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_process_is_left_behind(corpus_run, name):
    _skip_unless_protected(name)
    out = corpus_run["cases"][name]
    assert not out["left"], f"{name} left processes behind: {out['left']}"


def test_every_case_ran_in_a_worker_and_the_corpus_is_large_enough(corpus_run):
    print({k: round(v["seconds"], 2) for k, v in corpus_run["cases"].items()})
    assert len(CASES) >= 25
    for name, out in corpus_run["cases"].items():
        if out["case"].submission == "plain":
            assert "backprop" in out["workers"], f"{name}: no worker was started for it"


def test_the_listener_on_127_0_0_1_was_never_reached(corpus_run):
    assert "network_connect" in corpus_run["cases"]
    _skip_unless_protected("network_connect")
    assert corpus_run["listener"].reached == []


def test_no_orphan_survives_in_the_zygote(corpus_run):
    """Everything the corpus forked (fork bomb, double forks) is gone, not just re-parented."""
    z = zygote.get()
    if z is None:
        pytest.skip(f"no zygote: {zygote.failure_reason()}")
    below = [p for p in processes_of(set(), {z.proc.pid}) if not p.startswith(f"{z.proc.pid} ")]
    assert below == []


def test_a_symlinked_module_is_refused_without_reading_it(corpus_run):
    out = corpus_run["cases"]["module_symlink"]
    assert out["hostile"].status == "error"
    assert "symlink" in out["hostile"].message and out["workers"] == ["perceptron"]


def test_an_import_that_never_finishes_costs_only_its_assignment(corpus_run):
    out = corpus_run["cases"]["import_never_finishes"]
    assert out["hostile"].status == "error"
    # stopped at the course's import_seconds (3 s here), not the default 30 s
    assert "importing your module took longer than 3 s" in out["hostile"].message
    assert out["seconds"] < 25


def test_crashes_and_hangs_are_reported_as_such(corpus_run):
    cases = corpus_run["cases"]

    def statuses(name):
        case = cases[name]
        return {t.status for t in case["hostile"].tests if t.function == case["case"].target}

    assert statuses("infinite_loop") == {"timeout"}
    assert statuses("sigterm_ignoring_sleep") == {"timeout"}
    for name in ("os_exit", "segfault_ctypes", "deep_recursion"):
        feedback = [t.feedback for t in cases[name]["hostile"].tests if t.function == cases[name]["case"].target]
        assert feedback and all("crashed the worker" in f for f in feedback), (name, feedback)


def test_the_grader_cli_keeps_its_environment_and_cwd_secret(corpus_run, course, tmp_path):
    """A real `grader grade` process with a secret in its initial environment (where
    /proc/<pid>/environ shows it) and the course as its cwd, graded with the hostile cases that
    look there."""
    for name in ("env_secrets", "proc_parent_cwd"):
        _skip_unless_protected(name)
    cc = corpus_run["course"]
    reference = reference_source(course, AID)
    env = {**os.environ, ENV_VAR: cc.env_secret}
    env.pop("GRADER_NO_ZYGOTE", None)
    for name in ("env_secrets", "proc_parent_cwd"):
        case = CASES[name]
        sub = tmp_path / name / "assignments" / AID
        sub.mkdir(parents=True)
        (sub / "backprop.py").write_text(submission_source(case, reference, {"__COURSE_ROOT__": str(cc.root)}))
        proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(tmp_path / name), "-a", AID,
                               "--format", "json"], cwd=cc.root, env=env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        lost = [t for t in data["assignments"][0]["tests"] if t["function"] == case.target]
        assert lost and all(t["score"] == 0 for t in lost)
        for secret in (*cc.secrets, "READ-OK"):
            assert secret not in proc.stdout + proc.stderr, (name, secret)


def test_the_corpus_detects_leaks_when_confinement_is_off(corpus_run, course, tmp_path, monkeypatch):
    """The detectors are not toothless: with every optional protection off (spawned workers under
    an empty plan: own session and rlimits only), reading the solutions is caught."""
    monkeypatch.setenv(zygote.DISABLE_ENV, "1")
    monkeypatch.setattr(sandbox, "_spawn_plan", confine.Plan())
    cc = corpus_run["course"]
    reference = reference_source(course, AID)
    other = reference_source(course, OTHER_AID)
    for name in ("absolute_paths", "symlink_in_submission"):
        values = {"__COURSE_ROOT__": str(cc.root), "__SUBMISSION__": str(tmp_path / name), "__REPO_ROOT__": str(ROOT)}
        sub = make_hostile_submission(CASES[name], cc, tmp_path / name, reference, other, values)
        result = grade_submission(cc.root, fast_limits(course), sub, [AID])
        text = to_json(result)
        assert "READ-OK" in text and any(s in text for s in cc.secrets), name


def test_the_report_says_which_protections_were_active(corpus_run):
    report = protection_report()
    assert set(report) == {"active", "unavailable"}
    for name in ("separate-process", "rlimits", "wall-clock-limit", "process-group-kill", "cpu-time-limit"):
        assert name in report["active"]
