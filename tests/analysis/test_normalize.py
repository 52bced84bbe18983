"""Tests for service.analysis.normalize: clean text and the exact offset map back to the body."""

from __future__ import annotations

import random

import ftfy
import pytest

from service.analysis.model import Span
from service.analysis.normalize import MAX_REPAIR_CHARS, NormalizedText, normalize


def assert_map_is_exact(body: str, result: NormalizedText) -> None:
    """Every invariant the later stages rely on."""
    text = result.text
    assert result.original_span(0, len(text)) == Span(0, len(body))
    previous = -1
    for index, char in enumerate(text):
        origin = result.origin(index)
        assert 0 <= origin < len(body)
        assert origin >= previous, "origins must be monotone"
        previous = origin
        if not result.encoding_repaired:
            assert char == body[origin] or (char == "\n" and body[origin] == "\r")
    for start in range(len(text) + 1):
        span = result.original_span(start, len(text))
        assert 0 <= span.start <= span.end == len(body)
        if 0 < start < len(text):
            assert span.start == result.origin(start)


@pytest.mark.parametrize(
    "body",
    [
        "No security defects are detected in the code.",
        "It’s a “quoted” word — and an en–dash.",
        "café’s naïve résumé — Ångström, Straße",
        "Emoji 😀, CJK 日本語, Cyrillic привет, Greek αβγ",
        "ligature ﬁle, fullwidth ＡＢＣ, decomposed e\u0301",
        "<div>kept HTML</div> &amp; entities stay",
        "",
        "\tindented\n\n  lines\n",
    ],
)
def test_clean_text_is_unchanged_and_ftfy_is_never_called(
    body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("ftfy must not run on clean text")

    monkeypatch.setattr(ftfy, "fix_encoding", fail)
    result = normalize(body)
    assert result.text == body
    assert result.encoding_repaired is False
    assert_map_is_exact(body, result)


def test_large_clean_body_is_returned_as_the_same_string() -> None:
    body = ("x" * 1023 + "\n") * 1024
    result = normalize(body)
    assert result.text is body
    assert result.original_span(10, 20) == Span(10, 20)
    assert result.origin(len(body) - 1) == len(body) - 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Itâ€™s important", "It’s important"),
        ("the comment â€œtemporary workaroundâ€\x9d has", "the comment “temporary workaround” has"),
        ("too generic â€” something", "too generic — something"),
        ("lines 41â€“46", "lines 41–46"),
        ("cafÃ© au lait", "café au lait"),
        ("Ã¼ber and naÃ¯ve", "über and naïve"),
        ("smile ðŸ˜€ please", "smile 😀 please"),
        ("price Â£5", "price £5"),
        ("“Ã©” stays curly", "“é” stays curly"),
        ("double Ã¢â‚¬â„¢ mojibake", "double ’ mojibake"),
        ("Ð¿Ñ€Ð¸Ð²ÐµÑ‚ world", "привет world"),
    ],
)
def test_mojibake_is_repaired(body: str, expected: str) -> None:
    result = normalize(body)
    assert result.text == expected
    assert result.encoding_repaired is True
    assert_map_is_exact(body, result)


def test_pattern_that_ftfy_leaves_alone_is_not_reported_as_repaired() -> None:
    body = "Straße” is German"  # ß + ” looks like a UTF-8 pair but does not decode
    result = normalize(body)
    assert result.text == body
    assert result.encoding_repaired is False


def test_lost_byte_is_left_as_it_is() -> None:
    body = "the â€ quote lost its last byte"
    assert normalize(body).text == body


def test_repaired_run_maps_back_to_its_whole_span() -> None:
    body = "Itâ€™s ok"
    result = normalize(body)
    assert result.text == "It’s ok"
    assert result.origin(2) == 2
    assert result.original_span(2, 3) == Span(2, 5)
    assert result.origin(3) == 5
    assert body[result.original_span(3, 7).start :] == "s ok"
    assert result.original_span(0, 2) == Span(0, 2)


def test_repair_keeps_unchanged_neighbours_exact() -> None:
    body = "x “Ã©” y"
    result = normalize(body)
    assert result.text == "x “é” y"
    assert result.origin(2) == 2  # the opening quote is not part of the repair
    assert result.original_span(3, 4) == Span(3, 5)
    assert result.origin(4) == 5


