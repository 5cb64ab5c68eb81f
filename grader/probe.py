"""What confinement this machine offers: every protection of grader.confine tried once.

:func:`probe` runs in a throw-away child (forked by the single-threaded zygote, or in a separate
interpreter for spawned workers: ``python -I -m grader.probe``) and applies the protections in
their order, recording each that fails and why. The resulting :class:`~grader.confine.Plan` is
what every worker then gets, and what the report shows.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from grader import seccomp
from grader.confine import (DEDICATED_UID_BASE, NOBODY, Plan, count_user_tasks, drop_user, landlock,
                            landlock_abi, limit_capabilities, new_network_namespace, new_session, no_new_privs,
                            set_rlimits, worker_rules, worker_uid)


def probe(*, spawn: bool, netns: str | None = None, netns_reason: str = "") -> Plan:
    """Try every protection once in a throw-away child and return the plan of what works here.

    ``spawn``: probe for spawned workers (the network namespace is then tried too); otherwise
    for the zygote's children, whose namespace the zygote made (``netns``) or could not make
    (``netns_reason``). Must be called from a single-threaded process (it forks).
    """
    scratch = tempfile.mkdtemp(prefix="grader-probe-")
    os.mkdir(os.path.join(scratch, "src"))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            try:
                out = _probe_steps(scratch, spawn, netns, netns_reason)
            except BaseException as err:  # noqa: B036 - anything here must reach the parent
                out = {"unavailable": {"probe": f"{type(err).__name__}: {err}"}}
            os.write(w, json.dumps(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        return Plan(**json.loads(b"".join(chunks)))
    except (ValueError, TypeError) as err:
        return Plan(unavailable={"probe": f"the probe failed: {err}"})


def _reason(err: BaseException) -> str:
    return str(err) if isinstance(err, OSError) and err.strerror else f"{type(err).__name__}: {err}"


def _needed_files(spawn: bool) -> list[str]:
    import grader

    files = [os.__file__, str(Path(grader.__file__)), str(Path(os.__file__).parent / "json" / "__init__.py")]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        files.append(numpy.__file__)
    if spawn:
        files.append(os.path.realpath(sys.executable))
    return files


def _try_uid(uid: int, spawn: bool) -> tuple[int, str]:
    """(0, "") when ``uid`` can be taken and read the Python installation; (1, why) when it cannot
    be taken; (2, path) when it can be taken but cannot read ``path``."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code, text = 0, ""
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        except OSError as err:
            code, text = 1, _reason(err)
        else:
            for path in _needed_files(spawn):
                try:
                    os.close(os.open(path, os.O_RDONLY))
                except OSError:
                    code, text = 2, path
                    break
        os.write(w, text.encode()[:4000])
        os._exit(code)
    os.close(w)
    text = os.read(r, 4096).decode(errors="replace")
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return os.WEXITSTATUS(status), text


def _probe_steps(scratch: str, spawn: bool, netns: str | None, netns_reason: str) -> dict:
    plan = Plan()
    un = plan.unavailable
    new_session()
    if spawn:
        plan.netns, why = try_network_namespace(spawn=True)
        if plan.netns is None:
            un["network-namespace"] = why
        else:
            new_network_namespace()
    else:
        plan.netns = netns
        if netns is None:
            un["network-namespace"] = netns_reason or "not attempted"
    try:
        plan.landlock_abi = landlock_abi()
    except OSError as err:
        why = ("this kernel has no Landlock (ENOSYS)" if err.errno == errno.ENOSYS else
               "Landlock is built in but not enabled at boot (EOPNOTSUPP)" if err.errno == errno.EOPNOTSUPP
               else _reason(err))
        for name in ("landlock-filesystem", "landlock-network", "landlock-scopes"):
            un[name] = why
    else:
        if plan.landlock_abi < 4:
            un["landlock-network"] = f"Landlock ABI {plan.landlock_abi} < 4 (Linux < 6.7)"
        if plan.landlock_abi < 6:
            un["landlock-scopes"] = f"Landlock ABI {plan.landlock_abi} < 6 (Linux < 6.12)"
    set_rlimits(1024, None)
    if os.geteuid() == 0:
        _choose_uid(plan, spawn)
    else:
        un["unprivileged-user"] = (f"the grader runs as uid {os.geteuid()}, not root: workers run under "
                                   "the grader's uid")
        plan.nproc_base = count_user_tasks(os.getuid())
    if plan.uid is None and os.geteuid() == 0:
        un["process-limit"] = "RLIMIT_NPROC does not bind root, and workers could not drop root"
    if plan.uid is None:
        _choose_capabilities(plan, spawn)
    ids = worker_uid(plan, os.getpid())
    if ids is not None:
        os.chown(scratch, *ids)
        drop_user(*ids, keep_read_search=plan.keep_read_search)
    limit_capabilities(plan.keep_read_search)
    no_new_privs()
    if plan.landlock_abi:
        try:
            landlock(plan.landlock_abi, worker_rules(scratch, spawn=spawn))
            _verify_landlock(scratch)
        except OSError as err:
            for name in ("landlock-filesystem", "landlock-network", "landlock-scopes"):
                un.setdefault(name, f"Landlock ABI {plan.landlock_abi} is reported but failed: {_reason(err)}")
            plan.landlock_abi = 0
    try:
        seccomp.install(seccomp.program(os.getpid(), block_exec=not spawn))
        _verify_seccomp()
        plan.seccomp = True
    except OSError as err:
        un["seccomp-filter"] = _reason(err)
    return plan.to_json()


