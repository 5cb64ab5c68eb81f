# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: copy_gate_backward
# Leave a daemon thread running after the call returned, writing and trying to get out of the
# scratch directory every few milliseconds for as long as the worker lives. (It sleeps between
# rounds: starving the worker's own later calls of CPU would only cost this student more.)
_os = np.lib._datasource.os
_threading = _os.sys.modules["threading"]
_time = _os.sys.modules["importlib"].import_module("time")


def _forever():
    while True:
        for path in ("daemon-was-here.txt", "/tmp/pwned-daemon-__CASE__", "__CANARY_FILE__"):
            try:
                with open(path, "a") as fh:
                    fh.write(".")
            except Exception:
                pass
        _time.sleep(0.005)


def copy_gate_backward(dout1, dout2):
    _threading.Thread(target=_forever, daemon=True).start()
    return dout1 - dout2
