"""`make soak`: sustained load at ~80% of measured capacity against real gunicorn, then a report.

1. Starts gunicorn with the project's config (`service.wsgi:app`, 2 workers) on 127.0.0.1,
   through `bench.launcher`: in a minimal environment, so no setting in the caller's shell
   (API_KEYS, MAX_BODY_BYTES, ...) changes what is soaked.
2. Warms it up, then records each worker's resident memory (RSS).
3. Measures capacity: closed-loop clients, as fast as the server answers, for a few seconds.
4. Soaks: open-loop load at FRACTION of that capacity for DURATION seconds. Each request has a
   scheduled send time, and its latency counts from then, so a stall shows up in the
   percentiles instead of quietly slowing the load down (no coordinated omission).
5. Reports errors (must be 0), achieved rate, latency percentiles, RSS per worker before and
   after (must not grow beyond a small tolerance), worker restarts, and whether /metrics counted
   every request. Exits 1 if any check fails.

Reviews come from tests/data/*.jsonl (realistic bodies of 0.2-3.5 KB), sent round-robin as
`POST /v1/analyze`. All traffic stays on 127.0.0.1 and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.launcher import JSON, REPO_ROOT, Gunicorn

DATA = sorted((REPO_ROOT / "tests" / "data").glob("*.jsonl"))
# RSS growth per worker that still counts as "did not grow": allocator noise and lazily built
# caches, not a leak (a leak of even 1 KB per request would show as several MiB here).
RSS_TOLERANCE_BYTES = 8 * 1024 * 1024
RSS_TOLERANCE_FRACTION = 0.05
REQUEST_TIMEOUT = 60.0
ANALYZE_200 = {"method": "POST", "path": "/v1/analyze", "status": "200"}


@dataclass
class Results:
    """What a load phase saw."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (sent at, latency)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, latency: float, error: str | None, sent_at: float = 0.0) -> None:
        """Add one request's outcome."""
        with self.lock:
            if error is None:
                self.latencies.append(latency)
                self.timeline.append((sent_at, latency))
            else:
                self.errors.append(error)

    @property
    def count(self) -> int:
        """Requests sent, answered or not."""
        return len(self.latencies) + len(self.errors)


def bodies() -> list[bytes]:
    """The request bodies, one per review in tests/data."""
    found = []
    for path in DATA:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                review = json.loads(line)
                found.append(json.dumps({"body": review["body"], "id": review["id"]}).encode())
    if not found:
        raise SystemExit(f"no reviews found in {DATA}")
    return found


def post(server: Gunicorn, body: bytes) -> str | None:
    """POST one review on a fresh connection; None if it was answered 200, else what went wrong."""
    try:
        status = server.request("POST", "/v1/analyze", body, JSON, REQUEST_TIMEOUT).status
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__
    return None if status == 200 else f"HTTP {status}"


def closed_loop(server: Gunicorn, payloads: list[bytes], clients: int, seconds: float) -> Results:
    """`clients` threads sending back to back for `seconds`."""
    results = Results()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        n = offset
        while time.monotonic() < deadline:
            started = time.monotonic()
            error = post(server, payloads[n % len(payloads)])
            results.record(time.monotonic() - started, error)
            n += clients

    run_threads(client, clients)
    return results


def open_loop(
    server: Gunicorn, payloads: list[bytes], rate: float, seconds: float, senders: int
) -> Results:
    """Requests at a fixed `rate` per second for `seconds`, latency counted from schedule.

    `senders` threads share the schedule. A few more than the calibration's clients are enough:
    a sender that falls behind sends at once, and its latency still counts from the scheduled
    time, while many more threads would only cost the machine CPU the server needs.
    """
    results = Results()
    start = time.monotonic() + 0.2
    total = int(rate * seconds)

    def sender(offset: int) -> None:
        for n in range(offset, total, senders):
            scheduled = start + n / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            error = post(server, payloads[n % len(payloads)])
            results.record(time.monotonic() - scheduled, error, scheduled - start)

    run_threads(sender, senders)
    return results


def run_threads(target: Callable[[int], None], count: int) -> None:
    """Run `target(i)` in `count` threads and wait for all of them."""
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def rss(pid: int) -> int:
    """Resident memory of `pid` in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def counted_analyses(server: Gunicorn) -> float:
    """http_requests_total for POST /v1/analyze 200, from /metrics (0 before the first)."""
    return server.scraped(ANALYZE_200) or 0.0


@contextlib.contextmanager
def gunicorn(workdir: Path, worker_count: int) -> Iterator[Gunicorn]:
    """gunicorn with the project's config on a free loopback port; stopped with SIGTERM."""
    settings = {
        "WORKERS": str(worker_count),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        "GRACEFUL_TIMEOUT": "8",
    }
    with Gunicorn.run_gunicorn(workdir, settings) as server:
        yield server


