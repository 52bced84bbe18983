"""GET /livez and /readyz, and readiness during shutdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from support.http import MakeApp

from service.api import app as app_module
from service.api import readiness
from service.config import Settings
from service.observability.metrics import Metrics


def test_livez_is_200_json(client: FlaskClient) -> None:
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}


def test_readyz_is_200_while_serving(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_is_503_once_shutdown_has_begun(client: FlaskClient) -> None:
    readiness.begin_shutdown()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "shutting_down"}


def test_livez_stays_200_during_shutdown(client: FlaskClient) -> None:
    readiness.begin_shutdown()
    assert client.get("/livez").status_code == 200


def test_shutdown_marker_in_the_state_dir_means_shutting_down(tmp_path: Path) -> None:
    assert not readiness.shutting_down(str(tmp_path))
    readiness.announce_shutdown(str(tmp_path))
    assert readiness.marker_path(str(tmp_path)).exists()
    assert readiness.shutting_down(str(tmp_path))


def test_announcing_into_a_missing_directory_does_not_raise(tmp_path: Path) -> None:
    readiness.announce_shutdown(str(tmp_path / "gone"))
    assert not readiness.shutting_down(str(tmp_path / "gone"))


def test_without_state_dir_only_the_process_flag_counts() -> None:
    assert not readiness.shutting_down(None)
    readiness.begin_shutdown()
    try:
        assert readiness.shutting_down(None)
    finally:
        readiness.reset()


def test_readyz_is_503_when_the_arbiter_announced_shutdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: MakeApp
) -> None:
    # The marker lives in the metrics directory; keep this process's metrics plain.
    monkeypatch.setattr(app_module, "Metrics", lambda _directory: Metrics(None))
    client = make_app(Settings(metrics_dir=str(tmp_path))).test_client()
    assert client.get("/readyz").status_code == 200
    readiness.announce_shutdown(str(tmp_path))
    assert client.get("/readyz").status_code == 503
