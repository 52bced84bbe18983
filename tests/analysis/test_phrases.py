"""The word-indexed phrase matcher must find what a plain regex alternation finds."""

from __future__ import annotations

import json
import re

import pytest
from support.corpus import DATA_DIR
from support.lexicon import fragments as all_fragments
from support.lexicon import lexicon_document

from service.analysis.lexicon import TAG_LISTS, load_lexicon
from service.analysis.phrases import (
    PhraseSet,
    leading_words,
    literal_prefix,
    non_capturing,
    phrase_pattern,
)


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("sql\\s+injection", [("sql", False)]),
        ("validat\\w+", [("validat", True)]),
        ("(missing|lack\\s+of)\\s+validation", [("missing", False), ("lack", False)]),
        ("passwords?", [("password", False), ("passwords", False)]),
        ("polic(y|ies)", [("policy", False), ("policies", False)]),
        ("it('s|\\s+is)\\s+important", [("it", False)]),
        ("(ivs?|nonce)\\s+reuse", [("iv", False), ("ivs", False), ("nonce", False)]),
        ("(a|b)c\\b", [("ac", False), ("bc", False)]),
        ("foo|bar", [("foo", False), ("bar", False)]),
        ("hard-?coded", [("hard", True)]),
        ("(ab)+c", None),
        ("(\\w+\\s+)?overflow", None),
        ("^ensure", None),
        ("\\.\\./", None),
        ("ab\\w*", None),
    ],
)
def test_leading_words(fragment: str, expected: list[tuple[str, bool]] | None) -> None:
    leads = leading_words(fragment)
    words = None if leads is None else list(dict.fromkeys((lead.text, lead.stem) for lead in leads))
    assert words == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("sql\\s+injection", {("sql", "\\s+injection")}),
        ("it('s|\\s+is)\\s+important", {("it", "'s\\s+important"), ("it", "\\s+is\\s+important")}),
        (
            "(ivs?|nonce)\\s+reuse",
            {("iv", "\\s+reuse"), ("ivs", "\\s+reuse"), ("nonce", "\\s+reuse")},
        ),
        ("SKIPS\\s+\\S+", {("skips", "\\s+\\S+")}),
        ("hard-?coded", {("hard", None)}),
    ],
)
def test_an_exact_lead_word_keeps_what_must_follow_it(
    fragment: str, expected: set[tuple[str, str | None]]
) -> None:
    # The rest keeps its case: "\\S" is not "\\s".
    leads = leading_words(fragment)
    assert leads is not None
    assert {(lead.text, lead.rest) for lead in leads} == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("(a|b)c", "(?:a|b)c"),
        ("(?:a)(?P<n>b)(c)", "(?:a)(?P<n>b)(?:c)"),
        ("\\((a)", "\\((?:a)"),
        ("[(]x(y)", "[(]x(?:y)"),
        ("[]()](z)", "[]()](?:z)"),
        ("[^](]w(q)", "[^](]w(?:q)"),
        ("[\\]()](d)", "[\\]()](?:d)"),
    ],
)
def test_capturing_groups_become_non_capturing(source: str, expected: str) -> None:
    assert non_capturing(source) == expected
    assert re.compile(expected).groups == expected.count("(?P<")


def test_fragments_sharing_a_lead_word_match_only_where_they_go_on() -> None:
    phrases = PhraseSet({"a": ["the\\s+code\\s+is\\s+unsafe"], "b": ["the\\s+end"]})
    assert phrases.finditer("The code is fine. The end.") == [("b", 18, 25)]
    assert phrases.finditer("THE CODE IS UNSAFE") == [("a", 0, 18)]


TEXTS = [
    "The `name` is concatenated into the SQL string; an attacker gets SQL injection (CWE-89).",
    "Unused imports: `os` is never used. Validation is missing, so inputs are not validated.",
    "A race condition in `cache.put()`: two threads can deadlock; use a lock or ConcurrentHashMap.",
    "Passwords are hashed with MD5 and a predictable salt; use argon2 or bcrypt instead.",
    "The ../../etc/passwd path escapes the upload directory via os.path.join(UPLOAD_DIR, name).",
]


@pytest.mark.parametrize("text", TEXTS)
def test_category_matches_agree_with_a_plain_alternation(text: str) -> None:
    """Every cue the word-indexed matcher finds, a plain regex over the same group finds too."""
    lexicon = load_lexicon()
    doc = lexicon_document()
    found = [
        (group, start)
        for group, start, _ in lexicon.reading.finditer(text)
        if group in lexicon.category_weights
    ]
    assert found, "every sample names at least one cue"
    for group, start in found:
        category, weight = lexicon.category_weights[group]
        plain = phrase_pattern([str(f) for f in doc["categories"][category][weight]])
        assert plain.match(text, start), (group, text[start : start + 30])


