"""Plain-text checks shared by the API schemas and the output formats."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL: context values refuse them, output formats flatten them to spaces.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_encodable(value: str) -> str:
    """Return `value`; ValueError if it has a lone surrogate (`"\\ud800"` in JSON): not UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Not valid Unicode text (contains a lone surrogate).") from None
    return value
