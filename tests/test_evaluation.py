"""Tests for service.evaluation: corpus loading and agreement with shared/tools/score.py."""

from __future__ import annotations

import importlib.util
import json
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support.corpus import CRAFTED_PATH, SEEDS_PATH

from service.evaluation import (
    CorpusError,
    GoldIssue,
    Metrics,
    analyze_body,
    evaluate,
    load_corpus,
    run,
    score,
)

CORPORA = [SEEDS_PATH, CRAFTED_PATH]
SCORE_PY = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "score.py"


# --- the reference: score.py's own functions -----------------------------------------------------


@pytest.fixture(scope="module")
def score_py() -> ModuleType:
    if not SCORE_PY.is_file():
        pytest.skip(f"reference scorer {SCORE_PY} is absent (it lives outside the repository)")
    spec = importlib.util.spec_from_file_location("shared_score", SCORE_PY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference(
    score_py: ModuleType, cases: list[dict[str, Any]], outputs: list[Any]
) -> tuple[dict[str, Any], list[str]]:
    """What score.py reports for these analyzer outputs: its main() minus HTTP and latency."""
    tally = score_py.Tally()
    misses: list[str] = []
    for case, got in zip(cases, outputs, strict=True):
        ok = isinstance(got, dict)
        tally.add("http_ok", ok)
        if not ok:
            misses.append(f"{case.get('id')}: failed")
            continue
        score_py.score_case(case, got, tally, misses)
    m: dict[str, Any] = {name: round(tally.rate(name), 4) for name in tally.n}
    m["cases"] = len(cases)
    if getattr(tally, "gold_issues", 0):
        p = tally.matched / tally.pred_issues if tally.pred_issues else 0.0
        r = tally.matched / tally.gold_issues
        m["issue_precision"], m["issue_recall"] = round(p, 4), round(r, 4)
        m["issue_f1"] = round(2 * p * r / (p + r), 4) if p + r else 0.0
    if getattr(tally, "conf", None):
        tp = sum(1 for w, h in tally.conf if w and h)
        fp = sum(1 for w, h in tally.conf if not w and h)
        fn = sum(1 for w, h in tally.conf if w and not h)
        tn = sum(1 for w, h in tally.conf if not w and not h)
        f1_pos = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        f1_neg = 2 * tn / (2 * tn + fp + fn) if tn else 0.0
        m["actionable_macro_f1"] = round((f1_pos + f1_neg) / 2, 4)
    return m, misses


def raw_cases(*paths: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for path in paths for line in path.read_text("utf-8").splitlines() if line
    ]


def write_corpus(path: Path, cases: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(case) + "\n" for case in cases), "utf-8")
    return path


# --- a synthetic analyzer that gets some of everything right and some wrong -----------------------


def synthetic_issue(gold: dict[str, Any], n: int) -> dict[str, Any]:
    """An issue that matches `gold`'s anchor (with case and white space changed) and varies."""
    anchor = gold["anchor"].upper().replace(" ", " \n\t ") if n % 2 else gold["anchor"]
    lines = gold.get("lines") or []
    return {
        "title": None if n % 3 else "Heading",
        "text": f"Prefix {anchor} suffix.",
        "kind": (gold.get("kind") or ["finding"])[0] if n % 4 else "observation",
        "category": (gold.get("category") or ["design"])[-1] if n % 5 else "naming",
        "security": gold.get("security") if n % 6 else not gold.get("security"),
        "lines": lines if n % 7 else [*lines, {"start": 1, "end": 2}],
        "cwe": (gold.get("cwe") or []) if n % 3 else [],
        "severity": gold.get("severity") if n % 4 else "low",
    }


def synthetic_analysis(case: dict[str, Any]) -> dict[str, Any]:
    """A deterministic, partly wrong Analysis JSON for a case, derived from its gold."""
    exp, n = case["expected"], zlib.crc32(case["body"].encode())
    gold = exp.get("issues") or []
    issues = [synthetic_issue(g, n + i) for i, g in enumerate(gold) if (n + i) % 5]
    if n % 2:
        issues.reverse()
    if exp.get("optional"):
        issues.append({"title": None, "text": exp["optional"][0]["anchor"], "kind": "observation"})
    if n % 3 == 0:
        issues.append({"title": "An extra point", "text": "that no gold issue covers " * 5})
    flags = list(exp.get("flags_include", []))[: n % 2] + list(exp.get("flags_exclude", []))[:1]
    return {
        "verdict": exp.get("verdict") if n % 3 else "inconclusive",
        "stated_verdict": exp.get("stated_verdict") if n % 2 else None,
        "issues": issues,
        "flags": flags if n % 4 else None,
    }


