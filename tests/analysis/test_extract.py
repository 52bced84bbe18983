"""Tests for service.analysis.extract: line references, CWE ids, symbols and stated severity."""

from __future__ import annotations

import pytest

from service.analysis.extract import (
    MAX_CWES,
    MAX_LINE_REFS,
    MAX_SYMBOLS,
    extract_cwes,
    extract_lines,
    extract_severity,
    extract_symbols,
    parse_severity,
)
from service.analysis.model import LineRange, Severity


def lines(text: str) -> list[tuple[int, int]]:
    return [(r.start, r.end) for r in extract_lines(text)]


# --- lines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The use of `exception.HypervisorUnavailable` (line 477) is fine.", [(477, 477)]),
        ("Line 5 has a typo.", [(5, 5)]),
        ("configuration flags (e.g., lines 47-48, 56-57) are local", [(47, 48), (56, 57)]),
        ("**Location:** lines 88–91", [(88, 91)]),
        ("see lines 47—48", [(47, 48)]),
        ("cleaned up after the tests run (lines 60, 69, and 72).", [(60, 60), (69, 69), (72, 72)]),
        ("lines 60, 69 and 72", [(60, 60), (69, 69), (72, 72)]),
        (
            "audit-log write (lines 101, 115 and 130) drops events",
            [(101, 101), (115, 115), (130, 130)],
        ),
        ("not the caller's own account (L58-L64).", [(58, 64)]),
        ("the `--config` flag (L12-L15).", [(12, 15)]),
        ("nit: trailing whitespace on L88", [(88, 88)]),
        ("| 2 | Medium | world-writable | line 12 to 15 | CWE-732 |", [(12, 15)]),
        ("lines 12 through 15 repeat the setup", [(12, 15)]),
        ("from line 12 to line 15", [(12, 15)]),
        ("see #L10", [(10, 10)]),
        ("https://github.com/o/r/blob/abc/x.py#L10-L20", [(10, 20)]),
        ("| 3 | Low | token printed | publish.py#L10 | CWE-532 |", [(10, 10)]),
        ("In `UserRepository.findByName` (line 34), the query", [(34, 34)]),
        ("The assertion at line 5 might fail.", [(5, 5)]),
        ("The loop on lines 3-4 skips the first file.", [(3, 4)]),
        ("commenting out line number 48", [(48, 48)]),
        ("the links in line numbers 68-71", [(68, 71)]),
        ("line no. 12 is wrong", [(12, 12)]),
        ('"location": "upload.py, line 27",', [(27, 27)]),
        ('"location": "upload.py, lines 31-33",', [(31, 33)]),
        ("`DEBUG = True` in `settings.py` line 5 exposes", [(5, 5)]),
        ("track created images (e.g., lines 155-167)", [(155, 167)]),
        ("Original lines [63-77]", [(63, 77)]),
        ("- Lines 58-64: In the second test case", [(58, 64)]),
        ("- Line 45 - 48 are commented out", [(45, 48)]),
        ("**Lines:** 12-15", [(12, 15)]),
        ("In line 342 and 349, you set", [(342, 342), (349, 349)]),
        ("The text content (line 22, 97) is hardcoded", [(22, 22), (97, 97)]),
        ("lines 70-74, 76-87, and 115-118", [(70, 74), (76, 87), (115, 118)]),
        ("at line 12.", [(12, 12)]),
        ("line 5 then line 9 then line 5", [(5, 5), (9, 9), (5, 5)]),
        ("line 7, line 7", [(7, 7)]),
        ("lines 20-10", [(10, 20)]),
        ("LINE 3", [(3, 3)]),
        # A code file's name, a colon and the line (and maybe a column or an end line).
        ("See `app.py:42` for the query.", [(42, 42)]),
        ("src/view.tsx:10-20 and main.go:51:7", [(10, 20), (51, 51)]),
        ("File: upload.py:88", [(88, 88)]),
        # JSON and YAML answers: the key's closing quote sits between the word and the number.
        ('{"file": "auth.go", "line": 51}', [(51, 51)]),
        ('"lines": [51, 52]', [(51, 51), (52, 52)]),
    ],
)
def test_line_references(text: str, expected: list[tuple[int, int]]) -> None:
    assert lines(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the L2 cache is flushed",
        "use an L1 norm here",
        "`L1ChainInfo` and `L2ChainInfo`",
        "set line-height: 1.5 on the header",
        "line-height:4rem;",
        "online 5 times",
        "the pipeline 3 stage",
        "a multi-line 3 string",
        "a newline 4 you",
        "CWE-89 and CWE-798",
        "the function is 30 lines long",
        "about 120 lines of code",
        "upgrade to version 1.2.3",
        "PyJWT==1.5.0 is affected by CVE-2017-11424",
        "line 1.2 of the spec",
        "line 0",
        "line 99999999",
        "items 1–5 before release",
        "l12 is lowercase",
        "see /L10 in the path",
        "this line is too long",
        "the service listens on example.com:8080",
        "pin requests==2.31.0 and run app.py:main",
        "",
    ],
)
def test_not_line_references(text: str) -> None:
    assert extract_lines(text) == ()


