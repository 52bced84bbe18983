"""Helpers for the browser tests: the service as `make run` starts it, and a watched page."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Dialog, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
# The bin directory of the virtualenv running the tests (.venv/bin under `make test`).
VENV_BIN = Path(sys.executable).parent
# Generous: a loaded 2-core CI machine boots gunicorn slowly.
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    """Return a TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """gunicorn serving the app, as `make run` starts it, on a free loopback port."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server printed, for assertion messages."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def analyze(self, body: str) -> dict[str, Any]:
        """POST `body` to /v1/analyze and return the Analysis."""
        request = urllib.request.Request(
            f"{self.base_url}/v1/analyze",
            data=json.dumps({"body": body}).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            document: dict[str, Any] = json.load(response)
        return document

    def wait_ready(self) -> None:
        """Wait until GET /readyz answers 200; fail with the server's log otherwise."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited early:\n{self.log_tail()}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"{self.base_url}/readyz", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(
            f"/readyz did not answer within {STARTUP_TIMEOUT}s:\n{self.log_tail()}"
        )


@contextlib.contextmanager
def run_server(tmp_path: Path) -> Iterator[Server]:
    """Run `make run`'s command (gunicorn with the project's config) with one worker."""
    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
        "UI_ENABLED": "true",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn makes a private one
    command = [
        str(VENV_BIN / "gunicorn"),
        "--config",
        "python:service.gunicorn_conf",
        "service.wsgi:app",
    ]
    log_path = tmp_path / "gunicorn.log"
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
        server = Server(process, f"http://127.0.0.1:{port}", log_path)
        try:
            server.wait_ready()
            yield server
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGINT is gunicorn's quick shutdown: no readiness drain to wait for.
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # only this server's own process group
            process.wait(timeout=15)


@dataclass
class Watched:
    """A page plus everything it reported that a clean page never does."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Page) -> Watched:
        """Start recording console errors, uncaught exceptions and dialogs of `page`."""
        watched = cls(page)
        page.on("console", watched._on_console)
        page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
        page.on("dialog", watched._on_dialog)
        return watched

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            self.console_errors.append(f"{message.type}: {message.text}")

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_clean(self) -> None:
        """Fail if the page logged an error or warning, threw, or opened a dialog."""
        assert self.dialogs == []
        assert self.page_errors == []
        assert self.console_errors == []
