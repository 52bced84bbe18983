"""Every input the benchmark analyses, built at run time from the shared corpora.

Nothing from the corpora is copied into the repository: `load_corpus` reads
`../shared/corpus/{seeds,review_bot_comments}.jsonl` (relative to the repository root unless
told otherwise) and the builders below cut and concatenate those real reviews. The worst-case
families are synthetic and self-contained; each builds exactly `size` UTF-8 bytes (or the
largest whole-character prefix below it) so it can be compared with real text of the same size.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_FILE = "corpus/seeds.jsonl"
BOT_FILE = "corpus/review_bot_comments.jsonl"
REVIEW_SEPARATOR = "\n\n"
KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True, slots=True)
class Corpus:
    """Real review bodies: the labelled seeds and the real bot comments, in file order."""

    seeds: tuple[str, ...]
    bot: tuple[str, ...]

    def stream(self) -> Iterator[str]:
        """Every review, seeds first, cycling for ever."""
        return itertools.cycle((*self.seeds, *self.bot))


def default_shared_dir() -> Path:
    """`../shared` beside the repository root, where the corpora live."""
    return REPO_ROOT.parent / "shared"


def read_bodies(path: Path) -> tuple[str, ...]:
    """The non-empty `body` of every JSON line of `path`."""
    bodies = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                body = json.loads(line).get("body")
                if isinstance(body, str) and body:
                    bodies.append(body)
    return tuple(bodies)


def load_corpus(shared: Path) -> Corpus:
    """Read the seeds and the bot comments from the shared directory."""
    return Corpus(read_bodies(shared / SEEDS_FILE), read_bodies(shared / BOT_FILE))


def utf8_size(text: str) -> int:
    """Size of `text` in UTF-8 bytes."""
    return len(text.encode("utf-8"))


def fit_bytes(text: str, size: int) -> str:
    """The longest prefix of `text` that is at most `size` UTF-8 bytes (never a split character)."""
    return text.encode("utf-8")[:size].decode("utf-8", errors="ignore")


def concat_to_size(parts: Iterator[str], size: int, separator: str = REVIEW_SEPARATOR) -> str:
    """Join `parts` with `separator` until the text reaches `size` bytes, then cut it there."""
    pieces: list[str] = []
    total = 0
    for part in parts:
        piece = part if not pieces else separator + part
        pieces.append(piece)
        total += utf8_size(piece)
        if total >= size:
            break
    return fit_bytes("".join(pieces), size)


def repeat_to_size(unit: str, size: int) -> str:
    """`unit` repeated until it fills `size` bytes, cut there."""
    count = size // max(1, utf8_size(unit)) + 1
    return fit_bytes(unit * count, size)


def real_text(corpus: Corpus, size: int) -> str:
    """Real reviews concatenated (seeds, then bot comments, cycling) and cut to `size` bytes."""
    return concat_to_size(corpus.stream(), size)


def four_kb_reviews(corpus: Corpus, size: int = 4 * KIB) -> tuple[str, ...]:
    """Reviews of `size` bytes: each seed topped up with bot comments, then bot-comment composites.

    The seeds are 2 to 3.5 KB and most bot comments are under 1 KB, so each review is a real
    review followed by the next real comments in file order, cut at `size` bytes. Every comment is
    used once; the remainder shorter than `size` is dropped.
    """
    bot = iter(corpus.bot)
    reviews = [concat_to_size(itertools.chain([seed], bot), size) for seed in corpus.seeds]
    while True:
        review = concat_to_size(bot, size)
        if utf8_size(review) < size:
            break
        reviews.append(review)
    return tuple(reviews)


Builder = Callable[[int, str], str]


@dataclass(frozen=True, slots=True)
class Family:
    """One kind of input: its short name, what it is, and how to build `size` bytes of it.

    `build(size, normal)` gets the real text of the same size, for families made of real text.
    """

    name: str
    label: str
    build: Builder


def _repeat(unit: str) -> Builder:
    return lambda size, _normal: repeat_to_size(unit, size)


def _numbered(template: str, start: int = 1) -> Builder:
    """`template.format(n)` for n = start, start + 1, ... until `size` bytes."""

    def build(size: int, _normal: str) -> str:
        return concat_to_size((template.format(n) for n in itertools.count(start)), size, "")

    return build


def _prefixed(prefix: str, unit: str, suffix: str = "") -> Builder:
    def build(size: int, _normal: str) -> str:
        body = size - utf8_size(prefix) - utf8_size(suffix)
        return prefix + repeat_to_size(unit, max(0, body)) + suffix

    return build


def _framed(prefix: str, template: str, separator: str, suffix: str) -> Builder:
    """`prefix`, whole items `template.format(n)` joined by `separator`, padding, `suffix`.

    A structured answer must stay valid, so only whole items are kept and spaces (insignificant
    in JSON, and in YAML at the end of a line) fill the rest.
    """

    def build(size: int, _normal: str) -> str:
        room = size - utf8_size(prefix) - utf8_size(suffix)
        items: list[str] = []
        used = 0
        for n in itertools.count(1):
            item = (separator if items else "") + template.format(n)
            if used + utf8_size(item) > room:
                break
            items.append(item)
            used += utf8_size(item)
        return prefix + "".join(items) + " " * (room - used) + suffix

    return build


def _nested_list(depth: int) -> str:
    return "".join("  " * level + "- x\n" for level in range(depth))


def _line_refs(size: int, _normal: str) -> str:
    numbers = (str(n) for n in itertools.count(1))
    return concat_to_size(itertools.chain(["line"], numbers), size, ", ").replace(",", "", 1)


def _one_line(size: int, normal: str) -> str:
    return normal.replace("\r", " ").replace("\n", " ")


def _crlf(size: int, normal: str) -> str:
    return fit_bytes(normal.replace("\n", "\r\n"), size)


def _open_fence(size: int, normal: str) -> str:
    return fit_bytes("```python\n" + normal, size)


_COMBINING = "a" + "".join(chr(0x300 + k) for k in range(30)) + " "
_FINDING = (
    "{0}. `run_{0}()` passes user input to os.system (line {0}): command injection (CWE-78).\n"
)
_JSON_ISSUE = '{{"title": "SQL injection {0}", "severity": "high", "line": {0}, "cwe": "CWE-89"}}'
_YAML_ISSUE = "  - title: SQL injection {0}\n    severity: high\n    line: {0}"
_SECTIONED = (
    "Security type: Injection\nDescription: user input {0} reaches the query.\n"
    "Impact: data theft.\nAdvice: use parameters.\n\n"
)
_TABLE_HEAD = "| issue | line |\n|---|---|\n"

NORMAL = Family("normal", "real reviews concatenated", lambda _size, normal: normal)

WORST_CASES: tuple[Family, ...] = (
    Family("stars", "`*` run", _repeat("*")),
    Family("open_strong", "`**a` repeated", _repeat("**a")),
    Family("underscores", "`_a` repeated", _repeat("_a")),
    Family("backticks", "backtick run", _repeat("`")),
    Family("code_spans", "`` `f_n()` `` code spans", _numbered("`f_{0}()` ")),
    Family("hashes", "`#` run", _repeat("#")),
    Family("headings", "`# h` heading lines", _numbered("# heading {0}\n")),
    Family("line_refs", "`line 1, 2, 3, ...`", _line_refs),
    Family("list_items", "~100k list items", _numbered("- x {0}\n")),
    Family(
        "call_span_items",
        "list items of `` `open(open(...` `` code spans",
        _repeat("- " + ("`" + "open(" * 39 + "` ") * 20 + "\n"),
    ),
    Family("finding_items", "numbered findings (line, CWE)", _numbered(_FINDING)),
    Family("nested_lists", "200-deep nested lists", _repeat(_nested_list(200))),
    Family("nested_quotes", "200-deep blockquotes", _repeat("> " * 200 + "x\n")),
    Family("nested_brackets", "200-deep `[(` brackets", _repeat("[(" * 100 + "x" + ")]" * 100)),
    Family("one_line", "one 1 MiB line of real text", _one_line),
    Family("long_word", "one 1 MiB word", _repeat("a")),
    Family(
        "no_punctuation", "one sentence, no punctuation", _repeat("user input reaches the sql ")
    ),
    Family("tiny_sentences", "`Fix it.` sentences", _repeat("Fix it. ")),
    Family("combining", "combining marks (30 per letter)", _repeat(_COMBINING)),
    Family("open_fence", "one unclosed fence around real text", _open_fence),
    Family("fence_toggle", "` ``` ` lines (open/close)", _repeat("```\n")),
    Family("fence_info", "` ```x ` lines (one open fence)", _repeat("```x\n")),
    Family("cwe_prefix", "`CWE-` repeated", _repeat("CWE-")),
    Family("cwe_ids", "distinct `CWE-n` ids", _numbered("CWE-{0} ")),
    Family("comment_open", "`<!--` repeated", _repeat("<!--")),
    Family("comments", "`<!--x-->a` repeated", _repeat("<!--x-->a")),
    Family("brackets_open", "`[` run", _repeat("[")),
    Family("link_open", "`[a](` repeated", _repeat("[a](")),
    Family("braces_open", '`{"a":` repeated', _repeat('{"a":')),
    Family("mojibake", "`Itâ€™s ok.` repeated", _repeat("Itâ€™s ok. ")),
    Family("mojibake_run", "one mojibake run `Ã¢â‚¬â„¢`", _repeat("Ã¢â‚¬â„¢")),
    Family("zero_width", "`a` + zero-width space", _repeat("a\u200b")),
    Family("lone_cr", "`a` + lone CR", _repeat("a\r")),
    Family("crlf", "real reviews with CRLF line ends", _crlf),
    Family("blank_lines", "newline run", _repeat("\n")),
    Family("spaces", "space run", _repeat(" ")),
    Family("fence_spaces", "` ``` ` then a space run", _prefixed("```", " ", "x")),
    Family(
        "word_spaces",
        "paragraphs of a cue word and 500 spaces",
        _repeat("but" + " " * 500 + "x\n\n"),
    ),
    Family("table_rows", "table rows", _prefixed(_TABLE_HEAD, "| x | 1 |\n")),
    Family("pipes", "`|` run", _repeat("|")),
    Family("bold_lines", "`**Finding**` lines", _numbered("**Finding {0}**\n")),
    Family("field_items", "`- **Issue:** x` field items", _repeat("- **Issue:** x\n")),
    Family("sectioned", "`Security type:` blocks", _numbered(_SECTIONED)),
    Family("verdicts", "`No security defects` lines", _repeat("No security defects found.\n")),
    Family(
        "json_answer", "JSON answer, many issues", _framed('{"issues": [', _JSON_ISSUE, ", ", "]}")
    ),
    Family(
        "yaml_answer",
        "fenced YAML answer",
        _framed("```yaml\nissues:\n", _YAML_ISSUE, "\n", "\n```\n"),
    ),
    Family(
        "yaml_nested", "fenced YAML `- - - x` 200 deep", _prefixed("```yaml\n", "- " * 200 + "x\n")
    ),
)


def families() -> tuple[Family, ...]:
    """Normal text first, then every worst case."""
    return (NORMAL, *WORST_CASES)


def family(name: str) -> Family:
    """The family called `name`."""
    for candidate in families():
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def build(name: str, size: int, corpus: Corpus) -> str:
    """`size` bytes of family `name` (real text of that size is passed to the builder)."""
    return family(name).build(size, real_text(corpus, size))