LABEL_CASES: list[dict[str, Any]] = [
    {
        "id": f"label-{k}",
        "body": f"synthetic label case {k}",
        "expected": {"review_label": k % 3, "primary_category": ["injection", "authorization"]},
    }
    for k in range(12)
]


def label_analysis(case: dict[str, Any]) -> dict[str, Any]:
    """Issues of varied kinds and categories, for review_label and primary_category."""
    k = int(case["id"].split("-")[1])
    kinds = [["finding"], ["recommendation"], [], ["observation", "finding"]][k % 4]
    categories = ["injection", "naming", "authorization"]
    return {
        "issues": [
            {"kind": kind, "category": categories[(k + i) % 3], "text": "x"}
            for i, kind in enumerate(kinds)
        ]
    }


EDGE_CASES: list[dict[str, Any]] = [
    {  # no gold issues: every predicted issue is extra
        "id": "edge-none",
        "body": "edge none",
        "expected": {"verdict": "no_defects", "issues": []},
    },
    {  # the same anchor twice: each predicted issue matches once, in order
        "id": "edge-twice",
        "body": "edge twice",
        "expected": {
            "issues": [
                {"anchor": "SQL  injection", "kind": ["finding"], "cwe": []},
                {"anchor": "sql injection", "kind": ["recommendation"], "severity": "high"},
                {"anchor": "sql injection", "lines": []},
            ],
            "stated_verdict": None,
        },
    },
]

EDGE_OUTPUTS: dict[str, dict[str, Any]] = {
    "edge none": {"verdict": "no_defects", "issues": [{"title": "T", "text": "t"}]},
    "edge twice": {
        "stated_verdict": None,
        "issues": [
            {"title": "SQL injection", "text": "", "kind": "recommendation", "severity": "high"},
            {"title": None, "text": "an\nsql\u00a0injection here", "kind": "finding"},
        ],
    },
}


def synthetic_outputs(cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    outputs: dict[str, dict[str, Any]] = dict(EDGE_OUTPUTS)
    for case in cases:
        make = label_analysis if "review_label" in case["expected"] else synthetic_analysis
        outputs.setdefault(case["body"], make(case))
    return outputs


SYNTHETIC: dict[str, dict[str, Any]] = synthetic_outputs(
    [*raw_cases(*CORPORA), *LABEL_CASES, *EDGE_CASES]
)


def synthetic_analyzer(body: str) -> dict[str, Any]:
    """Module level, so that a process pool can pickle it."""
    return SYNTHETIC[body]


# --- agreement with score.py ---------------------------------------------------------------------


def test_synthetic_analyzer_agrees_with_score_py(score_py: ModuleType, tmp_path: Path) -> None:
    extra = write_corpus(tmp_path / "extra.jsonl", [*LABEL_CASES, *EDGE_CASES])
    cases = raw_cases(*CORPORA, extra)
    outputs = [synthetic_analyzer(case["body"]) for case in cases]
    want, want_misses = reference(score_py, cases, outputs)

    metrics = evaluate([c for p in (*CORPORA, extra) for c in load_corpus(p)], synthetic_analyzer)

    assert metrics.as_dict() == want
    assert list(metrics.misses) == want_misses
    # the synthetic analyzer must exercise every metric, with hits and misses
    assert set(want) == {"cases", *metrics.values}
    assert len(metrics.values) == 17
    assert any(0 < value < 1 for value in metrics.values.values())


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda path: path.stem)
def test_real_analyzer_agrees_with_score_py(score_py: ModuleType, corpus: Path) -> None:
    cases = raw_cases(corpus)
    want, want_misses = reference(score_py, cases, [analyze_body(c["body"]) for c in cases])

    metrics = evaluate(load_corpus(corpus))

    assert metrics.as_dict() == want
    assert list(metrics.misses) == want_misses


def test_failures_count_against_http_ok_like_score_py(score_py: ModuleType) -> None:
    cases = raw_cases(SEEDS_PATH)
    raises, returns_list = cases[1]["body"], cases[3]["body"]

    def flaky(body: str) -> Any:
        if body == raises:
            raise ValueError("boom")
        return ["not", "a", "dict"] if body == returns_list else synthetic_analyzer(body)

    outputs = [None if c["body"] == raises else flaky(c["body"]) for c in cases]
    want, _ = reference(score_py, cases, outputs)

    metrics = evaluate(load_corpus(SEEDS_PATH), flaky)

    assert metrics.as_dict() == want
    assert metrics.values["http_ok"] == 0.6
    assert f"{cases[1]['id']}: analysis failed: ValueError: boom" in metrics.misses
    assert f"{cases[3]['id']}: analysis failed: returned list, not a dict" in metrics.misses


# --- evaluation on its own (also when score.py is absent) ----------------------------------------


