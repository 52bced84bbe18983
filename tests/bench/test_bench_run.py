"""The orchestration's pure parts: the worker's record stream and how results become rows."""

from __future__ import annotations

import json

import pytest

from bench import inputs, run, worker


@pytest.fixture
def corpus() -> inputs.Corpus:
    return inputs.Corpus(("A seed review. SQL injection (line 3).",), ("Bot comment.",) * 50)


@pytest.fixture(autouse=True)
def analyzed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the analyzer: these tests are about the harness, not about analysis."""
    seen: list[str] = []
    monkeypatch.setattr(worker, "analyze", lambda body, review_id=None: seen.append(body))
    return seen


def test_worker_times_each_size_and_repeats_only_the_largest(
    corpus: inputs.Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    worker.run_sizes(corpus, "stars", [2048, 1024], (1, 3), slow_ns=10**12)
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r.get("start") for r in records if "start" in r] == [1024, 2048]
    timed = [(r["size"], r["bytes"]) for r in records if "ns" in r]
    assert timed == [(1024, 1024), (2048, 2048), (2048, 2048), (2048, 2048)]


def test_worker_stops_repeating_a_slow_case(
    corpus: inputs.Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    worker.run_sizes(corpus, "stars", [1024], (1, 5), slow_ns=0)
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sum(1 for r in records if "ns" in r) == 1


def test_latency_rounds_time_every_review_reps_times(
    capsys: pytest.CaptureFixture[str], analyzed: list[str]
) -> None:
    worker.run_latency(["a review.", "another review."], rounds=2, reps=3)
    rounds = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(analyzed) == 2 + 2 * 6  # one untimed warm-up pass, then the timed rounds
    assert [r["round"] for r in rounds] == [0, 1]
    assert all(len(r["ns"]) == r["calls"] == 6 for r in rounds)
    assert rounds[0]["bytes"] == 3 * (9 + 15)


def test_medians_ignore_start_lines() -> None:
    records = [{"start": 10}, {"size": 10, "ns": 3}, {"size": 10, "ns": 1}, {"size": 10, "ns": 2}]
    assert run._medians(records) == {10: 2}


def test_an_unfinished_case_says_where_it_stopped_and_its_last_ratio() -> None:
    records = [{"start": 65536}, {"size": 65536, "ns": 9_000_000}, {"start": 262144}]
    result = run.JobResult(records, timed_out=True, wall_s=20.4)
    text = run._unfinished(result, run._medians(records), {65536: 3_000_000.0})
    assert text == "stopped after 20 s in 256 KB; 64 KB: 9.00 ms = 3.0x"
    failed = run.JobResult([], error="RecursionError")
    assert run._unfinished(failed, {}, {}) == "failed: RecursionError"


def test_quick_plan_is_shorter_than_the_full_one() -> None:
    full, quick = run.Plan(), run.QUICK
    assert quick.http_seconds < full.http_seconds
    assert quick.worst_repeats <= full.worst_repeats
    assert full.recheck["repeats"] == full.worst_repeats


def test_rss_growth_compares_the_middle_checkpoint_with_the_last() -> None:
    checkpoints = [
        {"requests": 100, "rss": {1: 40.0, 2: 41.0}},
        {"requests": 5000, "rss": {1: 42.0, 2: 41.5}},
        {"requests": 9000, "rss": {1: 45.0, 2: 41.0}},
        {"requests": 10000, "rss": {1: 43.0, 2: 42.5, 3: 90.0}},  # 3 is a new worker
    ]
    assert run.rss_growth(checkpoints) == (5000, 1.0)
    assert run.rss_growth(checkpoints[:1]) == (100, 0.0)
    assert run.rss_growth([]) == (0, 0.0)
