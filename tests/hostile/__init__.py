"""The adversarial corpus: hostile submissions and the harness that grades them.

Each ``*.py`` file here (except this one and fallback_hidden_backprop.py) is the hostile part of
one submission, appended to assignment 03's reference solution. Its header says what it attacks:

    # target: mul_gate_backward        the function that must lose its points ("<import>": the
                                       module never imports, so the assignment scores zero)
    # submission: module-symlink       optional: how the submission directory is built

Strings such as ``__COURSE_ROOT__`` are replaced by the harness (see ``PLACEHOLDERS``). A hostile
module that gets hold of anything secret raises it (``LEAKED ...``) so that a leak would show up
in the feedback; secrets are planted canaries (``SECRET-...``) and the markers ``READ-OK``,
``WRITE-OK``, ``NET-OK``, ``KILL-OK`` that hostile code adds when a forbidden operation worked.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
AID = "03_backprop"
OTHER_AID = "02_perceptron"  # graded in the same submission (and fast): it must be graded normally
IMPORT = "<import>"
MARKERS = ("READ-OK", "WRITE-OK", "NET-OK", "KILL-OK", "EXEC-OK")
PLACEHOLDERS = ("__COURSE_ROOT__", "__SUBMISSION__", "__CANARY_FILE__", "__CANARY_DIR__", "__PORT__",
                "__CASE__", "__REPO_ROOT__")


# Protections without which a case's attack is documented to work (docs/security.md): its leak,
# file and process checks are skipped where none of them is active, and the report must say so.
REQUIRES = {
    "absolute_paths": ("landlock-filesystem",),
    "dotdot_paths": ("landlock-filesystem",),
    "symlink_in_submission": ("landlock-filesystem",),
    "write_outside_scratch": ("landlock-filesystem",),
    "daemon_thread": ("landlock-filesystem",),
    "import_grader_package": ("landlock-filesystem",),
    "proc_parent_cwd": ("landlock-filesystem",),
    "env_secrets": ("landlock-filesystem", "non-dumpable"),
    "network_connect": ("seccomp-filter", "network-namespace"),
    "kill_the_grader": ("seccomp-filter", "landlock-scopes"),
    "ptrace_and_proc_mem": ("seccomp-filter", "landlock-filesystem"),
    "exec_shell": ("seccomp-filter",),
    "fork_bomb": ("subreaper-cleanup",),
}


@dataclass(frozen=True)
class Case:
    name: str
    target: str
    submission: str  # "plain" or "module-symlink"
    code: str

    @property
    def at_import(self) -> bool:
        return self.target == IMPORT


def load_corpus() -> dict[str, Case]:
    cases = {}
    for path in sorted(CORPUS_DIR.glob("*.py")):
        if path.name.startswith(("_", "fallback_")):
            continue
        text = path.read_text(encoding="utf-8")
        header = dict(re.findall(r"^# (\w+): (.+)$", text, flags=re.M))
        cases[path.stem] = Case(path.stem, header["target"].strip(), header.get("submission", "plain").strip(),
                                text)
    return cases


@dataclass
class CourseCopy:
    """A private copy of the course (so secrets can be planted) with canaries to watch."""

    root: Path
    secrets: tuple[str, ...]  # strings that must never appear in any output
    hidden_lines: tuple[str, ...]  # distinctive lines of the hidden tests
    canary_file: Path
    canary_dir: Path
    env_secret: str

    def fingerprint(self) -> dict[str, str]:
        return tree_fingerprint(self.root)


def tree_fingerprint(root: Path) -> dict[str, str]:
    """{relative path: hash of content and mode} of every file and directory under ``root``."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            digest = hashlib.sha256(f"{st.st_mode}:{st.st_mtime_ns}".encode())
            if p.is_file() and not p.is_symlink():
                digest.update(p.read_bytes())
            elif p.is_symlink():
                digest.update(os.readlink(p).encode())
            out[str(p.relative_to(root))] = digest.hexdigest()
    return out


