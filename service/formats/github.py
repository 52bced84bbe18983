"""`github`: a pull-request review payload for `POST /repos/{owner}/{repo}/pulls/{n}/reviews`.

`commit_id` is the request's `commit` (when given); `event` follows the policy outcome
(`fail` -> `REQUEST_CHANGES`, `attention` -> `COMMENT`, `clean` -> `APPROVE`); `body` is the
markdown summary; `comments` has one inline comment per reported issue (finding or
recommendation) that has a line reference, when the request names a `path`: `line` is the last
line of the issue's first range, `start_line` its first when the range spans several lines,
`side` (and `start_side`) `RIGHT`. GitHub refuses the whole review (422) if a commented line is
not part of the pull request's diff. A batch is a list of payloads in input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.analysis.model import Issue, Kind
from service.formats import markdown
from service.formats.common import (
    Reviewed,
    bounds,
    category_label,
    comment_text,
    headline,
    inline_issues,
    lines_phrase,
)
from service.formats.policy import GITHUB_EVENT

MEDIA_TYPE = "application/json"


def render_one(reviewed: Reviewed) -> dict[str, Any]:
    """The review payload of one review."""
    payload: dict[str, Any] = {}
    if reviewed.context.commit:
        payload["commit_id"] = reviewed.context.commit
    payload["body"] = markdown.summary(reviewed)
    payload["event"] = GITHUB_EVENT[reviewed.decision.outcome]
    payload["comments"] = _comments(reviewed)
    return payload


def render_many(reviews: Sequence[Reviewed]) -> list[dict[str, Any]]:
    """One review payload per review, in input order."""
    return [render_one(reviewed) for reviewed in reviews]


def _comments(reviewed: Reviewed) -> list[dict[str, Any]]:
    comments = []
    for issue, blocking in inline_issues(reviewed):
        start, end = bounds(issue.lines[0])
        comment: dict[str, Any] = {"path": reviewed.context.path, "line": end, "side": "RIGHT"}
        if start < end:
            comment["start_line"] = start
            comment["start_side"] = "RIGHT"
        comment["body"] = comment_body(issue, blocking)
        comments.append(comment)
    return comments


def comment_body(issue: Issue, blocking: bool) -> str:
    """Markdown for one inline comment: label line, escaped title, escaped text."""
    label = [f"**{issue.severity.value}**" if issue.kind is Kind.FINDING else issue.kind.value]
    label.append(markdown.escape(category_label(issue)))
    if blocking:
        label.append("fails the policy")
    if len(issue.lines) > 1:
        label.append(lines_phrase(issue.lines))
    parts = [" · ".join(label)]
    if issue.title:
        parts.append(f"**{markdown.escape(headline(issue))}**")
    parts.append(markdown.escape_block(comment_text(issue)))
    return "\n\n".join(part for part in parts if part)
