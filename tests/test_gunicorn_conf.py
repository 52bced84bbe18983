"""service/gunicorn_conf.py: its settings are gunicorn's, and its hooks do their jobs."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType, ModuleType, SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

from service import gunicorn_conf
from service.api import readiness
from service.config import Settings

Handler = Callable[[int, FrameType | None], Any]
HOOKS = {"on_starting", "when_ready", "post_worker_init", "child_exit", "on_exit"}


@pytest.fixture
def restore_signals() -> Iterator[None]:
    """Put back the handlers of the signals the hooks chain onto."""
    signums = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR2, signal.SIGALRM)
    saved = {signum: signal.getsignal(signum) for signum in signums}
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    readiness.reset()


@pytest.fixture
def server() -> SimpleNamespace:
    """A stand-in for gunicorn's arbiter: the hooks only log through it."""
    return SimpleNamespace(log=logging.getLogger("test.arbiter"))


def _recorder(calls: list[int]) -> Handler:
    def handler(signum: int, frame: FrameType | None) -> None:
        calls.append(signum)

    return handler


def _installed(signum: int) -> Handler:
    handler = signal.getsignal(signum)
    assert callable(handler)
    return handler


def _signal_ready_arbiter(signum: int, server: SimpleNamespace) -> list[int]:
    """Run when_ready over a recording `signum` handler, then deliver `signum` once.

    The recorder stands in for the arbiter's queueing handler; the calls it records are returned
    (a drain may add to them later).
    """
    calls: list[int] = []
    signal.signal(signum, _recorder(calls))
    gunicorn_conf.when_ready(server)
    _installed(signum)(signum, None)
    return calls


def test_every_setting_is_one_gunicorn_knows() -> None:
    # gunicorn silently ignores names it does not know, so a typo would go unnoticed.
    settings = {
        name
        for name, value in vars(gunicorn_conf).items()
        if name.islower()
        and not name.startswith("_")
        and not callable(value)
        and not isinstance(value, ModuleType)
    } - {"annotations"}
    assert "control_socket_disable" in settings
    assert settings <= set(Config().settings)
    assert set(Config().settings) >= HOOKS
    assert all(callable(getattr(gunicorn_conf, hook)) for hook in HOOKS)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"HOST": "0.0.0.0", "PORT": "9123", "WORKERS": "3", "TIMEOUT": "7", "LOG_LEVEL": "debug"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        conf = importlib.reload(gunicorn_conf)
        assert conf.bind == "0.0.0.0:9123"
        assert conf.workers == 3
        assert conf.timeout == 7
        assert conf.loglevel == "debug"
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)


def test_server_is_locked_down() -> None:
    assert gunicorn_conf.worker_class == "sync"
    assert gunicorn_conf.control_socket_disable is True
    assert gunicorn_conf.accesslog is None
    assert gunicorn_conf.limit_request_fields <= 100


@pytest.mark.usefixtures("restore_signals")
def test_chained_handler_runs_before_the_previous_one() -> None:
    calls: list[int] = []
    signal.signal(signal.SIGUSR2, _recorder(calls))
    gunicorn_conf.chain_signal_handler(
        signal.SIGUSR2, lambda: calls.append(0), restart_syscalls=True
    )
    _installed(signal.SIGUSR2)(signal.SIGUSR2, None)
    assert calls == [0, signal.SIGUSR2]


@pytest.mark.usefixtures("restore_signals")
def test_worker_sigterm_raises_the_readiness_flag_then_runs_gunicorns_handler() -> None:
    calls: list[int] = []
    signal.signal(signal.SIGTERM, _recorder(calls))  # stands in for gunicorn's handle_exit
    gunicorn_conf.post_worker_init(SimpleNamespace())
    assert not readiness.shutting_down(None)
    _installed(signal.SIGTERM)(signal.SIGTERM, None)
    assert readiness.shutting_down(None)
    assert calls == [signal.SIGTERM]


@pytest.mark.usefixtures("restore_signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGQUIT])
def test_arbiter_quick_shutdown_writes_the_marker_then_runs_gunicorns_handler(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: SimpleNamespace
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    calls = _signal_ready_arbiter(signum, server)
    assert readiness.marker_path(str(tmp_path)).exists()
    assert calls == [signum]


@pytest.mark.usefixtures("restore_signals")
def test_arbiter_sigterm_writes_the_marker_and_drains_before_stopping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: SimpleNamespace
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setattr(gunicorn_conf, "_SETTINGS", Settings(graceful_timeout=100))
    calls = _signal_ready_arbiter(signal.SIGTERM, server)
    assert readiness.marker_path(str(tmp_path)).exists()
    assert calls == []  # gunicorn has not been told yet: still serving, /readyz says 503
    assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
    _installed(signal.SIGTERM)(signal.SIGTERM, None)  # a second SIGTERM stops at once
    assert calls == [signal.SIGTERM]
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


@pytest.mark.usefixtures("restore_signals")
def test_arbiter_sigterm_reaches_gunicorn_when_the_drain_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: SimpleNamespace
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setattr(gunicorn_conf, "_SETTINGS", Settings(graceful_timeout=1))
    calls = _signal_ready_arbiter(signal.SIGTERM, server)
    deadline = time.monotonic() + 30
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [signal.SIGTERM]


@pytest.mark.parametrize(("graceful", "drain"), [(1, 0.25), (8, 2.0), (20, 5.0), (120, 5.0)])
def test_drain_is_a_quarter_of_the_graceful_timeout_at_most_five_seconds(
    graceful: int, drain: float
) -> None:
    assert gunicorn_conf.drain_seconds(Settings(graceful_timeout=graceful)) == drain


def test_on_starting_wipes_only_stale_metric_files_and_the_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: SimpleNamespace
) -> None:
    for name in ("counter_123.db", "gauge_livesum_123.db", "shutdown", "keep.txt"):
        (tmp_path / name).write_text("stale")
    monkeypatch.setattr(gunicorn_conf, "_SETTINGS", Settings(metrics_dir=str(tmp_path)))
    gunicorn_conf.on_starting(server)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_on_starting_creates_a_missing_metrics_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: SimpleNamespace
) -> None:
    directory = tmp_path / "a" / "b"
    monkeypatch.setattr(gunicorn_conf, "_SETTINGS", Settings(metrics_dir=str(directory)))
    gunicorn_conf.on_starting(server)
    assert directory.is_dir()


def test_without_a_metrics_dir_a_private_one_is_exported_then_removed(
    monkeypatch: pytest.MonkeyPatch, server: SimpleNamespace
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setattr(gunicorn_conf, "_SETTINGS", Settings(metrics_dir=None))
    gunicorn_conf.on_starting(server)
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert directory.is_dir()
    gunicorn_conf.on_exit(server)
    assert not directory.exists()


def test_child_exit_drops_only_the_dead_workers_live_gauges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: SimpleNamespace
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name in ("gauge_livesum_41.db", "counter_41.db", "gauge_livesum_42.db"):
        (tmp_path / name).write_bytes(b"")
    gunicorn_conf.child_exit(server, SimpleNamespace(pid=41))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_41.db", "gauge_livesum_42.db"]
