"""Fast matching of many phrase fragments, indexed by the word each fragment starts with.

The lexicon has hundreds of cue fragments. Scanning a text once per fragment group with a big
alternation tries every alternative at every position; instead, each fragment whose first word
can be read off its source is filed under that word (or word stem), the text is split into words
once, and a fragment is tried only where its first word occurs (and, for the short function
words that occur everywhere, where what follows can continue it: checked inside the word scan,
so those words cost no Python). Fragments anchored at a sentence start (`^`) share one probe
tried at each sentence start; fragments whose first word is not a plain literal (symbols,
a leading class) fall back to one regex per group, scanned only when the text holds the literal
they start with. Capturing groups are made non-capturing. Matches within one group never
overlap, as with `re.finditer`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_LITERAL = re.compile(r"[a-z0-9_]+", re.IGNORECASE)
# A fragment that ends in an escaped punctuation mark ("eval\\("), a symbol or a class of symbols
# ("use `", "[`'\"]") gets no trailing word boundary; everything else must end at one, so "log"
# never matches inside "login".
_OPEN_END = re.compile(r"(\\[^\w\s]|[^\w?*)\]+}]|\[[^\]\w\\]+\])\Z")
# A fragment that starts with an escaped punctuation mark or a symbol ("\\|safe", ":latest", "`")
# needs no word boundary before it: "x|safe" and "node:latest" have a word right in front.
_SYMBOL_START = re.compile(r"\\[^\w\s]|[^\w\\(\[.^$]")
_STEM_KEY = 3
_FOLLOW_CHECKED_LENGTH = 3
_WORD_END = "<end>"
_STEM_END = "<stem>"
_OPTIONAL_NEXT = re.compile(r"(?:\\.|\[[^\]]*\]|\([^()]*\)|[^\\])[?*]")
# What can follow a literal word and end it: a space or non-word class, an escaped or plain
# punctuation mark, or the end of the text.
_WORD_STOP = re.compile(r"\\[sbW]|\\[^\w]|[^\w\\.()\[\]{}?*+|^$]|\$")


@dataclass(frozen=True, slots=True)
class _Lead:
    """The first word a fragment can start with: an exact word or a stem."""

    text: str
    stem: bool
    rest: str | None = None
    """For an exact word, the fragment's source after it (what must follow the word)."""


