"""The one way the benchmark, the soak test and the test suites run gunicorn.

`Gunicorn.run_gunicorn` starts the venv's gunicorn with the project's config module, as `make
run` does, on a free 127.0.0.1 port; `Gunicorn.run` starts any command (tests/deploy runs the
Dockerfile's CMD). Either way:

- The environment is explicit: the caller's whole `env` for `run`; for `run_gunicorn`,
  `minimal_env`: only what any process needs (PATH, the locale, TZ, TMPDIR), HOME in a scratch
  directory, and the caller's settings. An API_KEYS, MAX_BODY_BYTES or GUNICORN_CMD_ARGS in the
  shell never reaches the server.
- gunicorn runs in its own session, so its process group is the arbiter and its workers and
  nothing else, and `stop` ends with a SIGKILL to that group: no worker outlives it.
- Start-up waits until a readiness path answers 200, and the server is stopped when the `with`
  block ends, also when it raises. Every wait is a poll with a generous deadline, so a loaded
  2-core machine is slow, not failing.
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

REPO_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
GUNICORN = Path(sys.executable).with_name("gunicorn")
CONFIG = "python:service.gunicorn_conf"
SERVICE_APP = "service.wsgi:app"
READY_PATH = "/readyz"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0
POLL_SECONDS = 0.05
JSON = {"Content-Type": "application/json"}
# Passed on from the caller when set. None of them is a setting of the service or of gunicorn.
INHERITED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")


class ServerError(RuntimeError):
    """gunicorn exited or failed to become ready, or outlived its stop timeout."""


class Reply(NamedTuple):
    """What one request got back (header names in lower case)."""

    status: int
    headers: dict[str, str]
    body: bytes


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def minimal_env(home: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """`INHERITED_ENV` from this process, HOME and XDG_RUNTIME_DIR inside `home`, then `settings`.

    Nothing gunicorn writes on its own lands outside `home`.
    """
    runtime_dir = home / "runtime"
    runtime_dir.mkdir(exist_ok=True)
    inherited = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    return {**inherited, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime_dir), **settings}


def gunicorn_env(port: int, home: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """`minimal_env` binding 127.0.0.1:port, with `settings` on top."""
    return minimal_env(home, {"HOST": HOST, "PORT": str(port), **settings})


def parse_stat(stat: str) -> tuple[str, int, int]:
    """(state, parent pid, process group) from the text of /proc/PID/stat.

    The command name (field 2) may hold spaces and parentheses: the fields start after the last ')'.
    """
    state, ppid, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
    return state, int(ppid), int(pgrp)


def children(pid: int) -> list[int]:
    """The pids whose parent is `pid`, from /proc (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if parse_stat((entry / "stat").read_text())[1] == pid:
                    found.append(int(entry.name))
    return sorted(found)


@dataclass
class Gunicorn:
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
        ready_path: str = READY_PATH,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> Iterator[Self]:
        """Run `command` (listening on env's PORT); yield once `ready_path` answers 200; stop it.

        `env` is the whole environment. stdout and stderr go to `log_path`. Afterwards, even
        when the block raises, `stop(stop_signal, stop_timeout)`.
        """
        with log_path.open("wb") as log:
            # The caller's command: the venv's gunicorn or the Dockerfile's CMD.
            process = subprocess.Popen(  # noqa: S603
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
            server.wait_until(
                lambda: server.ready(ready_path), f"200 from {ready_path}", START_TIMEOUT
            )
            yield server
        finally:
            server.stop(stop_signal, stop_timeout)

    @classmethod
    @contextlib.contextmanager
    def run_gunicorn(
        cls,
        home: Path,
        settings: Mapping[str, str] | None = None,
        *,
        app: str = SERVICE_APP,
        ready_path: str = READY_PATH,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> Iterator[Self]:
        """Run `make run`'s gunicorn serving `app` from the repository on a free port.

        The environment is `gunicorn_env` with `settings`; the log is home/gunicorn.log.
        """
        with cls.run(
            [str(GUNICORN), "--config", CONFIG, app],
            env=gunicorn_env(free_port(), home, settings or {}),
            cwd=REPO_ROOT,
            log_path=home / "gunicorn.log",
            ready_path=ready_path,
            stop_signal=stop_signal,
            stop_timeout=stop_timeout,
        ) as server:
            yield server

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return f"http://{HOST}:{self.port}"

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
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            names = {name.lower(): value for name, value in response.getheaders()}
            return Reply(response.status, names, response.read())
        finally:
            connection.close()

    def ready(self, path: str = READY_PATH) -> bool:
        """Whether `path` answers 200 right now."""
        return self.request("GET", path, timeout=5.0).status == 200

    def scraped(self, labels: Mapping[str, str]) -> float | None:
        """`http_requests_total` for `labels` in the /metrics exposition (None if absent)."""
        reply = self.request("GET", "/metrics")
        if reply.status != 200:
            raise ServerError(f"/metrics answered {reply.status}: {reply.body[:300]!r}")
        for family in text_string_to_metric_families(reply.body.decode()):
            for sample in family.samples:
                if sample.name == "http_requests_total" and sample.labels == labels:
                    return float(sample.value)
        return None

    def worker_pids(self) -> list[int]:
        """The current worker pids (gunicorn replaces a worker that dies or times out)."""
        return children(self.process.pid)

    def log(self) -> str:
        """Everything gunicorn and the app wrote so far."""
        return self.log_path.read_text("utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the log, for error messages."""
        return "\n".join(self.log().splitlines()[-lines:])

    def exit_code(self) -> int | None:
        """The arbiter's exit code once it has exited, else None; it is not reaped here."""
        if self.process.returncode is not None:
            return self.process.returncode
        # WNOWAIT: an unreaped arbiter keeps its pid, so the pid still names only its group.
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        exited = os.waitid(os.P_PID, self.process.pid, flags)
        if exited is None:
            return None
        return exited.si_status if exited.si_code == os.CLD_EXITED else -exited.si_status

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        """Poll `condition` until it holds; raise if gunicorn exits or `timeout` passes first.

        A connection error or a broken answer counts as "not yet".
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.exit_code()
            if code is not None:
                raise ServerError(
                    f"gunicorn exited with {code} while waiting for {what}:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if condition():
                    return
            time.sleep(POLL_SECONDS)
        raise ServerError(f"no {what} within {timeout}s:\n{self.log_tail()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Stop the server and return the arbiter's exit code.

        `sig` goes to the arbiter alone (gunicorn stops its workers itself, after the readiness
        drain for SIGTERM). Once it has exited, or `timeout` seconds later, its whole process
        group gets SIGKILL; if it had to be killed, this raises `ServerError`. An arbiter the
        caller has reaped already (`process.wait()`) exited on its own and is left alone.
        """
        if self.process.returncode is not None:
            # Its pid may name a stranger's process group by now.
            return self.process.returncode
        in_time = sig is signal.SIGKILL or self._exits_after(sig, timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        code = self.process.wait(timeout=STOP_TIMEOUT)
        if not in_time:
            raise ServerError(
                f"gunicorn still running {timeout}s after {sig.name}:\n{self.log_tail()}"
            )
        return code

    def _exits_after(self, sig: signal.Signals, timeout: float) -> bool:
        """Send `sig` to the arbiter; whether it exits within `timeout` seconds."""
        if self.exit_code() is None:
            os.kill(self.process.pid, sig)
        deadline = time.monotonic() + timeout
        while self.exit_code() is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True
