# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: sigmoid_forward
# Return objects with __array__, __array_interface__ and __float__ hooks that would run code
# wherever they are converted: they stay in the worker as opaque handles.
def _touch(tag):
    try:
        with open(f"/tmp/pwned-{tag}-__CASE__", "w") as fh:
            fh.write("ran in " + str(np.lib._datasource.os.getpid()))
    except Exception:
        pass


class _Hooked:
    def __array__(self, dtype=None, copy=None):
        _touch("array")
        return np.full((5, 4), 0.5)

    @property
    def __array_interface__(self):
        _touch("interface")
        return np.full((5, 4), 0.5).__array_interface__

    def __float__(self):
        _touch("float")
        return 0.5

    def __len__(self):
        _touch("len")
        return 2

    def __getitem__(self, i):
        _touch("getitem")
        return np.full((5, 4), 0.5)


def sigmoid_forward(x):
    return _Hooked(), 1.0 / (1.0 + np.exp(-x))  # a correct cache: only this function loses
