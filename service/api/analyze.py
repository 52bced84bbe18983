"""`POST /v1/analyze` and `POST /v1/analyze/batch`: request -> analyze() -> Analysis, formatted.

Both take the output options `format` (json by default; see `service.formats`) and `fail_on`
(the verdict policy) as query parameters. Without `format`, an `Accept` header that prefers
`application/sarif+json` or `text/markdown` picks that format; anything else answers JSON.
A review's `path`, `commit` and `source` come from the JSON body; `/v1/analyze` also takes them
as query parameters (for a raw text body the only way), a field of the JSON body winning over
the query parameter of the same name.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from service.analysis.model import Analysis
from service.analysis.pipeline import analyze
from service.api.context import AppState, current_state
from service.api.errors import ProblemError, bad_request, flatten_errors
from service.api.schemas import MAX_ID_LENGTH, BatchRequest, ReviewRequest
from service.formats import (
    DEFAULT_FORMAT,
    Rendered,
    ReviewContext,
    get_format,
    render,
    render_batch,
    to_text,
)
from service.formats.policy import DEFAULT_FAIL_ON, FailOn, parse_fail_on
from service.text import CONTEXT_LIMITS, check_context_value

bp = Blueprint("analyze", __name__)

JSON = "application/json"
RAW_TEXT = frozenset({"text/plain", "text/markdown"})
REVIEW_ID_HEADER = "X-Review-ID"
_UTF8 = frozenset({"utf-8", "utf8"})
OUTPUT_PARAMETERS = ("format", "fail_on")
CONTEXT_PARAMETERS = tuple(CONTEXT_LIMITS)
# Formats an Accept header can ask for (JSON first: it wins ties and `*/*`).
_NEGOTIABLE = {JSON: DEFAULT_FORMAT, "application/sarif+json": "sarif", "text/markdown": "markdown"}
_NO_CONTEXT = ReviewContext()


@bp.post("/v1/analyze")
def analyze_one() -> Response:
    """Analyse one review: a JSON `{"body", ...}` or a raw text/plain or text/markdown body."""
    state = current_state()
    query = _query({*OUTPUT_PARAMETERS, *CONTEXT_PARAMETERS})
    fmt, fail_on = _output_options(query)
    query_context = _query_context(query)
    mimetype = _accepted_mimetype({JSON, *RAW_TEXT})
    header_id = _review_id_header()  # checked whatever the body: a bad header is a bad request
    if mimetype == JSON:
        review: ReviewRequest = _load(state.review_schema, _json_document())
    else:
        review = _raw_review(header_id)
    analysis = _analyse(state, review, _body_size(state, review, "body"))
    return _respond(render(analysis, fmt, _context(review, query_context), fail_on), fmt)


@bp.post("/v1/analyze/batch")
def analyze_batch() -> Response:
    """Analyse 1 to MAX_BATCH_SIZE reviews; results come back in the order given."""
    state = current_state()
    fmt, fail_on = _output_options(_query(set(OUTPUT_PARAMETERS)))
    _accepted_mimetype({JSON})
    batch: BatchRequest = _load(state.batch_schema, _json_document())
    # Every body is checked before any is analysed: one over the limit fails the whole batch.
    sizes = [
        _body_size(state, review, f"reviews[{index}].body")
        for index, review in enumerate(batch.reviews)
    ]
    items = [
        (_analyse(state, review, size), _context(review))
        for review, size in zip(batch.reviews, sizes, strict=True)
    ]
    return _respond(render_batch(items, fmt, fail_on), fmt)


def _query(allowed: set[str]) -> dict[str, str]:
    """The query parameters, each at most once and all known; 400 otherwise."""
    errors: dict[str, list[str]] = {}
    query: dict[str, str] = {}
    for name, values in request.args.lists():
        if name not in allowed:
            errors[name] = [f"Unknown query parameter; known: {', '.join(sorted(allowed))}."]
        elif len(values) > 1:
            errors[name] = ["Given more than once."]
        else:
            query[name] = values[0]
    if errors:
        raise _invalid_query(errors)
    return query


def _output_options(query: dict[str, str]) -> tuple[str, FailOn]:
    """The output format (query, else Accept, else JSON) and the fail_on policy."""
    errors: dict[str, list[str]] = {}
    fmt = query.get("format")
    if fmt is None:
        best = request.accept_mimetypes.best_match(list(_NEGOTIABLE))
        fmt = _NEGOTIABLE.get(best or JSON, DEFAULT_FORMAT)
    else:
        try:
            fmt = get_format(fmt).name
        except ValueError as exc:
            errors["format"] = [str(exc)]
    fail_on = DEFAULT_FAIL_ON
    if "fail_on" in query:
        try:
            fail_on = parse_fail_on(query["fail_on"])
        except ValueError as exc:
            errors["fail_on"] = [str(exc)]
    if errors:
        raise _invalid_query(errors)
    return fmt, fail_on


def _invalid_query(errors: dict[str, list[str]]) -> ProblemError:
    return bad_request("invalid_parameter", "The query parameters are invalid; see errors.", errors)


def _query_context(query: dict[str, str]) -> ReviewContext:
    """The context named by the query parameters `path`, `commit` and `source`; 400 if invalid."""
    errors: dict[str, list[str]] = {}
    for name in CONTEXT_PARAMETERS:
        value = query.get(name)
        if value is not None:
            try:
                check_context_value(name, value)
            except ValueError as exc:
                errors[name] = [str(exc)]
    if errors:
        raise _invalid_query(errors)
    return ReviewContext(
        path=query.get("path"), commit=query.get("commit"), source=query.get("source")
    )


def _context(review: ReviewRequest, query: ReviewContext = _NO_CONTEXT) -> ReviewContext:
    """What the review is about: each field of its JSON body, else the query parameter's value."""
    return ReviewContext(
        path=review.path or query.path,
        commit=review.commit or query.commit,
        source=review.source or query.source,
    )


