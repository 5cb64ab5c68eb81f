# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: relative_error
# Allocate far more than the address-space limit.
def relative_error(a, b):
    hog = [np.ones((1 << 27,)) for _ in range(64)]
    return 0.0 * len(hog)