def test_hand_computed_metrics(tmp_path: Path) -> None:
    case = {
        "id": "c1",
        "body": "b",
        "expected": {
            "verdict": "defects_found",
            "issues": [
                {"anchor": "First  point", "kind": ["finding"], "lines": [{"start": 3, "end": 4}]},
                {"anchor": "missing point", "kind": ["finding"]},
            ],
            "optional": [{"anchor": "aside"}],
            "flags_include": ["contradiction"],
        },
    }
    got = {
        "verdict": "defects_found",
        "flags": [],
        "issues": [
            {"title": "An aside", "text": "", "kind": "observation"},
            {"title": None, "text": "the FIRST\npoint", "kind": "finding", "lines": []},
            {"title": "Unrelated", "text": "text", "kind": "finding"},
        ],
    }
    outputs = {"b": got}

    metrics = evaluate(load_corpus(write_corpus(tmp_path / "c.jsonl", [case])), outputs.__getitem__)

    assert metrics.as_dict() == {
        "http_ok": 1.0,
        "verdict": 1.0,
        "flags": 0.0,
        "kind": 1.0,
        "lines": 0.0,
        "issue_precision": 0.5,
        "issue_recall": 0.5,
        "issue_f1": 0.5,
        "cases": 1,
    }
    assert metrics.misses == (
        "c1: flag missing: want 'contradiction', got []",
        "c1: lines of 'First  point': want [(3, 4)], got []",
        "c1: issue not found: want 'missing point', got None",
        "c1: extra issue: want None, got 'Unrelated'",
    )


def test_review_labels_and_macro_f1(tmp_path: Path) -> None:
    cases = load_corpus(write_corpus(tmp_path / "c.jsonl", LABEL_CASES))

    metrics = evaluate(cases, synthetic_analyzer)

    have = [2, 1, 0, 2] * 3  # label_analysis: finding, recommendation, nothing, finding
    want = [k % 3 for k in range(12)]
    assert metrics.values["review_label3"] == round(
        sum(h == w for h, w in zip(have, want, strict=True)) / 12, 4
    )
    assert metrics.values["actionable"] == round(
        sum((h == 2) == (w == 2) for h, w in zip(have, want, strict=True)) / 12, 4
    )
    assert 0 < metrics.values["actionable_macro_f1"] < 1


def test_unmeasured_metrics_are_absent(tmp_path: Path) -> None:
    case = {"id": "a", "body": "x", "expected": {}}

    metrics = evaluate(load_corpus(write_corpus(tmp_path / "c.jsonl", [case])), lambda _: {})

    assert metrics == Metrics(cases=1, values={"http_ok": 1.0})
    assert metrics.get("verdict") is None
    assert metrics.get("cases") == 1.0


def test_several_jobs_give_the_same_metrics() -> None:
    cases = load_corpus(CRAFTED_PATH)

    assert evaluate(cases, synthetic_analyzer, jobs=2) == evaluate(cases, synthetic_analyzer)


def test_score_rejects_mismatched_outcomes() -> None:
    cases = load_corpus(SEEDS_PATH)

    with pytest.raises(ValueError, match="5 cases but 4 outcomes"):
        score(cases, run(cases[:4]))


# --- loading --------------------------------------------------------------------------------------


def test_load_corpus_parses_gold() -> None:
    cases = load_corpus(CRAFTED_PATH)
    first = cases[0]

    assert len(cases) == len(raw_cases(CRAFTED_PATH))
    assert first.id == raw_cases(CRAFTED_PATH)[0]["id"]
    assert first.expected.verdicts[0][0] == "verdict"
    assert first.expected.issues is not None
    assert first.expected.issues[0] == GoldIssue(
        anchor="is interpolated directly into the SQL string",
        kind=("finding",),
        category=("injection",),
        security=True,
        lines=((47, 48),),
        cwe=("CWE-89",),
        severity="high",
    )
    assert any(("stated_verdict", None) in case.expected.verdicts for case in cases)


def test_load_corpus_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('\n{"id": "a", "body": "x", "expected": {}}\n\n', "utf-8")

    assert [case.id for case in load_corpus(path)] == ["a"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ('{"id": "a"}', "'body' must be a string"),
        ('{"body": "x", "expected": {"issues": [{"kind": []}]}}', "'anchor' must be a string"),
        ('{"body": "x", "expected": {"flags_include": "empty"}}', "must be a JSON array"),
        ('{"body": "x", "expected": {"review_label": "2"}}', "review_label must be an integer"),
    ],
)
def test_load_corpus_reports_bad_lines(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"body": "ok", "expected": {}}\n' + line + "\n", "utf-8")

    with pytest.raises(CorpusError, match=message) as info:
        load_corpus(path)
    assert f"{path}:2" in str(info.value)
