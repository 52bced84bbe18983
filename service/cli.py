"""The `review-analyzer` command line: serve the API, analyse one review, evaluate corpora.

    review-analyzer serve [--host H] [--port P] [--workers N]
    review-analyzer analyze FILE|- [--id ID] [--format F] [--fail-on X] [--path P] [--commit C]
                            [--source S]
    review-analyzer eval CORPUS... [--json] [--show-misses] [--min METRIC=VALUE]... [--jobs N]

`eval --min` checks each corpus given on its own (not the combined `all` row) and skips a corpus
that does not measure the metric; a metric that no corpus measures fails the check.

`analyze` prints the review in a format of `service.formats` (default json, the Analysis) and
exits 1 when the verdict policy (`--fail-on`, default security) fails, so a CI job can gate on it.

Exit status: 0 success, 1 an `eval --min` bound not met or the `analyze` policy failed, 2 a
usage or input error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from service import __version__
from service.analysis import analyze
from service.config import ConfigError, Settings
from service.evaluation import (
    METRICS,
    Case,
    CorpusError,
    Metrics,
    Outcome,
    analyze_body,
    load_corpus,
    run,
    score,
)
from service.formats import DEFAULT_FORMAT, FORMAT_CHOICES, ReviewContext, render, to_text
from service.formats.policy import DEFAULT_FAIL_ON, EXIT_STATUS, FAIL_ON_CHOICES, FailOn
from service.text import check_context_value

PROG = "review-analyzer"
GUNICORN_CONFIG = "python:service.gunicorn_conf"
WSGI_APP = "service.wsgi:app"
COMBINED_ROW = "all"
_THRESHOLD_METRICS = ("cases", *METRICS)


class CliError(Exception):
    """A problem with what the user asked for or gave: reported on stderr, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`); return the exit status."""
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except CliError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`... | head`): silence the flush at exit, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Turn free-text security code reviews into structured JSON.",
        epilog="Exit status: 0 success, 1 an eval --min bound not met or the analyze policy "
        "failed, 2 usage or input error.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    _add_serve(commands)
    _add_analyze(commands)
    _add_eval(commands)
    return parser


# --- serve -------------------------------------------------------------------------------------


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the HTTP API under gunicorn",
        description="Run the HTTP API under gunicorn with the project's configuration. "
        "Options override the HOST, PORT and WORKERS environment variables.",
    )
    serve.add_argument("--host", help="address to bind (HOST)")
    serve.add_argument("--port", type=int, help="port to bind (PORT)")
    serve.add_argument("--workers", type=int, help="worker processes (WORKERS)")
    serve.set_defaults(command=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    overrides = {"HOST": args.host, "PORT": args.port, "WORKERS": args.workers}
    for name, value in overrides.items():
        if value is not None:
            os.environ[name] = str(value)
    _settings()  # fail here with a clear message rather than inside gunicorn
    argv = serve_argv()
    os.execvp(argv[0], argv)  # noqa: S606 (a fixed argv: serve becomes gunicorn)


def serve_argv() -> list[str]:
    """The command that `serve` replaces this process with."""
    return [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG, WSGI_APP]


# --- analyze -----------------------------------------------------------------------------------


def _add_analyze(commands: Any) -> None:
    analyze_cmd = commands.add_parser(
        "analyze",
        help="analyse one review body and print it in a format (exit 1 if the policy fails)",
        description="Analyse one review body (UTF-8, at most MAX_BODY_BYTES bytes) and print "
        "it in FORMAT, as POST /v1/analyze?format=FORMAT would answer. Exit status 1 when the "
        "verdict policy fails (GitHub REQUEST_CHANGES, Gerrit -1), 0 otherwise.",
    )
    analyze_cmd.add_argument("file", metavar="FILE", help="the review body; '-' reads stdin")
    analyze_cmd.add_argument("--id", dest="review_id", help="caller id echoed in the Analysis")
    analyze_cmd.add_argument(
        "--format",
        default=DEFAULT_FORMAT,
        choices=FORMAT_CHOICES,
        help=f"output format (default {DEFAULT_FORMAT})",
    )
    analyze_cmd.add_argument(
        "--fail-on",
        default=DEFAULT_FAIL_ON.value,
        choices=FAIL_ON_CHOICES,
        help=f"what fails the policy (default {DEFAULT_FAIL_ON.value}): security defects, a "
        "severity threshold, or any finding",
    )
    for name, what in (
        ("path", "the file the review is about, relative to the repository root"),
        ("commit", "the commit the review is about"),
        ("source", "the tool or model that wrote the review"),
    ):
        analyze_cmd.add_argument(f"--{name}", type=_context_value(name), help=what)
    analyze_cmd.set_defaults(command=_cmd_analyze)


def _context_value(name: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        try:
            return check_context_value(name, value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _cmd_analyze(args: argparse.Namespace) -> int:
    body = read_body(args.file, _settings().max_body_bytes)
    context = ReviewContext(path=args.path, commit=args.commit, source=args.source)
    rendered = render(analyze(body, args.review_id), args.format, context, FailOn(args.fail_on))
    text = to_text(rendered, indent=2)
    print(text, end="" if text.endswith("\n") else "\n")
    return EXIT_STATUS[rendered.outcome]


def read_body(source: str, limit: int) -> str:
    """Read a review body from a file or (`-`) stdin, with the API's checks.

    Raises CliError when it cannot be read, is over `limit` bytes, is not UTF-8 or is empty.
    """
    name = "stdin" if source == "-" else source
    data = _read_at_most(sys.stdin.buffer, limit) if source == "-" else _read_file(source, limit)
    if len(data) > limit:
        raise CliError(f"{name} is larger than the body limit of {limit} bytes (MAX_BODY_BYTES)")
    try:
        body = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{name} is not valid UTF-8 (invalid byte at offset {exc.start})") from None
    if not body:
        raise CliError(f"{name} is empty: a review body needs at least one character")
    return body


def _read_file(path: str, limit: int) -> bytes:
    try:
        with Path(path).open("rb") as stream:
            return _read_at_most(stream, limit)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to `limit + 1` bytes: enough to tell an over-limit body without reading all of it."""
    return stream.read(limit + 1)


# --- eval --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Corpus:
    label: str
    cases: list[Case]
    outcomes: list[Outcome]


def _add_eval(commands: Any) -> None:
    evaluate = commands.add_parser(
        "eval",
        help="score the analyzer on gold corpora, in process",
        description="Score the analyzer on gold corpora (CONTRACT.md section 5) in process, "
        "with the metrics of shared/tools/score.py. Prints one row per corpus and, for several "
        "corpora, an 'all' row over every case combined.",
    )
    evaluate.add_argument("corpora", nargs="+", metavar="CORPUS", help="a gold .jsonl file")
    evaluate.add_argument(
        "--json",
        action="store_true",
        help='print {"corpora": {LABEL: METRICS}, "all": METRICS over every case} as JSON',
    )
    evaluate.add_argument("--show-misses", action="store_true", help="also list every failed check")
    evaluate.add_argument(
        "--min",
        action="append",
        default=[],
        type=_threshold,
        metavar="METRIC=VALUE",
        help="exit 1 when METRIC is below VALUE in any corpus that measures it, or when no "
        "corpus measures it (the 'all' row is not checked); repeatable",
    )
    evaluate.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="analyse in N processes (default 1)"
    )
    evaluate.set_defaults(command=_cmd_eval)


def _threshold(spec: str) -> tuple[str, float]:
    name, sep, bound = spec.partition("=")
    if not sep or name not in _THRESHOLD_METRICS:
        choices = ", ".join(_THRESHOLD_METRICS)
        raise argparse.ArgumentTypeError(f"expected METRIC=VALUE with METRIC one of {choices}")
    try:
        return name, float(bound)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{bound!r} is not a number") from None


def _cmd_eval(args: argparse.Namespace) -> int:
    corpora = [
        _Corpus(label, cases, run(cases, analyze_body, jobs=args.jobs))
        for label, cases in _load_corpora(args.corpora)
    ]
    rows = {corpus.label: score(corpus.cases, corpus.outcomes) for corpus in corpora}
    combined = _combined(corpora) if len(corpora) > 1 else None
    if args.json:
        print(_json_report(rows, combined, with_misses=args.show_misses))
    else:
        _print_text_report(rows, combined, with_misses=args.show_misses)
    failures = _failed_thresholds(rows, args.min)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


def _load_corpora(paths: Sequence[str]) -> list[tuple[str, list[Case]]]:
    labels = [Path(path).stem for path in paths]
    if len(set(labels)) < len(labels):
        labels = list(paths)
    try:
        return [(label, load_corpus(path)) for label, path in zip(labels, paths, strict=True)]
    except OSError as exc:
        raise CliError(f"cannot read {exc.filename}: {exc.strerror or exc}") from None
    except (CorpusError, UnicodeDecodeError) as exc:
        raise CliError(str(exc)) from None


def _combined(corpora: Sequence[_Corpus]) -> Metrics:
    cases = [case for corpus in corpora for case in corpus.cases]
    outcomes = [outcome for corpus in corpora for outcome in corpus.outcomes]
    return score(cases, outcomes)


def _json_report(rows: dict[str, Metrics], combined: Metrics | None, *, with_misses: bool) -> str:
    def entry(metrics: Metrics) -> dict[str, Any]:
        data: dict[str, Any] = dict(metrics.as_dict())
        if with_misses:
            data["misses"] = list(metrics.misses)
        return data

    report = {
        "corpora": {label: entry(metrics) for label, metrics in rows.items()},
        COMBINED_ROW: entry(combined or next(iter(rows.values()))),
    }
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False)


def _print_text_report(
    rows: dict[str, Metrics], combined: Metrics | None, *, with_misses: bool
) -> None:
    if with_misses:
        for metrics in rows.values():
            for miss in metrics.misses:
                print(miss)
        print()
    table = dict(rows)
    if combined is not None:
        table[COMBINED_ROW] = combined
    print(format_table(table))


def format_table(rows: dict[str, Metrics]) -> str:
    """One aligned plain-text row per labelled Metrics, a column per metric, blank if unmeasured."""
    header = ["corpus", "cases", *METRICS]
    cells = [header] + [
        [label, str(metrics.cases), *(_cell(metrics.values.get(name)) for name in METRICS)]
        for label, metrics in rows.items()
    ]
    widths = [max(len(row[col]) for row in cells) for col in range(len(header))]
    lines = [
        "  ".join(
            text.ljust(width) if col == 0 else text.rjust(width)
            for col, (text, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _failed_thresholds(
    rows: dict[str, Metrics], thresholds: Sequence[tuple[str, float]]
) -> list[str]:
    failures = []
    for name, bound in thresholds:
        measured = {label: m.get(name) for label, m in rows.items() if m.get(name) is not None}
        if not measured:
            failures.append(f"{name} was not measured in any corpus (bound {bound})")
        failures += [
            f"{label}: {name}={value} < {bound}"
            for label, value in measured.items()
            if value is not None and value < bound
        ]
    return failures


# --- shared ------------------------------------------------------------------------------------


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise CliError(str(exc)) from None
