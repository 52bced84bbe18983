"""Marshmallow schemas for the HTTP API's requests and responses.

Response schemas dump the frozen dataclasses of `service.analysis.model` directly; they are also
how the CLI and the evaluation turn an Analysis into the contract's JSON, so there is exactly one
serialisation of an Analysis.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate

from service.text import check_context_value, check_encodable


class SpanSchema(Schema):
    """`[start, end)` character offsets into the body as received."""

    start = fields.Integer(required=True)
    end = fields.Integer(required=True)


class LineRangeSchema(Schema):
    """A range of source lines."""

    start = fields.Integer(required=True)
    end = fields.Integer(required=True)


class EvidenceSchema(Schema):
    """The sentence that states the verdict."""

    text = fields.String(required=True)
    span = fields.Nested(SpanSchema, required=True)


class IssueSchema(Schema):
    """One issue the review raises."""

    index = fields.Integer(required=True)
    title = fields.String(required=True, allow_none=True)
    text = fields.String(required=True)
    kind = fields.String(required=True)
    category = fields.String(required=True)
    family = fields.String(required=True)
    security = fields.Boolean(required=True)
    severity = fields.String(required=True)
    cwe = fields.List(fields.String(), required=True)
    lines = fields.List(fields.Nested(LineRangeSchema), required=True)
    symbols = fields.List(fields.String(), required=True)
    span = fields.Nested(SpanSchema, required=True)


class CategoryCountSchema(Schema):
    """How often one category occurs among the issues."""

    id = fields.String(required=True)
    family = fields.String(required=True)
    count = fields.Integer(required=True)
    findings = fields.Integer(required=True)


class SummarySchema(Schema):
    """Counts of issues by kind."""

    findings = fields.Integer(required=True)
    security_findings = fields.Integer(required=True)
    recommendations = fields.Integer(required=True)
    observations = fields.Integer(required=True)


class AnalysisSchema(Schema):
    """The Analysis object of CONTRACT.md section 3."""

    id = fields.String(required=True, allow_none=True)
    verdict = fields.String(required=True)
    stated_verdict = fields.String(required=True, allow_none=True)
    verdict_evidence = fields.Nested(EvidenceSchema, required=True, allow_none=True)
    issues = fields.List(fields.Nested(IssueSchema), required=True)
    categories = fields.List(fields.Nested(CategoryCountSchema), required=True)
    summary = fields.Nested(SummarySchema, required=True)
    flags = fields.List(fields.String(), required=True)


_ANALYSIS = AnalysisSchema()


def dump_analysis(analysis: Any) -> dict[str, Any]:
    """Serialise an `Analysis` to the contract's JSON-ready dict."""
    result: dict[str, Any] = _ANALYSIS.dump(analysis)
    return result


# --- requests ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """One review to analyse, as the caller sent it, with what it is about."""

    body: str
    id: str | None = None
    path: str | None = None  # the file the review is about
    commit: str | None = None  # the commit it reviewed
    source: str | None = None  # the tool or model that wrote it


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """Reviews to analyse in one request, in the caller's order."""

    reviews: tuple[ReviewRequest, ...]


def _validator(check: Callable[[str], object]) -> Callable[[str], None]:
    """A marshmallow validator from a check that raises ValueError."""

    def validate_value(value: str) -> None:
        try:
            check(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    return validate_value


def _context_field(name: str) -> fields.String:
    check = _validator(functools.partial(check_context_value, name))
    return fields.String(load_default=None, allow_none=True, validate=check)


MAX_ID_LENGTH = 256
"""A caller's review id is echoed back; it is a name, not a document."""


class ReviewRequestSchema(Schema):
    """The JSON body of `POST /v1/analyze`, and each item of a batch."""

    class Meta:
        """Unknown fields are an error, not silently dropped."""

        unknown = RAISE

    body = fields.String(
        required=True,
        validate=[validate.Length(min=1, error="Must not be empty."), _validator(check_encodable)],
    )
    id = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=MAX_ID_LENGTH), _validator(check_encodable)],
    )
    path = _context_field("path")
    commit = _context_field("commit")
    source = _context_field("source")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> ReviewRequest:
        return ReviewRequest(
            body=data["body"],
            id=data["id"],
            path=data["path"],
            commit=data["commit"],
            source=data["source"],
        )


class BatchRequestSchema(Schema):
    """The JSON body of `POST /v1/analyze/batch`: 1 to `max_reviews` reviews."""

    class Meta:
        """Unknown fields are an error, not silently dropped."""

        unknown = RAISE

    reviews = fields.List(fields.Nested(ReviewRequestSchema), required=True)

    def __init__(self, *, max_reviews: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_reviews = max_reviews

    @pre_load
    def _check_count(self, data: Any, **_: Any) -> Any:
        # Before item validation, so an oversized batch is refused without validating every item.
        reviews = data.get("reviews") if isinstance(data, dict) else None
        if isinstance(reviews, list) and not 1 <= len(reviews) <= self.max_reviews:
            raise ValidationError(
                f"Must hold 1 to {self.max_reviews} reviews, not {len(reviews)}.", "reviews"
            )
        return data

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> BatchRequest:
        return BatchRequest(reviews=tuple(data["reviews"]))


# --- taxonomy ----------------------------------------------------------------------------------


class TaxonomyCategorySchema(Schema):
    """One category of `GET /v1/taxonomy` (dumps `service.analysis.taxonomy.Category`)."""

    id = fields.String(required=True)
    family = fields.String(required=True)
    description = fields.String(required=True)
    cwe = fields.List(fields.String(), required=True)
    securereviewer = fields.String(required=True, allow_none=True)
    default_severity = fields.String(required=True)