def _respond(rendered: Rendered, fmt: str) -> Response:
    if fmt == DEFAULT_FORMAT:
        # Flask's JSON response (newline-terminated), as the API answered before other formats.
        response = jsonify(rendered.body)
    else:
        response = Response(to_text(rendered), content_type=rendered.media_type)
    # The format may follow the Accept header, so caches must key on it.
    response.vary.add("Accept")
    return response


def _accepted_mimetype(accepted: set[str]) -> str:
    mimetype = request.mimetype
    if mimetype not in accepted:
        given = mimetype or "no Content-Type"
        raise ProblemError(
            415,
            "unsupported_media_type",
            f"{given} is not accepted here; send one of: {', '.join(sorted(accepted))}.",
        )
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower() not in _UTF8:
        raise ProblemError(415, "unsupported_charset", f"The charset must be utf-8, not {charset}.")
    return mimetype


def _request_body() -> bytes:
    """Return the whole request body; 413 if it is over MAX_CONTENT_LENGTH."""
    data = request.get_data()  # a Content-Length over the limit is a 413 already
    limit = request.max_content_length
    # Werkzeug cuts a body without Content-Length (chunked) at the limit rather than refusing
    # it: refuse it here if anything follows the cut.
    cut = request.content_length is None and limit is not None and len(data) >= limit
    if cut and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return data


def _utf8(data: bytes, field: str | None) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors = {field: [f"Not valid UTF-8 (byte {exc.start})."]} if field else None
        detail = f"The request body is not valid UTF-8 (byte {exc.start})."
        raise bad_request("invalid_utf8", detail, errors) from None


class _DuplicateKeyError(ValueError):
    """An object names the same key twice: which value was meant is ambiguous."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(key)
        document[key] = value
    return document


def _json_document() -> Any:
    text = _utf8(_request_body(), None)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        detail = f"The request body is not valid JSON: {exc.msg} ({where})."
    except _DuplicateKeyError as exc:
        # Parsers disagree on which of two values wins, so neither is guessed.
        detail = f"The request body gives the key {json.dumps(exc.key[:64])} more than once."
    except (ValueError, RecursionError):
        detail = "The request body is not valid JSON, or is nested too deeply."
    raise bad_request("invalid_json", detail)


def _load(schema: Schema, document: Any) -> Any:
    if not isinstance(document, dict):
        raise bad_request("invalid_request", "The JSON document must be an object.")
    try:
        return schema.load(document)
    except ValidationError as exc:
        errors = flatten_errors(exc.messages)
        raise bad_request(
            "invalid_request", "The request does not match the schema; see errors.", errors
        ) from None


def _raw_review(review_id: str | None) -> ReviewRequest:
    body = _utf8(_request_body(), "body")
    if body == "":
        raise bad_request(
            "invalid_request", "The review body is empty.", {"body": ["Must not be empty."]}
        )
    return ReviewRequest(body=body, id=review_id)


def _review_id_header() -> str | None:
    raw = request.headers.get(REVIEW_ID_HEADER)
    if raw is None or raw.strip() == "":
        return None
    try:
        # WSGI hands header bytes over as latin-1; callers send UTF-8.
        value = raw.strip().encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise bad_request(
            "invalid_request",
            f"The {REVIEW_ID_HEADER} header is not valid UTF-8.",
            {REVIEW_ID_HEADER: ["Not valid UTF-8."]},
        ) from None
    if len(value) > MAX_ID_LENGTH:
        raise bad_request(
            "invalid_request",
            f"The {REVIEW_ID_HEADER} header is longer than {MAX_ID_LENGTH} characters.",
            {REVIEW_ID_HEADER: [f"Longer than maximum length {MAX_ID_LENGTH}."]},
        )
    return value


def _body_size(state: AppState, review: ReviewRequest, field: str) -> int:
    """The body's size in UTF-8 bytes; a 413 when it is over the limit."""
    size = len(review.body.encode("utf-8"))
    limit = state.settings.max_body_bytes
    if size > limit:
        raise ProblemError(
            413,
            "body_too_large",
            f"{field} is {size} bytes of UTF-8; the limit is {limit}.",
            errors={field: [f"Longer than {limit} bytes."]},
        )
    return size


def _analyse(state: AppState, review: ReviewRequest, body_bytes: int) -> Analysis:
    started = time.perf_counter()
    analysis = analyze(review.body, review.id)
    state.metrics.observe_analysis(
        verdict=str(analysis.verdict),
        issue_count=len(analysis.issues),
        categories=((c.id, c.family, c.count) for c in analysis.categories),
        flags=(str(flag) for flag in analysis.flags),
        body_bytes=body_bytes,
        seconds=time.perf_counter() - started,
    )
    return analysis
