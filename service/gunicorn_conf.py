"""Gunicorn configuration: `gunicorn --config python:service.gunicorn_conf service.wsgi:app`.

Settings come from `Settings.from_env()`, the metrics directory from `metrics_dir_from_env()`.
The hooks below do four jobs:

* metrics: `on_starting` prepares PROMETHEUS_MULTIPROC_DIR before any worker forks (wiping stale
  `*.db` files, or creating a private temporary directory and exporting it when the variable is
  unset, so `make run` also aggregates its workers); `child_exit` marks a dead worker's live
  gauges gone; `on_exit` removes a private directory. prometheus_client is imported only inside
  hooks that run after the directory is exported: it picks its storage when first imported.
* readiness and drain (see `service.api.readiness`): `when_ready` chains a handler in front of
  the arbiter's SIGTERM, SIGINT and SIGQUIT handlers that writes the shutdown marker, so every
  worker's /readyz answers 503. SIGINT and SIGQUIT (quick shutdown) then go straight on to
  gunicorn; SIGTERM reaches gunicorn only after `drain_seconds()`, during which the workers keep
  serving, so load balancers see the 503 and stop sending traffic before the listeners close.
  `post_worker_init` chains a handler in front of each worker's own SIGTERM handler that raises
  the in-process flag, which does not depend on the metrics directory being writable.
* logging: gunicorn's error log is JSON on stderr like the app's; its access log is off (the app
  logs one line per request itself).
* error answers: a worker's own error answers (malformed HTTP, a request killed by the timeout)
  are application/problem+json like the app's, not gunicorn's HTML page.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from gunicorn import util

from service.api import readiness
from service.config import Settings, metrics_dir_from_env
from service.observability.logging import gunicorn_logconfig

MAX_DRAIN_SECONDS = 5.0
_MAX_DETAIL = 200
_SETTINGS = Settings.from_env()
_PRIVATE_METRICS_DIRS: list[str] = []

bind = f"{_SETTINGS.host}:{_SETTINGS.port}"
workers = _SETTINGS.workers
worker_class = "sync"
timeout = _SETTINGS.timeout
graceful_timeout = _SETTINGS.graceful_timeout
keepalive = _SETTINGS.keepalive
proc_name = "review-analyzer"
# No runtime control socket: nothing may reconfigure the server from inside the container.
control_socket_disable = True
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = None
errorlog = "-"
loglevel = _SETTINGS.log_level.lower()
logconfig_dict = gunicorn_logconfig(_SETTINGS.log_level)


def on_starting(server: Any) -> None:
    """Prepare a clean multiprocess metrics directory before the first worker forks."""
    directory = _SETTINGS.metrics_dir
    if directory is None:
        directory = tempfile.mkdtemp(prefix="review-analyzer-metrics-")
        _PRIVATE_METRICS_DIRS.append(directory)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    else:
        _wipe_metrics_dir(Path(directory))
    server.log.info("Prometheus multiprocess directory: %s", directory)


def _wipe_metrics_dir(directory: Path) -> None:
    # Only our own files: the directory may be a mount point, or shared with something else.
    directory.mkdir(parents=True, exist_ok=True)
    for stale in [*directory.glob("*.db"), readiness.marker_path(str(directory))]:
        stale.unlink(missing_ok=True)


def when_ready(server: Any) -> None:
    """Make the arbiter announce its shutdown to every worker's /readyz, and drain on SIGTERM."""
    directory = _metrics_dir()
    for signum in (signal.SIGINT, signal.SIGQUIT):  # quick shutdowns: no drain
        chain_signal_handler(
            signum,
            functools.partial(readiness.announce_shutdown, directory),
            restart_syscalls=False,
        )
    _drain_on_sigterm(directory, drain_seconds(_SETTINGS))


def drain_seconds(settings: Settings) -> float:
    """How long SIGTERM leaves the server serving, /readyz answering 503, before it stops.

    A quarter of GRACEFUL_TIMEOUT, at most MAX_DRAIN_SECONDS: long enough for a load balancer
    that probes /readyz every second or two to take the pod out, short enough that drain plus
    graceful stop stays well inside Kubernetes' termination grace period.
    """
    return min(MAX_DRAIN_SECONDS, settings.graceful_timeout / 4)


def _drain_on_sigterm(directory: str, seconds: float) -> None:
    """On SIGTERM write the marker at once, and pass SIGTERM on to gunicorn `seconds` later.

    gunicorn closes its listening sockets the moment it handles SIGTERM, so without the delay no
    client could ever see /readyz answer 503. A second SIGTERM stops at once. The delay is a
    SIGALRM timer: no thread in the arbiter, and timers are not inherited by forked workers.
    """
    stop = signal.getsignal(signal.SIGTERM)
    draining = False

    def stop_now(_: int, frame: FrameType | None) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if callable(stop):
            stop(signal.SIGTERM, frame)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        nonlocal draining
        readiness.announce_shutdown(directory)
        if draining or seconds <= 0:
            stop_now(signum, frame)
            return
        draining = True
        signal.signal(signal.SIGALRM, stop_now)
        signal.setitimer(signal.ITIMER_REAL, seconds)

    signal.signal(signal.SIGTERM, on_sigterm)


def post_worker_init(worker: Any) -> None:
    """Make this worker's /readyz answer 503 as soon as it is told to stop, and its own error
    answers (malformed HTTP, a request killed by the timeout) problem+json like the app's."""
    chain_signal_handler(signal.SIGTERM, readiness.begin_shutdown, restart_syscalls=True)
    util.write_error = write_problem  # gunicorn's workers answer errors through this function


def write_problem(sock: Any, status: int, reason: str, detail: str) -> None:
    """Write gunicorn's own error answer as application/problem+json instead of an HTML page."""
    request_id = uuid.uuid4().hex
    body = json.dumps(
        {
            "type": "about:blank",
            "title": reason,
            "status": status,
            "detail": detail[:_MAX_DETAIL],
            "request_id": request_id,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n"
        f"X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"
        f"X-Request-ID: {request_id}\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges from the aggregated metrics."""
    from prometheus_client import multiprocess  # imported late: see the module docstring

    multiprocess.mark_process_dead(worker.pid, _metrics_dir())  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove a metrics directory that `on_starting` created for this run."""
    while _PRIVATE_METRICS_DIRS:
        shutil.rmtree(_PRIVATE_METRICS_DIRS.pop(), ignore_errors=True)


def _metrics_dir() -> str:
    directory = metrics_dir_from_env()
    if directory is None:  # on_starting has always exported one
        raise RuntimeError("PROMETHEUS_MULTIPROC_DIR is not set")
    return directory


def chain_signal_handler(
    signum: int, before: Callable[[], None], *, restart_syscalls: bool
) -> None:
    """Run `before()` when `signum` arrives, then whatever handler was installed until now.

    `restart_syscalls` must repeat what the previous handler's owner chose (gunicorn's workers
    restart system calls on SIGTERM, its arbiter does not), as Python cannot read it back.
    """
    previous = signal.getsignal(signum)

    def handler(received: int, frame: FrameType | None) -> None:
        before()
        if callable(previous):
            previous(received, frame)

    signal.signal(signum, handler)
    if restart_syscalls:
        signal.siginterrupt(signum, False)
