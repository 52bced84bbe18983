"""The packaged lexicon as data, for tests that check every fragment in it."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def lexicon_document() -> Any:
    """`service/analysis/data/lexicon.yaml`, parsed."""
    text = resources.files("service.analysis").joinpath("data/lexicon.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def fragments(node: object) -> list[str]:
    """Every string below `node` (a parsed YAML document or part of one), in document order."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [f for value in node.values() for f in fragments(value)]
    if isinstance(node, list):
        return [f for value in node for f in fragments(value)]
    return []
