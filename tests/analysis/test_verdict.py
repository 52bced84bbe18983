"""Verdict statements, the final verdict and the flags about the review itself."""

from __future__ import annotations

import pytest

from service.analysis import analyze
from service.analysis.model import Flag, Verdict


@pytest.mark.parametrize(
    ("body", "stated"),
    [
        ("No security defects are detected in the code.", Verdict.NO_DEFECTS),
        ("```No security defects are detected in the code```", Verdict.NO_DEFECTS),
        ("**No security defects are detected in the code**.", Verdict.NO_DEFECTS),
        ("The code changes look secure.", Verdict.NO_DEFECTS),
        ("Based on the diff, I don't see any obvious security issues.", Verdict.NO_DEFECTS),
        ("LGTM from a security standpoint.", Verdict.NO_DEFECTS),
        ("Security type:\nNo Issue\nDescription:\n\nImpact:\n\nAdvice:\n", Verdict.NO_DEFECTS),
        ('{"security_concerns": "No"}', Verdict.NO_DEFECTS),
        ('{"vulnerabilities": [], "summary": "Nothing to report."}', Verdict.NO_DEFECTS),
        ("I found two security weaknesses in how the cookie is stored.", Verdict.DEFECTS_FOUND),
        (
            "Overall, this patch introduces **two memory-safety vulnerabilities**.",
            Verdict.DEFECTS_FOUND,
        ),
        ("The CI script is vulnerable to command injection.", Verdict.DEFECTS_FOUND),
        ("Security type:\nConcurrency\nDescription:\nA race on `cache`.", Verdict.DEFECTS_FOUND),
        ("LGTM", None),
        ("Looks good to me, thanks!", None),
        ("There is no SQL injection risk here because the queries are parameterised.", None),
        ("I could not confirm that no security defects exist in the handlers.", None),
        ("I'm sorry, but I can't help with that request.", None),
        # The many ways a reviewer says "nothing found" or "found something".
        ("From a security standpoint, this change looks good.", Verdict.NO_DEFECTS),
        ("**Security assessment:** No issues found.", Verdict.NO_DEFECTS),
        ("Security: no concerns.", Verdict.NO_DEFECTS),
        ("Nothing security-relevant here.", Verdict.NO_DEFECTS),
        ("Overall: safe to merge.", Verdict.NO_DEFECTS),
        ("The change is clean; I have no security findings to report.", Verdict.NO_DEFECTS),
        ("This looks secure to me.", Verdict.NO_DEFECTS),
        ("Everything checks out security-wise.", Verdict.NO_DEFECTS),
        ("I don't see anything exploitable here.", Verdict.NO_DEFECTS),
        ("This PR does not introduce any security problems.", Verdict.NO_DEFECTS),
        ("The modifications appear to be secure.", Verdict.NO_DEFECTS),
        ("There's nothing here that raises security concerns.", Verdict.NO_DEFECTS),
        ("Overall, no security issues; one style nit below.", Verdict.NO_DEFECTS),
        ("I found nothing to flag.", Verdict.NO_DEFECTS),
        ("Verdict: vulnerable", Verdict.DEFECTS_FOUND),
        ("Security issues were detected in the code.", Verdict.DEFECTS_FOUND),
        ("It is safe to assume the caller validates `id`.", None),
        ("It is hard to say whether this is secure without seeing the callers.", None),
        ("Looks secure to me, LGTM.", Verdict.NO_DEFECTS),
        ("Looks safe to remove once the flag is gone.", None),
        ("Went through the Dockerfile: nothing to flag security-wise.", Verdict.NO_DEFECTS),
        ("Security-wise, nothing to report.", Verdict.NO_DEFECTS),
        ("```yaml\nverdict: pass\nsecurity_issues: []\n```", Verdict.NO_DEFECTS),
        ("verdict: pass\nsecurity_issues: []\nnotes: Nothing to change.\n", Verdict.NO_DEFECTS),
        ('{"security_issues": []}', Verdict.NO_DEFECTS),
        # A scanner's zero count, and the "angle" a reviewer looks from.
        ("✅ security-scan: 0 issues found in 14 changed files.", Verdict.NO_DEFECTS),
        ("Trivy scan passed\nVulnerabilities: 0 (CRITICAL 0, HIGH 0)", Verdict.NO_DEFECTS),
        ("Nothing to flag from a security angle.", Verdict.NO_DEFECTS),
        ("Looked at the chart: nothing concerning from a security angle.", Verdict.NO_DEFECTS),
        ("Clean from a security perspective.", Verdict.NO_DEFECTS),
        ('{"security_concerns": "Yes", "summary": "see the findings"}', Verdict.DEFECTS_FOUND),
        ("Automated security scan: 0 vulnerabilities detected.", Verdict.NO_DEFECTS),
        ("Automated security scan: 2 vulnerabilities detected.", Verdict.DEFECTS_FOUND),
        ("lgtm from a sec perspective, the bucket stays private", Verdict.NO_DEFECTS),
        ("Went through it with my security hat on, nothing to flag.", Verdict.NO_DEFECTS),
        ("I'm happy with it from a security standpoint.", Verdict.NO_DEFECTS),
        ("Didn't find anything risky in the Keychain wrapper.", Verdict.NO_DEFECTS),
        ("No security concerns from me.", Verdict.NO_DEFECTS),
        ("No security concerns in this diff.", Verdict.NO_DEFECTS),
        ("No security impact here, it's a pure rename.", Verdict.NO_DEFECTS),
        ("SecureScan report: 0 vulnerabilities, 0 hotspots in changed code.", Verdict.NO_DEFECTS),
        ("Security-wise this looks solid.", Verdict.NO_DEFECTS),
        ("I looked for security problems and didn't find any.", Verdict.NO_DEFECTS),
        ("I can't find anything to object to from a security standpoint.", Verdict.NO_DEFECTS),
        ("Scanned 14 changed files. 0 new security findings.", Verdict.NO_DEFECTS),
        ("The change looks safe.", Verdict.NO_DEFECTS),
        ("✅ Security scan passed: 0 new findings (SAST, secrets, IaC).", Verdict.NO_DEFECTS),
        (
            "**Security:** nothing to flag -- signatures use `hmac.compare_digest`.",
            Verdict.NO_DEFECTS,
        ),
        ('{"vuln_count": 0, "notes": ["`retry` needs a named constant"]}', Verdict.NO_DEFECTS),
        (
            "scan_result:\n  security: none found\n  style:\n    - file: a.yaml\n",
            Verdict.NO_DEFECTS,
        ),
        ("The code changes seem to be safe and follow good practices.", None),
        ("ActiveRecord binds those. Security-wise 👍", Verdict.NO_DEFECTS),
        ("I don't see an exploitable path here; no findings from AppSec.", Verdict.NO_DEFECTS),
        ("**Verdict: ✅ Approve. No security defects identified.**", Verdict.NO_DEFECTS),
        ("## Review\n- `x` is fine.\n\n## No security issues found\n", Verdict.NO_DEFECTS),
    ],
)
def test_stated_verdicts(body: str, stated: Verdict | None) -> None:
    assert analyze(body).stated_verdict == stated