def test_a_phrase_set_finds_the_same_words_as_the_regex() -> None:
    fragments = ["sql\\s+injection", "inject\\w*", "(missing|no)\\s+checks?", "\\|safe", "^why\\b"]
    phrases = PhraseSet({"g": fragments})
    regex = phrase_pattern(fragments)
    for text in ["Why is there no check? SQL injection via |safe, injected twice", "why not"]:
        expected = [m.start() for m in regex.finditer(text)]
        assert [s for _, s, _ in phrases.finditer(text)] == expected


def test_a_fragment_ending_in_a_class_of_symbols_needs_no_word_boundary_after_it() -> None:
    # "use `" is followed by the quoted name: a boundary after the quote would need a symbol.
    phrases = PhraseSet({"g": ["use\\s+[`'\"]"]})
    assert phrases.finditer("Please use `Path` here") == [("g", 7, 12)]
    assert phrase_pattern(["use\\s+[`'\"]"]).search("Please use `Path` here") is not None


def test_a_fragment_opening_with_an_optional_group_is_filed_under_both_starts() -> None:
    fragment = "(i\\s+)?(did\\s+not|didn't)\\s+find"
    leads = leading_words(fragment)
    assert leads is not None
    assert {lead.text for lead in leads} == {"i", "did", "didn"}
    phrases = PhraseSet({"g": [fragment]})
    text = "I did not find it; we didn't find it"
    expected = [("g", *m.span()) for m in phrase_pattern([fragment]).finditer(text)]
    assert len(expected) == 2
    assert phrases.finditer(text) == expected
    assert phrases.first(text) == {"g": 0}
    assert phrases.first("nothing here") == {}


def test_matches_within_a_group_do_not_overlap() -> None:
    phrases = PhraseSet({"g": ["sql\\s+injection", "injection"]})
    assert [(s, e) for _, s, e in phrases.finditer("sql injection")] == [(0, 13)]


@pytest.mark.parametrize(
    "text",
    [
        "Why is there no check? SQL injection via |safe, injected twice",
        # "İ" lower-cases to two characters, so this text is scanned without lower-casing.
        "İstanbul: WHY is there NO CHECK? Sql Injection via |SAFE, INJECTED twice",
    ],
)
def test_matching_ignores_case_and_keeps_offsets(text: str) -> None:
    fragments = ["sql\\s+injection", "inject\\w*", "(missing|no)\\s+checks?", "\\|safe"]
    phrases = PhraseSet({"g": fragments})
    regex = phrase_pattern(fragments)
    expected = [m.span() for m in regex.finditer(text)]
    assert [(s, e) for _, s, e in phrases.finditer(text)] == expected


def test_groups_sharing_a_lead_word_all_match_there() -> None:
    phrases = PhraseSet({"a": ["is\\s+not\\s+validated"], "b": ["is\\s+not"], "c": ["is\\s+fine"]})
    assert phrases.finditer("It is not validated") == [("a", 3, 19), ("b", 3, 9)]


@pytest.mark.parametrize(
    ("fragment", "prefix"),
    [
        ("\\|safe", "|safe"),
        ("\\.\\./", "../"),
        ("0o?777", "0"),
        ("%n", "%n"),
        ("\\bSQL\\s+injection", "sql"),
        ("`[^`\\n]{1,80}`", "`"),
        ("\\d+", ""),
        ("(a|b)c", ""),
    ],
)
def test_a_fallback_fragment_is_only_scanned_for_when_its_literal_start_occurs(
    fragment: str, prefix: str
) -> None:
    assert literal_prefix(fragment) == prefix


def test_a_fallback_group_without_its_literal_start_in_the_text_is_skipped() -> None:
    phrases = PhraseSet({"g": ["\\|safe", "\\.\\./"]})
    assert phrases.finditer("no such thing here") == []
    assert phrases.finditer("uses ../x and |SAFE") == [("g", 5, 8), ("g", 14, 19)]


def test_every_lexicon_fragment_is_free_of_nested_quantifiers() -> None:
    # A quantified group that itself ends in a quantifier ("(a+)+", "(\\w+\\s+)*\\w+") is the
    # shape of catastrophic backtracking; the lexicon keeps group repetition bounded ({0,n}) or
    # optional (?).
    nested = re.compile(r"\([^()]*[+*]\)[+*]")
    doc = lexicon_document()
    fragments = all_fragments(doc)
    assert len(fragments) > 500
    assert not [f for f in fragments if nested.search(f)]


