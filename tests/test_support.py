"""The servers the tests start (support.gunicorn) get a minimal environment, never the shell's.

support.gunicorn is `bench.launcher`, which the benchmark and the soak test use too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from support.gunicorn import gunicorn_env

from bench.launcher import INHERITED_ENV
from service.config import Settings

# Variables gunicorn itself reads from its environment, besides the service's settings.
GUNICORN_ENV = frozenset({"GUNICORN_CMD_ARGS", "FORWARDED_ALLOW_IPS", "SENDFILE"})


class _RecordingEnviron(Mapping[str, str]):
    """An empty environment that records every name looked up in it."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.names.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _settings_read() -> set[str]:
    environ = _RecordingEnviron()
    Settings.from_env(environ)
    return environ.names


def test_no_inherited_variable_is_a_setting() -> None:
    assert {"API_KEYS", "MAX_BODY_BYTES", "WEB_CONCURRENCY"} <= _settings_read()
    assert set(INHERITED_ENV).isdisjoint(_settings_read() | GUNICORN_ENV)


def test_gunicorn_env_is_the_basics_plus_the_callers_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in _settings_read() | GUNICORN_ENV | {"PYTHONPATH", "UNRELATED_VARIABLE"}:
        monkeypatch.setenv(name, "from-the-shell")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("TZ", raising=False)
    env = gunicorn_env(8123, tmp_path, {"WORKERS": "3"})
    inherited = {name: env.pop(name) for name in INHERITED_ENV if name in env}
    assert inherited.items() >= {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}.items()
    assert "TZ" not in inherited
    assert env == {
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(tmp_path / "runtime"),
        "HOST": "127.0.0.1",
        "PORT": "8123",
        "WORKERS": "3",
    }
    assert Path(env["XDG_RUNTIME_DIR"]).is_dir()