def test_lines_are_line_ranges() -> None:
    assert extract_lines("line 4 and lines 6-8") == (LineRange(4, 4), LineRange(6, 8))


def test_list_does_not_run_into_the_next_list_item() -> None:
    assert lines("see line 5\n2. next item") == [(5, 5)]


# --- CWE ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**CWE:** CWE-89", ("CWE-89",)),
        ("an SQL injection (CWE 89)", ("CWE-89",)),
        ("cwe-89 in lower case", ("CWE-89",)),
        ("non-breaking hyphen CWE‑89 and en dash CWE–79", ("CWE-89", "CWE-79")),
        ("CWE:89", ("CWE-89",)),
        ("CWE ID 22 and CWE-ID: 23", ("CWE-22", "CWE-23")),
        ("Passwords hashed with unsalted MD5 (CWE-327, CWE-916)", ("CWE-327", "CWE-916")),
        ("CWE-0089, then CWE-89 again, then CWE-79", ("CWE-89", "CWE-79")),
        ('"cwe": "CWE-78",', ("CWE-78",)),
        ("see https://cwe.mitre.org/data/definitions/78.html", ("CWE-78",)),
        ("CWE-89 does not apply here.", ("CWE-89",)),
        ("Security type: SQL injection, no id", ()),
        ("CVE-2017-11424", ()),
        ("MYCWE-5 or CWE-", ()),
        ("CWE-0", ()),
        ("CWE-1234567890", ()),
    ],
)
def test_cwes(text: str, expected: tuple[str, ...]) -> None:
    assert extract_cwes(text) == expected


def test_bare_numbers_count_only_in_a_cwe_field() -> None:
    assert extract_cwes("see 78 and 22") == ()
    assert extract_cwes("cwe: 78") == ("CWE-78",)  # a label with a colon is a CWE prefix
    assert extract_cwes("78", field=True) == ("CWE-78",)
    assert extract_cwes('[22, "CWE-79", 22]', field=True) == ("CWE-22", "CWE-79")
    assert extract_cwes("version 1.2", field=True) == ()


# --- symbols -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "imports `nova.tests.unit.image.fake` and `nova.virt.fake`",
            ("nova.tests.unit.image.fake", "nova.virt.fake"),
        ),
        ("uses `self.useFixture()` and again `self.useFixture()`", ("self.useFixture()",)),
        ("double ``a `tick` inside`` span", ("a `tick` inside",)),
        ("padded `  spaced  ` span", ("spaced",)),
        ("empty `` and ` ` spans", ()),
        ("split `across\nlines` span", ("across lines",)),
        ("no span across a blank line `a\n\nb`", ()),
        ("unclosed `backtick here", ()),
        ("escaped \\`not code\\` then `code`", ("code",)),
        ("CommonMark pairs \\`a` b `c`", ("b",)),
        ("```python\nx = `not a symbol`\n```\nthen `after_fence`", ("after_fence",)),
        ("   ```\n   `indented fence`\n   ```\n`out`", ("out",)),
        ("~~~\n`tilde fence`\n~~~~\n`out`", ("out",)),
        ("```\nunclosed fence `inside`", ()),
        ("before `a`\n```diff\n- `b`\n```\nafter `c`", ("a", "c")),
        ("text ```inline triple``` text", ("inline triple",)),
        ("`" + "x" * 201 + "` then `short`", ("short",)),
    ],
)
def test_symbols(text: str, expected: tuple[str, ...]) -> None:
    assert extract_symbols(text) == expected


