"""The labelled cases in tests/data: their folder, the seed and crafted corpora, and the crafted
bodies read once."""

from __future__ import annotations

import functools
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SEEDS_PATH = DATA_DIR / "seeds.jsonl"
CRAFTED_PATH = DATA_DIR / "crafted.jsonl"


@functools.cache
def _crafted_bodies() -> dict[str, str]:
    bodies: dict[str, str] = {}
    for line in CRAFTED_PATH.read_text("utf-8").splitlines():
        case = json.loads(line)
        assert case["id"] not in bodies, f"{case['id']} appears twice in {CRAFTED_PATH}"
        bodies[case["id"]] = case["body"]
    return bodies


def crafted_body(case_id: str) -> str:
    """The review body of the crafted case `case_id` (e.g. "crafted-01")."""
    return _crafted_bodies()[case_id]
