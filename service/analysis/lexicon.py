"""The lexicon: phrase lists from `data/lexicon.yaml`, compiled once into regular expressions."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from service.analysis.phrases import PhraseSet, phrase_pattern


def _named_element(product_names: list[str]) -> re.Pattern[str]:
    """A named element of the reviewed code: a code span, a quoted identifier, a file name, a
    call, or an identifier spelled the way only code spells words (camelCase, snake_case, a.b
    member). Products spelled in camel case ("JavaScript", "WebViews") are words, not names."""
    products = "|".join(sorted(product_names, key=len, reverse=True))
    return re.compile(
        # Runs before a delimiter their class cannot match are possessive (`{m,n}+`): giving
        # characters back could never let the delimiter match, so the result is the same and a
        # failed attempt costs one pass instead of one per character.
        r"`[^`\n]{1,200}`"
        r"|\"[\w.?$\[\]()<>:/-]{2,80}\""
        r"|\b(?:[\w-]{1,80}+\.(?:py|js|jsx|ts|tsx|go|java|rb|c|h|cpp|cs|php|rs|kt|swift|sh|"
        r"ya?ml|json|sql|html|css|scss|vue|xml|toml|gradle|md)\b"
        r"|\w{1,60}+\(\)"
        r"|[a-z][a-z0-9]{1,30}+[A-Z][A-Za-z0-9]{1,40}\b"
        # The upper-case guard keeps the product check off every other position.
        rf"|(?=[A-Z])(?!(?:{products})\b)"
        r"[A-Z][a-z0-9]{1,20}+[A-Z][a-z0-9]{1,20}+[A-Z]?[A-Za-z0-9]{0,30}\b"
        r"|[a-z][a-z0-9]{0,30}+_[a-z0-9_]{1,40}\b"
        r"|[a-z]\w{0,30}+\.[a-z]\w{1,40}+\()",
    )


TAG_LISTS = ("deictic", "nit_tags", "change_tags", "bracket_tags")
"""Lists under `kind` that are read as their own patterns, not as phrase groups."""
_UNSAFE_CODE_GROUPS = ("dangerous_calls", "request_data")
VERDICT_LEAD_WINDOW = 80
"""How far before a verdict phrase a cancelling phrase is looked for."""


def fold_value(value: str) -> str:
    """A field's value for comparing with the lexicon: lower case, single spaces, no end dot."""
    return " ".join(value.lower().split()).strip(" .")