def _closing_paren(source: str, start: int) -> int:
    depth = 0
    index = start
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def _split_alternatives(group: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current = []
    index = 0
    while index < len(group):
        char = group[index]
        if char == "\\" and index + 1 < len(group):
            current.append(group[index : index + 2])
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _ends_word(rest: str) -> bool:
    """Whether what follows a literal word in a fragment stops the word there."""
    return rest == "" or (_OPTIONAL_NEXT.match(rest) is None and _WORD_STOP.match(rest) is not None)


def _leads_of_each(alternatives: Iterable[str]) -> list[_Lead] | None:
    leads: list[_Lead] = []
    for alternative in alternatives:
        found = leading_words(alternative)
        if not found:
            return None
        leads.extend(found)
    return list(dict.fromkeys(leads))


def _expand_group(head: str, source: str) -> list[str] | None:
    """`head` followed by each alternative of the group `source` starts with, and what follows
    the group ("polic(y|ies)" -> "policy", "policies"); None for an optional, repeated or
    special group."""
    end = _closing_paren(source, 0)
    if end < 0 or source[end + 1 : end + 2] in ("?", "*", "{", "+"):
        return None
    inner = source[1:end]
    if inner.startswith("?:"):
        inner = inner[2:]
    elif inner.startswith("?"):
        return None
    after = source[end + 1 :]
    return [head + alternative + after for alternative in _split_alternatives(inner)]


def _drop_optional_group(source: str) -> list[str] | None:
    """A fragment that opens with an optional group, as the two fragments it stands for:
    "(i\\s+)?did\\s+not" -> "(?:i\\s+)did\\s+not", "did\\s+not"; None for any other start."""
    end = _closing_paren(source, 0)
    if end < 0 or source[end + 1 : end + 2] != "?" or source[end + 2 : end + 3] in ("?", "+"):
        return None
    group, rest = source[: end + 1], source[end + 2 :]
    if group.startswith("(?") and not group.startswith("(?:"):
        return None
    if not rest or rest.startswith(("?", "*", "+", "{")):
        return None
    inner = group[3:-1] if group.startswith("(?:") else group[1:-1]
    return [f"(?:{inner}){rest}", rest]


def leading_words(fragment: str) -> list[_Lead] | None:
    """The words a fragment can start with, or None when that cannot be read off its source."""
    source = fragment.removeprefix(r"\b")
    alternatives = _split_alternatives(source)
    if len(alternatives) > 1:
        return _leads_of_each(alternatives)
    if source.startswith("("):
        expanded = _expand_group("", source) or _drop_optional_group(source)
        return None if expanded is None else _leads_of_each(expanded)
    match = _LITERAL.match(source)
    if not match:
        return None
    word = match.group().lower()
    rest = source[match.end() :]
    expanded = _expand_group(word, rest) if rest.startswith("(") else None
    if expanded is not None:
        return _leads_of_each(expanded)
    if rest[:1] == "?" and len(word) > 1 and _ends_word(rest[1:]):
        # "ivs?": exactly one of two words.
        return [_Lead(word[:-1], False, rest[1:]), _Lead(word, False, rest[1:])]
    if rest[:1] in ("?", "*", "{"):
        word = word[:-1]
        stem = True
    else:
        # The word runs on unless what follows cannot be a word character ("hard-?coded" and
        # "pep\\s?8" are stems).
        stem = not _ends_word(rest)
    if not word or (stem and len(word) < _STEM_KEY):
        return None
    return [_Lead(word, stem, None if stem else rest)]


def _tail(fragment: str) -> str:
    """A word boundary after a fragment that ends in a word character."""
    return "" if fragment.endswith("$") or _OPEN_END.search(fragment) else r"(?!\w)"


def _alternation(fragments: Sequence[str]) -> str:
    return "|".join(f"(?:{fragment}){_tail(fragment)}" for fragment in fragments)


def bounded(fragment: str) -> str:
    """A fragment as a regex that starts and ends at word boundaries where its ends are words."""
    head = "" if fragment.startswith("^") or _SYMBOL_START.match(fragment) else r"(?<!\w)"
    return f"{head}(?:{fragment}){_tail(fragment)}"


@dataclass(frozen=True, slots=True)
class _Fallback:
    """A group's fragments without a plain lead word, scanned for across the whole text.

    `needles` are the literal starts of those fragments: when the text holds none of them the
    scan is skipped (an empty tuple means some fragment has no literal start, so always scan).
    """

    pattern: re.Pattern[str]
    needles: tuple[str, ...]

    def may_match(self, lowered: str) -> bool:
        """Whether the (lower-cased) text can hold a match at all."""
        return not self.needles or any(needle in lowered for needle in self.needles)


_NEVER = r"(?!x)x"


def phrase_pattern(fragments: Iterable[str]) -> re.Pattern[str]:
    """Compile fragments into one case-insensitive alternation matched at word boundaries."""
    source = "|".join(bounded(str(fragment)) for fragment in fragments)
    return re.compile(non_capturing(source) if source else _NEVER, re.IGNORECASE)


def _fallback(fragments: list[str]) -> _Fallback | None:
    if not fragments:
        return None
    prefixes = [literal_prefix(fragment) for fragment in fragments]
    needles = tuple(prefixes) if all(prefixes) else ()
    return _Fallback(phrase_pattern(fragments), needles)


def _trie_source(words: Mapping[str, str], stems: Iterable[str]) -> str:
    """A regex that matches, at a word start, the (lower-case) words some fragment can start
    with, where what follows the word can continue one of those fragments.

    `words` maps each exact word to a lookahead on what must follow it ("" for none). Built as
    a trie so the regex engine dispatches on each character instead of trying every word in
    turn; a stem continues with any word characters.
    """
    root: dict[str, Any] = {}
    for marker, entries in ((_WORD_END, words), (_STEM_END, stems)):
        for entry in entries:
            node = root
            for char in entry:
                node = node.setdefault(char, {})
            node[marker] = words.get(entry, "") if marker == _WORD_END else ""

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(c) + build(child) for c, child in sorted(node.items()) if len(c) == 1]
        if _STEM_END in node:
            branches.append(r"\w*")
        elif _WORD_END in node:
            branches.append(r"(?!\w)" + node[_WORD_END])
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    if not root:
        return _NEVER
    return r"(?<!\w)" + build(root)


def _note_follow(follows: dict[str, list[str] | None], lead: _Lead) -> None:
    """Record what must follow an exact lead word for its fragment to match."""
    rests = follows[lead.text]
    if rests is None:
        return
    if not lead.rest:
        follows[lead.text] = None
    elif lead.rest not in rests:
        rests.append(lead.rest)


