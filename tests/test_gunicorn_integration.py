"""Real gunicorn, two workers: exact metrics across workers, JSON logs, drain on SIGTERM.

Starts `gunicorn --config python:service.gunicorn_conf service.wsgi:app` as `make run` does, with
PROMETHEUS_MULTIPROC_DIR in a temporary directory, and talks to it over fresh TCP connections.
GRACEFUL_TIMEOUT=8 makes the SIGTERM drain 2 s, so stopping stays quick.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKERS = 2
ROUND = 16  # requests sent at once; enough that both workers take some
MAX_ROUNDS = 20
GRACEFUL_TIMEOUT = 8
STARTUP_TIMEOUT = 90.0
SHUTDOWN_TIMEOUT = 60.0
BODY_MARKER = "zq-integration-body-5521"
# The service's own variables: a developer's shell must not change what this test runs.
SERVICE_ENV = frozenset(
    {
        "HOST",
        "PORT",
        "WORKERS",
        "WEB_CONCURRENCY",
        "TIMEOUT",
        "GRACEFUL_TIMEOUT",
        "KEEPALIVE",
        "MAX_BODY_BYTES",
        "MAX_REQUEST_BYTES",
        "MAX_BATCH_SIZE",
        "LOG_LEVEL",
        "PROMETHEUS_MULTIPROC_DIR",
    }
)
LABELS = {"method": "POST", "path": "/v1/analyze", "status": "200"}


@dataclass
class Server:
    """A running gunicorn and where it keeps its state."""

    process: subprocess.Popen[bytes]
    port: int
    metrics_dir: Path
    log: Path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """One request on a new connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def log_text(self) -> str:
        """Everything gunicorn and the app wrote to stderr so far."""
        return self.log.read_text("utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _plant_stale_count(metrics_dir: Path, value: float) -> None:
    """Leave a dead run's counter file behind: on_starting must wipe it."""
    metrics_dir.mkdir()
    stale = MmapedDict(str(metrics_dir / "counter_999999.db"))  # type: ignore[no-untyped-call]
    key = mmap_key(
        "http_requests", "http_requests_total", list(LABELS), list(LABELS.values()), "stale"
    )
    stale.write_value(key, value, 0.0)  # type: ignore[no-untyped-call]
    stale.close()  # type: ignore[no-untyped-call]


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited early:\n{server.log_text()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if server.request("GET", "/readyz")[0] == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"/readyz not 200 within {STARTUP_TIMEOUT}s:\n{server.log_text()}")


def _stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the arbiter and its workers
        process.wait(timeout=SHUTDOWN_TIMEOUT)
        raise


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """gunicorn with two workers on a free port, stopped with SIGTERM afterwards."""
    metrics_dir = tmp_path / "metrics"
    _plant_stale_count(metrics_dir, 1000.0)
    runtime_dir = tmp_path / "runtime"
    runtime_dir.mkdir()
    port = _free_port()
    inherited = {k: v for k, v in os.environ.items() if k not in SERVICE_ENV}
    env = {
        **inherited,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": str(WORKERS),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_LEVEL": "INFO",
        "GRACEFUL_TIMEOUT": str(GRACEFUL_TIMEOUT),
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(runtime_dir),
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", "python:service.gunicorn_conf", "service.wsgi:app"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    server = Server(process, port, metrics_dir, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)


def _analyze(server: Server, index: int) -> int:
    body = json.dumps({"body": f"{BODY_MARKER} review {index}", "id": str(index)}).encode()
    return server.request("POST", "/v1/analyze", body, {"Content-Type": "application/json"})[0]


def _per_worker_counts(metrics_dir: Path) -> dict[str, float]:
    """Each worker's own count for LABELS, read from its counter file."""
    counts: dict[str, float] = {}
    for path in metrics_dir.glob("counter_*.db"):
        metrics = MultiProcessCollector.merge([str(path)], accumulate=False)  # type: ignore[no-untyped-call]
        for metric in metrics:
            for sample in metric.samples:
                if sample.name == "http_requests_total" and sample.labels == LABELS:
                    counts[path.stem] = sample.value
    return counts


def _scraped_count(server: Server) -> float:
    status, body = server.request("GET", "/metrics")
    assert status == 200
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == "http_requests_total" and sample.labels == LABELS:
                return sample.value
    raise AssertionError("no http_requests_total sample for POST /v1/analyze 200")


def test_metrics_are_exact_across_workers(server: Server) -> None:
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(MAX_ROUNDS):
            statuses = list(pool.map(lambda i: _analyze(server, i), range(sent, sent + ROUND)))
            assert statuses == [200] * ROUND
            sent += ROUND
            served = [n for n in _per_worker_counts(server.metrics_dir).values() if n > 0]
            if len(served) == WORKERS:
                break
    assert len(served) == WORKERS, f"one worker served all {sent} requests"
    assert sum(served) == sent
    # Whichever worker answers the scrape reports every worker's requests, and nothing stale.
    for _ in range(4):
        assert _scraped_count(server) == sent


def _readyz_until_exit(server: Server) -> list[int | str]:
    """Poll /readyz on fresh connections until gunicorn exits; return what each poll saw."""
    seen: list[int | str] = []
    deadline = time.monotonic() + SHUTDOWN_TIMEOUT
    while server.process.poll() is None and time.monotonic() < deadline:
        try:
            seen.append(server.request("GET", "/readyz")[0])
        except (OSError, http.client.HTTPException) as exc:
            seen.append(type(exc).__name__)
            time.sleep(0.05)
    return seen


def test_sigterm_drains_with_readyz_503_then_exits_zero(server: Server) -> None:
    assert server.request("GET", "/readyz")[0] == 200
    server.process.send_signal(signal.SIGTERM)
    seen = _readyz_until_exit(server)
    assert server.process.wait(timeout=SHUTDOWN_TIMEOUT) == 0
    # The first poll may beat the arbiter to the signal; once 503, never ready again.
    assert 503 in seen, seen
    assert 200 not in seen[seen.index(503) :], seen
    assert (server.metrics_dir / "shutdown").exists()


def test_logs_are_json_without_bodies_and_there_is_no_control_socket(
    server: Server, tmp_path: Path
) -> None:
    status, body = server.request("GET", "/nowhere")
    assert status == 404
    assert json.loads(body)["status"] == 404
    assert _analyze(server, 0) == 200
    _stop(server.process)
    log = server.log_text()
    assert BODY_MARKER not in log
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert {"gunicorn.error", "service.api.request"} <= {e["logger"] for e in entries}
    routes = [e["route"] for e in entries if e["logger"] == "service.api.request"]
    assert "/v1/analyze" in routes
    assert "<unmatched>" in routes
    assert not any(p.name.endswith(".ctl") for p in tmp_path.rglob("*"))
