"""Verdict and flags: what the review says about security, and what it says about itself.

The stated verdict comes from verdict statements in the prose around the points ("No security
defects are detected in the code", "I found two vulnerabilities") and from verdict fields of a
structured answer ("Security type: No Issue", `"security_concerns": "No"`). A statement preceded
by words that cancel it ("I could not confirm that ...") is not one. When several statements
disagree, the last one (the conclusion) wins. The final verdict never lets a boilerplate closing
line wave a security finding through: any security finding means `defects_found`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

from service.analysis.classify import READ_CHARS
from service.analysis.lexicon import Lexicon, fold_value, load_lexicon
from service.analysis.model import Flag, Issue, Kind, Verdict
from service.analysis.segment import Document, Prose, Segment

_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+|\n|\Z)")
_WORD = re.compile(r"[A-Za-z']+")
_CLOSED_ENDING = re.compile(r"""[.!?:;)\]}"'`*>|»”’…\-–—]\Z|[^\x00-\x7f]\Z""")
HEDGE_WINDOW = 64 * 1024
_MAX_STATEMENT = 1500  # a verdict is stated in a sentence, not in a page-long run-on
_MARKUP = re.compile(r"\*\*|__|`|\A#{1,6}[ \t]+")


@dataclass(frozen=True, slots=True)
class Statement:
    """A verdict statement and where it is in the normalised text."""

    verdict: Verdict
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class VerdictResult:
    """The verdict stage's answer."""

    verdict: Verdict
    stated: Statement | None
    flags: tuple[Flag, ...]


def _field_statement(prose: Prose, lexicon: Lexicon) -> Statement | None:
    """A verdict field of a structured answer ("Security type: No Issue")."""
    label = prose.label or ""
    if label in lexicon.finding_list_keys and prose.text == "[]":
        return Statement(Verdict.NO_DEFECTS, prose.start, prose.end, label)
    value = fold_value(prose.text)
    if label in lexicon.type_fields or label in lexicon.yes_no_fields:
        if value in lexicon.no_issue_values or value.startswith(("no ", "no,", "none")):
            return Statement(Verdict.NO_DEFECTS, prose.start, prose.end, prose.text)
        if value:
            return Statement(Verdict.DEFECTS_FOUND, prose.start, prose.end, prose.text)
    return None


def sentence_statements(text: str, start: int, end: int, lexicon: Lexicon) -> list[Statement]:
    """Verdict statements among the sentences of `text[start:end]`."""
    found: list[Statement] = []
    for match in _SENTENCE.finditer(text, start, end):
        sentence = match.group().strip()
        if not sentence or len(sentence) > _MAX_STATEMENT:
            continue
        if not lexicon.may_state_verdict(sentence):
            continue
        plain = _MARKUP.sub("", sentence)
        hits = lexicon.verdict_phrases.first(plain)
        for verdict in (Verdict.NO_DEFECTS, Verdict.DEFECTS_FOUND):
            hit = hits.get(verdict.value)
            if hit is not None and not lexicon.cancels_verdict(plain, hit):
                offset = match.start() + match.group().index(sentence[:1])
                found.append(Statement(verdict, offset, offset + len(sentence), plain.strip()))
                break
    return found


def find_statements(
    text: str, document: Document, observations: Sequence[Segment] = ()
) -> list[Statement]:
    """Every verdict statement of the review, in text order: in its prose, and in the points
    that only observe (a paragraph that explains why the change is fine and ends "I don't see
    any security problems" is read as a point when its explanation says "rather than")."""
    lexicon = load_lexicon()
    statements: list[Statement] = []
    for observed in observations:
        # Read as far as the classifier reads a point: a statement deep inside a page-long
        # point is not the review's verdict, and the scan stays bounded.
        end = min(observed.end, observed.start + READ_CHARS)
        statements.extend(sentence_statements(text, observed.start, end, lexicon))
    for prose in document.prose:
        if prose.label is not None:
            statement = _field_statement(prose, lexicon)
            if statement is None and prose.label in lexicon.verdict_fields:
                hits = sentence_statements(prose.text, 0, len(prose.text), lexicon)
                statement = (
                    Statement(hits[-1].verdict, prose.start, prose.end, hits[-1].text)
                    if hits
                    else None
                )
        else:
            hits = sentence_statements(text, prose.start, prose.end, lexicon)
            statement = None
            statements.extend(hits)
        if statement is not None:
            statements.append(statement)
    return sorted(statements, key=lambda s: s.start)


