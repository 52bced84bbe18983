"""Properties of analyze() that hold for every string, checked with hypothesis.

Whatever a stranger or an LLM sends (any Unicode category, NUL and control characters, CRLF and
lone CR, very long lines, deep nesting, markdown and JSON fragments), analyze() returns an
Analysis whose parts agree with each other and with the body: spans inside the body, ordered and
disjoint; indexes 1..n; counts that add up; bounded lists; the same answer every time.

Example counts come from the hypothesis profile (tests/conftest.py); the heavier strategies
scale theirs down from it.
"""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from service.analysis.extract import MAX_CWES, MAX_LINE_REFS, MAX_SYMBOLS
from service.analysis.model import Analysis, Flag, Kind, Verdict
from service.analysis.pipeline import MAX_ISSUES, analyze
from service.analysis.taxonomy import load_taxonomy
from service.api.schemas import dump_analysis

CWE_ID = re.compile(r"CWE-[1-9][0-9]*")
_PROFILE_EXAMPLES = settings.get_profile(settings.get_current_profile_name()).max_examples
# Heavier inputs (long lines, deep nesting) get a fraction of the profile's budget.
HEAVY = settings(max_examples=max(10, _PROFILE_EXAMPLES // 4))

# --- strategies --------------------------------------------------------------------------------

# Pieces reviews are made of, and pieces that stress the parsers: markdown block and inline
# syntax, JSON and YAML answer fragments, line references, CWE ids, severities, verdict lines,
# and awkward characters (NUL, controls, CR, zero-width, combining marks, mojibake, RTL, emoji).
FRAGMENTS = [
    "No security defects are detected in the code.",
    "No Issue",
    "The change looks secure.",
    "SQL injection in `query()`",
    "passes user input to os.system",
    "Security type: Concurrency\nDescription: race\nImpact: data loss\nAdvice: lock it\n",
    "Severity: High",
    "[CRITICAL]",
    "nit: ",
    "line 12",
    "lines 47-48",
    "lines 60, 69, and 72",
    "L12-L15",
    "#L10",
    "line 0",
    "line 99999999999",
    "CWE-78",
    "CWE-",
    "cwe.mitre.org/data/definitions/89.html",
    "1. ",
    "2) ",
    "- ",
    "* ",
    "+ ",
    "  - ",
    "> ",
    "# ",
    "### Title\n",
    "**Bold:** ",
    "__x__",
    "---\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "```",
    "```python\n",
    "```suggestion\n",
    "~~~",
    "`",
    "``",
    "<!-- comment -->",
    "<!--",
    '{"security_concerns": "',
    '{"issues": [{"title": "x", "description": "',
    '"severity": "critical"',
    '"cwe": [78, 22]',
    "[",
    "]",
    "{",
    "}",
    '"',
    "\\",
    ",",
    ":",
    "security_concerns: No\n",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\x00",
    "\x0b\x0c\x1b[31m",
    "\u200b\u200d\ufeff",
    "e\u0301\u0301\u0301",
    "Itâ€™s",
    "\u202eevil\u202c",
    "\U0001f600",
    "\u2028\u2029\x85",
    "\ufffd",
]
text_pieces = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(max_size=12),  # every Unicode category except lone surrogates
    st.characters(codec=None, categories=["Cc", "Cf", "Zl", "Zp", "Mn", "Me", "Co", "Cn"]),
)
reviews = st.lists(text_pieces, max_size=80).map("".join)
any_text = st.text(st.characters(), max_size=300)


@st.composite
def long_lines(draw: st.DrawFn) -> str:
    """One piece repeated into a very long line (or body), with an optional head and tail."""
    unit = draw(st.sampled_from(FRAGMENTS) | st.text(min_size=1, max_size=4))
    count = draw(st.integers(min_value=1_000, max_value=max(1_000, 40_000 // len(unit))))
    return draw(reviews) + unit * count + draw(reviews)


@st.composite
def deep_nesting(draw: st.DrawFn) -> str:
    """Deeply nested lists, quotes, JSON or emphasis, optionally unbalanced."""
    depth = draw(st.integers(min_value=1, max_value=400))
    leaf = draw(reviews)
    kind = draw(st.sampled_from(["list", "quote", "json", "json-object", "emphasis", "mixed"]))
    if kind == "list":
        return "".join(f"{'  ' * level}- item {level} {leaf}\n" for level in range(depth))
    if kind == "quote":
        return "> " * depth + leaf
    if kind == "json":
        closing = draw(st.integers(min_value=0, max_value=depth))
        return "[" * depth + f'"{leaf}"' + "]" * closing
    if kind == "json-object":
        return '{"issues": ' * depth + '"x"' + "}" * draw(st.integers(0, depth))
    if kind == "emphasis":
        return "*" * depth + leaf + "*" * draw(st.integers(0, depth))
    return "".join(draw(st.sampled_from(["- ", "> ", "1. ", "[", "{", "`"])) for _ in range(depth))


# --- the invariants ----------------------------------------------------------------------------


def check_invariants(body: str, analysis: Analysis) -> None:
    """Assert everything that must hold for any body."""
    issues = analysis.issues
    assert [issue.index for issue in issues] == list(range(1, len(issues) + 1))
    assert len(issues) <= MAX_ISSUES
    previous_end = 0
    for issue in issues:
        assert 0 <= issue.span.start < issue.span.end <= len(body), issue.span
        assert issue.span.start >= previous_end, "issue spans overlap or are out of order"
        previous_end = issue.span.end
        _check_issue_fields(issue.category, issue.family, issue.security)
        assert len(issue.lines) <= MAX_LINE_REFS
        assert all(1 <= line.start <= line.end for line in issue.lines)
        assert len(issue.symbols) <= MAX_SYMBOLS
        assert len(set(issue.symbols)) == len(issue.symbols)
        assert all(symbol.strip() == symbol and symbol for symbol in issue.symbols)
        assert len(issue.cwe) <= MAX_CWES
        assert len(set(issue.cwe)) == len(issue.cwe)
        assert all(CWE_ID.fullmatch(cwe) for cwe in issue.cwe)
    evidence = analysis.verdict_evidence
    assert (evidence is None) == (analysis.stated_verdict is None)
    if evidence is not None:
        assert 0 <= evidence.span.start <= evidence.span.end <= len(body)
    _check_counts(analysis)
    assert len(set(analysis.flags)) == len(analysis.flags)
    if any(i.kind is Kind.FINDING and i.security for i in issues):
        assert analysis.verdict is Verdict.DEFECTS_FOUND  # a security finding is never waved by
    if Flag.EMPTY in analysis.flags:
        assert issues == ()


def _check_issue_fields(category: str, family: str, security: bool) -> None:
    known = {c.id: c for c in load_taxonomy().categories}
    assert category in known
    assert family == known[category].family
    assert security == (family == "security")


def _check_counts(analysis: Analysis) -> None:
    issues = analysis.issues
    counts = Counter(issue.category for issue in issues)
    findings = Counter(issue.category for issue in issues if issue.kind is Kind.FINDING)
    assert {c.id: c.count for c in analysis.categories} == dict(counts)
    assert {c.id: c.findings for c in analysis.categories} == {c: findings[c] for c in counts}
    assert len({c.id for c in analysis.categories}) == len(analysis.categories)
    assert [c.count for c in analysis.categories] == sorted(
        (c.count for c in analysis.categories), reverse=True
    )
    summary = analysis.summary
    kinds = Counter(issue.kind for issue in issues)
    assert summary.findings == kinds[Kind.FINDING]
    assert summary.recommendations == kinds[Kind.RECOMMENDATION]
    assert summary.observations == kinds[Kind.OBSERVATION]
    assert summary.findings + summary.recommendations + summary.observations == len(issues)
    assert summary.security_findings == sum(
        1 for issue in issues if issue.kind is Kind.FINDING and issue.security
    )


def analyse_twice(body: str) -> Analysis:
    """Analyse `body`, check the invariants and that a second run gives the same answer."""
    first = analyze(body, "review-1")
    assert first.id == "review-1"
    check_invariants(body, first)
    second = analyze(body, "review-1")
    assert second == first
    assert dump_analysis(second) == dump_analysis(first)
    return first


# --- the properties ----------------------------------------------------------------------------


@given(any_text)
def test_any_text(body: str) -> None:
    analyse_twice(body)


@given(reviews)
def test_review_shaped_text(body: str) -> None:
    analyse_twice(body)


@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=120).map("".join))
def test_markdown_and_json_fragments(body: str) -> None:
    analyse_twice(body)


@given(reviews, st.sampled_from(["\r\n", "\r"]))
def test_line_endings_do_not_change_the_issue_count(body: str, newline: str) -> None:
    lf = analyse_twice(body.replace("\r\n", "\n").replace("\r", "\n"))
    other = analyse_twice(body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", newline))
    # Both are normalised to LF: the same reading.
    assert len(other.issues) == len(lf.issues)
    assert [i.category for i in other.issues] == [i.category for i in lf.issues]


@HEAVY
@given(long_lines())
def test_very_long_lines(body: str) -> None:
    analyse_twice(body)


@HEAVY
@given(deep_nesting())
def test_deep_nesting(body: str) -> None:
    analyse_twice(body)


@given(st.lists(st.text(max_size=30), min_size=1, max_size=40))
def test_numbered_lists_give_ordered_disjoint_issues(items: list[str]) -> None:
    body = "\n".join(f"{n}. {item.replace(chr(10), ' ')}" for n, item in enumerate(items, 1))
    analysis = analyse_twice(body)
    for issue in analysis.issues:
        assert body[issue.span.start : issue.span.end].strip()


@given(st.text(st.sampled_from(" \t\r\n\u200b\ufeff\u00a0"), min_size=1, max_size=50))
def test_white_space_only_is_empty(body: str) -> None:
    analysis = analyse_twice(body)
    assert analysis.issues == ()
    assert Flag.EMPTY in analysis.flags
