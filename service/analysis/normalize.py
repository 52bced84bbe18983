"""Stage 1: body as received -> clean text, plus an exact map from text offsets back to the body.

Later stages read only `NormalizedText.text`; every span they report is converted back with
`NormalizedText.original_span`, so callers always get offsets into the body exactly as received.

What normalisation does, and nothing more:

* CRLF and lone CR become LF;
* mojibake (UTF-8 read as cp1252/Latin-1, e.g. ``Itâ€™s``) is repaired with ftfy, but only in
  the runs where a cheap regex sees complete UTF-8 byte sequences, so clean text never reaches
  ftfy and a repair never spills onto the correct characters around it;
* zero-width characters and HTML comments (``<!-- ... -->``, an unclosed one runs to the end) are
  removed.

The offset map is a short list of segments, not one integer per character: a body with nothing
to change is one segment however long it is.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

import ftfy

from service.analysis.model import Span

# cp1252 decodes bytes 0x80-0x9F to these characters; ftfy also decodes the five bytes cp1252
# leaves undefined to the matching C1 control, which \x80-\x9f below already covers.
_CP1252_SPECIALS = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
# A character a UTF-8 continuation byte (0x80-0xBF) turns into when misread as cp1252/Latin-1.
_CONT = "[\x80-\xbf" + _CP1252_SPECIALS + "]"
# A lead byte of a 2-, 3- or 4-byte UTF-8 sequence followed by exactly the continuation bytes it
# needs: "â€™" matches, legitimate "café’s" (é + one continuation) does not, so clean text with
# accents and curly quotes never reaches ftfy.
_MOJIBAKE = f"[\xc2-\xdf]{_CONT}|[\xe0-\xef]{_CONT}{{2}}|[\xf0-\xf4]{_CONT}{{3}}"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# A chain of such sequences is repaired as one run ("Ã¢â‚¬â„¢" is doubly broken "’"); the three
# lead classes and the continuation class are disjoint, so the chain is matched deterministically.
_EVENT = re.compile(
    f"(?P<cr>\r)|(?P<zw>[{_ZERO_WIDTH}]+)|(?P<comment><!--)|(?P<moji>(?:{_MOJIBAKE})+)",
)
_EVENT_NO_MOJIBAKE = re.compile(f"(?P<cr>\r)|(?P<zw>[{_ZERO_WIDTH}]+)|(?P<comment><!--)")
# The first character of any event: a plain character class, which the regex engine scans for
# far faster than it tries the alternation above at every position.
_TRIGGER = re.compile(f"[\r{_ZERO_WIDTH}<\xc2-\xf4]")
_TRIGGER_NO_MOJIBAKE = re.compile(f"[\r{_ZERO_WIDTH}<]")
_STRIP_ZERO_WIDTH = str.maketrans(dict.fromkeys(_ZERO_WIDTH))
_COMMENT_END = "-->"

# Only the encoding steps, and none of ftfy's cosmetic rewrites (quotes stay curly, ligatures,
# widths and Unicode normalisation stay as written).
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)

_IDENTITY = 0  # text[t0 + k] came from body[b0 + k]
_COLLAPSED = 1  # every character of the segment came from the whole body range [b0, b_end)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Clean text for the later stages, and the map from its offsets back to the body."""

    text: str
    encoding_repaired: bool
    body_length: int
    # Segment k covers text[_seg_text[k]:_seg_text[k + 1]] and body[_seg_body[k]:_seg_body_end[k]].
    _seg_text: array[int] = field(repr=False, compare=False)
    _seg_body: array[int] = field(repr=False, compare=False)
    _seg_body_end: array[int] = field(repr=False, compare=False)
    _seg_kind: bytes = field(repr=False, compare=False)

    def origin(self, index: int) -> int:
        """Offset in the body of the character `text[index]` came from (0 <= index < len(text))."""
        if not 0 <= index < len(self.text):
            raise IndexError(index)
        k = bisect_right(self._seg_text, index) - 1
        if self._seg_kind[k] == _IDENTITY:
            return int(self._seg_body[k] + index - self._seg_text[k])
        return int(self._seg_body[k])

    def _origin_end(self, index: int) -> int:
        """Body offset just past everything the character `text[index]` came from."""
        k = bisect_right(self._seg_text, index) - 1
        if self._seg_kind[k] == _IDENTITY:
            return int(self._seg_body[k] + index - self._seg_text[k] + 1)
        return int(self._seg_body_end[k])

    def original_span(self, start: int, end: int) -> Span:
        """Map `[start, end)` in `text` to the `Span` of the body it came from.

        Offsets are clamped to `[0, len(text)]`. A span that starts at 0 starts at 0 in the body and
        one that ends at `len(text)` ends at the body's end, so `original_span(0, len(text))`
        covers the whole body, including anything removed at its edges.
        """
        size = len(self.text)
        start = min(max(start, 0), size)
        end = min(max(end, start), size)
        if start == 0:
            body_start = 0
        elif start == size:
            body_start = self.body_length
        else:
            body_start = self.origin(start)
        if end == size:
            body_end = self.body_length
        elif end == start:
            body_end = body_start
        else:
            body_end = self._origin_end(end - 1)
        return Span(body_start, max(body_start, body_end))


