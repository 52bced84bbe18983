"""Output formats for review bots: one module per format, and this registry.

`render(analysis, fmt, context)` renders one review, `render_batch(items, fmt, fail_on)` several;
both apply the verdict policy (`service.formats.policy`) and return a `Rendered` body (a JSON-ready
dict or list, or text) with its media type. For every format, a batch is either one combined
document (json, sarif, rdjson, gitlab, markdown) or a list of per-review payloads in input order
(github, gerrit); see each module's docstring for the exact shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from service.analysis.model import Analysis
from service.formats import analysis_json, gerrit, github, gitlab, markdown, rdjson, sarif
from service.formats.common import ReviewContext, Reviewed
from service.formats.policy import DEFAULT_FAIL_ON, FailOn, Outcome, decide, worst

Body = dict[str, Any] | list[Any] | str

__all__ = [
    "DEFAULT_FORMAT",
    "FORMATS",
    "FORMAT_CHOICES",
    "Body",
    "Format",
    "Rendered",
    "ReviewContext",
    "get_format",
    "render",
    "render_batch",
    "to_text",
]


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: its name, media type and how it renders one review or several."""

    name: str
    media_type: str
    render_one: Callable[[Reviewed], Body]
    render_many: Callable[[Sequence[Reviewed]], Body]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered document, its media type, and the (worst) policy outcome it reports."""

    body: Body
    media_type: str
    outcome: Outcome


class _FormatModule(Protocol):
    """What each format's module provides."""

    MEDIA_TYPE: str

    def render_one(self, reviewed: Reviewed, /) -> Body: ...

    def render_many(self, reviews: Sequence[Reviewed], /) -> Body: ...


# The one list of output formats, in the order the API, the CLI and the playground offer them.
_MODULES: tuple[tuple[str, _FormatModule], ...] = (
    ("json", analysis_json),
    ("sarif", sarif),
    ("rdjson", rdjson),
    ("github", github),
    ("gitlab", gitlab),
    ("gerrit", gerrit),
    ("markdown", markdown),
)
FORMATS: dict[str, Format] = {
    name: Format(name, module.MEDIA_TYPE, module.render_one, module.render_many)
    for name, module in _MODULES
}
FORMAT_CHOICES = tuple(FORMATS)
DEFAULT_FORMAT = "json"


def get_format(name: str) -> Format:
    """Return the format called `name`; ValueError listing the choices for anything else."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"Must be one of: {', '.join(FORMAT_CHOICES)}.") from None


def render(
    analysis: Analysis,
    fmt: str,
    context: ReviewContext | None = None,
    fail_on: FailOn = DEFAULT_FAIL_ON,
) -> Rendered:
    """Render one review in format `fmt` (ValueError for an unknown format)."""
    output = get_format(fmt)
    reviewed = Reviewed(analysis, context or ReviewContext(), decide(analysis, fail_on))
    return Rendered(output.render_one(reviewed), output.media_type, reviewed.decision.outcome)


def render_batch(
    items: Sequence[tuple[Analysis, ReviewContext]],
    fmt: str,
    fail_on: FailOn = DEFAULT_FAIL_ON,
) -> Rendered:
    """Render several reviews, in order, in format `fmt` (ValueError for an unknown format)."""
    output = get_format(fmt)
    reviews = [
        Reviewed(analysis, context, decide(analysis, fail_on)) for analysis, context in items
    ]
    outcome = worst(reviewed.decision.outcome for reviewed in reviews)
    return Rendered(output.render_many(reviews), output.media_type, outcome)


def to_text(rendered: Rendered, *, indent: int | None = None) -> str:
    """The document as text: JSON (not ASCII-escaped; compact unless `indent`) or the text."""
    if isinstance(rendered.body, str):
        return rendered.body
    separators = None if indent else (",", ":")
    return json.dumps(rendered.body, indent=indent, separators=separators, ensure_ascii=False)
