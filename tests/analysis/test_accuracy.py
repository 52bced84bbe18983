"""Accuracy floors on the project's labelled cases, so a regression fails the build.

`tests/data/seeds.jsonl` and `crafted.jsonl` are the project's gold corpora; `rules.jsonl` holds
a labelled case for each reading rule of the analyzer; `idioms.jsonl` holds one-sentence cases
across languages, frameworks, deployment files and review bots (a defect stated by its effect,
a risk ruled out, a verdict in many wordings, a bot comment's 0/1/2 actionability), so a rule
tuned for one phrasing that breaks another shows here. The floors are the targets of the
accuracy issue (the public data sets in ../shared are scored by `make eval`, not here).
"""

from __future__ import annotations

import pytest
from support.corpus import DATA_DIR

from service.evaluation import evaluate, load_corpus

FLOORS = {
    "seeds.jsonl": {
        "verdict": 1.0,
        "issue_f1": 0.95,
        "kind": 0.9,
        "category": 0.9,
        "lines": 1.0,
        "flags": 0.9,
    },
    "crafted.jsonl": {
        "verdict": 0.95,
        "issue_f1": 0.9,
        "kind": 0.85,
        "category": 0.85,
        "security": 0.9,
        "lines": 0.97,
        "cwe": 0.97,
        "severity": 0.9,
        "flags": 0.9,
    },
    "idioms.jsonl": {
        # Each batch of comments written unseen is added with the rules it called for; the ones
        # still missed keep these floors below the figures (verdict 0.973, kind 0.991,
        # category 0.912, review_label3 0.978 with 2,724 cases). Category was 0.85 until the
        # held-out batches, whose categories are the analyzer's weakest reading, were added.
        "verdict": 0.96,
        "issue_f1": 0.97,
        "kind": 0.96,
        "category": 0.87,
        "security": 0.95,
        "review_label3": 0.95,
        "http_ok": 1.0,
    },
    "rules.jsonl": {
        "verdict": 1.0,
        "stated_verdict": 1.0,
        "issue_f1": 0.95,
        "kind": 0.95,
        "category": 0.9,
        "lines": 1.0,
        "flags": 1.0,
        "http_ok": 1.0,
    },
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_accuracy_floor(name: str) -> None:
    metrics = evaluate(load_corpus(DATA_DIR / name))
    below = {
        metric: metrics.get(metric)
        for metric, floor in FLOORS[name].items()
        if (metrics.get(metric) or 0.0) < floor
    }
    assert not below, f"{name}: below the floor: {below}\n" + "\n".join(metrics.misses)