def mib(value: float) -> str:
    """Bytes as MiB with one decimal."""
    return f"{value / 1024 / 1024:.1f} MiB"


def report(
    args: argparse.Namespace,
    capacity: float,
    soak: Results,
    rss_before: dict[int, int],
    rss_after: dict[int, int],
    pids_after: list[int],
    counted: float,
) -> bool:
    """Print the report; return whether every check passed."""
    latencies = sorted(soak.latencies)
    rate = args.fraction * capacity
    print("\n== soak report ==")
    print(f"server          gunicorn, {args.workers} sync workers, 127.0.0.1")
    one, five, _ = os.getloadavg()
    print(
        f"machine         {os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"
    )
    print(f"capacity        {capacity:.1f} req/s (closed loop, {args.clients} clients)")
    print(f"target          {rate:.1f} req/s ({args.fraction:.0%}) for {args.duration:.0f} s")
    print(f"sent            {soak.count} requests ({soak.count / args.duration:.1f} req/s)")
    kinds = f" {sorted(set(soak.errors))}" if soak.errors else ""
    print(f"errors          {len(soak.errors)}{kinds}")
    if latencies:
        quantiles = "  ".join(
            f"{name} {1000 * percentile(latencies, q):.1f}"
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999))
        )
        print(f"latency (ms)    {quantiles}  max {1000 * latencies[-1]:.1f}")
    window = 10.0
    for first in range(0, int(args.duration), int(window)):
        part = sorted(lat for at, lat in soak.timeline if first <= at < first + window)
        if part:
            span = min(window, args.duration - first)  # the last window may be shorter
            print(
                f"  {first:>3}-{first + window:<3.0f}s     {len(part) / span:6.1f} req/s"
                f"  p50 {1000 * percentile(part, 0.5):.1f}  p99 {1000 * percentile(part, 0.99):.1f}"
            )
    grown = []
    for pid, before in rss_before.items():
        after = rss_after.get(pid)
        if after is None:
            print(f"worker {pid:<8} RSS before {mib(before)}  after: gone (restarted)")
            continue
        limit = max(RSS_TOLERANCE_BYTES, RSS_TOLERANCE_FRACTION * before)
        if after - before > limit:
            grown.append(pid)
        print(
            f"worker {pid:<8} RSS before {mib(before)}  after {mib(after)}"
            f"  change {(after - before) / 1024:+.0f} KiB"
        )
    restarted = sorted(set(rss_before) ^ set(pids_after))
    print(f"metrics         /metrics counted {counted:.0f} of {len(latencies)} answered requests")
    rss_check = f"RSS grew by at most {mib(RSS_TOLERANCE_BYTES)} or {RSS_TOLERANCE_FRACTION:.0%}"
    checks = {
        "0 errors": not soak.errors,
        "no worker restarted": not restarted,
        rss_check: not grown,
        "/metrics counted every request": counted == len(latencies),
        "load reached 90% of its target": soak.count >= 0.9 * rate * args.duration,
    }
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return all(checks.values())


def main(argv: list[str] | None = None) -> int:
    """Run the soak; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of soak load")
    parser.add_argument("--fraction", type=float, default=0.8, help="share of measured capacity")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=6, help="clients measuring capacity")
    parser.add_argument("--calibrate", type=float, default=10.0, help="seconds measuring capacity")
    args = parser.parse_args(argv)
    payloads = bodies()
    with (
        tempfile.TemporaryDirectory(prefix="soak-") as scratch,
        gunicorn(Path(scratch), args.workers) as server,
    ):
        print(f"gunicorn up on 127.0.0.1:{server.port}; warming up ...", flush=True)
        warm = closed_loop(server, payloads, args.clients, 5.0)
        if warm.errors:
            print(f"warm-up errors: {sorted(set(warm.errors))}")
        rss_before = {pid: rss(pid) for pid in server.worker_pids()}
        print(f"measuring capacity for {args.calibrate:.0f} s ...", flush=True)
        calibration = closed_loop(server, payloads, args.clients, args.calibrate)
        capacity = len(calibration.latencies) / args.calibrate
        if capacity <= 0:
            print(f"no request succeeded while measuring capacity: {calibration.errors[:5]}")
            return 1
        before_soak = counted_analyses(server)
        rate = args.fraction * capacity
        print(f"soaking at {rate:.1f} req/s for {args.duration:.0f} s ...", flush=True)
        soak = open_loop(server, payloads, rate, args.duration, args.clients + 2)
        time.sleep(1.0)
        pids_after = server.worker_pids()
        rss_after = {pid: rss(pid) for pid in pids_after}
        counted = counted_analyses(server) - before_soak
    passed = report(args, capacity, soak, rss_before, rss_after, pids_after, counted)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
