"""The playground in headless Chromium against a real gunicorn: highlights, verdict, safety."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from support.corpus import SEEDS_PATH
from support.gunicorn import REPO_ROOT

from .support import Server, Watched

pytestmark = pytest.mark.slow

SCREENSHOT = REPO_ROOT / "docs" / "playground.png"
# A seed with findings of more than one kind, a verdict sentence and flags: the README's picture.
SEED_ID = "seed-003"
VERDICT_LABELS = {
    "defects_found": "defects found",
    "no_defects": "no defects",
    "inconclusive": "inconclusive",
}

HOSTILE_REVIEW = """\
<script>window.__pwned = "script";</script>
1. The handler echoes the name: <img src=x onerror="window.__pwned = 'img'; alert(1)">
   is rendered unescaped (line 12), which is cross-site scripting (CWE-79).
2. [Click here](javascript:window.__pwned='link') and <a href="javascript:alert(2)">this</a>
   They must not be links; <svg onload="window.__pwned='svg'"></svg> <iframe src="javascript:1">
3. <style>body { display: none }</style> `</textarea><b onmouseover=alert(3)>bold</b>`
"""

# Characters outside the Basic Multilingual Plane (two UTF-16 units each) before and inside
# every span: any confusion of code points with UTF-16 units shifts the highlights.
ASTRAL_REVIEW = """\
😀🔥 Review of `handler.py` 🧪𝔘𝔫𝔦𝔠𝔬𝔡𝔢

1. 🔥 `run()` passes user input to os.system (line 12): command injection (CWE-78). 😱
2. 🐍 SQL is built with f-strings in `query()` (line 30): SQL injection (CWE-89) 💉.
3. 📝 The `parse` function has no docstring 🙈.

