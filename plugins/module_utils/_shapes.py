# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shapes Assistants-compatible servers really send, read in one place:
timestamps in seconds or milliseconds, text values as a string, an object or
a list of parts. Plain Python."""

from __future__ import annotations

import math
from typing import Any, Optional

# Seconds since 1970 pass this only after the year 5138; milliseconds pass it since 1973.
MILLISECONDS_FROM = 1e11
MAX_DEPTH = 8


def seconds(value: Any) -> Optional[float]:
    """A timestamp in seconds, from seconds or milliseconds (DashScope and others send ms)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value) / 1000.0 if value >= MILLISECONDS_FROM else float(value)


def text_value(value: Any, depth: int = 0) -> str:
    """The text of a text part's value: a string, {"value": ...}, {"text": ...}
    or a list of such parts."""
    if depth > MAX_DEPTH:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(text_value(part, depth + 1) for part in value)
    if isinstance(value, dict):
        for key in ("value", "text"):
            if key in value:
                return text_value(value[key], depth + 1)
    return ""


def message_text(message: Any) -> str:
    """The text parts of a message, joined."""
    parts = message.get("content") if isinstance(message, dict) else None
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return ""
    return "".join(
        text_value(part.get("text"))
        for part in parts
        if isinstance(part, dict) and part.get("type") in ("text", "output_text")
    )