def stated_verdict(statements: Sequence[Statement]) -> Statement | None:
    """The statement that carries the review's own verdict: the conclusion, i.e. the last one.

    The evidence is the first statement of that verdict, which is usually the canonical line.
    """
    if not statements:
        return None
    final = statements[-1].verdict
    return next(s for s in statements if s.verdict is final)


def is_truncated(text: str, document: Document, lexicon: Lexicon) -> bool:
    """Whether the body looks cut off: an open code fence, or prose that stops mid-sentence."""
    if document.unclosed_fence:
        return True
    tail = text.rstrip()
    if not tail or document.structured or _CLOSED_ENDING.search(tail[-1:]):
        return False
    last_word = _last_word(tail)
    if last_word is None or not _has_words(tail[:4000], 8):
        return False
    if last_word.lower() in lexicon.dangling_words:
        return True
    last_paragraph = tail[tail.rfind("\n\n") + 1 :]
    return ". " in last_paragraph and _has_words(last_paragraph, 12)


def _has_words(text: str, count: int) -> bool:
    """Whether the text holds at least `count` words (stops reading once it has)."""
    return sum(1 for _ in islice(_WORD.finditer(text), count)) >= count


def _last_word(text: str) -> str | None:
    """The last word of the text (read from its final 2,000 characters)."""
    words = _WORD.findall(text[-100:])
    # With two or more words in the short window, the last one cannot have been cut.
    if len(words) > 1 or (words and len(text) <= 100):
        return str(words[-1])
    words = _WORD.findall(text[-2000:])
    return str(words[-1]) if words else None


def _hedged(text: str, lexicon: Lexicon) -> bool:
    """Whether the review qualifies its conclusion; a very long one is read at its two ends."""
    if len(text) > 2 * HEDGE_WINDOW:
        return bool(
            lexicon.hedged_phrases.finditer(text[:HEDGE_WINDOW])
            or lexicon.hedged_phrases.finditer(text[-HEDGE_WINDOW:])
        )
    return bool(lexicon.hedged_phrases.finditer(text))


def decide(
    text: str,
    document: Document,
    issues: Sequence[Issue],
    statement: Statement | None,
    encoding_repaired: bool,
    capped: bool = False,
) -> VerdictResult:
    """Combine the stated verdict with the issues into the verdict and the flags."""
    lexicon = load_lexicon()
    security_finding = any(i.kind is Kind.FINDING and i.security for i in issues)
    stated = statement.verdict if statement else None
    if security_finding or stated is Verdict.DEFECTS_FOUND:
        verdict = Verdict.DEFECTS_FOUND
    elif stated is Verdict.NO_DEFECTS:
        verdict = Verdict.NO_DEFECTS
    else:
        verdict = Verdict.INCONCLUSIVE
    flags: list[Flag] = []
    if stated is Verdict.NO_DEFECTS and security_finding:
        flags.append(Flag.CONTRADICTION)
    if stated is None:
        flags.append(Flag.NO_VERDICT_STATEMENT)
    if _hedged(text, lexicon):
        flags.append(Flag.HEDGED)
    if stated is not None and any(i.kind is Kind.FINDING and not i.security for i in issues):
        flags.append(Flag.OFF_TASK)
    if document.has_content and is_truncated(text, document, lexicon):
        flags.append(Flag.TRUNCATED)
    if encoding_repaired:
        flags.append(Flag.ENCODING_REPAIRED)
    if not document.has_content:
        flags.append(Flag.EMPTY)
    if capped:
        flags.append(Flag.CAPPED)
    return VerdictResult(verdict, statement, tuple(flags))
