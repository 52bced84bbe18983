"""Times `analyze()` in a child process: `python -m bench.worker` with a JSON job on stdin.

Running every measurement in a fresh process keeps one pathological input from hanging or
slowing the rest (the parent kills it at its timeout and keeps what it already printed), and
gives each measurement the same cold-start-free, warmed-up state. Each result is one JSON line
on stdout, flushed at once.

Jobs:

* ``{"mode": "latency", "shared": DIR, "set": "4k" | "bot", "rounds": R, "reps": N}``: every
  review of the set N times per round, in a fixed shuffled order; one line per round with the
  per-call nanoseconds and the bytes analysed.
* ``{"mode": "sizes", "shared": DIR, "family": NAME, "sizes": [...], "repeats": N,
  "slow_ns": T, "small_repeats": M}``: for each size, ascending, M timed calls (default 1),
  and N at the largest size (fewer once one call took longer than T); a ``start`` line per
  size, one line per call.
"""

from __future__ import annotations

import gc
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import inputs
from service.analysis import analyze

WARM_UP = "1. `run()` passes user input to os.system (line 12): command injection (CWE-78).\n"
SHUFFLE_SEED = 4  # a fixed order, so every run times the same sequence


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _time_ns(body: str) -> int:
    start = time.perf_counter_ns()
    analyze(body)
    return time.perf_counter_ns() - start


def review_set(corpus: inputs.Corpus, name: str) -> tuple[str, ...]:
    """The reviews of a latency set: `4k` (4 KB reviews) or `bot` (bot comments as posted)."""
    if name == "4k":
        return inputs.four_kb_reviews(corpus)
    if name == "bot":
        return corpus.bot
    raise ValueError(f"unknown review set {name!r}")


def run_latency(reviews: Sequence[str], rounds: int, reps: int) -> None:
    """Time every review `reps` times per round, for `rounds` rounds."""
    order = [body for body in reviews for _ in range(reps)]
    random.Random(SHUFFLE_SEED).shuffle(order)  # noqa: S311 - an order, not a secret
    sizes = [inputs.utf8_size(body) for body in order]
    for body in reviews:  # one untimed pass: caches and lazily built state are warm
        analyze(body)
    for number in range(rounds):
        gc.collect()
        samples = [_time_ns(body) for body in order]
        _emit({"round": number, "ns": samples, "bytes": sum(sizes), "calls": len(samples)})


def run_sizes(
    corpus: inputs.Corpus,
    family: str,
    sizes: Sequence[int],
    repeats: tuple[int, int],
    slow_ns: int,
) -> None:
    """Time `family` at each size, ascending: `repeats` is (below the largest size, at it).

    A `start` line goes out before each size, so a parent that has to stop a slow case knows
    which size it was stuck in. Repeats stop early once a call took longer than `slow_ns`: such
    a case is far off its target either way.
    """
    ordered = sorted(sizes)
    for size in ordered:
        body = inputs.build(family, size, corpus)
        actual = inputs.utf8_size(body)
        gc.collect()
        _emit({"family": family, "start": size})
        for _ in range(repeats[1] if size == ordered[-1] else repeats[0]):
            elapsed = _time_ns(body)
            _emit({"family": family, "size": size, "bytes": actual, "ns": elapsed})
            if elapsed > slow_ns:
                break


def main() -> int:
    """Read one job from stdin and run it."""
    job = json.load(sys.stdin)
    corpus = inputs.load_corpus(Path(job["shared"]))
    analyze(WARM_UP)
    if job["mode"] == "latency":
        run_latency(review_set(corpus, job["set"]), job["rounds"], job["reps"])
    elif job["mode"] == "sizes":
        repeats = (job.get("small_repeats", 1), job["repeats"])
        run_sizes(corpus, job["family"], job["sizes"], repeats, job["slow_ns"])
    else:
        raise ValueError(f"unknown mode {job['mode']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
