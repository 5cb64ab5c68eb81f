# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: add_gate_backward
# Crash the interpreter with a NULL read through ctypes (already imported by numpy).
def add_gate_backward(dout):
    ctypes = np.lib._datasource.os.sys.modules["ctypes"]
    ctypes.string_at(0)
