"""Does each protection do what the report says, here and as a normal user?

Each protection of grader.confine is applied alone in a fresh interpreter and its effect checked.
Where the kernel or the privileges lack a feature, the test skips with the reason, and another
test asserts that the report lists the feature as unavailable with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from grader import confine, procs, redact, sandbox, seccomp, zygote
from grader.errors import StudentCrash
from grader.proxy import StudentModule, Worker
from grader.sandbox import WorkerSpec, protection_report, start_worker
from grader.submission import parse_source
from grader.syscalls import SYSCALLS
from tests.conftest import ROOT

IS_ROOT = os.geteuid() == 0


def run_py(code: str, *args: str, timeout: float = 60, **kwargs) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object, returned here."""
    proc = subprocess.run([sys.executable, "-I", "-c", textwrap.dedent(code), *args], capture_output=True,
                          text=True, timeout=timeout, cwd="/", **kwargs)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _landlock_abi() -> int:
    try:
        return confine.landlock_abi()
    except OSError:
        return 0


@pytest.fixture(scope="module")
def plan() -> confine.Plan:
    return sandbox.spawn_plan()


@pytest.fixture
def scratch():
    path = Path(tempfile.mkdtemp(prefix="grader-test-"))
    (path / "src").mkdir()
    yield path
    sandbox.remove_tree(path)


# -- each protection alone -------------------------------------------------------------------------

def test_new_session_makes_the_worker_lead_its_own_process_group():
    out = run_py("""
        import json, os
        from grader import confine
        before = os.getpgid(0)
        confine.new_session()
        print(json.dumps({"pid": os.getpid(), "pgid": os.getpgid(0), "sid": os.getsid(0)}))
    """)
    assert out["pgid"] == out["pid"] == out["sid"]


def test_rlimits_cap_memory_files_and_processes():
    out = run_py("""
        import json, resource
        from grader import confine
        confine.set_rlimits(300, 7)
        names = ("RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE", "RLIMIT_NPROC", "RLIMIT_CPU",
                 "RLIMIT_MEMLOCK")
        print(json.dumps({n: resource.getrlimit(getattr(resource, n)) for n in names}))
    """)
    assert out["RLIMIT_AS"] == [300 << 20] * 2
    assert out["RLIMIT_FSIZE"] == [confine.OUTPUT_LIMIT] * 2
    assert out["RLIMIT_NOFILE"] == [confine.OPEN_FILES] * 2
    assert out["RLIMIT_CORE"] == [0, 0] and out["RLIMIT_MEMLOCK"] == [0, 0]
    assert out["RLIMIT_NPROC"] == [7, 7]
    assert out["RLIMIT_CPU"][0] == confine.CPU_BACKSTOP


@pytest.mark.skipif(not IS_ROOT, reason="switching to another uid needs root")
def test_drop_user_switches_to_an_unprivileged_uid_without_groups_or_capabilities():
    out = run_py("""
        import json, os
        from grader import confine
        confine.drop_user(confine.DEDICATED_UID_BASE + 1, confine.DEDICATED_UID_BASE + 1)
        confine.limit_capabilities(False)
        caps = dict(l.split(":\\t") for l in open("/proc/self/status").read().splitlines() if l.startswith("Cap"))
        try:
            os.setuid(0)
            regained = True
        except PermissionError:
            regained = False
        print(json.dumps({"ids": os.getresuid(), "groups": os.getgroups(), "eff": caps["CapEff"],
                          "amb": caps["CapAmb"], "regained": regained}))
    """)
    assert out["ids"] == [confine.DEDICATED_UID_BASE + 1] * 3 and out["groups"] == []
    assert int(out["eff"], 16) == 0 and int(out["amb"], 16) == 0 and not out["regained"]


def test_limit_capabilities_keeps_at_most_dac_read_search():
    out = run_py("""
        import json
        from grader import confine
        confine.limit_capabilities(True)
        caps = dict(l.split(":\\t") for l in open("/proc/self/status").read().splitlines() if l.startswith("Cap"))
        print(json.dumps(caps))
    """)
    assert int(out["CapEff"], 16) & ~(1 << confine.CAP_DAC_READ_SEARCH) == 0
    assert int(out["CapPrm"], 16) & ~(1 << confine.CAP_DAC_READ_SEARCH) == 0


def test_no_new_privs_and_non_dumpable():
    out = run_py("""
        import json
        from grader import confine
        confine.no_new_privs()
        confine.non_dumpable()
        status = open("/proc/self/status").read()
        libc = confine.libc
        print(json.dumps({"nnp": "NoNewPrivs:\\t1" in status, "dumpable": libc.prctl(3, 0, 0, 0, 0)}))
    """)
    assert out == {"nnp": True, "dumpable": 0}


