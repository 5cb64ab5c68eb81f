# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: <import>
# submission: module-symlink
# The submitted backprop.py is a symlink to the reference in solutions/: refused before anything
# runs (and the reference's text never reaches the output). This file's code is not used.
