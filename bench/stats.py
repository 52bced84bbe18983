"""Pure arithmetic and formatting for the benchmark: percentiles, growth, units, the table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000
MB = 1_000_000  # throughput in MB/s is decimal, as every tool reports it


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 <= q <= 100), linear between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    """The median (the mean of the middle two for an even count)."""
    return percentile(values, 50)


def growth_exponent(sizes: Sequence[float], times: Sequence[float]) -> float:
    """Least-squares slope of log(time) against log(size): 1.0 is linear, 2.0 quadratic."""
    if len(sizes) != len(times) or len(sizes) < 2:
        raise ValueError("need at least two (size, time) pairs")
    if min(sizes) <= 0 or min(times) <= 0:
        raise ValueError("sizes and times must be positive")
    xs = [math.log(s) for s in sizes]
    ys = [math.log(t) for t in times]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        raise ValueError("sizes must differ")
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def throughput_mb_s(size_bytes: float, seconds: float) -> float:
    """Decimal megabytes per second."""
    return size_bytes / seconds / MB if seconds > 0 else math.inf


def format_ms(ns: float) -> str:
    """A duration in nanoseconds as milliseconds with three significant figures."""
    ms = ns / NS_PER_MS
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def format_size(size: int) -> str:
    """A byte count as B, KB (KiB) or MiB, the way the issue names the sizes."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the result table: what, the measured value, the target, and the verdict.

    `ok` is None for informative rows that have no target.
    """

    measure: str
    result: str
    target: str = ""
    ok: bool | None = None

    @property
    def status(self) -> str:
        """PASS, FAIL or nothing."""
        if self.ok is None:
            return ""
        return "PASS" if self.ok else "FAIL"


HEADER = ("measure", "result", "target", "status")


def render_table(rows: Sequence[Row]) -> str:
    """A GitHub-flavoured markdown table, its columns padded so it also reads as plain text."""
    cells = [HEADER, *((r.measure, r.result, r.target, r.status) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def summary(rows: Sequence[Row]) -> str:
    """`N of M targets met` over the rows that have a target."""
    judged = [r for r in rows if r.ok is not None]
    met = sum(1 for r in judged if r.ok)
    return f"{met} of {len(judged)} targets met"
