"""The whole pipeline on real reviews: the five seed documents come out as their gold says."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.corpus import SEEDS_PATH

from service.analysis import analyze
from service.analysis.model import Flag, Verdict
from service.analysis.pipeline import MAX_ISSUES
from service.api.schemas import dump_analysis

SEEDS = [json.loads(line) for line in SEEDS_PATH.read_text("utf-8").splitlines()]


def _fold(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


@pytest.mark.parametrize("case", SEEDS, ids=[c["id"] for c in SEEDS])
def test_seed_reviews_match_their_gold(case: dict[str, Any]) -> None:
    expected = case["expected"]
    analysis = dump_analysis(analyze(case["body"]))
    assert analysis["verdict"] == expected["verdict"]
    assert analysis["stated_verdict"] == expected["stated_verdict"]
    gold = expected["issues"]
    assert len(analysis["issues"]) == len(gold)
    for got, want in zip(analysis["issues"], gold, strict=True):
        assert _fold(want["anchor"]) in _fold(f"{got['title']} {got['text']}")
        assert got["kind"] in want["kind"], want["anchor"]
        assert got["category"] in want["category"], want["anchor"]
        assert got["security"] == want["security"], want["anchor"]
        assert [(r["start"], r["end"]) for r in got["lines"]] == [
            (r["start"], r["end"]) for r in want["lines"]
        ]
    for flag in expected.get("flags_include", []):
        assert flag in analysis["flags"]
    for flag in expected.get("flags_exclude", []):
        assert flag not in analysis["flags"]


@pytest.mark.parametrize("case", SEEDS, ids=[c["id"] for c in SEEDS])
def test_spans_index_the_body_as_received(case: dict[str, Any]) -> None:
    body = case["body"].replace("\n", "\r\n")  # offsets must survive CRLF normalisation
    analysis = analyze(body)
    previous_end = 0
    for number, issue in enumerate(analysis.issues, start=1):
        assert issue.index == number
        assert previous_end <= issue.span.start < issue.span.end <= len(body)
        previous_end = issue.span.end
        raw = body[issue.span.start : issue.span.end]
        assert _fold(issue.title or issue.text.split("\n")[0])[:20].strip("`*:") in _fold(raw)


def test_the_answer_is_deterministic_and_counts_add_up() -> None:
    body = SEEDS[1]["body"]
    first, second = analyze(body), analyze(body)
    assert first == second
    assert sum(c.count for c in first.categories) == len(first.issues)
    summary = first.summary
    assert summary.findings + summary.recommendations + summary.observations == len(first.issues)


def test_issues_are_capped_and_the_answer_says_so() -> None:
    body = "\n".join(f"- `f{n}()` is never used" for n in range(MAX_ISSUES + 20))
    analysis = analyze(body)
    assert len(analysis.issues) == MAX_ISSUES
    assert Flag.CAPPED in analysis.flags


def test_the_id_is_passed_through() -> None:
    assert analyze("LGTM", "review-7").id == "review-7"


@pytest.mark.parametrize(
    ("body", "stated", "issues"),
    [
        ("### Security\nNo issues found.", Verdict.NO_DEFECTS, 0),
        (
            "## Security\nNo concerns. Inputs are validated with pydantic models.\n\n"
            "## Style\nLooks consistent.",
            Verdict.NO_DEFECTS,
            1,
        ),
        ("## Security\nNo major concerns, but `name` is not escaped in `render()`.", None, 1),
        ("## Security\nNo concerns. However, consider adding rate limiting.", None, 1),
    ],
)
def test_a_security_section_that_only_finds_nothing_is_the_verdict(
    body: str, stated: Verdict | None, issues: int
) -> None:
    result = analyze(body)
    assert result.stated_verdict is stated
    assert len(result.issues) == issues


def test_a_contrast_beside_a_verdict_justifies_it_and_raises_no_point() -> None:
    # "taken from the verified claims rather than the request body" is the safer choice the
    # code made, said to back the verdict: the paragraph is the verdict, not a point.
    body = (
        "Went through `authInterceptor`. The token is validated before the handler runs and the "
        "tenant ID is taken from the verified claims rather than the request body. I don't see "
        "any security problems.\n\n"
        "One thing: `TestAuthInterceptor` only exercises a valid token; please add cases for an "
        "expired one."
    )
    result = analyze(body)
    assert [i.kind.value for i in result.issues] == ["finding"]
    assert result.stated_verdict is Verdict.NO_DEFECTS
    assert result.verdict is Verdict.NO_DEFECTS
    assert result.issues[0].category == "testing"


def test_a_security_section_justified_with_a_contrast_is_the_verdict() -> None:
    body = (
        "## Security review\n"
        "No vulnerabilities identified. The workflow triggers on `pull_request` rather than "
        "`pull_request_target`, and every action is pinned by SHA.\n\n"
        "## Other\n"
        "- Both `ci.yml` and `lint.yml` define a job called `build`; rename the one in "
        "`lint.yml` to `lint`.\n"
    )
    result = analyze(body)
    assert [(i.kind.value, i.category) for i in result.issues] == [("finding", "naming")]
    assert result.verdict is Verdict.NO_DEFECTS


@pytest.mark.parametrize(
    ("body", "stated"),
    [
        ('{"security_concerns_found": false, "notes": ["output is escaped"]}', Verdict.NO_DEFECTS),
        (
            '{"vulnerabilities_found": true, "notes": ["`eval(input)` in `calc`"]}',
            Verdict.DEFECTS_FOUND,
        ),
        ("It is safe to delete that code from the source file.", None),
        ("It seems to be safe since nothing references `modules` any more.", None),
        ("This looks safe.", Verdict.NO_DEFECTS),
    ],
)
def test_yes_no_fields_and_safe_statements(body: str, stated: Verdict | None) -> None:
    assert analyze(body).stated_verdict is stated
