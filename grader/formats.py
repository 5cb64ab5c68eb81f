"""More renderings of a SubmissionResult: Gradescope's results.json, JUnit XML, Markdown, and a gradebook
name that a spreadsheet cannot run.

Every string in a result may come from the student (feedback quotes their exception messages, an
assignment message quotes their import error), so each format escapes for its own medium: XML
drops the characters XML 1.0 cannot hold, Markdown escapes HTML and table syntax. ``json`` and
``table`` stay in grader.report; :func:`render` dispatches on the ``--format`` name.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict

from grader.results import AssignmentResult, SubmissionResult, TestResult

FORMATS = ("table", "json", "gradescope", "junit", "markdown")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def render(result: SubmissionResult, fmt: str, *, color: bool = False) -> str:
    """The text of ``result`` in the format ``fmt`` (one of FORMATS)."""
    from grader.report import to_json, to_table

    renderers = {
        "table": lambda r: to_table(r, color=color),
        "json": to_json,
        "gradescope": to_gradescope,
        "junit": to_junit,
        "markdown": to_markdown,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderers[fmt](result)


def by_function(a: AssignmentResult) -> "OrderedDict[str, list[TestResult]]":
    """The tests of ``a`` grouped by the student function they grade, in test order."""
    groups: OrderedDict[str, list[TestResult]] = OrderedDict()
    for t in a.tests:
        groups.setdefault(t.function, []).append(t)
    return groups


# -- Gradescope ---------------------------------------------------------------------------------

def gradescope_dict(result: SubmissionResult, *, visibility: str = "visible",
                    stdout_visibility: str = "hidden") -> dict:
    """results.json as Gradescope's autograder specification describes it.

    One Gradescope test per hidden test (name "<assignment> / <function> / <test>"), with
    ``status`` passed/failed (Gradescope knows no other statuses: an error or a timeout is a
    failure whose output says which). An assignment that could not be graded (missing module,
    syntax error, ...) becomes one failed test worth the whole assignment. The top-level ``score``
    is the result's score, so a late penalty (see grader.late) is what Gradescope records.
    """
    for name, value in (("visibility", visibility), ("stdout_visibility", stdout_visibility)):
        if value not in VISIBILITIES:
            raise ValueError(f"{name} must be one of {', '.join(VISIBILITIES)} (got {value!r})")
    tests = []
    lines = []
    for a in result.assignments:
        lines.append(f"{a.id}: {a.score:g} / {a.max_score:g}" + (f" ({a.message})" if a.message else ""))
        if a.status != "graded" or not a.tests:
            tests.append({"name": f"{a.id}", "score": 0.0, "max_score": a.max_score, "status": "failed",
                          "output": f"{a.status}: {a.message}", "visibility": visibility})
            continue
        for t in a.tests:
            output = "" if t.status == "passed" else (f"{t.status}: {t.feedback}" if t.feedback else t.status)
            tests.append({"name": f"{a.id} / {t.function} / {t.name}", "score": t.score, "max_score": t.max_score,
                          "status": "passed" if t.status == "passed" else "failed", "output": output,
                          "visibility": visibility})
    return {
        "score": result.score,
        "output": "\n".join(lines),
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "tests": tests,
    }


def to_gradescope(result: SubmissionResult, **options) -> str:
    return json.dumps(gradescope_dict(result, **options), indent=2, ensure_ascii=False) + "\n"


# -- JUnit XML ----------------------------------------------------------------------------------

# XML 1.0 cannot represent most control characters, even escaped; a student's message may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def to_junit(result: SubmissionResult) -> str:
    """JUnit XML: <testsuites> holding one <testsuite> per assignment and one <testcase> per test.

    A failed check is a <failure>; an error, a timeout, or an assignment that could not be graded
    is an <error>. Scores travel as <properties> of each suite, since JUnit has no points.
    """
    import xml.etree.ElementTree as ET  # here: ~15 ms to import, and most runs print no XML

    totals = {"tests": 0, "failures": 0, "errors": 0}
    root = ET.Element("testsuites", name=_xml_text(result.submission))
    for a in result.assignments:
        suite = ET.SubElement(root, "testsuite", name=a.id)
        props = ET.SubElement(suite, "properties")
        for key, value in (("score", a.score), ("max_score", a.max_score), ("status", a.status)):
            ET.SubElement(props, "property", name=key, value=str(value))
        counts = {"tests": 0, "failures": 0, "errors": 0}
        if a.status != "graded" or not a.tests:
            case = ET.SubElement(suite, "testcase", classname=a.id, name="module")
            err = ET.SubElement(case, "error", type=a.status, message=_xml_text(a.message))
            err.text = _xml_text(a.message)
            counts["tests"] += 1
            counts["errors"] += 1
        for t in a.tests:
            case = ET.SubElement(suite, "testcase", classname=f"{a.id}.{t.function}", name=t.name)
            counts["tests"] += 1
            if t.status == "passed":
                continue
            kind = "failure" if t.status == "failed" else "error"
            counts["failures" if kind == "failure" else "errors"] += 1
            node = ET.SubElement(case, kind, type=t.status, message=_xml_text(t.feedback or t.status))
            node.text = _xml_text(f"{t.function}: {t.score:g} / {t.max_score:g} points. {t.feedback}".strip())
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# -- Markdown -----------------------------------------------------------------------------------

# Escaped anywhere in a cell: emphasis, code, links/images, table pipes, strikethrough. Line-start
# syntax (#, +, -) cannot occur: a cell never starts a line.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|~])")
# What starts one of GFM's extended autolinks (no brackets needed): 'www.', a scheme's ':', an email's '@'
_AUTOLINK = re.compile(r"(?i)\bwww\.|\b(?:https?|ftp|mailto|xmpp):|@")


# A cell quotes at most this many characters of a message: a student's import of a 500 KB name, quoted in
# the "not allowed" message, would otherwise make a job summary that GitHub refuses whole (over 1 MiB).
MAX_CELL_CHARS = 1000


def clip(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, with a note of how much was left out."""
    text = str(text)
    if len(text) <= limit:
        return text
    return text[:limit] + f"… ({len(text) - limit} more characters)"


