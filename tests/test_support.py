"""support.gunicorn keeps every variable the service reads out of the servers the tests start."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from support.gunicorn import SERVICE_ENV, gunicorn_env

from service.config import Settings


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


def test_service_env_is_every_variable_settings_read() -> None:
    environ = _RecordingEnviron()
    Settings.from_env(environ)
    assert environ.names == SERVICE_ENV


def test_gunicorn_env_drops_the_callers_service_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in SERVICE_ENV:
        monkeypatch.setenv(name, "from-the-shell")
    monkeypatch.setenv("UNRELATED_VARIABLE", "kept")
    env = gunicorn_env(8123, tmp_path, {"WORKERS": "3"})
    assert {name: env[name] for name in SERVICE_ENV if name in env} == {
        "HOST": "127.0.0.1",
        "PORT": "8123",
        "WORKERS": "3",
    }
    assert env["UNRELATED_VARIABLE"] == "kept"
    assert env["HOME"] == str(tmp_path)
    assert Path(env["XDG_RUNTIME_DIR"]).is_dir()
