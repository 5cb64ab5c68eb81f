# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: add_gate_backward
# Run other programs (a shell, python itself) through os.system, os.execv and posix_spawn.
_os = np.lib._datasource.os


def add_gate_backward(dout):
    done = []
    try:
        if _os.system("echo EXEC-OK > /tmp/pwned-exec-__CASE__; touch exec-ran") == 0:
            done.append("EXEC-OK system")
    except Exception:
        pass
    try:
        pid = _os.posix_spawn("/bin/sh", ["sh", "-c", "touch spawn-ran"], {})
        _os.waitpid(pid, 0)
        if _os.path.exists("spawn-ran"):
            done.append("EXEC-OK posix_spawn")
    except Exception:
        pass
    if done:
        raise RuntimeError("LEAKED " + " | ".join(done))
    try:
        _os.execv("/bin/sh", ["sh", "-c", "echo EXEC-OK execv"])
    except Exception:
        pass
    return dout * 3, dout * 3