def test_the_conclusion_wins_and_evidence_points_at_the_statement() -> None:
    body = " No security defects are detected in the code.\n\n1. Rename `x`.\n"
    analysis = analyze(body)
    evidence = analysis.verdict_evidence
    assert evidence is not None
    assert body[evidence.span.start : evidence.span.end].startswith("No security defects")


def test_a_security_finding_overrides_a_boilerplate_no_defects_line() -> None:
    body = (
        "1. `find()` concatenates `name` into the SQL string (line 34), so this allows SQL "
        "injection (CWE-89).\n\nNo security defects are detected in the code."
    )
    analysis = analyze(body)
    assert analysis.verdict is Verdict.DEFECTS_FOUND
    assert analysis.stated_verdict is Verdict.NO_DEFECTS
    assert Flag.CONTRADICTION in analysis.flags


def test_only_quality_findings_with_a_no_defects_statement_are_off_task() -> None:
    body = "No security defects are detected in the code.\n\n- `MAX_RETRIES` is never used."
    analysis = analyze(body)
    assert analysis.verdict is Verdict.NO_DEFECTS
    assert Flag.OFF_TASK in analysis.flags
    assert Flag.CONTRADICTION not in analysis.flags


def test_without_statement_or_security_finding_the_verdict_is_inconclusive() -> None:
    analysis = analyze("- nit: trailing whitespace on L88\n- `tmp` should be `pending_jobs`")
    assert analysis.verdict is Verdict.INCONCLUSIVE
    assert Flag.NO_VERDICT_STATEMENT in analysis.flags


@pytest.mark.parametrize(
    ("body", "flag", "present"),
    [
        (
            "Without seeing the callers, it is impossible to say whether this is safe.",
            Flag.HEDGED,
            True,
        ),
        ("I can't rule out problems in code that isn't shown here.", Flag.HEDGED, True),
        ("The patch renames a variable.", Flag.HEDGED, False),
        ("The `build_cmd` function assembles the arguments for", Flag.TRUNCATED, True),
        ("Fix:\n\n```python\nx = shlex.quote(name)\n", Flag.TRUNCATED, True),
        ("- license header is missing from the new file", Flag.TRUNCATED, False),
        ("LGTM", Flag.TRUNCATED, False),
        ("N/A", Flag.TRUNCATED, False),
        ("Itâ€™s fine.", Flag.ENCODING_REPAIRED, True),
        ("It’s fine.", Flag.ENCODING_REPAIRED, False),
        ("   \n\u200b<!-- bot placeholder -->", Flag.EMPTY, True),
        ("```\n```", Flag.EMPTY, True),
    ],
)
def test_flags(body: str, flag: Flag, present: bool) -> None:
    assert (flag in analyze(body).flags) is present


@pytest.mark.parametrize(
    "body",
    [
        "✅ **gosec** finished: 0 issues (14 files, 1,203 lines scanned).",
        "No security concerns from me, LGTM.",
        "Didn't find anything security-relevant in this diff.",
        "Read through `ci.hcl`. Nothing I'd flag from a security point of view.",
    ],
)
def test_more_ways_of_saying_nothing_was_found(body: str) -> None:
    assert analyze(body).verdict is Verdict.NO_DEFECTS
