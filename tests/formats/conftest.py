"""Fixtures of the format tests: golden-file comparison and the SARIF/rdjson schema validators.

Regenerate every golden file after an intended change of a format with

    .venv/bin/pytest tests/formats --update-goldens

and review the diff of tests/formats/golden/ before committing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

SHARED_SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "schemas"
SCHEMAS = Path(__file__).parent / "schemas"
GOLDEN = Path(__file__).parent / "golden"

Golden = Callable[[str, str], None]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/formats/golden/ from the current formats instead of comparing",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """Return `check(name, text)`: compare `text` with golden/`name` (or rewrite it)."""
    update = bool(request.config.getoption("--update-goldens"))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_text(text, "utf-8")
            return
        assert path.exists(), f"{path} is missing: run pytest tests/formats --update-goldens"
        assert text == path.read_text("utf-8"), f"{name} differs from its golden file"

    return check


def _schema(name: str) -> dict[str, Any]:
    # The schemas are vendored next to the tests; the shared copy, when present, must match.
    vendored = SCHEMAS / name
    schema: dict[str, Any] = json.loads(vendored.read_text("utf-8"))
    shared = SHARED_SCHEMAS / name
    if shared.exists():
        assert json.loads(shared.read_text("utf-8")) == schema, f"{name} differs from shared"
    return schema


@pytest.fixture(scope="session")
def sarif_validator() -> Draft4Validator:
    """The official SARIF 2.1.0 JSON schema (draft-04), with format checks."""
    schema = _schema("sarif-schema-2.1.0.json")
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


@pytest.fixture(scope="session")
def rdjson_validator() -> Draft4Validator:
    """reviewdog's DiagnosticResult JSON schema (draft-04)."""
    schema = _schema("rdjson/DiagnosticResult.json")
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
