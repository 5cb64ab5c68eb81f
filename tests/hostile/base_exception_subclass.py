# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: max_gate_backward
# A BaseException subclass whose class name claims success and whose str() raises, plus a
# GeneratorExit; neither may escape the call or reach the grader as an object.
class Passed(BaseException):
    def __str__(self):
        raise RuntimeError("no message for you")

    def __repr__(self):
        return "passed " * 100000


def max_gate_backward(x, y, dout):
    try:
        raise GeneratorExit("done")
    except GeneratorExit:
        pass
    raise Passed()
