"""In-process evaluation of the analyzer against the gold corpora (CONTRACT.md section 5).

A faithful port of `shared/tools/score.py`: the same metrics, definitions, rounding and miss
messages, but the analyzer is called directly instead of over HTTP, so every corpus runs in
seconds and needs no server. The one difference is `http_ok`: here it is the share of bodies
that were analysed without an exception into a dict (the API answers 200 exactly then), and a
failed body's miss reads `<id>: analysis failed: <error>` instead of `<id>: HTTP <status>`.

`evaluate(cases)` = `score(cases, run(cases))`; the two halves are public so that a caller can
analyse several corpora once and score them both one by one and combined.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from service.analysis import analyze
from service.api.schemas import dump_analysis

Analyzer = Callable[[str], Any]
"""Turns one review body into its Analysis JSON (anything but a dict counts as a failure)."""

METRICS: tuple[str, ...] = (
    "http_ok",
    "verdict",
    "stated_verdict",
    "issue_precision",
    "issue_recall",
    "issue_f1",
    "kind",
    "category",
    "security",
    "lines",
    "cwe",
    "severity",
    "flags",
    "primary_category",
    "actionable",
    "actionable_macro_f1",
    "review_label3",
)
"""Every rate `score.py` prints, in a stable display order (`cases` is a count, not a rate)."""

_WHITESPACE = re.compile(r"\s+")
_VERDICT_FIELDS = ("verdict", "stated_verdict")
_ERROR_CHARS = 200


class CorpusError(ValueError):
    """A corpus file is not in the gold format."""


@dataclass(frozen=True, slots=True)
class GoldIssue:
    """One issue a review must yield; a field left empty or None is not checked."""

    anchor: str
    kind: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    security: bool | None = None
    lines: tuple[tuple[int, int], ...] | None = None
    cwe: tuple[str, ...] | None = None
    severity: str | None = None


@dataclass(frozen=True, slots=True)
class Expected:
    """What the gold says about one review; an absent (None) part is not scored."""

    verdicts: tuple[tuple[str, str | None], ...] = ()
    """(field, gold value) for each of `verdict`, `stated_verdict` the gold sets (may be null)."""
    review_label: int | None = None
    primary_category: tuple[str, ...] | None = None
    flags_include: tuple[str, ...] = ()
    flags_exclude: tuple[str, ...] = ()
    issues: tuple[GoldIssue, ...] | None = None
    optional: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled review body."""

    id: str | None
    body: str
    expected: Expected
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the analyzer made of one body: its Analysis JSON, or why there is none."""

    analysis: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Metrics:
    """Scores over a set of cases, as `score.py` computes them."""

    cases: int
    values: dict[str, float]
    """Every measured rate, rounded to 4 places; a metric nothing measured is absent."""
    misses: tuple[str, ...] = ()

    def get(self, name: str) -> float | None:
        """The value of one metric (`cases` included), or None when it was not measured."""
        if name == "cases":
            return float(self.cases)
        return self.values.get(name)

    def as_dict(self) -> dict[str, float | int]:
        """The metrics as `score.py --json` prints them (without its latency)."""
        return {**self.values, "cases": self.cases}


# --- loading -----------------------------------------------------------------------------------


def load_corpus(path: str | Path) -> list[Case]:
    """Read a gold corpus: one JSON object a line, blank lines ignored."""
    cases: list[Case] = []
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                cases.append(_parse_case(line, f"{path}:{number}"))
    return cases


def _parse_case(line: str, where: str) -> Case:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: not JSON: {exc.msg}") from None
    record = _mapping(raw, where)
    body = record.get("body")
    if not isinstance(body, str):
        raise CorpusError(f"{where}: 'body' must be a string")
    return Case(
        id=_optional_str(record.get("id"), f"{where}: id"),
        body=body,
        expected=_parse_expected(record.get("expected", {}), f"{where}: expected"),
        source=_optional_str(record.get("source"), f"{where}: source"),
    )


def _parse_expected(value: Any, where: str) -> Expected:
    raw = _mapping(value, where)
    label = raw.get("review_label")
    if "review_label" in raw and not (isinstance(label, int) and not isinstance(label, bool)):
        raise CorpusError(f"{where}.review_label must be an integer")
    issues = raw.get("issues")
    return Expected(
        verdicts=tuple(
            (name, _optional_str(raw[name], f"{where}.{name}"))
            for name in _VERDICT_FIELDS
            if name in raw
        ),
        review_label=label,
        primary_category=(
            _strings(raw["primary_category"], f"{where}.primary_category")
            if "primary_category" in raw
            else None
        ),
        flags_include=_strings(raw.get("flags_include", []), f"{where}.flags_include"),
        flags_exclude=_strings(raw.get("flags_exclude", []), f"{where}.flags_exclude"),
        issues=None if issues is None else tuple(_parse_issues(issues, f"{where}.issues")),
        optional=tuple(
            _anchor(item, f"{where}.optional")
            for item in _list(raw.get("optional", []), f"{where}.optional")
        ),
    )


def _parse_issues(raw: Any, where: str) -> Iterator[GoldIssue]:
    for item in _list(raw, where):
        issue = _mapping(item, where)
        lines, cwe, security = issue.get("lines"), issue.get("cwe"), issue.get("security")
        if security is not None and not isinstance(security, bool):
            raise CorpusError(f"{where}: 'security' must be true, false or null")
        yield GoldIssue(
            anchor=_anchor(issue, where),
            kind=_strings(issue.get("kind") or [], f"{where}.kind"),
            category=_strings(issue.get("category") or [], f"{where}.category"),
            security=security,
            lines=None if lines is None else _line_ranges(lines, f"{where}.lines"),
            cwe=None if cwe is None else _strings(cwe, f"{where}.cwe"),
            severity=_optional_str(issue.get("severity"), f"{where}.severity") or None,
        )


def _line_ranges(raw: Any, where: str) -> tuple[tuple[int, int], ...]:
    ranges = []
    for item in _list(raw, where):
        pair = _mapping(item, where)
        start, end = pair.get("start"), pair.get("end")
        if not (isinstance(start, int) and isinstance(end, int)):
            raise CorpusError(f"{where}: 'start' and 'end' must be integers")
        ranges.append((start, end))
    return tuple(ranges)


def _anchor(raw: Any, where: str) -> str:
    anchor = _mapping(raw, where).get("anchor")
    if not isinstance(anchor, str):
        raise CorpusError(f"{where}: 'anchor' must be a string")
    return anchor


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: must be a JSON object")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise CorpusError(f"{where}: must be a JSON array")
    return raw


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    items = _list(raw, where)
    if not all(isinstance(item, str) for item in items):
        raise CorpusError(f"{where}: must be an array of strings")
    return tuple(items)


def _optional_str(raw: Any, where: str) -> str | None:
    if raw is not None and not isinstance(raw, str):
        raise CorpusError(f"{where}: must be a string or null")
    return raw


# --- running the analyzer ----------------------------------------------------------------------


def analyze_body(body: str) -> dict[str, Any]:
    """The real analyzer, as the API serves it: `dump_analysis(analyze(body))`."""
    return dump_analysis(analyze(body))


def run(
    cases: Sequence[Case], analyzer: Analyzer = analyze_body, *, jobs: int = 1
) -> list[Outcome]:
    """Analyse every case's body; `jobs > 1` spreads them over that many processes.

    With several jobs the analyzer must be picklable (a module-level function).
    """
    bodies = [case.body for case in cases]
    attempt = partial(_attempt, analyzer)
    if jobs <= 1 or len(bodies) < 2:
        return [attempt(body) for body in bodies]
    chunk = max(1, len(bodies) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(attempt, bodies, chunksize=chunk))


def _attempt(analyzer: Analyzer, body: str) -> Outcome:
    try:
        got = analyzer(body)
    except Exception as exc:  # a crash on one body is a measured failure (the API's 500)
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS])
    if not isinstance(got, dict):
        return Outcome(None, f"returned {type(got).__name__}, not a dict")
    return Outcome(got)


def evaluate(cases: Sequence[Case], analyzer: Analyzer = analyze_body, *, jobs: int = 1) -> Metrics:
    """Analyse and score `cases`: every metric of `score.py`, computed in process."""
    return score(cases, run(cases, analyzer, jobs=jobs))


# --- scoring -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Tally:
    """Running counts while scoring; the port of score.py's `Tally` and its extra attributes."""

    hits: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    gold_issues: int = 0
    pred_issues: int = 0
    matched: int = 0
    confusion: list[tuple[bool, bool]] = field(default_factory=list)

    def add(self, metric: str, ok: bool) -> None:
        self.counts[metric] = self.counts.get(metric, 0) + 1
        self.hits[metric] = self.hits.get(metric, 0) + (1 if ok else 0)

    def miss(self, case_id: str | None, what: str, want: Any, have: Any) -> None:
        self.misses.append(f"{case_id}: {what}: want {want!r}, got {have!r}")

    def check(
        self, case_id: str | None, metric: str, ok: bool, what: str, want: Any, have: Any
    ) -> None:
        self.add(metric, ok)
        if not ok:
            self.miss(case_id, what, want, have)


