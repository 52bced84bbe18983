"""Real gunicorn for the test suites: `bench.launcher`, under the names the tests use.

`Server.run_gunicorn(tmp_path, settings)` starts `make run`'s gunicorn on a free loopback port
with a minimal environment (PATH, the locale, HOME in tmp_path) plus the test's own settings,
so a developer's shell never changes what a test runs; `Server.run` starts any command
(tests/deploy runs the Dockerfile's exact CMD with the image's environment). gunicorn runs in
its own session and `stop` SIGKILLs its process group at the end: no worker outlives a test.
"""

from __future__ import annotations

from bench.launcher import GUNICORN, JSON, REPO_ROOT, STOP_TIMEOUT, free_port, gunicorn_env
from bench.launcher import Gunicorn as Server

# The bin directory of the virtualenv running the tests (.venv/bin under `make test`).
VENV_BIN = GUNICORN.parent

__all__ = ["JSON", "REPO_ROOT", "STOP_TIMEOUT", "VENV_BIN", "Server", "free_port", "gunicorn_env"]
