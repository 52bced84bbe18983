"""Plain-text checks shared by the API schemas, the output formats and the CLI."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL: context values refuse them, output formats flatten them to spaces.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Limits of the optional context fields (`path`, `commit`, `source`), in characters.
CONTEXT_LIMITS = {"path": 4096, "commit": 256, "source": 256}


def check_encodable(value: str) -> str:
    """Return `value`; ValueError if it has a lone surrogate (`"\\ud800"` in JSON): not UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Not valid Unicode text (contains a lone surrogate).") from None
    return value


def check_context_value(name: str, value: str) -> str:
    """Return `value` if it is a usable `path`/`commit`/`source`; ValueError saying why not.

    Shared by the API and the CLI: one line of text, not empty, within its limit.
    """
    limit = CONTEXT_LIMITS[name]
    if value == "":
        raise ValueError("Must not be empty.")
    if len(value) > limit:
        raise ValueError(f"Longer than {limit} characters.")
    if CONTROL_CHARACTER.search(value):
        raise ValueError("Must not contain control characters.")
    return check_encodable(value)
