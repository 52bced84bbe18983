"""`sarif`: a SARIF 2.1.0 log (`application/sarif+json`), e.g. for GitHub code scanning.

One log with one run, for one review or a whole batch:

* `tool.driver.rules`: one rule per category that a result uses (id = category id), with the
  taxonomy's description, a default level from the category's default severity, `properties.tags`
  (the family, and `external/cwe/cwe-<n>` for its representative CWE, which GitHub understands),
  `security-severity` for security rules (from the most severe finding under the rule), and a
  `relationships` entry to that CWE in the run's `CWE` taxonomy.
* `results`: the reported issues (findings and recommendations; observations are not results),
  in review order. `level`: a finding's severity critical/high -> `error`, medium -> `warning`,
  low -> `note`, info -> `none`; a recommendation is always `note`. `taxa` names the issue's own
  CWE ids. `partialFingerprints` holds a hash of category, normalised text and path (see
  `common.fingerprints`). `properties`: kind, severity, family, cwe, lines, `blocking` (the issue
  fails the policy) and `review` (its review's position in `run.properties.reviews`).
* Locations only when the request names a `path`: the first line range of the issue is the
  `region` of the location (`startLine`/`endLine`), further ranges are `relatedLocations`; an issue
  with no line reference is located at the file. Without a path the lines are only in
  `properties.lines`.
* `run.properties`: `policy` (`fail_on`, the batch's worst `outcome`) and `reviews` (per review:
  id, verdict, flags, outcome, reason, and path/commit/source when given). When every review names
  the same source, `automationDetails` describes it. SARIF's `versionControlProvenance` needs a
  repository URI, which the API does not take, so the commit is carried in `run.properties`.

Message text escapes `{`/`}` (doubled) and `[`/`]` (backslash) as SARIF section 3.11 requires.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from service.analysis.model import Issue, Kind, LineRange, Severity
from service.analysis.taxonomy import load_taxonomy
from service.formats.common import (
    FINGERPRINT_KEY,
    TOOL_NAME,
    TOOL_VERSION,
    Reviewed,
    bounds,
    cwe_number,
    cwe_url,
    fingerprints,
    reported,
    title_and_text,
)
from service.formats.policy import worst

MEDIA_TYPE = "application/sarif+json"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
CWE_TAXONOMY = "CWE"

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "none",
}
# GitHub code scanning reads `security-severity` (0.0-10.0) from security rules.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
_MESSAGE_SPECIALS = re.compile(r"[{}\[\]]")
_MESSAGE_ESCAPES = {"{": "{{", "}": "}}", "[": "\\[", "]": "\\]"}


def render_one(reviewed: Reviewed) -> dict[str, Any]:
    """The SARIF log of one review."""
    return render_many([reviewed])


def render_many(reviews: Sequence[Reviewed]) -> dict[str, Any]:
    """One SARIF log with one run holding the results of every review, in order."""
    per_review = [reported(reviewed.analysis) for reviewed in reviews]
    located = [issue for issues in per_review for issue in issues]
    by_category: dict[str, list[Issue]] = {}
    for issue in located:
        by_category.setdefault(issue.category, []).append(issue)
    categories = list(by_category)
    taxa = _taxa(categories, located)
    rule_index = {category: n for n, category in enumerate(categories)}
    taxon_index = {number: n for n, number in enumerate(taxa)}
    results = []
    for position, (reviewed, issues) in enumerate(zip(reviews, per_review, strict=True)):
        prints = fingerprints(issues, reviewed.context.path)
        blocking = set(reviewed.decision.blocking)
        for issue in issues:
            results.append(
                _result(
                    issue,
                    reviewed,
                    position,
                    rule_index,
                    taxon_index,
                    prints[issue.index],
                    blocking,
                )
            )
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "version": TOOL_VERSION,
        "semanticVersion": TOOL_VERSION,
        "rules": [_rule(category, by_category[category]) for category in categories],
    }
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if taxa:
        driver["supportedTaxonomies"] = [{"name": CWE_TAXONOMY, "index": 0}]
        run["taxonomies"] = [_cwe_taxonomy(taxa)]
    automation = _automation(reviews)
    if automation:
        run["automationDetails"] = automation
    run["results"] = results
    run["properties"] = {
        "policy": {
            "fail_on": reviews[0].decision.fail_on.value if reviews else None,
            "outcome": worst(r.decision.outcome for r in reviews).value,
        },
        "reviews": [_review_properties(reviewed) for reviewed in reviews],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _taxa(categories: Sequence[str], issues: Sequence[Issue]) -> list[str]:
    """CWE numbers used by rules (representative ids) and results, in numeric order."""
    taxonomy = load_taxonomy()
    numbers = {cwe_number(cwe) for issue in issues for cwe in issue.cwe}
    for category in categories:
        representative = taxonomy.representative_cwe(category)
        if representative:
            numbers.add(cwe_number(representative))
    return sorted((n for n in numbers if n is not None), key=int)


def _rule(category_id: str, issues: Sequence[Issue]) -> dict[str, Any]:
    category = load_taxonomy().get(category_id)
    representative = category.cwe[0] if category.cwe else None
    tags = [category.family]
    rule: dict[str, Any] = {
        "id": category.id,
        "shortDescription": {"text": f"{category.id}: {category.description}"},
        "defaultConfiguration": {"level": LEVEL[category.default_severity]},
    }
    if representative:
        number = cwe_number(representative)
        rule["helpUri"] = cwe_url(representative)
        rule["relationships"] = [
            {
                "target": {"id": number, "toolComponent": {"name": CWE_TAXONOMY, "index": 0}},
                "kinds": ["relevant"],
            }
        ]
        tags.append(f"external/cwe/cwe-{number}")
    properties: dict[str, Any] = {"tags": tags, "family": category.family}
    findings = [issue.severity for issue in issues if issue.kind is Kind.FINDING]
    if category.security and findings:
        most_severe = min(findings, key=list(Severity).index)
        if most_severe in SECURITY_SEVERITY:
            properties["security-severity"] = SECURITY_SEVERITY[most_severe]
    rule["properties"] = properties
    return rule


def _cwe_taxonomy(numbers: Sequence[str]) -> dict[str, Any]:
    return {
        "name": CWE_TAXONOMY,
        "organization": "MITRE",
        "informationUri": "https://cwe.mitre.org/",
        "shortDescription": {"text": "The MITRE Common Weakness Enumeration"},
        "taxa": [
            {"id": number, "helpUri": f"https://cwe.mitre.org/data/definitions/{number}.html"}
            for number in numbers
        ],
    }


def _result(
    issue: Issue,
    reviewed: Reviewed,
    position: int,
    rule_index: dict[str, int],
    taxon_index: dict[str, int],
    fingerprint: str,
    blocking: set[int],
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": issue.category,
        "ruleIndex": rule_index[issue.category],
        "level": LEVEL[issue.severity] if issue.kind is Kind.FINDING else "note",
        "message": {"text": _message(issue)},
    }
    path = reviewed.context.path
    if path:
        first, *more = issue.lines or (None,)
        result["locations"] = [_location(path, first)]
        if more:
            result["relatedLocations"] = [
                {**_location(path, line), "id": n} for n, line in enumerate(more, start=1)
            ]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
    numbers = [n for n in (cwe_number(cwe) for cwe in issue.cwe) if n is not None]
    if numbers:
        result["taxa"] = [
            {"id": n, "index": taxon_index[n], "toolComponent": {"name": CWE_TAXONOMY, "index": 0}}
            for n in numbers
        ]
    result["properties"] = {
        "kind": issue.kind.value,
        "severity": issue.severity.value,
        "family": issue.family,
        "cwe": list(issue.cwe),
        "lines": [{"start": line.start, "end": line.end} for line in issue.lines],
        "blocking": issue.index in blocking,
        "review": position,
        "issue": issue.index,
    }
    return result


def _message(issue: Issue) -> str:
    text = title_and_text(issue, "\n\n")
    return _MESSAGE_SPECIALS.sub(lambda m: _MESSAGE_ESCAPES[m.group(0)], text)


def _location(path: str, line: LineRange | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(path, safe="/")}}
    if line is not None:
        start, end = bounds(line)
        physical["region"] = {"startLine": start, "endLine": end}
    return {"physicalLocation": physical}


def _automation(reviews: Sequence[Reviewed]) -> dict[str, Any] | None:
    sources = {reviewed.context.source for reviewed in reviews}
    if len(sources) != 1:
        return None
    source = sources.pop()
    if source is None:
        return None
    return {
        "description": {"text": f"Analysis of a code review written by {source}"},
        "properties": {"source": source},
    }


def _review_properties(reviewed: Reviewed) -> dict[str, Any]:
    analysis, decision, context = reviewed.analysis, reviewed.decision, reviewed.context
    review: dict[str, Any] = {
        "id": analysis.id,
        "verdict": analysis.verdict.value,
        "flags": [flag.value for flag in analysis.flags],
        "outcome": decision.outcome.value,
        "reason": decision.reason,
    }
    for name in ("path", "commit", "source"):
        value = getattr(context, name)
        if value is not None:
            review[name] = value
    return review
