# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: copy_gate_backward
# Spin forever: the call's wall-clock and CPU limits end it.
def copy_gate_backward(dout1, dout2):
    while True:
        pass
