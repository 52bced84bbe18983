"""/docs in headless Chromium: Swagger UI renders openapi.yaml and "try it" reaches the API."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from support.gunicorn import REPO_ROOT

from .support import Watched

pytestmark = pytest.mark.slow

SCREENSHOT = REPO_ROOT / "docs" / "api-docs.png"
OPERATION = "#operations-analysis-analyzeReview"


def test_docs_render_and_try_it_calls_the_api(watched: Watched) -> None:
    page = watched.page
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("review-analyzer")
    operation = page.locator(OPERATION)
    expect(operation).to_be_visible()
    page.screenshot(path=str(SCREENSHOT))

    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    editor = operation.locator("textarea.body-param__text")
    expect(editor).to_be_visible()
    editor.fill(json.dumps({"body": "1. `run()` passes user input to os.system: CWE-78."}))
    with page.expect_response(
        lambda r: urlsplit(r.url).path == "/v1/analyze" and r.request.method == "POST"
    ) as called:
        operation.get_by_role("button", name="Execute").click()
    response = called.value
    assert response.status == 200
    assert response.json()["verdict"] == "defects_found"
    status = operation.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text("200")
    watched.assert_clean()
