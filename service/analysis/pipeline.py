"""The analysis pipeline: body -> normalise -> segment -> extract -> classify -> verdict."""

from __future__ import annotations

from collections import Counter

from service.analysis.classify import classify
from service.analysis.extract import (
    MAX_CWES,
    MAX_LINE_REFS,
    MAX_SYMBOLS,
    extract_lines,
    extract_symbols,
)
from service.analysis.model import (
    Analysis,
    CategoryCount,
    Evidence,
    Issue,
    Kind,
    Summary,
)
from service.analysis.normalize import NormalizedText, normalize
from service.analysis.segment import Segment, segment
from service.analysis.verdict import decide, find_statements, stated_verdict

MAX_ISSUES = 200


def _issue(index: int, seg: Segment, normalized: NormalizedText) -> Issue:
    raw = normalized.text[seg.start : seg.end]
    decided = classify(seg, raw)
    return Issue(
        index=index,
        title=seg.title,
        text=seg.text,
        kind=decided.kind,
        category=decided.category.id,
        family=decided.category.family,
        security=decided.category.security,
        severity=decided.severity,
        cwe=decided.cwe,
        lines=extract_lines(raw),
        symbols=extract_symbols(raw),
        span=normalized.original_span(seg.start, seg.end),
    )


def _full(issue: Issue) -> bool:
    """Whether one of the issue's lists reached its cap (so the answer may be cut short)."""
    return (
        len(issue.lines) >= MAX_LINE_REFS
        or len(issue.symbols) >= MAX_SYMBOLS
        or len(issue.cwe) >= MAX_CWES
    )


def _categories(issues: tuple[Issue, ...]) -> tuple[CategoryCount, ...]:
    counts = Counter(i.category for i in issues)
    findings = Counter(i.category for i in issues if i.kind is Kind.FINDING)
    family = {i.category: i.family for i in issues}
    # `counts` keeps first-seen order and the sort is stable: ties stay in order of appearance.
    ordered = sorted(counts, key=lambda c: (-counts[c], -findings[c]))
    return tuple(CategoryCount(c, family[c], counts[c], findings[c]) for c in ordered)


def _summary(issues: tuple[Issue, ...]) -> Summary:
    kinds = Counter(i.kind for i in issues)
    return Summary(
        findings=kinds[Kind.FINDING],
        security_findings=sum(1 for i in issues if i.kind is Kind.FINDING and i.security),
        recommendations=kinds[Kind.RECOMMENDATION],
        observations=kinds[Kind.OBSERVATION],
    )


def analyze(body: str, review_id: str | None = None) -> Analysis:
    """Analyze one review body (deterministic, no I/O)."""
    normalized = normalize(body)
    document = segment(normalized.text)
    segments = document.segments[:MAX_ISSUES]
    issues = tuple(_issue(n, seg, normalized) for n, seg in enumerate(segments, start=1))
    observations = [s for s, i in zip(segments, issues, strict=True) if i.kind is Kind.OBSERVATION]
    statement = stated_verdict(find_statements(normalized.text, document, observations))
    result = decide(
        normalized.text,
        document,
        issues,
        statement,
        normalized.encoding_repaired,
        capped=document.capped or len(document.segments) > MAX_ISSUES or any(map(_full, issues)),
    )
    evidence = (
        Evidence(statement.text, normalized.original_span(statement.start, statement.end))
        if statement
        else None
    )
    return Analysis(
        id=review_id,
        verdict=result.verdict,
        stated_verdict=statement.verdict if statement else None,
        verdict_evidence=evidence,
        issues=issues,
        categories=_categories(issues),
        summary=_summary(issues),
        flags=result.flags,
    )
