# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: relu_backward
# ndarray subclasses that lie through view(), tobytes(), __reduce__ and __array_finalize__: the
# codec copies raw bytes of a base-class view, so only honest numbers (here wrong ones) arrive.
class _Sneaky(np.ndarray):
    def view(self, *args, **kwargs):
        return np.ones(self.shape)

    def tobytes(self, *args, **kwargs):
        return np.ones(self.shape).tobytes()

    def __reduce__(self):
        return (np.lib._datasource.os.system, ("touch /tmp/pwned-subclass-__CASE__",))

    def __array_finalize__(self, obj):
        self.flag = "SECRET?"

    def __eq__(self, other):
        return True


def relu_backward(dout, cache):
    return np.zeros_like(dout).view(_Sneaky) - 7
