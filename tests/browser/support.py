"""Helpers for the browser tests: the service as `make run` starts it, and a watched page."""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Dialog, Page
from support.gunicorn import JSON
from support.gunicorn import Server as Gunicorn


class Server(Gunicorn):
    """gunicorn serving the app, as `make run` starts it, on a free loopback port."""

    def analyze(self, body: str) -> dict[str, Any]:
        """POST `body` to /v1/analyze and return the Analysis."""
        reply = self.request("POST", "/v1/analyze", json.dumps({"body": body}).encode(), JSON)
        assert reply.status == 200, reply.body[:300]
        document: dict[str, Any] = json.loads(reply.body)
        return document


@contextlib.contextmanager
def run_server(tmp_path: Path) -> Iterator[Server]:
    """Run `make run`'s command (gunicorn with the project's config) with one worker and the UI.

    Without PROMETHEUS_MULTIPROC_DIR gunicorn makes a private one. SIGINT stops it: gunicorn's
    quick shutdown, with no readiness drain to wait for.
    """
    settings = {"WORKERS": "1", "UI_ENABLED": "true", "LOG_LEVEL": "WARNING"}
    with Server.run_gunicorn(
        tmp_path, settings, stop_signal=signal.SIGINT, stop_timeout=15
    ) as server:
        yield server


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