@pytest.mark.parametrize(
    ("fragment", "text"),
    [("hard-?coded", "hardcoded"), ("hard-?coded", "hard-coded"), ("pep\\s?8", "pep8")],
)
def test_a_word_that_may_run_on_is_a_stem(fragment: str, text: str) -> None:
    assert [s for _, s, _ in PhraseSet({"g": [fragment]}).finditer(text)] == [0]


def test_every_verdict_phrase_holds_a_trigger_word() -> None:
    doc = lexicon_document()
    triggers = doc["verdict"]["trigger_words"]
    for group in ("no_defects", "defects_found"):
        for fragment in doc["verdict"][group]:
            assert any(word in fragment for word in triggers), fragment


def _review_texts() -> list[str]:
    bodies: list[str] = []
    for name in ("seeds.jsonl", "crafted.jsonl", "idioms.jsonl", "rules.jsonl"):
        with (DATA_DIR / name).open(encoding="utf-8") as lines:
            bodies.extend(json.loads(line)["body"] for line in lines if line.strip())
    return bodies


def _lexicon_phrase_sets() -> list[tuple[PhraseSet, dict[str, list[str]]]]:
    """The packaged lexicon's phrase sets, each with its groups of fragments as written."""
    doc = lexicon_document()
    groups = {
        name: [str(f) for f in frags]
        for name, frags in doc["kind"].items()
        if name not in TAG_LISTS
    }
    for category, by_weight in doc["categories"].items():
        for weight, frags in by_weight.items():
            if frags:
                groups[f"{category}:{weight}"] = [str(f) for f in frags]
    groups["impact"] = [str(f) for f in doc["impact_sentences"]]
    lexicon = load_lexicon()
    hedged = {"hedged": [str(f) for f in doc["hedged"]]}
    verdict = doc["verdict"]
    return [
        (lexicon.reading, groups),
        (lexicon.hedged_phrases, hedged),
        (
            lexicon.verdict_phrases,
            {group: [str(f) for f in verdict[group]] for group in ("no_defects", "defects_found")},
        ),
        (
            lexicon.unsafe_code,
            {group: [str(f) for f in doc[group]] for group in ("dangerous_calls", "request_data")},
        ),
        (lexicon.request_sinks, {"request_sinks": [str(f) for f in doc["request_sinks"]]}),
    ]


@pytest.mark.parametrize(
    ("phrases", "groups"),
    _lexicon_phrase_sets(),
    ids=["reading", "hedged", "verdict", "unsafe_code", "request_sinks"],
)
def test_the_lexicon_phrase_sets_find_what_one_regex_per_group_finds(
    phrases: PhraseSet, groups: dict[str, list[str]]
) -> None:
    """Over real review texts, every group of a packaged phrase set starts its matches where a
    plain case-insensitive regex of that group's fragments does (`^` fragments only at the
    text's start). A fragment filed under a word it cannot start with would never match."""
    plain = {name: phrase_pattern(frags) for name, frags in groups.items()}
    texts = _review_texts()
    assert len(texts) > 200
    for text in texts:
        expected = sorted(
            (name, m.start()) for name, regex in plain.items() for m in regex.finditer(text)
        )
        assert sorted((g, s) for g, s, _ in phrases.finditer(text)) == expected, text[:80]


def _list_entries(node: object) -> list[object]:
    if isinstance(node, dict):
        return [entry for value in node.values() for entry in _list_entries(value)]
    if isinstance(node, list):
        return [*node, *(e for item in node for e in _list_entries(item))]
    return []


def test_every_lexicon_list_entry_is_a_string() -> None:
    # An unquoted pattern that ends in a colon ("- ^suggestion\s*:") parses as a one-key
    # mapping and is silently dropped from its group.
    entries = _list_entries(lexicon_document())
    assert len(entries) > 1000
    assert [e for e in entries if not isinstance(e, str | int | float | list)] == []


def test_fragments_without_a_lead_word_are_gated_by_a_rare_literal() -> None:
    # A fragment the word index cannot file ('re-?entrant') is scanned for wherever its literal
    # start occurs; a short run of letters ('re') occurs in nearly every text.
    lexicon = load_lexicon()
    phrase_sets = (lexicon.reading, lexicon.hedged_phrases, lexicon.unsafe_code)
    for phrases in phrase_sets:
        for group, needles in phrases.fallback_needles.items():
            assert needles, group
            assert all(not n.isalpha() or len(n) >= 4 for n in needles), (group, needles)
