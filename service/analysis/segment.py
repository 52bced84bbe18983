"""Segmentation: clean review text -> the points it makes.

A review is read the way an annotator reads it. Structured answers come first (a JSON answer, a
YAML answer, a "Security type / Description / Impact / Advice" section block); everything else is
read as markdown with markdown-it-py, block level only:

* items of a list are points; nested sub-bullets belong to their parent;
* a heading (or a line that is entirely bold) titles a section; a leaf section with content is
  one point unless it holds a list of points, and sections named like an introduction or a
  conclusion are not points;
* rows of a table are points;
* a review with none of these makes its points in paragraphs.

Code fences are never split. Text outside the points (introductions, conclusions) is kept as
`prose` for the verdict stage.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from service.analysis.lexicon import load_lexicon


@dataclass(frozen=True, slots=True)
class Segment:
    """One point of a review, located by offsets into the normalised text."""

    start: int
    end: int
    title: str | None
    text: str
    origin: str
    fields: tuple[tuple[str, str], ...] = ()
    aside: bool = False
    """Its writer set it apart from security: it stands in a section about code quality ("###
    Style"), among the remaining points ("## Other") of a review whose security section found
    nothing, or after a statement that security is fine ("Nothing to flag security-wise. Minor:
    ...")."""

    def field(self, *names: str) -> str | None:
        """Return the value of the first labelled field with one of `names` (lower case)."""
        for label, value in self.fields:
            if label in names:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Prose:
    """A stretch of text that is not a point (introduction, conclusion, verdict field)."""

    start: int
    end: int
    text: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """The segmented review."""

    segments: tuple[Segment, ...]
    prose: tuple[Prose, ...]
    has_content: bool
    unclosed_fence: bool
    structured: bool = False
    capped: bool = False
    """Only the head of a very long review was read for structure (see STRUCTURE_LINES)."""


# ---------------------------------------------------------------------------------------------
# Shared helpers

MAX_RECORDS = 256
"""Entries of a JSON answer read as points; more set `capped` (the pipeline keeps 200)."""
# A JSON string (its two alternatives are disjoint, so matching stays linear) or a bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}]')
STRUCTURE_LINES = 3000
STRUCTURE_CHARS = 128 * 1024
"""Lines and characters of a review read for structure; the rest only for its closing verdict."""
CLOSING_CHARS = 4000
"""How much of the end of an over-long review is read for a closing verdict statement."""
_LIST_MARKER = re.compile(r"\A[ \t]*(?:[-*+•]|\d{1,9}[.)]|[a-zA-Z][.)](?=[ \t]))[ \t]+")
_HEADING_MARKER = re.compile(r"\A[ \t]*#{1,6}[ \t]+")
_QUOTE_MARKER = re.compile(r"\A[ \t]*>[ \t]?")
# Emphasis markers are stripped, but not inside code spans: `__init__` and `**kwargs` are code.
_EMPHASIS = re.compile(r"`[^`\n]{0,200}`|\*\*|__")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_LABEL_SEPARATORS = re.compile(r"[\s_\-]+")
_CODE_TOKEN = re.compile(r"`|\w\(|\w\.\w|\w_\w")
# An HTML tag outside inline code; a code span is matched first and kept, so a quoted
# `<div dangerouslySetInnerHTML=...>` stays in the text.
_HTML_TAG = re.compile(
    r"`[^`\n]{1,1000}`|"
    r"</?(?:img|a|p|br|div|span|details|summary|sub|sup|b|i|em|strong|picture|source|video|"
    r"table|thead|tbody|tr|td|th|ul|ol|li|h[1-6]|hr|blockquote|kbd|code|pre|input|center)"
    r"\b[^<>\n]{0,1000}>",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"(?:\d{1,3}[.):]|[IVX]{1,5}\.|[A-Za-z]\))[ \t]+")
# A bot may put an emoji or a symbol in front: "⚠️ **Script injection in workflow**".
_BOLD_LINE = re.compile(
    r"[ \t]*(?:[^\w\s*_]{1,4}[ \t]*)?(\*\*|__)(?P<inner>[^\n]{1,160}?)\1[ \t]*:?[ \t]*\Z"
)
_WS = re.compile(r"\s+")
_ENDS_SENTENCE = re.compile(r"[.!?][\s\"')\]]*\Z")
_BOLD_LABEL = re.compile(r"[ \t]*(\*\*|__)(?P<inner>[^\n*_:]{1,60}?)[ \t]*:?[ \t]*\1[ \t]*:?")
_HEADER_SEPARATOR = re.compile(r"[ \t][|·—–][ \t]")
_SEVERITY_TAG = re.compile(
    r"[ \t]*\[(?:critical|high|medium|moderate|low|info|minor|major)\][ \t]*", re.I
)
_LEAD_LABEL = re.compile(
    r"(?P<label>(?:\*\*|__)(?P<bold>[^\n*_]{1,120}?)(?:\*\*|__)[ \t]*:?|"
    r"(?P<plain>[A-Za-z`\[(][^\n:.!?]{0,80}?)[ \t]*:)(?=[ \t]|\n|\Z)"
)
_FENCE_LINE = re.compile(r"[ \t]*(```|~~~)")
# A whole fenced block: an opening fence (backticks in a backtick fence's info string make it
# text), then everything up to the first line that closes it (the same character, at least as
# many, nothing after), or up to the end when none does. One match per block, so the lines
# inside a fence are never looked at one by one.
_FENCED = re.compile(
    r"^[ \t]{0,3}(?:"
    r"(?P<backticks>`{3,})(?![^\n]*`)[^\n]*"
    r"(?:.*?\n[ \t]{0,3}(?P=backticks)`*[^\S\n]*$|(?P<open_backtick>.*\Z))"
    r"|(?P<tildes>~{3,})[^\n]*"
    r"(?:.*?\n[ \t]{0,3}(?P=tildes)~*[^\S\n]*$|(?P<open_tilde>.*\Z)))",
    re.M | re.S,
)


def _keep_code(match: re.Match[str]) -> str:
    text = match.group()
    return text if text.startswith("`") else ""


def _strip_emphasis(text: str) -> str:
    """Text without bold markers (`**`, `__`), code spans left as written."""
    return _EMPHASIS.sub(_keep_code, text) if "**" in text or "__" in text else text


def _clean_line(line: str) -> str:
    """Strip block markup (list markers, heading hashes, quote marks) and emphasis."""
    line = _QUOTE_MARKER.sub("", line, count=1) if line.lstrip().startswith(">") else line
    line = _HEADING_MARKER.sub("", line, count=1)
    line = _LIST_MARKER.sub("", line, count=1)
    line = _strip_emphasis(line)
    if "<" in line:
        line = _HTML_TAG.sub(_keep_code, line)  # bots' avatars, <details> wrappers: not text
    line = _CONTROL.sub("", line)  # control characters carry no meaning and bloat JSON six-fold
    return line.strip()


def _clean_block(raw: str) -> str:
    """Turn a raw markdown block into plain text, dropping fenced code."""
    out: list[str] = []
    in_fence = False
    for line in raw.split("\n"):
        if _FENCE_LINE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        cleaned = _clean_line(line)
        if cleaned:
            out.append(cleaned)
    return "\n".join(out)


def _strip_numbering(title: str) -> str:
    title = _NUMBERING.sub("", title.strip(), count=1) if _NUMBERING.match(title.strip()) else title
    return title.strip().rstrip(":").strip()


def _words(text: str) -> int:
    return len(text.split())


def _fold(text: str) -> str:
    return _WS.sub(" ", text).strip().lower()


def _title_and_body(text: str, field_labels: frozenset[str]) -> tuple[str | None, str]:
    """Split a point's leading label ("**Title**: ..." or "Title: ...") from its text."""
    text = _SEVERITY_TAG.sub("", text, count=1) if text.startswith("[") else text
    if load_lexicon().nit_tag.match(text):
        return None, text
    match = _LEAD_LABEL.match(text)
    # A colon inside a code span ("The `edit(restored: Alarm)` function ...") ends no label.
    if match and (match.group("plain") or "").count("`") % 2 == 0:
        label = (match.group("bold") or match.group("plain") or "").strip().rstrip(":").strip()
        rest = text[match.end() :].lstrip(" \t:-–—").strip()
        lowered = label.lower()
        if label and lowered not in field_labels and _words(label) <= 12:
            return _strip_numbering(_strip_emphasis(label)) or None, rest
    first, _, rest = text.partition("\n")
    rest = rest.strip()
    # A next line that goes on in lower case continues a wrapped sentence ("... so anyone on
    # the path can\n  swap the download"): the first line is no title.
    if (
        rest
        and len(first) <= 120
        and not first.rstrip().endswith((".", "!", "?"))
        and not rest[0].islower()
    ):
        return _strip_numbering(_strip_emphasis(first)).strip() or None, rest
    return None, text


# ---------------------------------------------------------------------------------------------
# Structured answers: JSON, YAML, "Key: value" sections


def _json_candidate(text: str) -> tuple[int, str] | None:
    """Return (offset, source) of a JSON answer: the whole text or its only/first json fence."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        return text.index(stripped[0]), stripped
    fence = _fence_body(text, _JSON_FENCE)
    if fence:
        start, end, _ = fence
        body = text[start:end]
        if body.strip()[:1] in ("{", "[") and _is_the_answer(text, body):
            lead = len(body) - len(body.lstrip())
            return start + lead, body.strip()
    return None


_MAX_NESTING = 8
"""How deep the JSON reader looks for nested finding lists."""
_FILE_FIELDS = frozenset({"file", "path", "filename", "file path", "location"})
_JSON_FENCE = re.compile(r"^[ \t]*```[ \t]*(?:(?:json|JSON)[ \t]*)?\n", re.M)


def _fence_body(text: str, opener: re.Pattern[str]) -> tuple[int, int, bool] | None:
    """(start, end, closed) of the body of the first fenced block `opener` (a line that opens
    with ```) finds; an unclosed fence runs to the end of the text."""
    first = text.find("```")
    if first < 0:
        return None
    # No opener starts before the line of the first fence; the regex search runs from there (a
    # Python loop over fence lines cost a microsecond a line on 1 MiB of "```x" lines).
    match = opener.search(text, text.rfind("\n", 0, first) + 1)
    if match is None:
        return None
    close = text.find("\n```", match.end() - 1)
    return match.end(), (close if close >= 0 else len(text)), close >= 0


def _answer_keys() -> frozenset[str]:
    """Keys only a review answer uses: its findings list, its verdict, a point's description."""
    lexicon = load_lexicon()
    return lexicon.finding_list_keys | lexicon.verdict_fields | lexicon.record_fields


def _finding_labels() -> frozenset[str]:
    """Labels a finding is written with (severity, file, title...), which configs use too."""
    lexicon = load_lexicon()
    return lexicon.field_labels | lexicon.title_fields | lexicon.type_fields


def _speaks_review(keys: Iterable[str]) -> bool:
    """Whether structured data is a review answer: it uses a key only answers use or two of the
    labels a finding is written with. A quoted config file or API payload has at most one of
    those (a manifest's `name`)."""
    answer_keys, finding_labels = _answer_keys(), _finding_labels()
    seen: set[str] = set()
    for key in keys:
        label = _label(key)
        if label in answer_keys:
            return True
        if label in finding_labels:
            seen.add(label)
            if len(seen) > 1:
                return True
    return False


def _json_keys(data: dict[str, Any] | list[Any]) -> Iterator[str]:
    """The keys of a JSON answer's top object and of the objects one level down."""
    top = data.values() if isinstance(data, dict) else data
    if isinstance(data, dict):
        yield from map(str, data)
    for value in top:
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict):
                yield from map(str, entry)


def _is_the_answer(text: str, fenced: str) -> bool:
    """Whether a fenced block is the review's answer rather than an example inside prose."""
    outside = len(text.strip()) - len(fenced.strip())
    return outside <= max(300, len(text) // 5)


def _brackets(source: str) -> Iterator[tuple[str, int]]:
    """The structural brackets of JSON text and their offsets, skipping string contents."""
    for match in _JSON_TOKEN.finditer(source):
        token = match.group()
        if token[0] != '"':
            yield token, match.start()


def _object_spans(source: str, offset: int) -> Iterator[tuple[int, int, int]]:
    """Yield (depth, start, end) of every JSON object that is an element of an array."""
    stack: list[tuple[str, int]] = []
    for bracket, index in _brackets(source):
        if bracket in "{[":
            stack.append((bracket, index))
        elif stack:
            opener, start = stack.pop()
            if opener == "{" and stack and stack[-1][0] == "[":
                yield len(stack), offset + start, offset + index + 1


def _scalar(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        # `security_concerns: No` is YAML's false; `"vulnerable": false` says the same in JSON.
        return "Yes" if value else "No"
    if value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    return None


def _fields_of(entry: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    fields: list[tuple[str, str]] = []
    for key, value in entry.items():
        scalar = _scalar(value)
        if scalar is not None:
            fields.append((_label(str(key)), scalar))
    return tuple(fields)


_TITLE_CHARS = 160
_NEXT_SENTENCE = re.compile(r"[.!?][ \t\n]+[A-Z]")


def _label(key: str) -> str:
    return _LABEL_SEPARATORS.sub(" ", key).strip().lower()


def _record_segment(
    fields: tuple[tuple[str, str], ...], start: int, end: int, origin: str
) -> Segment | None:
    """Build one point from labelled fields (JSON entry, section block)."""
    lexicon = load_lexicon()
    title: str | None = None
    parts: list[str] = []
    for label, value in fields:
        if not value:
            continue
        if label in lexicon.title_fields and title is None and not _is_description(value):
            title = value
            continue
        parts.append(f"{label.capitalize()}: {value}")
    if not parts and title is None:
        return None
    return Segment(start, end, title, "\n".join(parts), origin, fields)


def _is_description(value: str) -> bool:
    """Whether a title field holds a whole description ("issue": "The container runs privileged
    and mounts `/`. It only needs ..."): read as text, sentence by sentence, not as a title."""
    return len(value) > _TITLE_CHARS or _NEXT_SENTENCE.search(value) is not None


def _is_no_issue(value: str | None) -> bool:
    return value is not None and _fold(value).rstrip(".") in load_lexicon().no_issue_values


def _names_an_issue(value: str) -> bool:
    """Whether a finding-list key's scalar value is an issue: not empty, not "none", and not a
    bare "yes" that only answers whether there are any."""
    folded = _fold(value).rstrip(".")
    lexicon = load_lexicon()
    return (
        bool(folded) and folded not in lexicon.no_issue_values and folded not in lexicon.yes_values
    )


def _json_document(text: str) -> Document | None:
    candidate = _json_candidate(text)
    if candidate is None:
        return None
    offset, source = candidate
    if len(source) > 2_000_000:
        return None
    try:
        # Only the top two levels are read; the decoder itself refuses runaway nesting.
        data = json.loads(source)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict | list) or not _speaks_review(_json_keys(data)):
        return None
    lexicon = load_lexicon()
    entries: list[dict[str, Any]] = []
    prose: list[Prose] = []
    keyed: list[Segment] = []
    root_entry = isinstance(data, dict) and any(_label(k) in lexicon.record_fields for k in data)
    if isinstance(data, list):
        entries = [e for e in data if isinstance(e, dict)]
    elif not root_entry:
        for key, value in data.items():
            if isinstance(value, list):
                entries.extend(e for e in value if isinstance(e, dict))
                if not value and _label(key) in lexicon.finding_list_keys:
                    prose.append(Prose(offset, offset + len(source), "[]", _label(key)))
            elif (scalar := _scalar(value)) is not None:
                start, end = _json_value_span(source, offset, key)
                prose.append(Prose(start, end, scalar, _label(key)))
                if _label(key) in lexicon.finding_list_keys and _names_an_issue(scalar):
                    title, body = _title_and_body(scalar, lexicon.field_labels)
                    field = ((_label(key), scalar),)
                    keyed.append(Segment(start, end, title, body, "json", field))
    segments: list[Segment] = []
    capped = False
    if root_entry and isinstance(data, dict):
        fields = _fields_of(data)
        kind_value = next((v for k, v in fields if k in lexicon.type_fields), None)
        if kind_value is not None:
            prose.append(Prose(offset, offset + len(source), kind_value, "security type"))
        if not _is_no_issue(kind_value):
            seg = _record_segment(fields, offset, offset + len(source), "json")
            if seg:
                segments.append(seg)
    else:
        wanted_depth = 1 if isinstance(data, list) else 2
        spans: Iterator[tuple[int, int]] = (
            (s, e) for d, s, e in _object_spans(source, offset) if d == wanted_depth
        )
        if not entries and isinstance(data, dict):
            entries, spans = _nested_records(data, source, offset)
        for entry, (start, end) in zip(entries, spans, strict=False):
            if len(segments) >= MAX_RECORDS:
                capped = True
                break
            seg = _record_segment(_fields_of(entry), start, end, "json")
            if seg:
                segments.append(seg)
    segments.extend(keyed)
    segments.sort(key=lambda seg: seg.start)
    return Document(tuple(segments), tuple(prose), True, False, structured=True, capped=capped)


def _names_a_file(key: str) -> bool:
    """Whether a JSON key is a file path ("lib/auth/jwt.ts"), not a word."""
    return len(key) <= 300 and not any(c.isspace() for c in key) and ("/" in key or "." in key)


def _nested_records(
    data: dict[str, Any], source: str, offset: int
) -> tuple[list[dict[str, Any]], Iterator[tuple[int, int]]]:
    """Finding records nested deeper than the top level ({"files": {"lib/jwt.ts": {"issues":
    [...]}}}): the objects in a finding list at any depth, each with its span.

    Objects that are array elements are numbered in document order both in the parsed data
    and in the text (by where they open), so the n-th one found is the n-th span. A record
    under a key that names a file ("lib/jwt.ts") and that names no file itself is given it.
    """
    lexicon = load_lexicon()
    found: list[tuple[int, dict[str, Any]]] = []
    count = 0

    def walk(value: Any, key: str, owner: str | None, depth: int) -> None:
        nonlocal count
        if depth > _MAX_NESTING:
            return
        if isinstance(value, dict):
            for child_key, child in value.items():
                name = str(child_key)
                walk(child, name, name if _names_a_file(name) else owner, depth + 1)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    if _label(key) in lexicon.finding_list_keys:
                        named = owner is None or any(_label(k) in _FILE_FIELDS for k in item)
                        found.append((count, item if named else {"file": owner, **item}))
                    count += 1
                walk(item, key, owner, depth + 1)

    walk(data, "", None, 0)
    if not found:
        return [], iter(())
    ordered = sorted((start, end) for _, start, end in _object_spans(source, offset))
    if len(ordered) != count:
        return [], iter(())
    return [entry for _, entry in found], iter([ordered[index] for index, _ in found])


def _json_value_span(source: str, offset: int, key: str) -> tuple[int, int]:
    """Where `"key": value` is in the answer (the whole answer if it cannot be found)."""
    quoted = json.dumps(key)
    at = source.find(quoted)
    colon = source.find(":", at + len(quoted)) if at >= 0 else -1
    if colon < 0:
        return offset, offset + len(source)
    start = colon + 1
    while start < len(source) and source[start] in " \t\r\n":
        start += 1
    try:
        _, end = json.JSONDecoder().raw_decode(source, start)
    except ValueError:
        return offset, offset + len(source)
    return offset + at, offset + end


_LEAD_SENTENCE = re.compile(r"(?P<value>[^\n.!?:]{1,80})(?:[.!?:]+|\n|\Z)")
MAX_CARD_FIELDS = 24
"""A finding card (a list of `Label: value` items) has a handful of fields, not thousands."""
MAX_YAML_CHARS = 64 * 1024
"""A YAML answer is a few keys; PyYAML is slow, so a longer fence is read as markdown."""
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_FENCE = re.compile(r"^[ \t]*```[ \t]*(?:yaml|yml)[ \t]*\n", re.M | re.I)


def _yaml_source(text: str) -> tuple[int, int, bool, bool] | None:
    """(start, end, closed, fenced) of a YAML answer: its ```yaml fence, or the whole text when
    it opens with a lower-case `key:` line (`verdict: pass`) and has no fence."""
    fence = _fence_body(text, _YAML_FENCE)
    if fence:
        return (*fence, True)
    lead = len(text) - len(text.lstrip())
    if "```" in text or not _BARE_YAML_KEY.match(text, lead):
        return None
    return lead, len(text.rstrip()), True, False


# A bare YAML answer's first key: lower-case, no spaces ("security_issues:"); a prose label
# ("Summary:", "Security type:") is a section, not YAML.
_BARE_YAML_KEY = re.compile(r"[a-z][a-z0-9_]{0,40}:(?:[ \t]|$)", re.M)


def _yaml_document(text: str) -> Document | None:
    found = _yaml_source(text)
    if found is None:
        return None
    begin, end, closed, fenced = found
    source = text[begin:end]
    if not _is_the_answer(text, source) or len(source) > MAX_YAML_CHARS:
        return None
    data, repaired = _load_yaml(source)
    if not isinstance(data, dict) or not _speaks_review(k for k, _, _ in _walk_yaml(data)):
        return None
    if repaired:
        # Read as YAML only after quoting, text with a key no answer uses ("Functional notes:")
        # is a markdown review that happens to open with a `key: value` line.
        known = _answer_keys() | _finding_labels()
        if not all(_label(str(key)) in known for key in data):
            return None
    if not fenced and not any(isinstance(value, list | dict) for value in data.values()):
        # Flat `key: value` lines are a sectioned review (read by _section_document); an answer
        # in YAML nests or lists something.
        return None
    lexicon = load_lexicon()
    segments: list[Segment] = []
    prose: list[Prose] = []
    for key, value, depth in _walk_yaml(data):
        label = _label(key)
        if isinstance(value, list) and label in lexicon.finding_list_keys:
            if not value:
                start, stop = _yaml_key_span(text, begin, end, key, depth)
                prose.append(Prose(start, stop, "[]", label))
                continue
            entries = [entry for entry in value if isinstance(entry, dict)][:MAX_RECORDS]
            if entries and len(entries) == len(value):
                start, stop = _yaml_key_span(text, begin, end, key, depth)
                items = _yaml_item_spans(text, start, stop, len(entries))
                for entry, (item_start, item_stop) in zip(entries, items, strict=True):
                    seg = _record_segment(_fields_of(entry), item_start, item_stop, "yaml")
                    if seg:
                        segments.append(seg)
                continue
            points = [str(entry).strip() for entry in value if isinstance(entry, str)]
            if points and len(points) == len(value):
                # A list of sentences, one point each ("issues:\n- `x` is never closed").
                start, stop = _yaml_key_span(text, begin, end, key, depth)
                items = _yaml_item_spans(text, start, stop, len(points[:MAX_RECORDS]))
                for point, (item_start, item_stop) in zip(points, items, strict=False):
                    if _names_an_issue(point):
                        title, body = _title_and_body(point, lexicon.field_labels)
                        segments.append(Segment(item_start, item_stop, title, body, "yaml"))
                continue
        scalar = _scalar(value)
        if scalar is None:
            continue
        start, stop = _yaml_key_span(text, begin, end, key, depth)
        if label in lexicon.verdict_fields:
            prose.append(Prose(start, stop, scalar, label))
        if label in lexicon.finding_list_keys and _names_an_issue(scalar):
            title, body = _title_and_body(scalar, lexicon.field_labels)
            segments.append(Segment(start, stop, title, body, "yaml", ((label, scalar),)))
    if not segments:
        for entry, item_start, item_stop in _nested_yaml_records(data, source, begin):
            seg = _record_segment(_fields_of(entry), item_start, item_stop, "yaml")
            if seg:
                segments.append(seg)
    return Document(tuple(segments), tuple(prose), True, not closed, structured=True)


# The lead of a YAML line: a key (`fix: `), a list dash and a key, or a list dash alone.
_YAML_KEY_LEAD = re.compile(r"[ \t]*(?:-[ \t]+)?[\w.-]{1,60}:[ \t]+")
_YAML_DASH_LEAD = re.compile(r"[ \t]*-[ \t]+")
_YAML_INDICATORS = frozenset("'\"|>[{&*!#%@`")
_BLOCK_SCALAR = re.compile(r":[ \t]+[|>][+-]?[ \t]*$")


def _quote_unquoted_values(source: str) -> str:
    """The YAML with each value it cannot read quoted: one holding ": " (`fix: add `secure:
    true``) or opening with a backtick, after a key or a list dash (`- `x` is never closed`).
    The text of block scalars (`detail: >` and the lines indented under it) stays as written."""
    lines = source.split("\n")
    block_indent: int | None = None
    for index, line in enumerate(lines):
        indent = len(line) - len(line.lstrip(" \t"))
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue
        block_indent = indent if _BLOCK_SCALAR.search(line) else None
        lead = _YAML_KEY_LEAD.match(line) or _YAML_DASH_LEAD.match(line)
        value = line[lead.end() :] if lead else ""
        if lead and _unreadable_value(value, keyed=lead.re is _YAML_KEY_LEAD):
            lines[index] = line[: lead.end()] + "'" + value.replace("'", "''") + "'"
    return "\n".join(lines)


def _unreadable_value(value: str, keyed: bool) -> bool:
    """Whether a plain YAML value breaks the parse: it opens with a backtick, or (after a key)
    holds ": " without opening as a quoted, block or flow value."""
    if value.startswith("`"):
        return True
    if not keyed or not value or value[0] in _YAML_INDICATORS or value[0].isspace():
        return False
    return ": " in value or ":\t" in value


def _load_yaml(source: str) -> tuple[Any, bool]:
    """The YAML answer's data (None when it is no YAML) and whether it had to be repaired. LLMs
    write YAML by hand and often leave a value with a colon or a leading backtick unquoted;
    such values are quoted and the answer read again."""
    try:
        return yaml.load(source, Loader=_YAML_LOADER), False  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        pass
    repaired = _quote_unquoted_values(source)
    if repaired == source:
        return None, False
    try:
        return yaml.load(repaired, Loader=_YAML_LOADER), True  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return None, False


def _nested_yaml_records(
    data: dict[str, Any], source: str, begin: int
) -> list[tuple[dict[str, Any], int, int]]:
    """Finding records in lists nested inside lists ("screens:\n- name: Pin\n  findings:\n
    - ..."), which the key walk does not reach: each record with its span, read from the
    parser's node marks (the data and its node tree are walked side by side)."""
    try:
        root = yaml.compose(source, Loader=_YAML_LOADER)
    except yaml.YAMLError:
        return []
    if root is None:
        return []
    lexicon = load_lexicon()
    found: list[tuple[dict[str, Any], int, int]] = []

    def walk(value: Any, node: yaml.Node, key: str, depth: int) -> None:
        if depth > _MAX_NESTING or len(found) >= MAX_RECORDS:
            return
        if isinstance(value, dict) and isinstance(node, yaml.MappingNode):
            if len(value) != len(node.value):
                return  # merge keys or duplicates: the two walks no longer line up
            for (child_key, child), (_, child_node) in zip(value.items(), node.value, strict=True):
                walk(child, child_node, str(child_key), depth + 1)
        elif isinstance(value, list) and isinstance(node, yaml.SequenceNode):
            for item, item_node in zip(value, node.value, strict=False):
                if isinstance(item, dict) and _label(key) in lexicon.finding_list_keys:
                    start = begin + item_node.start_mark.index
                    found.append((item, start, begin + item_node.end_mark.index))
                else:
                    walk(item, item_node, key, depth + 1)

    walk(data, root, "", 0)
    return found[:MAX_RECORDS]


_YAML_ITEM = re.compile(r"^([ \t]*)-(?:[ \t]|$)", re.M)


def _yaml_item_spans(text: str, start: int, stop: int, count: int) -> list[tuple[int, int]]:
    """The spans of the first `count` items (`- ...`) of the block list in `text[start:stop]`.

    Items are the dashes at the list's own indent; when they cannot be told apart, each item
    gets the whole list's span.
    """
    dashes = list(_YAML_ITEM.finditer(text, start, stop))
    if not dashes:
        return [(start, stop)] * count
    indent = min(len(d.group(1)) for d in dashes)
    heads = [d.start() + indent for d in dashes if len(d.group(1)) == indent]
    if len(heads) < count:
        return [(start, stop)] * count
    ends = [*heads[1:], stop]
    spans = zip(heads, ends, strict=True)
    return [(head, _rstrip_to(text, head, tail)) for head, tail in spans][:count]


def _walk_yaml(data: dict[str, Any], depth: int = 0) -> Iterator[tuple[str, Any, int]]:
    for key, value in data.items():
        if isinstance(value, dict) and depth < 4:
            yield from _walk_yaml(value, depth + 1)
        else:
            yield str(key), value, depth


@functools.lru_cache(maxsize=512)
def _yaml_key_line(key: str) -> re.Pattern[str]:
    return re.compile(r"^([ \t]*)" + re.escape(key) + r"[ \t]*:", re.M)


@functools.lru_cache(maxsize=64)
def _yaml_sibling_line(indent: int) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]{{0,{indent}}}[^\s#][^\n]*:", re.M)


def _yaml_key_span(text: str, start: int, end: int, key: str, depth: int) -> tuple[int, int]:
    """Locate `key:` inside the YAML fence; the span runs to the next key at its indent."""
    found = _yaml_key_line(key).search(text, start, end)
    if not found:
        return start, end
    indent = len(found.group(1))
    nxt = _yaml_sibling_line(indent).search(text, found.end(), end)
    stop = nxt.start() if nxt else end
    return found.start() + indent, _rstrip_to(text, found.start(), stop)


def _rstrip_to(text: str, start: int, stop: int) -> int:
    while stop > start and text[stop - 1] in " \t\n":
        stop -= 1
    return stop


MAX_SECTIONS = 64
"""Labelled sections read from a sectioned answer (one point has a handful)."""


def _section_document(text: str) -> Document | None:
    """A whole review written as labelled sections ("Security type:", "Description:", ...)."""
    lexicon = load_lexicon()
    lead = len(text) - len(text.lstrip())
    if not lexicon.section_label.match(text, lead):
        return None  # the sections form starts with its first label
    matches = list(itertools.islice(lexicon.section_label.finditer(text), MAX_SECTIONS))
    if len(matches) < 2:
        return None
    labels = [_label(m.group("label")) for m in matches]
    if not any(label in lexicon.type_fields for label in labels) and len(set(labels)) < 3:
        return None
    fields: list[tuple[str, str]] = []
    for index, match in enumerate(matches):
        last = min(len(text), match.end() + STRUCTURE_CHARS)
        stop = matches[index + 1].start() if index + 1 < len(matches) else last
        value = text[match.end() : stop].strip()
        fields.append((_label(match.group("label")), _clean_block(value).replace("\n", " ")))
    kind_value = next((v for k, v in fields if k in lexicon.type_fields), None)
    prose: list[Prose] = []
    if kind_value is not None:
        type_match = next(m for m in matches if _label(m.group("label")) in lexicon.type_fields)
        prose.append(Prose(type_match.start(), type_match.end(), kind_value, "security type"))
    segments: list[Segment] = []
    if not _is_no_issue(kind_value):
        seg = _record_segment(tuple(fields), 0, len(text.rstrip()), "sections")
        if seg:
            segments.append(seg)
    return Document(tuple(segments), tuple(prose), True, False, structured=True)


# ---------------------------------------------------------------------------------------------
# Markdown


@dataclass(slots=True)
class _Block:
    kind: str  # paragraph | heading | list | table | fence | html | other
    begin: int  # line numbers, [begin, end)
    end: int
    level: int = 0  # heading level (7 for a bold line), 0 otherwise
    title: str = ""
    items: list[tuple[int, int]] = field(default_factory=list)  # list items / table rows
    field_list: bool = False
    info: str = ""  # a fence's info string
    quoted: bool = False  # inside a blockquote


def _is_item_list(block: _Block) -> bool:
    """A list whose items are points (not a list of `Label: value` fields)."""
    return block.kind == "list" and not block.field_list


def _is_table(block: _Block) -> bool:
    return block.kind == "table" and bool(block.items)


@dataclass(slots=True)
class _Section:
    heading: _Block | None
    blocks: list[_Block] = field(default_factory=list)
    children: list[_Section] = field(default_factory=list)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 40}).enable("table")
    # Line endings are already normalised (normalize.py), and only block structure is read.
    md.core.ruler.disable(["normalize", "inline", "text_join"])
    return md


_MD = _markdown()


class _Lines:
    """Line offsets of a text, for turning markdown-it line maps into character spans."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        find = text.find
        pos = find("\n")
        while pos >= 0:
            self.starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.count = len(self.starts)

    def span(self, begin: int, end: int) -> tuple[int, int]:
        start = self.starts[min(begin, self.count - 1)]
        stop = self.starts[end] if end < self.count else len(self.text)
        while stop > start and self.text[stop - 1] in " \t\n":
            stop -= 1
        while start < stop and self.text[start] in " \t\n":
            start += 1
        return start, stop

    def raw(self, begin: int, end: int) -> str:
        start, stop = self.span(begin, end)
        return self.text[start:stop]

    def fence_code(self, block: _Block) -> str:
        """The code inside a fenced block, without its fence lines."""
        return self.raw(block.begin + 1, max(block.begin + 1, block.end - 1))


def _blocks(tokens: Sequence[Token], lines: _Lines) -> list[_Block]:
    """Top-level blocks (blockquotes are transparent); lists carry their items' line ranges."""
    lexicon = load_lexicon()
    blocks: list[_Block] = []
    quotes = 0
    current: _Block | None = None
    for token in tokens:
        appended = len(blocks)
        if token.type == "blockquote_open":
            quotes += 1
            continue
        if token.type == "blockquote_close":
            quotes -= 1
            continue
        level = token.level - quotes
        begin, end = token.map or (0, 0)
        if token.type in ("bullet_list_open", "ordered_list_open") and level == 0:
            blocks.append(_Block("list", begin, end))
        elif token.type == "list_item_open" and level == 1 and blocks and blocks[-1].kind == "list":
            blocks[-1].items.append((begin, end))
        elif token.type == "table_open" and level == 0:
            current = _Block("table", begin, end)
            blocks.append(current)
        elif token.type == "tr_open" and current is not None:
            current.items.append((begin, end))
        elif token.type == "table_close":
            current = None
        elif level != 0 or token.map is None:
            continue
        elif token.type == "heading_open":
            blocks.append(_Block("heading", begin, end, int(token.tag[1]), lines.raw(begin, end)))
        elif token.type == "paragraph_open":
            blocks.extend(_paragraph_blocks(lines, begin, end, opens=not blocks))
        elif token.type in ("fence", "code_block"):
            blocks.append(_Block("fence", begin, end, info=token.info.strip().lower()))
        elif token.type == "html_block":
            blocks.append(_Block("html", begin, end))
        elif token.type == "hr":
            blocks.append(_Block("other", begin, end))
        for block in blocks[appended:]:
            block.quoted = quotes > 0
    _drop_leading_quote(blocks)
    for block in blocks:
        if block.kind == "list":
            block.field_list = all(
                _is_field_item(lines.raw(b, e), lexicon.field_labels) for b, e in block.items
            )
        if block.kind == "table" and block.items:
            block.items = block.items[1:]  # the header row
    return blocks


def _drop_leading_quote(blocks: list[_Block]) -> None:
    """A reply that opens by quoting the comment it answers ("> Should we worry about path
    traversal here?" then "Good question, but ...") makes its points after the quote: the quote
    is someone else's words, neither a point nor a verdict. A review that is all quote (a bot
    that puts its finding in a blockquote) keeps it."""
    lead = 0
    while lead < len(blocks) and blocks[lead].quoted:
        lead += 1
    if 0 < lead < len(blocks):
        for block in blocks[:lead]:
            block.kind = "quote"


def _is_field_item(raw: str, field_labels: frozenset[str]) -> bool:
    first = _clean_line(raw.split("\n", 1)[0])
    label, sep, _ = first.partition(":")
    return bool(sep) and _label(label) in field_labels


def _paragraph_blocks(lines: _Lines, begin: int, end: int, opens: bool) -> list[_Block]:
    """A paragraph, or a bold first line (a pseudo-heading) followed by the rest of it.

    `opens` says the paragraph opens the review: a "**Summary:** ..." there is a lead-in, not a
    conclusion that would take in every point after it.
    """
    first = lines.raw(begin, begin + 1)
    label = _BOLD_LABEL.match(first)
    if label and not opens and load_lexicon().is_closing_title(label.group("inner")):
        # "**Conclusion:** ..." closes every open section, whatever its level.
        blocks = [_Block("heading", begin, begin, 1, label.group("inner"))]
        blocks.append(_Block("paragraph", begin, end))
        return blocks
    match = _BOLD_LINE.match(first)
    # A bold sentence ("**Verdict: Approve. No security defects identified.**") is emphasis,
    # not a title: titles do not end in a full stop.
    if match and _words(match.group("inner")) <= 16 and not _ENDS_SENTENCE.search(match["inner"]):
        title = match.group("inner").strip().rstrip(":")
        blocks = [_Block("heading", begin, begin + 1, 7, title)]
        if end > begin + 1:
            blocks.append(_Block("paragraph", begin + 1, end))
        return blocks
    if end > begin + 1 and _is_header_line(first):
        # A bot's header line on top of its point ("🤖 infra-lint | severity: HIGH | rule
        # `X`" and the finding on the next line) frames the point, as its own paragraph would.
        return [
            _Block("paragraph", begin, begin + 1),
            *_severity_tagged_lines(lines, begin + 1, end),
        ]
    return _severity_tagged_lines(lines, begin, end)


def _is_header_line(line: str) -> bool:
    """Whether a line is a bot's header: short, split by separators, and framing by the
    lexicon. Hard-wrapped prose has no separators, so its first line is never taken apart."""
    return (
        len(line) <= 200
        and _HEADER_SEPARATOR.search(line) is not None
        and load_lexicon().is_framing_paragraph(_clean_line(line))
    )


def _severity_tagged_lines(lines: _Lines, begin: int, end: int) -> list[_Block]:
    """A paragraph whose lines open with severity tags ("[HIGH] ...", "[LOW] ...") is one point
    per tagged line, as a list would be; any other paragraph is one block."""
    if "[" not in lines.raw(begin, end):
        return [_Block("paragraph", begin, end)]
    tagged = [
        number for number in range(begin, end) if _SEVERITY_TAG.match(lines.raw(number, number + 1))
    ]
    if len(tagged) < 2:
        return [_Block("paragraph", begin, end)]
    bounds = ([begin] if tagged[0] > begin else []) + tagged + [end]
    return [_Block("paragraph", start, stop) for start, stop in itertools.pairwise(bounds)]


def _is_closing_label(block: _Block) -> bool:
    """Whether a heading block is a closing label in a paragraph ("**Verdict:** ..."), which
    has no line of its own."""
    return block.kind == "heading" and block.begin == block.end


def _counts_only(block: _Block, lines: _Lines) -> bool:
    """Whether every row of a table is a label followed by numbers only (a scanner's tally)."""
    for begin, end in block.items:
        cells = [c.strip() for c in lines.raw(begin, end).strip().strip("|").split("|")]
        if len(cells) < 2 or not all(_COUNT.fullmatch(c) for c in cells[1:]):
            return False
    return bool(block.items)


def _sections(blocks: list[_Block]) -> _Section:
    root = _Section(None)
    stack = [root]
    for block in blocks:
        if block.kind == "heading":
            section = _Section(block)
            while len(stack) > 1 and stack[-1].heading and stack[-1].heading.level >= block.level:
                stack.pop()
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].blocks.append(block)
    return root


class _Reader:
    """Collects points and prose from a markdown review."""

    def __init__(self, text: str, lines: _Lines) -> None:
        self.text = text
        self.lines = lines
        self.lexicon = load_lexicon()
        self.segments: list[Segment] = []
        self.prose: list[Prose] = []
        self.closing_lists: list[_Block] = []
        """Item lists under a closing heading ("### Summary"), read as prose while the review
        has points elsewhere."""
        self.section_of: dict[int, str] = {}
        """The heading title of the section each point (by its start) stands in."""
        self.security_cleared = False
        """Whether a section about security as a whole says nothing was found."""

    def prose_block(self, block: _Block) -> None:
        if block.kind in ("fence", "html", "other", "quote"):
            return
        start, end = self.lines.span(block.begin, block.end)
        if start < end:
            self.prose.append(Prose(start, end, _clean_block(self.text[start:end])))

    def points_in_closing_lists(self) -> None:
        """A review whose only points sit in a closing list ("### Summary" / "- `ApiClient`
        accepts any certificate ...") has no other place for them: the items that raise
        something are read as points."""
        for block in self.closing_lists:
            start, end = self.lines.span(block.begin, block.end)
            if not self._raises_anything(_clean_block(self.text[start:end])):
                continue
            self.prose = [p for p in self.prose if (p.start, p.end) != (start, end)]
            self.list_items(block)

    def list_items(self, block: _Block) -> None:
        for begin, end in block.items:
            start, stop = self.lines.span(begin, end)
            raw = _LIST_MARKER.sub("", self.text[start:stop], count=1)
            if not _clean_block(raw):
                continue
            # The title is read before markup is stripped: "**Title** – text" needs the bold.
            title, rest = _title_and_body(raw, self.lexicon.field_labels)
            self.segments.append(Segment(start, stop, title, _clean_block(rest), "list"))

    def field_card(self, block: _Block) -> None:
        """A list of `Label: value` items under no heading, or under a framing one ("## Findings"),
        is one point ("- **File:** ... - **Issue:** ... - **Fix:** ..."), read like a sectioned
        answer. A list of more fields than a card holds stays prose."""
        if len(block.items) > MAX_CARD_FIELDS:
            self.prose_block(block)
            return
        fields: list[tuple[str, str]] = []
        for begin, end in block.items:
            label, _, value = _clean_block(self.lines.raw(begin, end)).partition(":")
            fields.append((_label(label), " ".join(value.split())))
        start, stop = self.lines.span(block.begin, block.end)
        seg = _record_segment(tuple(fields), start, stop, "sections")
        if seg is not None:
            self.segments.append(seg)
        else:
            self.prose_block(block)

    def table_rows(self, block: _Block) -> None:
        if _counts_only(block, self.lines):
            # A scanner's tally ("Severity | Count", "High | 0") summarises; it raises nothing.
            self.prose_block(block)
            return
        header = [
            c.strip() for c in self.lines.raw(block.begin, block.begin + 1).strip("|").split("|")
        ]
        labels = [_label(_strip_emphasis(h)) for h in header]
        for begin, end in block.items:
            start, stop = self.lines.span(begin, end)
            cells = [c.strip() for c in self.text[start:stop].strip().strip("|").split("|")]
            fields = tuple(
                (label, _strip_emphasis(cell))
                for label, cell in zip(labels, cells, strict=False)
                if cell and label not in ("#", "no", "")
            )
            title = next((v for k, v in fields if k in self.lexicon.title_fields), None)
            parts = [f"{k.capitalize()}: {v}" for k, v in fields if v != title]
            self.segments.append(Segment(start, stop, title, "\n".join(parts), "table", fields))

    def section(self, section: _Section, top: bool) -> None:
        heading = section.heading
        item_lists = [b for b in section.blocks if _is_item_list(b)]
        tables = [b for b in section.blocks if _is_table(b)]
        title = _strip_numbering(_clean_line(heading.title)) if heading else ""
        framing = bool(title) and self.lexicon.is_framing_title(title)
        closing = bool(title) and self.lexicon.is_closing_title(title)
        first = len(self.segments)
        if section.children or item_lists or tables or top or framing:
            # Paragraphs under "### Findings" or "## Review of `x`" are the review's points.
            points_within = framing and self.lexicon.is_point_section_title(title)
            run: list[_Block] = []
            for block in section.blocks:
                if points_within and (
                    block.kind == "paragraph"
                    or (block.kind == "fence" and block.info == "suggestion")
                ):
                    run.append(block)
                    continue
                if run:
                    self.paragraphs(run)
                    run = []
                if _is_item_list(block) and not closing:
                    self.list_items(block)
                elif _is_table(block) and not closing:
                    self.table_rows(block)
                elif (heading is None or framing) and block.kind == "list" and block.field_list:
                    self.field_card(block)
                else:
                    if closing and _is_item_list(block) and not self.lexicon.is_scope_title(title):
                        self.closing_lists.append(block)
                    self.prose_block(block)
            if run:
                self.paragraphs(run)
            if title:
                self.section_of.update((s.start, title) for s in self.segments[first:])
            if heading and (section.children or item_lists or tables or framing):
                start, end = self.lines.span(heading.begin, heading.end)
                self.prose.append(Prose(start, end, title))
            for child in section.children:
                self.section(child, top=False)
            return
        assert heading is not None
        content = [b for b in section.blocks if b.kind not in ("html", "other", "quote")]
        if not content:
            # A heading with nothing under it ("## No security issues found") still says it.
            start, end = self.lines.span(heading.begin, heading.end)
            self.prose.append(Prose(start, end, title))
            return
        start, _ = self.lines.span(heading.begin, heading.end)
        _, end = self.lines.span(content[-1].begin, content[-1].end)
        body = "\n".join(
            _clean_block(self.lines.raw(b.begin, b.end)) for b in content if b.kind != "fence"
        ).strip()
        verdict = self._security_verdict_section(title, body, start, end)
        if verdict is not None:
            self.prose.append(verdict)
            self.security_cleared = True
            return
        # A suggested-change block under the heading is the change the point asks for.
        changes = tuple(
            ("suggestion", self.lines.fence_code(b))
            for b in content
            if b.kind == "fence" and b.info == "suggestion"
        )
        self.segments.append(Segment(start, end, title or None, body, "heading", changes))
        if title:
            self.section_of[start] = title

    def set_aside(self) -> list[Segment]:
        """The points, those in a section apart from security marked `aside`."""
        return [
            replace(point, aside=True) if self._apart(self.section_of.get(point.start)) else point
            for point in self.segments
        ]

    def _apart(self, title: str | None) -> bool:
        """Whether points under a heading are not about security: a section about code quality,
        or the remaining points once a security section has said it found nothing."""
        if title is None:
            return False
        return self.lexicon.is_quality_section_title(title) or (
            self.security_cleared and self.lexicon.is_aside_section_title(title)
        )

    def _security_verdict_section(
        self, title: str, body: str, start: int, end: int
    ) -> Prose | None:
        """A section about security as a whole that only says nothing was found ("## Security" /
        "No concerns. Inputs are validated ..."), as a verdict field; one that goes on to raise,
        advise or hedge anything stays a point."""
        if _fold(title).rstrip(":") not in self.lexicon.security_section_titles:
            return None
        lead = _LEAD_SENTENCE.match(body)
        # What follows a "nothing found" lead justifies it: a contrast there is the safer
        # choice the code made ("triggers on `pull_request` rather than `pull_request_target`").
        if lead is not None and not self._raises_anything(
            body[lead.end() :], contrast_raises=False
        ):
            if _is_no_issue(lead.group("value")):
                return Prose(start, end, lead.group("value"), "security concerns")
            if self._states_no_defects(lead.group()):
                # Plain prose: the verdict reader finds the statement ("No security issues
                # found.") and points its evidence at that sentence.
                return Prose(start, end, body)
        # The statement may also close the section, after what justifies it ("Every query uses
        # placeholders. I didn't find any security issues.").
        if not self._raises_anything(body, contrast_raises=False) and self._states_no_defects(body):
            return Prose(start, end, body)
        return None

    def _states_no_defects(self, sentence: str) -> bool:
        """Whether one sentence states that no security defect was found ("No security issues
        found.", "Nothing to flag security-wise.")."""
        if not self.lexicon.may_state_verdict(sentence):
            return False
        hit = self.lexicon.verdict_phrases.first(sentence).get("no_defects")
        return hit is not None and not self.lexicon.cancels_verdict(sentence, hit)

    def _too_slight(self, body: str) -> bool:
        """A paragraph of a word or three ("LGTM", "N/A") makes no point unless it names code
        or asks for a change ("Remove token", "s/passed/current")."""
        if len(body) > 200 or _words(body) >= 4:
            return False
        # A bare capitalised word ("CodeRabbit" under a bot's avatar) is a signature, not code.
        return not (_CODE_TOKEN.search(body) or "suggestion" in self.lexicon.reading.first(body))

    def _verdicts_in(self, body: str) -> dict[str, int]:
        """Where a paragraph of up to 600 characters first states each verdict; found once and
        read by both the split and the verdict-only check."""
        if len(body) > 600 or not self.lexicon.may_state_verdict(body):
            return {}
        return self.lexicon.verdict_phrases.first(body)

    def _raises_anything(self, text: str, contrast_raises: bool = True) -> bool:
        """Whether text claims a problem, gives advice or a suggestion, hedges or asks, or is a
        nit ("Nit: the variable `tmp2` could use a better name")."""
        if not text.strip():
            return False
        if self.lexicon.change_tag.match(text.lstrip()):
            return True
        raised = self.lexicon.reading.first(text).keys() & _RAISING_GROUPS
        if not contrast_raises:
            raised.discard("contrast")
        return bool(raised)

    def _verdict_then_point(
        self, start: int, end: int, body: str, verdicts: dict[str, int]
    ) -> tuple[Prose, Segment] | None:
        """A paragraph that states the verdict and then raises a point ("Security-wise this
        looks fine. One bug though: `total` is never reset"): the sentences up to the verdict as
        prose and the rest as the point. None unless its first no-defects statement stands
        (nothing takes it back) and nothing before it raises anything."""
        hit = verdicts.get("no_defects")
        if hit is None:
            return None
        ends = list(_SENTENCE_END.finditer(body))
        verdict_at = next((index for index, cut in enumerate(ends) if cut.end() > hit), None)
        if verdict_at is None:
            return None
        before = body[: ends[verdict_at - 1].end()] if verdict_at else ""
        if self.lexicon.cancels_verdict(body[len(before) :], hit - len(before)):
            return None
        if self._raises_anything(before):
            return None
        # After the statement, the sentences that raise nothing justify it ("The DB password
        # comes from vault."), and so does a contrast alone (see `_verdict_only`).
        last = verdict_at
        while last + 2 < len(ends) and not self._raises_anything(
            body[ends[last].end() : ends[last + 1].end()], contrast_raises=False
        ):
            last += 1
        split = self._split_after(start, end, body, ends, last, contrast_raises=False)
        if split is None:
            return None
        # What its writer adds after saying security is fine is not about security ("Nothing
        # to flag security-wise. Minor: `validateCreds` could be `validateCredentials`.").
        return split[0], replace(split[1], aside=True)

    def _framing_then_point(self, start: int, end: int, body: str) -> tuple[Prose, Segment] | None:
        """A paragraph that opens with thanks or a lead-in and then raises a point ("Thanks for
        picking this up! One thing before we merge: `strcpy(...)` ..."): the opening sentence as
        prose and the rest as the point."""
        if len(body) > 600:
            return None
        ends = list(_SENTENCE_END.finditer(body))
        if not ends or not self.lexicon.is_framing_paragraph(body[: ends[0].end()]):
            return None
        return self._split_after(start, end, body, ends, 0)

    def _tagged_point_after(self, start: int, end: int, body: str) -> tuple[Prose, Segment] | None:
        """A paragraph that says what is fine and then opens a point with a tag ("Bounds look
        right to me: ... no memory-safety concerns. Minor: `parse_opts` is ~200 lines now"):
        the sentences before the tag as prose and the tagged rest as the point."""
        if len(body) > 600:
            return None
        ends = list(_SENTENCE_END.finditer(body))
        for index, cut in enumerate(ends):
            if self.lexicon.change_tag.match(body[cut.end() :].lstrip()):
                if self._raises_anything(body[: cut.end()]):
                    return None
                return self._split_after(start, end, body, ends, index)
        return None

    def _split_after(
        self,
        start: int,
        end: int,
        body: str,
        ends: list[re.Match[str]],
        sentence: int,
        contrast_raises: bool = True,
    ) -> tuple[Prose, Segment] | None:
        """The paragraph's sentences up to and including the `sentence`-th (`ends` are the
        body's sentence ends) as prose and the rest as a point, when the rest raises something
        and the raw text splits where the cleaned text does (or the spans would be wrong)."""
        cut = ends[sentence]
        rest = body[cut.end() :].strip()
        if not rest or not self._raises_anything(rest, contrast_raises):
            return None
        raw = self.text[start:end]
        raw_ends = list(_SENTENCE_END.finditer(raw))
        if len(raw_ends) <= sentence:
            return None
        raw_cut = raw_ends[sentence]
        if _clean_block(raw[: raw_cut.end()]) != body[: cut.end()]:
            return None
        rest_start = start + raw_cut.end()
        rest_start += len(self.text[rest_start:end]) - len(self.text[rest_start:end].lstrip())
        prose = Prose(start, start + raw_cut.end(), body[: cut.end()])
        return prose, Segment(rest_start, end, None, rest, "paragraph")

    def _verdict_only(self, body: str, found: dict[str, int]) -> bool:
        """A short paragraph that states the verdict ("LGTM from a security standpoint, ...").

        One that calls a named element of this code vulnerable ("This regex `^(a+)+$` is
        vulnerable to catastrophic backtracking") is a finding, not only a verdict.
        """
        no_defects = found.get("no_defects")
        if no_defects is not None:
            # "whether this is safe depends on ..." is a question, not a verdict; "Security-wise
            # this looks fine. One bug though: ..." raises a point after it.
            before = [end.end() for end in _SENTENCE_END.finditer(body, 0, no_defects)]
            after = _SENTENCE_END.search(body, no_defects)
            rest = body[: before[-1] if before else 0] + (body[after.end() :] if after else "")
            # Around the statement, a contrast is the safer choice that justifies it ("uses
            # bound parameters rather than string formatting").
            return not (
                self.lexicon.cancels_verdict(body, no_defects)
                or self._raises_anything(rest, contrast_raises=False)
            )
        return (
            "defects_found" in found
            and _words(body) <= 30
            and not self.lexicon.named_element.search(body)
        )

    def suggestion(self, block: _Block, follows_point: bool) -> None:
        """A suggested-change block (a review bot's ```suggestion): a concrete change request.

        It belongs to the point right before it, or is a point of its own.
        """
        start, end = self.lines.span(block.begin, block.end)
        code = self.lines.fence_code(block)
        if not code.strip():
            return
        change = (("suggestion", code),)
        if follows_point and self.segments:
            last = self.segments.pop()
            self.segments.append(
                Segment(last.start, end, last.title, last.text, last.origin, last.fields + change)
            )
            return
        self.segments.append(
            Segment(start, end, None, f"Suggested change:\n{code}", "suggestion", change)
        )

    def paragraphs(self, blocks: list[_Block]) -> None:
        """A review with no list, heading or table: each paragraph that makes a point."""
        follows_point = False
        framed: list[Prose] = []
        closed = False
        cleared = False
        for block in blocks:
            # Whatever follows a closing label ("**Verdict:** ...") concludes, it raises nothing.
            closed = closed or _is_closing_label(block)
            if block.kind == "fence" and block.info == "suggestion":
                self.suggestion(block, follows_point)
                follows_point = False
                continue
            follows_point = block.kind == "paragraph" and follows_point
            if block.kind == "list" and block.field_list:
                self.field_card(block)
                continue
            if block.kind != "paragraph" or closed:
                self.prose_block(block)
                continue
            start, end = self.lines.span(block.begin, block.end)
            body = _clean_block(self.text[start:end])
            verdicts = self._verdicts_in(body)
            split = (
                self._verdict_then_point(start, end, body, verdicts)
                or self._framing_then_point(start, end, body)
                or self._tagged_point_after(start, end, body)
            )
            if split is not None:
                self.prose.append(split[0])
                self.segments.append(split[1])
                follows_point = True
                cleared = cleared or split[1].aside
                continue
            # A paragraph that only states the verdict is prose; one that says security is fine
            # also sets apart the nits after it.
            verdict_only = bool(verdicts) and self._verdict_only(body, verdicts)
            if self._too_slight(body) or self.lexicon.is_framing_paragraph(body) or verdict_only:
                self.prose.append(Prose(start, end, body))
                framed.append(self.prose[-1])
                cleared = cleared or ("no_defects" in verdicts and verdict_only)
                continue
            title, text = _numbered_point_title(body)
            # A nit after a paragraph that said security is fine ("Minor: `handle_msg` is a vague
            # name") is not about security either.
            aside = cleared and self.lexicon.nit_tag.match(text[:80]) is not None
            self.segments.append(Segment(start, end, title, text, "paragraph", aside=aside))
            follows_point = True
        if not self.segments:
            self._advice_in_framing(framed)

    def _advice_in_framing(self, framed: list[Prose]) -> None:
        """A comment that is all wrap-up can still give advice ("Overall the code looks good,
        but consider adding some comments"): with no other point, that paragraph is one."""
        for prose in framed:
            groups = self.lexicon.reading.first(prose.text)
            if "advice" in groups or "suggestion" in groups:
                self.segments.append(Segment(prose.start, prose.end, None, prose.text, "paragraph"))


_SENTENCE_END = re.compile(r"[.!?](?=\s|\Z)")
_COUNT = re.compile(r"[*_]{0,2}\d{1,9}[*_]{0,2}")
_RAISING_GROUPS = frozenset(
    {"problem", "contrast", "advice", "suggestion", "hedge", "context_request"}
)
_NUMBERED_POINT = re.compile(
    r"(?:issue|finding|problem|bug|vulnerability|concern|observation|suggestion|recommendation"
    r"|item|point|comment)[ \t]{0,2}#?\d{1,4}[ \t]{0,2}[:.)\u2014\u2013-]",
    re.IGNORECASE,
)


def _numbered_point_title(body: str) -> tuple[str | None, str]:
    """A paragraph headed by its own short numbered line ("Issue 2 - Missing timeout (Medium)")
    takes that line as its title."""
    first, _, rest = body.partition("\n")
    if rest.strip() and len(first) <= 120 and _NUMBERED_POINT.match(first):
        return first.strip(), rest.strip()
    return None, body


def _markdown_document(text: str) -> Document:
    """Read a markdown review; a very long one only up to the structure budget."""
    unclosed = _unclosed_fence(text)
    if len(text) <= STRUCTURE_CHARS and text.count("\n", 0, STRUCTURE_CHARS) < STRUCTURE_LINES:
        return _read_markdown(text, unclosed)
    # The markdown parser costs tens of microseconds a line; a review longer than the budget
    # has more points than the answer can hold, so only its head is parsed and its end (where
    # conclusions are) is kept as prose for the verdict.
    limit = min(len(text), STRUCTURE_CHARS)
    line_limit = _nth_newline(text, STRUCTURE_LINES)
    if line_limit >= 0:
        limit = min(limit, line_limit)
    cut = text.rfind("\n", 0, limit)
    head_end = cut if cut > 0 else limit
    document = _read_markdown(text[:head_end], unclosed)
    tail_start = max(head_end, len(text) - CLOSING_CHARS)
    closing = Prose(tail_start, len(text), _clean_block(text[tail_start:]))
    return Document(document.segments, (*document.prose, closing), True, unclosed, capped=True)


def _nth_newline(text: str, count: int) -> int:
    position = -1
    for _ in range(count):
        position = text.find("\n", position + 1)
        if position < 0:
            return -1
    return position


def _read_markdown(text: str, unclosed: bool) -> Document:
    """Segment markdown `text`; `unclosed` says whether the whole review ends inside a fence."""
    lines = _Lines(text)
    tokens = _MD.parse(text)
    blocks = _blocks(tokens, lines)
    # Python's strip() knows every Unicode space (NBSP too); markdown-it counts NBSP as text.
    has_content = any(
        (b.kind in ("paragraph", "heading", "list", "table") and lines.raw(b.begin, b.end).strip())
        or (b.kind == "fence" and lines.fence_code(b).strip())
        for b in blocks
    )
    reader = _Reader(text, lines)
    structural = any(
        (b.kind == "heading" and not _is_closing_label(b))
        or (b.kind == "table" and not _counts_only(b, lines))
        or _is_item_list(b)
        for b in blocks
    )
    if structural:
        reader.section(_sections(blocks), top=True)
        if not reader.segments:
            reader.points_in_closing_lists()
    else:
        reader.paragraphs(blocks)
    return Document(
        tuple(sorted(reader.set_aside(), key=lambda s: s.start)),
        tuple(reader.prose),
        has_content,
        unclosed,
    )


def _unclosed_fence(text: str) -> bool:
    """Whether a code fence is still open at the end (CommonMark's fence rules, simplified)."""
    return any(
        block.lastgroup in ("open_backtick", "open_tilde") for block in _FENCED.finditer(text)
    )


def segment(text: str) -> Document:
    """Split normalised review text into its points and the prose around them."""
    for reader in (_json_document, _yaml_document, _section_document):
        document = reader(text)
        if document is not None:
            return document
    return _markdown_document(text)
