"""bench.launcher: the one gunicorn launcher of the benchmark, the soak test and the test suites.

The slow tests start real gunicorn: the caller's shell settings must not reach it, and no worker
may outlive `stop`, whether the arbiter stops, dies first or hangs.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from bench import launcher
from bench.launcher import JSON, Gunicorn, ServerError

REVIEW = b'{"body": "`run()` passes user input to os.system (line 12): command injection."}'
# An orphaned sync worker notices its new parent only after TIMEOUT / 2 = 15 s; a SIGKILL to the
# process group ends it at once.
GONE_WITHIN = 5.0


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie only waits to be reaped)."""
    try:
        return launcher.parse_stat(Path(f"/proc/{pid}/stat").read_text())[0] != "Z"
    except OSError:
        return False


def _all_gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + GONE_WITHIN
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.decode().split("=", 1) for item in raw.split(b"\0") if item)


def test_parse_stat_reads_past_the_command_name() -> None:
    assert launcher.parse_stat("123 (gunicorn: worker [a) b]) S 77 120 119 0") == ("S", 77, 120)


def test_this_process_is_found_among_its_parents_children() -> None:
    assert os.getpid() in launcher.children(os.getppid())


def test_free_port_is_bindable() -> None:
    port = launcher.free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((launcher.HOST, port))


@pytest.mark.slow
def test_the_server_sees_none_of_the_callers_settings_and_stops_with_its_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("API_KEYS", "from-the-shell")
    monkeypatch.setenv("MAX_BODY_BYTES", "10")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 5")
    with Gunicorn.run_gunicorn(tmp_path, {"WORKERS": "1"}) as server:
        server.wait_until(lambda: len(server.worker_pids()) == 1, "one worker", 60.0)
        assert server.request("POST", "/v1/analyze", REVIEW, JSON).status == 200
        for pid in [server.process.pid, *server.worker_pids()]:
            seen = _environ(pid)
            assert {"API_KEYS", "MAX_BODY_BYTES", "GUNICORN_CMD_ARGS"}.isdisjoint(seen)
            assert seen["WORKERS"] == "1"
        workers = server.worker_pids()
    assert server.process.returncode == 0
    assert _all_gone(workers)


@pytest.mark.slow
def test_no_worker_survives_an_arbiter_that_died_first(tmp_path: Path) -> None:
    # Start two workers, SIGKILL the arbiter alone, then raise as a failing benchmark would.
    with (  # noqa: PT012 - the raise must come from inside the server's block
        pytest.raises(RuntimeError, match="benchmark failed"),
        Gunicorn.run_gunicorn(tmp_path, {"WORKERS": "2"}) as server,
    ):
        server.wait_until(lambda: len(server.worker_pids()) == 2, "two workers", 60.0)
        workers = server.worker_pids()
        os.kill(server.process.pid, signal.SIGKILL)
        raise RuntimeError("benchmark failed")
    assert _all_gone(workers)


@pytest.mark.slow
def test_an_arbiter_that_does_not_stop_is_killed_with_its_workers(tmp_path: Path) -> None:
    with Gunicorn.run_gunicorn(tmp_path, {"WORKERS": "2"}) as server:
        server.wait_until(lambda: len(server.worker_pids()) == 2, "two workers", 60.0)
        workers = server.worker_pids()
        # SIGSTOP freezes the arbiter, so it cannot exit within the timeout.
        with pytest.raises(ServerError, match=r"still running 1\.0s after SIGSTOP"):
            server.stop(signal.SIGSTOP, timeout=1.0)
        assert server.process.returncode == -signal.SIGKILL
        assert _all_gone(workers)