def _fold_title(title: str) -> str:
    return " ".join(title.lower().replace("`", "").split()).strip(" :.-")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the analyzer knows about review language, compiled."""

    field_labels: frozenset[str]
    title_fields: frozenset[str]
    type_fields: frozenset[str]
    category_fields: frozenset[str]
    severity_fields: frozenset[str]
    security_section_titles: frozenset[str]
    record_fields: frozenset[str]
    finding_list_keys: frozenset[str]
    verdict_fields: frozenset[str]
    yes_no_fields: frozenset[str]
    """Verdict fields answered yes or no ("security_concerns": "No")."""
    no_issue_values: frozenset[str]
    yes_values: frozenset[str]
    section_label: re.Pattern[str]
    framing_title: re.Pattern[str]
    closing_title: re.Pattern[str]
    scope_title: re.Pattern[str]
    """Closing headings that list what was checked ("What I checked"): never the findings."""
    point_section_title: re.Pattern[str]
    quality_section_title: re.Pattern[str]
    aside_section_title: re.Pattern[str]
    framing_paragraph: re.Pattern[str]
    """How a framing paragraph opens (matched at its start: every pattern is anchored)."""
    deictic: re.Pattern[str]
    nit_tag: re.Pattern[str]
    """A lead tag that marks a small change ("nit:"): a finding of low severity."""
    change_tag: re.Pattern[str]
    """A lead tag that marks a requested change of any size ("nit:", "blocking:", "todo:")."""
    verdict_phrases: PhraseSet
    """Global verdict statements, in the groups `no_defects` and `defects_found`."""
    not_a_verdict: re.Pattern[str]
    verdict_triggers: re.Pattern[str]
    """Any one of the words every verdict statement holds (matched as substrings)."""
    hedged_phrases: PhraseSet
    dangling_words: frozenset[str]
    category_weights: dict[str, tuple[str, int]]
    reading: PhraseSet
    """Kind groups, category cues ("category:weight") and impact openers, read in one pass."""
    security_generic: re.Pattern[str]
    unsafe_code: PhraseSet
    """Read inside code spans, in the groups `dangerous_calls` (unsafe by default) and
    `request_data` (unsafe when a request sink is in the same span)."""
    request_sinks: PhraseSet
    """Calls unsafe with request data in one span; read only where request data is."""
    change_words: re.Pattern[str]
    """Words that say a sentence describes the change under review."""
    change_description: re.Pattern[str]
    """A sentence opening that says what the change under review does ("This PR adds")."""
    change_summary: re.Pattern[str]
    """A sentence that summarises the change with a bare verb ("Drops the unused `x` line")."""
    named_element: re.Pattern[str]
    """A name from the reviewed code (a code span, a file, a call, a camelCase identifier)."""
    not_security: re.Pattern[str]
    """A point the writer says is not about security ("One thing unrelated to security: ...")."""

    def may_state_verdict(self, text: str) -> bool:
        """Whether `text` holds a word every verdict statement needs (a cheap pre-check)."""
        return self.verdict_triggers.search(text.lower()) is not None

    def cancels_verdict(self, sentence: str, match_start: int) -> bool:
        """Whether the words just before a verdict phrase take it back ("I could not confirm
        that", "whether")."""
        lead = sentence[max(0, match_start - VERDICT_LEAD_WINDOW) : match_start]
        return self.not_a_verdict.search(lead) is not None

    def is_framing_title(self, title: str) -> bool:
        """Whether a heading names an introduction, summary or conclusion, not a point."""
        return self.framing_title.fullmatch(_fold_title(title)) is not None

    def is_point_section_title(self, title: str) -> bool:
        """Whether a framing heading holds the review's points ("Findings", "Review of `x`")."""
        return self.point_section_title.fullmatch(_fold_title(title)) is not None

    def is_quality_section_title(self, title: str) -> bool:
        """Whether a heading titles a section about code quality ("Code quality", "Nits")."""
        return self.quality_section_title.fullmatch(_fold_title(title)) is not None

    def is_aside_section_title(self, title: str) -> bool:
        """Whether a heading titles the review's remaining points ("Other", "Suggestions")."""
        return self.aside_section_title.fullmatch(_fold_title(title)) is not None

    def is_scope_title(self, title: str) -> bool:
        """Whether a heading titles a list of what was checked."""
        return self.scope_title.fullmatch(_fold_title(title)) is not None

    def is_closing_title(self, title: str) -> bool:
        """Whether a heading names a conclusion or summary (its lists restate, not add)."""
        return self.closing_title.fullmatch(_fold_title(title)) is not None

    def is_framing_paragraph(self, text: str) -> bool:
        """Whether a paragraph is a lead-in or a wrap-up rather than a point.

        A lead-in is one short sentence ending in a colon that names nothing in the code
        ("I found two issues:"); "Change `x` to:" introduces a concrete change instead, unless
        it opens the way lead-ins do ("Here is my review of `Auth.kt`:").
        """
        folded = " ".join(text[:400].lower().split())
        if self.framing_paragraph.match(folded) is not None:
            return True
        short = len(text) <= 400 and len(folded.split()) <= 20
        return short and folded.endswith(":") and "`" not in folded


def _opening(fragments: list[str]) -> list[str]:
    """Fragments that must match where the text starts, without their `^`: matched with
    `match`, an alternation of them is tried once instead of at every position."""
    if not all(str(fragment).startswith("^") for fragment in fragments):
        raise ValueError("every framing paragraph pattern must start with ^")
    return [str(fragment)[1:] for fragment in fragments]


def _labels(values: list[Any]) -> frozenset[str]:
    return frozenset(str(v).strip().lower() for v in values)


def _alternatives(patterns: list[Any]) -> re.Pattern[str]:
    """One pattern matching any of `patterns` (heading titles, matched whole)."""
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


def _section_pattern(labels: frozenset[str]) -> re.Pattern[str]:
    names = "|".join(
        re.escape(label).replace(r"\ ", r"[ \t_-]+")
        for label in sorted(labels, key=len, reverse=True)
    )
    return re.compile(
        rf"^[ \t]*(?:\*\*|__)?(?P<label>{names})(?:\*\*|__)?[ \t]*:(?:\*\*|__)?[ \t]*",
        re.IGNORECASE | re.MULTILINE,
    )


def _lead_tag(tags: list[str], bracketed: list[str]) -> re.Pattern[str]:
    """A review tag that opens a point: "nit:", "**Minor**:", "blocking -", "todo (later):",
    or a bracketed one: "[nit]", "[SECURITY]"."""
    return re.compile(
        r"\A[ \t]*(?:\*\*|__)?(?:(?:(?:one|small|minor|a|tiny)[ \t]+)?(?:"
        + "|".join(tags)
        + r")\b(?:[ \t]*\([\w ,-]{1,40}\))?[ \t]*(?:\*\*)?[:\-]|\[(?:"
        + "|".join(bracketed)
        + r")\])",
        re.IGNORECASE,
    )


def parse_lexicon(doc: dict[str, Any]) -> Lexicon:
    """Compile the parsed YAML lexicon document."""
    field_labels = _labels(doc["field_labels"])
    kind_groups = {
        name: [str(f) for f in frags]
        for name, frags in doc["kind"].items()
        if name not in TAG_LISTS
    }
    category_groups = {
        f"{category}:{weight}": [str(f) for f in fragments]
        for category, by_weight in doc["categories"].items()
        for weight, fragments in by_weight.items()
        if fragments
    }
    category_weights = {
        f"{category}:{weight}": (category, int(weight))
        for category, by_weight in doc["categories"].items()
        for weight in by_weight
    }
    reading = PhraseSet(
        {**kind_groups, **category_groups, "impact": [str(f) for f in doc["impact_sentences"]]}
    )
    verdict = doc["verdict"]
    nit_tags = [str(tag) for tag in doc["kind"]["nit_tags"]]
    change_tags = [*nit_tags, *(str(tag) for tag in doc["kind"]["change_tags"])]
    return Lexicon(
        field_labels=field_labels,
        title_fields=_labels(doc["title_fields"]),
        type_fields=_labels(doc["type_fields"]),
        category_fields=_labels(doc["category_fields"]),
        severity_fields=_labels(doc["severity_fields"]),
        security_section_titles=_labels(doc["security_section_titles"]),
        record_fields=_labels(doc["record_fields"]),
        finding_list_keys=_labels(doc["finding_list_keys"]),
        verdict_fields=_labels(doc["verdict_fields"]) | _labels(doc["yes_no_fields"]),
        yes_no_fields=_labels(doc["yes_no_fields"]),
        no_issue_values=_labels(doc["no_issue_values"]),
        yes_values=_labels(doc["yes_values"]),
        section_label=_section_pattern(field_labels | _labels(doc["type_fields"])),
        framing_title=re.compile("|".join(f"(?:{f})" for f in doc["framing_titles"])),
        closing_title=re.compile(
            "|".join(f"(?:{f})" for f in (*doc["closing_titles"], *doc["scope_titles"]))
        ),
        scope_title=re.compile("|".join(f"(?:{f})" for f in doc["scope_titles"])),
        point_section_title=_alternatives(doc["point_section_titles"]),
        quality_section_title=_alternatives(doc["quality_section_titles"]),
        aside_section_title=_alternatives(doc["aside_section_titles"]),
        framing_paragraph=phrase_pattern(_opening(doc["framing_paragraphs"])),
        deictic=phrase_pattern(doc["kind"]["deictic"]),
        nit_tag=_lead_tag(nit_tags, nit_tags),
        change_tag=_lead_tag(change_tags, [*change_tags, *doc["kind"]["bracket_tags"]]),
        verdict_phrases=PhraseSet(
            {"no_defects": verdict["no_defects"], "defects_found": verdict["defects_found"]}
        ),
        not_a_verdict=phrase_pattern(verdict["not_a_verdict"]),
        verdict_triggers=re.compile(
            "|".join(re.escape(str(word).lower()) for word in verdict["trigger_words"])
        ),
        hedged_phrases=PhraseSet({"hedged": [str(f) for f in doc["hedged"]]}),
        dangling_words=_labels(doc["dangling_words"]),
        category_weights=category_weights,
        reading=reading,
        security_generic=phrase_pattern(doc["security_generic_words"]),
        unsafe_code=PhraseSet({group: doc[group] for group in _UNSAFE_CODE_GROUPS}),
        request_sinks=PhraseSet({"request_sinks": doc["request_sinks"]}),
        change_words=phrase_pattern(doc["change_words"]),
        change_description=phrase_pattern(doc["change_description"]),
        change_summary=phrase_pattern(doc["change_summary"]),
        named_element=_named_element([str(name) for name in doc["product_names"]]),
        not_security=phrase_pattern(doc["not_security"]),
    )


@functools.cache
def load_lexicon() -> Lexicon:
    """Return the packaged lexicon (compiled once per process)."""
    text = resources.files("service.analysis").joinpath("data/lexicon.yaml").read_text("utf-8")
    return parse_lexicon(yaml.safe_load(text))
