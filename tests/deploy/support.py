"""Helpers for the deploy tests: read the Dockerfile and run its CMD locally.

There is no container engine on the test machines, so the image's contract is checked by
running the exact exec-form `CMD` of the Dockerfile's final stage with the final stage's `ENV`,
the project's virtualenv on PATH, and the two writable mounts (/tmp and the metrics directory)
replaced by temporary directories.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support.gunicorn import REPO_ROOT, VENV_BIN, Server, free_port

DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
CHART_DIR = REPO_ROOT / "helm" / "review-analyzer"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: upper-case keyword and its raw argument text."""

    keyword: str
    argument: str


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    """Parse `path` into instructions, joining `\\` continuations and dropping comments."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        keyword, _, argument = (pending + line).partition(" ")
        instructions.append(Instruction(keyword.upper(), argument.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a line continuation"
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    """Return the instructions of the last build stage (from its FROM on)."""
    starts = [i for i, instruction in enumerate(instructions) if instruction.keyword == "FROM"]
    assert starts, "the Dockerfile has no FROM"
    return instructions[starts[-1] :]


def image_cmd(instructions: list[Instruction]) -> list[str]:
    """Return the final stage's CMD, which must be in exec (JSON array) form."""
    cmds = [i.argument for i in final_stage(instructions) if i.keyword == "CMD"]
    assert cmds, "the final stage has no CMD"
    parsed = json.loads(cmds[-1])
    assert isinstance(parsed, list), "CMD must be exec form (a JSON array)"
    assert all(isinstance(part, str) for part in parsed), "CMD must be a list of strings"
    return [str(part) for part in parsed]


def image_env(instructions: list[Instruction]) -> dict[str, str]:
    """Return the environment the final stage sets with `ENV key=value ...`."""
    env: dict[str, str] = {}
    for instruction in final_stage(instructions):
        if instruction.keyword != "ENV":
            continue
        for token in shlex.split(instruction.argument):
            key, sep, value = token.partition("=")
            assert sep, f"use the ENV key=value form, not {instruction.argument!r}"
            env[key] = value
    return env


@contextlib.contextmanager
def run_image_cmd(tmp_path: Path, **overrides: str) -> Iterator[Server]:
    """Run the Dockerfile's CMD as the image would, on a free port; yield once it is ready.

    The environment is the final stage's ENV plus PATH (the virtualenv's bin first) and LANG,
    and nothing else from the caller's environment. /tmp (also HOME in the image) and the
    metrics directory, the only writable paths in a read-only container, become temporary
    directories; the working directory is an empty one, like the image's WORKDIR.
    """
    instructions = dockerfile_instructions()
    command = image_cmd(instructions)
    scratch = tmp_path / "tmp"
    metrics = tmp_path / "metrics"
    workdir = tmp_path / "workdir"
    for directory in (scratch, metrics, workdir):
        directory.mkdir()
    env = {key: _under(value, "/tmp", scratch) for key, value in image_env(instructions).items()}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        LANG="C.UTF-8",
        TMPDIR=str(scratch),
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
        PORT=str(free_port()),
    )
    env.setdefault("HOST", "0.0.0.0")
    env.update(overrides)
    executable = shutil.which(command[0], path=env["PATH"])
    assert executable is not None, f"{command[0]!r} is not on PATH {env['PATH']}"
    # The tests stop the server themselves (Server.stop); SIGKILL only cleans up after a failure.
    with Server.run(
        command,
        env=env,
        cwd=workdir,
        log_path=tmp_path / "server.log",
        stop_signal=signal.SIGKILL,
    ) as server:
        yield server


def _under(value: str, mount: str, replacement: Path) -> str:
    """Re-root `value` from the container path `mount` to `replacement`, if it lies under it."""
    if value == mount or value.startswith(mount + "/"):
        return str(replacement) + value[len(mount) :]
    return value


def listen_backlog(port: int) -> int | None:
    """Return how many connections wait in the accept queue of the socket listening on `port`.

    Reads /proc/net/tcp{,6} (Linux): for a listening socket the rx_queue column is its accept
    backlog. None when no listening socket on that port is found.
    """
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table, encoding="ascii") as rows:
            next(rows)
            for row in rows:
                columns = row.split()
                local, state, queues = columns[1], columns[3], columns[4]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    return int(queues.split(":")[1], 16)
    return None
