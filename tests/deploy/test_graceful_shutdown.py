"""SIGTERM to real gunicorn (the image's CMD) while large requests are in flight.

What Kubernetes does on every rollout, scale-in and node drain: the preStop sleep lets traffic
stop arriving, then the container gets SIGTERM. The server must say it is no longer ready
(/readyz 503), answer every request it has accepted, and exit 0 within its graceful timeout,
so the kubelet never needs SIGKILL.

The run: 2 sync workers, 20 concurrent ~1 MiB POST /v1/analyze requests. A request counts as
in flight once a worker has accepted its connection, so SIGTERM goes out when the listening
socket's accept queue is empty. (Connections still in the kernel's accept queue when gunicorn
closes its listeners are reset, not served: that is what the chart's preStop sleep and
readiness probe avoid.) After SIGTERM gunicorn first drains, serving on with /readyz answering
503 for a quarter of GRACEFUL_TIMEOUT (2 s here), then stops its workers gracefully. The last
request accepted is a slow upload that sends the rest of its body only after SIGTERM, for
longer than the drain: it is still in flight when the graceful stop begins, whatever the speed
of the machine or of the analyser, while the other worker is free to answer /readyz.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.gunicorn import Server

from service.config import Settings
from service.gunicorn_conf import drain_seconds

from .support import listen_backlog, run_image_cmd

CONCURRENT_REQUESTS = 20
WORKERS = 2
GRACEFUL_TIMEOUT = 8
# Seconds allowed on top of GRACEFUL_TIMEOUT (and the drain) for gunicorn to exit.
EXIT_MARGIN = 15.0
# A review quoting a large code block: ~1 MiB, analysed in well under a second.
CODE_LINE = "    total = compute_total(items, discount=0.1)  # keep the old behaviour\n"
# The slow upload sends its body in this many pieces, spread over the drain plus a second.
SLOW_UPLOAD_PIECES = 10


@dataclass
class Outcome:
    """What one client saw: the status (or the error) and whether SIGTERM preceded the answer."""

    status: int | None = None
    body: bytes = b""
    error: str | None = None
    answered_after_sigterm: bool = False


@dataclass
class Scenario:
    """Everything the shutdown run observed."""

    exit_code: int
    outcomes: list[Outcome]
    readyz_after_sigterm: list[int | str] = field(default_factory=list)
    log: str = ""


def _large_body(limit: int) -> bytes:
    """Return a review body just under `limit` bytes (MAX_BODY_BYTES)."""
    code = CODE_LINE * ((limit - 1124) // len(CODE_LINE))
    return f"No security defects are detected in the code.\n\n```python\n{code}```\n".encode()


class Client(threading.Thread):
    """One POST /v1/analyze on its own connection, sent once `go` is set.

    With `upload_seconds`, the client sends its headers and a first piece of the body at once,
    and the rest only after `sigterm` is set, piece by piece over `upload_seconds`.
    """

    def __init__(
        self,
        port: int,
        body: bytes,
        go: threading.Event,
        sigterm: threading.Event,
        upload_seconds: float = 0.0,
    ) -> None:
        super().__init__(daemon=True)
        self.port, self.body, self.go, self.sigterm = port, body, go, sigterm
        self.upload_seconds = upload_seconds
        self.connected = threading.Event()
        self.outcome = Outcome()

    def run(self) -> None:
        """Connect, wait for `go`, send, and record the answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.connect()
            self.connected.set()
            if not self.go.wait(timeout=60):
                raise TimeoutError("never told to send")
            connection.putrequest("POST", "/v1/analyze")
            connection.putheader("Content-Type", "text/plain; charset=utf-8")
            connection.putheader("Content-Length", str(len(self.body)))
            connection.endheaders()
            self._send_body(connection)
            response = connection.getresponse()
            self.outcome.answered_after_sigterm = self.sigterm.is_set()
            self.outcome.status, self.outcome.body = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.outcome.error = repr(exc)
        finally:
            connection.close()

    def _send_body(self, connection: http.client.HTTPConnection) -> None:
        if not self.upload_seconds:
            connection.send(self.body)
            return
        size = -(-len(self.body) // SLOW_UPLOAD_PIECES)
        pieces = [self.body[i : i + size] for i in range(0, len(self.body), size)]
        connection.send(pieces[0])
        if not self.sigterm.wait(timeout=120):
            raise TimeoutError("SIGTERM never came")
        for piece in pieces[1:]:
            time.sleep(self.upload_seconds / (len(pieces) - 1))
            connection.send(piece)


def _connect(clients: list[Client]) -> None:
    for client in clients:
        client.start()
    for client in clients:
        assert client.connected.wait(timeout=60), client.outcome.error


def _wait_until_all_accepted(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if listen_backlog(port) == 0:
            return
        time.sleep(0.01)
    raise AssertionError(f"connections still waiting in the accept queue after {timeout}s")


def _poll_readyz(server: Server, process_done: threading.Event, seen: list[int | str]) -> None:
    """Ask /readyz on fresh connections until the server is gone; record what came back."""
    while not process_done.is_set() and len(seen) < 1000:
        try:
            seen.append(server.request("GET", "/readyz", timeout=1.0).status)
        except (OSError, http.client.HTTPException) as exc:
            seen.append(type(exc).__name__)
        time.sleep(0.05)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Start the CMD with 2 workers, load it with 20 large requests, SIGTERM it, observe."""
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs Linux /proc/net/tcp to see when every connection was accepted")
    tmp_path: Path = tmp_path_factory.mktemp("shutdown")
    overrides = {"WORKERS": str(WORKERS), "GRACEFUL_TIMEOUT": str(GRACEFUL_TIMEOUT)}
    with run_image_cmd(tmp_path, **overrides) as server:
        settings = Settings.from_env(server.env)
        assert (settings.workers, settings.graceful_timeout) == (WORKERS, GRACEFUL_TIMEOUT)
        body = _large_body(settings.max_body_bytes)
        go, sigterm = threading.Event(), threading.Event()
        clients = [Client(server.port, body, go, sigterm) for _ in range(CONCURRENT_REQUESTS - 1)]
        upload_seconds = drain_seconds(settings) + 1.0
        clients.append(Client(server.port, body, go, sigterm, upload_seconds=upload_seconds))
        # Connected in order, accepted in order: the slow upload is the last one accepted.
        _connect(clients[:-1])
        _connect(clients[-1:])
        go.set()
        _wait_until_all_accepted(server.port, timeout=120)
        sigterm.set()
        done = threading.Event()
        readyz: list[int | str] = []
        poller = threading.Thread(target=_poll_readyz, args=(server, done, readyz))
        poller.start()
        try:
            exit_code = server.stop(timeout=settings.graceful_timeout + EXIT_MARGIN)
        finally:
            done.set()
            poller.join(timeout=30)
            for client in clients:
                client.join(timeout=120)
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
        return Scenario(exit_code, [c.outcome for c in clients], readyz, log)


@pytest.mark.slow
def test_every_in_flight_request_completes(scenario: Scenario) -> None:
    problems = [(o.status, o.error, o.body[:200]) for o in scenario.outcomes if o.status != 200]
    assert problems == [], scenario.log[-4000:]
    for outcome in scenario.outcomes:
        assert "verdict" in json.loads(outcome.body)
    # The slow upload was still sending after the drain, so it lived through the graceful stop.
    assert scenario.outcomes[-1].answered_after_sigterm
    assert "Handling signal: term" in scenario.log


@pytest.mark.slow
def test_exits_zero_within_graceful_timeout(scenario: Scenario) -> None:
    # server.stop() already failed the fixture if gunicorn outlived the graceful timeout
    # plus EXIT_MARGIN. Past the graceful timeout gunicorn SIGKILLs its workers (and still exits
    # 0): that must not have happened either.
    assert scenario.exit_code == 0, scenario.log[-4000:]
    assert "SIGKILL" not in scenario.log
    assert "Shutting down: Master" in scenario.log


@pytest.mark.slow
def test_readyz_turns_503_once_shutdown_begins(scenario: Scenario) -> None:
    statuses = [s for s in scenario.readyz_after_sigterm if isinstance(s, int)]
    assert 503 in statuses, scenario.readyz_after_sigterm
    # Once not ready, never ready again.
    assert 200 not in statuses[statuses.index(503) :], scenario.readyz_after_sigterm