def test_network_namespace_has_no_way_out(plan):
    if plan.netns is None:
        assert "network-namespace" in plan.unavailable and plan.unavailable["network-namespace"]
        pytest.skip(f"no network namespace here: {plan.unavailable['network-namespace']}")
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        out = run_py("""
            import json, socket, sys
            from grader import confine
            confine.new_network_namespace()
            ifaces = [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]
            try:
                socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close()
                reached = True
            except OSError:
                reached = False
            print(json.dumps({"ifaces": ifaces, "reached": reached}))
        """, str(listener.getsockname()[1]))
    finally:
        listener.close()
    assert out["ifaces"] == ["lo"] and not out["reached"]


_LANDLOCK_CHILD = """
    import json, os, socket, sys
    from grader import confine
    scratch, course, port, abi = sys.argv[1], sys.argv[2], int(sys.argv[3]), confine.landlock_abi()
    confine.no_new_privs()
    confine.landlock(abi, confine.worker_rules(scratch, spawn=False))

    def works(fn):
        try:
            fn()
            return True
        except OSError:
            return False

    def connect():
        socket.create_connection(("127.0.0.1", port), timeout=2).close()

    print(json.dumps({
        "read_course": works(lambda: open(os.path.join(course, "course.yaml")).read()),
        "list_root": works(lambda: os.listdir("/")),
        "read_proc_parent": works(lambda: open(f"/proc/{os.getppid()}/environ", "rb").read()),
        "read_stdlib": works(lambda: open(os.__file__).read()),
        "read_grader": works(lambda: open(confine.__file__).read()),
        "write_scratch": works(lambda: open(os.path.join(scratch, "x"), "w").write("x")),
        "write_tmp": works(lambda: open("/tmp/grader-landlock-test-must-not-exist", "w").write("x")),
        "tcp_connect": works(connect),
        "signal_parent": works(lambda: os.kill(os.getppid(), 0)),
    }))
"""


@pytest.mark.skipif(not _landlock_abi(), reason="this kernel has no Landlock (or it is disabled)")
def test_landlock_confines_files_network_and_signals(scratch):
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        out = run_py(_LANDLOCK_CHILD, str(scratch), str(ROOT), str(listener.getsockname()[1]))
    finally:
        listener.close()
    assert not os.path.exists("/tmp/grader-landlock-test-must-not-exist")
    assert out["read_stdlib"] and out["read_grader"] and out["write_scratch"]
    assert not out["read_course"] and not out["list_root"] and not out["read_proc_parent"] and not out["write_tmp"]
    abi = confine.landlock_abi()
    if abi >= 4:
        assert not out["tcp_connect"], "Landlock ABI >= 4 denies TCP connect"
    if abi >= 6:
        assert not out["signal_parent"], "Landlock ABI >= 6 scopes signals"


def test_landlock_unavailability_is_reported(plan):
    abi = _landlock_abi()
    report = sandbox.report_from_plan(plan, zygote=False)
    names = set(report["active"])
    assert ("landlock-filesystem" in names) == (abi >= 1)
    assert ("landlock-network" in names) == (abi >= 4)
    assert ("landlock-scopes" in names) == (abi >= 6)
    for entry in report["unavailable"]:
        assert entry["reason"], entry


def test_seccomp_filter_blocks_escapes_but_not_ordinary_work(scratch):
    out = run_py("""
        import json, os, signal, socket, threading
        from grader import confine
        confine.no_new_privs()
        from grader import seccomp
        seccomp.install(seccomp.program(os.getpid(), block_exec=True))

        def works(fn):
            try:
                fn()
                return True
            except OSError:
                return False

        def fork():
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)

        def thread():
            t = threading.Thread(target=lambda: None)
            t.start()
            t.join()

        print(json.dumps({
            "socket": works(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
            "unix_socket": works(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)),
            "setsid": works(os.setsid),
            "signal_parent": works(lambda: os.kill(os.getppid(), 0)),
            "signal_all": works(lambda: os.kill(-1, 0)),
            "signal_self": works(lambda: os.kill(os.getpid(), 0)),
            "chmod": works(lambda: os.chmod("/tmp", 0o1777)),
            "exec": works(lambda: os.execv("/bin/true", ["true"])),
            "unshare": confine.libc.unshare(0x40000000) == 0,
            "fork": works(fork),
            "thread": works(thread),
        }))
    """)
    assert out == {"socket": False, "unix_socket": False, "setsid": False, "signal_parent": False,
                   "signal_all": False, "signal_self": True, "chmod": False, "exec": False, "unshare": False,
                   "fork": True, "thread": True}


def test_seccomp_program_is_well_formed():
    prog = seccomp.program(12345, block_exec=True)
    assert len(prog) % 8 == 0 and len(prog) // 8 < 256
    for i in range(0, len(prog), 8):
        code, jt, jf, _ = struct.unpack_from("<HBBI", prog, i)
        assert i // 8 + 1 + max(jt, jf) <= len(prog) // 8 or code == 0x06


