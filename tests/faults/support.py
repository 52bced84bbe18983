"""Real gunicorn for the fault tests: start it, find its workers, read its metrics.

gunicorn runs with the project's config module, as `make run` and the image do, serving
`slow_wsgi:app` (the service plus a test-only `/__sleep`) from this directory. Starting,
waiting and stopping are `support.gunicorn`'s.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from support.gunicorn import JSON, Server

FAULTS_DIR = Path(__file__).resolve().parent
ANALYZE_200 = {"method": "POST", "path": "/v1/analyze", "status": "200"}
REVIEW = (
    b'{"body": "1. `run()` passes user input to os.system (line 12): command injection '
    b'(CWE-78).\\n2. The temp file in `save()` is world-readable (lines 40-42)."}'
)


class Gunicorn(Server):
    """A running gunicorn arbiter serving `slow_wsgi:app`, whose workers the tests can find."""

    def analyze(self) -> int:
        """POST one small review; return the status."""
        return self.request("POST", "/v1/analyze", REVIEW, JSON).status

    def workers(self) -> set[int]:
        """PIDs of the arbiter's live worker processes."""
        return set(self.worker_pids())

    def counted(self) -> float:
        """`http_requests_total` for POST /v1/analyze 200 in /metrics (0 if absent)."""
        return self.scraped(ANALYZE_200) or 0.0


@contextlib.contextmanager
def run_gunicorn(tmp_path: Path, **settings: str) -> Iterator[Gunicorn]:
    """Start gunicorn serving `slow_wsgi:app` with `settings` as env; stop it afterwards."""
    python_path = os.pathsep.join(filter(None, [str(FAULTS_DIR), os.environ.get("PYTHONPATH")]))
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "PYTHONPATH": python_path}
    with Gunicorn.run_gunicorn(tmp_path, {**env, **settings}, app="slow_wsgi:app") as server:
        yield server
