"""SARIF and rdjson output validates against the official JSON schemas (draft-04)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft4Validator

from service.formats import Rendered, ReviewContext, render, render_batch
from service.formats.policy import FailOn

from .cases import CASES, Case

# RFC 3986 characters; the draft-04 checker cannot check `uri` formats without extra packages.
_URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _body(rendered: Rendered) -> dict[str, Any]:
    assert isinstance(rendered.body, dict)
    return rendered.body


def _variants() -> Iterator[tuple[str, list[Case]]]:
    for case in CASES:
        yield case.name, [case]
    yield "batch", list(CASES)


VARIANTS = list(_variants())


def _render(fmt: str, cases: list[Case]) -> dict[str, Any]:
    if len(cases) == 1:
        return _body(render(cases[0].analysis, fmt, cases[0].context))
    return _body(render_batch([(c.analysis, c.context) for c in cases], fmt, FailOn.ANY))


def _uris(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"uri", "helpUri", "informationUri"} and isinstance(value, str):
                yield value
            else:
                yield from _uris(value)
    elif isinstance(node, list):
        for item in node:
            yield from _uris(item)


@pytest.mark.parametrize(("name", "cases"), VARIANTS, ids=[name for name, _ in VARIANTS])
def test_sarif_is_valid(sarif_validator: Draft4Validator, name: str, cases: list[Case]) -> None:
    log = _render("sarif", cases)
    sarif_validator.validate(log)
    for uri in _uris(log):
        assert _URI_CHARACTERS.fullmatch(uri), uri
    for uri in _uris(log["runs"][0]["tool"]):
        assert urlsplit(uri).scheme == "https", uri


@pytest.mark.parametrize(("name", "cases"), VARIANTS, ids=[name for name, _ in VARIANTS])
def test_rdjson_is_valid(rdjson_validator: Draft4Validator, name: str, cases: list[Case]) -> None:
    rdjson_validator.validate(_render("rdjson", cases))


def test_sarif_references_are_consistent() -> None:
    log = _render("sarif", list(CASES))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    taxa = run["taxonomies"][0]["taxa"]
    assert [rule["id"] for rule in rules] == list(dict.fromkeys(rule["id"] for rule in rules))
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        for taxon in result.get("taxa", []):
            assert taxa[taxon["index"]]["id"] == taxon["id"]
    for rule in rules:
        for relationship in rule.get("relationships", []):
            assert relationship["target"]["id"] in {taxon["id"] for taxon in taxa}


def test_the_validators_catch_invalid_documents(
    sarif_validator: Draft4Validator, rdjson_validator: Draft4Validator
) -> None:
    case = CASES[0]
    log = _body(render(case.analysis, "sarif", case.context))
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator.is_valid(broken)
    broken = copy.deepcopy(log)
    del broken["runs"][0]["results"][0]["message"]
    assert not sarif_validator.is_valid(broken)
    result = _body(render(case.analysis, "rdjson", case.context))
    result["diagnostics"][0]["severity"] = "FATAL"
    assert not rdjson_validator.is_valid(result)


def test_sarif_without_any_result_is_valid(sarif_validator: Draft4Validator) -> None:
    clean = CASES[2].analysis.__class__(
        id=None,
        verdict=CASES[2].analysis.verdict,
        stated_verdict=None,
        verdict_evidence=None,
        issues=(),
        categories=(),
        summary=CASES[2].analysis.summary.__class__(0, 0, 0, 0),
    )
    log = _body(render(clean, "sarif", ReviewContext(commit="abc")))
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []
