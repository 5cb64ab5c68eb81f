"""What of a student's exception or warning may reach feedback on hidden inputs.

Everything the worker reports about an error is chosen by student code: the message
(``raise ValueError(repr(X))``, or a crafted ``KeyError`` or reshape), the class name (a class made
by ``type(...)`` at run time), even the function name in the traceback (``code.replace``). Shown
as it is, any of them would hand the hidden inputs to a student who asks for them. So feedback
keeps only what is picked from a fixed list here:

* the class: the first builtin or NumPy exception (or warning) class in the reported MRO;
* the message: a fixed phrase for each common NumPy/Python error it matches (a broadcast, a
  reshape, an index out of bounds...), else nothing, with a word saying why;
* the place: the line number when it is a line of the submitted module's compiled code (the
  grader compiles the source itself: a line made up with ``compile(..., __file__, ...)`` or
  ``code.replace`` is dropped), and the function's name when it is one the module defined when
  it was imported (before any hidden input existed).

A student choosing which line fails, or which listed error occurs, still passes some bits per
test, as passing or failing does: log2 of the number of lines holding code (about 8 bits for a
300-line module, at most 17 for the largest module accepted, 512 KiB of one-statement lines).
Public tests (``grader check``) run the student's own code on public inputs in plain pytest and
show everything.
"""

from __future__ import annotations

import builtins
import functools
import re
import types

import numpy as np

WITHHELD = "its message is not shown, as it could carry the hidden inputs"

_SAFE_CLASSES = frozenset(
    [name for name, obj in vars(builtins).items() if isinstance(obj, type) and issubclass(obj, BaseException)]
    + ["LinAlgError", "AxisError", "ComplexWarning", "RankWarning", "DTypePromotionError", "VisibleDeprecationWarning",
       "TooHardError"]
    # errors the worker itself reports under these names
    + ["ReturnValueError", "CodecError", "GlobalRandomUsed"])

# (pattern on the student's message, the phrase shown instead). Patterns match NumPy 1.x/2.x and
# CPython wording; the phrase never repeats anything of the message.
_HINTS = [  # compiled on first use (most gradings never need them: ~2 ms of start-up)
    (r"^operands could not be broadcast together", "operands could not be broadcast together (their shapes differ)"),
    (r"^matmul: Input operand \d+ has a mismatch in its core dimension",
     "matmul: the inner dimensions of the two operands differ"),
    (r"^shapes \([\d, ]*\) and \([\d, ]*\) not aligned", "np.dot: shapes not aligned (the inner dimensions differ)"),
    (r"^cannot reshape array of size \d+ into shape", "cannot reshape: the number of entries differs"),
    (r"^could not broadcast input array from shape", "could not assign an array into a place of another shape"),
    (r"^non-broadcastable output operand", "an output operand of the wrong shape"),
    (r"^index -?\d+ is out of bounds for axis \d+", "an index is out of bounds"),
    (r"^too many indices for array", "too many indices for the array's dimensions"),
    (r"^axis -?\d+ is out of bounds for array of dimension", "an axis is out of bounds for the array's dimensions"),
    (r"^(float |integer )?(floor )?(division|modulo) by zero$", "division by zero"),
    (r"^math domain error$", "math domain error"),
    (r"^(math range error|\(34, 'Numerical result out of range'\))$", "a number out of range (overflow)"),
    (r"^Singular matrix$", "singular matrix"),
    (r"^'NoneType' object is not (subscriptable|iterable|callable)$",
     "None was used as a value (does a function return None?)"),
    (r"^cannot unpack non-iterable NoneType object$", "None was unpacked (does a function return None?)"),
    # a value of the wrong kind where the test (or the student's code) expected an array or a number
    (r"^'\w+' object has no attribute '\w+'$",
     "an attribute was used on a value that lacks it (None, a list or a tuple where an array is expected?)"),
    (r"^'\w+' object is not subscriptable$", "a value that cannot be indexed was indexed (a number where an array "
                                             "is expected?)"),
    (r"^object of type '\w+' has no len\(\)$", "len() of a value that has none (a number where an array is expected?)"),
    (r"^could not convert string to float", "a string where a number is expected"),
    (r"^(not enough|too many) values to unpack", "a tuple of the wrong length was unpacked"),
    (r"^unsupported operand type\(s\) for ", "an arithmetic operation on unsupported types"),
    (r"^setting an array element with a sequence", "setting an array element with a sequence"),
    # math.exp / math.tanh / float() given an array: the classic first attempt with scalar functions, and
    # loops indexing fewer axes than the input has (x[i, j] of a 3-D x is a row, not a number)
    (r"^only (0-dimensional|length-1|size-1) arrays can be converted to Python scalars",
     "an array was given where one number is expected (math.exp, math.tanh, float() take a single number: "
     "use np.exp, np.tanh on arrays, or index every axis of the input)"),
    (r"^(importing '[\w.]+' is not allowed in this course|relative imports are not allowed)",
     "it imports a module this course does not allow"),
    (r"^the returned value cannot be graded", "the returned value cannot be graded (return arrays, numbers, "
                                              "strings, lists, tuples or dicts of them)"),
    (r"^\w+\(\) (missing \d+ required|got an unexpected keyword argument|takes \d+ positional|"
     r"got multiple values for argument)", "a function was called with arguments it does not take"),
]
_WHERE = r"^line (\d{1,7})(?:, in ([A-Za-z_][A-Za-z0-9_]{0,99}))?$"
# numpy's namespace as loaded: dir() and getattr() would import its lazy submodules (f2py, testing...)
_UFUNCS = frozenset(name for name, obj in vars(np).items() if isinstance(obj, np.ufunc))
_SCALAR_OPS = frozenset(["add", "subtract", "multiply", "divide", "power", "negative", "absolute", "remainder",
                         "floor_divide", "divmod", "square", "reciprocal", "matmul"])
