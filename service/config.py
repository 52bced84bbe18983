"""Settings from environment variables: the one place configuration is read.

Every knob has a default that makes `make run` work on a laptop; deployments override them
through the environment (the helm chart sets them from its values).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024
MIN_API_KEY_LENGTH = 16
# An API key is a bearer token: RFC 6750's b64token (base64, base64url, hex and the like).
_API_KEY = re.compile(r"[A-Za-z0-9._~+/-]+=*")
DEFAULT_AUTH_EXEMPT_PATHS = ("/livez", "/readyz", "/metrics")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


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
    # Secrets: kept out of repr() so that logging or printing the settings never shows them.
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    auth_exempt_paths: tuple[str, ...] = DEFAULT_AUTH_EXEMPT_PATHS
    ui_enabled: bool = True

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
            metrics_dir=metrics_dir_from_env(env),
            api_keys=_api_keys(env),
            auth_exempt_paths=_paths(env, "AUTH_EXEMPT_PATHS", DEFAULT_AUTH_EXEMPT_PATHS),
            ui_enabled=_bool(env, "UI_ENABLED", cls.ui_enabled),
        )
        if settings.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"LOG_LEVEL must be a logging level name, not {settings.log_level!r}")
        return settings


def metrics_dir_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The Prometheus multiprocess directory alone: gunicorn's arbiter re-reads it after
    `on_starting` may have exported a private one, without re-reading every other setting."""
    env = os.environ if environ is None else environ
    return env.get("PROMETHEUS_MULTIPROC_DIR") or None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


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


def _api_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    """API keys from API_KEYS (comma-separated) and API_KEYS_FILE (one a line), deduplicated.

    Error messages name a key by its position only: a key must never reach a log.
    """
    keys = [key.strip() for key in env.get("API_KEYS", "").split(",")]
    path = env.get("API_KEYS_FILE", "").strip()
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeError):
            raise ConfigError(f"API_KEYS_FILE {path!r} is not a readable UTF-8 file") from None
        file_keys = [line.strip() for line in lines if line.strip()]
        if not file_keys:  # a mounted but empty file must not switch authentication off
            raise ConfigError(f"API_KEYS_FILE {path!r} holds no API key")
        keys.extend(file_keys)
    keys = [key for key in keys if key]
    for number, key in enumerate(keys, start=1):
        if len(key) < MIN_API_KEY_LENGTH or not _API_KEY.fullmatch(key):
            raise ConfigError(
                f"API key #{number} must be at least {MIN_API_KEY_LENGTH} characters of "
                "A-Z a-z 0-9 . _ ~ + / - (and trailing =)"
            )
    return tuple(dict.fromkeys(keys))


def _paths(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list of URL paths; unset means `default`, empty means none."""
    raw = env.get(name)
    if raw is None:
        return default
    paths = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    for path in paths:
        if not path.startswith("/"):
            raise ConfigError(f"{name} must list paths that start with '/', not {path!r}")
    return paths
