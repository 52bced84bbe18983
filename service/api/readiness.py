"""Whether this process should get new traffic: not once shutdown has begun.

Two signals feed `/readyz`, both set by hooks in `service/gunicorn_conf.py`:

* a per-process flag, raised by a SIGTERM handler that each gunicorn worker chains in front of
  gunicorn's own (`post_worker_init`); a plain attribute store, so it is safe in a signal handler;
* a marker file, `shutdown` in the metrics directory, that the arbiter writes the moment it
  receives SIGTERM, SIGINT or SIGQUIT (`when_ready` chains that handler), so every worker sees
  a shutdown the arbiter has begun. On SIGTERM the arbiter then keeps serving for a short drain
  before it stops its workers, which is when load balancers see the 503. `on_starting` removes a
  stale marker along with stale metric files.

This module imports neither Flask nor prometheus_client: the arbiter imports it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

MARKER_NAME = "shutdown"


class _Flag:
    """A process-wide boolean; setting it is one attribute store, safe from a signal handler."""

    __slots__ = ("raised",)

    def __init__(self) -> None:
        self.raised = False


_SHUTDOWN = _Flag()


def begin_shutdown() -> None:
    """Mark this process as shutting down (signal-safe)."""
    _SHUTDOWN.raised = True


def reset() -> None:
    """Forget a shutdown begun in this process (for tests)."""
    _SHUTDOWN.raised = False


def marker_path(state_dir: str) -> Path:
    """Return the path of the shutdown marker in `state_dir` (the metrics directory)."""
    return Path(state_dir) / MARKER_NAME


def announce_shutdown(state_dir: str) -> None:
    """Tell every process sharing `state_dir` that shutdown has begun (best effort).

    Called from a signal handler: an error here must not disturb the shutdown itself, and each
    worker still raises its own flag when it gets SIGTERM.
    """
    with contextlib.suppress(OSError):
        marker_path(state_dir).touch()


def shutting_down(state_dir: str | None) -> bool:
    """Return whether this process, or the server it belongs to, has begun shutting down."""
    if _SHUTDOWN.raised:
        return True
    return state_dir is not None and marker_path(state_dir).exists()