def build_course(repo: Path, base: Path, env_var: str) -> CourseCopy:
    """Copy course.yaml and the solutions of the two assignments into ``base``, planting secrets."""
    tag = uuid.uuid4().hex[:12]
    root = base / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(repo / "course.yaml", root / "course.yaml")
    for aid in (AID, OTHER_AID):
        shutil.copytree(repo / "solutions" / aid, root / "solutions" / aid,
                        ignore=shutil.ignore_patterns("__pycache__"))
    hidden = sorted((root / "solutions" / AID).glob("test_*hidden*.py"))
    if not _loads(root, AID):  # no usable hidden tests for 03 (yet): use the corpus's stand-in
        for path in hidden:
            path.unlink()
        target = root / "solutions" / AID / "test_backprop_hidden.py"
        shutil.copy(CORPUS_DIR / "fallback_hidden_backprop.py", target)
        hidden = [target]
    secrets = []
    for i, path in enumerate([*hidden, root / "solutions" / AID / "backprop.py"]):
        secret = f"SECRET-SOLUTION-{i}-{tag}"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\n# {secret}\n")
        secrets.append(secret)
    (root / "gradebook.csv").write_text(f"student,total\nSECRET-GRADEBOOK-{tag},100\n")
    secrets.append(f"SECRET-GRADEBOOK-{tag}")
    hidden_lines = set()
    for path in hidden:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            # Code only: string literals are assertion messages, which are meant to be shown.
            if len(line) >= 30 and not line.startswith(("#", "import", "from")) and not set("'\"") & set(line):
                hidden_lines.add(line)
    canary_dir = base / "canary-dir"
    canary_dir.mkdir()
    canary_dir.chmod(0o777)  # world-writable: only the sandbox can keep the worker out
    canary_file = base / "canary.txt"
    canary_file.write_text(f"SECRET-CANARY-{tag}\n")
    canary_file.chmod(0o666)
    base.chmod(0o755)
    secrets.append(f"SECRET-CANARY-{tag}")
    env_secret = f"SECRET-ENV-{tag}"
    secrets.append(env_secret)
    return CourseCopy(root, tuple(secrets), tuple(sorted(hidden_lines)), canary_file, canary_dir, env_secret)


def _loads(root: Path, aid: str) -> bool:
    """Whether the hidden suite of ``aid`` in the course at ``root`` is complete and imports."""
    from grader.course import load_course
    from grader.runner import load_suite

    try:
        course = load_course(root / "course.yaml")
        load_suite(root, course.assignment(aid))
        return True
    except Exception:  # missing, incomplete or mid-edit: this corpus is about confinement, not 03
        return False


def submission_source(case: Case, reference: str, values: dict[str, str]) -> str:
    code = case.code
    for key, value in values.items():
        code = code.replace(key, value)
    return reference + "\n\n# ---- hostile part ----\n" + code


def make_hostile_submission(case: Case, course: CourseCopy, base: Path, reference: str, other: str,
                            values: dict[str, str]) -> Path:
    """assignments/03_backprop/backprop.py (hostile) and the other assignment (honest)."""
    sub = base
    folder = sub / "assignments" / AID
    folder.mkdir(parents=True)
    other_dir = sub / "assignments" / OTHER_AID
    other_dir.mkdir(parents=True)
    (other_dir / "perceptron.py").write_text(other, encoding="utf-8")
    if case.submission == "module-symlink":
        (folder / "backprop.py").symlink_to(course.root / "solutions" / AID / "backprop.py")
    else:
        (folder / "backprop.py").write_text(submission_source(case, reference, values), encoding="utf-8")
        # A symlink inside the submission pointing at the hidden tests (read by symlink_in_submission).
        hidden = sorted((course.root / "solutions" / AID).glob("test_*hidden*.py"))[0]
        (folder / "notes.txt").symlink_to(hidden)
    return sub


def dependents(source: str, function: str) -> set[str]:
    """Functions that may honestly lose points when ``function`` is broken: those calling it
    (directly or not), and the backward pass of every forward among them, since a backward is
    checked against its own forward's cache and numerical gradient."""
    from tests.conftest import callers_of

    hit = {function} | callers_of(source, function)
    return hit | {f.replace("_forward", "_backward") for f in hit if f.endswith("_forward")}


def processes_of(uids: set[int], roots: set[int]) -> list[str]:
    """Descriptions of live processes owned by ``uids`` or descending from ``roots``."""
    from grader import procs

    snap = procs.snapshot(with_uid=True)
    found = procs.descendants(snap, roots) | {p for p, (_, _, u) in snap.items() if u in uids}
    return [f"{p} (ppid {snap[p][0]}, uid {snap[p][2]}, state {snap[p][1]})"
            for p in sorted(found) if snap[p][1] != "Z"]
