# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: numerical_gradient
# Write, create, truncate, chmod, touch and rename outside the scratch directory (the canaries are
# world-writable, so only the sandbox stands in the way).
_os = np.lib._datasource.os


def numerical_gradient(f, x, h=1e-5):
    done = []

    def attempt(what, fn):
        try:
            fn()
            done.append(f"WRITE-OK {what}")
        except Exception:
            pass

    def write(path, mode="a"):
        with open(path, mode) as fh:
            fh.write("pwned\n")

    attempt("append canary", lambda: write("__CANARY_FILE__"))
    attempt("truncate canary", lambda: _os.truncate("__CANARY_FILE__", 0))
    attempt("chmod canary", lambda: _os.chmod("__CANARY_FILE__", 0o777))
    attempt("touch canary", lambda: _os.utime("__CANARY_FILE__", (0, 0)))
    attempt("create in canary dir", lambda: write("__CANARY_DIR__/pwned.txt", "w"))
    attempt("rename canary", lambda: _os.rename("__CANARY_FILE__", "__CANARY_DIR__/moved.txt"))
    attempt("link canary and write through the link",
            lambda: (_os.link("__CANARY_FILE__", "linked-canary"), write("linked-canary")))
    attempt("tmp file", lambda: write("/tmp/pwned-write-__CASE__", "w"))
    attempt("dev shm", lambda: write("/dev/shm/pwned-write-__CASE__", "w"))
    attempt("course file", lambda: write("__COURSE_ROOT__/course.yaml"))
    attempt("course new file", lambda: write("__COURSE_ROOT__/solutions/03_backprop/pwned.py", "w"))
    attempt("submission", lambda: write("__SUBMISSION__/assignments/03_backprop/backprop.py"))
    attempt("parent of scratch", lambda: write("../pwned-write-__CASE__", "w"))
    attempt("mkdir outside", lambda: _os.mkdir("/tmp/pwned-dir-__CASE__"))
    if done:
        raise RuntimeError("LEAKED " + " | ".join(done))
    return np.zeros_like(x)