def test_kill_everything_finds_orphans_that_left_the_group():
    """A subreaper (here a helper process) re-adopts double-forked, setsid'd sleepers; the kill
    finds and ends every one of them."""
    out = run_py("""
        import json, os, time
        from grader import confine, procs
        confine.child_subreaper()
        worker = os.fork()
        if worker == 0:
            os.setsid()
            for _ in range(3):
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        time.sleep(60)
                    os._exit(0)
            time.sleep(60)
        time.sleep(0.3)
        mine = procs.children(os.getpid())
        def reap():
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
        found = procs.kill_everything(worker, orphans_of=os.getpid(), reap=reap)
        print(json.dumps({"before": len(mine), "found": found, "after": procs.children(os.getpid())}))
    """)
    # the three orphans live in their own sessions: the group kill alone would have missed them
    assert out["before"] >= 4 and out["found"] >= 3 and out["after"] == []


# -- the report ------------------------------------------------------------------------------------

def test_report_names_every_protection_once_with_reasons_for_the_missing():
    report = protection_report()
    assert set(report) == {"active", "unavailable"}
    names = report["active"] + [u["name"] for u in report["unavailable"]]
    assert sorted(names) == sorted(sandbox.DESCRIPTIONS)
    assert set(sandbox.MANDATORY) <= set(report["active"])
    assert all(u["reason"] for u in report["unavailable"])


def test_report_matches_what_this_machine_offers(plan):
    report = protection_report()
    active = set(report["active"])
    assert ("unprivileged-user" in active) == (IS_ROOT and plan.uid is not None)
    if not IS_ROOT:
        reasons = {u["name"]: u["reason"] for u in report["unavailable"]}
        assert "not root" in reasons["unprivileged-user"]
    assert ("seccomp-filter" in active) == plan.seccomp
    assert ("prewarmed-zygote" in active) == (zygote.get() is not None)


def test_workers_get_the_protections_of_the_report():
    worker = Worker(WorkerSpec("def f():\n    return 1\n", "m", ("numpy",)))
    try:
        StudentModule(worker).f()
        assert worker.protections == protection_report()["active"]
    finally:
        worker.close()


# -- the zygote ------------------------------------------------------------------------------------

_TOY = """
import numpy as np

def ok():
    return 1

def exit3():
    np.lib._datasource.os._exit(3)

def segv():
    np.lib._datasource.os.sys.modules["ctypes"].string_at(0)

def escape():
    os = np.lib._datasource.os
    if os.fork() == 0:
        if os.fork() == 0:
            os.sys.modules["time"].sleep(60) if "time" in os.sys.modules else [0 for _ in iter(int, 1)]
        os._exit(0)
    return os.getpid()

def uid():
    return np.lib._datasource.os.getuid()
"""


@pytest.fixture
def toy():
    worker = Worker(WorkerSpec(_TOY, "toy", ("numpy",)), call_seconds=5.0)
    yield StudentModule(worker), worker
    worker.close()


def test_the_zygote_preloads_allowed_modules_a_submission_imports():
    if zygote.get() is None:
        pytest.skip(f"no zygote here: {zygote.failure_reason()}")  # the fallback spawns; nothing to preload
    source = ("import sys\nBEFORE = 'scipy.special' in sys.modules\nimport scipy.special\n"
              "def before():\n    return BEFORE\n\ndef erf(x):\n    return float(scipy.special.erf(x))\n")
    spec = WorkerSpec(source, "pre", ("numpy", "sys", "scipy.special"), preload=("scipy.special",))
    worker = Worker(spec, call_seconds=30.0)
    try:
        student = StudentModule(worker)
        assert student.before() is True, "scipy.special was imported in the zygote, before the worker existed"
        assert abs(student.erf(0.5) - 0.5204998778130465) < 1e-15
    finally:
        worker.close()


def test_a_request_the_zygote_fails_on_does_not_end_the_zygote():
    """A bug in one request (here a kill whose pid is a list) fails that request; the zygote keeps
    serving, instead of leaving the rest of the batch to cold spawns."""
    z = zygote.Zygote()
    try:
        if not z.wait_booted():
            pytest.skip(f"no zygote here: {z.failure}")
        z._send({"op": "kill", "id": 1, "pid": [1]}, [], None)
        later = zygote.ZygoteLaunch(z, 2)
        z._launches[2] = later
        z._send({"op": "kill", "id": 2, "pid": 2 ** 22 + 1}, [], None)  # no such worker: answered at once
        assert later.killed.wait(10.0), z.failure
        assert z.failure is None and z.proc.poll() is None
        z._stderr.seek(0)
        assert "TypeError" in z._stderr.read().decode(), "the failed request's traceback is on the zygote's stderr"
    finally:
        z.close()


