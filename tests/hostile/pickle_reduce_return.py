# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: numerical_gradient
# Return objects whose unpickling would run code, and a pickle payload as bytes: the grader never
# unpickles, so nothing runs (the marker file must never appear).
class _Boom:
    def __reduce__(self):
        return (np.lib._datasource.os.system, ("touch /tmp/pwned-reduce-__CASE__",))


def numerical_gradient(f, x, h=1e-5):
    payload = b"cos\nsystem\n(S'touch /tmp/pwned-pickle-__CASE__'\ntR."
    return [_Boom(), payload, {"grad": _Boom()}]
