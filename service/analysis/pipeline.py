"""The analysis pipeline: body -> Analysis. (Placeholder wiring; stages land next.)"""

from __future__ import annotations

from service.analysis.model import Analysis, Flag, Summary, Verdict


def analyze(body: str, review_id: str | None = None) -> Analysis:
    """Analyze one review body (deterministic, no I/O)."""
    flags = (Flag.NO_VERDICT_STATEMENT,) if body.strip() else (Flag.EMPTY,)
    return Analysis(
        id=review_id,
        verdict=Verdict.INCONCLUSIVE,
        stated_verdict=None,
        verdict_evidence=None,
        issues=(),
        categories=(),
        summary=Summary(0, 0, 0, 0),
        flags=flags,
    )
