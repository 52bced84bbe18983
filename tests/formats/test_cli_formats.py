"""`review-analyzer analyze --format F --fail-on X --path P ... FILE`: output and exit status."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from support.corpus import crafted_body

from service import cli
from service.analysis.model import Analysis, Severity, Verdict
from service.cli import main
from service.formats import FORMAT_CHOICES, ReviewContext, render, to_text
from service.formats.policy import FailOn

from .cases import CRAFTED_01, CRAFTED_10, F, analysis, issue

CRAFTED_01_BODY = crafted_body("crafted-01")
HIGH_BUG = analysis(
    "bug",
    Verdict.INCONCLUSIVE,
    None,
    (issue(1, None, "Off by one (line 3).", F, "correctness", Severity.HIGH, lines=((3, 3),)),),
)


@pytest.fixture
def review(tmp_path: Path) -> Path:
    path = tmp_path / "review.md"
    path.write_text(CRAFTED_01_BODY, "utf-8")
    return path


def stub(monkeypatch: pytest.MonkeyPatch, fixed: Analysis) -> None:
    monkeypatch.setattr(cli, "analyze", lambda body, review_id=None: fixed)


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_prints_the_format(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], review: Path, fmt: str
) -> None:
    stub(monkeypatch, CRAFTED_01)
    args = ["analyze", "--format", fmt, "--path", "app/db.py", "--commit", "4f1c2e9"]
    status = main([*args, "--source", "gpt-4o", str(review)])

    out = capsys.readouterr().out
    context = ReviewContext(path="app/db.py", commit="4f1c2e9", source="gpt-4o")
    expected = to_text(render(CRAFTED_01, fmt, context), indent=2)
    assert out == expected if expected.endswith("\n") else out == expected + "\n"
    assert status == 1  # three security findings fail the default policy


@pytest.mark.parametrize(
    ("fixed", "fail_on", "status"),
    [
        (CRAFTED_01, None, 1),
        (CRAFTED_01, "critical", 0),
        (CRAFTED_01, "high", 1),
        (CRAFTED_10, None, 0),
        (CRAFTED_10, "any", 0),
        (HIGH_BUG, None, 0),
        (HIGH_BUG, "security", 0),
        (HIGH_BUG, "high", 1),
        (HIGH_BUG, "any", 1),
    ],
)
def test_exit_status_follows_the_policy(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    review: Path,
    fixed: Analysis,
    fail_on: str | None,
    status: int,
) -> None:
    stub(monkeypatch, fixed)
    option = ["--fail-on", fail_on] if fail_on else []
    assert main(["analyze", "--format", "github", *option, str(review)]) == status
    event = json.loads(capsys.readouterr().out)["event"]
    assert (event == "REQUEST_CHANGES") == (status == 1)


def test_json_is_the_default_and_gates_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], review: Path
) -> None:
    stub(monkeypatch, CRAFTED_01)
    assert main(["analyze", str(review)]) == 1
    assert json.loads(capsys.readouterr().out)["id"] == "crafted-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--fail-on", "severe"], "invalid choice: 'severe'"),
        (["--path", ""], "Must not be empty."),
        (["--commit", "a\tb"], "Must not contain control characters."),
        (["--source", "s" * 257], "Longer than 256 characters."),
    ],
)
def test_bad_options_are_usage_errors(
    capsys: pytest.CaptureFixture[str], review: Path, args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["analyze", *args, str(review)])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_unreadable_input_is_2_not_a_verdict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["analyze", "--format", "sarif", str(tmp_path / "absent.md")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "cannot read" in captured.err


def test_real_analyzer_from_stdin_to_valid_sarif(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sarif_validator: Draft4Validator,
) -> None:
    data = CRAFTED_01_BODY.encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    status = main(["analyze", "--format", "sarif", "--path", "app/db.py", "-"])
    log = json.loads(capsys.readouterr().out)
    sarif_validator.validate(log)
    assert status in {0, 1}
    assert log["runs"][0]["properties"]["policy"]["fail_on"] == FailOn.SECURITY.value
