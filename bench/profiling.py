"""`python -m bench.profiling`: where the analyzer spends its time, per input class.

For each class (the ~4 KB reviews; the same reviews through the Flask app, through the app with
the analysis precomputed, and through the baseline app; 1 MiB of real reviews; the worst-case
families) it times one plain run, then runs it under cProfile and under pyinstrument, and
writes, to build/bench/profile/:

* ``CLASS.txt``: the top functions by self time and by cumulative time (cProfile), as
  ``path:function`` relative to the repository or to site-packages;
* ``CLASS.tree.txt``: pyinstrument's call tree (wall clock, low overhead);
* ``summary.md``: the top self-time functions of every class side by side, and the time per
  4 KB request of the analyzer, the service app, its API layer alone and the baseline app.

Worst cases default to the families that missed the 3x target in build/bench/results.json (all
families when there is none), at 256 KB so that the slowest ones finish in seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from flask import Flask
from pyinstrument import Profiler

from bench import inputs
from bench.baseline_app import app as baseline
from bench.run import RESULTS, WORST_RATIO_TARGET
from bench.worker import WARM_UP
from service.analysis import analyze
from service.api import analyze as api_analyze
from service.api.app import create_app
from service.config import Settings

OUT = inputs.REPO_ROOT / "build" / "bench" / "profile"
TOP = 15
SITE = "site-packages/"
SLOW_S = 5.0
_STUBBED = "analyze"  # the name service.api.analyze calls the analyzer by


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


def builtin_callers(
    stats: pstats.Stats, count: int = 3, per: int = 5
) -> list[tuple[str, list[tuple[str, float, int]]]]:
    """For the `count` builtins with the most self time (regex search, match, ...): who calls them.

    cProfile cannot say which pattern a `Pattern.search` ran; its callers with their share of
    its time say which code to look at.
    """
    raw = stats.stats  # type: ignore[attr-defined]
    builtins = sorted(
        ((func, values) for func, values in raw.items() if func[0] == "~"),
        key=lambda item: -item[1][2],
    )[:count]
    found = []
    for func, values in builtins:
        callers = sorted(values[4].items(), key=lambda item: -item[1][2])[:per]
        found.append((where(*func), [(where(*c), v[2], v[1]) for c, v in callers]))
    return found


def _profile(run: Callable[[], None]) -> tuple[float, pstats.Stats, float, str]:
    """Plain wall time, then cProfile (stats, wall time), then pyinstrument's call tree.

    The tree is left out for a class whose plain run took over SLOW_S: cProfile says enough.
    """
    started = time.perf_counter()
    run()
    plain = time.perf_counter() - started
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    run()
    profiler.disable()
    profiled = time.perf_counter() - started
    text = f"(no call tree: the plain run took {plain:.1f} s)\n"
    if plain <= SLOW_S:
        tree = Profiler(interval=0.0005)
        tree.start()
        run()
        tree.stop()
        text = tree.output_text(unicode=False, color=False, show_all=False, short_mode=False)
    return plain, pstats.Stats(profiler, stream=io.StringIO()), profiled, text


def _report(name: str, what: str, plain: float, stats: pstats.Stats, elapsed: float) -> str:
    lines = [
        f"# {name}: {what}",
        f"wall time {plain * 1000:.0f} ms; under cProfile {elapsed * 1000:.0f} ms",
        "",
    ]
    for key, title in (("tottime", "self time"), ("cumtime", "cumulative time")):
        lines.append(f"## top {TOP} by {title}")
        share = max(elapsed, 1e-9)
        for function, seconds, calls in top_functions(stats, key):
            lines.append(f"{seconds * 1000:9.1f} ms {seconds / share:6.1%} {calls:>8} {function}")
        lines.append("")
    lines.append("## who calls the builtins with the most self time")
    for builtin, callers in builtin_callers(stats):
        lines.append(builtin)
        for function, seconds, calls in callers:
            lines.append(f"  {seconds * 1000:9.1f} ms {calls:>8} {function}")
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
        (
            "http4kb",
            f"the same {len(reviews)} reviews POSTed through the Flask app",
            _http(reviews),
        ),
        ("api4kb", "the same requests, analysis precomputed: API layer only", _api_only(reviews)),
        ("baseline4kb", "the same requests to bench/baseline_app.py", _http(reviews, baseline)),
        ("1mib", "1 MiB of real reviews", _bind(mib)),
    ]
    for name in families:
        body = inputs.build(name, size, corpus)
        label = inputs.family(name).label
        classes.append((name, f"{label}, {inputs.utf8_size(body)} bytes", _bind(body)))
    return classes


def _http(reviews: Sequence[str], app: Flask | None = None) -> Callable[[], None]:
    """POST every review to a Flask app through its test client (no server, no socket).

    The service app by default: what this adds over `4kb` is the API layer's cost per request
    (routing, hooks, request schema, serialisation, JSON, logging, metrics). Its JSON log lines
    go to a buffer.
    """
    with contextlib.redirect_stderr(io.StringIO()):
        client = (app or create_app(Settings())).test_client()
    requests = [json.dumps({"body": body, "id": f"p{n}"}) for n, body in enumerate(reviews)]

    def run() -> None:
        with contextlib.redirect_stderr(io.StringIO()):
            for data in requests:
                answer = client.post("/v1/analyze", data=data, content_type="application/json")
                if answer.status_code != 200:
                    raise RuntimeError(f"the app answered {answer.status_code}")

    return run


def _api_only(reviews: Sequence[str]) -> Callable[[], None]:
    """The service app with `analyze` answering precomputed results: the API layer alone."""
    done = {body: analyze(body) for body in reviews}
    post = _http(reviews)

    def run() -> None:
        real = getattr(api_analyze, _STUBBED)
        setattr(api_analyze, _STUBBED, lambda body, review_id=None: done[body])
        try:
            post()
        finally:
            setattr(api_analyze, _STUBBED, real)

    return run


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
    for stale in OUT.glob("*.txt"):
        stale.unlink()
    summary = ["| class | wall time | top self time (cProfile) |", "|---|---|---|"]
    per_request: dict[str, float] = {}
    analyze(WARM_UP)  # lexicon and taxonomy loaded before anything is timed
    for name, what, run in _classes(corpus, args.families or _missed_families(), args.size):
        plain, stats, elapsed, tree = _profile(run)
        (OUT / f"{name}.txt").write_text(_report(name, what, plain, stats, elapsed))
        (OUT / f"{name}.tree.txt").write_text(tree)
        top = "; ".join(
            f"{f.rsplit(':', 1)[-1]} {s / elapsed:.0%}"
            for f, s, _ in top_functions(stats, "tottime", 4)
        )
        summary.append(f"| {name} | {plain * 1000:.0f} ms | {top} |")
        per_request[name] = plain
        print(f"{name}: {plain * 1000:.0f} ms", file=sys.stderr, flush=True)
    count = len(inputs.four_kb_reviews(corpus))
    summary += ["", "per 4 KB request, in process (plain runs):"]
    for name in ("4kb", "http4kb", "api4kb", "baseline4kb"):
        summary.append(f"  {name:12} {per_request[name] / count * 1000:.3f} ms")
    (OUT / "summary.md").write_text("\n".join(summary) + "\n")
    print("\n".join(summary))
    print(f"\nreports in {OUT.relative_to(inputs.REPO_ROOT)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
