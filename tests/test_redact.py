"""grader.redact: the common errors of a first deep-learning course keep a helpful phrase."""

import math

import numpy as np
import pytest

from grader import redact


def _message(fn) -> str:
    try:
        fn()
    except Exception as err:  # noqa: BLE001
        return str(err)
    raise AssertionError("expected an error")


def _tuple_of_three():
    a, b = (1, 2, 3)
    return a, b


def _unpack_none():
    a, b = None
    return a, b


def _assign_into_smaller():
    a = np.zeros(2)
    a[:] = np.ones(3)


def _takes_one(x):
    return x


# The messages come from this NumPy and this Python, so a change of wording fails here first.
CASES = [
    (lambda: np.ones((4, 3)) + np.ones(4), "operands could not be broadcast together"),
    (lambda: np.ones((4, 3)) @ np.ones((4, 3)), "matmul: the inner dimensions"),
    (lambda: np.dot(np.ones((2, 3)), np.ones((4, 5))), "np.dot: shapes not aligned"),
    (lambda: np.ones(12).reshape(5), "cannot reshape"),
    (_assign_into_smaller, "could not assign an array"),
    (lambda: np.zeros(3)[5], "an index is out of bounds"),
    (lambda: np.zeros(3)[1, 2], "too many indices"),
    (lambda: np.sum(np.zeros((2, 2)), axis=2), "an axis is out of bounds"),
    (lambda: 1.0 / 0, "division by zero"),
    (lambda: 1.0 // 0, "division by zero"),
    (lambda: math.log(-1.0), "math domain error"),
    (lambda: math.exp(1000.0), "out of range"),
    (lambda: np.linalg.inv(np.zeros((2, 2))), "singular matrix"),
    (lambda: _takes_one(None)[0], "None was used as a value"),
    (_unpack_none, "None was unpacked"),
    (_tuple_of_three, "a tuple of the wrong length"),
    (lambda: _takes_one(None) - 1.0, "an arithmetic operation on unsupported types"),
    (lambda: _takes_one(1, 2), "a function was called with arguments it does not take"),
    (lambda: _takes_one(1, y=2), "a function was called with arguments it does not take"),
    (lambda: math.tanh(np.ones((2, 3))[0]), "an array was given where one number is expected"),
    (lambda: math.exp(np.ones((2, 3, 4))[1, 2]), "an array was given where one number is expected"),
    (lambda: float(np.ones(3)), "an array was given where one number is expected"),
]


@pytest.mark.parametrize("fn, phrase", CASES)
def test_common_errors_keep_a_fixed_phrase(fn, phrase):
    shown = redact.hint(_message(fn))
    assert shown is not None and phrase in shown


def test_anything_else_is_withheld_and_classes_fall_back_to_builtins():
    for message in ("0.123456", "KeyError: 'bcdefg'", "operands could", "index abc is out of bounds"):
        assert redact.hint(message) is None
    assert redact.error_class(["Leak_bcdefg", "ValueError", "Exception", "BaseException", "object"]) == "ValueError"
    assert redact.error_class(["LinAlgError", "ValueError"]) == "LinAlgError"
    assert redact.error_class(["made_up"]) == "Exception"
    lines = range(1, 20)
    assert redact.place("line 12, in forward", {"forward"}, lines) == "line 12, in forward"
    assert redact.place("line 12, in f_bcdefg", {"forward"}, lines) == "line 12"
    assert redact.place("somewhere else", {"forward"}, lines) == ""
    assert redact.place("line 123456, in forward", {"forward"}, lines) == ""  # no such line: made up


def test_the_lines_feedback_may_name_are_those_holding_the_modules_code():
    source = ("import numpy as np\n\n# a comment\n\ndef forward(x,\n            W):\n    y = np.dot(x,\n"
              "               W.T)\n\n    return y\n\n\n\n")
    assert redact.code_lines(source) == {1, 5, 7, 8, 10}
    assert redact.code_lines("def f(:\n    pass\n\n") == range(1, 5)  # no code: a syntax error's line is any


def test_only_numpys_floating_point_warnings_keep_their_text():
    functions = {"sigmoid"}
    lines = range(1, 10)
    assert redact.warning_text("RuntimeWarning", "overflow encountered in exp", "line 3, in sigmoid", functions,
                               lines) == "RuntimeWarning: overflow encountered in exp (line 3, in sigmoid)"
    assert redact.warning_text("RuntimeWarning", "overflow encountered in exp", "line 123456", functions,
                               lines) == "RuntimeWarning: overflow encountered in exp"
    assert redact.warning_text("RuntimeWarning", "divide by zero encountered in scalar divide", "", functions,
                               lines) == "RuntimeWarning: divide by zero encountered in scalar divide"
    for category, message in (("RuntimeWarning", "overflow encountered in bcdefg"), ("W_bcdefg", "x"),
                              ("UserWarning", "0.123456")):
        text = redact.warning_text(category, message, "", functions, lines)
        assert "bcdefg" not in text and "0.12" not in text and redact.WITHHELD in text


def test_the_grading_modules_load_none_of_numpys_lazy_submodules():
    """dir(np) with getattr once imported numpy.f2py, numpy.testing and more (0.13 s of start-up)."""
    import subprocess
    import sys

    code = ("import sys, grader.cli, grader.runner, grader.batch, grader.proxy, grader.redact\n"
            "print(sorted(m for m in ('numpy.f2py', 'numpy.testing', 'numpy.ma', 'numpy.polynomial') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
