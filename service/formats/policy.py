"""The verdict policy: does an Analysis fail the caller's gate, and what should a bot do about it?

`fail_on` names what fails the policy (only issues of kind `finding` count; recommendations and
observations never fail it):

* `security` (the default): the verdict is `defects_found`, i.e. any security finding, or a
  review that plainly states a security defect;
* `critical`, `high`, `medium`, `low`, `info`: any finding, of any family, of that severity or a
  more severe one;
* `any`: any finding at all, or a `defects_found` verdict.

The decision has one of three outcomes, and every output maps the outcome the same way:

| outcome | when | GitHub `event` | Gerrit `Code-Review` | CLI exit |
|---|---|---|---|---|
| `fail` | the policy fails | `REQUEST_CHANGES` | -1 | 1 |
| `attention` | it passes, but the review is not a clean bill of health | `COMMENT` | 0 | 0 |
| `clean` | it passes, and the review is clean (below) | `APPROVE` | +1 | 0 |

Clean: the verdict is `no_defects`, there is no finding at all, and the review is not flagged
`hedged`, `truncated` or `empty`. A batch has the worst outcome of its reviews (`fail` over
`attention` over `clean`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from service.analysis.model import Analysis, Flag, Issue, Kind, Severity, Verdict


class FailOn(StrEnum):
    """What fails the policy: security defects, a severity threshold, or any finding."""

    SECURITY = "security"
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    ANY = "any"


DEFAULT_FAIL_ON = FailOn.SECURITY
FAIL_ON_CHOICES = tuple(str(choice) for choice in FailOn)


class Outcome(StrEnum):
    """What a bot should do with a review, worst first."""

    FAIL = "fail"
    ATTENTION = "attention"
    CLEAN = "clean"


# How summaries (markdown, the Gerrit message) name the outcome in their headline.
OUTCOME_TITLE = {
    Outcome.FAIL: "changes requested",
    Outcome.ATTENTION: "for your attention",
    Outcome.CLEAN: "no defects found",
}
GITHUB_EVENT = {
    Outcome.FAIL: "REQUEST_CHANGES",
    Outcome.ATTENTION: "COMMENT",
    Outcome.CLEAN: "APPROVE",
}
GERRIT_VOTE = {Outcome.FAIL: -1, Outcome.ATTENTION: 0, Outcome.CLEAN: 1}
EXIT_STATUS = {Outcome.FAIL: 1, Outcome.ATTENTION: 0, Outcome.CLEAN: 0}

# A review that hedges, was cut off or says nothing is never a clean bill of health.
_NOT_CLEAN_FLAGS = frozenset({Flag.HEDGED, Flag.TRUNCATED, Flag.EMPTY})
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's decision on one review."""

    fail_on: FailOn
    outcome: Outcome
    blocking: tuple[int, ...]  # `index` of every issue that fails the policy
    reason: str  # why, for a human: "2 security findings", "no finding of severity high or above"

    @property
    def failed(self) -> bool:
        """Whether the policy fails."""
        return self.outcome is Outcome.FAIL


def parse_fail_on(value: str) -> FailOn:
    """Return the FailOn named `value`; ValueError listing the choices for anything else."""
    try:
        return FailOn(value)
    except ValueError:
        raise ValueError(f"Must be one of: {', '.join(FAIL_ON_CHOICES)}.") from None


def severity_rank(severity: Severity) -> int:
    """0 for critical, 4 for info: lower is more severe."""
    return _SEVERITY_RANK[severity]


def is_blocking(issue: Issue, fail_on: FailOn) -> bool:
    """Whether this one issue fails the policy."""
    if issue.kind is not Kind.FINDING:
        return False
    if fail_on is FailOn.ANY:
        return True
    if fail_on is FailOn.SECURITY:
        return issue.security
    return severity_rank(issue.severity) <= severity_rank(Severity(fail_on.value))


def decide(analysis: Analysis, fail_on: FailOn = DEFAULT_FAIL_ON) -> Decision:
    """Apply the policy to one Analysis."""
    blocking = tuple(issue.index for issue in analysis.issues if is_blocking(issue, fail_on))
    stated_defect = analysis.verdict is Verdict.DEFECTS_FOUND and fail_on in _VERDICT_GATES
    if blocking or stated_defect:
        return Decision(fail_on, Outcome.FAIL, blocking, _fail_reason(fail_on, len(blocking)))
    clean = (
        analysis.verdict is Verdict.NO_DEFECTS
        and analysis.summary.findings == 0
        and not _NOT_CLEAN_FLAGS.intersection(analysis.flags)
    )
    outcome = Outcome.CLEAN if clean else Outcome.ATTENTION
    return Decision(fail_on, outcome, (), f"no {_what(fail_on)}")


def worst(outcomes: Iterable[Outcome]) -> Outcome:
    """The worst of several outcomes (`clean` for none)."""
    order = list(Outcome)
    return min(outcomes, key=order.index, default=Outcome.CLEAN)


_VERDICT_GATES = frozenset({FailOn.SECURITY, FailOn.ANY})


def _what(fail_on: FailOn) -> str:
    if fail_on is FailOn.SECURITY:
        return "security finding"
    if fail_on is FailOn.ANY:
        return "finding"
    if fail_on is FailOn.CRITICAL:
        return "critical finding"
    return f"finding of severity {fail_on.value} or above"


def _fail_reason(fail_on: FailOn, count: int) -> str:
    if count == 0:
        return "the review states a security defect"
    what = _what(fail_on)
    if count == 1:
        return f"1 {what}"
    # "finding of severity high or above" -> "findings of severity high or above"
    return f"{count} {what.replace('finding', 'findings', 1)}"
