"""Tests for the `review-analyzer` command line (service.cli), called in process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.corpus import CRAFTED_PATH, SEEDS_PATH

from service import __version__
from service.analysis import analyze
from service.api.schemas import dump_analysis
from service.cli import main
from service.evaluation import METRICS, evaluate, load_corpus

REPO = Path(__file__).resolve().parents[1]
LIMIT = 16


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every setting explicit, so the developer's shell cannot change what these tests see."""
    settings = {
        "HOST": "127.0.0.1",
        "PORT": "8080",
        "WORKERS": "1",
        "TIMEOUT": "30",
        "GRACEFUL_TIMEOUT": "20",
        "KEEPALIVE": "5",
        "MAX_BODY_BYTES": str(LIMIT),
        "MAX_REQUEST_BYTES": "1024",
        "MAX_BATCH_SIZE": "100",
        "LOG_LEVEL": "INFO",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


# --- analyze --------------------------------------------------------------------------------------


def test_analyze_file_prints_the_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "review.md"
    path.write_text("No issue.\n", "utf-8")

    assert main(["analyze", str(path), "--id", "revüe-1"]) == 0

    out = capsys.readouterr().out
    assert json.loads(out) == dump_analysis(analyze("No issue.\n", "revüe-1"))
    assert '\n  "id": "revüe-1",\n' in out  # indent 2, not ASCII-escaped


def test_analyze_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, "Looks fine ✓".encode())

    assert main(["analyze", "-"]) == 0

    assert json.loads(capsys.readouterr().out) == dump_analysis(analyze("Looks fine ✓", None))


