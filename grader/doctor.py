"""`grader doctor`: which protections confine student code on this machine, and how to get the rest.

It starts a real worker and checks the mandatory protections on it (a separate process leading
its own process group, resource limits in place, a wall-clock limit that ends a spinning call, and
no process left after the kill); the optional ones come from the same probe the grader uses.
Exit status 0 when the mandatory ones work.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time

import click

from grader import sandbox, seccomp, zygote

_SPIN = "def spin():\n    while True:\n        pass\n\ndef pid():\n    import os\n    return os.getpid()\n"


def live_check() -> dict[str, str | None]:
    """{mandatory protection: None if verified on a real worker, else what went wrong}."""
    from grader.errors import StudentTimeout
    from grader.proxy import StudentModule, Worker

    found: dict[str, str | None] = {name: "not checked" for name in sandbox.MANDATORY}
    worker = Worker(sandbox.WorkerSpec(_SPIN, "doctor_probe", ("os",), memory_mb=512), call_seconds=0.5)
    student = StudentModule(worker)
    try:
        pid = student.pid()
        found["separate-process"] = None if pid != os.getpid() else "the worker is the grader's own process"
        proc = worker.process
        pgid = os.getpgid(proc.pid)
        found["process-group-kill"] = None if pgid == proc.pid else f"the worker's process group is {pgid}"
        with open(f"/proc/{proc.pid}/limits") as fh:
            limits = fh.read()
        want = str(512 * 1024 * 1024)
        found["rlimits"] = None if want in limits else "the address-space limit is not set"
        start = time.monotonic()
        try:
            student.spin()
            found["wall-clock-limit"] = "a spinning call returned"
        except StudentTimeout:
            took = time.monotonic() - start
            found["wall-clock-limit"] = None if took < 5 else f"the spinning call was stopped only after {took:.1f} s"
        try:
            os.kill(proc.pid, 0)
            found["process-group-kill"] = "the timed-out worker is still alive"
        except ProcessLookupError:
            pass
        except PermissionError:
            found["process-group-kill"] = "the timed-out worker is still alive (another uid)"
    except Exception as err:  # report, do not crash: this command exists to diagnose
        for name, value in found.items():
            if value == "not checked":
                found[name] = f"{type(err).__name__}: {err}"
    finally:
        worker.close()
    return found


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the protection report as JSON.")
def doctor(as_json: bool) -> None:
    """Show which protections confine student code here, and how to enable the missing ones.

    Exits 0 when the mandatory protections (separate process, resource limits, wall-clock limit,
    process-group kill) work, 1 otherwise.
    """
    report = sandbox.protection_report()
    checks = live_check()
    broken = {name: why for name, why in checks.items() if why is not None}
    if as_json:
        click.echo(json.dumps({**report, "mandatory_failures": broken}, indent=2))
        sys.exit(1 if broken else 0)
    z = zygote.get()
    plan = z.plan if z is not None and z.wait_booted() else sandbox.spawn_plan()
    abi = plan.landlock_abi
    click.echo(f"grader doctor: uid {os.geteuid()}, Linux {platform.release()} ({seccomp.MACHINE}), "
               f"Python {platform.python_version()}, Landlock ABI {abi or 'none'}")
    click.echo("")
    unavailable = {u["name"]: u["reason"] for u in report["unavailable"]}
    for name in sandbox.DESCRIPTIONS:
        mandatory = name in sandbox.MANDATORY
        tag = " (mandatory)" if mandatory else ""
        if name in broken:
            click.echo(click.style(f"  FAIL {name}{tag}: {broken[name]}", fg="red"))
        elif name in report["active"]:
            note = plan.notes.get(name)
            click.echo(f"  ok   {name}{tag}: {sandbox.DESCRIPTIONS[name]}" + (f" [{note}]" if note else ""))
        else:
            click.echo(click.style(f"  --   {name}: unavailable: {unavailable.get(name, 'unknown')}", fg="yellow"))
            if name in sandbox.REMEDIES:
                click.echo(f"         to enable: {sandbox.REMEDIES[name]}")
    click.echo("")
    if broken:
        click.echo(click.style("mandatory protections are not working: do not grade untrusted code here", fg="red"))
        sys.exit(1)
    missing = len(report["unavailable"])
    click.echo(f"mandatory protections work; {len(report['active'])} active, {missing} unavailable")
