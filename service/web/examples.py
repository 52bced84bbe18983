"""Build the playground's example reviews (`static/examples.json`) from a seed corpus.

Only each review's `id` and `body` are kept: the gold labels stay in the corpus. Run it again
when the seeds change (a test fails until it is rerun):

    .venv/bin/python -m service.web.examples ../shared/corpus/seeds.jsonl \
        > service/web/static/examples.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

EXAMPLES_PATH = Path(__file__).resolve().parent / "static" / "examples.json"


def examples_document(lines: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """Return `{"examples": [{"id", "body"}, ...]}` for the JSON Lines records in `lines`."""
    examples = []
    for line in lines:
        if line.strip():
            record = json.loads(line)
            examples.append({"id": str(record["id"]), "body": str(record["body"])})
    return {"examples": examples}


def render(document: dict[str, list[dict[str, str]]]) -> str:
    """Serialise the examples the way they are committed (stable, readable diffs)."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the examples document for the corpus file named in `argv`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m service.web.examples SEEDS.jsonl", file=sys.stderr)
        return 2
    text = Path(args[0]).read_text(encoding="utf-8")
    sys.stdout.write(render(examples_document(text.splitlines())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
