"""`json` (the default): the contract's Analysis, or `{"results": [...]}` for a batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.api.schemas import dump_analysis
from service.formats.common import Reviewed

MEDIA_TYPE = "application/json"


def render_one(reviewed: Reviewed) -> dict[str, Any]:
    """The Analysis JSON of one review, exactly as the contract defines it."""
    return dump_analysis(reviewed.analysis)


def render_many(reviews: Sequence[Reviewed]) -> dict[str, Any]:
    """`{"results": [Analysis, ...]}` in input order."""
    return {"results": [dump_analysis(reviewed.analysis) for reviewed in reviews]}
