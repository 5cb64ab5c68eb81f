"""Grading speed, measured side by side in one run on this machine.

    python benchmarks/bench_grading.py                 # (a) and (b); (c) with the default sizes
    python benchmarks/bench_grading.py --sizes 50 --jobs 1,2

(a) per assignment: `grader grade SUB -a ID` (isolated worker) against plain
    `pytest solutions/ID --submission SUB` (hidden tests in-process: the insecure floor), both as
    fresh commands, best of --repeat runs. Target: ratio <= 1.5. Then the whole 7-assignment
    submission in one `grader grade` command. Target: well under a second on 2 cores.
(b) per assignment against nbgrader's `autograde` on the equivalent notebook assignment built by
    `grader nbgrader export` (skipped, and said so, when nbgrader is not installed), three ways,
    each like for like: one student as a fresh command (`nbgrader autograde ID --student S`
    against `grader grade SUB -a ID`, interpreter start-up included on both sides), one student's
    whole submission as a fresh command (`nbgrader autograde '*' --student S` against `grader
    grade SUB`, every assignment), and a class
    of --class-size students in one command (`nbgrader autograde ID`, which grades one notebook
    at a time, against `grader grade-all DIR -a ID` with -j 1 and with one process per core),
    per student. Then what each further student of a class costs (the class's time less one
    student's, by the same command on each side: `nbgrader autograde ID --student S`, `grader
    grade-all` on a folder of one), beside the hidden tests' own work per student
    (run in-process with no isolation, `python -m benchmarks.inprocess ID`): nbgrader's kernel
    runs the same test functions, so no grader on these cores can be faster than nbgrader by more
    than nbgrader's time x cores / that work. Every timing is the best of --repeat runs, on both
    sides. Target: >= 30x.
(c) batch: `grader grade-all` on N synthetic students (references with planted bugs, plus a few
    pathological ones: a hang, a crash, a memory hog) with -j 1 and -j 2; wall time, students per
    second, and peak RSS of the whole process tree (sampled). Target: flat memory as N grows.

Only ratios measured in this run are printed; nothing is compared with stored numbers.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))  # benchmarks/ and tests/ import as packages from the root

from grader.course import load_course  # noqa: E402

PATHOLOGICAL = {
    "hang": ("relu_backward", "\ndef relu_backward(dout, cache):\n    while True:\n        pass\n"),
    "crash": ("affine_forward", "\ndef affine_forward(x, W, b):\n    np.lib._datasource.os._exit(3)\n"),
    "hog": ("relative_error", "\ndef relative_error(a, b):\n    return [np.ones(1 << 26) for _ in range(100)]\n"),
}


def timed(cmd: list[str], repeat: int, **kw) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
        best = min(best, time.perf_counter() - t)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return best


def reference_submission(base: Path, course) -> Path:
    for a in course.assignments:
        dest = base / "assignments" / a.id
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "solutions" / a.id / f"{a.module}.py", dest / f"{a.module}.py")
    return base


def part_a(course, sub: Path, repeat: int) -> None:
    print("(a) isolated grading vs the same hidden tests in-process with plain pytest (best of %d)" % repeat)
    print(f"    {'assignment':<20} {'pytest s':>9} {'grader s':>9} {'ratio':>6}")
    grader = str(BIN / "grader")
    for a in course.assignments:
        plain = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                       str(ROOT / "solutions" / a.id), "--submission", str(sub)], repeat, cwd=ROOT)
        iso = timed([grader, "--course", str(ROOT), "grade", str(sub), "-a", a.id, "--format", "json"], repeat)
        print(f"    {a.id:<20} {plain:9.3f} {iso:9.3f} {iso / plain:6.2f}")
    plain = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                   *[str(ROOT / "solutions" / a.id) for a in course.assignments], "--submission", str(sub)],
                  repeat, cwd=ROOT)
    iso = timed([grader, "--course", str(ROOT), "grade", str(sub), "--format", "json"], repeat)
    print(f"    {'all 7 assignments':<20} {plain:9.3f} {iso:9.3f} {iso / plain:6.2f}")
    print(f"    whole submission in one command: {iso:.3f} s (target: well under 1 s)")


def part_b(course, sub: Path, repeat: int, students: int) -> None:
    print("(b) against nbgrader's autograde on the equivalent notebook assignment")
    if importlib.util.find_spec("nbgrader") is None or shutil.which("nbgrader", path=str(BIN)) is None:
        print("    skipped: nbgrader is not installed in this environment (pip install nbgrader)")
        return
    from benchmarks.nbgrader_bench import autograde_seconds, whole_submission_seconds  # noqa: PLC0415

    grader = str(BIN / "grader")
    cores = os.cpu_count() or 1
    print(f"    one student: a fresh command each, best of {repeat}")
    print(f"    a class of {students} in one command (nbgrader autograde ID; grader grade-all DIR -a ID -j J), "
          f"seconds per student, best of {repeat}")
    print(f"    {'':<20} {'one student':^27} | {'a class, per student':^47}")
    print(f"    {'':<20} {'nbgrader s':>10} {'grader s':>8} {'faster':>7} | {'nbgrader s':>10} {'-j 1 s':>8} "
          f"{'faster':>7} {f'-j {cores} s':>8} {'faster':>7}")
    extra = []
    with tempfile.TemporaryDirectory() as tmp:
        klass, alone = Path(tmp) / "class", Path(tmp) / "alone"
        for k in range(students):
            shutil.copytree(sub, klass / f"student{k:03d}")
        shutil.copytree(sub, alone / "student000")

        def class_seconds(folder: Path, aid: str, jobs: int) -> float:
            return timed([grader, "--course", str(ROOT), "grade-all", str(folder), "-a", aid, "-j", str(jobs),
                          "--force", "-o", str(Path(tmp) / "gradebook.csv")], repeat)

        fastest = float("inf")
        for a in course.assignments:
            nb_one, nb_class = autograde_seconds(ROOT, a.id, repeat, students)
            fastest = min(fastest, nb_one)
            one = timed([grader, "--course", str(ROOT), "grade", str(sub), "-a", a.id, "--format", "json"], repeat)
            j1, jn = (class_seconds(klass, a.id, j) / students for j in (1, cores))
            print(f"    {a.id:<20} {nb_one:10.2f} {one:8.3f} {nb_one / one:6.1f}x | {nb_class:10.2f} {j1:8.3f} "
                  f"{nb_class / j1:6.1f}x {jn:8.3f} {nb_class / jn:6.1f}x")
            # Each further student: the class's time less a class of one's, by the same command.
            first = class_seconds(alone, a.id, 1)
            further = [(students * t - t1) / (students - 1)
                       for t, t1 in ((nb_class, nb_one), (j1, first), (jn, first))]
            work = float(subprocess.run([sys.executable, "-m", "benchmarks.inprocess", a.id], cwd=ROOT, check=True,
                                        capture_output=True, text=True).stdout)
            extra.append((a.id, *further, work))
    ids = [a.id for a in course.assignments]
    nb_whole = whole_submission_seconds(ROOT, ids, repeat)
    whole = timed([grader, "--course", str(ROOT), "grade", str(sub), "--format", "json"], repeat)
    print(f"    one student's whole submission ({len(ids)} assignments), a fresh command each side, best of {repeat}:")
    print(f"    nbgrader autograde '*' --student S {nb_whole:.2f} s; grader grade SUB {whole:.3f} s: "
          f"{nb_whole / whole:.1f}x faster")
    floor = timed([sys.executable, "-c", "import numpy"], repeat)
    print(f"    (a fresh command pays interpreter start-up and `import numpy`, {floor:.3f} s here, every time: "
          f"1/{fastest / floor:.0f} of nbgrader's fastest notebook above, before any grading)")
    if students < 2:
        return
    print(f"    each further student of a class of {students} (the class's time less one student's), and the hidden")
    print("    tests' own work per student (in-process, no isolation: python -m benchmarks.inprocess ID, best of 5);")
    print(f"    no grader running these tests on {cores} cores can beat nbgrader's further student by more than")
    print("    'at most'")
    print(f"    {'':<20} {'nbgrader s':>10} {'-j 1 s':>8} {'faster':>7} {f'-j {cores} s':>8} {'faster':>7} | "
          f"{'tests s':>8} {'at most':>8}")
    for aid, nb, g1, gn, work in extra:
        print(f"    {aid:<20} {nb:10.2f} {g1:8.3f} {_faster(nb, g1)} {gn:8.3f} {_faster(nb, gn)} | {work:8.3f} "
              f"{nb * cores / work:7.0f}x")


def _faster(theirs: float, ours: float) -> str:
    """``theirs / ours`` as '12.3x', or 'n/a' when a difference of noisy timings left nothing to divide by."""
    return f"{theirs / ours:6.1f}x" if ours > 0 else f"{'n/a':>7}"


def synth_class(base: Path, course, n: int, ids: list[str]) -> None:
    """n students: mostly references with one planted bug from the corpus, some pathological."""
    corpora = {}
    for aid in ids:
        spec = importlib.util.spec_from_file_location(f"c_{aid}", ROOT / "tests" / "corpus" / f"{aid}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        corpora[aid] = list(mod.MUTANTS.values())
    patho = list(PATHOLOGICAL.values())
    for i in range(n):
        for j, aid in enumerate(ids):
            a = course.assignment(aid)
            src = (ROOT / "solutions" / aid / f"{a.module}.py").read_text()
            if aid == "03_backprop" and i % 20 == 7:  # hang, crash, hog, ... : all three in the smallest class
                src += patho[(i // 20) % len(patho)][1]
            elif (i + j) % 3:
                muts = corpora[aid]
                src += "\n\n" + muts[(i * 7 + j) % len(muts)][1]
            dest = base / f"student{i:04d}" / "assignments" / aid
            dest.mkdir(parents=True, exist_ok=True)
            (dest / f"{a.module}.py").write_text(src)


def tree_rss(pid: int) -> int:
    """Resident memory of pid and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        stack.extend(children.get(p, []))
    return total