def test_exit_status_comes_back_through_the_zygote(toy):
    student, worker = toy
    with pytest.raises(StudentCrash, match="exit code 3"):
        student.exit3()
    with pytest.raises(StudentCrash, match="killed by SIGSEGV"):
        student.segv()
    assert student.ok() == 1


def test_kill_leaves_no_process_even_after_a_double_fork(toy):
    student, worker = toy
    pid = student.escape()
    time.sleep(0.2)
    plan = zygote.get().plan if zygote.get() else sandbox.spawn_plan()
    uid = student.uid()
    scratch = worker.process.scratch
    worker.close()
    left = [p for p, (_, state, u) in procs.snapshot(with_uid=True).items() if state != "Z" and (
        p == pid or (plan.dedicated_uids and u == uid))]
    assert left == [] and not scratch.exists()


def test_workers_start_concurrently_from_threads_each_under_its_own_uid():
    results, errors = [], []

    def start():
        try:
            w = Worker(WorkerSpec(_TOY, "toy", ("numpy",)))
            s = StudentModule(w)
            results.append((s.ok(), s.uid(), w.process.pid))
            w.close()
        except Exception as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 8 and all(r[0] == 1 for r in results)
    assert len({r[2] for r in results}) == 8
    plan = zygote.get().plan if zygote.get() else sandbox.spawn_plan()
    if plan.dedicated_uids:
        assert sorted(r[1] for r in results) == sorted(confine.DEDICATED_UID_BASE + r[2] for r in results)


def test_a_zygote_that_cannot_boot_falls_back_to_spawning_and_says_so(monkeypatch):
    zygote.shutdown()
    monkeypatch.setattr(zygote, "COMMAND", ("-I", "-c", "import sys; sys.exit(3)"))
    try:
        worker = Worker(WorkerSpec(_TOY, "toy", ("numpy",)))
        try:
            assert StudentModule(worker).ok() == 1
        finally:
            worker.close()
        report = protection_report()
        reasons = {u["name"]: u["reason"] for u in report["unavailable"]}
        assert "exited (3)" in reasons["prewarmed-zygote"]
        assert set(sandbox.MANDATORY) <= set(report["active"])
    finally:
        zygote.shutdown()


def _ready_seconds() -> float:
    spec = WorkerSpec("def f():\n    return 1\n", "m", ("numpy",))
    t = time.perf_counter()
    wp = start_worker(spec)
    try:
        from grader import codec

        assert codec.decode(wp.reader.read())["op"] == "ready"
        return time.perf_counter() - t
    finally:
        wp.kill()


def test_the_zygote_starts_workers_much_faster_than_spawning(monkeypatch):
    """Start to "ready", best of several: the zygote forks in milliseconds what spawning takes
    an interpreter start and `import numpy` for."""
    if zygote.get() is None:
        pytest.skip(f"no zygote here: {zygote.failure_reason()}")
    _ready_seconds()
    forked = min(_ready_seconds() for _ in range(5))
    monkeypatch.setenv(zygote.DISABLE_ENV, "1")
    _ready_seconds()
    spawned = min(_ready_seconds() for _ in range(3))
    print(f"start->ready: zygote {forked * 1e3:.1f} ms, spawn {spawned * 1e3:.1f} ms")
    assert forked < spawned / 3


# -- as a normal user ------------------------------------------------------------------------------

def _python_for_nobody(base: Path) -> list[str] | None:
    """An interpreter that uid 65534 can run with this kit importable, or None."""
    probe = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    # The grader must be able to start the interpreter again itself (setpriv execs while still root).
    again = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import grader.cli, numpy'], check=True)"
    check = subprocess.run([*probe, sys.executable, "-c", again], capture_output=True)
    if check.returncode == 0:
        return [sys.executable]
    # Python lives where other users cannot read it (e.g. pyenv under /root): build a venv from the
    # system interpreter that borrows this venv's packages and the kit (same CPython minor version).
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    site = next((p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix)), None)
    if not system.exists() or site is None:
        return None
    venv = base / "venv"
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    pth = next(venv.glob("lib/python*/site-packages")) / "kit.pth"
    pth.write_text(f"{site}\n{ROOT}\n")
    subprocess.run(["chmod", "-R", "a+rX", str(base)], check=True)
    python = str(venv / "bin" / "python")
    check = subprocess.run([*probe, python, "-c", again], capture_output=True)
    return [python] if check.returncode == 0 else None


