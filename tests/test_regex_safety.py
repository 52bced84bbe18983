"""No regex the service runs on review text can backtrack catastrophically (ReDoS).

Every compiled pattern at module level in `service`, and every fragment of the lexicon, is
checked with redoctor, a static and dynamic ReDoS checker. A pattern it cannot decide must be
listed below with the reason it is still linear. Timing tests on hostile input
(tests/analysis/test_properties.py, `make bench`) cover how the patterns are combined.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from concurrent.futures import ProcessPoolExecutor
from importlib import resources

import pytest
import yaml
from redoctor import Config, Flags, Status, check

import service

# Patterns redoctor answers "unknown" for (it does not model backreferences), with why they
# are linear anyway.
UNDECIDED_BUT_LINEAR = {
    # `(\*\*|__)` ... `\1`: the run between the markers is bounded ({1,160} / {1,60}), and
    # both are used with `match` on one line, so a failed attempt costs at most one line.
    "service.analysis.segment._BOLD_LINE",
    "service.analysis.segment._BOLD_LABEL",
}
_SKIPPED_MODULES = {"service.wsgi", "service.gunicorn_conf", "service.__main__"}


def _module_patterns() -> dict[str, re.Pattern[str]]:
    found: dict[int, tuple[str, re.Pattern[str]]] = {}
    for module_info in pkgutil.walk_packages(service.__path__, "service."):
        if module_info.name in _SKIPPED_MODULES:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                # The same object imported elsewhere is named after its first home found.
                found.setdefault(id(value), (f"{module_info.name}.{name}", value))
    return dict(found.values())


def _lexicon_fragments() -> list[str]:
    text = resources.files("service.analysis").joinpath("data/lexicon.yaml").read_text("utf-8")

    def walk(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [f for value in node.values() for f in walk(value)]
        if isinstance(node, list):
            return [f for value in node for f in walk(value)]
        return []

    fragments = []
    for fragment in sorted(set(walk(yaml.safe_load(text)))):
        try:
            re.compile(fragment)
        except re.error:
            continue  # a plain word list entry, not a pattern
        fragments.append(fragment)
    return fragments


def _status(pattern: str, flags: int) -> str:
    config = Config(random_seed=1, timeout=2.0)
    return str(check(pattern, flags=Flags.from_re_flags(flags), config=config).status.value)


def _statuses(patterns: list[tuple[str, int]]) -> list[str]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_status, *zip(*patterns, strict=True), chunksize=16))


def test_every_module_level_pattern_is_linear() -> None:
    patterns = _module_patterns()
    assert len(patterns) > 40, "the scan must find the service's patterns"
    names = sorted(patterns)
    statuses = _statuses([(patterns[n].pattern, patterns[n].flags) for n in names])
    verdicts = dict(zip(names, statuses, strict=True))
    assert [n for n, s in verdicts.items() if s == Status.VULNERABLE.value] == []
    undecided = {n for n, s in verdicts.items() if s != Status.SAFE.value}
    assert undecided <= UNDECIDED_BUT_LINEAR, undecided - UNDECIDED_BUT_LINEAR


def test_every_lexicon_fragment_is_linear() -> None:
    fragments = _lexicon_fragments()
    assert len(fragments) > 500
    statuses = _statuses([(f, re.IGNORECASE) for f in fragments])
    vulnerable = [
        f for f, s in zip(fragments, statuses, strict=True) if s == Status.VULNERABLE.value
    ]
    assert vulnerable == []


@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"(\w+\s?)*x", r"(a|aa)+b"])
def test_the_checker_does_flag_a_catastrophic_pattern(pattern: str) -> None:
    assert _status(pattern, 0) == Status.VULNERABLE.value
