"""Stage 3: one item's text -> the facts it states: line references, CWE ids, symbols, severity.

Each function reads the (normalised) text of one item and returns what it finds in order of
appearance. All patterns are compiled at import and built from bounded or disjoint pieces, so
they stay linear on hostile input; every result is capped in size.

Decisions worth knowing:

* Line references need a `line`/`lines` keyword (``line 477``, ``lines 60, 69, and 72``,
  ``line no. 12``, ``lines [63-77]``) or an `L` form (``L12-L15``, ``#L10``). Bare numbers, counts
  (``30 lines``), words that merely contain "line" (``online``, ``pipeline``, ``line-height``),
  ``L2 cache`` and version numbers are not references. A reversed range is swapped; line 0 and
  numbers above `MAX_LINE` are dropped.
* A stated severity must be *labelled*: ``Severity: High``, ``Risk - Low``, ``"severity":
  "critical"``, ``Priority: High`` (a priority label is how several review bots state urgency),
  ``[CRITICAL]``, a leading ``Critical:``/``nit:`` tag, ``(High)``, ``high severity``, or
  ``minor``/``major``/``moderate`` + issue-like noun. Adjectives in prose ("it is critical to
  ensure", "a high risk of") are not stated severities.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from service.analysis.model import LineRange, Severity

MAX_LINE = 10_000_000
MAX_LINE_REFS = 500
MAX_CWES = 100
MAX_SYMBOLS = 50
MAX_SYMBOL_LENGTH = 200

# --- line references -------------------------------------------------------------------------

_DASH_CHARS = "\\-‐‑‒–—−"  # hyphen, (non-breaking) hyphen, figure, en and em dash, minus
_DASH = f"[{_DASH_CHARS}]"
_NUMBER = r"\d{1,9}(?!\d|\.\d|[^\W\d])"  # not part of a longer number, version or word
_RANGE_SEP = (
    rf"[ \t]{{0,3}}(?:{_DASH}|(?:to|through|thru|until|till)\b)[ \t]{{0,3}}"
    r"(?:lines?[ \t]{1,3})?L?"
)
_REF = rf"{_NUMBER}(?:{_RANGE_SEP}{_NUMBER})?"
_LIST_SEP = r"[ \t]{0,3}(?:,[ \t]{0,3}(?:(?:and|or)[ \t]{1,3}|&[ \t]{0,3})?|(?:and|or|&)[ \t]{1,3})"
# `lines` + optional "no."/"number"/"#" + a short run of separators (space, colon, bold, bracket,
# the quote that closes a JSON key: `"line": 51`).
_KEYWORD = r"(?<![\w-])lines?(?:[ \t]{1,3}(?:numbers?|nos?\.?))?[ \t:*#\[\"']{1,6}"
# `app.py:42`, `src/view.tsx:10-20`, `main.go:51:7` (line, then column): a source file's name, a
# colon and the line. Only code files count, so `example.com:8080` is not line 8080.
_SOURCE_EXTENSIONS = (
    "py|pyi|js|jsx|mjs|cjs|ts|tsx|go|java|kt|kts|scala|rb|php|c|h|cc|cpp|cxx|hpp|cs|rs|swift|m|mm"
    "|sh|bash|pl|lua|r|dart|ex|exs|erl|hs|ml|sql|html|vue|svelte|css|scss|yaml|yml|json|toml|xml"
    "|tf|gradle|ipynb"
)
_FILE_LINE = rf"\.(?<=\w\.)(?:{_SOURCE_EXTENSIONS}):(?P<fform>{_NUMBER}(?:{_DASH}{_NUMBER})?)"
_L_FORM = (
    rf"(?<![\w./-])(?-i:L){_NUMBER}(?:[ \t]{{0,2}}{_DASH}[ \t]{{0,2}}(?-i:L)?{_NUMBER})?"
    r"(?!/|[ \t]{1,3}(?:cache|norm|regulari[sz]ation|loss|distance|penalty|switch|layer|load"
    r"|proxy|firewall|traffic|routing)\b)"
)
_LINE_REF = re.compile(
    rf"{_KEYWORD}(?P<list>{_REF}(?:{_LIST_SEP}{_REF}){{0,{MAX_LINE_REFS}}})|(?P<lform>{_L_FORM})"
    rf"|{_FILE_LINE}",
    re.IGNORECASE,
)
_RANGE = re.compile(rf"(\d{{1,9}})(?:{_RANGE_SEP}(\d{{1,9}}))?", re.IGNORECASE)
# Every line reference holds "line", an "L" right before a digit, or a code file's name before a
# colon and a digit; these tests are far cheaper than scanning with _LINE_REF, whose lookbehinds
# are tried at every position.
_L_DIGIT = re.compile(r"L\d")
_FILE_LINE_ONLY = re.compile(_FILE_LINE, re.IGNORECASE)


def _ranges(fragment: str) -> Iterator[LineRange]:
    """The line ranges written in one matched fragment, dropping impossible ones."""
    for match in _RANGE.finditer(fragment):
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        start, end = min(first, last), max(first, last)
        if start >= 1 and end <= MAX_LINE:
            yield LineRange(start, end)


def extract_lines(text: str) -> tuple[LineRange, ...]:
    """Every line reference in `text`, in order; an immediate repeat of a range is dropped."""
    found: list[LineRange] = []
    if (
        "line" not in text.lower()
        and _L_DIGIT.search(text) is None
        and _FILE_LINE_ONLY.search(text) is None
    ):
        return ()
    for match in _LINE_REF.finditer(text):
        fragment = match.group("list") or match.group("lform") or match.group("fform")
        for line_range in _ranges(fragment):
            if not found or found[-1] != line_range:
                found.append(line_range)
                if len(found) >= MAX_LINE_REFS:
                    return tuple(found)
    return tuple(found)


# --- CWE ids -----------------------------------------------------------------------------------

_CWE_PATTERN = (
    rf"(?<![\w-])cwe[ \t]{{0,2}}(?:{_DASH}|[:#_])?[ \t]{{0,2}}(?:id[ \t]{{0,2}}[-:#]?[ \t]{{0,2}})?"
    r"(?P<id>\d{1,9})(?!\d)"
    r"|cwe\.mitre\.org/data/definitions/(?P<url>\d{1,9})\.html"
)
_CWE = re.compile(_CWE_PATTERN, re.IGNORECASE)
# In a value known to be a CWE field (`"cwe": 78`, `cwe: [78, 22]`), bare numbers count too.
_CWE_FIELD = re.compile(rf"{_CWE_PATTERN}|(?<![\w.-])(?P<bare>\d{{1,9}})(?![\w.])", re.IGNORECASE)


def extract_cwes(text: str, *, field: bool = False) -> tuple[str, ...]:
    """Every CWE id named in `text` as `CWE-<n>`, in order, without duplicates.

    Free text needs the `CWE` prefix (``CWE-89``, ``CWE 89``, ``cwe:89``, a cwe.mitre.org link).
    With `field=True` the text is the value of a CWE field, and bare numbers count as well.
    """
    if not field and "cwe" not in text.lower():
        return ()
    pattern = _CWE_FIELD if field else _CWE
    found: dict[str, None] = {}
    for match in pattern.finditer(text):
        number = int(next(group for group in match.groups() if group is not None))
        if number > 0:
            found.setdefault(f"CWE-{number}")
            if len(found) >= MAX_CWES:
                break
    return tuple(found)


# --- symbols (code spans) ----------------------------------------------------------------------

_FENCE_OPEN = re.compile(r"[ \t]*(?:>[ \t]?)*(?P<fence>`{3,}(?=[^`]*$)|~{3,})")
_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"[ \t\r]*")


def _paragraphs(text: str) -> Iterator[str]:
    """The runs of consecutive non-blank lines outside fenced code blocks."""
    fence = ""
    paragraph: list[str] = []
    for line in text.split("\n"):
        if fence:
            stripped = line.strip().lstrip(" \t>")  # a fence may sit in a blockquote
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = ""
            continue
        opened = _FENCE_OPEN.match(line)
        if opened or _BLANK_LINE.fullmatch(line):
            if paragraph:
                yield "\n".join(paragraph)
                paragraph = []
            fence = opened.group("fence") if opened else ""
            continue
        paragraph.append(line)
    if paragraph:
        yield "\n".join(paragraph)


def _code_spans(paragraph: str) -> Iterator[str]:
    """Contents of the code spans in one paragraph (CommonMark: equal-length backtick runs)."""
    runs = [(m.start(), m.end() - m.start()) for m in _BACKTICKS.finditer(paragraph)]
    by_length: dict[int, list[int]] = {}
    for index, (_, length) in enumerate(runs):
        by_length.setdefault(length, []).append(index)
    index = 0
    while index < len(runs):
        start, length = runs[index]
        if start > 0 and paragraph[start - 1] == "\\":  # an escaped backtick is literal
            start, length = start + 1, length - 1
        candidates = by_length.get(length, [])
        position = bisect_right(candidates, index)
        if length == 0 or position == len(candidates):
            index += 1
            continue
        closer = candidates[position]
        yield paragraph[start + length : runs[closer][0]]
        index = closer + 1


def extract_symbols(text: str) -> tuple[str, ...]:
    """Identifiers quoted in inline code spans, in order, without duplicates.

    Fenced code blocks are skipped entirely; spans are stripped (line breaks become spaces), and
    empty ones or ones longer than `MAX_SYMBOL_LENGTH` are skipped.
    """
    found: dict[str, None] = {}
    if "`" not in text:
        return ()
    for paragraph in _paragraphs(text):
        for content in _code_spans(paragraph):
            symbol = content.replace("\n", " ").strip()
            if symbol and len(symbol) <= MAX_SYMBOL_LENGTH:
                found.setdefault(symbol)
                if len(found) >= MAX_SYMBOLS:
                    return tuple(found)
    return tuple(found)


# --- stated severity ---------------------------------------------------------------------------

_LEVELS: dict[str, Severity] = {
    "critical": Severity.CRITICAL,
    "blocker": Severity.CRITICAL,
    "high": Severity.HIGH,
    "major": Severity.HIGH,
    "severe": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "med": Severity.MEDIUM,
    "low": Severity.LOW,
    "minor": Severity.LOW,
    "trivial": Severity.LOW,
    "nit": Severity.LOW,
    "nitpick": Severity.LOW,
    "informational": Severity.INFO,
    "info": Severity.INFO,
    "none": Severity.INFO,
}
_CORE = "critical|high|medium|moderate|low|minor|major"
_TAGS = f"{_CORE}|blocker|severe|trivial|informational|info|nitpick|nit"
_VALUES = f"{_TAGS}|med|none"
_END = r"\b(?![-‐]\w)"  # "High-level" is not a level
_CVSS = (  # an optional score before the level: "9.8 (Critical)", "7.5/10 - High"
    rf"(?:\d{{1,2}}(?:\.\d{{1,2}})?(?:[ \t]{{0,2}}/[ \t]{{0,2}}10)?"
    rf"[ \t]{{0,3}}[(\[{_DASH_CHARS}][ \t]{{0,2}})?"
)
_LABEL = (  # Severity: High / **Risk:** Low / "severity": "critical" / Priority - High
    r"(?<![a-z])(?:severity|risk|priority|criticality)(?:[ _-]?(?:level|rating|score))?"
    rf"[ \t*_\"'`\]]{{0,4}}(?::|=|{_DASH})[ \t*_\"'`(\[]{{0,6}}{_CVSS}(?P<v>{_VALUES}){_END}"
)
_BRACKET = (  # [CRITICAL] anywhere; [info] only where a tag can stand (see _TAG)
    rf"\[[ \t]{{0,2}}(?P<v>{_CORE}|blocker|severe|trivial|nitpick|nit)[ \t]{{0,2}}\]"
)
_TAG = (  # at a line start: "Critical: ...", "- **Minor:** ...", "1. [INFO] ...", "nit ..."
    rf"^[ \t]{{0,8}}(?:\d{{1,3}}[.)][ \t]{{1,4}})?[^\w\n\"']{{0,8}}(?P<v>{_TAGS})"
    rf"(?:[*_]{{0,3}}\][*_]{{0,3}}(?=[ \t])|[*_]{{0,4}}(?:[ \t]{{0,2}}:|[ \t]{{1,2}}{_DASH}[ \t])"
    r"|(?<=nit)\b)"
)
_ADJECTIVE = rf"\b(?P<v>{_TAGS})[ \t]{{0,2}}{_DASH}?[ \t]{{0,2}}severity\b"  # high severity
_PARENTHESISED = (  # (High) / (High risk) / (Medium severity)
    rf"\([ \t]{{0,2}}(?P<v>{_CORE})(?:[ \t]{{1,2}}(?:risk|severity|priority))?[ \t]{{0,2}}\)"
)
_QUALIFIED_NOUN = (  # minor issue / major problem / moderate risk, not "no major bugs"
    r"(?<!\bno )(?<!\bnot )(?<!\bany )(?<!\bor )(?<!\bfrom )(?<!\bwithout )"
    r"\b(?P<v>minor|major|moderate)[ \t]{1,2}(?:issue|problem|bug|concern|nit|point|suggestion"
    r"|finding|vulnerability|flaw|defect|improvement|risk|weakness)s?\b"
)
_SEVERITY_PATTERNS = (_LABEL, _BRACKET, _TAG, _ADJECTIVE, _PARENTHESISED, _QUALIFIED_NOUN)
_SEVERITY = tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in _SEVERITY_PATTERNS)
# A word each pattern cannot match without (None: always try); most texts state no severity,
# and a substring test is far cheaper than a regex scan.
_SEVERITY_TRIGGERS: tuple[tuple[str, ...] | None, ...] = (
    ("severity", "risk", "priority", "criticality"),
    ("[",),
    None,
    ("severity",),
    ("(",),
    ("minor", "major", "moderate"),
)
_SEVERITY_VALUE = re.compile(
    rf"[\W_]{{0,8}}(?P<v>{_VALUES})(?:[ \t]{{1,2}}(?:severity|risk|priority))?[\W_]{{0,8}}",
    re.IGNORECASE,
)


def extract_severity(text: str) -> Severity | None:
    """The severity `text` states in a labelled form (the first one, if several), else None."""
    best: tuple[int, str] | None = None
    lowered = text.lower()
    for pattern, triggers in zip(_SEVERITY, _SEVERITY_TRIGGERS, strict=True):
        if triggers is not None and not any(t in lowered for t in triggers):
            continue
        match = pattern.search(text)
        if match is not None and (best is None or match.start() < best[0]):
            best = (match.start(), match.group("v"))
    return None if best is None else _LEVELS[best[1].lower()]


def parse_severity(value: str) -> Severity | None:
    """Read a severity field's value (a table cell, a JSON value): ``High``, ``**critical**``."""
    match = _SEVERITY_VALUE.fullmatch(value.strip())
    return None if match is None else _LEVELS[match.group("v").lower()]
