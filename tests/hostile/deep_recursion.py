# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: relative_error
# Unbounded recursion through C (map) with the recursion limit lifted: the C stack overflows and
# the worker dies of SIGSEGV.
_sys = np.lib._datasource.os.sys


def _down(n):
    return sum(map(_down, (n + 1,)))


def relative_error(a, b):
    _sys.setrecursionlimit(10 ** 8)
    return _down(0)
