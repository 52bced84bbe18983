"""Fixed Analysis objects for the format tests, built by hand: goldens ignore analyzer tuning.

They mirror what the analyzer made of reviews in tests/data/crafted.jsonl (crafted-01: three
located security findings; crafted-13: twelve findings, some unlocated, one quality, one with
three line references; crafted-10: a clean review with observations and a recommendation), plus
a hostile review whose text tries to break out of every format.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from service.analysis.model import (
    Analysis,
    CategoryCount,
    Evidence,
    Flag,
    Issue,
    Kind,
    LineRange,
    Severity,
    Span,
    Summary,
    Verdict,
)
from service.analysis.taxonomy import load_taxonomy
from service.formats import ReviewContext

F, R, OBS = Kind.FINDING, Kind.RECOMMENDATION, Kind.OBSERVATION


def issue(
    index: int,
    title: str | None,
    text: str,
    kind: Kind,
    category: str,
    severity: Severity,
    *,
    cwe: tuple[str, ...] = (),
    lines: tuple[tuple[int, int], ...] = (),
    span: tuple[int, int] = (0, 1),
) -> Issue:
    """An Issue with family and security taken from the taxonomy, like the analyzer does."""
    family = load_taxonomy().get(category).family
    return Issue(
        index=index,
        title=title,
        text=text,
        kind=kind,
        category=category,
        family=family,
        security=family == "security",
        severity=severity,
        cwe=cwe,
        lines=tuple(LineRange(start, end) for start, end in lines),
        symbols=(),
        span=Span(*span),
    )


def analysis(
    review_id: str | None,
    verdict: Verdict,
    stated: Verdict | None,
    issues: tuple[Issue, ...],
    flags: tuple[Flag, ...] = (),
    evidence: str | None = None,
) -> Analysis:
    """An Analysis with categories and summary counted from `issues`, as the pipeline does."""
    counts = Counter(i.category for i in issues)
    findings = Counter(i.category for i in issues if i.kind is F)
    families = {i.category: i.family for i in issues}
    categories = tuple(
        CategoryCount(c, families[c], counts[c], findings[c])
        for c in sorted(counts, key=lambda c: (-counts[c], -findings[c]))
    )
    kinds = Counter(i.kind for i in issues)
    summary = Summary(
        findings=kinds[F],
        security_findings=sum(1 for i in issues if i.kind is F and i.security),
        recommendations=kinds[R],
        observations=kinds[OBS],
    )
    return Analysis(
        id=review_id,
        verdict=verdict,
        stated_verdict=stated,
        verdict_evidence=Evidence(evidence, Span(0, len(evidence))) if evidence else None,
        issues=issues,
        categories=categories,
        summary=summary,
        flags=flags,
    )


CRAFTED_01 = analysis(
    "crafted-01",
    Verdict.DEFECTS_FOUND,
    Verdict.DEFECTS_FOUND,
    (
        issue(
            1,
            "SQL Injection in `search_orders()`",
            "The `customer` query parameter is interpolated directly into the SQL string with an "
            "f-string before it is passed to `cursor.execute()`. An attacker can close the quote "
            "and append arbitrary SQL, for example `' OR 1=1 --`.\n"
            "Fix: use a parameterized query:",
            F,
            "injection",
            Severity.HIGH,
            cwe=("CWE-89",),
            lines=((47, 48),),
            span=(110, 578),
        ),
        issue(
            2,
            "Hardcoded database password",
            '`DB_PASSWORD = "s3cr3t-prod"` is committed to the repository. Anyone with read '
            "access to the code gets production database credentials.\n"
            "Fix: load it from the environment or a secret manager:",
            F,
            "authentication",
            Severity.MEDIUM,
            cwe=("CWE-798",),
            lines=((12, 12),),
            span=(580, 927),
        ),
        issue(
            3,
            "Stack traces returned to the client",
            "The error handler returns `traceback.format_exc()` in the JSON response body, which "
            "discloses file paths and library versions to unauthenticated callers. Log the "
            "traceback server-side and return a generic message instead.",
            F,
            "information-exposure",
            Severity.LOW,
            cwe=("CWE-209",),
            lines=((88, 91),),
            span=(929, 1367),
        ),
    ),
    evidence="I found three issues that should be addressed before merging.",
)

CRAFTED_13 = analysis(
    "crafted-13",
    Verdict.DEFECTS_FOUND,
    Verdict.DEFECTS_FOUND,
    (
        issue(
            1,
            "Stored XSS in comment rendering (CWE-79)",
            "`comment.body` is rendered with `|safe` in `templates/post.html` (line 14), so any "
            "HTML a user posts is executed in other visitors' browsers.\n"
            "Fix: drop `|safe` and let Jinja2 autoescape, or sanitize with `bleach.clean()`.",
            F,
            "injection",
            Severity.CRITICAL,
            cwe=("CWE-79",),
            lines=((14, 14),),
        ),
        issue(
            2,
            "Passwords hashed with unsalted MD5 (CWE-327, CWE-916)",
            "`hash_password()` returns `hashlib.md5(pw.encode()).hexdigest()` (lines 31-33). MD5 "
            "is fast and unsalted, so leaked hashes can be cracked in bulk.",
            F,
            "cryptography",
            Severity.CRITICAL,
            cwe=("CWE-327", "CWE-916"),
            lines=((31, 33),),
        ),
        issue(
            3,
            "Missing authorization on account deletion (CWE-862)",
            "`/account/<id>/delete` checks that the caller is logged in but not that `id` is the "
            "caller's own account (L58-L64).",
            F,
            "authorization",
            Severity.HIGH,
            cwe=("CWE-862",),
            lines=((58, 64),),
        ),
        issue(
            4,
            "Debug mode enabled in production settings (CWE-489)",
            "`DEBUG = True` in `settings.py` line 5 exposes the Werkzeug debugger, which allows "
            "arbitrary code execution from the browser.",
            F,
            "configuration",
            Severity.HIGH,
            cwe=("CWE-489",),
            lines=((5, 5),),
        ),
        issue(
            5,
            "Open redirect after login (CWE-601)",
            "The `next` parameter is passed straight to `redirect()` (line 77) without checking "
            "that it is a relative URL.",
            F,
            "request-forgery",
            Severity.HIGH,
            cwe=("CWE-601",),
            lines=((77, 77),),
        ),
        issue(
            6,
            "No CSRF protection on state-changing forms (CWE-352)",
            "The profile and password forms post without a CSRF token; Flask-WTF's "
            "`CSRFProtect` is never initialised.",
            F,
            "request-forgery",
            Severity.MEDIUM,
            cwe=("CWE-352",),
        ),
        issue(
            7,
            "Permissive CORS policy (CWE-942)",
            '`CORS(app, origins="*", supports_credentials=True)` lets any site make credentialed '
            "requests to the API.",
            F,
            "configuration",
            Severity.MEDIUM,
            cwe=("CWE-942",),
        ),
        issue(
            8,
            "Session tokens written to the log (CWE-532)",
            '`log.info("login ok %s", session_token)` at line 92 puts live session tokens into '
            "the application log.",
            F,
            "information-exposure",
            Severity.MEDIUM,
            cwe=("CWE-532",),
            lines=((92, 92),),
        ),
        issue(
            9,
            "Unbounded upload size (CWE-400)",
            "`MAX_CONTENT_LENGTH` is not set, so a single request can upload a multi-gigabyte "
            "file and fill the disk.",
            F,
            "resource-management",
            Severity.MEDIUM,
            cwe=("CWE-400",),
        ),
        issue(
            10,
            "Outdated dependency with known vulnerabilities (CWE-1104)",
            "`requirements.txt` pins `PyJWT==1.5.0`, which is affected by CVE-2017-11424 (key "
            "confusion). Upgrade to 2.x.",
            F,
            "dependency",
            Severity.LOW,
            cwe=("CWE-1104",),
        ),
        issue(
            11,
            "Overly broad exception handling (CWE-396)",
            "`except Exception: pass` around the audit-log write (lines 101, 115, and 130) "
            "silently drops audit events when the database is unavailable.",
            F,
            "error-handling",
            Severity.LOW,
            cwe=("CWE-396",),
            lines=((101, 101), (115, 115), (130, 130)),
        ),
        issue(
            12,
            "N+1 queries on the post list",
            "The template reads `post.author.name` for every post, issuing one query per row. Use "
            "`joinedload(Post.author)`. This is a performance problem, not a security one.",
            F,
            "performance",
            Severity.LOW,
        ),
    ),
    flags=(Flag.OFF_TASK,),
    evidence="The application has several vulnerabilities, some of them serious.",
)

CRAFTED_10 = analysis(
    "crafted-10",
    Verdict.NO_DEFECTS,
    Verdict.NO_DEFECTS,
    (
        issue(
            1,
            None,
            "The new test `test_affinity_filter_passes` builds its host state with "
            "`fakes.FakeHostState` and does not touch any real hosts.",
            OBS,
            "testing",
            Severity.INFO,
        ),
        issue(
            2,
            None,
            "The `self.flags(...)` override on lines 20-24 is scoped to the test by the fixture, "
            "so it does not leak into other tests.",
            OBS,
            "testing",
            Severity.INFO,
            lines=((20, 24),),
        ),
        issue(
            3,
            None,
            "It's important to ensure that test fixtures never contain real credentials.",
            R,
            "testing",
            Severity.INFO,
        ),
    ),
    evidence="No security defects are detected in the code.",
)

HOSTILE = analysis(
    "hostile | <b>id</b>",
    Verdict.DEFECTS_FOUND,
    None,
    (
        issue(
            1,
            "Injected | cell <script>alert(1)</script>",
            "Ping @octocat and see ![x](https://evil.example/x.png) `code` {0} [link](1) "
            "**bold** a|b\n- not a list\n# not a heading\n1. not a list either\n---",
            F,
            "injection",
            Severity.CRITICAL,
            cwe=("CWE-79",),
            lines=((3, 3),),
        ),
        issue(
            2,
            None,
            "</details><details open><summary>pwned</summary> & more",
            R,
            "input-validation",
            Severity.INFO,
        ),
        issue(
            3,
            None,
            "A repeated point.",
            F,
            "correctness",
            Severity.MEDIUM,
        ),
        issue(
            4,
            None,
            "A repeated point.",
            F,
            "correctness",
            Severity.MEDIUM,
        ),
    ),
    flags=(Flag.NO_VERDICT_STATEMENT,),
)


@dataclass(frozen=True)
class Case:
    """A named Analysis with the context a caller would send with it."""

    name: str
    analysis: Analysis
    context: ReviewContext


CASES = (
    Case(
        "crafted-01",
        CRAFTED_01,
        ReviewContext(path="app/db.py", commit="4f1c2e9b7a", source="gpt-4o"),
    ),
    Case(
        "crafted-13",
        CRAFTED_13,
        ReviewContext(path="app/views/account.py", commit="9e8d7c6b5a", source="claude"),
    ),
    Case("crafted-10", CRAFTED_10, ReviewContext()),
    Case(
        "hostile",
        HOSTILE,
        ReviewContext(path="src/my file#1.py", commit="`rm -rf`", source="@octocat <img>"),
    ),
)
CASES_BY_NAME = {case.name: case for case in CASES}