def part_c(course, sizes: list[int], jobs: list[int], ids: list[str]) -> None:
    print(f"(c) batch grading of synthetic classes ({', '.join(ids)}; planted bugs, a hang, a crash, a memory hog)")
    print(f"    {'students':>8} {'-j':>3} {'wall s':>8} {'students/s':>11} {'peak RSS MiB':>13}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            klass = Path(tmp) / "class"
            synth_class(klass, course, n, ids)
            for j in jobs:
                out = Path(tmp) / f"gb{j}.csv"
                cmd = [str(BIN / "grader"), "--course", str(ROOT), "grade-all", str(klass), "-j", str(j),
                       "-o", str(out), *sum((["-a", i] for i in ids), [])]
                t = time.perf_counter()
                proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                peak = [0]

                def sample() -> None:
                    while proc.poll() is None:
                        peak[0] = max(peak[0], tree_rss(proc.pid))
                        time.sleep(0.1)

                th = threading.Thread(target=sample)
                th.start()
                proc.wait()
                th.join()
                wall = time.perf_counter() - t
                if proc.returncode != 0:
                    raise SystemExit(f"grade-all failed with status {proc.returncode}")
                print(f"    {n:>8} {j:>3} {wall:8.1f} {n / wall:11.2f} {peak[0] / 2**20:13.0f}")
    cap = course.limits_for(course.assignment("03_backprop")).memory_mb
    print(f"    (each class has all three pathological students, one in 20; peak RSS is the whole process tree's,\n"
          f"    pages shared between processes counted in each, the memory hog's worker included: its address\n"
          f"    space is capped at course.yaml's memory_mb, {cap} MiB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing in (a) and (b); the best is kept")
    ap.add_argument("--sizes", default="50,200,500", help="class sizes for (c), comma separated ('' skips)")
    ap.add_argument("--jobs", default="1,2", help="grade-all -j values for (c), comma separated")
    ap.add_argument("--batch-assignments", default="03_backprop,06_regularization",
                    help="assignments of (c)'s synthetic classes, comma separated")
    ap.add_argument("--class-size", type=int, default=10,
                    help="students per assignment in (b)'s class (2 or more also prints each further student)")
    ap.add_argument("--skip", default="", help="parts to skip, e.g. 'b,c'")
    args = ap.parse_args()
    if args.repeat < 1 or args.class_size < 1:
        ap.error("--repeat and --class-size must be at least 1")
    course = load_course(ROOT / "course.yaml")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    # Time what an ordinary installation runs: bytecode compiled once. (Where PYTHONDONTWRITEBYTECODE
    # is set, as in some containers, every command would otherwise recompile the grader and the
    # course's hidden tests; pip has already compiled numpy, nbgrader and the other dependencies.)
    for folder in ("grader", "solutions", "tests"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        sub = reference_submission(Path(tmp) / "ref", course)
        if "a" not in args.skip:
            part_a(course, sub, args.repeat)
        if "b" not in args.skip:
            part_b(course, sub, args.repeat, args.class_size)
    if "c" not in args.skip and args.sizes:
        part_c(course, [int(s) for s in args.sizes.split(",")], [int(j) for j in args.jobs.split(",")],
               args.batch_assignments.split(","))


if __name__ == "__main__":
    main()