def score(cases: Sequence[Case], outcomes: Sequence[Outcome]) -> Metrics:
    """Score analyzer outcomes (one per case, in order) against the cases' gold."""
    if len(cases) != len(outcomes):
        raise ValueError(f"{len(cases)} cases but {len(outcomes)} outcomes")
    tally = _Tally()
    for case, outcome in zip(cases, outcomes, strict=True):
        tally.add("http_ok", outcome.analysis is not None)
        if outcome.analysis is None:
            tally.misses.append(f"{case.id}: analysis failed: {outcome.error}")
            continue
        score_case(case, outcome.analysis, tally)
    return _metrics(tally, len(cases))


def score_case(case: Case, got: Mapping[str, Any], tally: _Tally) -> None:
    """Score one Analysis JSON against one case's gold (score.py's `score_case`)."""
    expected = case.expected
    _score_verdicts(case.id, expected, got, tally)
    _score_review_label(case.id, expected, got, tally)
    _score_primary_category(case.id, expected, got, tally)
    _score_flags(case.id, expected, got, tally)
    if expected.issues is not None:
        _score_issues(case.id, expected, got, tally)


def review_label(got: Mapping[str, Any]) -> int:
    """The 0/1/2 actionability label of an Analysis: 2 with a finding, 1 with a recommendation."""
    kinds = {issue.get("kind") for issue in _predicted_issues(got)}
    return 2 if "finding" in kinds else 1 if "recommendation" in kinds else 0