class _Builder:
    """Accumulates the clean text and its segment map in one left-to-right pass."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.pieces: list[str] = []
        self.length = 0
        self.seg_text = array("q")
        self.seg_body = array("q")
        self.seg_body_end = array("q")
        self.seg_kind = bytearray()
        self.repaired = False
        # Real reviews repeat the same few broken sequences ("â€™"): repair each one once.
        self.repairs: dict[str, str] = {}

    def _extend_identity(self, start: int, piece: str) -> None:
        contiguous = bool(self.seg_kind) and self.seg_kind[-1] == _IDENTITY
        if not (contiguous and self.seg_body_end[-1] == start):
            self._new_segment(start, _IDENTITY)
        self.seg_body_end[-1] = start + len(piece)
        self.pieces.append(piece)
        self.length += len(piece)

    def _new_segment(self, body_start: int, kind: int) -> None:
        self.seg_text.append(self.length)
        self.seg_body.append(body_start)
        self.seg_body_end.append(body_start)
        self.seg_kind.append(kind)

    def copy(self, start: int, end: int) -> None:
        """Keep `body[start:end]` as it is."""
        if start < end:
            self._extend_identity(start, self.body[start:end])

    def substitute_range(self, start: int, text: str) -> None:
        """Replace `body[start:start + len(text)]` by `text` of the same length (same offsets)."""
        if text:
            self._extend_identity(start, text)

    def replace(self, start: int, end: int, repl: str) -> None:
        """Replace `body[start:end]` by `repl`, keeping any common prefix and suffix exact."""
        original = self.body[start:end]
        prefix = 0
        limit = min(len(original), len(repl))
        while prefix < limit and original[prefix] == repl[prefix]:
            prefix += 1
        suffix = 0
        while suffix < limit - prefix and original[-1 - suffix] == repl[len(repl) - 1 - suffix]:
            suffix += 1
        self.copy(start, start + prefix)
        middle = repl[prefix : len(repl) - suffix]
        if middle:
            self._new_segment(start + prefix, _COLLAPSED)
            self.seg_body_end[-1] = end - suffix
            self.pieces.append(middle)
            self.length += len(middle)
        self.copy(end - suffix, end)

    def identity(self) -> NormalizedText:
        """The result for a body that needs no change."""
        self.copy(0, len(self.body))
        return self.result()

    def result(self) -> NormalizedText:
        """Freeze what was built."""
        text = self.pieces[0] if len(self.pieces) == 1 else "".join(self.pieces)
        return NormalizedText(
            text=text,
            encoding_repaired=self.repaired,
            body_length=len(self.body),
            _seg_text=self.seg_text,
            _seg_body=self.seg_body,
            _seg_body_end=self.seg_body_end,
            _seg_kind=bytes(self.seg_kind),
        )


MAX_EDITS = 5_000
"""Line-ending fixes and removals done one by one; a real review needs at most thousands."""
MAX_REPAIRS = 2000
"""Mojibake runs repaired per body; a real review has a handful."""
MAX_REPAIR_CHARS = 64 * 1024
"""Characters handed to ftfy per body; a real mojibake run is a few characters long."""


def _repair_run(builder: _Builder, start: int, end: int) -> None:
    """Repair the mojibake run `body[start:end]` with ftfy, or keep it if ftfy changes nothing."""
    original = builder.body[start:end]
    fixed = builder.repairs.get(original)
    if fixed is None:
        fixed = ftfy.fix_encoding(original, _FTFY_CONFIG).translate(_STRIP_ZERO_WIDTH)
        builder.repairs[original] = fixed
    if fixed == original:
        builder.copy(start, end)
        return
    builder.repaired = True
    builder.replace(start, end, fixed)


def normalize(body: str) -> NormalizedText:
    """Clean `body` for analysis (newlines, mojibake, zero-width characters, HTML comments).

    Runs in one linear pass; text that needs no change is returned as the same string.
    """
    if body.isascii() and "\r" not in body and "<!--" not in body:
        return _Builder(body).identity()  # the common case, without a regex scan
    builder = _Builder(body)
    size = len(body)
    pos = 0
    repairs = 0
    repair_chars = 0
    edits = 0
    events, trigger = _EVENT, _TRIGGER
    scan = 0  # where to look for the next event; everything before `pos` is already copied
    while scan < size:
        candidate = trigger.search(body, scan)
        if candidate is None:
            break
        match = events.match(body, candidate.start())
        if match is None:
            scan = candidate.start() + 1  # an accent, a lone "<": plain text
            continue
        at = match.start()
        kind = match.lastgroup
        if kind == "moji":
            builder.copy(pos, at)
            repair_chars += match.end() - at
            if repair_chars > MAX_REPAIR_CHARS:
                builder.copy(at, match.end())
                repairs = MAX_REPAIRS
            else:
                _repair_run(builder, at, match.end())
                repairs += 1
            if repairs >= MAX_REPAIRS:
                # Past the budget the rest is kept as written: bounded work on hostile input.
                events, trigger = _EVENT_NO_MOJIBAKE, _TRIGGER_NO_MOJIBAKE
            pos = scan = match.end()
            continue
        builder.copy(pos, at)
        edits += 1
        if edits > MAX_EDITS:
            # Past the budget the rest is normalised one for one: line endings become "\n" (a
            # CR before a LF becomes a space), and zero-width characters and comments stay.
            rest = body[at:].replace("\r\n", " \n").replace("\r", "\n")
            builder.substitute_range(at, rest)
            pos = size
            break
        if kind == "cr":
            if at + 1 < size and body[at + 1] == "\n":
                pos = at + 1  # drop the CR; the LF is kept as it is
            else:
                builder.substitute_range(at, "\n")
                pos = at + 1
        elif kind == "comment":
            close = body.find(_COMMENT_END, at + 4)
            pos = size if close < 0 else close + len(_COMMENT_END)
        else:  # zero-width characters
            pos = match.end()
        scan = pos
    builder.copy(pos, size)
    return builder.result()
