"""Real gunicorn for the test suites: start it, wait for /readyz, talk to it, stop it.

`Server.run_gunicorn` starts the venv's gunicorn with the project's config module, as `make run`
does, on a free loopback port, with the caller's environment minus every variable the service
reads (`SERVICE_ENV`) plus the test's own settings: a developer's shell never changes what a
test runs. `Server.run` starts any command (tests/deploy runs the Dockerfile's exact CMD with
the image's environment). Either way gunicorn runs in its own session, so a SIGKILL to its
process group reaches the arbiter and its workers and nothing else. Every wait is a poll with a
generous deadline, so the tests hold on a loaded 2-core machine.
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Self

from prometheus_client.parser import text_string_to_metric_families

REPO_ROOT = Path(__file__).resolve().parents[2]
# The bin directory of the virtualenv running the tests (.venv/bin under `make test`).
VENV_BIN = Path(sys.executable).parent
GUNICORN = VENV_BIN / "gunicorn"
CONFIG = "python:service.gunicorn_conf"
SERVICE_APP = "service.wsgi:app"
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0
POLL_SECONDS = 0.05
JSON = {"Content-Type": "application/json"}
# Every variable `Settings.from_env` reads (tests/test_support.py keeps this list complete).
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
        "UI_ENABLED",
    }
)


class Reply(NamedTuple):
    """What one request got back (header names in lower case)."""

    status: int
    headers: dict[str, str]
    body: bytes


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn_env(port: int, home: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without the service's variables, then HOST, PORT and `settings`.

    HOME and XDG_RUNTIME_DIR point into `home`: nothing gunicorn writes lands outside it.
    """
    runtime_dir = home / "runtime"
    runtime_dir.mkdir(exist_ok=True)
    inherited = {k: v for k, v in os.environ.items() if k not in SERVICE_ENV}
    return {
        **inherited,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime_dir),
        **settings,
    }


@dataclass
class Server:
    """A running gunicorn arbiter on 127.0.0.1:port, with its environment and its log."""

    process: subprocess.Popen[bytes]
    port: int
    env: dict[str, str]
    cwd: Path
    log_path: Path

    @classmethod
    @contextlib.contextmanager
    def run(
        cls,
        command: Sequence[str],
        *,
        env: dict[str, str],
        cwd: Path,
        log_path: Path,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> Iterator[Self]:
        """Run `command` (listening on env's PORT); yield once /readyz answers 200; stop it.

        stdout and stderr go to `log_path`. Afterwards `stop(stop_signal, stop_timeout)`.
        """
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = cls(process, int(env["PORT"]), env, cwd, log_path)
        try:
            server.wait_until(server.ready, "answer 200 from /readyz", STARTUP_TIMEOUT)
            yield server
        finally:
            server.stop(stop_signal, stop_timeout)

    @classmethod
    @contextlib.contextmanager
    def run_gunicorn(
        cls,
        tmp_path: Path,
        settings: Mapping[str, str] | None = None,
        *,
        app: str = SERVICE_APP,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> Iterator[Self]:
        """Run `make run`'s gunicorn serving `app` from the repository, with a clean environment.

        The environment is `gunicorn_env` with `settings`; the log is tmp_path/gunicorn.log.
        """
        env = gunicorn_env(free_port(), tmp_path, settings or {})
        with cls.run(
            [str(GUNICORN), "--config", CONFIG, app],
            env=env,
            cwd=REPO_ROOT,
            log_path=tmp_path / "gunicorn.log",
            stop_signal=stop_signal,
            stop_timeout=stop_timeout,
        ) as server:
            yield server

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def metrics_dir(self) -> Path:
        """The PROMETHEUS_MULTIPROC_DIR the server was started with."""
        return Path(self.env["PROMETHEUS_MULTIPROC_DIR"])

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Reply:
        """One request on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            names = {name.lower(): value for name, value in response.getheaders()}
            return Reply(response.status, names, response.read())
        finally:
            connection.close()

    def ready(self) -> bool:
        """Whether /readyz answers 200 right now."""
        return self.request("GET", "/readyz", timeout=5.0).status == 200

    def scraped(self, labels: Mapping[str, str]) -> float | None:
        """`http_requests_total` for `labels` in the /metrics exposition (None if absent)."""
        reply = self.request("GET", "/metrics")
        assert reply.status == 200, reply.body[:300]
        for family in text_string_to_metric_families(reply.body.decode()):
            for sample in family.samples:
                if sample.name == "http_requests_total" and sample.labels == labels:
                    return float(sample.value)
        return None

    def log(self) -> str:
        """Everything gunicorn and the app wrote so far."""
        return self.log_path.read_text("utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the log, for assertion messages."""
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        """Poll `condition` until it holds; fail if gunicorn exits or `timeout` passes first.

        A connection error or a broken answer counts as "not yet".
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"gunicorn exited with {self.process.returncode} while waiting for {what}:\n"
                    + self.log_tail()
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if condition():
                    return
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"no {what} within {timeout}s:\n{self.log_tail()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Send `sig` to the arbiter unless it has exited; return its exit code.

        SIGKILL goes to the whole process group at once. After any other signal, an arbiter
        still running `timeout` seconds later has its process group SIGKILLed, and this fails.
        """
        if self.process.poll() is not None:
            return self.process.returncode
        if sig is signal.SIGKILL:
            return self._kill()
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise AssertionError(
                f"gunicorn still running {timeout}s after {sig.name}:\n{self.log_tail()}"
            ) from None

    def _kill(self) -> int:
        # Its own session: the arbiter and its workers, nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=STOP_TIMEOUT)