def _score_verdicts(
    case_id: str | None, expected: Expected, got: Mapping[str, Any], tally: _Tally
) -> None:
    for name, want in expected.verdicts:
        have = got.get(name)
        tally.check(case_id, name, have == want, name, want, have)


def _score_review_label(
    case_id: str | None, expected: Expected, got: Mapping[str, Any], tally: _Tally
) -> None:
    want = expected.review_label
    if want is None:
        return
    have = review_label(got)
    tally.add("review_label3", have == want)
    tally.add("actionable", (have == 2) == (want == 2))
    tally.confusion.append((want == 2, have == 2))
    if have != want:
        tally.miss(case_id, "review_label", want, have)


def _score_primary_category(
    case_id: str | None, expected: Expected, got: Mapping[str, Any], tally: _Tally
) -> None:
    want = expected.primary_category
    if want is None:
        return
    issues = _predicted_issues(got)
    firsts = [issue for issue in issues if issue.get("kind") == "finding"] or issues
    have = firsts[0].get("category") if firsts else None
    tally.check(case_id, "primary_category", have in want, "primary_category", list(want), have)


def _score_flags(
    case_id: str | None, expected: Expected, got: Mapping[str, Any], tally: _Tally
) -> None:
    flags = got.get("flags") or []
    for flag in expected.flags_include:
        tally.check(case_id, "flags", flag in flags, "flag missing", flag, got.get("flags"))
    for flag in expected.flags_exclude:
        ok = flag not in flags
        tally.check(case_id, "flags", ok, "flag present", f"not {flag}", got.get("flags"))


