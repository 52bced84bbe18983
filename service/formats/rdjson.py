"""`rdjson`: the Reviewdog Diagnostic Format (`reviewdog -f=rdjson`), as one DiagnosticResult.

`source.name` is `review-analyzer`; one diagnostic per reported issue (findings and
recommendations, in review order; a batch is one result with every review's diagnostics).
`severity`: a finding's critical/high -> `ERROR`, medium -> `WARNING`, low/info -> `INFO`; a
recommendation is `INFO`. `code.value` is the category, `code.url` the MITRE page of the issue's
first CWE id, if it names one. With a request `path`, `location` has the path and the first line
range (`range.start.line`/`range.end.line`, line-wise) and further ranges are
`related_locations`; without one there is no location. A diagnostic's `source.name` is the
request's `source` (who wrote the review) when given. reviewdog posts messages as comments, so
`@mentions` in them are defused with a zero-width space.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.analysis.model import Issue, Kind, LineRange, Severity
from service.formats.common import (
    TOOL_NAME,
    Reviewed,
    bounds,
    cwe_url,
    defuse_mentions,
    reported,
    title_and_text,
)

MEDIA_TYPE = "application/json"

SEVERITY = {
    Severity.CRITICAL: "ERROR",
    Severity.HIGH: "ERROR",
    Severity.MEDIUM: "WARNING",
    Severity.LOW: "INFO",
    Severity.INFO: "INFO",
}


def render_one(reviewed: Reviewed) -> dict[str, Any]:
    """The DiagnosticResult of one review."""
    return render_many([reviewed])


def render_many(reviews: Sequence[Reviewed]) -> dict[str, Any]:
    """One DiagnosticResult with the diagnostics of every review, in order."""
    diagnostics = [
        _diagnostic(issue, reviewed)
        for reviewed in reviews
        for issue in reported(reviewed.analysis)
    ]
    return {"source": {"name": TOOL_NAME}, "diagnostics": diagnostics}


def _diagnostic(issue: Issue, reviewed: Reviewed) -> dict[str, Any]:
    message = defuse_mentions(title_and_text(issue, "\n\n"))
    severity = SEVERITY[issue.severity] if issue.kind is Kind.FINDING else "INFO"
    diagnostic: dict[str, Any] = {"message": message}
    path = reviewed.context.path
    if path:
        first, *more = issue.lines or (None,)
        diagnostic["location"] = _location(path, first)
        if more:
            diagnostic["related_locations"] = [
                {"message": "also here", "location": _location(path, line)} for line in more
            ]
    diagnostic["severity"] = severity
    if reviewed.context.source:
        diagnostic["source"] = {"name": reviewed.context.source}
    code: dict[str, Any] = {"value": issue.category}
    url = cwe_url(issue.cwe[0]) if issue.cwe else None
    if url:
        code["url"] = url
    diagnostic["code"] = code
    return diagnostic


def _location(path: str, line: LineRange | None) -> dict[str, Any]:
    location: dict[str, Any] = {"path": path}
    if line is not None:
        start, end = bounds(line)
        location["range"] = {"start": {"line": start}, "end": {"line": end}}
    return location
