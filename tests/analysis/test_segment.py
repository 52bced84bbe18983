"""Segmentation: which parts of a review are points, and which are the prose around them."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.analysis.normalize import normalize
from service.analysis.segment import MAX_CARD_FIELDS, MAX_RECORDS, Document, segment


def _segment(body: str) -> Document:
    return segment(normalize(body).text)


def _titles(doc: Document) -> list[str | None]:
    return [s.title for s in doc.segments]


def test_numbered_list_keeps_nested_bullets_in_their_parent() -> None:
    body = (
        "Here are my findings:\n\n"
        "1. Unused imports:\nThe module imports these but never uses them:\n"
        "\t* `os`\n\t* `sys`\nRemove them.\n"
        "2. Missing docstrings: `run()` has no docstring.\n\n"
        "Overall the change is fine."
    )
    doc = _segment(body)
    assert _titles(doc) == ["Unused imports", "Missing docstrings"]
    assert "`sys`" in doc.segments[0].text
    assert "Remove them." in doc.segments[0].text
    assert any("Overall" in p.text for p in doc.prose)


def test_list_items_lose_their_markers_and_bold_lead_becomes_the_title() -> None:
    doc = _segment("- **Hardcoded key** – `API_KEY` is committed (line 3).\n- nit: rename `x`")
    first, second = doc.segments
    assert first.title == "Hardcoded key"
    assert first.text.startswith("`API_KEY` is committed")
    assert second.title is None
    assert second.text == "nit: rename `x`"


def test_a_paragraph_that_opens_with_the_verdict_and_raises_a_point_is_split() -> None:
    body = "Security-wise this looks fine. One bug though: `total` is never reset in `run()`."
    doc = _segment(body)
    (point,) = doc.segments
    assert point.text == "One bug though: `total` is never reset in `run()`."
    assert body[point.start : point.end] == point.text
    verdict = next(p for p in doc.prose if p.text == "Security-wise this looks fine.")
    assert body[verdict.start : verdict.end] == verdict.text


def test_a_nit_after_the_verdict_is_a_point() -> None:
    doc = _segment("Nothing security-relevant here. Nit: `tmp2` could use a better name.")
    (point,) = doc.segments
    assert point.text == "Nit: `tmp2` could use a better name."


def test_a_paragraph_that_only_states_the_verdict_is_no_point() -> None:
    doc = _segment("Security-wise this looks fine. The change only renames helpers.")
    assert doc.segments == ()


def test_a_colon_inside_a_code_span_does_not_end_a_title() -> None:
    doc = _segment("1. The `edit(restored: Alarm)` function calls `save()`.\n2. `x` is unused.")
    first, _ = doc.segments
    assert first.title is None
    assert first.text.startswith("The `edit(restored: Alarm)` function")


def test_heading_sections_are_points_and_framing_headings_are_not() -> None:
    body = (
        "## Security review of `app.py`\n\n"
        "### 1. SQL injection in `search()`\n\n**Severity:** High\n\nThe query is built with an "
        "f-string.\n\n```python\ncursor.execute(q)\n```\n\n"
        "### 2. Debug mode\n\n`DEBUG = True` ships to production.\n\n"
        "### Conclusion\n\nFix the first one before merging."
    )
    doc = _segment(body)
    assert _titles(doc) == ["SQL injection in `search()`", "Debug mode"]
    assert "cursor.execute" not in doc.segments[0].text  # code is not prose
    assert any("Fix the first one" in p.text for p in doc.prose)


def test_a_heading_whose_list_holds_only_fields_is_one_point() -> None:
    body = (
        "### Stack overflow in `parse()`\n"
        "* **Risk:** Critical\n* **CWE:** CWE-787\n* **Details:** `strcpy` copies unbounded input."
    )
    doc = _segment(body)
    assert len(doc.segments) == 1
    assert doc.segments[0].title == "Stack overflow in `parse()`"


def test_bold_lines_title_sections_and_a_bold_conclusion_closes_them() -> None:
    body = (
        "**1. Hardcoded API key**\nLine 9 assigns a live key to `KEY`.\n\n"
        "**2. Amount validation**\nNegative amounts are rejected.\n\n"
        "**Conclusion:** No security defects are detected in the code."
    )
    doc = _segment(body)
    assert _titles(doc) == ["Hardcoded API key", "Amount validation"]
    assert all("Conclusion" not in s.text for s in doc.segments)


def test_table_rows_are_points_with_their_columns_as_fields() -> None:
    body = (
        "| # | Severity | Finding | Location |\n|---|---|---|---|\n"
        "| 1 | High | Shell command built from input | lines 60, 69 |\n"
        "| 2 | Low | Token printed in verbose mode | publish.py#L10 |"
    )
    doc = _segment(body)
    assert _titles(doc) == ["Shell command built from input", "Token printed in verbose mode"]
    assert doc.segments[0].field("severity") == "High"


def test_a_json_answer_yields_one_point_per_entry_with_exact_spans() -> None:
    answer = {
        "vulnerabilities": [
            {"type": "XSS", "description": "`name` is echoed unescaped.", "location": "line 4"},
            {"type": "SSRF", "description": "`url` is fetched as given.", "location": "line 9"},
        ],
        "summary": "2 security vulnerabilities found.",
    }
    body = "```json\n" + json.dumps(answer, indent=2) + "\n```"
    doc = _segment(body)
    assert _titles(doc) == ["XSS", "SSRF"]
    for seg, entry in zip(doc.segments, answer["vulnerabilities"], strict=True):
        assert json.loads(body[seg.start : seg.end]) == entry
    assert any(p.label == "summary" for p in doc.prose)


def test_a_sectioned_answer_is_one_point_and_no_issue_is_none() -> None:
    one = _segment(
        "Security type:\nConcurrency\nDescription:\nA race.\nImpact:\nBad.\nAdvice:\nLock."
    )
    assert len(one.segments) == 1
    assert one.segments[0].title == "Concurrency"
    none = _segment("Security Type:\nNo Issue\nDescription:\n\nImpact:\n\nAdvice:\n")
    assert none.segments == ()
    assert [(p.label, p.text) for p in none.prose] == [("security type", "No Issue")]


def test_a_yaml_answer_yields_its_issue_keys() -> None:
    body = (
        "```yaml\nreview:\n  estimated_effort: 2\n  possible_issues: |\n"
        "    Possible Bug: `fetch()` returns None on redirect.\n  security_concerns: No\n```"
    )
    doc = _segment(body)
    assert len(doc.segments) == 1
    assert doc.segments[0].title == "Possible Bug"
    assert ("security concerns", "No") in [(p.label, p.text) for p in doc.prose]


def test_without_structure_each_paragraph_that_makes_a_point_is_one() -> None:
    body = (
        "I found one likely issue.\n\n"
        "The `load()` helper passes the request parameter to `import_module()`, so any module "
        "can be imported.\n\nN/A"
    )
    doc = _segment(body)
    assert len(doc.segments) == 1
    assert doc.segments[0].text.startswith("The `load()` helper")


def test_a_suggestion_block_joins_the_point_before_it() -> None:
    body = "Use the settings value here.\n\n```suggestion\ntimeout = settings.TIMEOUT\n```"
    doc = _segment(body)
    assert len(doc.segments) == 1
    assert doc.segments[0].field("suggestion") == "timeout = settings.TIMEOUT"
    assert doc.segments[0].end == len(body)


@pytest.mark.parametrize(
    ("body", "unclosed"),
    [
        ("Fix:\n\n```python\nx = 1\n", True),
        ("Fix:\n\n```python\nx = 1\n```\n", False),
        ("```No security defects are detected in the code```", False),
    ],
)
def test_unclosed_fences_are_noticed(body: str, unclosed: bool) -> None:
    assert _segment(body).unclosed_fence is unclosed


def test_a_code_fence_is_never_split() -> None:
    body = (
        "1. Replace the loop:\n\n   ```python\n   # 2. not an item\n   - nor this\n   ```\n2. Done"
    )
    doc = _segment(body)
    assert len(doc.segments) == 2


@pytest.mark.parametrize("body", ["", "   \n\t", "<!-- nothing -->", "```\n```"])
def test_content_free_bodies_have_no_content(body: str) -> None:
    assert _segment(body).has_content is False


def test_spans_are_ordered_and_inside_the_text() -> None:
    body = "# A\n\nfirst point here.\n\n# B\n\n- one thing\n- another thing\n"
    text = normalize(body).text
    doc = segment(text)
    starts = [s.start for s in doc.segments]
    assert starts == sorted(starts)
    assert all(0 <= s.start < s.end <= len(text) for s in doc.segments)


def test_a_json_answer_with_more_entries_than_are_read_is_capped() -> None:
    entries = [
        {"title": f"Finding {n}", "description": f"`f{n}()` leaks a handle."} for n in range(400)
    ]
    doc = _segment(json.dumps({"issues": entries}))
    assert doc.structured
    assert doc.capped
    assert len(doc.segments) == MAX_RECORDS
    assert doc.segments[-1].title == f"Finding {MAX_RECORDS - 1}"


@pytest.mark.parametrize(
    "body", ["[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "[a](" * 5000]
)
def test_runaway_or_broken_json_is_read_as_text(body: str) -> None:
    doc = _segment(body)
    assert not doc.structured


def _unclosed_reference(text: str) -> bool:
    """A fence still open at the end, read line by line (the rules `segment` implements)."""
    opened: str | None = None
    for line in text.split("\n"):
        match = re.match(r"[ \t]{0,3}(`{3,}|~{3,})(.*)", line)
        if match is None:
            continue
        marker, rest = match.groups()
        if opened is None:
            if not (marker[0] == "`" and "`" in rest):
                opened = marker
        elif marker[0] == opened[0] and len(marker) >= len(opened) and not rest.strip():
            opened = None
    return opened is not None


# A small input space: four times the profile's budget covers it well ("make fuzz" raises it).
_PROFILE_EXAMPLES = settings.get_profile(settings.get_current_profile_name()).max_examples
_FENCE_PIECES = [
    "```",
    "````",
    "~~~",
    "~~~~",
    "``` py",
    "```x`",
    "   ```",
    "    ```",
    "text",
    " ",
    "`",
]


@settings(max_examples=4 * _PROFILE_EXAMPLES, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_FENCE_PIECES), max_size=3), max_size=10))
def test_an_unclosed_fence_is_found_as_the_line_rules_say(lines: list[list[str]]) -> None:
    text = "\n".join("".join(parts) for parts in lines)
    assert _segment(text).unclosed_fence == _unclosed_reference(text)


def test_a_yaml_answer_listing_records_yields_one_point_per_record() -> None:
    body = (
        "```yaml\n"
        "vulnerabilities:\n"
        "  - title: Command injection\n"
        "    line: 23\n"
        "    detail: runs a shell command built from user input\n"
        "  - title: Weak hash\n"
        "    detail: passwords are hashed with md5\n"
        "```"
    )
    doc = _segment(body)
    assert doc.structured
    assert _titles(doc) == ["Command injection", "Weak hash"]
    first, second = (body[s.start : s.end] for s in doc.segments)
    assert first.startswith("- title: Command injection")
    assert first.endswith("user input")
    assert second == "- title: Weak hash\n    detail: passwords are hashed with md5"


def test_a_paragraph_headed_by_a_numbered_point_line_takes_it_as_its_title() -> None:
    body = (
        "Issue 1 — Path traversal (High)\nFile: upload.py:88\n"
        "`open(base + name)` escapes `base`.\n\n"
        "Finding 2: Missing timeout\n`requests.get(url)` has no timeout.\n\n"
        "The refactor keeps behaviour the same and reads well\noverall."
    )
    doc = _segment(body)
    assert _titles(doc) == ["Issue 1 — Path traversal (High)", "Finding 2: Missing timeout", None]
    assert doc.segments[0].text.startswith("File: upload.py:88")


@pytest.mark.parametrize(
    "body",
    [
        "The `__init__` method never calls `super().__init__()`.",
        "- **Bug**: `func(**kwargs)` drops the `timeout` keyword.",
        "| Issue | Where |\n|---|---|\n| Dunder misuse | `__eq__` without `__hash__` |",
        "- __Bug__: `__del__` runs `**cleanup()` too late.",
    ],
)
def test_bold_markers_are_stripped_but_not_inside_code_spans(body: str) -> None:
    document = segment(body)
    texts = " ".join(f"{s.title or ''} {s.text}" for s in document.segments)
    spans = re.findall(r"`[^`]+`", body)
    assert spans
    assert all(span in texts for span in spans)
    outside = re.sub(r"`[^`]+`", "", texts)
    assert "**" not in outside
    assert "__" not in outside


@pytest.mark.parametrize(
    "body",
    [
        "```yaml\nsecurityContext:\n  privileged: true\n```\n"
        "This container runs privileged; drop it unless the workload needs host devices.",
        '```json\n{"image": "nginx:latest", "replicas": 3}\n```\n'
        "The image is not pinned to a digest, so a pushed tag changes what runs.",
    ],
)
def test_a_quoted_config_block_is_not_read_as_the_answer(body: str) -> None:
    document = _segment(body)
    assert not document.structured
    assert [s.origin for s in document.segments] == ["paragraph"]


def test_a_yaml_block_with_review_keys_is_the_answer() -> None:
    body = "```yaml\nfindings:\n  - title: Debug mode on\n    severity: high\n```"
    document = _segment(body)
    assert document.structured
    assert [s.title for s in document.segments] == ["Debug mode on"]


def test_a_yaml_list_of_sentences_yields_one_point_per_sentence() -> None:
    body = (
        "```yaml\n"
        "issues:\n"
        "  - The `conn` handle is never closed in `fetch`.\n"
        "  - User `name` goes into the SQL string unescaped.\n"
        "```"
    )
    document = _segment(body)
    assert [s.text for s in document.segments] == [
        "The `conn` handle is never closed in `fetch`.",
        "User `name` goes into the SQL string unescaped.",
    ]
    assert [body[s.start : s.end] for s in document.segments] == [
        "- The `conn` handle is never closed in `fetch`.",
        "- User `name` goes into the SQL string unescaped.",
    ]


def test_a_yaml_answer_without_a_fence_is_read_as_yaml() -> None:
    body = (
        "verdict: needs changes\n"
        "issues:\n"
        "  - title: Debug mode on\n"
        "    detail: settings.DEBUG is True in production\n"
    )
    document = _segment(body)
    assert document.structured
    assert _titles(document) == ["Debug mode on"]
    assert body[document.segments[0].start :].startswith("- title: Debug mode on")


@pytest.mark.parametrize(
    "body",
    [
        # Flat lines: a sectioned review, not a YAML answer.
        "security type: Concurrency\ndescription: `count` is updated without a lock.\n",
        # Capitalised labels are prose, even when they parse as YAML.
        "Issues:\n- `conn` is never closed.\n- `name` is not escaped.\n",
    ],
)
def test_key_value_prose_is_not_read_as_a_bare_yaml_answer(body: str) -> None:
    assert all(s.origin != "yaml" for s in _segment(body).segments)


def test_an_empty_or_yes_finding_list_value_is_no_point() -> None:
    assert _segment("```yaml\nsecurity_issues: []\nsummary: fine\n```").segments == ()
    document = _segment('{"security_concerns": "Yes", "summary": "see below"}')
    assert document.segments == ()
    assert ("security concerns", "Yes") in [(p.label, p.text) for p in document.prose]


@pytest.mark.parametrize(
    "line",
    [
        "**SecureBot** found 1 potential issue in this pull request.",
        ":lock: **Dependency check**: 1 vulnerable package",
        "**Bot review** · 1 finding",
        "**kong-lint** found 1 issue in `plugins/tenant-router/handler.lua`",
        "🔐 **SecretGuard** — 1 new finding",
        "🔒 **SecureStack Bot** — 1 high, 1 medium",
        "**🤖 SecBot review** — `src/server.ts`",
        "⚠️ **secret-scan** · `app.rb:7`",
    ],
)
def test_a_bot_count_line_is_prose(line: str) -> None:
    body = f"{line}\n\n`package.json` pins `lodash` to `4.17.15`, which is affected by a CVE."
    document = _segment(body)
    assert [s.text[:14] for s in document.segments] == ["`package.json`"]


def test_a_bold_line_after_an_emoji_titles_the_point_and_keeps_its_suggestion() -> None:
    body = (
        "⚠️ **Script injection in workflow**\n\n"
        "The `run:` step expands `${{ github.event.issue.title }}` before the shell runs.\n\n"
        '```suggestion\nrun: echo "$TITLE"\n```\n'
    )
    document = _segment(body)
    assert _titles(document) == ["Script injection in workflow"]
    assert document.segments[0].field("suggestion") == 'run: echo "$TITLE"'


def test_a_verdict_later_in_a_paragraph_still_splits_off_the_point_after_it() -> None:
    body = (
        "Went through the new `InvoiceController`; all queries use bindings. I'm happy with it "
        "from a security standpoint. nit: `$d` would read better as `$dto`."
    )
    document = _segment(body)
    assert [s.text for s in document.segments] == ["nit: `$d` would read better as `$dto`."]
    assert body[document.segments[0].start :] == "nit: `$d` would read better as `$dto`."


@pytest.mark.parametrize(
    ("body", "point"),
    [
        (
            "Thanks for picking this up! One thing before we merge: `strcpy(hdr->name, tok)` "
            "copies whatever the tokenizer handed back.",
            "One thing before we merge:",
        ),
        (
            "Nothing to flag from a security standpoint. One gap though: `test_refund` never "
            "asserts on the ledger entry.",
            "One gap though:",
        ),
    ],
)
def test_an_opening_lead_in_or_verdict_splits_off_the_point_after_it(body: str, point: str) -> None:
    document = _segment(body)
    assert [s.text[: len(point)] for s in document.segments] == [point]
    assert body[document.segments[0].start :].startswith(point)


def test_html_inside_a_code_span_is_code_and_outside_it_is_markup() -> None:
    document = _segment('<img src="avatar.png"/> `<div dangerouslySetInnerHTML={x} />` renders it.')
    assert document.segments[0].text == "`<div dangerouslySetInnerHTML={x} />` renders it."


def test_a_tagged_point_after_what_is_fine_is_split_off() -> None:
    body = (
        "Bounds look right to me: `len` is checked before the memcpy. Minor: `parse_opts` is "
        "~200 lines now, consider splitting it."
    )
    assert [s.text[:6] for s in _segment(body).segments] == ["Minor:"]


def test_a_long_verdict_paragraph_that_raises_nothing_is_prose() -> None:
    body = (
        "Went through the OAuth callback changes with my security hat on, nothing to flag. The "
        "`state` value is compared against the session and the post-login redirect comes from "
        "the config file, not from the request."
    )
    assert _segment(body).segments == ()


def test_a_list_of_what_was_checked_restates_the_scope() -> None:
    body = (
        "### Security review\n\n**What I checked**\n"
        "- Security group ingress: only 443 from `0.0.0.0/0` on the ALB.\n"
        "- No secrets or plaintext parameters in the template.\n\n"
        "**Result:** No vulnerabilities found."
    )
    assert _segment(body).segments == ()


def test_a_reply_that_opens_with_a_quote_makes_its_points_after_it() -> None:
    reply = _segment(
        "> Should we worry about path traversal in `load_template`?\n\n"
        "Good question: `name` is built from `to_filename`, never from the request, but "
        "`cache_dir` is never cleaned up."
    )
    assert [s.text[:13] for s in reply.segments] == ["Good question"]
    assert not any("Should we worry" in p.text for p in reply.prose)
    bot = _segment("> **Possible nil index** (line 34)\n> `body.tenant` is read unchecked.")
    assert len(bot.segments) == 1


@pytest.mark.parametrize(
    "body",
    [
        "review:\n  verdict: changes_requested\n  security_findings:\n"
        "    - id: 1\n      what: the slice panics on a short frame\n",
        # A plain "security:" key holding a list, beside an empty "style:" list.
        "review:\n  file: cmd/api/main.go\n  security:\n    - id: 1\n      severity: high\n"
        '      problem: AllowOrigins is ["*"] together with AllowCredentials true.\n'
        "  style: []\n  decision: request_changes\n",
    ],
)
def test_a_yaml_answer_under_security_findings_yields_its_records(body: str) -> None:
    assert [s.origin for s in _segment(body).segments] == ["yaml"]


def test_a_security_section_that_only_states_the_verdict_is_prose() -> None:
    body = (
        "## Security\n"
        "No security issues found. `getInvoices` binds its parameters.\n\n"
        "## Code quality\n"
        "- `fetchAll()` should be renamed.\n"
    )
    document = _segment(body)
    assert [s.text for s in document.segments] == ["`fetchAll()` should be renamed."]
    assert any(p.text.startswith("No security issues found.") for p in document.prose)


@pytest.mark.parametrize(
    "body",
    [
        "- **File:** `app/cache.rb`\n"
        "- **Issue:** `Marshal.load(redis.get(key))` deserializes data other services write.\n"
        "- **Fix:** store JSON and parse it with `JSON.parse`.",
        "## Findings\n\n* File: `app/cache.rb`\n"
        "* Issue: `Marshal.load(redis.get(key))` deserializes data other services write.",
    ],
)
def test_a_list_of_fields_alone_or_under_findings_is_one_finding_card(body: str) -> None:
    document = _segment(body)
    assert len(document.segments) == 1
    card = document.segments[0]
    assert card.title is not None
    assert card.title.startswith("`Marshal.load")
    assert card.field("file") == "`app/cache.rb`"


def test_a_comment_that_is_all_wrap_up_keeps_its_advice_as_a_point() -> None:
    body = "Overall the code looks good, but consider adding some comments."
    document = _segment(body)
    assert [s.text for s in document.segments] == [body]


def test_wrap_up_advice_beside_other_points_stays_prose() -> None:
    body = (
        "`timeout` is never passed to `requests.get` in `fetch()`.\n\n"
        "Overall the code looks good, but consider adding some comments."
    )
    document = _segment(body)
    assert [s.text for s in document.segments] == [body.split("\n\n")[0]]


@pytest.mark.parametrize(
    ("body", "points"),
    [
        ("This regex `^(a+)+$` is vulnerable to catastrophic backtracking.", 1),
        ("The code is vulnerable to SQL injection.", 0),
        ("No security issues: the change only adjusts CSS spacing in `header.scss`.", 0),
        ("Whether this is safe depends on the server validating `amount`.", 1),
    ],
)
def test_a_short_verdict_paragraph_is_a_point_only_when_it_names_code(
    body: str, points: int
) -> None:
    assert len(segment(normalize(body).text).segments) == points


def test_a_field_list_longer_than_a_card_stays_prose() -> None:
    body = "".join(f"- **Issue:** problem {n}\n" for n in range(MAX_CARD_FIELDS + 1))
    assert segment(normalize(body).text).segments == ()


def test_lines_opened_by_severity_tags_are_one_point_each() -> None:
    body = (
        "Security review of the deploy config\n\n"
        "[HIGH] `.env.production` sets `APP_DEBUG=true`.\n"
        "[MEDIUM] `config/session.php` leaves the cookie's `secure` flag off\n"
        "in production.\n"
        "[LOW] `composer.json` pins `guzzle` at `7.4.1`."
    )
    points = [s.text for s in segment(body).segments]
    assert len(points) == 3
    assert points[1].startswith("[MEDIUM]")
    assert points[1].endswith("in production.")


@pytest.mark.parametrize(
    "header",
    [
        ":robot: SecScan | rule `CS-DESER-001` | severity: High",
        "🤖 **CodeGuard** · rule `r.eval-user-input` · severity: high",
        # A tool, its rule and a severity; a tool and what it ran; a count of what it found.
        "**Semgrep** · ruby.lang.eval-injection · High",
        "**[appsec-bot]** `ruby/code-eval` (severity: HIGH)",
        "🔒 **Code audit** (brakeman)",
        ":rotating_light: AppSecBot found 1 issue in this pull request",
    ],
)
def test_a_bot_rule_header_frames_the_comment(header: str) -> None:
    body = f"{header}\n\n`eval(params[:q])` runs whatever the client sends."
    points = segment(body).segments
    assert [p.text for p in points] == ["`eval(params[:q])` runs whatever the client sends."]


def test_a_closing_label_does_not_turn_the_points_before_it_into_a_preamble() -> None:
    body = (
        "Here is my review of `Auth.kt`:\n\n"
        '**1. Signing key lives in the source.** `Algorithm.HMAC256("demo-secret")` ships the '
        "JWT key inside the jar.\n\n"
        "**2. Tokens never expire.** `JWT.create()` has no `withExpiresAt(...)`.\n\n"
        "**Verdict:** security issues found - please address 1 and 2 before merging."
    )
    document = segment(body)
    assert len(document.segments) == 2
    assert all("Verdict" not in point.text for point in document.segments)


def test_a_summary_label_that_opens_the_review_does_not_take_in_the_points_after_it() -> None:
    body = (
        "**Summary:** `RegisterWebhook` stores a callback URL and `DeliverEvent` posts to it.\n\n"
        "**Server-side request forgery:** `req.GetCallbackUrl()` goes into `http.Post` "
        "unchecked.\n\n"
        "**Timeouts:** `http.DefaultClient` has no timeout."
    )
    titles = [point.text.split(":")[0] for point in segment(body).segments]
    assert titles == ["Server-side request forgery", "Timeouts"]


def test_a_bot_header_on_the_first_line_of_a_paragraph_frames_the_point_below_it() -> None:
    body = (
        ":robot: **infra-lint** | severity: HIGH | rule `ANS-TLS-004`\n"
        "`tasks/main.yml:27` - `get_url` fetches the tarball with `validate_certs: no`."
    )
    points = segment(body).segments
    assert [p.text for p in points] == [
        "`tasks/main.yml:27` - `get_url` fetches the tarball with `validate_certs: no`."
    ]


def test_findings_nested_under_files_in_a_json_answer_are_read_with_their_file() -> None:
    answer = {
        "summary": "Reviewed 2 files.",
        "files": {
            "lib/auth/jwt.ts": {"risk": "high", "issues": [{"line": 7, "message": "A"}]},
            "app/route.ts": {"risk": "high", "issues": [{"line": 22, "message": "B"}]},
            "schema.prisma": {"risk": "none", "issues": []},
        },
        "security_concerns": "Yes",
    }
    body = json.dumps(answer, indent=2)
    points = segment(body).segments
    assert [p.field("file") for p in points] == ["lib/auth/jwt.ts", "app/route.ts"]
    # Each point's span is its record in the answer.
    records = [json.loads(body[point.start : point.end]) for point in points]
    assert [record["message"] for record in records] == ["A", "B"]


def test_findings_nested_in_a_yaml_list_are_read_with_their_spans() -> None:
    body = (
        "review:\n"
        "  verdict: changes_requested\n"
        "  screens:\n"
        "    - name: PinSetupScreen\n"
        "      findings:\n"
        "        - severity: high\n"
        "          issue: The PIN is hashed with unsalted SHA-1.\n"
        "    - name: SettingsScreen\n"
        "      findings: []\n"
    )
    points = segment(body).segments
    assert len(points) == 1
    assert body[points[0].start : points[0].end].startswith("severity: high")
    assert points[0].field("severity") == "high"


def test_paragraphs_under_a_findings_heading_are_points_and_a_summary_stays_prose() -> None:
    body = (
        "### Summary\nThis PR adds `setTreasury(address)` to `Vault.sol`.\n\n"
        "### Findings\n**`setTreasury` is callable by anyone.** It has no `onlyOwner` modifier.\n\n"
        "**Gas:** `sweep()` iterates over the whole `supportedTokens` array.\n\n"
        "### Conclusion\nTwo remarks above."
    )
    points = [p.text for p in segment(body).segments]
    assert len(points) == 2
    assert points[0].startswith("`setTreasury` is callable by anyone.")


def test_a_security_section_that_opens_with_no_issues_and_a_colon_is_the_verdict() -> None:
    body = (
        "### Security\nNo issues: it triggers on `pull_request`, keeps the read-only token and "
        "pins every action to a SHA.\n\n"
        "### Suggestions\n- `node-version` is repeated in three jobs."
    )
    document = segment(body)
    assert [p.text for p in document.segments] == ["`node-version` is repeated in three jobs."]
    assert any(p.label == "security concerns" for p in document.prose)


def test_a_list_item_whose_first_line_wraps_has_no_title() -> None:
    body = (
        "- The `get_url` task sets `validate_certs: false`, so anyone on the path can\n"
        "  swap the download, and the next task runs it as root.\n"
        "- **Loose mode**\n"
        "  `agent.conf` is written with mode 0644.\n"
    )
    points = segment(body).segments
    assert points[0].title is None
    assert points[0].text.startswith("The `get_url` task sets")
    assert points[1].title == "Loose mode"


def test_a_title_field_that_holds_a_description_is_read_as_text() -> None:
    body = (
        "review:\n"
        "  findings:\n"
        "    - line: 41\n"
        "      severity: high\n"
        "      issue: >-\n"
        "        The container sets privileged: true and mounts / read-write. It only\n"
        "        needs to read /var/log.\n"
        "    - line: 12\n"
        "      issue: Stale version label\n"
    )
    points = segment(body).segments
    assert points[0].title is None
    assert "Issue: The container sets privileged: true" in points[0].text
    assert points[1].title == "Stale version label"


def test_a_summary_list_that_holds_the_only_points_is_read_as_points() -> None:
    body = (
        "### Summary\n"
        "- `ApiClient._create` sets `badCertificateCallback = (cert, host, port) => true`, so "
        "release builds accept any certificate.\n"
        "- The `retry` helper would benefit from exponential backoff.\n\n"
        "Overall: no security issues found; the change looks good to merge.\n"
    )
    points = segment(body).segments
    assert [p.text[:20] for p in points] == ["`ApiClient._create` ", "The `retry` helper w"]
    # With points elsewhere, the summary restates them and stays prose.
    restated = "### Findings\n- `a()` leaks the token.\n\n### Summary\n- One leak in `a()`.\n"
    assert [p.text for p in segment(restated).segments] == ["`a()` leaks the token."]
    # A summary that raises nothing stays prose even alone.
    quiet = "### Summary\n- Adds pagination to `/orders`.\n- Looks good.\n"
    assert segment(quiet).segments == ()


def test_a_quoted_manifest_with_one_finding_label_is_not_the_answer() -> None:
    # `name` is a label findings use too, but one such key is a config file's, not an answer's.
    body = (
        "The new binding gives the `builder` service account cluster-wide rights:\n\n"
        "```yaml\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n"
        "  - kind: ServiceAccount\n    name: builder\n```\n\n"
        "Scope it down to a namespaced `Role` with the verbs the job uses."
    )
    document = _segment(body)
    assert not document.structured
    assert any("Scope it down" in s.text for s in document.segments)


def test_sentences_that_justify_a_verdict_stay_with_it() -> None:
    body = (
        "Security: no concerns. The API key is read from the secret store and never logged. "
        "`tests/billing/` has no integration test for the retry path though; please add one."
    )
    document = _segment(body)
    assert [s.text[:16] for s in document.segments] == ["`tests/billing/`"]


def test_a_verdict_that_opens_a_sentence_mid_paragraph_splits_off_the_advice_after_it() -> None:
    body = (
        "Every container drops its capabilities and the token comes from a Secret. Looks "
        "secure. As a general habit, rotate that token from time to time."
    )
    document = _segment(body)
    assert [s.text[:12] for s in document.segments] == ["As a general"]


def test_a_yaml_answer_with_unquoted_colons_and_backticks_is_still_read_as_yaml() -> None:
    # Hand-written YAML often leaves `: ` or a leading backtick in a plain value; those values
    # are quoted and the answer read again. Block scalars keep their text as written.
    body = (
        "verdict: changes_requested\n"
        "findings:\n"
        "  - file: src/session.ts\n"
        "    detail: >\n"
        "      note: the cookie is set without the Secure flag.\n"
        "    fix: pass `secure: true` to `cookies().set`\n"
        "  - file: src/jobs.ts\n"
        "    problem: `retries` is never reset between jobs\n"
    )
    document = _segment(body)
    assert document.structured
    first, second = document.segments
    assert "Detail: note: the cookie is set" in first.text
    assert "Fix: pass `secure: true` to `cookies().set`" in first.text
    assert second.title == "`retries` is never reset between jobs"


def test_text_with_a_key_no_answer_uses_is_not_repaired_into_yaml() -> None:
    body = (
        "security_concerns: none\n\n"
        "Functional notes:\n"
        "- `BookingTest` covers creation, but nothing exercises `cancel()`. Please add that case."
    )
    document = _segment(body)
    assert not document.structured
    assert [s.text[:13] for s in document.segments] == ["`BookingTest`"]


@pytest.mark.parametrize(
    ("body", "points"),
    [
        # The remaining points of a review whose security section found nothing.
        (
            "### Summary\nAdds `invoiceRouter.list` with cursor pagination.\n\n"
            "### Security\nNo vulnerabilities identified. Filters go through `eq()`, so values "
            "are bound.\n\n"
            "### Suggestions\n- Add a test for the last page, where `nextCursor` comes back as "
            "null.\n",
            [("Add a ", True)],
        ),
        # The same heading with no security section that cleared anything.
        (
            "### 1. Token in the job log\n`echo $DEPLOY_TOKEN` prints the token.\n\n"
            "### Suggestions\n- Rotate the token once this lands.\n",
            [("`echo ", False), ("Rotate", False)],
        ),
        # A code-quality section, in any review.
        (
            '### 1. SQL built by concatenation\n`"WHERE id = " + id` in `find()`.\n\n'
            "### Code quality\n- `GetReportsAsync` and `GetReportAsync` repeat the same "
            "projection.\n",
            [('`"WHER', False), ("`GetRe", True)],
        ),
        # Paragraphs under "## Other" are points, and set apart after a cleared security section.
        (
            "## Security\nI don't see any security problems: the query goes through "
            "`$wpdb->prepare`.\n\n"
            "## Other\n`$r2` in `export_rows()` is hard to follow; rename it to `$results`.\n",
            [("`$r2` ", True)],
        ),
        # What a paragraph adds after saying security is fine.
        (
            'Went through the Ktor auth setup: `authenticate("jwt")` wraps every admin route. '
            "Nothing to flag security-wise. Minor: `validateCreds` could just be "
            "`validateCredentials`.",
            [("Minor:", True)],
        ),
        # A nit after a paragraph that cleared security; a plain point after it is not.
        (
            "LGTM from a security standpoint: the consumer checks membership before "
            "`group_add`.\n\n"
            "Minor: `handle_msg` is a vague name now that there are three message types.\n\n"
            "`retry_count` is never reset between messages.",
            [("Minor:", True), ("`retry", False)],
        ),
    ],
)
def test_points_the_review_sets_apart_from_security_are_marked(
    body: str, points: list[tuple[str, bool]]
) -> None:
    assert [(s.text[:6], s.aside) for s in _segment(body).segments] == points


def test_a_scanners_tally_table_is_no_point_and_its_paragraphs_are() -> None:
    body = (
        "**Trivy image scan**: `billing-worker:pr-412`\n\n"
        "| Target | CRITICAL | HIGH |\n|---|---|---|\n| debian 10.13 | 4 | 19 |\n\n"
        "The `FROM` line pins .NET Core 3.1, past end of support. Bump the base image.\n"
    )
    doc = _segment(body)
    assert [s.text[:8] for s in doc.segments] == ["The `FRO"]
    assert any("CRITICAL" in p.text for p in doc.prose)


def test_a_security_section_that_closes_with_nothing_found_is_the_verdict() -> None:
    body = (
        "### Security\nEvery query in `repo.rs` uses `?N` placeholders, and the routes reject "
        "bodies over 16 KiB. I didn't find any security issues.\n\n"
        "### Other\n- `conn2` in `migrate()` is easy to confuse with `conn`.\n"
    )
    doc = _segment(body)
    assert [s.text[:7] for s in doc.segments] == ["`conn2`"]
    assert any("didn't find any security issues" in p.text for p in doc.prose)
