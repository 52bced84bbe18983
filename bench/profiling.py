"""`python -m bench.profiling`: where the analyzer spends its time, per input class.

For each class (the ~4 KB reviews, 1 MiB of real reviews, and the worst-case families) it runs
`analyze()` under cProfile and under pyinstrument and writes, to build/bench/profile/:

* ``CLASS.txt``: the top functions by self time and by cumulative time (cProfile), as
  ``path:function`` relative to the repository or to site-packages;
* ``CLASS.tree.txt``: pyinstrument's call tree (wall clock, low overhead);
* ``summary.md``: the top self-time functions of every class side by side.

Worst cases default to the families that missed the 3x target in build/bench/results.json (all
families when there is none), at 256 KB so that the slowest ones finish in seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pyinstrument import Profiler

from bench import inputs
from bench.run import RESULTS, WORST_RATIO_TARGET
from service.analysis import analyze

OUT = inputs.REPO_ROOT / "build" / "bench" / "profile"
TOP = 15
SITE = "site-packages/"


def where(filename: str, line: int, function: str) -> str:
    """`path:function` for a pstats key, short: repo-relative, site-packages-relative or builtin."""
    if filename == "~":
        return function
    path = filename
    root = str(inputs.REPO_ROOT) + "/"
    if path.startswith(root):
        path = path[len(root) :]
    elif SITE in path:
        path = path.split(SITE, 1)[1]
    else:
        path = Path(path).name
    return f"{path}:{line}:{function}"


def top_functions(stats: pstats.Stats, key: str, count: int = TOP) -> list[tuple[str, float, int]]:
    """The `count` functions with the highest `key` ('tottime' or 'cumtime'): name, s, calls."""
    index = {"tottime": 2, "cumtime": 3}[key]
    raw = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(raw.items(), key=lambda item: -item[1][index])[:count]
    return [(where(*func), values[index], values[1]) for func, values in ranked]


def _profile(run: Callable[[], None]) -> tuple[pstats.Stats, str, float]:
    run()  # warm: lazily built state is not what we are after
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    run()
    profiler.disable()
    elapsed = time.perf_counter() - started
    tree = Profiler(interval=0.0005)
    tree.start()
    run()
    tree.stop()
    text = tree.output_text(unicode=False, color=False, show_all=False, short_mode=False)
    return pstats.Stats(profiler, stream=io.StringIO()), text, elapsed


def _report(name: str, what: str, stats: pstats.Stats, elapsed: float) -> str:
    lines = [f"# {name}: {what}", f"wall time under cProfile: {elapsed * 1000:.0f} ms", ""]
    for key, title in (("tottime", "self time"), ("cumtime", "cumulative time")):
        lines.append(f"## top {TOP} by {title}")
        share = max(elapsed, 1e-9)
        for function, seconds, calls in top_functions(stats, key):
            lines.append(f"{seconds * 1000:9.1f} ms {seconds / share:6.1%} {calls:>8} {function}")
        lines.append("")
    return "\n".join(lines)


def _missed_families() -> list[str]:
    try:
        worst = json.loads(RESULTS.read_text())["worst"]
    except (OSError, KeyError, ValueError):
        return [f.name for f in inputs.WORST_CASES]
    return [
        name
        for name, entry in worst.items()
        if entry.get("ratio") is None or entry["ratio"] > WORST_RATIO_TARGET
    ]


def _classes(
    corpus: inputs.Corpus, families: Sequence[str], size: int
) -> list[tuple[str, str, Callable[[], None]]]:
    reviews = inputs.four_kb_reviews(corpus)
    mib = inputs.real_text(corpus, inputs.MIB)

    def four_kb() -> None:
        for body in reviews:
            analyze(body)

    classes = [
        ("4kb", f"{len(reviews)} reviews of 4 KB, once each", four_kb),
        ("1mib", "1 MiB of real reviews", _bind(mib)),
    ]
    for name in families:
        body = inputs.build(name, size, corpus)
        label = inputs.family(name).label
        classes.append((name, f"{label}, {inputs.utf8_size(body)} bytes", _bind(body)))
    return classes


def _bind(body: str) -> Callable[[], None]:
    def run() -> None:
        analyze(body)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Profile every class and write the reports."""
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument("--shared", type=Path, default=inputs.default_shared_dir())
    parser.add_argument("--size", type=int, default=256 * inputs.KIB, help="worst-case size")
    parser.add_argument("families", nargs="*", help="worst-case families (default: the misses)")
    args = parser.parse_args(argv)
    corpus = inputs.load_corpus(args.shared.resolve())
    OUT.mkdir(parents=True, exist_ok=True)
    summary = ["| class | time | top self time (cProfile) |", "|---|---|---|"]
    for name, what, run in _classes(corpus, args.families or _missed_families(), args.size):
        stats, tree, elapsed = _profile(run)
        (OUT / f"{name}.txt").write_text(_report(name, what, stats, elapsed))
        (OUT / f"{name}.tree.txt").write_text(tree)
        top = "; ".join(
            f"{f.rsplit(':', 1)[-1]} {s / elapsed:.0%}"
            for f, s, _ in top_functions(stats, "tottime", 4)
        )
        summary.append(f"| {name} | {elapsed * 1000:.0f} ms | {top} |")
        print(f"{name}: {elapsed * 1000:.0f} ms under cProfile", file=sys.stderr, flush=True)
    (OUT / "summary.md").write_text("\n".join(summary) + "\n")
    print("\n".join(summary))
    print(f"\nreports in {OUT.relative_to(inputs.REPO_ROOT)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
