"""schemathesis against openapi.yaml, in process through the Flask app: every operation, all checks.

Positive and negative requests, generated from the document the app itself serves, each checked
for: no server error, a documented status code, a documented content type and headers, a body
that matches the response schema, negative data rejected and valid data accepted, and unsupported
methods refused. The example count comes from the hypothesis profile (tests/conftest.py): bounded
in `make test`, larger in `make fuzz`.

One exemption, narrow and explained: a raw `text/plain` or `text/markdown` body is a string by
definition, so schemathesis' negative "not a string" bodies for those media types (it serialises
an object or a number as text) are valid reviews. For those cases only, negative_data_rejection
is not run; every other check still is.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import Case
from schemathesis.checks import CheckFunction
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection

from service.api.app import create_app
from service.config import Settings

RAW_TEXT = frozenset({"text/plain", "text/markdown"})

APP = create_app(Settings(), {"TESTING": True})
schema = schemathesis.openapi.from_wsgi("/openapi.yaml", APP)


def _text_body_negative(case: Case[Any]) -> bool:
    negative = case.meta is not None and case.meta.generation.mode is GenerationMode.NEGATIVE
    return negative and case.media_type in RAW_TEXT


@schema.parametrize()
def test_every_operation_conforms_to_the_document(case: Case[Any]) -> None:
    excluded: list[CheckFunction] = [negative_data_rejection] if _text_body_negative(case) else []
    response = case.call_and_validate(excluded_checks=excluded)
    assert response.status_code < 500