# --- severity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Severity: High", Severity.HIGH),
        ("### 1. SQL Injection\n\n**Severity:** High\n**CWE:** CWE-89", Severity.HIGH),
        ("**Severity**: Low", Severity.LOW),
        ("Risk: Critical", Severity.CRITICAL),
        ("* **Risk:** Low\n* **Details:** unchecked", Severity.LOW),
        ("severity: high", Severity.HIGH),
        ('"severity": "critical",', Severity.CRITICAL),
        ("[CRITICAL] Stored XSS in comment rendering (CWE-79)", Severity.CRITICAL),
        ("3. [HIGH] Missing authorization", Severity.HIGH),
        ("Insecure cookie (Severity: Medium)", Severity.MEDIUM),
        ("Severity - High", Severity.HIGH),
        ("* **Insecure cookie attributes (CWE-614) – Severity: Medium:** The", Severity.MEDIUM),
        ("Priority: High", Severity.HIGH),
        ("Risk level: 9.8 (Critical)", Severity.CRITICAL),
        ("Critical: the token is logged", Severity.CRITICAL),
        ("- **Major:** the retry loop never ends", Severity.HIGH),
        ("nit: rename `tmp` to `pending_jobs`", Severity.LOW),
        ("Nit rename this", Severity.LOW),
        ("NIT: single line", Severity.LOW),
        ("Minor: spacing", Severity.LOW),
        ("This is a minor issue, but worth fixing.", Severity.LOW),
        ("This is a major issue.", Severity.HIGH),
        ("This is a moderate risk as it could panic.", Severity.MEDIUM),
        ("Severity: Informational", Severity.INFO),
        ("Info: the endpoint is internal", Severity.INFO),
        ("[info] naming only", Severity.INFO),
        ("SQL Injection (High)", Severity.HIGH),
        ("1. **Path traversal (High Risk)**", Severity.HIGH),
        ("A high severity issue", Severity.HIGH),
        ("medium-severity finding", Severity.MEDIUM),
        ("Severity: Low (was High)", Severity.LOW),
    ],
)
def test_stated_severity(text: str, expected: Severity) -> None:
    assert extract_severity(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "It's crucial to ensure that test environments are isolated.",
        "it's critical to validate all inputs",
        "This poses a high risk of data leakage.",
        "High-level overview of the change",
        "Severity: High-level design",
        "low-level socket code",
        "Critical sections must hold the lock.",
        "The log prints [INFO] Starting server",
        "there don't appear to be any major bugs",
        "There are no major issues in the patch.",
        "The code patch seems to be a minor change.",
        "Nitpicking aside, this is fine.",
        '{"critical": 0, "high": 2}',
        "Findings are ordered by severity.",
        "the severity is high",
        "",
    ],
)
def test_no_stated_severity(text: str) -> None:
    assert extract_severity(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("High", Severity.HIGH),
        ("**critical**", Severity.CRITICAL),
        (" medium ", Severity.MEDIUM),
        ("Low risk", Severity.LOW),
        ("informational", Severity.INFO),
        ("Shell command built from the branch name", None),
        ("", None),
    ],
)
def test_parse_severity_value(value: str, expected: Severity | None) -> None:
    assert parse_severity(value) is expected


# --- hostile input -----------------------------------------------------------------------------


def test_hostile_line_input_is_bounded() -> None:
    assert extract_lines("line 1, " * 200_000) == (LineRange(1, 1),)
    many = "lines " + ", ".join(str(n) for n in range(1, 200_000))
    assert len(extract_lines(many)) == MAX_LINE_REFS
    assert extract_lines("L" * 200_000 + "1") == ()
    assert extract_lines("lines " * 200_000) == ()


def test_hostile_cwe_input_is_bounded() -> None:
    assert extract_cwes("CWE-" * 200_000) == ()
    assert extract_cwes("CWE-1 " * 200_000) == ("CWE-1",)
    many = " ".join(f"CWE-{n}" for n in range(1, 50_000))
    assert len(extract_cwes(many)) == MAX_CWES


def test_hostile_symbol_input_is_bounded() -> None:
    assert extract_symbols("`" * 200_000) == ()
    assert extract_symbols("`a` " * 200_000) == ("a",)
    assert extract_symbols("`a`` " * 200_000) != ()
    many = " ".join(f"`s{n}`" for n in range(50_000))
    assert len(extract_symbols(many)) == MAX_SYMBOLS
    assert extract_symbols("```\n" * 200_000) == ()


def test_hostile_severity_input_completes() -> None:
    assert extract_severity("Severity:" * 200_000) is None
    assert extract_severity("[" * 200_000) is None
    assert extract_severity("severity " + " " * 200_000 + "high") is None
    assert extract_severity("\n" * 200_000 + "nit: x") is Severity.LOW


@pytest.mark.parametrize("text", ["L4 load balancer", "L1/L2 caches", "L3 switch"])
def test_network_and_cache_levels_are_not_lines(text: str) -> None:
    assert extract_lines(text) == ()