def test_every_occurrence_of_a_repeated_sequence_is_repaired() -> None:
    body = "Itâ€™s here, itâ€™s there\r\nand itâ€™s everywhere"
    result = normalize(body)
    assert result.text == "It’s here, it’s there\nand it’s everywhere"
    assert_map_is_exact(body, result)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r", "a\nb\n"),
        ("a\r\r\nb", "a\n\nb"),
        ("\r\n", "\n"),
    ],
)
def test_line_endings_become_lf(body: str, expected: str) -> None:
    result = normalize(body)
    assert result.text == expected
    assert result.encoding_repaired is False
    assert_map_is_exact(body, result)


def test_crlf_spans_map_to_the_original_offsets() -> None:
    body = "ab\r\ncd"
    result = normalize(body)
    assert result.text == "ab\ncd"
    assert result.original_span(0, 2) == Span(0, 2)
    assert result.original_span(3, 5) == Span(4, 6)
    assert body[result.original_span(3, 5).start : result.original_span(3, 5).end] == "cd"
    assert result.original_span(2, 3) == Span(3, 4)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("zero\u200bwidth\u200c\u200d\u2060chars", "zerowidthchars"),
        ("\ufeffBOM at the start", "BOM at the start"),
        ("before<!-- hidden -->after", "beforeafter"),
        ("<!-- a -->x<!-- b -->y<!-- c -->", "xy"),
        ("keep this <!-- unclosed comment runs to the end", "keep this "),
        ("<!-- multi\nline\r\ncomment -->\nnext", "\nnext"),
        ("<!-- Itâ€™s inside a comment -->ok", "ok"),
        ("not a comment: <!- x -> <-- y -->", "not a comment: <!- x -> <-- y -->"),
        ("empty <!---->end", "empty end"),
    ],
)
def test_invisible_content_is_removed(body: str, expected: str) -> None:
    result = normalize(body)
    assert result.text == expected
    assert_map_is_exact(body, result)


def test_spans_skip_removed_content() -> None:
    body = "one <!-- gone --> two"
    result = normalize(body)
    start = result.text.index("two")
    span = result.original_span(start, start + 3)
    assert body[span.start : span.end] == "two"
    whole = result.original_span(0, len(result.text))
    assert whole == Span(0, len(body))


@pytest.mark.parametrize(
    "body", ["", "\u200b\u200b", "<!-- only a comment -->", "<!-- unclosed", "\ufeff<!-- x -->"]
)
def test_nothing_left_still_covers_the_body(body: str) -> None:
    result = normalize(body)
    assert result.text == ""
    assert result.original_span(0, 0) == Span(0, len(body))


def test_original_span_clamps_out_of_range_offsets() -> None:
    result = normalize("abc")
    assert result.original_span(-5, 99) == Span(0, 3)
    assert result.original_span(2, 1) == Span(2, 2)
    with pytest.raises(IndexError):
        result.origin(3)


def test_random_mixtures_keep_the_map_exact() -> None:
    pieces = [
        "word ",
        "line 12",
        "\r\n",
        "\r",
        "\n",
        "\u200b",
        "\ufeff",
        "<!-- note -->",
        "â€™",
        "Ã©",
        "é",
        "“",
        "—",
        "`code`",
    ]
    rng = random.Random(20240501)
    for _ in range(300):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        result = normalize(body)
        assert_map_is_exact(body, result)
        assert "\r" not in result.text
        assert "\u200b" not in result.text
        assert "<!--" not in result.text
        if result.encoding_repaired:
            assert "â€™" not in result.text


@pytest.mark.parametrize(
    "body",
    [
        "â€™" * 200_000,
        "â€" * 200_000,
        "<!--" * 200_000,
        "\r" * 200_000,
        "\u200b" * 200_000,
        "Ã©a" * 100_000,
    ],
)
def test_hostile_bodies_complete(body: str) -> None:
    result = normalize(body)
    assert len(result.text) <= len(body)
    assert result.original_span(0, len(result.text)) == Span(0, len(body))


def test_a_huge_mojibake_run_is_kept_as_written_past_the_repair_budget() -> None:
    short = "Itâ€™s fine. "
    huge = "Ã¢â‚¬â„¢" * (MAX_REPAIR_CHARS // 6 + 10)
    result = normalize(short + huge)
    assert result.text.startswith("It’s fine. ")
    assert result.text.endswith(huge)
    assert result.encoding_repaired
    assert_map_is_exact(short + huge, result)
