"""Fixtures for the browser tests: one gunicorn server and one headless Chromium per session.

Chromium is Debian's (`/usr/bin/chromium`, installed by `make test`), driven by Playwright with
`executable_path`: no browser is ever downloaded. Without it these tests skip on a developer
machine and fail in CI (CI=true).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from .support import Server, Watched, run_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# Generous per-action timeout (ms) for a loaded 2-core machine; a healthy run needs far less.
ACTION_TIMEOUT_MS = 20_000


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (
        f"{CHROMIUM} is missing: install Debian's chromium and chromium-driver "
        "(`make test` does it with apt-get)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service started like `make run`, on a free port, with one worker."""
    _require_chromium()  # no point in a server without a browser
    with run_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver (it ships inside the Python package)."""
    _require_chromium()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium."""
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    """A fresh browser profile pointed at the server; no motion, so scrolling is immediate."""
    ctx = browser.new_context(
        base_url=server.base_url, viewport=VIEWPORT, reduced_motion="reduce", locale="en-US"
    )
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def watched(context: BrowserContext) -> Watched:
    """A new page whose console errors, uncaught exceptions and dialogs are recorded."""
    return Watched.attach(context.new_page())
