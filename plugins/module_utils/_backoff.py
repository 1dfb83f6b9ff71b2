# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to retry and how long to wait: plain Python, no third-party imports."""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any

RETRY_STATUSES = frozenset([429, *range(500, 600)])
# Methods whose request may be sent again after a read error: repeating them
# changes nothing on the server.
SAFE_METHODS = frozenset(["GET", "HEAD", "OPTIONS", "DELETE"])
BACKOFF_CAP = 60.0
# A server that asks for a longer pause than this is answered at once with
# its own error instead of a task that hangs for hours.
MAX_RETRY_AFTER = 120.0
JITTER = 0.1


def parse_retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from retry-after-ms or Retry-After."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    when = email.utils.mktime_tz(parsed)
    return max(0.0, when - (time.time() if now is None else now))


def pause(seconds: float) -> None:
    """Wait between attempts (one place, so tests can record the waits instead)."""
    time.sleep(seconds)


def backoff_delay(retry_number: int) -> float:
    """About 1, 2, 4, 8, 16 s... for retries 1, 2, 3..., with up to 10 % jitter."""
    base = min(BACKOFF_CAP, 2.0 ** (retry_number - 1))
    return base + random.uniform(0, JITTER * base)
