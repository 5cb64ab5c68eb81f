"""Class figures for `grader grade-all --plot`: score distributions and pass rate per function."""

from __future__ import annotations

from pathlib import Path

from grader.batch import function_failures
from grader.course import Course
from grader.errors import UserError


FORMATS = ("png", "pdf", "svg")  # what savefig writes with matplotlib alone, chosen by the file's suffix


def check_plot_path(path: Path) -> None:
    """Refuse, before any grading, a file name whose suffix matplotlib will not save as."""
    if path.suffix.lower().lstrip(".") not in FORMATS:
        raise UserError(f"--plot {path}: the file name must end in {', '.join('.' + f for f in FORMATS)}")


def plot_class(results: dict[str, dict], course: Course, ids: list[str], path: Path) -> None:
    """Histogram of scores per assignment (top) and a heatmap of pass rate per function (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    fig = plt.figure(figsize=(max(8, 2.2 * len(ids)), 9), constrained_layout=True)
    grid = fig.add_gridspec(2, len(ids), height_ratios=[1, 1.6])
    for col, aid in enumerate(ids):
        ax = fig.add_subplot(grid[0, col])
        top = course.assignment(aid).max_score
        scores = [a["score"] for r in results.values() for a in r["assignments"] if a["id"] == aid]
        ax.hist(scores, bins=np.linspace(0, top, 11), color="#4C72B0", edgecolor="white")
        ax.set_title(aid, fontsize=9)
        ax.set_xlim(0, top)
        ax.set_xlabel("score")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of students: no 2.5 ticks
        if col == 0:
            ax.set_ylabel("students")
    functions = max((len(course.assignment(a).points) for a in ids), default=1)
    rates = np.full((functions, len(ids)), np.nan)
    fails, seen = function_failures(results, course)
    for col, aid in enumerate(ids):
        for row, fn in enumerate(course.assignment(aid).points):
            if seen.get((aid, fn)):
                rates[row, col] = 1 - fails[(aid, fn)] / seen[(aid, fn)]
    ax = fig.add_subplot(grid[1, :])
    im = ax.imshow(rates, aspect="auto", cmap="RdYlGn", vmin=0, vmax=1)
    ax.set_xticks(range(len(ids)), ids, fontsize=8)
    ax.set_yticks(range(functions), [f"#{i + 1}" for i in range(functions)], fontsize=7)
    for col, aid in enumerate(ids):
        for row, fn in enumerate(course.assignment(aid).points):
            rate = "" if np.isnan(rates[row, col]) else f"\n{100 * rates[row, col]:.0f}%"
            ax.text(col, row, fn + rate, ha="center", va="center", fontsize=6)
    ax.set_title("pass rate per function, of the students who submitted (all its tests passed)")
    fig.colorbar(im, ax=ax, fraction=0.03)
    fig.suptitle(f"{course.name}: {len(results)} students")
    fig.savefig(path, dpi=110)
    plt.close(fig)
