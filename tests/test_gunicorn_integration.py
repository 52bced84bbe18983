"""Real gunicorn, two workers: exact metrics across workers, JSON logs, drain on SIGTERM.

Starts `gunicorn --config python:service.gunicorn_conf service.wsgi:app` as `make run` does, with
PROMETHEUS_MULTIPROC_DIR in a temporary directory, and talks to it over fresh TCP connections.
GRACEFUL_TIMEOUT=8 makes the SIGTERM drain 2 s, so stopping stays quick.
"""

from __future__ import annotations

import http.client
import json
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector
from support.gunicorn import JSON, STOP_TIMEOUT, Server

pytestmark = pytest.mark.slow

WORKERS = 2
ROUND = 16  # requests sent at once; enough that both workers take some
SPREAD_TIMEOUT = 30.0
"""How long rounds go on until both workers have served: on a loaded machine a worker can
still be booting (imports, the lexicon's patterns) while the other serves hundreds."""
GRACEFUL_TIMEOUT = 8
BODY_MARKER = "zq-integration-body-5521"
LABELS = {"method": "POST", "path": "/v1/analyze", "status": "200"}


def _plant_stale_count(metrics_dir: Path, value: float) -> None:
    """Leave a dead run's counter file behind: on_starting must wipe it."""
    metrics_dir.mkdir()
    stale = MmapedDict(str(metrics_dir / "counter_999999.db"))  # type: ignore[no-untyped-call]
    key = mmap_key(
        "http_requests", "http_requests_total", list(LABELS), list(LABELS.values()), "stale"
    )
    stale.write_value(key, value, 0.0)  # type: ignore[no-untyped-call]
    stale.close()  # type: ignore[no-untyped-call]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """gunicorn with two workers on a free port, stopped with SIGTERM afterwards."""
    metrics_dir = tmp_path / "metrics"
    _plant_stale_count(metrics_dir, 1000.0)
    settings = {
        "WORKERS": str(WORKERS),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_LEVEL": "INFO",
        "GRACEFUL_TIMEOUT": str(GRACEFUL_TIMEOUT),
    }
    with Server.run_gunicorn(tmp_path, settings) as running:
        yield running


def _analyze(server: Server, index: int) -> int:
    body = json.dumps({"body": f"{BODY_MARKER} review {index}", "id": str(index)}).encode()
    return server.request("POST", "/v1/analyze", body, JSON).status


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


def test_metrics_are_exact_across_workers(server: Server) -> None:
    sent = 0
    deadline = time.monotonic() + SPREAD_TIMEOUT
    with ThreadPoolExecutor(max_workers=8) as pool:
        while True:
            statuses = list(pool.map(lambda i: _analyze(server, i), range(sent, sent + ROUND)))
            assert statuses == [200] * ROUND
            sent += ROUND
            served = [n for n in _per_worker_counts(server.metrics_dir).values() if n > 0]
            if len(served) == WORKERS or time.monotonic() > deadline:
                break
    assert len(served) == WORKERS, f"one worker served all {sent} requests"
    assert sum(served) == sent
    # Whichever worker answers the scrape reports every worker's requests, and nothing stale.
    for _ in range(4):
        assert server.scraped(LABELS) == sent


def _readyz_until_exit(server: Server) -> list[int | str]:
    """Poll /readyz on fresh connections until gunicorn exits; return what each poll saw."""
    seen: list[int | str] = []
    deadline = time.monotonic() + STOP_TIMEOUT
    while server.process.poll() is None and time.monotonic() < deadline:
        try:
            seen.append(server.request("GET", "/readyz").status)
        except (OSError, http.client.HTTPException) as exc:
            seen.append(type(exc).__name__)
            time.sleep(0.05)
    return seen


def test_sigterm_drains_with_readyz_503_then_exits_zero(server: Server) -> None:
    assert server.request("GET", "/readyz").status == 200
    server.process.send_signal(signal.SIGTERM)
    seen = _readyz_until_exit(server)
    assert server.process.wait(timeout=STOP_TIMEOUT) == 0
    # The first poll may beat the arbiter to the signal; once 503, never ready again.
    assert 503 in seen, seen
    assert 200 not in seen[seen.index(503) :], seen
    assert (server.metrics_dir / "shutdown").exists()


def test_logs_are_json_without_bodies_and_there_is_no_control_socket(
    server: Server, tmp_path: Path
) -> None:
    reply = server.request("GET", "/nowhere")
    assert reply.status == 404
    assert json.loads(reply.body)["status"] == 404
    assert _analyze(server, 0) == 200
    server.stop()
    log = server.log()
    assert BODY_MARKER not in log
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert {"gunicorn.error", "service.api.request"} <= {e["logger"] for e in entries}
    routes = [e["route"] for e in entries if e["logger"] == "service.api.request"]
    assert "/v1/analyze" in routes
    assert "<unmatched>" in routes
    assert not any(p.name.endswith(".ctl") for p in tmp_path.rglob("*"))
