"""The chart of BENCHMARKS.md: analysis time against input size, real text and worst cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # no display: files only

import matplotlib.pyplot as plt

from bench.stats import NS_PER_MS

KIB = 1024
RATIO_LIMIT = 3.0
LABELLED = 8  # worst-case families named in the legend: the slowest ones


def _series(ns_by_size: dict[str, float]) -> tuple[list[float], list[float]]:
    pairs = sorted((int(size), ns / NS_PER_MS) for size, ns in ns_by_size.items())
    return [s / KIB for s, _ in pairs], [ms for _, ms in pairs]


def draw(data: dict[str, Any], path: Path) -> None:
    """Write the two-panel PNG: real text on linear axes, every family on log-log axes."""
    normal_x, normal_y = _series(data.get("normal", {}))
    worst: dict[str, Any] = data.get("worst", {})
    figure, (linear, loglog) = plt.subplots(1, 2, figsize=(14, 6), dpi=110)

    linear.plot(normal_x, normal_y, "o-", color="black", label="real reviews, measured")
    if normal_x:
        linear.plot(
            [0, normal_x[-1]], [0, normal_y[-1]], ":", color="grey", label="proportional to size"
        )
        linear.axhline(250, color="tab:red", linestyle="--", label="target at 1 MiB: 250 ms")
        exponent = data.get("normal_exponent")
        grows = f", growth exponent {exponent:.2f}" if exponent is not None else ""
        linear.set_title(f"Real reviews: {normal_y[-1]:.0f} ms at {normal_x[-1]:.0f} KB{grows}")
    linear.set_xlabel("input size (KB)")
    linear.set_ylabel("analysis time, median (ms)")
    linear.set_xlim(left=0)
    linear.set_ylim(bottom=0)
    linear.legend(loc="upper left")
    linear.grid(alpha=0.3)

    ranked = sorted(worst.items(), key=lambda item: -item[1].get("ratio", float("inf")))
    named = {name for name, _ in ranked[:LABELLED]}
    for name, entry in ranked:
        xs, ys = _series(entry.get("ns", {}))
        if not xs:
            continue
        if name in named:
            ratio = entry.get("ratio")
            label = f"{entry['label']} ({f'{ratio:.1f}x' if ratio else 'stopped'})"
            loglog.plot(xs, ys, "o-", linewidth=1.2, markersize=3, label=label)
        else:
            loglog.plot(xs, ys, "-", color="lightgrey", linewidth=0.8)
    loglog.plot(normal_x, normal_y, "o-", color="black", linewidth=2.5, label="real reviews")
    if normal_x:
        limit = [y * RATIO_LIMIT for y in normal_y]
        loglog.plot(normal_x, limit, "--", color="tab:red", label="3x real reviews (limit)")
    loglog.set_xscale("log", base=2)
    loglog.set_yscale("log")
    ticks = sorted({*normal_x, *(x for e in worst.values() for x in _series(e.get("ns", {}))[0])})
    loglog.set_xticks(ticks, [f"{t:.0f}" for t in ticks])
    loglog.set_xticks([], minor=True)
    if normal_y:
        loglog.set_ylim(bottom=min(normal_y) / 4)  # a case far cheaper than real text may drop out
    loglog.set_xlabel("input size (KB, log scale)")
    loglog.set_ylabel("analysis time, median (ms, log scale)")
    loglog.set_title(f"Worst cases: {len(worst)} families, the {LABELLED} slowest named, rest grey")
    loglog.legend(loc="upper left", fontsize=7)
    loglog.grid(alpha=0.3, which="both")

    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
