"""Settings from environment variables: the one place configuration is read.

Every knob has a default that makes `make run` work on a laptop; deployments override them
through the environment (the helm chart sets them from its values).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

MIB = 1024 * 1024


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Validated, immutable runtime settings."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    timeout: int = 30
    graceful_timeout: int = 20
    keepalive: int = 5
    max_body_bytes: int = MIB
    max_request_bytes: int = 8 * MIB
    max_batch_size: int = 100
    log_level: str = "INFO"
    metrics_dir: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `environ` (default: the process environment)."""
        env = os.environ if environ is None else environ
        settings = cls(
            host=env.get("HOST", cls.host),
            port=_int(env, "PORT", cls.port, minimum=1, maximum=65535),
            workers=_int(
                env,
                "WORKERS",
                _int(env, "WEB_CONCURRENCY", os.cpu_count() or 1, minimum=1),
                minimum=1,
            ),
            timeout=_int(env, "TIMEOUT", cls.timeout, minimum=1),
            graceful_timeout=_int(env, "GRACEFUL_TIMEOUT", cls.graceful_timeout, minimum=1),
            keepalive=_int(env, "KEEPALIVE", cls.keepalive, minimum=1),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", cls.max_body_bytes, minimum=1),
            max_request_bytes=_int(env, "MAX_REQUEST_BYTES", cls.max_request_bytes, minimum=1),
            max_batch_size=_int(env, "MAX_BATCH_SIZE", cls.max_batch_size, minimum=1),
            log_level=env.get("LOG_LEVEL", cls.log_level).upper(),
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
        )
        if settings.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"LOG_LEVEL must be a logging level name, not {settings.log_level!r}")
        return settings


def _int(
    env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ConfigError(f"{name} must be {bounds}, not {value}")
    return value
