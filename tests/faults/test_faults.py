"""Faults against real gunicorn (2 sync workers, the project's config): kills, timeouts, SIGTERM.

* A worker killed with SIGKILL (here: every worker at once) is replaced by the arbiter, the
  service answers again within seconds, and /metrics still counts every request, the dead
  workers' included.
* A request that outlasts TIMEOUT gets its worker killed: the client sees an error (a closed
  connection or a 5xx), not a hang, and the service keeps answering.
* SIGTERM under concurrent load drops no request that had connected: clients keep sending, like a
  load balancer, until /readyz answers 503, and every request they sent is answered 200.
* No server version banner, also on gunicorn's own error answers.

(tests/deploy/test_graceful_shutdown.py covers SIGTERM with 1 MiB requests and a slow upload.)
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.gunicorn import JSON

from .slow_wsgi import SLEEP_PATH
from .support import Gunicorn, run_gunicorn

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc"),
]

WORKERS = 2
# Long enough that a worker importing the app on a loaded machine is never taken for hung.
TIMEOUT = 8
RECOVERY_DEADLINE = 30.0  # "within seconds", with room for a loaded CI machine
REQUESTS_PER_PHASE = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    """One gunicorn for the worker-fault tests (each leaves it healthy for the next)."""
    tmp_path = tmp_path_factory.mktemp("faults")
    settings = {"WORKERS": str(WORKERS), "TIMEOUT": str(TIMEOUT), "GRACEFUL_TIMEOUT": "4"}
    with run_gunicorn(tmp_path, **settings) as running:
        running.wait_until(lambda: len(running.workers()) == WORKERS, "all workers", 60.0)
        yield running


def test_sigkilled_workers_are_replaced_and_metrics_keep_counting(server: Gunicorn) -> None:
    before = server.counted()
    assert [server.analyze() for _ in range(REQUESTS_PER_PHASE)] == [200] * REQUESTS_PER_PHASE
    assert server.counted() == before + REQUESTS_PER_PHASE
    killed = server.workers()
    assert len(killed) == WORKERS
    for pid in killed:
        os.kill(pid, signal.SIGKILL)

    def replaced() -> bool:
        workers = server.workers()
        return len(workers) == WORKERS and not workers & killed

    server.wait_until(replaced, "replacement workers", RECOVERY_DEADLINE)
    server.wait_until(server.ready, "answer after SIGKILL", RECOVERY_DEADLINE)
    assert [server.analyze() for _ in range(REQUESTS_PER_PHASE)] == [200] * REQUESTS_PER_PHASE
    # The dead workers' counts live on in their files: nothing is lost, nothing counted twice.
    assert server.counted() == before + 2 * REQUESTS_PER_PHASE
    assert server.process.poll() is None


def test_a_request_over_the_timeout_gets_an_error_not_a_hang(server: Gunicorn) -> None:
    workers_before = server.workers()
    try:
        # Far longer than TIMEOUT: the arbiter must step in long before the client gives up.
        reply = server.request("GET", f"{SLEEP_PATH}?seconds=100", timeout=TIMEOUT + 40)
        assert reply.status >= 500, reply
    except (ConnectionError, http.client.RemoteDisconnected, http.client.IncompleteRead):
        pass  # the killed worker's connection dropped: an error, not a hang
    except TimeoutError:
        pytest.fail(f"the client hung for {TIMEOUT + 40}s: the timed-out worker was not killed")
    assert "WORKER TIMEOUT" in server.log()
    server.wait_until(server.ready, "answer after the timeout", RECOVERY_DEADLINE)
    server.wait_until(
        lambda: len(server.workers()) == WORKERS and server.workers() != workers_before,
        "a replacement for the timed-out worker",
        RECOVERY_DEADLINE,
    )
    assert server.analyze() == 200


def test_no_server_version_banner(server: Gunicorn) -> None:
    for path in ("/livez", "/nowhere"):
        reply = server.request("GET", path)
        # gunicorn always sends `Server: gunicorn` and has no setting to drop it; it never
        # carries a version (SECURITY.md). The app adds no banner of its own.
        assert reply.headers.get("server", "gunicorn") == "gunicorn"
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["x-request-id"])


@pytest.mark.parametrize(
    "raw",
    [
        b"NONSENSE\r\n\r\n",
        b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # over limit_request_line
        b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % n for n in range(60)) + b"\r\n",
    ],
)
def test_gunicorns_own_errors_are_problem_json_without_a_version(
    server: Gunicorn, raw: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(raw)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    head_text = head.decode("latin-1")
    assert re.match(r"HTTP/1\.[01] 4\d\d ", head_text), head_text
    assert not re.search(r"gunicorn/\d|\d+\.\d+\.\d+", answer.decode("latin-1")), answer[:500]
    assert "content-type: application/problem+json" in head_text.lower()
    problem = json.loads(body)
    assert problem["status"] == int(head_text.split()[1])
    assert re.fullmatch(r"[0-9a-f]{32}", problem["request_id"])
    assert f"x-request-id: {problem['request_id']}" in head_text.lower()


# --- SIGTERM under load -------------------------------------------------------------------------


@dataclass
class Load:
    """Clients that send until told to stop, and what each request got."""

    server: Gunicorn
    stop: threading.Event = field(default_factory=threading.Event)
    sigterm_at: float | None = None
    outcomes: list[tuple[float, int | str]] = field(default_factory=list)
    readyz: list[int | str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> None:
        """Send reviews on fresh connections until `stop`; record when and what came back."""
        body = json.dumps({"body": REVIEW_UNDER_LOAD}).encode()
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                status: int | str = self.server.request(
                    "POST", "/v1/analyze", body, JSON, timeout=60
                ).status
            except (OSError, http.client.HTTPException) as exc:
                status = repr(exc)
            with self.lock:
                self.outcomes.append((started, status))

    def balancer(self) -> None:
        """Poll /readyz like a load balancer; stop the clients once it answers 503."""
        while self.server.process.poll() is None and len(self.readyz) < 2000:
            try:
                status: int | str = self.server.request("GET", "/readyz", timeout=10).status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
            self.readyz.append(status)
            if status != 200 and self.sigterm_at is not None:
                self.stop.set()
                return
            time.sleep(0.05)
        self.stop.set()


# A realistic multi-point review (~6 KB): a few tens of milliseconds of analysis each.
REVIEW_UNDER_LOAD = "No security defects are detected in the code.\n\n" + "".join(
    f"{n}. `handler_{n}()` reads `request.args['path']` and opens it without checks "
    f"(line {10 * n}); use `safe_join` (CWE-22). The helper at lines {n}-{n + 3} is unused.\n"
    for n in range(1, 30)
)
CLIENTS = 6


def test_sigterm_under_load_drops_no_connected_request(tmp_path: Path) -> None:
    graceful = 16  # drain: a quarter of it, 4 s, while /readyz answers 503 and work goes on
    with run_gunicorn(tmp_path, WORKERS=str(WORKERS), GRACEFUL_TIMEOUT=str(graceful)) as server:
        load = Load(server)
        threads = [threading.Thread(target=load.client, daemon=True) for _ in range(CLIENTS)]
        balancer = threading.Thread(target=load.balancer, daemon=True)
        for thread in [*threads, balancer]:
            thread.start()
        server.wait_until(lambda: len(load.outcomes) >= 4 * CLIENTS, "warm-up requests", 60.0)
        load.sigterm_at = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        exit_code = server.process.wait(timeout=graceful + 30)
        load.stop.set()
        for thread in [*threads, balancer]:
            thread.join(timeout=60)
        log = server.log()
    failed = [(t, s) for t, s in load.outcomes if s != 200]
    assert failed == [], (failed, log[-3000:])
    after = [t for t, _ in load.outcomes if t >= load.sigterm_at]
    assert after, "no request was sent after SIGTERM: the drain was not exercised"
    assert 503 in load.readyz, load.readyz[-20:]
    assert exit_code == 0, log[-3000:]
    assert "WORKER TIMEOUT" not in log
