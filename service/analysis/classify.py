"""Classification: one segmented point -> kind, category, severity and CWE ids.

Kind is about specificity. Each sentence of a point is sorted into a group by the lexicon (a
request for context, a hedge, general advice, a positive statement, a problem claim, or neutral);
the point is a finding when it claims a problem at least as often as it states something is fine,
an observation when it praises, describes or rules a risk out, and a recommendation when it only
gives advice. Advice that names a concrete code element and says what to change is a finding.

Category: a stated type header or CWE id decides ("explicit beats inferred"); otherwise the
weighted cue phrases of the lexicon vote, the title's words counting twice.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from service.analysis.extract import extract_cwes, extract_severity, parse_severity
from service.analysis.lexicon import Lexicon, fold_value, load_lexicon
from service.analysis.model import Kind, Severity
from service.analysis.phrases import PhraseSet
from service.analysis.segment import Segment
from service.analysis.taxonomy import Category, Taxonomy, load_taxonomy

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[ \t]+(?=[A-Z`\"'(\[*])|\n+|;[ \t]+")
_CONSEQUENCE = re.compile(
    r",?\s(?:so\s+that|so|to\s+(?:prevent|avoid|protect|reduce|mitigate)|which\s+(?:could|can|may|might|"
    r"would|will)|leading\s+to|in\s+order\s+to|thereby)\s",
    re.IGNORECASE,
)
_POINTING_QUESTION = re.compile(
    r"^(?:should|can|could|would|shall|do|does|did|is|are|was|why|what|how|where|when|which|"
    r"isn't|aren't|doesn't|don't|shouldn't|wouldn't|will)\b.*\b(?:here|this|these|that|those|it|we|you)\b",
    re.IGNORECASE,
)
_CODE_SPAN = re.compile(r"`[^`\n]{1,200}`")
# A code span that calls or assigns, even with a slash in it (`pickle.loads(x)`, `shell=True`,
# `<div dangerouslySetInnerHTML={...} />`), that sets a configuration key (`privileged: true`),
# or that reaches into a name without one (`el.innerHTML`), rather than quoting a name, a
# string or a path (`'synchronize'`, `../views`).
_CALLS_OR_ASSIGNS = re.compile(r"`(?![\"'])[^`\n(=]*[(=][^`\n]*`")
_SETS_A_KEY = re.compile(r"`[\w.-]{1,60}:[ \t]")
_DECORATES = re.compile(r"`@[\w.]{1,80}")
# One code span turned into another asks for the change ("`yaml.load(...)` on the upload ->
# `yaml.safe_load`"); one name turned into another, the way a rename is asked for: "`usrNm` ->
# `userName`".
_CODE_ARROW = re.compile(r"`[^`\n]{1,200}`[^`\n]{0,60}[ \t](?:->|→|=>)[ \t]*`")
# A rename asked for in words: "`get_qs` could simply be named `get_project_queryset`", "`GetRpt`
# should be `GetReport`".
_RENAME_PHRASE = re.compile(
    r"`[A-Za-z_$][\w$]{0,60}(?:\(\))?`[^`\n]{0,60}[ \t](?:could|should|would|might)[ \t]+"
    r"(?:just[ \t]+|simply[ \t]+|probably[ \t]+)?(?:be[ \t]+)?"
    r"(?:named[ \t]+|called[ \t]+|renamed[ \t]+to[ \t]+)?"
    r"`[A-Za-z_$][\w$]{0,60}(?:\(\))?`"
)
_RENAME_ARROW = re.compile(r"`[A-Za-z_$][\w$]{0,60}`[ \t]*(?:->|→|=>)[ \t]*`[A-Za-z_$][\w$]{0,60}`")
# An imperative after a spaced dash asks for the change: "`tmp2` is hard to follow - rename it".
# Not a lexicon phrase: the phrase matcher files each fragment under its first word, and this one
# starts at a dash.
_DASH_IMPERATIVE = re.compile(
    r"[ \t](?:--|[\u2014\u2013-])[ \t]+(?:(?:please|pls)[ \t]+)?(?:rename|remove|delete|drop|"
    r"replace|switch|move|extract|add|return|wrap|pin|bump|mark|validate|escape|guard|cap|limit|"
    r"restrict|reject|revert|inline|split|strip|use)[ \t]+(?:it|them|this|that|the|to|with|a|an|`)",
    re.IGNORECASE,
)
_REACHES_INTO = re.compile(r"`(?![\"'])[^`/\n(=.]*\.[^`/\n]*`")
# The lookbehind starts the "but" alternative only where a run of spaces starts; without it a
# long run was tried from every space in it (quadratic; ~0.6 s per 6,000-space sentence).
_CONTRAST = re.compile(r"[,;]\s+(?:but|however|though|yet)\b,?\s*|(?<!\s)\s+but\s+", re.IGNORECASE)
READ_CHARS = 6000
"""How much of one point is read for its kind, category and severity (its lead decides)."""
_MARKER_CHARS = 80
"""Where a point's writer marks what it is about ("One thing unrelated to security: ...")."""
_TYPE_VALUE_CHARS = 60
_WORD_JOINERS = re.compile(r"[-_]+")
_STRUCTURED_ORIGINS = frozenset({"json", "yaml", "sections", "table"})
_ANSWER_ORIGINS = frozenset({"json", "yaml"})
"""Origins whose field labels are the answer's keys (a table's are its column headers)."""
_FIELD_LABEL = re.compile(r"[A-Za-z][\w -]{0,40}:[ \t]")
_LEADING_GROUPS = ("context_request", "hedge", "advice", "suggestion")
_KIND_GROUPS = (*_LEADING_GROUPS, "positive", "problem", "question")


