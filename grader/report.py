"""Rendering a SubmissionResult: a terminal table and GRADER.md's JSON."""

from __future__ import annotations

import json
from collections import OrderedDict

import click

from grader.results import SubmissionResult

_STATUS_COLOUR = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow"}


def to_json(result: SubmissionResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def to_table(result: SubmissionResult, color: bool = False) -> str:
    """One line per graded function (its tests folded together), with the first failure's feedback."""
    style = click.style if color else (lambda text, **_: text)
    lines = [f"Submission: {result.submission}"]
    for a in result.assignments:
        lines.append("")
        head = f"{a.id:<22} {a.score:>7.2f} / {a.max_score:<7.2f}"
        if a.status != "graded":
            lines.append(style(f"{head} {a.status.upper()}: {a.message}", fg="red"))
            continue
        lines.append(style(head, bold=True))
        if a.message:  # why a graded score is below its tests' sum: a late penalty
            lines.append(style(f"  {a.message}", fg="yellow"))
        by_fn: OrderedDict[str, list] = OrderedDict()
        for t in a.tests:
            by_fn.setdefault(t.function, []).append(t)
        for fn, tests in by_fn.items():
            got = sum(t.score for t in tests)
            top = sum(t.max_score for t in tests)
            bad = [t for t in tests if t.status != "passed"]
            mark = style("ok  ", fg="green") if not bad else style("FAIL", fg=_STATUS_COLOUR[bad[0].status])
            line = f"  {mark} {fn:<30} {got:>6.2f} / {top:<6.2f}"
            if bad:
                line += f"  {len(tests) - len(bad)}/{len(tests)} tests passed; {bad[0].feedback}"
            lines.append(line)
    lines.append("")
    lines.append(style(f"Total: {result.score:.2f} / {result.max_score:.2f}", bold=True))
    iso = result.isolation or {}
    if iso:
        lines.append(f"Isolation: {len(iso.get('active', []))} protections active ({', '.join(iso.get('active', []))})")
        for item in iso.get("unavailable", []):
            lines.append(style(f"  NOT ACTIVE: {item.get('name')}: {item.get('reason')} (see `grader doctor`)",
                               fg="yellow"))
    return "\n".join(lines) + "\n"
