"""`python -m bench`: every measurement of issue 4, one table, the chart, and a JSON record.

Sections, in order (durations chosen so the whole run stays well under 10 minutes on 2 cores):

1. latency of ~4 KB reviews in process (medians over rounds of p50 and p99);
2. real text of growing size up to 1 MiB (linear growth, the 1 MiB time);
3. each worst-case family at the same sizes, against real text of the same size;
4. HTTP throughput of the service against the bare Flask baseline, A/B alternated;
5. worker RSS over the HTTP rounds (and a soak until at least 10k requests).

Sections 1 to 3 run in child processes (`bench.worker`) with timeouts, so a pathological input
is reported as such instead of hanging the run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import httpload, inputs
from bench.launcher import JSON
from bench.stats import (
    NS_PER_MS,
    NS_PER_S,
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

KIB = inputs.KIB
MIB = inputs.MIB
NORMAL_SIZES = (4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB)
WORST_SIZES = (64 * KIB, 256 * KIB, MIB)
RESULTS = inputs.REPO_ROOT / "build" / "bench" / "results.json"
CHART = inputs.REPO_ROOT / "docs" / "bench-analysis-time.png"

# Targets of issue 4.
P50_TARGET_MS = 1.0
P99_TARGET_MS = 3.0
MIB_TARGET_MS = 250.0
WORST_RATIO_TARGET = 3.0
HTTP_RATIO_TARGET = 0.5
RSS_TARGET_MB = 80.0
MEMORY_REQUESTS = 10_000
# Judgement thresholds of the harness (not in the issue): a log-log slope up to this counts as
# linear on a noisy machine, and RSS may move this much over the second half of the requests.
LINEAR_EXPONENT = 1.2
RSS_GROWTH_MB = 2.0
SOAK_CHUNK_S = 15.0  # the soak checkpoints RSS at least this often


@dataclass(frozen=True, slots=True)
class Plan:
    """How long and how often to measure; `--quick` shrinks it for a smoke run."""

    latency_rounds: int = 5
    latency_reps: int = 3
    bot_rounds: int = 3
    normal_repeats: int = 5
    worst_repeats: int = 3
    slow_factor: float = 6.0
    worst_timeout_s: float = 20.0
    worst_budget_s: float = 150.0
    normal_timeout_s: float = 180.0
    http_rounds: int = 3
    http_seconds: float = 10.0
    http_warmup_s: float = 2.0
    soak_max_s: float = 80.0
    wrk_threads: int = 1
    wrk_connections: int = 4
    workers: int = 2

    @property
    def recheck(self) -> dict[str, int]:
        """Options of the second pass over real text, after the worst cases."""
        repeats = self.worst_repeats
        return {"repeats": repeats, "small_repeats": repeats, "slow_ns": 10 * NS_PER_S}


QUICK = Plan(
    latency_rounds=2,
    latency_reps=1,
    bot_rounds=1,
    normal_repeats=1,
    worst_repeats=1,
    worst_timeout_s=10.0,
    worst_budget_s=60.0,
    http_rounds=1,
    http_seconds=2.0,
    http_warmup_s=1.0,
    soak_max_s=5.0,
)


@dataclass
class JobResult:
    """The records a worker printed before it finished or was stopped."""

    records: list[dict[str, Any]]
    timed_out: bool = False
    error: str = ""
    wall_s: float = 0.0


@dataclass
class Report:
    """Everything measured, for the table, the chart and results.json."""

    machine: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(self, measure: str, result: str, target: str = "", ok: bool | None = None) -> None:
        """Append one row to the table."""
        self.rows.append(Row(measure, result, target, ok))


def machine_info() -> dict[str, Any]:
    """CPU model, cores, Python, OS, load and the commit, for the record."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": _commit(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _commit() -> str:
    git = shutil.which("git")
    if git is None:
        return "unknown"
    done = subprocess.run(  # noqa: S603 - read-only `git rev-parse`
        [git, "rev-parse", "--short", "HEAD"],
        cwd=inputs.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def run_job(job: dict[str, Any], timeout: float) -> JobResult:
    """Run one `bench.worker` job; on timeout kill it and keep what it had printed."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.worker"],
        cwd=inputs.REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    timed_out = False
    try:
        out, err = process.communicate(json.dumps(job), timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        timed_out = True
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    error = ""
    if not timed_out and process.returncode != 0:
        lines = err.strip().splitlines()
        error = lines[-1] if lines else f"exit status {process.returncode}"
    return JobResult(records, timed_out, error, time.monotonic() - started)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- 1. latency -------------------------------------------------------------------------------


def measure_latency(report: Report, shared: Path, plan: Plan) -> None:
    """p50 and p99 of ~4 KB reviews (and, for context, of the bot comments as posted)."""
    for name, rounds, reps in (
        ("4k", plan.latency_rounds, plan.latency_reps),
        ("bot", plan.bot_rounds, 1),
    ):
        job = {"mode": "latency", "shared": str(shared), "set": name}
        result = run_job({**job, "rounds": rounds, "reps": reps}, timeout=300)
        if not result.records:
            report.add(f"latency {name}", f"no result: {result.error or 'timeout'}", "", False)
            continue
        p50s = [percentile(r["ns"], 50) for r in result.records]
        p99s = [percentile(r["ns"], 99) for r in result.records]
        means = [sum(r["ns"]) / r["calls"] for r in result.records]
        mean_bytes = result.records[0]["bytes"] / result.records[0]["calls"]
        p50, p99, mean = median(p50s), median(p99s), median(means)
        calls = result.records[0]["calls"]
        report.data[f"latency_{name}"] = {
            "p50_ns": p50,
            "p99_ns": p99,
            "mean_ns": mean,
            "rounds_p50_ns": p50s,
            "rounds_p99_ns": p99s,
            "rounds_mean_ns": means,
            "calls_per_round": calls,
            "mean_bytes": mean_bytes,
        }
        mbs = throughput_mb_s(mean_bytes, mean / NS_PER_S)
        if name == "4k":
            what = f"4 KB reviews ({calls // reps} x {reps} calls, median of {rounds} rounds)"
            report.add(f"{what}: p50", format_ms(p50), "<= 1 ms", p50 <= P50_TARGET_MS * NS_PER_MS)
            report.add(
                "4 KB reviews: p99", format_ms(p99), "<= 3 ms", p99 <= P99_TARGET_MS * NS_PER_MS
            )
            report.add("4 KB reviews: mean, and throughput", f"{format_ms(mean)}, {mbs:.2f} MB/s")
        else:
            what = f"bot comments as posted ({calls}, mean {mean_bytes / KIB:.1f} KB)"
            result_text = f"{format_ms(p50)} / {format_ms(p99)}, {mbs:.2f} MB/s"
            report.add(f"{what}: p50 / p99", result_text)


# ---- 2 and 3. sizes ---------------------------------------------------------------------------


def _medians(records: Sequence[dict[str, Any]]) -> dict[int, float]:
    by_size: dict[int, list[float]] = defaultdict(list)
    for record in records:
        if "ns" in record:
            by_size[record["size"]].append(record["ns"])
    return {size: median(times) for size, times in sorted(by_size.items())}


def _sizes_job(shared: Path, family: str, sizes: Sequence[int], **options: int) -> dict[str, Any]:
    return {
        "mode": "sizes",
        "shared": str(shared),
        "family": family,
        "sizes": list(sizes),
        **options,
    }


def measure_normal(shared: Path, plan: Plan) -> JobResult:
    """Real text at every size of NORMAL_SIZES, repeated at each size."""
    job = _sizes_job(
        shared,
        "normal",
        NORMAL_SIZES,
        repeats=plan.normal_repeats,
        small_repeats=plan.normal_repeats,
        slow_ns=10 * NS_PER_S,
    )
    return run_job(job, plan.normal_timeout_s)


def normal_rows(report: Report, records: Sequence[dict[str, Any]]) -> dict[int, float]:
    """Rows for real text: the 1 MiB time, MB/s per size and the growth exponent."""
    times = _medians(records)
    report.data["normal"] = {str(k): v for k, v in times.items()}
    for size, ns in times.items():
        mbs = throughput_mb_s(size, ns / NS_PER_S)
        if size == MIB:
            report.add(
                "1 MiB of real reviews, concatenated",
                f"{format_ms(ns)} ({mbs:.2f} MB/s)",
                "<= 250 ms",
                ns <= MIB_TARGET_MS * NS_PER_MS,
            )
        else:
            report.add(f"real reviews, {format_size(size)}", f"{format_ms(ns)} ({mbs:.2f} MB/s)")
    if MIB not in times:
        report.add("1 MiB of real reviews", "no result", "<= 250 ms", False)
    grown = {s: t for s, t in times.items() if s >= 16 * KIB}
    if len(grown) >= 2:
        exponent = growth_exponent(list(grown), list(grown.values()))
        report.data["normal_exponent"] = exponent
        report.add(
            "growth exponent 16 KB -> 1 MiB (1.0 = linear)",
            f"{exponent:.2f}",
            f"linear (<= {LINEAR_EXPONENT})",
            exponent <= LINEAR_EXPONENT,
        )
    return times


def measure_worst(shared: Path, plan: Plan, normal_mib_ns: float) -> dict[str, JobResult]:
    """Every worst-case family at WORST_SIZES, each in its own process with a timeout.

    A case slower than `plan.slow_factor` times real text is not repeated; once the section
    has used its budget the remaining cases get one call and a short timeout.
    """
    slow_ns = int(max(plan.slow_factor * normal_mib_ns, NS_PER_S))
    deadline = time.monotonic() + plan.worst_budget_s
    results: dict[str, JobResult] = {}
    for family in inputs.WORST_CASES:
        late = time.monotonic() > deadline
        job = _sizes_job(
            shared,
            family.name,
            WORST_SIZES,
            repeats=1 if late else plan.worst_repeats,
            slow_ns=slow_ns,
        )
        result = run_job(job, plan.worst_timeout_s / (3 if late else 1))
        results[family.name] = result
        done = ", ".join(
            f"{format_size(k)} {format_ms(v)}" for k, v in _medians(result.records).items()
        )
        _say(f"  {family.name}: {done}{'; stopped' if result.timed_out else ''} {result.error}")
    return results


def worst_rows(report: Report, results: dict[str, JobResult], normal: dict[int, float]) -> None:
    """One row per worst-case family: its 1 MiB time and its ratio to real text."""
    worst: dict[str, Any] = {}
    for family in inputs.WORST_CASES:
        result = results[family.name]
        times = _medians(result.records)
        entry: dict[str, Any] = {"label": family.label, "ns": {str(k): v for k, v in times.items()}}
        measure = f"worst case, 1 MiB: {family.label}"
        if MIB in times and MIB in normal:
            ratio = times[MIB] / normal[MIB]
            entry["ratio"] = ratio
            detail = f"{format_ms(times[MIB])} = {ratio:.2f}x"
            if len(times) >= 2:
                exponent = growth_exponent(list(times), list(times.values()))
                entry["exponent"] = exponent
                detail += f", exp {exponent:.2f}"
            report.add(measure, detail, "<= 3x", ratio <= WORST_RATIO_TARGET)
        else:
            entry["timed_out"] = result.timed_out
            report.add(measure, _unfinished(result, times, normal), "<= 3x", False)
        worst[family.name] = entry
    report.data["worst"] = worst


def _unfinished(result: JobResult, times: dict[int, float], normal: dict[int, float]) -> str:
    """What a stopped or failed case got through: where it was stuck, and its last ratio."""
    started = [r["start"] for r in result.records if "start" in r]
    if result.timed_out:
        stuck = format_size(started[-1]) if started else "start-up"
        text = f"stopped after {result.wall_s:.0f} s in {stuck}"
    else:
        text = f"failed: {result.error or 'no output'}"
    if times:
        size, ns = max(times.items())
        ratio = f" = {ns / normal[size]:.1f}x" if size in normal else ""
        text += f"; {format_size(size)}: {format_ms(ns)}{ratio}"
    return text


# ---- 4 and 5. HTTP and memory -----------------------------------------------------------------


@dataclass
class HttpRun:
    """The state of the HTTP section: request counts, rates, errors and RSS checkpoints."""

    wrk: str
    bodies: Path
    plan: Plan
    served: int = 0
    errors: int = 0
    rates: dict[str, list[float]] = field(default_factory=lambda: {"service": [], "baseline": []})
    checkpoints: list[dict[str, Any]] = field(default_factory=list)

    def load(self, server: httpload.Server, seconds: float) -> httpload.WrkResult:
        """One wrk run against `server`; service requests count towards the memory soak."""
        plan = self.plan
        result = httpload.run_wrk(
            self.wrk, server.port, self.bodies, seconds, plan.wrk_threads, plan.wrk_connections
        )
        self.errors += result.errors + result.non_2xx
        if server.name == "service":
            self.served += result.requests
        return result

    def checkpoint(self, sampler: httpload.RssSampler) -> None:
        """Record every worker's RSS against the service requests served so far."""
        self.checkpoints.append({"requests": self.served, "rss": sampler.snapshot()})


def measure_http(report: Report, corpus: inputs.Corpus, plan: Plan) -> None:
    """Service against baseline, alternated; then worker RSS after >= 10k service requests."""
    wrk = shutil.which("wrk")
    if wrk is None:
        report.add("HTTP throughput and memory", "skipped: wrk is not installed", ">= 50%", None)
        return
    with tempfile.TemporaryDirectory(prefix="bench-http-") as scratch:
        bodies = Path(scratch) / "bodies.jsonl"
        bodies.write_text(httpload.request_lines(inputs.four_kb_reviews(corpus)), encoding="utf-8")
        state = HttpRun(wrk, bodies, plan)
        with (
            httpload.gunicorn("service", httpload.SERVICE_APP, plan.workers) as service,
            httpload.gunicorn("baseline", httpload.BASELINE_APP, plan.workers) as baseline,
        ):
            first = bodies.read_bytes().splitlines()[0]
            for server in (service, baseline):
                reply = server.gunicorn.request("POST", "/v1/analyze", first, JSON)
                if reply.status != 200:
                    raise RuntimeError(
                        f"{server.name} answered {reply.status}: {reply.body[:200]!r}"
                    )
            with httpload.RssSampler(service) as sampler:
                _alternate(state, service, baseline, sampler)
                _soak(state, service, sampler)
            restarted = set(service.worker_pids()) != set(service.workers)
    _http_rows(report, state)
    _memory_rows(report, state, sampler.samples, restarted)


def _alternate(
    state: HttpRun,
    service: httpload.Server,
    baseline: httpload.Server,
    sampler: httpload.RssSampler,
) -> None:
    """Warm both up, then `http_rounds` rounds of A/B, the order swapped every round."""
    for server in (service, baseline):
        state.load(server, state.plan.http_warmup_s)
    state.checkpoint(sampler)
    for number in range(state.plan.http_rounds):
        order = (service, baseline) if number % 2 == 0 else (baseline, service)
        for server in order:
            result = state.load(server, state.plan.http_seconds)
            state.rates[server.name].append(result.rate)
            _say(f"  round {number + 1} {server.name}: {result.rate:.0f} req/s")
            if server is service:
                state.checkpoint(sampler)


def _soak(state: HttpRun, service: httpload.Server, sampler: httpload.RssSampler) -> None:
    """Load the service in chunks until it has served MEMORY_REQUESTS, within `soak_max_s`."""
    deadline = time.monotonic() + state.plan.soak_max_s
    while state.served < MEMORY_REQUESTS:
        left = deadline - time.monotonic()
        if left < 1:
            _say(f"  soak: stopped at its {state.plan.soak_max_s:.0f} s cap")
            return
        rate = max(median(state.rates["service"] or [1.0]), 1.0)
        needed = (MEMORY_REQUESTS - state.served) / rate * 1.1 + 1
        seconds = min(left, needed, SOAK_CHUNK_S)
        _say(f"  soak: {state.served} requests so far, {seconds:.0f} s more")
        state.load(service, seconds)
        state.checkpoint(sampler)


def _http_rows(report: Report, state: HttpRun) -> None:
    plan, rates = state.plan, state.rates
    service, baseline = median(rates["service"]), median(rates["baseline"])
    ratio = service / baseline if baseline else 0.0
    report.data["http"] = {
        "rates": rates,
        "ratio": ratio,
        "errors": state.errors,
        "plan": {
            "workers": plan.workers,
            "threads": plan.wrk_threads,
            "connections": plan.wrk_connections,
            "seconds": plan.http_seconds,
        },
    }
    rounds = len(rates["service"])
    how = f"wrk -t{plan.wrk_threads} -c{plan.wrk_connections}, {plan.http_seconds:.0f} s x {rounds}"
    report.add(f"HTTP service, 4 KB reviews ({how})", f"{service:.0f} req/s")
    report.add("HTTP bare Flask baseline, same gunicorn config", f"{baseline:.0f} req/s")
    report.add(
        "HTTP service / baseline (medians)", f"{ratio:.1%}", ">= 50%", ratio >= HTTP_RATIO_TARGET
    )
    report.add("HTTP errors (socket errors + non-2xx)", str(state.errors), "0", state.errors == 0)


def rss_growth(checkpoints: Sequence[dict[str, Any]]) -> tuple[int, float]:
    """From the checkpoint nearest half the requests to the last: (its requests, largest growth).

    Only workers present at both checkpoints count (a replaced worker is reported apart).
    """
    if len(checkpoints) < 2:
        return (checkpoints[-1]["requests"] if checkpoints else 0), 0.0
    final = checkpoints[-1]
    half = min(checkpoints[:-1], key=lambda c: abs(c["requests"] - final["requests"] / 2))
    common = [pid for pid in final["rss"] if pid in half["rss"]]
    growth = max((final["rss"][pid] - half["rss"][pid] for pid in common), default=0.0)
    return half["requests"], growth


def _memory_rows(
    report: Report,
    state: HttpRun,
    samples: Sequence[tuple[float, int, float]],
    restarted: bool,
) -> None:
    final = state.checkpoints[-1]["rss"]
    since, growth = rss_growth(state.checkpoints)
    peak = max((s[2] for s in samples), default=0.0)
    served = state.served
    report.data["memory"] = {
        "checkpoints": state.checkpoints,
        "samples": samples,
        "requests": served,
        "restarted": restarted,
        "growth_mb": growth,
        "peak_mb": peak,
    }
    per_worker = " / ".join(f"{v:.1f}" for v in final.values())
    short = "" if served >= MEMORY_REQUESTS else f", short of {MEMORY_REQUESTS}: soak cap"
    report.add(
        f"RSS per worker after {served} requests (peak {peak:.1f}{short})",
        f"{per_worker} MB",
        "<= 80 MB",
        bool(final) and max(final.values()) <= RSS_TARGET_MB and served >= MEMORY_REQUESTS,
    )
    report.add(
        f"RSS growth, requests {since} -> {served}",
        f"{growth:+.1f} MB" + (" (a worker was replaced)" if restarted else ""),
        f"not growing (<= {RSS_GROWTH_MB:.0f} MB)",
        growth <= RSS_GROWTH_MB and not restarted,
    )


# ---- main -------------------------------------------------------------------------------------


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=inputs.default_shared_dir())
    parser.add_argument("--quick", action="store_true", help="short smoke run, numbers are rough")
    parser.add_argument("--skip-http", action="store_true", help="in-process sections only")
    parser.add_argument("--no-chart", action="store_true", help="do not redraw the PNG")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    args.shared = args.shared.resolve()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run every section, print the table and the machine, write results.json and the chart."""
    args = _parse(argv)
    plan = QUICK if args.quick else Plan()
    corpus = inputs.load_corpus(args.shared)
    report = Report(machine_info())
    started = time.monotonic()
    with _section(report, "latency"):
        measure_latency(report, args.shared, plan)
    with _section(report, "sizes"):
        _sizes(report, args.shared, plan)
    if args.skip_http:
        report.add("HTTP throughput and memory", "skipped (--skip-http)")
    else:
        with _section(report, "http"):
            try:
                measure_http(report, corpus, plan)
            except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as exc:
                report.add("HTTP throughput and memory", f"failed: {exc}"[:200], ">= 50%", False)
    report.data["elapsed_s"] = time.monotonic() - started
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": report.machine, **report.data}, indent=1))
    if not args.no_chart:
        # Imported by name: matplotlib is in the `bench` extra only, and neither the tests nor
        # mypy (which follows plain imports from tests/bench) should need it.
        chart = importlib.import_module("bench.chart")
        chart.draw(report.data, CHART)
    _print(report, plan, time.monotonic() - started)
    missed = any(r.ok is False for r in report.rows)
    return 1 if args.strict and missed else 0


@contextlib.contextmanager
def _section(report: Report, name: str) -> Iterator[None]:
    _say(f"bench: {name}")
    started = time.monotonic()
    try:
        yield
    finally:
        report.data.setdefault("sections_s", {})[name] = round(time.monotonic() - started, 1)


def _sizes(report: Report, shared: Path, plan: Plan) -> None:
    """Real text up to 1 MiB, every worst case, real text again; then their rows."""
    normal_job = measure_normal(shared, plan)
    first = _medians(normal_job.records)
    _say(f"  normal: {', '.join(f'{format_size(k)} {format_ms(v)}' for k, v in first.items())}")
    if normal_job.error or normal_job.timed_out:
        _say(f"  normal: {normal_job.error or 'stopped at its timeout'}")
    _say(f"  {len(inputs.WORST_CASES)} worst cases, each against real text of the same size")
    worst = measure_worst(shared, plan, first.get(MIB, float(NS_PER_S)))
    # Real text once more after the worst cases, so a drift in machine load during the section
    # moves both sides of the ratios alike.
    again = run_job(_sizes_job(shared, "normal", WORST_SIZES, **plan.recheck), 120).records
    normal = normal_rows(report, [*normal_job.records, *again])
    worst_rows(report, worst, normal)


def _print(report: Report, plan: Plan, elapsed: float) -> None:
    m = report.machine
    print()
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']}, {m['os']}"
    )
    print(f"commit {m['commit']}, {m['date']}, load average at start {m['load_average']}")
    print(
        f"HTTP: gunicorn sync x {plan.workers} workers; wrk on 127.0.0.1; all figures are medians"
    )
    print()
    print(render_table(report.rows))
    print()
    where = RESULTS.relative_to(inputs.REPO_ROOT)
    sections = ", ".join(f"{k} {v:.0f} s" for k, v in report.data.get("sections_s", {}).items())
    print(f"{summary(report.rows)}; bench took {elapsed:.0f} s ({sections}); results in {where}")
