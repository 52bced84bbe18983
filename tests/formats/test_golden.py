"""Every format, byte for byte, on fixed Analyses (tests/formats/cases.py) and one batch.

Goldens are rewritten with `pytest tests/formats --update-goldens`; review the diff.
"""

from __future__ import annotations

import pytest

from service.formats import FORMAT_CHOICES, render, render_batch, to_text
from service.formats.policy import FailOn

from .cases import CASES, CASES_BY_NAME, Case
from .conftest import Golden


def _extension(fmt: str) -> str:
    return "md" if fmt == "markdown" else "json"


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_single_review_matches_its_golden_file(golden: Golden, case: Case, fmt: str) -> None:
    rendered = render(case.analysis, fmt, case.context)
    golden(f"{case.name}.{fmt}.{_extension(fmt)}", to_text(rendered, indent=2))


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_batch_matches_its_golden_file(golden: Golden, fmt: str) -> None:
    chosen = [CASES_BY_NAME[name] for name in ("crafted-01", "crafted-10", "crafted-13")]
    rendered = render_batch([(c.analysis, c.context) for c in chosen], fmt, FailOn.HIGH)
    golden(f"batch.{fmt}.{_extension(fmt)}", to_text(rendered, indent=2))


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_rendering_is_deterministic(fmt: str) -> None:
    case = CASES_BY_NAME["crafted-13"]
    first = to_text(render(case.analysis, fmt, case.context), indent=2)
    assert all(
        to_text(render(case.analysis, fmt, case.context), indent=2) == first for _ in range(3)
    )
