"""HTTP side of the benchmark: gunicorn servers on 127.0.0.1, wrk load, worker RSS from /proc.

Both servers start exactly like `make run`: `.venv/bin/gunicorn --config
python:service.gunicorn_conf APP` with PORT, WORKERS and PROMETHEUS_MULTIPROC_DIR in the
environment (HOST is pinned to 127.0.0.1). Only the WSGI app differs: `service.wsgi:app` or
`bench.baseline_app:app`. Every load run is bounded by wrk's own duration.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.inputs import REPO_ROOT

HOST = "127.0.0.1"
LUA_SCRIPT = Path(__file__).with_name("wrk_post.lua")
GUNICORN = Path(sys.executable).with_name("gunicorn")
SERVICE_APP = "service.wsgi:app"
BASELINE_APP = "bench.baseline_app:app"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
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


def parse_ppid(stat: str) -> int:
    """The parent pid from the text of /proc/PID/stat (the command may contain spaces and ')')."""
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def rss_mb(pid: int) -> float | None:
    """Resident set size of `pid` in (decimal) MB, or None once it is gone."""
    try:
        return parse_rss_kb(Path(f"/proc/{pid}/status").read_text()) * _KIB / _MB
    except (OSError, ValueError):
        return None


def children(pid: int) -> list[int]:
    """The pids whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if parse_ppid((entry / "stat").read_text()) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def post(port: int, body: bytes, path: str = "/v1/analyze") -> tuple[int, bytes]:
    """One JSON POST to 127.0.0.1:port; the status and the response body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _alive(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/livez")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@dataclass
class Server:
    """A running gunicorn: its port, master process and log file."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    workers: list[int] = field(default_factory=list)

    def worker_pids(self) -> list[int]:
        """The current worker pids (gunicorn replaces a worker that dies or times out)."""
        return children(self.process.pid)


@contextlib.contextmanager
def gunicorn(name: str, app: str, workers: int) -> Iterator[Server]:
    """Start `app` under the service's gunicorn config on a free 127.0.0.1 port; stop it after."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
        port = free_port()
        metrics = Path(scratch) / "metrics"
        metrics.mkdir()
        log = Path(scratch) / "gunicorn.log"
        env = {
            **os.environ,
            "HOST": HOST,
            "PORT": str(port),
            "WORKERS": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        }
        command = [str(GUNICORN), "--config", "python:service.gunicorn_conf", app]
        with log.open("wb") as sink:
            # The command is fixed above; only the port and directories vary.
            process = subprocess.Popen(  # noqa: S603
                command, cwd=REPO_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
            )
        server = Server(name, port, process, log)
        try:
            _wait_until_serving(server, workers)
            server.workers = server.worker_pids()
            yield server
        finally:
            _stop(process)


def _wait_until_serving(server: Server, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited at start:\n{_tail(server.log)}")
        if _alive(server.port) and len(server.worker_pids()) >= workers:
            return
        time.sleep(0.2)
    raise RuntimeError(
        f"{server.name} did not start in {START_TIMEOUT_S:.0f} s:\n{_tail(server.log)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown, no readiness drain
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_S)


def _tail(log: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    return ""


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