_FP_WARNING = r"^(overflow|underflow|divide by zero|invalid value) encountered in (scalar )?([a-z_0-9]+)$"


def error_class(mro: list[str]) -> str:
    """The first builtin or NumPy exception class the student's exception derives from."""
    return next((m for m in mro if m in _SAFE_CLASSES), "Exception")


@functools.cache
def _hints() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(pattern), phrase) for pattern, phrase in _HINTS]


def hint(message: str) -> str | None:
    """A fixed phrase for a common error the message reports, or None."""
    return next((phrase for pattern, phrase in _hints() if pattern.search(message)), None)


def code_lines(source: str, code: types.CodeType | None = None) -> frozenset[int] | range:
    """The lines a traceback through the module compiled from ``source`` can name: those its
    instructions are on (every line, when it does not compile: then no student code ran).
    ``code``, when given, is that module's code, already compiled."""
    try:
        todo = [code or compile(source, "<submission>", "exec", dont_inherit=True)]
    except Exception:  # noqa: BLE001 - SyntaxError, ValueError (null bytes), RecursionError...
        return range(1, source.count("\n") + 2)
    lines: set[int] = set()
    while todo:
        code = todo.pop()
        lines.update(line for _, _, line in code.co_lines() if line)
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return frozenset(lines)


def place(where: str, functions: frozenset[str] | set[str], lines: frozenset[int] | range) -> str:
    """'line 12, in affine_forward' kept when it has that form, line 12 is in ``lines`` (see
    :func:`code_lines`) and the function is the module's."""
    m = re.match(_WHERE, where)  # (re caches the compiled pattern)
    if m is None or int(m[1]) not in lines:
        return ""
    return f"line {m[1]}, in {m[2]}" if m[2] and m[2] in functions else f"line {m[1]}"


def warning_text(category: str, message: str, where: str, functions: frozenset[str] | set[str],
                 lines: frozenset[int] | range) -> str:
    """E.g. 'RuntimeWarning: overflow encountered in exp (line 12)': NumPy's floating-point
    warnings name an operation from a fixed list, never a value; other messages are withheld."""
    m = re.match(_FP_WARNING, message)
    known = m is not None and (m[3] in _SCALAR_OPS if m[2] else m[3] in _UFUNCS)
    text = f"{category if category in _SAFE_CLASSES else 'Warning'}: {message if known else WITHHELD}"
    spot = place(where, functions, lines)
    return f"{text} ({spot})" if spot else text
