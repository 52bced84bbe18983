"""`markdown`: a human summary comment (`text/markdown`) for a pull or merge request.

A headline with the policy's outcome, a list with the policy, verdict, flags and what the review
is about, a table of the findings (the severity of a finding that fails the policy is bold), and
the recommendations and observations collapsed in a `<details>` block.

The review text is untrusted: every piece of it is escaped so that it renders as the literal
text it is. HTML is entity-escaped, markdown punctuation backslash-escaped (so a `|` cannot
break the table and a backtick cannot open a code span), line breaks are collapsed and
`@mentions` are defused so a review cannot ping people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.analysis.model import Issue, Kind
from service.formats.common import (
    TOOL_NAME,
    Reviewed,
    category_label,
    defuse_mentions,
    facts,
    findings,
    format_lines,
    headline,
    lines_phrase,
    one_line,
    title_and_text,
    truncate,
)
from service.formats.policy import OUTCOME_TITLE

MEDIA_TYPE = "text/markdown; charset=utf-8"
MAX_TABLE_ROWS = 100
MAX_DETAIL_ITEMS = 50
DETAIL_CHARS = 300
BATCH_SEPARATOR = "\n---\n\n"

# Characters with a meaning in CommonMark/GFM inline syntax or tables; `<`, `>` and `&` become
# entities instead, so no HTML can get through.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]#!|~])")
# What starts a list item or a thematic break at the start of a line.
_BLOCK_START = re.compile(r"(\d{1,9})([.)])|([-+])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML = re.compile(r"[&<>]")


def escape(text: str) -> str:
    """Untrusted text -> one line of markdown that renders as exactly that text."""
    flat = one_line(text)
    flat = _HTML.sub(lambda m: _ENTITIES[m.group(0)], flat)
    flat = _PUNCTUATION.sub(r"\\\1", flat)
    return defuse_mentions(flat)


def escape_block(text: str) -> str:
    """Untrusted multi-line text -> markdown paragraphs, one per non-blank line, all escaped."""
    lines = (_escape_line_start(escape(line)) for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def _escape_line_start(line: str) -> str:
    match = _BLOCK_START.match(line)
    if match is None:
        return line
    if match.group(3):
        return "\\" + line
    return f"{match.group(1)}\\{line[match.end(1) :]}"


def render_one(reviewed: Reviewed) -> str:
    """The summary comment for one review."""
    return summary(reviewed)


def render_many(reviews: Sequence[Reviewed]) -> str:
    """The summaries of several reviews, in order, separated by rules."""
    return BATCH_SEPARATOR.join(summary(reviewed) for reviewed in reviews)


def summary(reviewed: Reviewed) -> str:
    """Headline, facts, findings table and collapsed details, ending in one newline."""
    analysis, decision = reviewed.analysis, reviewed.decision
    name = f" · {escape(analysis.id)}" if analysis.id else ""
    parts = [f"### {TOOL_NAME}{name}: {OUTCOME_TITLE[decision.outcome]}", _facts(reviewed)]
    listed = findings(analysis)
    parts.append(_table(listed, set(decision.blocking)) if listed else "No findings.")
    others = [issue for issue in analysis.issues if issue.kind is not Kind.FINDING]
    if others:
        parts.append(_details(others))
    return "\n\n".join(parts) + "\n"


def _facts(reviewed: Reviewed) -> str:
    decision = reviewed.decision
    lines = [
        f"- **Policy** `fail_on={decision.fail_on.value}`: **{decision.outcome.value}** "
        f"({escape(decision.reason)})"
    ]
    lines += [f"- **{label}:** {text}" for label, text in facts(reviewed, escape)]
    return "\n".join(lines)


def _table(listed: Sequence[Issue], blocking: set[int]) -> str:
    rows = [
        "| # | Severity | Category | Lines | Finding |",
        "|--:|---|---|---|---|",
    ]
    for issue in listed[:MAX_TABLE_ROWS]:
        severity = issue.severity.value
        if issue.index in blocking:
            severity = f"**{severity}**"
        cells = [
            str(issue.index),
            severity,
            escape(category_label(issue)),
            format_lines(issue.lines),
            escape(headline(issue)),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    hidden = len(listed) - MAX_TABLE_ROWS
    return table + (f"\n\n…and {hidden} more findings." if hidden > 0 else "")


def _details(issues: Sequence[Issue]) -> str:
    counts = _count_words(issues)
    items = [_detail(issue) for issue in issues[:MAX_DETAIL_ITEMS]]
    hidden = len(issues) - MAX_DETAIL_ITEMS
    if hidden > 0:
        items.append(f"- …and {hidden} more.")
    body = "\n".join(items)
    return f"<details>\n<summary>{counts}</summary>\n\n{body}\n\n</details>"


def _detail(issue: Issue) -> str:
    where = f" · {lines_phrase(issue.lines)}" if issue.lines else ""
    text = truncate(one_line(title_and_text(issue, ": ")), DETAIL_CHARS)
    return f"- **#{issue.index}** {issue.kind.value} · {issue.category}{where}: {escape(text)}"


def _count_words(issues: Sequence[Issue]) -> str:
    words = []
    for kind in (Kind.RECOMMENDATION, Kind.OBSERVATION):
        count = sum(1 for issue in issues if issue.kind is kind)
        if count:
            words.append(f"{count} {kind.value}{'' if count == 1 else 's'}")
    return ", ".join(words)
