"""The container image: Dockerfile lint, its runtime contract, and its CMD serving for real."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from support.gunicorn import REPO_ROOT, VENV_BIN

from .support import (
    DOCKERFILE,
    DOCKERIGNORE,
    dockerfile_instructions,
    final_stage,
    image_cmd,
    image_env,
    run_image_cmd,
)

SERVER_COMMAND = ["gunicorn", "--config", "python:service.gunicorn_conf", "service.wsgi:app"]


def test_hadolint_reports_nothing() -> None:
    hadolint = VENV_BIN / "hadolint"
    assert hadolint.exists(), "hadolint is missing: install the project's [test] extra"
    result = subprocess.run(
        [str(hadolint), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_image_is_multi_stage_on_python_3_11_slim() -> None:
    instructions = dockerfile_instructions()
    args = dict(
        i.argument.split("=", 1) for i in instructions if i.keyword == "ARG" and "=" in i.argument
    )
    bases = [
        re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], i.argument.split()[0])
        for i in instructions
        if i.keyword == "FROM"
    ]
    assert len(bases) >= 2
    assert set(bases) == {"python:3.11-slim"}
    copies = [i.argument for i in final_stage(instructions) if i.keyword == "COPY"]
    assert copies == [], "the final stage gets only wheels (bind-mounted), never sources"


def test_final_stage_runtime_contract() -> None:
    instructions = dockerfile_instructions()
    stage = final_stage(instructions)
    env = image_env(instructions)
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["HOST"] == "0.0.0.0"
    assert env["PORT"] == "8080"
    metrics_dir = env["PROMETHEUS_MULTIPROC_DIR"]
    assert metrics_dir.startswith("/")
    # HOME on the /tmp mount: anything that writes under $HOME works on a read-only root.
    assert env["HOME"] == "/tmp"
    users = [i.argument for i in stage if i.keyword == "USER"]
    assert users, "the final stage must drop root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "USER must be numeric so Kubernetes can verify runAsNonRoot"
    assert int(uid) >= 10000
    assert [i.argument for i in stage if i.keyword == "EXPOSE"] == ["8080"]
    assert image_cmd(instructions) == SERVER_COMMAND


def test_make_run_uses_the_image_command() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(BIN)/" + " ".join(SERVER_COMMAND) in makefile


def test_dockerignore_is_an_allow_list_of_what_the_build_copies() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "exclude everything, then re-include the build inputs"
    included = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    sources: set[str] = set()
    for instruction in dockerfile_instructions():
        if instruction.keyword != "COPY" or "--from=" in instruction.argument:
            continue
        *copied, _destination = (
            part for part in instruction.argument.split() if not part.startswith("--")
        )
        sources.update(part.rstrip("/") for part in copied)
    assert sources, "the build stage copies the project in"
    assert sources <= included
    for source in sources:
        assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the repository"
    # A symlink in the copied tree (service/openapi.yaml) must point at something copied too.
    for source in sources:
        root = REPO_ROOT / source
        for path in [root, *root.rglob("*")] if root.is_dir() else [root]:
            if path.is_symlink():
                target = path.resolve().relative_to(REPO_ROOT).as_posix()
                assert any(target == s or target.startswith(s + "/") for s in sources), path


@pytest.mark.slow
def test_image_cmd_starts_and_serves(tmp_path: Path) -> None:
    with run_image_cmd(tmp_path) as server:
        status, headers, body = server.request("GET", "/livez")
        assert status == 200
        status, headers, body = server.request(
            "POST",
            "/v1/analyze",
            body=b"No security defects are detected in the code.",
            headers={"Content-Type": "text/plain"},
        )
        assert status == 200, body
        assert json.loads(body)["verdict"] in {"no_defects", "defects_found", "inconclusive"}
        status, headers, body = server.request("GET", "/metrics")
        assert status == 200
        assert headers["content-type"].startswith("text/plain")
        metrics_dir = Path(server.env["PROMETHEUS_MULTIPROC_DIR"])
        assert list(metrics_dir.glob("*.db")), "workers keep their metrics in the metrics dir"
        assert server.stop(timeout=60) == 0, server.log_tail()
    # Read-only root filesystem: nothing may be written outside /tmp and the metrics dir.
    assert list(server.cwd.iterdir()) == []
