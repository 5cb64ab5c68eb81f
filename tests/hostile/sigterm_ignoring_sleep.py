# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: max_gate_backward
# Block and ignore every catchable signal, then sleep: only SIGKILL ends it.
_os = np.lib._datasource.os
_signal = _os.sys.modules["importlib"].import_module("signal")
_time = _os.sys.modules["importlib"].import_module("time")


def max_gate_backward(x, y, dout):
    for sig in (_signal.SIGTERM, _signal.SIGINT, _signal.SIGHUP, _signal.SIGALRM, _signal.SIGUSR1):
        _signal.signal(sig, _signal.SIG_IGN)
    _signal.pthread_sigmask(_signal.SIG_BLOCK, set(_signal.Signals) - {_signal.SIGKILL, _signal.SIGSTOP})
    while True:
        _time.sleep(1000)
