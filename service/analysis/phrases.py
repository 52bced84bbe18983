"""Fast matching of many phrase fragments, indexed by the word each fragment starts with.

The lexicon has hundreds of cue fragments. Scanning a text once per fragment group with a big
alternation tries every alternative at every position; instead, each fragment whose first word
can be read off its source is filed under that word (or word stem), the text is split into words
once, and a fragment is tried only where its first word occurs. Fragments whose first word is
not a plain literal (anchors, optional groups, symbols) fall back to one regex per group.
Matches within one group never overlap, as with `re.finditer`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"\w+")
_LITERAL = re.compile(r"[a-z0-9_]+")
_OPEN_END = re.compile(r"(\\[^\w\s]|[^\w?*)\]+}])\Z")
_STEM_KEY = 3
_WORD_END = "<end>"
_STEM_END = "<stem>"
_OPTIONAL_NEXT = re.compile(r"(?:\\.|\[[^\]]*\]|\([^()]*\)|[^\\])[?*]")


@dataclass(frozen=True, slots=True)
class _Lead:
    """The first word a fragment can start with: an exact word or a stem."""

    text: str
    stem: bool


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


def leading_words(fragment: str) -> list[_Lead] | None:
    """The words a fragment can start with, or None when that cannot be read off its source."""
    source = fragment.removeprefix(r"\b")
    if source.startswith("("):
        end = _closing_paren(source, 0)
        if end < 0 or source[end + 1 : end + 2] in ("?", "*", "{"):
            return None
        inner = source[1:end]
        if inner.startswith("?:"):
            inner = inner[2:]
        elif inner.startswith("?"):
            return None
        leads: list[_Lead] = []
        for alternative in _split_alternatives(inner):
            found = leading_words(alternative) if alternative else None
            if not found:
                return None
            leads.extend(found)
        return leads
    match = _LITERAL.match(source)
    if not match:
        return None
    word = match.group()
    rest = source[match.end() :]
    if rest[:1] in ("?", "*", "{"):
        word = word[:-1]
        stem = True
    else:
        # The word may run on when what follows can be empty ("hard-?coded", "pep\\s?8").
        stem = rest.startswith(("\\w", "[", "+")) or _OPTIONAL_NEXT.match(rest) is not None
    if not word or (stem and len(word) < _STEM_KEY):
        return None
    return [_Lead(word, stem)]


def _compile(fragment: str) -> re.Pattern[str]:
    tail = "" if fragment.endswith("$") or _OPEN_END.search(fragment) else r"(?!\w)"
    return re.compile(f"(?:{fragment}){tail}", re.IGNORECASE)


def _compile_all(fragments: list[str]) -> re.Pattern[str]:
    if len(fragments) == 1:
        return _compile(fragments[0])
    parts = []
    for fragment in fragments:
        tail = "" if fragment.endswith("$") or _OPEN_END.search(fragment) else r"(?!\w)"
        parts.append(f"(?:{fragment}){tail}")
    return re.compile("|".join(parts), re.IGNORECASE)


def _fallback(fragments: list[str]) -> re.Pattern[str] | None:
    if not fragments:
        return None
    parts = []
    for fragment in fragments:
        head = "" if fragment.startswith(("^", "\\.", "%")) else r"(?<!\w)"
        tail = "" if fragment.endswith("$") or _OPEN_END.search(fragment) else r"(?!\w)"
        parts.append(f"{head}(?:{fragment}){tail}")
    return re.compile("|".join(parts), re.IGNORECASE)


def _trie_regex(words: Iterable[str], stems: Iterable[str]) -> re.Pattern[str]:
    """One regex that matches, at a word start, exactly the words some fragment can start with.

    Built as a trie so the regex engine dispatches on each character instead of trying every
    word in turn; a stem continues with any word characters.
    """
    root: dict[str, Any] = {}
    for marker, entries in ((_WORD_END, words), (_STEM_END, stems)):
        for entry in entries:
            node = root
            for char in entry:
                node = node.setdefault(char, {})
            node[marker] = True

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(c) + build(child) for c, child in sorted(node.items()) if len(c) == 1]
        if _STEM_END in node:
            branches.append(r"\w*")
        elif _WORD_END in node:
            branches.append(r"(?!\w)")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    if not root:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<!\w)" + build(root), re.IGNORECASE)


class PhraseSet:
    """Named groups of fragments, matched in one pass over the words of a text.

    A fragment anchored with `^` matches at the start of the text or of any sentence whose
    start the caller passes in `starts`.
    """

    _CACHE_LIMIT = 50_000

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        self.groups = tuple(groups)
        self._exact: dict[str, list[tuple[str, re.Pattern[str]]]] = defaultdict(list)
        self._stems: dict[str, list[tuple[str, str, re.Pattern[str]]]] = defaultdict(list)
        self._fallback: dict[str, re.Pattern[str]] = {}
        self._anchored: dict[str, re.Pattern[str]] = {}
        self._cache: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}
        # Fragments filed under the same lead word and group are tried as one alternation.
        exact: dict[tuple[str, str], list[str]] = defaultdict(list)
        stems: dict[tuple[str, str], list[str]] = defaultdict(list)
        for group, fragments in groups.items():
            rest: list[str] = []
            anchored: list[str] = []
            for fragment in map(str, fragments):
                if fragment.startswith("^"):
                    anchored.append(fragment[1:])
                    continue
                leads = leading_words(fragment.lower())
                if leads is None:
                    rest.append(fragment)
                    continue
                for lead in leads:
                    (stems if lead.stem else exact)[(lead.text, group)].append(fragment)
            compiled = _fallback(rest)
            if compiled is not None:
                self._fallback[group] = compiled
            if anchored:
                self._anchored[group] = re.compile(
                    "|".join(
                        f"(?:{f})" + ("" if _OPEN_END.search(f) else r"(?!\w)") for f in anchored
                    ),
                    re.IGNORECASE,
                )

        for (word, group), fragments in exact.items():
            self._exact[word].append((group, _compile_all(fragments)))
        for (stem, group), fragments in stems.items():
            self._stems[stem[:_STEM_KEY]].append((stem, group, _compile_all(fragments)))
        self._words = _trie_regex(
            self._exact, {stem for stems in self._stems.values() for stem, _, _ in stems}
        )

    def _candidates(self, word: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found = list(self._exact.get(word, ()))
        for stem, group, pattern in self._stems.get(word[:_STEM_KEY], ()):
            if word.startswith(stem):
                found.append((group, pattern))
        if len(self._cache) >= self._CACHE_LIMIT:
            self._cache.clear()
        result = self._cache[word] = tuple(found)
        return result

    def finditer(self, text: str, starts: Sequence[int] = (0,)) -> list[tuple[str, int, int]]:
        """All matches as (group, start, end), in text order, non-overlapping within a group."""
        found: list[tuple[str, int, int]] = []
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        group_end: dict[str, int] = {}
        candidates = self._candidates
        for word in self._words.finditer(text):
            options = candidates(word.group().lower())
            if not options:
                continue
            start = word.start()
            for group, pattern in options:
                if start < group_end.get(group, 0):
                    continue
                match = pattern.match(text, start)
                if match:
                    found.append((group, start, match.end()))
                    spans[group].append((start, match.end()))
                    group_end[group] = max(match.end(), start + 1)
        for group, pattern in self._anchored.items():
            for position in starts:
                match = pattern.match(text, position)
                if match:
                    found.append((group, position, match.end()))
                    spans[group].append((position, match.end()))
        for group, pattern in self._fallback.items():
            taken = spans.get(group, ())
            for match in pattern.finditer(text):
                if not any(a <= match.start() < b for a, b in taken):
                    found.append((group, match.start(), match.end()))
        found.sort(key=lambda item: item[1])
        return found

    def counts(self, text: str) -> dict[str, int]:
        """How many times each group matches."""
        totals: dict[str, int] = {}
        for group, _, _ in self.finditer(text):
            totals[group] = totals.get(group, 0) + 1
        return totals

    def first(self, text: str) -> dict[str, int]:
        """The start of each group's first match."""
        starts: dict[str, int] = {}
        for group, start, _ in self.finditer(text):
            starts.setdefault(group, start)
        return starts
