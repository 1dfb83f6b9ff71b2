# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy for the API client: plain Python, no Ansible imports."""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any, Callable, Iterable, Optional

from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset([429] + list(range(500, 600)))
SAFE_METHODS = frozenset(["GET", "HEAD", "OPTIONS", "DELETE"])
BACKOFF_CAP = 60.0
# A server that asks for a longer pause than this is answered at once with
# its own error instead of a task that hangs for hours.
MAX_RETRY_AFTER = 120.0
JITTER = 0.1

RetryReporter = Callable[[int, Optional[int], Optional[Exception], float], None]


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


def backoff_delay(retry_number: int) -> float:
    """About 1, 2, 4, 8, 16 s... for retries 1, 2, 3..., with up to 10 % jitter."""
    base = min(BACKOFF_CAP, 2.0 ** (retry_number - 1))
    return base + random.uniform(0, JITTER * base)


class ReportingRetry(Retry):
    """A Retry that waits from the first retry on, honours retry-after-ms and
    Retry-After on every retried status, and tells a reporter about each wait."""

    sleeper: Callable[[float], None] = staticmethod(time.sleep)  # type: ignore[assignment]

    def __init__(self, *args: Any, reporter: RetryReporter | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reporter = reporter

    @classmethod
    def for_count(
        cls, count: int, reporter: RetryReporter | None = None, statuses: Iterable[int] = RETRY_STATUSES
    ) -> "ReportingRetry":
        return cls(
            total=count,
            connect=count,
            read=count,
            redirect=False,
            status=count,
            other=0,
            allowed_methods=None,
            status_forcelist=frozenset(statuses),
            raise_on_status=False,
            raise_on_redirect=False,
            # Retry-After is honoured by sleep() below, for every retried status;
            # urllib3's own handling would also retry 503s outside the forcelist.
            respect_retry_after_header=False,
            reporter=reporter,
        )

    def new(self, **kw: Any) -> "ReportingRetry":
        kw.setdefault("reporter", self.reporter)
        return super().new(**kw)  # type: ignore[return-value]

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # type: ignore[override]
        if error is not None and self._is_read_error(error) and (method or "").upper() not in SAFE_METHODS:
            # The request went out and may have been acted on: never resend it
            # blindly; the caller finds out what happened.
            raise error.with_traceback(_stacktrace)
        if response is not None and self.total:
            wait = parse_retry_after(response.headers)
            if wait is not None and wait > MAX_RETRY_AFTER:
                # Hand the answer back to the caller, which reports it.
                raise MaxRetryError(_pool, url, None)  # type: ignore[arg-type]
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: Any = None) -> None:
        wait = parse_retry_after(response.headers) if response is not None else None
        if wait is None:
            wait = backoff_delay(len(self.history))
        if self.reporter is not None:
            last = self.history[-1] if self.history else None
            self.reporter(
                len(self.history),
                last.status if last else None,
                last.error if last else None,
                wait,
            )
        self.sleeper(wait)
