"""Immutable data passed between the analysis stages and returned to callers.

Every stage of the pipeline (normalize -> segment -> extract -> classify -> verdict) takes and
returns these frozen dataclasses, so each stage can be tested on its own and nothing downstream
can mutate what an earlier stage decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """The security verdict on a whole review."""

    DEFECTS_FOUND = "defects_found"
    NO_DEFECTS = "no_defects"
    INCONCLUSIVE = "inconclusive"


class Kind(StrEnum):
    """How specific an issue is (the annotators' 0/1/2 actionability scale)."""

    FINDING = "finding"
    RECOMMENDATION = "recommendation"
    OBSERVATION = "observation"


class Severity(StrEnum):
    """Severity of an issue, most severe first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Flag(StrEnum):
    """Facts about the review itself, not about the code it reviews."""

    CONTRADICTION = "contradiction"
    NO_VERDICT_STATEMENT = "no_verdict_statement"
    HEDGED = "hedged"
    OFF_TASK = "off_task"
    TRUNCATED = "truncated"
    ENCODING_REPAIRED = "encoding_repaired"
    EMPTY = "empty"
    CAPPED = "capped"


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open `[start, end)` range of character offsets into the body as received."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LineRange:
    """A range of source lines that a review refers to (`start == end` for one line)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """The sentence that states a verdict, and where it is in the body."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Issue:
    """One point a review makes, classified and located."""

    index: int
    title: str | None
    text: str
    kind: Kind
    category: str
    family: str
    security: bool
    severity: Severity
    cwe: tuple[str, ...]
    lines: tuple[LineRange, ...]
    symbols: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """How many issues (and how many findings) fall into one category."""

    id: str
    family: str
    count: int
    findings: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts of issues by kind."""

    findings: int
    security_findings: int
    recommendations: int
    observations: int


@dataclass(frozen=True, slots=True)
class Analysis:
    """The structured reading of one review body: what the service returns."""

    id: str | None
    verdict: Verdict
    stated_verdict: Verdict | None
    verdict_evidence: Evidence | None
    issues: tuple[Issue, ...]
    categories: tuple[CategoryCount, ...]
    summary: Summary
    flags: tuple[Flag, ...] = field(default=())