def _choose_uid(plan: Plan, spawn: bool) -> None:
    """A dedicated uid range if the kernel maps it, else nobody; keep CAP_DAC_READ_SEARCH only
    when the Python installation is unreadable to them and Landlock can confine reading."""
    tried = []
    top = DEDICATED_UID_BASE + _pid_max()
    for uid, dedicated in ((DEDICATED_UID_BASE, True), (NOBODY, False)):
        code, text = _try_uid(top if dedicated else uid, spawn)
        if code == 0 or code == 2:
            code, text = _try_uid(uid, spawn)
        if code == 1:
            tried.append(f"uid {uid}: {text}")
            continue
        if code == 2 and not plan.landlock_abi:
            plan.unavailable["unprivileged-user"] = (
                f"{text} is not readable by an unprivileged user (e.g. Python installed under /root), and "
                "without Landlock the capability that would allow it cannot be confined; install Python "
                "and the venv where other users can read them")
            return
        plan.uid, plan.dedicated_uids, plan.keep_read_search = uid, dedicated, code == 2
        if code == 2:
            plan.notes["unprivileged-user"] = (f"{text} is not readable by other users, so workers keep "
                                               "CAP_DAC_READ_SEARCH; Landlock limits what they can read")
        if not dedicated:
            plan.notes["process-limit"] = "all workers share uid nobody (the dedicated range is not mapped)"
        return
    plan.unavailable["unprivileged-user"] = "cannot switch to an unprivileged uid: " + "; ".join(tried)


def _pid_max() -> int:
    try:
        with open("/proc/sys/kernel/pid_max") as fh:
            return int(fh.read())
    except (OSError, ValueError):
        return 1 << 22


def try_network_namespace(*, spawn: bool) -> tuple[str | None, str]:
    """(how, "") if a network namespace can be made here and Python stays readable inside it, else
    (None, why). Tried in a throw-away child: a user namespace cannot be left again, and inside
    one, capabilities held outside it (CAP_DAC_READ_SEARCH, see probe) no longer count."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code, text = 0, ""
        try:
            text = new_network_namespace()
            for path in _needed_files(spawn):
                try:
                    os.close(os.open(path, os.O_RDONLY))
                except OSError:
                    code, text = 2, f"inside a new user namespace {path} is no longer readable"
                    break
        except OSError as err:
            code, text = 1, _reason(err)
        os.write(w, text.encode()[:4000])
        os._exit(code)
    os.close(w)
    text = os.read(r, 4096).decode(errors="replace")
    os.close(r)
    code = os.WEXITSTATUS(os.waitpid(pid, 0)[1])
    return (text, "") if code == 0 else (None, text or f"the attempt failed (status {code})")


def _choose_capabilities(plan: Plan, spawn: bool) -> None:
    """Workers keeping our uid drop every capability, unless that leaves Python unreadable."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            limit_capabilities(False)
            for path in _needed_files(spawn):
                os.close(os.open(path, os.O_RDONLY))
        except OSError as err:
            os.write(w, (err.filename or str(err)).encode()[:4000])
            code = 2
        os._exit(code)
    os.close(w)
    text = os.read(r, 4096).decode(errors="replace")
    os.close(r)
    if os.WEXITSTATUS(os.waitpid(pid, 0)[1]) == 2:
        plan.keep_read_search = True
        plan.notes["capabilities"] = (f"{text} is unreadable without CAP_DAC_READ_SEARCH, so workers keep it"
                                      + ("; Landlock limits what they can read" if plan.landlock_abi else
                                         " and, without Landlock, can read any file"))


def _verify_landlock(scratch: str) -> None:
    probe_file = os.path.join(scratch, "probe")
    with open(probe_file, "w") as fh:
        fh.write("ok")
    os.unlink(probe_file)
    with open(os.__file__, "rb") as fh:
        fh.read(1)
    try:
        os.listdir("/")
    except PermissionError:
        return
    raise OSError(errno.EINVAL, "the filesystem root is still readable after landlock_restrict_self")


def _verify_seccomp() -> None:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return
    raise OSError(errno.EINVAL, "socket() still works after installing the filter")


if __name__ == "__main__":  # the spawn fallback's probe
    print(json.dumps(probe(spawn=True).to_json()))