def test_analyze_rejects_invalid_utf8(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, b"abc\xff")

    assert main(["analyze", "-"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "stdin is not valid UTF-8" in captured.err
    assert "offset 3" in captured.err


def test_analyze_counts_the_limit_in_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at_limit, over_limit = tmp_path / "at.txt", tmp_path / "over.txt"
    at_limit.write_text("é" * (LIMIT // 2), "utf-8")  # LIMIT bytes
    over_limit.write_text("é" * (LIMIT // 2 + 1), "utf-8")  # fewer than LIMIT characters

    assert main(["analyze", str(at_limit)]) == 0
    capsys.readouterr()
    assert main(["analyze", str(over_limit)]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"larger than the body limit of {LIMIT} bytes" in captured.err


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is empty"), (None, "cannot read")],
    ids=["empty", "missing"],
)
def test_analyze_reports_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "review.txt"
    if content is not None:
        path.write_bytes(content)

    assert main(["analyze", str(path)]) == 2

    assert message in capsys.readouterr().err


def test_analyze_reports_bad_configuration(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "lots")
    feed_stdin(monkeypatch, b"x")

    assert main(["analyze", "-"]) == 2

    assert "MAX_BODY_BYTES must be an integer" in capsys.readouterr().err


# --- eval -----------------------------------------------------------------------------------------


def parse_table(text: str) -> dict[str, dict[str, str]]:
    """Rows of the eval table by label, cells by column name (columns are right-aligned)."""
    header, *rows = text.splitlines()
    names = header.split()
    ends = [header.index(name) + len(name) for name in names]
    starts = [0, *(end + 2 for end in ends[:-1])]
    return {
        row.split()[0]: {
            name: row[start:end].strip()
            for name, start, end in zip(names, starts, ends, strict=True)
        }
        for row in rows
    }


def test_eval_prints_one_aligned_row_per_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(SEEDS_PATH)]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["corpus", "cases", *METRICS]
    table = parse_table(out)
    want = evaluate(load_corpus(SEEDS_PATH))
    assert list(table) == ["seeds"]
    assert table["seeds"]["corpus"] == "seeds"
    assert table["seeds"]["cases"] == "5"
    for name in METRICS:
        value = want.values.get(name)
        assert table["seeds"][name] == ("" if value is None else f"{value:.4f}"), name


def test_eval_adds_a_combined_row_for_several_corpora(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(SEEDS_PATH), str(CRAFTED_PATH)]) == 0

    table = parse_table(capsys.readouterr().out)
    combined = evaluate([*load_corpus(SEEDS_PATH), *load_corpus(CRAFTED_PATH)])
    assert list(table) == ["seeds", "crafted", "all"]
    assert table["all"]["cases"] == str(5 + len(load_corpus(CRAFTED_PATH)))
    assert table["all"]["verdict"] == f"{combined.values['verdict']:.4f}"


def test_eval_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--json", "--show-misses", str(SEEDS_PATH), str(CRAFTED_PATH)]) == 0

    report = json.loads(capsys.readouterr().out)
    seeds = evaluate(load_corpus(SEEDS_PATH))
    assert set(report) == {"corpora", "all"}
    assert list(report["corpora"]) == ["crafted", "seeds"]  # sorted keys
    crafted = evaluate(load_corpus(CRAFTED_PATH))
    assert report["corpora"]["seeds"] == {**seeds.as_dict(), "misses": list(seeds.misses)}
    assert crafted.misses, "the crafted corpus has misses to report"
    assert report["corpora"]["crafted"]["misses"] == list(crafted.misses)
    assert report["all"]["cases"] == 5 + len(load_corpus(CRAFTED_PATH))


def test_eval_show_misses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--show-misses", str(CRAFTED_PATH)]) == 0

    lines = capsys.readouterr().out.splitlines()
    misses = list(evaluate(load_corpus(CRAFTED_PATH)).misses)
    assert misses, "the crafted corpus has misses to show"
    assert lines[: len(misses) + 1] == [*misses, ""]
    assert lines[len(misses) + 1].startswith("corpus ")


@pytest.mark.parametrize(
    ("bounds", "status", "message"),
    [
        (["http_ok=0"], 0, ""),
        (["http_ok=1.1"], 1, "FAIL seeds: http_ok=1.0 < 1.1"),
        (["http_ok=0", "actionable=0"], 1, "FAIL actionable was not measured in any corpus"),
    ],
    ids=["met", "below", "unmeasured"],
)
def test_eval_min_sets_the_exit_status(
    capsys: pytest.CaptureFixture[str], bounds: list[str], status: int, message: str
) -> None:
    args = [arg for bound in bounds for arg in ("--min", bound)]

    assert main(["eval", *args, str(SEEDS_PATH)]) == status

    err = capsys.readouterr().err
    assert message in err
    assert bool(err) == bool(status)


def test_eval_min_checks_each_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--min", "cases=6", str(SEEDS_PATH), str(CRAFTED_PATH)]) == 1

    err = capsys.readouterr().err
    assert "FAIL seeds: cases=5.0 < 6.0" in err
    assert "crafted" not in err
    assert "all" not in err


@pytest.mark.parametrize("bound", ["verdict", "nonsense=1", "verdict=high"])
def test_eval_min_rejects_bad_bounds(capsys: pytest.CaptureFixture[str], bound: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["eval", "--min", bound, str(SEEDS_PATH)])

    assert exited.value.code == 2
    assert "--min" in capsys.readouterr().err


def test_eval_reports_a_bad_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", "utf-8")

    assert main(["eval", str(SEEDS_PATH), str(bad)]) == 2
    assert main(["eval", str(tmp_path / "absent.jsonl")]) == 2

    err = capsys.readouterr().err
    assert f"{bad}:1: not JSON" in err
    assert "cannot read" in err


# --- serve ----------------------------------------------------------------------------------------


class ExecCalledError(Exception):
    """Raised by the fake os.execvp instead of replacing the test process."""


@pytest.fixture
def execs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    calls: list[tuple[str, list[str]]] = []

    def fake_execvp(file: str, args: list[str]) -> Any:
        calls.append((file, list(args)))
        raise ExecCalledError

    monkeypatch.setattr(os, "execvp", fake_execvp)
    return calls


GUNICORN = [
    sys.executable,
    "-m",
    "gunicorn",
    "--config",
    "python:service.gunicorn_conf",
    "service.wsgi:app",
]


def test_serve_execs_gunicorn_with_the_project_config(
    execs: list[tuple[str, list[str]]],
) -> None:
    with pytest.raises(ExecCalledError):
        main(["serve"])

    assert execs == [(sys.executable, GUNICORN)]
    assert (os.environ["HOST"], os.environ["PORT"], os.environ["WORKERS"]) == (
        "127.0.0.1",
        "8080",
        "1",
    )


def test_serve_options_set_the_environment(execs: list[tuple[str, list[str]]]) -> None:
    with pytest.raises(ExecCalledError):
        main(["serve", "--host", "0.0.0.0", "--port", "9090", "--workers", "3"])

    assert execs == [(sys.executable, GUNICORN)]
    assert (os.environ["HOST"], os.environ["PORT"], os.environ["WORKERS"]) == (
        "0.0.0.0",
        "9090",
        "3",
    )


def test_serve_refuses_bad_settings(
    execs: list[tuple[str, list[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--workers", "0"]) == 2

    assert execs == []
    assert "WORKERS must be >= 1" in capsys.readouterr().err


# --- the program as a whole -----------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out == f"review-analyzer {__version__}\n"


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])

    assert exited.value.code == 2
    assert "usage: review-analyzer" in capsys.readouterr().err


def test_python_m_service_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"review-analyzer {__version__}\n"
