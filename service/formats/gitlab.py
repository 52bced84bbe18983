"""`gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`).

A JSON list with one entry per reported issue (findings and recommendations; a batch is one
combined list): `type` `issue`, `check_name` (the category), `description` (title and text on
one line, at most 1000 characters), `fingerprint` (see `common.fingerprints`), `severity` and
`location`. Severity: critical -> `blocker`, high -> `critical`, medium -> `major`, low ->
`minor`, info -> `info`; a recommendation is `info`. `location.path` is the request's `path`
(`.`, the repository as a whole, when there is none) and `location.lines` the issue's first line
range (`begin` 1 when the review names no line). The format has no place for commit or source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.analysis.model import Issue, Kind, Severity
from service.formats.common import (
    Reviewed,
    bounds,
    fingerprints,
    one_line,
    reported,
    title_and_text,
    truncate,
)

MEDIA_TYPE = "application/json"
NO_PATH = "."
DESCRIPTION_CHARS = 1000

SEVERITY = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}


def render_one(reviewed: Reviewed) -> list[dict[str, Any]]:
    """The Code Quality report of one review."""
    return render_many([reviewed])


def render_many(reviews: Sequence[Reviewed]) -> list[dict[str, Any]]:
    """One Code Quality report with the issues of every review, in order."""
    report = []
    for reviewed in reviews:
        issues = reported(reviewed.analysis)
        prints = fingerprints(issues, reviewed.context.path)
        report += [_entry(issue, reviewed, prints[issue.index]) for issue in issues]
    return report


def _entry(issue: Issue, reviewed: Reviewed, fingerprint: str) -> dict[str, Any]:
    begin, end = bounds(issue.lines[0]) if issue.lines else (1, 1)
    return {
        "type": "issue",
        "check_name": issue.category,
        "description": truncate(one_line(title_and_text(issue, ": ")), DESCRIPTION_CHARS),
        "fingerprint": fingerprint,
        "severity": SEVERITY[issue.severity] if issue.kind is Kind.FINDING else "info",
        "location": {
            "path": reviewed.context.path or NO_PATH,
            "lines": {"begin": begin, "end": end},
        },
    }