No other security defects are detected in the code. 👍
"""


def _seed(seed_id: str) -> str:
    for line in SEEDS_PATH.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == seed_id:
            return str(record["body"])
    raise AssertionError(f"{seed_id} is not in {SEEDS_PATH}")


def _open(watched: Watched) -> Page:
    page = watched.page
    page.goto("/")
    expect(page.locator("html[data-ready=true]")).to_have_count(1)
    return page


def _analyze(page: Page, body: str) -> None:
    page.locator("#review").fill(body)
    page.locator("#analyze").click()
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("issue")


def _issue_texts(page: Page) -> dict[int, str]:
    """Each issue's highlighted text: its pieces' text, in document order."""
    texts: dict[str, str] = page.eval_on_selector_all(
        "#text-view mark[data-issue]",
        """marks => {
            const texts = {};
            for (const mark of marks) {
                texts[mark.dataset.issue] = (texts[mark.dataset.issue] ?? "") + mark.textContent;
            }
            return texts;
        }""",
    )
    return {int(index): text for index, text in texts.items()}


def _assert_view_matches(page: Page, body: str, analysis: dict[str, Any]) -> None:
    # The text view is exactly the review (labels are CSS generated content, not text).
    assert page.locator("#text-view").evaluate("node => node.textContent") == body
    issues = analysis["issues"]
    expect(page.locator("#text-view mark.hl-start")).to_have_count(len(issues))
    expect(page.locator("#issue-list > li")).to_have_count(len(issues))
    expected = {i["index"]: body[i["span"]["start"] : i["span"]["end"]] for i in issues}
    assert _issue_texts(page) == expected
    for issue in issues:
        first = page.locator(f"#text-view mark.hl-start[data-issue='{issue['index']}']")
        expect(first).to_have_class(f"hl hl-{issue['kind']} sev-{issue['severity']} hl-start")
    evidence = analysis["verdict_evidence"]
    pieces = page.locator("#text-view .hl-evidence")
    if evidence is None:
        expect(pieces).to_have_count(0)
    else:
        span = evidence["span"]
        joined = "".join(pieces.all_text_contents())
        assert joined == body[span["start"] : span["end"]]


def test_playground_analyzes_a_seed_review(watched: Watched, server: Server) -> None:
    page = _open(watched)
    body = _seed(SEED_ID)
    analysis = server.analyze(body)
    assert analysis["issues"], "the chosen seed must raise issues"

    page.get_by_role("button", name=SEED_ID, exact=True).click()  # loads and analyzes
    expect(page.locator("#status")).to_contain_text(f"{len(analysis['issues'])} issue")
    assert page.locator("#review").input_value() == body
    _assert_view_matches(page, body, analysis)

    badge = page.locator("#verdict")
    expect(badge).to_have_text(VERDICT_LABELS[analysis["verdict"]])
    expect(badge).to_have_class(f"verdict-badge verdict-{analysis['verdict']}")
    expect(page.locator("#flags > li")).to_have_text(analysis["flags"])
    rows = page.locator("#category-chart svg g.bar-row")
    expect(rows).to_have_count(len(analysis["categories"]))
    for row, category in zip(rows.all(), analysis["categories"], strict=True):
        assert row.get_attribute("data-category") == category["id"]
        expect(row.locator("text.bar-count")).to_have_text(str(category["count"]))

    # Raw JSON is one click away and is the API's answer.
    page.locator("#raw-json summary").click()
    expect(page.locator("#json-text")).to_be_visible()
    assert json.loads(page.locator("#json-text").text_content() or "") == analysis

    # The verdict badge and the issue list scroll the text to their spans.
    if analysis["verdict_evidence"] is not None:
        page.locator("#verdict").click()
        evidence = page.locator("#text-view .hl-evidence").first
        expect(evidence).to_be_in_viewport()
        expect(evidence).to_have_class("hl-evidence is-active")
    last = analysis["issues"][-1]["index"]
    page.locator(f"#issue-list button[data-issue='{last}']").click()
    mark = page.locator(f"#text-view mark.hl-start[data-issue='{last}']")
    expect(mark).to_be_in_viewport()
    assert "is-active" in (mark.get_attribute("class") or "")
    page.locator("#raw-json summary").click()  # closed again for the picture
    page.locator("#text-view").evaluate("node => { node.scrollTop = 0; }")
    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    watched.assert_clean()


def test_spans_count_code_points_not_utf16_units(watched: Watched, server: Server) -> None:
    page = _open(watched)
    analysis = server.analyze(ASTRAL_REVIEW)
    assert len(analysis["issues"]) >= 2
    _analyze(page, ASTRAL_REVIEW)
    _assert_view_matches(page, ASTRAL_REVIEW, analysis)
    watched.assert_clean()


def test_span_helpers(watched: Watched) -> None:
    page = _open(watched)
    result = page.evaluate(
        """async () => {
            const { codePointToUtf16, nestRanges } = await import("./static/playground/spans.js");
            const toUtf16 = codePointToUtf16("a😀b𝔘c");
            const crossing = nestRanges(
                [{start: 0, end: 10}, {start: 5, end: 20}, {start: 20, end: 20}]);
            return {
                offsets: [0, 1, 2, 3, 4, 5, 99, -1].map(toUtf16),
                crossing: crossing.map(({start, end, first}) => [start, end, first]),
            };
        }"""
    )
    assert result["offsets"] == [0, 1, 3, 4, 6, 7, 7, 0]
    # [5, 20) crosses the end of [0, 10): cut there and continued; the empty span stays.
    assert result["crossing"] == [[0, 10, True], [5, 10, True], [10, 20, False], [20, 20, True]]
    watched.assert_clean()


def test_hostile_review_renders_as_text_and_runs_nothing(watched: Watched, server: Server) -> None:
    page = _open(watched)
    before = page.evaluate(
        "() => ({scripts: document.scripts.length, url: location.href, title: document.title})"
    )
    analysis = server.analyze(HOSTILE_REVIEW)
    _analyze(page, HOSTILE_REVIEW)
    _assert_view_matches(page, HOSTILE_REVIEW, analysis)
    for mark in page.locator("#text-view mark").all():
        mark.click()  # a `javascript:` link that had become one would navigate or alert here
    page.locator("#issue-list button").first.click()

    state = page.evaluate(
        """() => ({
            pwned: window.__pwned ?? null,
            scripts: document.scripts.length,
            url: location.href,
            title: document.title,
            viewTags: [...new Set(
                [...document.querySelectorAll('#text-view *')].map(e => e.tagName))],
            injected: document.querySelectorAll(
                'img, iframe, svg:not(#category-chart svg), a[href^="javascript:"], b, body style'
            ).length,
            handlers: [...document.querySelectorAll('*')].flatMap(
                e => [...e.attributes].map(a => a.name).filter(n => n.startsWith('on'))),
            bodyVisible: getComputedStyle(document.body).display !== 'none',
        })"""
    )
    assert state["pwned"] is None
    assert (state["scripts"], state["url"], state["title"]) == (
        before["scripts"],
        before["url"],
        before["title"],
    )
    assert set(state["viewTags"]) <= {"MARK", "SPAN"}
    assert state["injected"] == 0
    assert state["handlers"] == []
    assert state["bodyVisible"]
    expect(page.locator("#issue-list")).to_contain_text('<a href="javascript:alert(2)">this</a>')
    watched.assert_clean()


def test_api_errors_are_shown_as_problems(watched: Watched) -> None:
    page = _open(watched)
    page.locator("#analyze").click()
    expect(page.locator("#status")).to_have_class("status status-error")
    oversized = "x" * (1024 * 1024 + 1)  # one byte over the default MAX_BODY_BYTES
    page.locator("#review").fill(oversized)
    page.locator("#analyze").click()
    expect(page.locator("#status")).to_contain_text("413")
    expect(page.locator("#result")).to_be_hidden()
    # The failed request is logged by Chromium as a network error; nothing else may be.
    assert all("413" in line for line in watched.console_errors)
    assert watched.page_errors == watched.dialogs == []


def test_output_formats_show_the_raw_document(watched: Watched, server: Server) -> None:
    page = _open(watched)
    options = page.locator("#format option").all_text_contents()
    others = [name for name in options if name != "json"]
    assert others, "the format selector offers only json"
    body = _seed(SEED_ID)
    for name in others:
        page.locator("#format").select_option(name)
        _analyze(page, body)
        expect(page.locator("#format-output")).to_be_visible()
        expect(page.locator("#format-name")).to_have_text(name)
        expect(page.locator("#format-text")).not_to_be_empty()
        expect(page.locator("#status")).not_to_have_class("status status-error")
    watched.assert_clean()


def test_a_dropped_file_becomes_the_review(watched: Watched, server: Server) -> None:
    page = _open(watched)
    transfer = page.evaluate_handle(
        """text => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "review.md", { type: "text/markdown" }));
            return transfer;
        }""",
        ASTRAL_REVIEW,
    )
    page.dispatch_event("#dropzone", "dragover", {"dataTransfer": transfer})
    expect(page.locator("#dropzone")).to_have_class("dropzone is-dragging")
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    expect(page.locator("#status")).to_contain_text("Loaded review.md")
    assert page.locator("#review").input_value() == ASTRAL_REVIEW  # decoded as UTF-8
    page.locator("#analyze").click()
    expect(page.locator("#text-view mark.hl-start")).to_have_count(
        len(server.analyze(ASTRAL_REVIEW)["issues"])
    )
    watched.assert_clean()


def test_an_api_key_is_sent_only_when_given(watched: Watched) -> None:
    page = _open(watched)
    page.locator("#review").fill("No security defects are detected in the code.")
    for key in ("", "k3y-for-the-playground-0123"):
        page.locator("#api-key").fill(key)
        with page.expect_request(lambda r: r.method == "POST") as sent:
            page.locator("#analyze").click()
        assert sent.value.headers.get("x-api-key") == (key or None)
        expect(page.locator("#status")).to_contain_text("issue")
    watched.assert_clean()
