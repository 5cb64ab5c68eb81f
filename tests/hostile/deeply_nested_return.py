# ruff: noqa: F821 - a fragment: it replaces a function of the reference module it is appended to
# target: relative_error
# A return value of 2 KB nested 400 tuples deep: each level is one more msgpack.unpackb on the
# grader's C stack, so without a depth limit the grader itself died of SIGSEGV (grade printed
# nothing; grade-all stopped the whole class). It must cost this function only.
def relative_error(a, b):
    value = 0.0
    for _ in range(400):
        value = (value,)
    return value
