"""What every output format shares: the review's context, which issues to report, fingerprints,
and how an issue's parts are put into words.

Reported issues: findings and recommendations become results/diagnostics/comments in every
machine format; observations (praise, descriptions, requests for context) are never reported as
problems. They appear only in the markdown summary, collapsed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service import __version__
from service.analysis.model import Analysis, Issue, Kind, LineRange
from service.formats.policy import Decision
from service.text import CONTROL_CHARACTER

TOOL_NAME = "review-analyzer"
TOOL_VERSION = __version__
FINGERPRINT_KEY = "reviewIssue/v1"
# How much of an issue's text an inline review comment (GitHub, Gerrit) carries.
COMMENT_TEXT_CHARS = 4000

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_CWE_NUMBER = re.compile(r"CWE-(\d+)\Z")
_MENTION = re.compile(r"@(?=\w)")
_ZERO_WIDTH_SPACE = "\u200b"


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """What the caller says about the review: the file it is about, the commit, who wrote it."""

    path: str | None = None
    commit: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Reviewed:
    """One analysed review, its context and the policy's decision on it: what formats render."""

    analysis: Analysis
    context: ReviewContext
    decision: Decision


def reported(analysis: Analysis) -> tuple[Issue, ...]:
    """The issues that machine formats report: findings and recommendations, in order."""
    return tuple(issue for issue in analysis.issues if issue.kind is not Kind.OBSERVATION)


def findings(analysis: Analysis) -> list[Issue]:
    """The issues of kind finding, in order: what the summaries list."""
    return [issue for issue in analysis.issues if issue.kind is Kind.FINDING]


def inline_issues(reviewed: Reviewed) -> list[tuple[Issue, bool]]:
    """The reported issues that get an inline comment, each with whether it fails the policy.

    An inline comment needs a line, so only with a `path` and only issues with a line reference.
    """
    if not reviewed.context.path:
        return []
    blocking = set(reviewed.decision.blocking)
    issues = reported(reviewed.analysis)
    return [(issue, issue.index in blocking) for issue in issues if issue.lines]


def fingerprints(issues: Sequence[Issue], path: str | None) -> dict[int, str]:
    """A stable fingerprint per issue index: a hash of category, normalised text and path.

    Not of offsets or line numbers (digits are folded), so the same point made again about the
    same file after the code moved keeps its fingerprint; the n-th repeat of one point in a
    review gets its own.
    """
    seen: Counter[str] = Counter()
    result: dict[int, str] = {}
    for issue in issues:
        base = "\x1f".join(("v1", issue.category, _normalised(issue), path or ""))
        occurrence = seen[base]
        seen[base] += 1
        digest = hashlib.sha256(f"{base}\x1f{occurrence}".encode()).hexdigest()
        result[issue.index] = digest[:32]
    return result


def _normalised(issue: Issue) -> str:
    text = title_and_text(issue, " ")
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip()


def cwe_number(cwe: str) -> str | None:
    """`"CWE-89"` -> `"89"`; None for anything else."""
    match = _CWE_NUMBER.match(cwe)
    return match.group(1) if match else None


def cwe_url(cwe: str) -> str | None:
    """The MITRE page of a `CWE-<n>` id."""
    number = cwe_number(cwe)
    return f"https://cwe.mitre.org/data/definitions/{number}.html" if number else None


def bounds(line: LineRange) -> tuple[int, int]:
    """The first and last line of a range, in ascending order."""
    start, end = sorted((line.start, line.end))
    return start, end


def format_range(line: LineRange) -> str:
    """`12` or `47-48`."""
    return str(line.start) if line.start == line.end else f"{line.start}-{line.end}"


def format_lines(lines: Sequence[LineRange]) -> str:
    """`47-48, 101, 115`; empty when there are none."""
    return ", ".join(format_range(line) for line in lines)


def lines_phrase(lines: Sequence[LineRange]) -> str:
    """`line 12`, `lines 47-48`, `lines 101, 115`; empty when there are none."""
    if not lines:
        return ""
    single = len(lines) == 1 and lines[0].start == lines[0].end
    return f"{'line' if single else 'lines'} {format_lines(lines)}"


def one_line(text: str) -> str:
    """Collapse all white space (newlines included) and control characters to single spaces."""
    return _SPACE.sub(" ", CONTROL_CHARACTER.sub(" ", text)).strip()


def defuse_mentions(text: str) -> str:
    """`@name` -> `@\u200bname`: review text posted by a bot must not notify people."""
    return _MENTION.sub("@" + _ZERO_WIDTH_SPACE, text)


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def headline(issue: Issue, limit: int = 160) -> str:
    """A one-line name for an issue: its title, else the start of its text."""
    return truncate(one_line(issue.title or issue.text), limit)


def title_and_text(issue: Issue, separator: str) -> str:
    """The issue's title and text joined by `separator`; only the text when it has no title."""
    return f"{issue.title}{separator}{issue.text}" if issue.title else issue.text


def comment_text(issue: Issue) -> str:
    """The issue's text as an inline comment carries it: at most COMMENT_TEXT_CHARS."""
    return truncate(issue.text, COMMENT_TEXT_CHARS)


def category_label(issue: Issue) -> str:
    """`injection (CWE-89, CWE-564)`: the category and the issue's CWE ids, if it names any."""
    return f"{issue.category} ({', '.join(issue.cwe)})" if issue.cwe else issue.category


def describe(issue: Issue) -> str:
    """`high, injection (CWE-89)`: severity, category and CWE ids, for labels."""
    return f"{issue.severity.value}, {category_label(issue)}"


def facts(reviewed: Reviewed, escape: Callable[[str], str]) -> list[tuple[str, str]]:
    """What a summary states after the policy, as (label, text): verdict, flags, what was reviewed.

    The flags only when there are any, and what was reviewed only when the context says; that is
    the caller's text, so it goes through the format's `escape`.
    """
    analysis = reviewed.analysis
    stated = [("Verdict", analysis.verdict.value.replace("_", " "))]
    if analysis.flags:
        stated.append(("Flags", ", ".join(flag.value for flag in analysis.flags)))
    about = provenance(reviewed.context)
    if about:
        stated.append(("Reviewed", escape(about)))
    return stated


def provenance(context: ReviewContext) -> str:
    """`app/db.py at 1a2b3c, review by gpt-4o`, or empty when the context says nothing."""
    parts = []
    if context.path:
        parts.append(context.path)
    if context.commit:
        parts.append(f"at {context.commit}")
    text = " ".join(parts)
    if context.source:
        text = f"{text}, review by {context.source}" if text else f"review by {context.source}"
    return text
