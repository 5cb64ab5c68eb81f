# ruff: noqa: F821 - a fragment: np comes from the reference module it is appended to
# target: copy_gate_backward
# Search the worker's heap (gc.get_objects), its stack frames and sys.modules for anything of the
# grader: references, hidden tests, paths of the course, other workers.
_os = np.lib._datasource.os
_sys = _os.sys


def copy_gate_backward(dout1, dout2):
    gc = _sys.modules.get("gc") or _sys.modules["importlib"].import_module("gc")
    found = []
    with open(__file__) as fh:
        own = fh.read()  # our own source (and its constants) may of course contain the needles
    # Course-specific needles: the grader package's own docstrings (readable by the worker anyway)
    # mention "solutions/" and "gradebooks" in general, and may sit in the heap inherited from the
    # zygote; the course's real paths and files must not.
    needles = ("SECRET", "__COURSE_ROOT__/solutions", "_grader_ref_", "_grader_hidden_", "test_backprop_hidden",
               "gradebook.csv", "GRADER_CANARY")
    for obj in gc.get_objects():
        try:
            if isinstance(obj, dict):
                texts = [k for k in obj if isinstance(k, str)] + [v for v in obj.values() if isinstance(v, str)]
            elif isinstance(obj, (list, tuple)):
                texts = [v for v in obj if isinstance(v, str)]
            else:
                continue
            for t in texts:
                if any(n in t for n in needles) and t not in own:
                    found.append(f"READ-OK heap: {t[:80]}")
        except Exception:
            pass
    frame = _sys._getframe()
    while frame is not None:
        name = frame.f_code.co_filename
        if any(part in name for part in ("runner.py", "proxy.py", "checks.py", "hidden", "pytest")):
            found.append(f"READ-OK frame {name}")
        frame = frame.f_back
    for mod in list(_sys.modules):
        if mod.startswith(("_grader_ref_", "_grader_hidden_", "tests.", "grader.runner", "grader.proxy")):
            found.append(f"READ-OK module {mod}")
    if found:
        raise RuntimeError("LEAKED " + " | ".join(sorted(set(found)))[:400])
    return dout1
