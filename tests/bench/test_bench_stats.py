"""The benchmark's arithmetic and table rendering (no timing is asserted anywhere)."""

from __future__ import annotations

import math

import pytest

from bench.stats import (
    Row,
    format_ms,
    format_size,
    growth_exponent,
    median,
    percentile,
    render_table,
    summary,
    throughput_mb_s,
)


def test_percentile_interpolates_between_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == 2.5
    assert percentile(list(range(101)), 99) == 99.0


def test_median_of_odd_and_single() -> None:
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([7.0]) == 7.0


@pytest.mark.parametrize("q", [-1, 101])
def test_percentile_rejects_out_of_range(q: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], q)


def test_percentile_rejects_empty() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_growth_exponent_linear_and_quadratic() -> None:
    sizes = [1.0, 2.0, 4.0, 8.0]
    assert growth_exponent(sizes, [3 * s for s in sizes]) == pytest.approx(1.0)
    assert growth_exponent(sizes, [s * s for s in sizes]) == pytest.approx(2.0)
    assert growth_exponent(sizes, [5.0] * 4) == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("sizes", "times"),
    [([1.0], [1.0]), ([1.0, 2.0], [1.0]), ([0.0, 2.0], [1.0, 2.0]), ([2.0, 2.0], [1.0, 2.0])],
)
def test_growth_exponent_rejects_degenerate_input(sizes: list[float], times: list[float]) -> None:
    with pytest.raises(ValueError, match=r"need|positive|differ"):
        growth_exponent(sizes, times)


def test_throughput_is_decimal_megabytes() -> None:
    assert throughput_mb_s(2_000_000, 2.0) == 1.0
    assert math.isinf(throughput_mb_s(1, 0.0))


def test_formatting() -> None:
    assert format_ms(1_234_567) == "1.23 ms"
    assert format_ms(12_345_678) == "12.3 ms"
    assert format_ms(250_000_000) == "250 ms"
    assert format_size(1024 * 1024) == "1 MiB"
    assert format_size(4096) == "4 KB"
    assert format_size(100) == "100 B"


def test_table_is_aligned_markdown_with_status() -> None:
    rows = [Row("p50", "0.5 ms", "<= 1 ms", True), Row("info", "3"), Row("p99", "4 ms", "x", False)]
    lines = render_table(rows).splitlines()
    assert lines[0].startswith("| measure")
    assert set(lines[1]) <= {"|", "-"}
    assert len({len(line) for line in lines}) == 1  # every line padded to the same width
    assert "PASS" in lines[2]
    assert "PASS" not in lines[3]
    assert "FAIL" not in lines[3]
    assert "FAIL" in lines[4]
    assert summary(rows) == "1 of 2 targets met"