def _deny_filter(rules: dict[str, int]) -> bytes:
    """A seccomp filter failing the named syscalls with the given errno (to imitate a kernel or
    a CI runner that lacks a feature)."""
    prog = [struct.pack("<HBBI", 0x20, 0, 0, 0)]
    for name, err in rules.items():
        prog.append(struct.pack("<HBBI", 0x15, 0, 1, SYSCALLS[name]))
        prog.append(struct.pack("<HBBI", 0x06, 0, 0, 0x00050000 | err))
    prog.append(struct.pack("<HBBI", 0x06, 0, 0, 0x7FFF0000))
    return b"".join(prog)


@pytest.fixture(scope="module")
def as_nobody():
    if not IS_ROOT or shutil.which("setpriv") is None:
        pytest.skip("running the grader as another user needs root and setpriv")
    base = Path(tempfile.mkdtemp(prefix="grader-nobody-"))
    base.chmod(0o755)
    try:
        python = _python_for_nobody(base)
        if python is None:
            pytest.skip("no Python installation readable by uid 65534")
        yield base, python
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run_as_nobody(python: list[str], args: list[str], deny: dict[str, int] | None = None, **kwargs):
    program = _deny_filter(deny) if deny else None

    def preexec():
        if program is not None:
            confine.no_new_privs()
            seccomp.install(program)

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *python, "-m", "grader",
                           *args], capture_output=True, text=True, timeout=180, env=env, cwd="/",
                          preexec_fn=preexec, **kwargs)


def _nobody_processes() -> set[int]:
    return {p for p, (_, state, u) in procs.snapshot(with_uid=True).items() if u == 65534 and state != "Z"}