@dataclass(frozen=True, slots=True)
class Classification:
    """What the classifier decided about one point."""

    kind: Kind
    category: Category
    severity: Severity
    cwe: tuple[str, ...]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each sentence (and list line) of plain text, without edge space.

    A break inside an inline code span is code (`include($_GET['p'] . '.php')`, `for (i = 0; i < n;
    i++)`), not the end of a sentence.
    """
    return _sentence_spans(text, code_spans(text))


def code_spans(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each inline code span of plain text, backticks included, in order."""
    return [m.span() for m in _CODE_SPAN.finditer(text)] if "`" in text else []


def _sentence_spans(text: str, code: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`sentence_spans` of a text whose code spans are already known."""
    spans: list[tuple[int, int]] = []
    position = 0
    cuts: Iterable[re.Match[str]] = _SENTENCE_BREAK.finditer(text)
    if code:
        code_starts = [start for start, _ in code]
        cuts = [cut for cut in cuts if _span_at(cut.start(), code, code_starts) is None]
    for cut in (*cuts, None):
        start, end = position, (cut.start() if cut else len(text))
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
        if cut is not None:
            position = cut.end()
    return spans


def _span_at(position: int, spans: list[tuple[int, int]], starts: list[int]) -> int | None:
    """The index of the sorted, disjoint span (`starts` are their starts) that `position` lies
    strictly inside, if any."""
    index = bisect_right(starts, position) - 1
    return index if index >= 0 and spans[index][0] < position < spans[index][1] else None


def sentences(text: str) -> list[str]:
    """Split plain text into sentences (and list lines) for the sentence-level cues."""
    return [text[start:end] for start, end in sentence_spans(text)]


@dataclass(frozen=True, slots=True)
class Reading:
    """One sentence as the classifier reads it: its kind group and its category cues."""

    text: str
    group: str | None
    cues: tuple[tuple[str, int, int, int], ...]
    """(category, weight, start, end) of every category cue in the sentence."""
    impact: bool
    code: tuple[tuple[int, int], ...]
    """`[start, end)` of each inline code span in the sentence."""


def read(sentence: str, lexicon: Lexicon) -> Reading:
    """Read one sentence in a single pass over its words."""
    return _reading(sentence, lexicon.reading.finditer(sentence), code_spans(sentence), lexicon)


def _reading(
    sentence: str,
    matches: Iterable[tuple[str, int, int]],
    code: list[tuple[int, int]],
    lexicon: Lexicon,
) -> Reading:
    """A sentence's reading from the phrase matches and code spans in it (offsets relative to
    the sentence)."""
    starts: dict[str, int] = {}
    after_turn: dict[str, int] = {}
    contrast = _CONTRAST.search(sentence)
    turn = contrast.end() if contrast else len(sentence) + 1
    cues: list[tuple[str, int, int, int]] = []
    summarises: bool | None = None
    describes_change: bool | None = None
    for group, start, end in matches:
        weighted = lexicon.category_weights.get(group)
        if weighted is not None:
            cues.append((weighted[0], weighted[1], start, end))
            continue
        if group in ("problem", "contrast") and start < turn:
            # A change summary names what the change removes; after a "but" it may object.
            if summarises is None:
                summarises = lexicon.change_summary.match(sentence) is not None
            if summarises:
                continue
        if group == "contrast":
            if describes_change is None:
                describes_change = lexicon.change_description.match(sentence) is not None
            if describes_change:
                continue
            group = "problem"
        starts.setdefault(group, start)
        if start >= turn and group != "impact":
            after_turn.setdefault(group, start - turn)
    if "suggestion" not in starts and _has_dash(sentence):
        imperative = _DASH_IMPERATIVE.search(sentence)
        if imperative is not None:
            starts["suggestion"] = imperative.start()
    impact = starts.get("impact") == 0
    # "X is fine, but ensure Y": the point is made after the turn.
    kind_group = _group(sentence[turn:], after_turn, lexicon) if after_turn else None
    if kind_group is None:
        kind_group = _group(sentence, starts, lexicon)
    if kind_group is None and code and _shows_unsafe_call(sentence, code, lexicon):
        kind_group = "problem"
    if len(code) > 1:
        rename = _RENAME_ARROW.search(sentence) or _RENAME_PHRASE.search(sentence)
        if rename is not None:
            cues.append(("naming", 3, rename.start(), rename.end()))
        if kind_group is None and (rename is not None or _CODE_ARROW.search(sentence)):
            kind_group = "problem"
    return Reading(sentence, kind_group, tuple(cues), impact, tuple(code))


def _has_dash(sentence: str) -> bool:
    """A cheap check before `_DASH_IMPERATIVE`: whether the sentence holds any dash at all."""
    return "-" in sentence or "\u2014" in sentence or "\u2013" in sentence


def _shows_unsafe_call(sentence: str, code: list[tuple[int, int]], lexicon: Lexicon) -> bool:
    """A neutral sentence that shows a call unsafe by default in a code span ("`os.popen('ping '
    + host)` with `host` from the query string") points at it, unless it describes the change
    ("Replaces `yaml.load` with `yaml.safe_load`")."""
    held = _spans_holding(sentence, code, lexicon.unsafe_code)
    if not held.get("dangerous_calls") and not _data_into_sink(sentence, code, held, lexicon):
        return False
    # The words around the code say whether it is the change ("`new Random()`" is code).
    return not lexicon.change_words.search(_outside_code(sentence, code))


def _data_into_sink(
    sentence: str, code: list[tuple[int, int]], held: dict[str, set[int]], lexicon: Lexicon
) -> bool:
    """Whether a code span holds both request data and a sink (`os.system(request.args[...])`).
    Sinks (`open(`, `fetch(`) are common, so they are looked for only beside request data."""
    with_data = held.get("request_data")
    if not with_data:
        return False
    sinks = _spans_holding(sentence, code, lexicon.request_sinks).get("request_sinks", set())
    return bool(with_data & sinks)


def _uses_an_api(text: str, span: tuple[int, int]) -> bool:
    """Whether a code span calls, assigns, sets a key, applies a decorator or reaches into
    something (`pickle.loads(x)`, `shell=True`, `privileged: true`, `@csrf_exempt`,
    `el.innerHTML`) rather than quoting a name, a string or a path."""
    return bool(
        _CALLS_OR_ASSIGNS.match(text, *span)
        or _REACHES_INTO.match(text, *span)
        or _SETS_A_KEY.match(text, *span)
        or _DECORATES.match(text, *span)
    )


def _names_the_defect(text: str, span: tuple[int, int], cue: tuple[int, int]) -> bool:
    """Whether a code span holding a strong cue names the defect: it uses an API, or the cue
    fills it and is written as a setting or a constant is (`tls_insecure_skip_verify`,
    `SSL_VERIFY_NONE`), not as a bare module name (`pickle`)."""
    if _uses_an_api(text, span):
        return True
    start, end = cue
    if end - start < span[1] - span[0] - 2:
        return False
    named = text[start:end]
    return "_" in named or not named.islower()


def _spans_holding(
    sentence: str, code: list[tuple[int, int]], phrases: PhraseSet
) -> dict[str, set[int]]:
    """Per phrase group, the indexes of the code spans a match of it starts in."""
    starts = [start for start, _ in code]
    held: dict[str, set[int]] = {}
    for group, position, _ in phrases.finditer(sentence):
        index = _span_at(position, code, starts)
        if index is not None:
            held.setdefault(group, set()).add(index)
    return held


def _outside_code(text: str, code: list[tuple[int, int]]) -> str:
    """The text with each code span replaced by one space."""
    pieces, position = [], 0
    for start, end in code:
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    return " ".join(pieces)


def sentence_group(sentence: str, lexicon: Lexicon) -> str | None:
    """Which kind group a sentence belongs to, or None when it is neutral."""
    return read(sentence, lexicon).group


def _group(sentence: str, starts: dict[str, int], lexicon: Lexicon) -> str | None:
    """Requests for context, hedges, advice and suggestions take precedence; between a positive
    statement and a problem claim, the one the sentence makes first wins ("no indication of
    misconfiguration" vs "is not initialised, so subscribers have no indication")."""
    for group in _LEADING_GROUPS:
        if group in starts:
            if (
                group == "advice"
                and _specific_change(sentence, lexicon)
                and "generic_goal" not in starts
            ):
                return "problem"
            if group == "suggestion":
                if starts.get("positive") == starts["suggestion"]:
                    # Praise for what the change uses ("Using `stream.pipeline` makes the
                    # backpressure easy to follow") opens the way a suggestion does.
                    return "positive"
                specific = _specific_change(sentence, lexicon) or lexicon.deictic.search(sentence)
                return "problem" if specific or "problem" in starts else "suggestion"
            return group
    positive = starts.get("positive")
    problem = starts.get("problem")
    if positive is not None and (problem is None or positive <= problem):
        return "positive"
    if problem is not None:
        return "problem"
    if _specific_question(sentence, lexicon):
        return "question"
    return None


def _specific_change(sentence: str, lexicon: Lexicon) -> bool:
    """Advice aimed at a named element of this code ("Consider using `X` instead of `Y`").

    A named element is a code span, a file name or a call; a bare line number is not enough
    ("as seen on line 55, proper mocking is essential" is still general advice).
    """
    return lexicon.named_element.search(sentence) is not None


def _specific_question(sentence: str, lexicon: Lexicon) -> bool:
    """A question about this code ("What is the `treeStore`?", "Should we exclude X here?")."""
    if "?" not in sentence:
        return False
    return bool(lexicon.named_element.search(sentence) or _POINTING_QUESTION.search(sentence))


def readings(segment: Segment, lexicon: Lexicon) -> list[Reading]:
    """Each sentence of a point, read; the phrase matcher passes over the text once."""
    text = segment.text[:READ_CHARS]
    code = code_spans(text)
    spans = _sentence_spans(text, code)
    if not spans:
        return []
    starts = [start for start, _ in spans]
    buckets: list[list[tuple[str, int, int]]] = [[] for _ in spans]
    for group, start, end in lexicon.reading.finditer(text, starts):
        index = bisect_right(starts, start) - 1
        if index >= 0 and start < spans[index][1]:
            offset = starts[index]
            buckets[index].append((group, start - offset, end - offset))
    code_in: list[list[tuple[int, int]]] = [[] for _ in spans]
    for start, end in code:
        # Sentences never end inside a code span, so each span lies in at most one sentence.
        index = bisect_right(starts, start) - 1
        if index >= 0 and end <= spans[index][1]:
            offset = starts[index]
            code_in[index].append((start - offset, end - offset))
    return [
        _reading(text[start:end], bucket, spans_in, lexicon)
        for (start, end), bucket, spans_in in zip(spans, buckets, code_in, strict=True)
    ]


def decide_kind(
    segment: Segment,
    stated: bool,
    lexicon: Lexicon,
    sentences_read: list[Reading] | None = None,
) -> Kind:
    """Kind of a point from the mix of its sentences (the title counts only as a tie-breaker)."""
    if segment.origin == "suggestion":
        # A suggested-change block is the change itself; its words are code or copy, not praise.
        return Kind.FINDING
    counts = dict.fromkeys(_KIND_GROUPS, 0)
    if sentences_read is None:
        sentences_read = readings(segment, lexicon)
    for reading in sentences_read:
        if reading.group:
            counts[reading.group] += 1
    if counts["context_request"] and counts["problem"]:
        # A problem asked about while asking for context ("Is `sync.sh` ever run as root? Want
        # to understand the context first.") is a question, not a claim.
        asked = sum(1 for r in sentences_read if r.group == "problem" and r.text.endswith("?"))
        counts["problem"] -= asked
        counts["question"] += asked
    if counts["suggestion"] and lexicon.named_element.search(segment.text[:READ_CHARS]):
        # A suggestion in a point that names an element of this code is aimed at it.
        counts["problem"] += counts["suggestion"]
    if not (counts["context_request"] or counts["hedge"]):
        # A question about this code points at it, unless the point says the reviewer cannot
        # see enough and asks for context ("Is it behind the auth middleware? Could you share
        # the router setup?").
        counts["problem"] += counts["question"]
    if not any(counts.values()) and segment.title:
        group = sentence_group(segment.title, lexicon)
        if group:
            counts[group] += 1
    if lexicon.change_tag.match(segment.text[:80]) and counts["positive"] == 0:
        return Kind.FINDING
    if counts["problem"]:
        return Kind.FINDING
    if counts["positive"]:
        return Kind.OBSERVATION
    if stated or segment.origin in _STRUCTURED_ORIGINS or segment.field("suggestion") is not None:
        return Kind.FINDING
    # General advice or a conditional caveat given alongside a request for context ("I can't
    # assess this without the router. As general guidance: validate every input."; "If
    # `return_to` can ever come from the query string, check it. I can't tell from this diff.")
    # is still advice.
    if counts["context_request"] and (
        counts["advice"] or any(_conditional_caveat(r) for r in sentences_read)
    ):
        return Kind.RECOMMENDATION
    # A question the point cannot answer without more context ("Is it behind the gateway? Hard
    # to judge without knowing that.") asks for context, like an explicit request.
    if counts["context_request"] or (counts["question"] and not counts["problem"]):
        return Kind.OBSERVATION
    if counts["advice"] or counts["suggestion"] or counts["hedge"]:
        return Kind.RECOMMENDATION
    return Kind.OBSERVATION


def _conditional_caveat(reading: Reading) -> bool:
    """A hedge made as a condition ("If `return_to` can ever be set from the query string, it
    should be checked"), unlike one that says what the writer cannot see ("without seeing")."""
    return reading.group == "hedge" and reading.text[:3].lower() == "if "


def _cue_scores(
    segment: Segment, lexicon: Lexicon, sentences_read: list[Reading] | None = None
) -> dict[str, tuple[float, int]]:
    """Per category: the weighted cue total and the strongest single cue that matched.

    What a problem is gets said first; its impact and the advice come after and often name
    other defect classes. So the title counts twice, a point's first sentence one and a half
    times, advice and impact sentences ("If left unresolved, ...") half, and so does a
    consequence clause ("..., so that an injection has limited impact"). A cue inside a code
    span is part of a name (`self.admin_api`), not a claim, and counts half, unless it is a
    strong cue in a span that uses an API (`pickle.loads(blob)`) or that it fills
    (`tls_insecure_skip_verify`): that names the defect.
    """
    if sentences_read is None:
        sentences_read = readings(segment, lexicon)
    weighted: list[tuple[Reading, float]] = []
    if segment.title:
        weighted.append((read(segment.title, lexicon), 2.0))
    lead = 1.5 if len(sentences_read) > 1 else 1.0
    for index, reading in enumerate(sentences_read):
        factor = lead if index == 0 else 1.0
        if reading.group in ("advice", "suggestion") or reading.impact:
            factor = 0.5
        weighted.append((reading, factor))
    totals: dict[str, float] = {}
    strongest: dict[str, int] = {}
    for reading, factor in weighted:
        if not reading.cues:
            continue
        text = reading.text
        consequence = _CONSEQUENCE.search(text)
        turn = consequence.start() if consequence and consequence.start() > 0 else len(text)
        # The keys of a JSON/YAML answer are its structure ("resource: WorkerRole"), not claims;
        # a table's column header says what its cells are ("Package: lodash") and still counts.
        label = _FIELD_LABEL.match(text) if segment.origin in _ANSWER_ORIGINS else None
        for category, weight, start, end in reading.cues:
            if label is not None and start < label.end():
                continue
            share = factor / 2 if start >= turn else factor
            span = next(((a, b) for a, b in reading.code if a <= start < b), None)
            if span is not None and not (
                weight >= 3 and _names_the_defect(text, span, (start, end))
            ):
                share /= 2
            totals[category] = totals.get(category, 0.0) + weight * share
            strongest[category] = max(strongest.get(category, 0), weight)
    return {category: (total, strongest[category]) for category, total in totals.items()}


def _stated_type(segment: Segment, lexicon: Lexicon, taxonomy: Taxonomy) -> list[Category]:
    """Categories allowed by a stated defect type ("Security type: Concurrency"), if any."""
    for label, value in segment.fields:
        if label not in lexicon.type_fields and label not in lexicon.category_fields:
            continue
        folded = fold_value(value)
        broad = taxonomy.by_securereviewer_type.get(folded)
        if broad is not None:
            return [c for c in taxonomy.categories if c.securereviewer == broad.securereviewer]
        if folded in taxonomy.by_id:
            return [taxonomy.by_id[folded]]
        named = _named_class(folded, lexicon, taxonomy)
        if named is not None:
            return [named]
    return []


def _named_class(value: str, lexicon: Lexicon, taxonomy: Taxonomy) -> Category | None:
    """The category a short type value names in its own words ("denial-of-service",
    "compromised-third-party-action"): the one its strongest cue points to, when that cue is
    strong and no other category's is as strong ("style", a weak cue, names none)."""
    if len(value) > _TYPE_VALUE_CHARS:
        return None
    cues = read(_WORD_JOINERS.sub(" ", value), lexicon).cues
    if not cues:
        return None
    category, weight, _, _ = max(cues, key=lambda cue: cue[1])
    if weight < 2 or any(cue[1] == weight and cue[0] != category for cue in cues):
        return None
    return taxonomy.by_id.get(category)


def decide_category(
    segment: Segment,
    cwes: tuple[str, ...],
    lexicon: Lexicon,
    taxonomy: Taxonomy,
    sentences_read: list[Reading] | None = None,
) -> Category:
    """Category of a point: a CWE id or a stated type first, then the cue vote; a point its
    writer sets apart from security takes a quality category."""
    allowed = _stated_type(segment, lexicon, taxonomy)
    if not allowed and not cwes and _apart_from_security(segment, lexicon):
        return _quality_category(_cue_scores(segment, lexicon, sentences_read), taxonomy)
    for cwe in cwes:
        category = taxonomy.for_cwe(cwe)
        if category is not None and (not allowed or category in allowed):
            return category
    scores = _cue_scores(segment, lexicon, sentences_read)
    best = _highest_scored(scores, allowed, taxonomy)
    if segment.origin == "suggestion" and best.security and scores.get(best.id, (0, 0))[1] < 3:
        # A bare suggested change is code; only a named defect class makes it a security point.
        return taxonomy.get("quality-other")
    if best.id in scores or allowed:
        return best
    text = f"{segment.title or ''} {segment.text[:READ_CHARS]}"
    fallback = "security-other" if lexicon.security_generic.search(text) else "quality-other"
    return taxonomy.get(fallback)


def _apart_from_security(segment: Segment, lexicon: Lexicon) -> bool:
    """Whether the writer set a point apart from security: by its section ("### Code quality")
    or by saying so at its start ("Unrelated to security: ...")."""
    return segment.aside or lexicon.not_security.search(segment.text[:_MARKER_CHARS]) is not None


def _quality_category(scores: dict[str, tuple[float, int]], taxonomy: Taxonomy) -> Category:
    """The highest-scored category of the quality family, or `quality-other`."""
    quality = [c for c in taxonomy.categories if not c.security and c.id in scores]
    return _highest_scored(scores, quality, taxonomy) if quality else taxonomy.get("quality-other")


def _highest_scored(
    scores: dict[str, tuple[float, int]], allowed: list[Category], taxonomy: Taxonomy
) -> Category:
    """The allowed category with the highest (total, strongest cue), the earlier one on a tie;
    with no allowed category scored, the first allowed one (or the taxonomy's first)."""
    allowed_ids = {c.id for c in allowed}
    pool = [cid for cid in scores if not allowed or cid in allowed_ids]
    if not pool:
        return allowed[0] if allowed else taxonomy.categories[0]
    position = taxonomy.position
    return taxonomy.by_id[max(pool, key=lambda cid: (scores[cid], -position[cid]))]


def _stated_severity(segment: Segment, raw: str, lexicon: Lexicon) -> Severity | None:
    """A severity field of a structured answer, else one the point's text states."""
    for label, value in segment.fields:
        if label in lexicon.severity_fields:
            parsed = parse_severity(value)
            if parsed is not None:
                return parsed
    return extract_severity(raw[:READ_CHARS])


def classify(segment: Segment, raw: str) -> Classification:
    """Classify one point; `raw` is its text as written (with markup) for stated facts."""
    lexicon = load_lexicon()
    taxonomy = load_taxonomy()
    field_text = " ".join(value for _, value in segment.fields)
    cwes = extract_cwes(f"{raw}\n{field_text}") if segment.fields else extract_cwes(raw)
    stated_severity = _stated_severity(segment, raw, lexicon)
    sentences_read = readings(segment, lexicon)
    stated = bool(cwes) or stated_severity not in (None, Severity.INFO)
    kind = decide_kind(segment, stated, lexicon, sentences_read)
    category = decide_category(segment, cwes, lexicon, taxonomy, sentences_read)
    if kind is Kind.FINDING and category.security and not cwes and category.cwe:
        cwes = (category.cwe[0],)
    if stated_severity is not None:
        severity = stated_severity
    elif kind is Kind.FINDING:
        severity = (
            Severity.LOW if lexicon.nit_tag.match(segment.text[:80]) else category.default_severity
        )
    else:
        severity = Severity.INFO
    return Classification(kind, category, severity, cwes)
