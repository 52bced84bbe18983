"""HTTP side of the benchmark: gunicorn servers on 127.0.0.1, wrk load, worker RSS from /proc.

Both servers start exactly like `make run`, through `bench.launcher`: `.venv/bin/gunicorn
--config python:service.gunicorn_conf APP` with WORKERS and a private PROMETHEUS_MULTIPROC_DIR
in a minimal environment (HOST is pinned to 127.0.0.1, PORT is a free port), so no setting in
the caller's shell changes what is measured. Only the WSGI app differs: `service.wsgi:app` or
`bench.baseline_app:app`. Every load run is bounded by wrk's own duration.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.launcher import HOST, START_TIMEOUT, Gunicorn
from bench.launcher import SERVICE_APP as SERVICE_APP

LUA_SCRIPT = Path(__file__).with_name("wrk_post.lua")
BASELINE_APP = "bench.baseline_app:app"
_KIB = 1024
_MB = 1_000_000
_VMRSS = re.compile(r"^VmRSS:\s+(\d+)\s+kB", re.MULTILINE)
_WRK_JSON = "BENCH_JSON "


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    errors: int
    non_2xx: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def parse_wrk(output: str) -> WrkResult:
    """The summary line that wrk_post.lua's `done` prints."""
    for line in output.splitlines():
        if line.startswith(_WRK_JSON):
            data = json.loads(line[len(_WRK_JSON) :])
            socket_errors = sum(data[k] for k in ("connect", "read", "write", "timeout"))
            return WrkResult(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                errors=socket_errors,
                non_2xx=data["status"],
                p50_ms=data["p50_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
            )
    raise ValueError("wrk printed no BENCH_JSON summary line")


def parse_rss_kb(status: str) -> int:
    """VmRSS in kB from the text of /proc/PID/status."""
    found = _VMRSS.search(status)
    if found is None:
        raise ValueError("no VmRSS line")
    return int(found.group(1))


def rss_mb(pid: int) -> float | None:
    """Resident set size of `pid` in (decimal) MB, or None once it is gone."""
    try:
        return parse_rss_kb(Path(f"/proc/{pid}/status").read_text()) * _KIB / _MB
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Server:
    """One benchmarked gunicorn: its name in the report, the running server, its first workers."""

    name: str
    gunicorn: Gunicorn
    workers: tuple[int, ...]

    @property
    def port(self) -> int:
        """The 127.0.0.1 port it listens on."""
        return self.gunicorn.port

    def worker_pids(self) -> list[int]:
        """The current worker pids (gunicorn replaces a worker that dies or times out)."""
        return self.gunicorn.worker_pids()


@contextlib.contextmanager
def gunicorn(name: str, app: str, workers: int) -> Iterator[Server]:
    """Serve `app` with `workers` workers on a free 127.0.0.1 port; stop it after, even on error.

    Ready once /livez (the baseline has no /readyz) answers and every worker is up. SIGINT
    stops it: gunicorn's quick shutdown, with no readiness drain to wait for.
    """
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
        home = Path(scratch)
        settings = {"WORKERS": str(workers), "PROMETHEUS_MULTIPROC_DIR": str(home / "metrics")}
        with Gunicorn.run_gunicorn(
            home, settings, app=app, ready_path="/livez", stop_signal=signal.SIGINT
        ) as server:
            server.wait_until(
                lambda: len(server.worker_pids()) >= workers, f"{workers} workers", START_TIMEOUT
            )
            yield Server(name, server, tuple(server.worker_pids()))


def run_wrk(
    wrk: str, port: int, bodies: Path, seconds: float, threads: int, connections: int
) -> WrkResult:
    """Load POST /v1/analyze on 127.0.0.1:port with wrk for `seconds`, rotating `bodies`."""
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={LUA_SCRIPT}",
        f"http://{HOST}:{port}/v1/analyze",
    ]
    env = {**os.environ, "BENCH_BODIES": str(bodies)}
    done = subprocess.run(  # noqa: S603 - a fixed command against our own loopback server
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


class RssSampler:
    """Samples the RSS of a server's workers every `interval` seconds in a background thread."""

    def __init__(self, server: Server, interval: float = 0.5) -> None:
        self._server = server
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.samples: list[tuple[float, int, float]] = []  # (seconds since start, pid, MB)
        self._start = time.monotonic()

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.snapshot()
            self._stop.wait(self._interval)

    def snapshot(self) -> dict[int, float]:
        """RSS of every current worker now, also appended to `samples`."""
        now = time.monotonic() - self._start
        current: dict[int, float] = {}
        for pid in self._server.worker_pids():
            size = rss_mb(pid)
            if size is not None:
                current[pid] = size
                self.samples.append((now, pid, size))
        return current


def request_lines(bodies: Sequence[str], prefix: str = "bench") -> str:
    """One compact JSON request `{"body", "id"}` per line, for wrk_post.lua."""
    return "".join(
        json.dumps({"body": body, "id": f"{prefix}-{n}"}) + "\n" for n, body in enumerate(bodies)
    )