def _score_issues(
    case_id: str | None, expected: Expected, got: Mapping[str, Any], tally: _Tally
) -> None:
    gold = expected.issues or ()
    pred = _predicted_issues(got)
    texts = [_fold((issue.get("title") or "") + " " + (issue.get("text") or "")) for issue in pred]
    used: set[int] = set()
    for issue in gold:
        found = _match(_fold(issue.anchor), texts, used)
        if found is None:
            tally.miss(case_id, "issue not found", issue.anchor, None)
            continue
        used.add(found)
        _score_matched(case_id, issue, pred[found], tally)
    extra = _extra_issues(texts, used, [_fold(anchor) for anchor in expected.optional])
    for index in extra:
        label = pred[index].get("title") or pred[index].get("text") or ""
        tally.miss(case_id, "extra issue", None, label[:60])
    tally.gold_issues += len(gold)
    tally.pred_issues += len(used) + len(extra)
    tally.matched += len(used)


def _match(anchor: str, texts: Sequence[str], used: set[int]) -> int | None:
    """The first predicted issue not matched yet whose folded text contains the anchor."""
    return next((k for k, text in enumerate(texts) if k not in used and anchor in text), None)


def _extra_issues(texts: Sequence[str], used: set[int], optional: Sequence[str]) -> list[int]:
    """Unmatched predicted issues that no optional anchor excuses."""
    return [
        k
        for k, text in enumerate(texts)
        if k not in used and not any(anchor in text for anchor in optional)
    ]


def _score_matched(
    case_id: str | None, gold: GoldIssue, pred: Mapping[str, Any], tally: _Tally
) -> None:
    about = f"'{gold.anchor}'"
    for name, accepted in (("kind", gold.kind), ("category", gold.category)):
        if accepted:
            have = pred.get(name)
            tally.check(case_id, name, have in accepted, f"{name} of {about}", list(accepted), have)
    if gold.security is not None:
        have = pred.get("security")
        ok = have == gold.security
        tally.check(case_id, "security", ok, f"security of {about}", gold.security, have)
    if gold.lines is not None:
        want, lines = list(gold.lines), _line_pairs(pred)
        tally.check(case_id, "lines", lines == want, f"lines of {about}", want, lines)
    if gold.cwe is not None:
        have = pred.get("cwe")
        ok = all(cwe in (have or []) for cwe in gold.cwe)
        tally.check(case_id, "cwe", ok, f"cwe of {about}", list(gold.cwe), have)
    if gold.severity:
        have = pred.get("severity")
        ok = have == gold.severity
        tally.check(case_id, "severity", ok, f"severity of {about}", gold.severity, have)


def _predicted_issues(got: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    issues: list[Mapping[str, Any]] = got.get("issues") or []
    return issues


def _line_pairs(issue: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    return [(line.get("start"), line.get("end")) for line in issue.get("lines") or []]


def _fold(text: str) -> str:
    """Lower-case with every run of white space folded to one space, as anchors are matched."""
    return _WHITESPACE.sub(" ", text or "").strip().lower()


def _metrics(tally: _Tally, cases: int) -> Metrics:
    values = {name: round(tally.hits[name] / count, 4) for name, count in tally.counts.items()}
    if tally.gold_issues:
        values.update(_segmentation(tally.matched, tally.pred_issues, tally.gold_issues))
    if tally.confusion:
        values["actionable_macro_f1"] = _macro_f1(tally.confusion)
    return Metrics(cases=cases, values=values, misses=tuple(tally.misses))


def _segmentation(matched: int, predicted: int, gold: int) -> dict[str, float]:
    precision = matched / predicted if predicted else 0.0
    recall = matched / gold
    total = precision + recall
    return {
        "issue_precision": round(precision, 4),
        "issue_recall": round(recall, 4),
        "issue_f1": round(2 * precision * recall / total, 4) if total else 0.0,
    }


def _macro_f1(confusion: Sequence[tuple[bool, bool]]) -> float:
    """Mean of the F1 of the positive (label 2) and the negative class; pairs are (want, have)."""
    tp = sum(1 for want, have in confusion if want and have)
    fp = sum(1 for want, have in confusion if not want and have)
    fn = sum(1 for want, have in confusion if want and not have)
    tn = sum(1 for want, have in confusion if not want and not have)
    f1_positive = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    f1_negative = 2 * tn / (2 * tn + fp + fn) if tn else 0.0
    return round((f1_positive + f1_negative) / 2, 4)