def test_as_a_normal_user_the_mandatory_protections_work_and_the_rest_is_reported(as_nobody):
    _, python = as_nobody
    before = _nobody_processes()
    proc = _run_as_nobody(python, ["doctor", "--json"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    reasons = {u["name"]: u["reason"] for u in report["unavailable"]}
    assert "not root" in reasons["unprivileged-user"]
    assert set(sandbox.MANDATORY) <= set(report["active"]) and report["mandatory_failures"] == {}
    if _landlock_abi():
        assert "landlock-filesystem" in report["active"]
    assert _nobody_processes() <= before


def test_as_a_normal_user_without_userns_and_landlock_the_report_says_why(as_nobody):
    """What a locked-down CI runner looks like: no user namespaces, no Landlock."""
    _, python = as_nobody
    proc = _run_as_nobody(python, ["doctor", "--json"], deny={"unshare": 1, "landlock_create_ruleset": 38})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    reasons = {u["name"]: u["reason"] for u in report["unavailable"]}
    assert "Operation not permitted" in reasons["network-namespace"]
    for name in ("landlock-filesystem", "landlock-network", "landlock-scopes"):
        assert "no Landlock" in reasons[name]
    assert "seccomp-filter" in report["active"] and report["mandatory_failures"] == {}


def test_as_a_normal_user_hostile_code_still_loses(as_nobody, course, tmp_path):
    """The grader as uid 65534 grades hostile cases: no secret out, no process left, and even
    without Landlock and user namespaces the network stays closed (seccomp)."""
    from tests.conftest import reference_source
    from tests.hostile import AID, MARKERS, build_course, load_corpus, submission_source

    base, python = as_nobody
    cc = build_course(ROOT, base / "course-copy", "GRADER_CANARY_TOKEN")
    subprocess.run(["chmod", "-R", "a+rX", str(base / "course-copy")], check=True)
    cases = load_corpus()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.settimeout(0.1)
    before = _nobody_processes()
    try:
        for name, deny in (("absolute_paths", None), ("fork_bomb", None), ("kill_the_grader", None),
                           ("network_connect", {"unshare": 1, "landlock_create_ruleset": 38})):
            sub = base / f"sub-{name}"
            (sub / "assignments" / AID).mkdir(parents=True)
            values = {"__COURSE_ROOT__": str(cc.root), "__REPO_ROOT__": str(ROOT), "__PORT__": str(port),
                      "__CASE__": name}
            (sub / "assignments" / AID / "backprop.py").write_text(
                submission_source(cases[name], reference_source(course, AID), values))
            subprocess.run(["chmod", "-R", "a+rX", str(sub)], check=True)
            proc = _run_as_nobody(python, ["--course", str(cc.root), "grade", str(sub), "-a", AID, "--format",
                                           "json"], deny=deny)
            assert proc.returncode == 0, proc.stderr[-2000:]
            data = json.loads(proc.stdout)
            lost = [t for t in data["assignments"][0]["tests"] if t["function"] == cases[name].target]
            assert lost and all(t["score"] == 0 for t in lost), name
            for secret in (*cc.secrets, *MARKERS):
                if name == "absolute_paths" and deny is None and not _landlock_abi():
                    break  # documented: without Landlock a normal user's worker reads what that user can
                assert secret not in proc.stdout + proc.stderr, (name, secret)
            with pytest.raises(socket.timeout):
                listener.accept()
    finally:
        listener.close()
    assert _nobody_processes() <= before


# -- limits enforced from outside, and cleanup when the grader itself dies -------------------------

def test_removing_a_scratch_tree_never_changes_its_parent(tmp_path):
    """A scratch directory removed twice (by the zygote, then by the grader) once made the old
    retry chmod its parent, /tmp itself, to 0700: every other user lost /tmp."""
    parent = tmp_path / "shared"
    parent.mkdir()
    parent.chmod(0o1777)
    sandbox.remove_tree(parent / "already-gone")
    locked = parent / "scratch"
    (locked / "a" / "b").mkdir(parents=True)
    (locked / "a" / "b" / "f").write_text("x")
    (locked / "a").chmod(0)
    sandbox.remove_tree(locked)
    assert not locked.exists()
    assert parent.stat().st_mode & 0o7777 == 0o1777


def test_removing_a_scratch_tree_that_someone_else_removes_meanwhile(tmp_path, monkeypatch):
    """The zygote and the grader may remove the same scratch at once. When a subfolder vanished
    between rmtree's listing and its os.open, the retry called os.open(path) without flags: a
    TypeError that killed the zygote ("open() missing required argument 'flags'")."""
    top = tmp_path / "scratch"
    (top / "sub" / "deeper").mkdir(parents=True)
    (top / "sub" / "deeper" / "f").write_text("x")
    (top / "g").write_text("y")
    real_open = os.open

    def open_after_the_other_remover(name, *args, **kwargs):
        if name == "sub" and kwargs.get("dir_fd") is not None:
            shutil.rmtree(top / "sub")  # the other remover wins the race
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_after_the_other_remover)
    sandbox.remove_tree(top)
    monkeypatch.undo()
    assert not top.exists()


def test_cpu_time_is_limited_per_call_from_the_grader_side():
    """The budget is read from the kernel's accounting of the worker, not set inside it."""
    from grader import codec

    wp = start_worker(WorkerSpec("def spin():\n    while True:\n        pass\n", "m", ("numpy",)))
    try:
        assert codec.decode(wp.reader.read())["op"] == "ready"
        wp.start_call(0.3)
        codec.send(wp.sock, codec.encode({"op": "call", "id": 1, "fn": "spin", "args": [], "kwargs": {}}))
        t = time.monotonic()
        assert not wp.wait_readable(20.0)
        assert wp.cpu_exceeded and time.monotonic() - t < 10
        # The first poll interval counts as fully used (see start_call), and /proc counts in
        # 10 ms ticks: on a loaded machine the worker may stop a little short of 0.3 s.
        assert wp.cpu_seconds() >= 0.3 - sandbox._CPU_POLL / 2
    finally:
        wp.kill()


_DYING_GRADER = """
import json, os, sys, time
from grader.proxy import StudentModule, Worker
from grader.sandbox import WorkerSpec
from grader import zygote
src = '''
import numpy as np
def linger():
    os = np.lib._datasource.os
    kids = []
    for _ in range(3):
        kid = os.fork()
        if kid == 0:
            while True:
                pass
        kids.append(kid)
    return [os.getpid(), os.getuid()] + kids
'''
w = Worker(WorkerSpec(src, "m", ("numpy",)))
pid, uid, *kids = StudentModule(w).linger()
z = zygote.get()
print(json.dumps({"pid": pid, "uid": uid, "kids": kids, "scratch": str(w.process.scratch),
                  "zygote": z.proc.pid if z else None}), flush=True)
os._exit(1)  # the grader dies without closing anything
"""


def test_when_the_grader_dies_its_workers_and_their_files_go_too():
    proc = subprocess.run([sys.executable, "-c", _DYING_GRADER], capture_output=True, text=True, timeout=120)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    if info["zygote"] is None:
        pytest.skip("no zygote here; spawned workers are the dead grader's orphans")
    watched = {info["zygote"], info["pid"], *info["kids"]}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        snap = procs.snapshot(with_uid=True)
        alive = {p for p, (_, state, uid) in snap.items()
                 if state != "Z" and (p in watched or (uid == info["uid"] and uid != os.geteuid()))}
        if not alive and not Path(info["scratch"]).exists():
            break
        time.sleep(0.1)
    assert not alive and not Path(info["scratch"]).exists()


@pytest.mark.parametrize("launcher", ["zygote", "spawn"])
def test_a_worker_dropped_without_closing_is_still_killed_and_removed_at_exit(monkeypatch, launcher):
    """Ctrl-C while workers were being prepared drops them unclosed: the exit handler must still
    kill them and remove their scratch directories (a copy of the student's code). Without a
    zygote to clean up, a weak set of live workers lost them to the garbage collector."""
    import gc

    if launcher == "spawn":
        monkeypatch.setenv(zygote.DISABLE_ENV, "1")
    wp = start_worker(WorkerSpec(_TOY, "toy", ("numpy",)))
    scratch, pid = wp.scratch, wp.pid
    del wp
    gc.collect()
    assert scratch.exists()
    sandbox._kill_leftovers()
    assert not scratch.exists()
    deadline = time.monotonic() + 10
    while procs.snapshot().get(pid, (None, "Z"))[1] != "Z" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert procs.snapshot().get(pid, (None, "Z"))[1] == "Z", "the worker is gone"


@pytest.mark.parametrize("launcher", ["zygote", "spawn"])
def test_a_worker_stuck_in_student_code_exits_when_the_grader_end_of_its_socket_closes(monkeypatch, launcher):
    """A grading process killed mid-call (Ctrl-C, out of memory) closes its end of the socket and
    nothing more: without a zygote nobody else kills its worker, which must then end itself
    rather than loop on until the CPU backstop."""
    from grader import codec

    if launcher == "spawn":
        monkeypatch.setenv(zygote.DISABLE_ENV, "1")
    wp = start_worker(WorkerSpec("def spin():\n    while True: pass\n", "m", ("numpy",)))
    try:
        assert codec.decode(wp.reader.read())["op"] == "ready"
        pid = wp.pid
        codec.send(wp.sock, codec.encode({"op": "call", "id": 1, "fn": "spin", "args": [], "kwargs": {}}))
        time.sleep(0.3)
        assert wp.wait(0) is None, "the call is looping"
        wp.sock.close()  # as the death of the process holding it would
        assert wp.wait(5.0) is not None, "the worker ended itself"
        assert wp.wait(0) & 0x7F == 0 and (wp.wait(0) >> 8) == 0, "by exiting, not by being killed"
        assert procs.snapshot().get(pid, (None, "Z"))[1] == "Z"
    finally:
        wp.kill()


_PROBE_INTERRUPTED = """
import os, signal, sys, threading, time
from pathlib import Path
from grader import sandbox

tmp = Path(sys.argv[1])

def interrupt():
    deadline = time.monotonic() + 10
    while not any(tmp.glob("grader-probe-*")) and time.monotonic() < deadline:
        time.sleep(0.001)
    os.killpg(0, signal.SIGINT)  # Ctrl-C: the whole foreground group

threading.Thread(target=interrupt, daemon=True).start()
try:
    sandbox.spawn_plan()
    time.sleep(1)
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_ctrl_c_while_probing_for_spawned_workers_leaves_no_probe_directory():
    """Without a zygote, the first worker waits for a probe of what confinement works here, run
    in another interpreter. Ctrl-C reached that probe too, which died before removing its scratch
    directory (5 runs in 45 in a review). It now runs in a session of its own and finishes alone;
    its directory is made in TMPDIR, where the workers' go (it was always /tmp)."""
    tmp = Path(tempfile.mkdtemp(prefix="grader-test-tmp-"))  # in /tmp: reachable by a probe's own uid
    tmp.chmod(0o1777)
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE_INTERRUPTED, str(tmp)], capture_output=True, text=True,
                              env={**os.environ, "TMPDIR": str(tmp)}, start_new_session=True, timeout=60)
        assert proc.returncode == 130, "interrupted while probing, in TMPDIR: " + proc.stderr[-2000:]
        deadline = time.monotonic() + 10
        while any(tmp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(p.name for p in tmp.iterdir()) == []
    finally:
        sandbox.remove_tree(tmp)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, "Terminated"])
