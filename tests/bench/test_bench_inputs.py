"""The benchmark's input builders, on a small corpus made here (the shared one is not needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bench import inputs

SIZE = 8 * 1024


@pytest.fixture
def corpus() -> inputs.Corpus:
    seeds = ("Seed review: SQL injection in `q()` (line 3). ✓ " * 20,)
    bot = tuple(f"Comment {n}: consider validating input é. " * (1 + n % 7) for n in range(300))
    return inputs.Corpus(seeds, bot)


def test_fit_bytes_never_splits_a_character() -> None:
    assert inputs.fit_bytes("aé", 2) == "a"
    assert inputs.fit_bytes("aé", 3) == "aé"
    assert inputs.fit_bytes("abc", 10) == "abc"


def test_concat_and_repeat_reach_exactly_the_size() -> None:
    joined = inputs.concat_to_size(iter(["ab", "cd", "ef"]), 6, "-")
    assert joined == "ab-cd-"
    assert inputs.repeat_to_size("xyz", 7) == "xyzxyzx"


def test_read_bodies_skips_blank_lines_and_missing_bodies(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    rows = [{"body": "one"}, {"id": "no body"}, {"body": ""}, {"body": "two"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    assert inputs.read_bodies(path) == ("one", "two")


def test_four_kb_reviews_start_with_each_seed_and_are_exactly_4_kb(
    corpus: inputs.Corpus,
) -> None:
    reviews = inputs.four_kb_reviews(corpus)
    assert len(reviews) > len(corpus.seeds)
    assert reviews[0].startswith(corpus.seeds[0])
    assert {inputs.utf8_size(r) for r in reviews} == {4096}


def test_real_text_is_the_corpus_concatenated(corpus: inputs.Corpus) -> None:
    text = inputs.real_text(corpus, SIZE)
    assert inputs.utf8_size(text) == SIZE
    assert text.startswith(corpus.seeds[0] + inputs.REVIEW_SEPARATOR + corpus.bot[0])


@pytest.mark.parametrize("family", inputs.families(), ids=lambda f: f.name)
def test_every_family_fills_its_size(corpus: inputs.Corpus, family: inputs.Family) -> None:
    body = inputs.build(family.name, SIZE, corpus)
    assert SIZE - 3 <= inputs.utf8_size(body) <= SIZE  # a multi-byte character may not fit
    assert body.strip() or family.name in {"blank_lines", "spaces"}


def test_family_names_are_unique_and_found() -> None:
    names = [f.name for f in inputs.families()]
    assert len(names) == len(set(names))
    assert inputs.family("stars").label == "`*` run"
    with pytest.raises(KeyError):
        inputs.family("nope")


def test_shapes_that_the_issue_names(corpus: inputs.Corpus) -> None:
    mib = inputs.MIB
    assert inputs.build("list_items", mib, corpus).count("\n- ") >= 100_000
    assert "\n" not in inputs.build("one_line", SIZE, corpus)
    assert inputs.build("line_refs", SIZE, corpus).startswith("line 1, 2, 3, 4")
    deepest = max(len(line) - len(line.lstrip()) for line in inputs._nested_list(200).splitlines())
    assert deepest == 2 * 199


def test_structured_answers_stay_valid(corpus: inputs.Corpus) -> None:
    answer = json.loads(inputs.build("json_answer", SIZE, corpus))
    assert len(answer["issues"]) > 10
    fenced = inputs.build("yaml_answer", SIZE, corpus)
    inner = fenced.removeprefix("```yaml\n").removesuffix("\n```\n")
    assert len(yaml.safe_load(inner)["issues"]) > 10


def test_default_shared_dir_is_beside_the_repository() -> None:
    assert inputs.default_shared_dir() == Path(__file__).resolve().parents[3] / "shared"
