"""Real gunicorn for the fault tests: start it, talk to it, find its workers, read its metrics.

gunicorn runs with the project's config module, as `make run` and the image do, serving
`slow_wsgi:app` (the service plus a test-only `/__sleep`) from this directory. Every wait is a
poll with a generous deadline, so the tests hold on a loaded 2-core machine.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

REPO_ROOT = Path(__file__).resolve().parents[2]
FAULTS_DIR = Path(__file__).resolve().parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0
# The service's own variables: a developer's shell must not change what these tests run.
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
        "API_KEYS",
        "API_KEYS_FILE",
        "AUTH_EXEMPT_PATHS",
    }
)
ANALYZE_200 = {"method": "POST", "path": "/v1/analyze", "status": "200"}
REVIEW = (
    b'{"body": "1. `run()` passes user input to os.system (line 12): command injection '
    b'(CWE-78).\\n2. The temp file in `save()` is world-readable (lines 40-42)."}'
)
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Reply:
    """What one request got back."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Gunicorn:
    """A running gunicorn arbiter on 127.0.0.1:port, with its log and metrics directory."""

    process: subprocess.Popen[bytes]
    port: int
    metrics_dir: Path
    log_path: Path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Reply:
        """One request on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            headers_seen = {name.lower(): value for name, value in response.getheaders()}
            return Reply(response.status, headers_seen, response.read())
        finally:
            connection.close()

    def analyze(self) -> int:
        """POST one small review; return the status."""
        return self.request("POST", "/v1/analyze", REVIEW, JSON).status

    def log(self) -> str:
        """Everything gunicorn and the app wrote so far."""
        return self.log_path.read_text("utf-8", errors="replace")

    def workers(self) -> set[int]:
        """PIDs of the arbiter's live worker processes."""
        return children_of(self.process.pid)

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float) -> float:
        """Poll `condition` until it holds; return the seconds it took, fail after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited while waiting for {what}:\n{self.log()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if condition():
                    return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"no {what} within {timeout}s:\n{self.log()[-4000:]}")

    def answers(self) -> bool:
        """Whether /readyz answers 200 right now."""
        return self.request("GET", "/readyz", timeout=5.0).status == 200

    def scraped(self, labels: dict[str, str] = ANALYZE_200) -> float:
        """`http_requests_total` for `labels` in the /metrics exposition (0 if absent)."""
        reply = self.request("GET", "/metrics")
        assert reply.status == 200, reply.body[:300]
        for family in text_string_to_metric_families(reply.body.decode()):
            for sample in family.samples:
                if sample.name == "http_requests_total" and sample.labels == labels:
                    return float(sample.value)
        return 0.0


def children_of(pid: int) -> set[int]:
    """PIDs whose parent is `pid`, from /proc (Linux)."""
    children: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.add(int(stat.parent.name))
    return children


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def run_gunicorn(tmp_path: Path, **settings: str) -> Iterator[Gunicorn]:
    """Start gunicorn with the project's config and `settings` as env; stop it afterwards."""
    metrics_dir = tmp_path / "metrics"
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k not in SERVICE_ENV}
    python_path = os.pathsep.join(filter(None, [str(FAULTS_DIR), os.environ.get("PYTHONPATH")]))
    env = {
        **inherited,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PYTHONPATH": python_path,
        "HOME": str(tmp_path),
        **settings,
    }
    log_path = tmp_path / "gunicorn.log"
    command = [str(GUNICORN), "--config", "python:service.gunicorn_conf", "slow_wsgi:app"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Gunicorn(process, port, metrics_dir, log_path)
    try:
        server.wait_until(server.answers, "answer from /readyz", STARTUP_TIMEOUT)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the arbiter (SIGTERM, then SIGKILL to its own process group if it lingers)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the arbiter and its workers
        process.wait(timeout=STOP_TIMEOUT)