def test_ctrl_c_while_a_spawned_worker_confines_itself_is_an_interrupt_not_a_confinement_failure(monkeypatch,
                                                                                                 tmp_path, stop):
    """Ctrl-C reaches the child between fork and exec too, where it confines itself: that made
    grading stop with 'the grader could not confine its worker process', and advice to fix
    this machine, for an interrupt."""
    from grader.errors import Terminated

    stop = Terminated if stop == "Terminated" else stop
    monkeypatch.setenv(zygote.DISABLE_ENV, "1")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    tmp_path.chmod(0o1777)

    def interrupted(*args, **kwargs):
        raise stop()

    monkeypatch.setattr(confine, "confine", interrupted)  # runs in the child, a copy of this process
    with pytest.raises(stop):
        start_worker(WorkerSpec(_TOY, "toy", ("numpy",)))
    assert list(tmp_path.iterdir()) == [], "its scratch directory is removed"


def test_doctor_lists_every_protection_and_exits_0_when_the_mandatory_ones_work():
    from click.testing import CliRunner

    from grader.cli import main

    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    for name in sandbox.DESCRIPTIONS:
        assert f" {name}" in result.output
    assert "mandatory protections work" in result.output
    as_json = CliRunner().invoke(main, ["doctor", "--json"])
    assert as_json.exit_code == 0 and json.loads(as_json.output)["mandatory_failures"] == {}