def _follow_source(rests: list[str] | None) -> str:
    """A lookahead that only lets a lead word through when one of its fragments can go on.

    Without it, the scan stops at every "the" or "to" in a text and a probe for the fragments
    filed under it runs in Python, only to fail; the lookahead fails inside the regex engine.
    """
    if not rests:
        return ""
    return "(?=(?i:" + "|".join(f"(?:{non_capturing(rest)})" for rest in rests) + "))"


def non_capturing(source: str) -> str:
    """A regex source with its capturing groups made non-capturing.

    The matcher only needs where a fragment starts and ends. A pattern that holds hundreds of
    capturing groups makes the regex engine save and restore all their marks on every
    backtrack, which cost three times the scan itself.
    """
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(source):
        char = source[index]
        if char == "\\":
            out.append(source[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A "]" first in a class ("[]x]", "[^]x]") is a literal, not its end.
            opening = "[^]" if source.startswith("[^]", index) else "[]"
            if source.startswith(opening, index):
                out.append(opening)
                index += len(opening)
                continue
        elif char == "(" and source[index + 1 : index + 2] != "?":
            char = "(?:"
        out.append(char)
        index += 1
    return "".join(out)


def literal_prefix(fragment: str) -> str:
    """The lower-case literal text every match of a fragment starts with ("" when unknown)."""
    source = fragment.removeprefix(r"\b")
    prefix: list[str] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source) and not source[index + 1].isalnum():
            literal, width = source[index + 1], 2
        elif char not in ".^$*+?{}[]()|\\":
            literal, width = char, 1
        else:
            break
        if source[index + width : index + width + 1] in ("?", "*", "{"):
            break
        prefix.append(literal.lower())
        index += width
    return "".join(prefix)


@dataclass(frozen=True, slots=True)
class _Probe:
    """Every group's fragments filed under one lead word, tried with a single `match` call.

    Each group's alternation sits in an optional capturing lookahead, so one match at a word
    start tells which groups match there and where each match ends (a group that does not
    match leaves its slot empty).
    """

    pattern: re.Pattern[str]
    slots: tuple[tuple[str, int], ...]
    """(group, index of the capturing group holding that group's match)."""

    @classmethod
    def build(cls, entries: Sequence[tuple[str, list[str]]]) -> _Probe:
        """One probe over (group, fragments) pairs, tried in the given order."""
        parts = []
        names = []
        for number, (group, fragments) in enumerate(entries):
            name = f"_g{number}"
            names.append((group, name))
            alternation = non_capturing(_alternation(fragments))
            parts.append(f"(?:(?=(?P<{name}>{alternation}))|)")
        pattern = re.compile("".join(parts), re.IGNORECASE)
        return cls(pattern, tuple((group, pattern.groupindex[name]) for group, name in names))


def _leftmost_per_group(found: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Matches in text order, without any that starts inside an earlier match of its group
    (what one regex per group would find); the word scan's own matches never overlap."""
    found.sort(key=lambda item: item[1])
    kept: list[tuple[str, int, int]] = []
    group_end: dict[str, int] = {}
    for group, start, end in found:
        if start >= group_end.get(group, 0):
            kept.append((group, start, end))
            group_end[group] = max(end, start + 1)
    return kept


class PhraseSet:
    """Named groups of fragments, matched in one pass over the words of a text.

    A fragment anchored with `^` matches at the start of the text or of any sentence whose
    start the caller passes in `starts`.
    """

    _CACHE_LIMIT = 50_000

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        self._exact: dict[str, _Probe] = {}
        self._stems: dict[str, list[tuple[str, _Probe]]] = defaultdict(list)
        self._fallback: dict[str, _Fallback] = {}
        anchored_groups: list[tuple[str, list[str]]] = []
        self._cache: dict[str, tuple[_Probe, ...]] = {}
        # Fragments filed under the same lead word and group are tried as one alternation.
        exact: dict[tuple[str, str], list[str]] = defaultdict(list)
        stems: dict[tuple[str, str], list[str]] = defaultdict(list)
        # What can follow each short exact lead word; None once some fragment puts no limit on it.
        # Only short lead words get that lookahead: they are the function words ("the", "to",
        # "is") that occur everywhere and whose probes nearly always fail; for longer words the
        # lookaheads cost a few MB of compiled regex per process and no time.
        follows: dict[str, list[str] | None] = defaultdict(list)
        for group, fragments in groups.items():
            rest: list[str] = []
            anchored: list[str] = []
            for fragment in map(str, fragments):
                if fragment.startswith("^"):
                    anchored.append(fragment[1:])
                    continue
                leads = leading_words(fragment)
                if leads is None:
                    rest.append(fragment)
                    continue
                for lead in leads:
                    (stems if lead.stem else exact)[(lead.text, group)].append(fragment)
                    if not lead.stem and len(lead.text) <= _FOLLOW_CHECKED_LENGTH:
                        _note_follow(follows, lead)
            compiled = _fallback(rest)
            if compiled is not None:
                self._fallback[group] = compiled
            if anchored:
                anchored_groups.append((group, anchored))
        self._anchored = _Probe.build(anchored_groups) if anchored_groups else None

        by_word: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        for (word, group), fragments in exact.items():
            by_word[word].append((group, fragments))
        by_stem: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        for (stem, group), fragments in stems.items():
            by_stem[stem].append((group, fragments))
        for word, entries in by_word.items():
            self._exact[word] = _Probe.build(entries)
        for stem, entries in by_stem.items():
            self._stems[stem[:_STEM_KEY]].append((stem, _Probe.build(entries)))
        self._trie = _trie_source(
            {word: _follow_source(follows.get(word, [])) for word in self._exact}, by_stem
        )
        # Lower-casing the text once and scanning it case-sensitively is several times faster
        # than an IGNORECASE scan; the rare texts whose lower case changes length use the latter,
        # compiled when first needed.
        self._words = re.compile(self._trie)
        self._words_any_case: re.Pattern[str] | None = None

    def _any_case(self) -> re.Pattern[str]:
        if self._words_any_case is None:
            self._words_any_case = re.compile(self._trie, re.IGNORECASE)
        return self._words_any_case

    def _candidates(self, word: str) -> tuple[_Probe, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        exact = self._exact.get(word)
        found = [exact] if exact is not None else []
        for stem, probe in self._stems.get(word[:_STEM_KEY], ()):
            if word.startswith(stem):
                found.append(probe)
        if len(self._cache) >= self._CACHE_LIMIT:
            self._cache.clear()
        result = self._cache[word] = tuple(found)
        return result

    def finditer(self, text: str, starts: Sequence[int] = (0,)) -> list[tuple[str, int, int]]:
        """All matches as (group, start, end), in text order, non-overlapping within a group."""
        found: list[tuple[str, int, int]] = []
        group_end: dict[str, int] = {}
        candidates = self._candidates
        lowered = text.lower()
        # Scanned lower-cased, a word is already its own key; scanned as written, fold it.
        folded = len(lowered) == len(text)
        words = (self._words if folded else self._any_case()).finditer(lowered if folded else text)
        for word in words:
            probes = candidates(word.group() if folded else word.group().lower())
            if not probes:
                continue
            start = word.start()
            for probe in probes:
                match = probe.pattern.match(text, start)
                if match is None or match.lastindex is None:
                    continue
                for group, index in probe.slots:
                    end = match.end(index)
                    if end < 0 or start < group_end.get(group, 0):
                        continue
                    found.append((group, start, end))
                    group_end[group] = max(end, start + 1)
        if self._anchored is None and not self._fallback:
            return found
        if self._anchored is not None:
            self._match_anchored(text, starts, found)
        if self._fallback:
            self._match_fallback(text, lowered, found)
        return _leftmost_per_group(found)

    def _match_anchored(
        self, text: str, starts: Sequence[int], found: list[tuple[str, int, int]]
    ) -> None:
        assert self._anchored is not None
        pattern, slots = self._anchored.pattern, self._anchored.slots
        for position in starts:
            match = pattern.match(text, position)
            if match is None or match.lastindex is None:
                continue
            for group, index in slots:
                end = match.end(index)
                if end >= 0:
                    found.append((group, position, end))

    def _match_fallback(self, text: str, lowered: str, found: list[tuple[str, int, int]]) -> None:
        for group, fallback in self._fallback.items():
            if fallback.may_match(lowered):
                found.extend((group, m.start(), m.end()) for m in fallback.pattern.finditer(text))

    @property
    def fallback_needles(self) -> dict[str, tuple[str, ...]]:
        """Per group with fragments that have no lead word, the literal starts that gate their
        scan (an empty tuple: that group's scan runs on every text)."""
        return {group: fallback.needles for group, fallback in self._fallback.items()}

    def first(self, text: str) -> dict[str, int]:
        """The start of each group's first match."""
        starts: dict[str, int] = {}
        for group, start, _ in self.finditer(text):
            starts.setdefault(group, start)
        return starts
