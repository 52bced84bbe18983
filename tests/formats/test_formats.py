"""What each format does with an Analysis: levels, locations, fingerprints, votes, escaping."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from service.analysis.model import Flag, Severity
from service.formats import (
    DEFAULT_FORMAT,
    FORMAT_CHOICES,
    ReviewContext,
    get_format,
    render,
    render_batch,
    to_text,
)
from service.formats.common import fingerprints
from service.formats.markdown import escape, escape_block
from service.formats.policy import FailOn, Outcome

from .cases import CRAFTED_01, CRAFTED_10, CRAFTED_13, HOSTILE, F, R, analysis, issue

CONTEXT = ReviewContext(path="app/db.py", commit="4f1c2e9", source="gpt-4o")


def body(fmt: str, analysis_: Any = CRAFTED_13, context: ReviewContext = CONTEXT, **kw: Any) -> Any:
    return render(analysis_, fmt, context, **kw).body


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Must be one of: json, sarif, rdjson"):
        get_format("xml")
    with pytest.raises(ValueError, match="Must be one of"):
        render(CRAFTED_01, "xml")


def test_openapi_documents_exactly_the_registered_formats(
    openapi_document: dict[str, Any],
) -> None:
    parameter = openapi_document["components"]["parameters"]["Format"]
    assert parameter["schema"]["enum"] == list(FORMAT_CHOICES)
    assert parameter["schema"]["default"] == DEFAULT_FORMAT
    for path in ("/v1/analyze", "/v1/analyze/batch"):
        parameters = openapi_document["paths"][path]["post"]["parameters"]
        assert {"$ref": "#/components/parameters/Format"} in parameters, path


def test_media_types() -> None:
    types = {fmt: render(CRAFTED_01, fmt).media_type for fmt in FORMAT_CHOICES}
    assert types == {
        "json": "application/json",
        "sarif": "application/sarif+json",
        "rdjson": "application/json",
        "github": "application/json",
        "gitlab": "application/json",
        "gerrit": "application/json",
        "markdown": "text/markdown; charset=utf-8",
    }


def test_rendered_carries_the_outcome() -> None:
    assert render(CRAFTED_01, "json").outcome is Outcome.FAIL
    assert render(CRAFTED_10, "json").outcome is Outcome.CLEAN
    items = [(CRAFTED_10, ReviewContext()), (CRAFTED_01, ReviewContext())]
    assert render_batch(items, "sarif").outcome is Outcome.FAIL


# --- sarif ---------------------------------------------------------------------------------------


def test_sarif_levels_follow_severity_and_kind() -> None:
    advice = issue(2, None, "Validate inputs.", R, "input-validation", Severity.INFO)
    info = issue(3, None, "Minor.", F, "naming", Severity.INFO)
    review = replace(CRAFTED_13, issues=(*CRAFTED_13.issues[:3], advice, info))
    results = body("sarif", review)["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "error", "error", "note", "none"]
    levels = {r["properties"]["severity"]: r["level"] for r in body("sarif")["runs"][0]["results"]}
    assert levels == {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def test_sarif_one_rule_per_category_with_cwe_relationship_and_tags() -> None:
    run = body("sarif")["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert list(rules) == [
        "injection",
        "cryptography",
        "authorization",
        "configuration",
        "request-forgery",
        "information-exposure",
        "resource-management",
        "dependency",
        "error-handling",
        "performance",
    ]
    injection = rules["injection"]
    assert injection["relationships"][0]["target"] == {
        "id": "74",
        "toolComponent": {"name": "CWE", "index": 0},
    }
    assert injection["properties"]["tags"] == ["security", "external/cwe/cwe-74"]
    assert injection["properties"]["security-severity"] == "9.5"
    assert rules["performance"]["properties"] == {"tags": ["quality"], "family": "quality"}
    assert "relationships" not in rules["performance"]
    assert run["taxonomies"][0]["name"] == "CWE"
    assert run["tool"]["driver"]["supportedTaxonomies"] == [{"name": "CWE", "index": 0}]


def test_sarif_locations_need_a_path() -> None:
    located = body("sarif")["runs"][0]["results"]
    first = located[0]["locations"][0]["physicalLocation"]
    assert first == {
        "artifactLocation": {"uri": "app/db.py"},
        "region": {"startLine": 14, "endLine": 14},
    }
    # An issue without a line reference is located at the file.
    assert located[5]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "app/db.py"}
    }
    # Further ranges are related locations.
    assert [
        loc["physicalLocation"]["region"]["startLine"] for loc in located[10]["relatedLocations"]
    ] == [115, 130]
    unlocated = body("sarif", context=ReviewContext())["runs"][0]["results"]
    assert all("locations" not in r and "relatedLocations" not in r for r in unlocated)
    assert unlocated[10]["properties"]["lines"] == [
        {"start": 101, "end": 101},
        {"start": 115, "end": 115},
        {"start": 130, "end": 130},
    ]


def test_sarif_carries_path_commit_source_and_policy() -> None:
    run = body("sarif", CRAFTED_01)["runs"][0]
    assert run["automationDetails"]["properties"] == {"source": "gpt-4o"}
    assert run["properties"]["policy"] == {"fail_on": "security", "outcome": "fail"}
    assert run["properties"]["reviews"] == [
        {
            "id": "crafted-01",
            "verdict": "defects_found",
            "flags": [],
            "outcome": "fail",
            "reason": "3 security findings",
            "path": "app/db.py",
            "commit": "4f1c2e9",
            "source": "gpt-4o",
        }
    ]
    assert [r["properties"]["blocking"] for r in run["results"]] == [True, True, True]


def test_sarif_observations_are_not_results() -> None:
    results = body("sarif", CRAFTED_10)["runs"][0]["results"]
    assert [r["properties"]["issue"] for r in results] == [3]
    assert results[0]["properties"]["kind"] == "recommendation"


def test_sarif_message_escapes_braces_and_brackets() -> None:
    text = body("sarif", HOSTILE)["runs"][0]["results"][0]["message"]["text"]
    assert "{{0}}" in text
    assert "\\[link\\](1)" in text


def test_sarif_batch_is_one_run_in_input_order() -> None:
    items = [(CRAFTED_01, CONTEXT), (CRAFTED_10, ReviewContext(source="other"))]
    log: Any = render_batch(items, "sarif").body
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert [r["properties"]["review"] for r in run["results"]] == [0, 0, 0, 1]
    assert "automationDetails" not in run  # the sources differ
    assert [r["outcome"] for r in run["properties"]["reviews"]] == ["fail", "clean"]


# --- fingerprints --------------------------------------------------------------------------------


def test_fingerprints_ignore_offsets_and_line_numbers_but_not_path_or_text() -> None:
    original = CRAFTED_01.issues[0]
    moved = replace(
        original,
        index=7,
        span=replace(original.span, start=5000, end=5400),
        lines=(),
    )
    renumbered = replace(original, text=original.text + " See line 470.")
    base = fingerprints([original], "app/db.py")[1]
    assert fingerprints([moved], "app/db.py")[7] == base
    assert fingerprints([renumbered], "app/db.py")[1] != base  # more text
    assert fingerprints([replace(original, text=original.text.upper())], "app/db.py")[1] == base
    assert fingerprints([original], "app/other.py")[1] != base
    assert fingerprints([replace(original, category="authorization")], "app/db.py")[1] != base
    line_moved = replace(original, title="SQL Injection in `search_orders()` at line 99")
    line_moved_again = replace(original, title="SQL Injection in `search_orders()` at line 12")
    assert (
        fingerprints([line_moved], "app/db.py")[1]
        == fingerprints([line_moved_again], "app/db.py")[1]
    )


def test_repeated_points_get_distinct_fingerprints() -> None:
    prints = fingerprints(HOSTILE.issues, None)
    assert prints[3] != prints[4]
    assert len(set(prints.values())) == len(HOSTILE.issues)


def test_gitlab_and_sarif_share_fingerprints() -> None:
    gitlab = [entry["fingerprint"] for entry in body("gitlab")]
    sarif = [
        r["partialFingerprints"]["reviewIssue/v1"] for r in body("sarif")["runs"][0]["results"]
    ]
    assert gitlab == sarif


# --- rdjson --------------------------------------------------------------------------------------


def test_rdjson_diagnostics() -> None:
    diagnostics = body("rdjson")["diagnostics"]
    first = diagnostics[0]
    assert first["location"] == {
        "path": "app/db.py",
        "range": {"start": {"line": 14}, "end": {"line": 14}},
    }
    assert first["severity"] == "ERROR"
    assert first["code"] == {
        "value": "injection",
        "url": "https://cwe.mitre.org/data/definitions/79.html",
    }
    assert first["source"] == {"name": "gpt-4o"}
    assert [d["severity"] for d in diagnostics][5:] == ["WARNING"] * 4 + ["INFO"] * 3
    assert diagnostics[11]["code"] == {"value": "performance"}
    assert "location" not in body("rdjson", context=ReviewContext())["diagnostics"][0]


# --- github --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("review", "fail_on", "event"),
    [
        (CRAFTED_13, FailOn.SECURITY, "REQUEST_CHANGES"),
        (CRAFTED_13, FailOn.CRITICAL, "REQUEST_CHANGES"),
        (replace(CRAFTED_13, issues=CRAFTED_13.issues[9:]), FailOn.MEDIUM, "COMMENT"),
        (CRAFTED_10, FailOn.SECURITY, "APPROVE"),
        (CRAFTED_10, FailOn.ANY, "APPROVE"),
    ],
)
def test_github_event_follows_the_policy(review: Any, fail_on: FailOn, event: str) -> None:
    assert body("github", review, fail_on=fail_on)["event"] == event


def test_github_inline_comments_only_where_path_and_line_are_known() -> None:
    payload = body("github")
    assert payload["commit_id"] == "4f1c2e9"
    comments = payload["comments"]
    assert [c["line"] for c in comments] == [14, 33, 64, 5, 77, 92, 101]
    assert comments[1] == {
        "path": "app/db.py",
        "line": 33,
        "side": "RIGHT",
        "start_line": 31,
        "start_side": "RIGHT",
        "body": comments[1]["body"],
    }
    assert "start_line" not in comments[0]
    assert comments[0]["body"].startswith("**critical** · injection (CWE-79) · fails the policy")
    assert "lines 101, 115, 130" in comments[6]["body"]
    assert body("github", context=ReviewContext())["comments"] == []
    assert "commit_id" not in body("github", context=ReviewContext())


def test_github_body_is_the_markdown_summary() -> None:
    assert body("github")["body"] == body("markdown")


# --- gitlab --------------------------------------------------------------------------------------


def test_gitlab_entries() -> None:
    report = body("gitlab")
    assert len(report) == 12
    assert report[0] == {
        "type": "issue",
        "check_name": "injection",
        "description": report[0]["description"],
        "fingerprint": report[0]["fingerprint"],
        "severity": "blocker",
        "location": {"path": "app/db.py", "lines": {"begin": 14, "end": 14}},
    }
    assert report[0]["description"].startswith("Stored XSS in comment rendering (CWE-79): `comment")
    assert [e["severity"] for e in report] == (
        ["blocker"] * 2 + ["critical"] * 3 + ["major"] * 4 + ["minor"] * 3
    )
    assert report[5]["location"]["lines"] == {"begin": 1, "end": 1}
    unlocated = body("gitlab", context=ReviewContext())
    assert {e["location"]["path"] for e in unlocated} == {"."}
    assert body("gitlab", CRAFTED_10)[0]["severity"] == "info"  # a recommendation


# --- gerrit --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("review", "vote"),
    [(CRAFTED_01, -1), (CRAFTED_10, 1), (replace(CRAFTED_10, flags=(Flag.HEDGED,)), 0)],
)
def test_gerrit_vote_follows_the_policy(review: Any, vote: int) -> None:
    review_input = body("gerrit", review)
    assert review_input["labels"] == {"Code-Review": vote}
    assert review_input["tag"] == "autogenerated:review-analyzer"


def test_gerrit_comments_are_keyed_by_path() -> None:
    review_input = body("gerrit", CRAFTED_01)
    assert list(review_input["comments"]) == ["app/db.py"]
    comments = review_input["comments"]["app/db.py"]
    assert [(c["line"], c["unresolved"]) for c in comments] == [(47, True), (12, True), (88, True)]
    assert comments[0]["message"].startswith(
        "[high, injection (CWE-89), fails the policy, lines 47-48]"
    )
    assert "Reviewed: app/db.py at 4f1c2e9, review by gpt-4o." in review_input["message"]
    assert body("gerrit", CRAFTED_01, ReviewContext())["comments"] == {}


def test_gerrit_recommendations_are_resolved_comments() -> None:
    review = analysis(
        "r",
        CRAFTED_10.verdict,
        None,
        (
            issue(
                1,
                None,
                "Consider a lock (line 3).",
                R,
                "concurrency",
                Severity.INFO,
                lines=((3, 3),),
            ),
        ),
    )
    comment = body("gerrit", review)["comments"]["app/db.py"][0]
    assert comment == {"line": 3, "message": comment["message"], "unresolved": False}
    assert comment["message"].startswith("[recommendation, concurrency]\n")


# --- markdown and untrusted text -----------------------------------------------------------------


def test_escape_neutralises_markdown_html_and_mentions() -> None:
    assert escape("a | b") == "a \\| b"
    assert escape("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert (
        escape("`code` *em* _u_ [l](u) ![i](u)")
        == "\\`code\\` \\*em\\* \\_u\\_ \\[l\\](u) \\!\\[i\\](u)"
    )
    assert escape("hi @octocat") == "hi @\u200boctocat"
    assert escape("a & b") == "a &amp; b"
    assert escape("two\nlines\r\nhere") == "two lines here"
    assert escape("back\\slash") == "back\\\\slash"


def test_escape_block_neutralises_line_starts() -> None:
    assert escape_block("- item\n+ item\n1. item\n2) item\n---\n\n# h") == (
        "\\- item\n\n\\+ item\n\n1\\. item\n\n2\\) item\n\n\\---\n\n\\# h"
    )


def test_markdown_table_survives_hostile_text() -> None:
    text = to_text(render(HOSTILE, "markdown", ReviewContext()))
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 4  # header and three findings
    for row in table:
        cells = row.replace("\\|", "").split("|")
        assert len(cells) == 7, row  # five cells between the outer pipes
    assert "<script>" not in text
    assert "</details><details open>" not in text
    assert text.count("<details>") == 1
    assert "@octocat" not in text


def test_markdown_summary_parts() -> None:
    text = body("markdown", CRAFTED_13)
    assert text.startswith("### review-analyzer · crafted-13: changes requested\n")
    assert "- **Policy** `fail_on=security`: **fail** (11 security findings)" in text
    assert "- **Flags:** off_task" in text
    assert "| 12 | low | performance |  | N+1 queries on the post list |" in text
    assert "| 1 | **critical** |" in text
    clean = body("markdown", CRAFTED_10, ReviewContext())
    assert "No findings." in clean
    assert "<summary>1 recommendation, 2 observations</summary>" in clean
    assert "Reviewed" not in clean


def test_markdown_batch_is_the_summaries_in_order() -> None:
    items = [(CRAFTED_10, ReviewContext()), (CRAFTED_01, CONTEXT)]
    text = render_batch(items, "markdown").body
    assert text == (
        body("markdown", CRAFTED_10, ReviewContext()) + "\n---\n\n" + body("markdown", CRAFTED_01)
    )


def test_markdown_caps_long_reviews() -> None:
    many = tuple(issue(n, None, f"Point {n}.", F, "naming", Severity.LOW) for n in range(1, 131))
    text = body("markdown", analysis("big", CRAFTED_10.verdict, None, many))
    assert text.count("\n| ") == 101  # header row and 100 findings (the separator starts "|-")
    assert "…and 30 more findings." in text


@pytest.mark.parametrize("fmt", ["github", "gerrit"])
def test_per_review_formats_batch_as_a_list(fmt: str) -> None:
    items = [(CRAFTED_10, ReviewContext()), (CRAFTED_01, CONTEXT)]
    payloads = render_batch(items, fmt).body
    assert payloads == [body(fmt, CRAFTED_10, ReviewContext()), body(fmt, CRAFTED_01)]


@pytest.mark.parametrize("fmt", ["json", "rdjson", "gitlab"])
def test_combined_formats_batch_as_one_document(fmt: str) -> None:
    items = [(CRAFTED_10, ReviewContext()), (CRAFTED_01, CONTEXT)]
    combined: Any = render_batch(items, fmt).body
    if fmt == "json":
        assert combined == {"results": [body("json", CRAFTED_10), body("json", CRAFTED_01)]}
    elif fmt == "rdjson":
        assert combined["diagnostics"] == (
            body("rdjson", CRAFTED_10, ReviewContext())["diagnostics"]
            + body("rdjson", CRAFTED_01)["diagnostics"]
        )
    else:
        assert combined == body("gitlab", CRAFTED_10, ReviewContext()) + body("gitlab", CRAFTED_01)


def test_to_text_is_compact_json_unless_indented() -> None:
    rendered = render(CRAFTED_10, "gerrit")
    assert to_text(rendered).startswith('{"message":')
    assert to_text(rendered, indent=2).startswith('{\n  "message":')