def test_doctor_exits_1_when_a_mandatory_protection_fails(monkeypatch):
    from click.testing import CliRunner

    from grader import doctor
    from grader.cli import main

    monkeypatch.setattr(doctor, "live_check", lambda: {**{n: None for n in sandbox.MANDATORY},
                                                       "rlimits": "the address-space limit is not set"})
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1 and "FAIL rlimits" in result.output


def test_workers_run_the_grader_of_the_process_that_started_them(tmp_path):
    """A grader run from another checkout (PYTHONPATH) must not get workers from the installed
    grader, whose protocol and checks may differ: the zygote and spawned workers are booted from
    the starting process's own grader package."""
    copy = tmp_path / "checkout"
    shutil.copytree(Path(__file__).resolve().parents[1] / "grader", copy / "grader",
                    ignore=shutil.ignore_patterns("__pycache__"))
    code = textwrap.dedent("""
        import os, sys
        from grader import proxy, sandbox, zygote
        src = "import sys\\ndef where():\\n    return sys.modules['grader'].__file__\\n"
        for spawn in (False, True):
            if spawn:
                zygote.shutdown()
                os.environ[zygote.DISABLE_ENV] = "1"
            worker = proxy.Worker(sandbox.WorkerSpec(src, "m", ("numpy", "sys")))
            try:
                print(proxy.StudentModule(worker).where())
            finally:
                worker.close()
    """)
    env = {k: v for k, v in os.environ.items() if k != zygote.DISABLE_ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**env, "PYTHONPATH": str(copy)}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [str(copy / "grader" / "__init__.py")] * 2


@pytest.mark.parametrize("blob, expected", [
    ("other code, this file", "bytecode"),  # proves the worker runs what the grader compiled
    ("other code, another file", "source"),
    ("garbage", "source"),
    ("none", "source"),
])
def test_workers_run_the_graders_bytecode_only_when_it_is_for_their_file(monkeypatch, blob, expected):
    import marshal

    source = "def which():\n    return 'source'\n\ndef fails():\n    return 1 / 0\n"

    def write(src: str, module_path: Path) -> None:
        if blob == "none":
            return
        other = source.replace("'source'", "'bytecode'")
        filename = str(module_path) if blob.endswith("this file") else "/elsewhere/m.py"
        data = b"\x00junk" if blob == "garbage" else marshal.dumps(compile(other, filename, "exec"))
        module_path.with_suffix(sandbox.BYTECODE_SUFFIX).write_bytes(data)

    monkeypatch.setattr(sandbox, "_write_bytecode", write)
    worker = Worker(WorkerSpec(source, "m", ("numpy",)), call_seconds=30.0)
    try:
        student = StudentModule(worker)
        assert student.which() == expected
        with pytest.raises(Exception, match="ZeroDivisionError|division by zero") as err:
            student.fails()
        assert "line 5" in str(err.value), "errors point at the student's line either way"
    finally:
        worker.close()


def test_the_grader_leaves_compiled_code_beside_the_source_and_nothing_when_it_cannot_compile(tmp_path):
    import marshal

    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    source = "def f():\n    return 2\n"
    for spec in (sandbox.WorkerSpec(source, "good", ()),
                 sandbox.WorkerSpec(source, "good", (), tree=parse_source(source, "good.py", [])[1])):
        returned = sandbox._write_bytecode(spec, good)
        code = marshal.loads(good.with_suffix(sandbox.BYTECODE_SUFFIX).read_bytes())
        assert code.co_filename == str(good) == returned.co_filename
        assert code.co_code == returned.co_code
        namespace: dict = {}
        exec(code, namespace)
        assert namespace["f"]() == 2
    # parses, but does not compile: the worker reports it
    assert sandbox._write_bytecode(sandbox.WorkerSpec("return 1\n", "bad", ()), bad) is None
    assert not bad.with_suffix(sandbox.BYTECODE_SUFFIX).exists()


@pytest.mark.parametrize("aid", ["01_regression", "03_backprop", "06_regularization"])
def test_code_compiled_from_the_parsed_tree_has_the_lines_of_the_source(tmp_path, aid):
    # The worker runs code compiled from the import check's tree, and feedback names only the lines
    # of that code (redact.code_lines): both must be the source's own.
    module = next(p for p in (ROOT / "solutions" / aid).glob("*.py") if not p.name.startswith("test_"))
    source = module.read_text()
    tree = parse_source(source, module.name, ["numpy", "math", "scipy.special"])[1]
    code = sandbox._write_bytecode(sandbox.WorkerSpec(source, module.stem, (), tree=tree), tmp_path / module.name)
    assert code is not None
    assert redact.code_lines(source, code) == redact.code_lines(source)
    assert code == compile(source, str(tmp_path / module.name), "exec", dont_inherit=True)  # all nested code too
