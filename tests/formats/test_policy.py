"""The verdict policy: which fail_on fails which review, and what each outcome maps to."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.analysis.model import Analysis, Flag, Kind, Severity, Verdict
from service.formats.policy import (
    EXIT_STATUS,
    FAIL_ON_CHOICES,
    GERRIT_VOTE,
    GITHUB_EVENT,
    FailOn,
    Outcome,
    decide,
    parse_fail_on,
    worst,
)

from .cases import CRAFTED_01, CRAFTED_10, CRAFTED_13, OBS, F, R, analysis, issue


def one_issue(kind: Kind, category: str, severity: Severity, verdict: Verdict) -> Analysis:
    return analysis("x", verdict, None, (issue(1, None, "text", kind, category, severity),))


def test_the_outcome_mapping_is_the_documented_table() -> None:
    assert GITHUB_EVENT == {
        Outcome.FAIL: "REQUEST_CHANGES",
        Outcome.ATTENTION: "COMMENT",
        Outcome.CLEAN: "APPROVE",
    }
    assert GERRIT_VOTE == {Outcome.FAIL: -1, Outcome.ATTENTION: 0, Outcome.CLEAN: 1}
    assert EXIT_STATUS == {Outcome.FAIL: 1, Outcome.ATTENTION: 0, Outcome.CLEAN: 0}
    assert FAIL_ON_CHOICES == ("security", "critical", "high", "medium", "low", "info", "any")


def test_security_is_the_default_and_fails_on_security_findings() -> None:
    decision = decide(CRAFTED_01)
    assert decision.fail_on is FailOn.SECURITY
    assert decision.outcome is Outcome.FAIL
    assert decision.failed
    assert decision.blocking == (1, 2, 3)
    assert decision.reason == "3 security findings"


def test_security_ignores_quality_findings() -> None:
    decision = decide(CRAFTED_13)
    assert 12 not in decision.blocking  # the performance finding
    assert decision.blocking == tuple(range(1, 12))


def test_security_fails_on_a_stated_defect_without_a_security_issue() -> None:
    stated = one_issue(F, "naming", Severity.LOW, Verdict.DEFECTS_FOUND)
    decision = decide(stated, FailOn.SECURITY)
    assert decision.outcome is Outcome.FAIL
    assert decision.blocking == ()
    assert decision.reason == "the review states a security defect"
    assert decide(stated, FailOn.ANY).failed
    assert not decide(stated, FailOn.HIGH).failed  # a threshold looks at findings only


@pytest.mark.parametrize(
    ("fail_on", "blocking"),
    [
        (FailOn.CRITICAL, (1, 2)),
        (FailOn.HIGH, (1, 2, 3, 4, 5)),
        (FailOn.MEDIUM, (1, 2, 3, 4, 5, 6, 7, 8, 9)),
        (FailOn.LOW, tuple(range(1, 13))),
        (FailOn.INFO, tuple(range(1, 13))),
        (FailOn.ANY, tuple(range(1, 13))),
    ],
)
def test_a_severity_threshold_counts_findings_at_or_above_it(
    fail_on: FailOn, blocking: tuple[int, ...]
) -> None:
    decision = decide(CRAFTED_13, fail_on)
    assert decision.blocking == blocking
    assert decision.failed


def test_a_threshold_counts_quality_findings_too() -> None:
    bug = one_issue(F, "correctness", Severity.HIGH, Verdict.INCONCLUSIVE)
    assert decide(bug, FailOn.HIGH).blocking == (1,)
    assert decide(bug, FailOn.HIGH).reason == "1 finding of severity high or above"
    assert not decide(bug, FailOn.CRITICAL).failed
    assert not decide(bug, FailOn.SECURITY).failed


@pytest.mark.parametrize("kind", [R, OBS])
def test_recommendations_and_observations_never_fail(kind: Kind) -> None:
    advice = one_issue(kind, "injection", Severity.CRITICAL, Verdict.INCONCLUSIVE)
    for fail_on in FailOn:
        assert not decide(advice, fail_on).failed, fail_on


def test_a_clean_review_is_clean() -> None:
    decision = decide(CRAFTED_10)
    assert decision.outcome is Outcome.CLEAN
    assert decision.reason == "no security finding"


@pytest.mark.parametrize("flag", [Flag.HEDGED, Flag.TRUNCATED, Flag.EMPTY])
def test_a_hedged_cut_off_or_empty_review_is_not_clean(flag: Flag) -> None:
    assert decide(replace(CRAFTED_10, flags=(flag,))).outcome is Outcome.ATTENTION


def test_an_inconclusive_review_needs_attention() -> None:
    assert decide(replace(CRAFTED_10, verdict=Verdict.INCONCLUSIVE)).outcome is Outcome.ATTENTION


def test_a_passing_review_with_findings_needs_attention() -> None:
    decision = decide(CRAFTED_13, FailOn.SECURITY)
    quality_only = replace(
        CRAFTED_13,
        verdict=Verdict.NO_DEFECTS,
        issues=tuple(i for i in CRAFTED_13.issues if not i.security),
    )
    assert decision.failed
    passing = decide(quality_only, FailOn.SECURITY)
    assert passing.outcome is Outcome.ATTENTION
    assert passing.reason == "no security finding"


def test_worst_outcome_of_a_batch() -> None:
    assert worst([Outcome.CLEAN, Outcome.FAIL, Outcome.ATTENTION]) is Outcome.FAIL
    assert worst([Outcome.CLEAN, Outcome.ATTENTION]) is Outcome.ATTENTION
    assert worst([Outcome.CLEAN]) is Outcome.CLEAN
    assert worst([]) is Outcome.CLEAN


def test_parse_fail_on() -> None:
    assert parse_fail_on("high") is FailOn.HIGH
    with pytest.raises(ValueError, match="Must be one of: security, critical"):
        parse_fail_on("HIGH")