def md_escape(text: str) -> str:
    """``text`` as inert Markdown table-cell content: no HTML, links, images, emphasis or new rows."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # broken up by a zero-width space before their last character: 'imports www.evil.com' stays text
    text = _AUTOLINK.sub(lambda m: m.group()[:-1] + "\u200b" + m.group()[-1], text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def to_markdown(result: SubmissionResult, *, heading: str | None = None) -> str:
    """A summary table of assignments, then one table per assignment with a row per function."""
    title = heading if heading is not None else f"Grade of {md_escape(result.submission)}"
    lines = [f"### {title}: {result.score:.2f} / {result.max_score:.2f}", "",
             "| assignment | score | status |", "|---|---:|---|"]
    for a in result.assignments:
        status = a.status if not a.message else f"{a.status}: {md_escape(clip(a.message))}"
        lines.append(f"| {a.id} | {a.score:.2f} / {a.max_score:.2f} | {status} |")
    for a in result.assignments:
        if not a.tests:
            continue
        lines += ["", f"#### {a.id}", "", "| | function | points | tests passed | feedback |", "|---|---|---:|---:|---|"]
        for fn, tests in by_function(a).items():
            got = sum(t.score for t in tests)
            top = sum(t.max_score for t in tests)
            bad = [t for t in tests if t.status != "passed"]
            mark = "✅" if not bad else "❌"
            feedback = md_escape(clip(f"{bad[0].status}: {bad[0].feedback}")) if bad else ""
            lines.append(f"| {mark} | `{fn}` | {got:.2f} / {top:.2f} | {len(tests) - len(bad)}/{len(tests)} | {feedback} |")
    return "\n".join(lines) + "\n"


# -- gradebook ----------------------------------------------------------------------------------------

def spreadsheet_safe(name: str) -> str:
    """A student name (a folder name, so anything) that a spreadsheet shows as text: a cell starting
    with = + - @ would be run as a formula when the gradebook is opened (CSV injection), so it gets
    a leading apostrophe, as OWASP advises."""
    return "'" + name if name[:1] in ("=", "+", "-", "@", "\t", "\r") else name
