# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: <import>
# The module never finishes importing: the start-up deadline ends it and the assignment scores 0.
while True:
    pass
