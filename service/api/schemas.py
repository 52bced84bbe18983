"""Marshmallow schemas for the HTTP API's requests and responses.

Response schemas dump the frozen dataclasses of `service.analysis.model` directly; they are also
how the CLI and the evaluation turn an Analysis into the contract's JSON, so there is exactly one
serialisation of an Analysis.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields


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
