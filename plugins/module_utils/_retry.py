# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The urllib3 Retry policy of the API client: plain Python, no Ansible imports.

Imported by the client only when it is built, so that a task that fails on
bad input or runs in check mode never loads urllib3.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable, Optional

from . import _backoff
from ._backoff import MAX_RETRY_AFTER, RETRY_STATUSES, SAFE_METHODS, backoff_delay, parse_retry_after

try:
    from urllib3.exceptions import MaxRetryError
    from urllib3.util.retry import Retry
except ImportError:  # the modules report the missing library before any use
    Retry = object  # type: ignore[misc,assignment]

RetryReporter = Callable[[int, Optional[int], Optional[Exception], float], None]


class ReportingRetry(Retry):
    """A Retry that waits from the first retry on, honours retry-after-ms and
    Retry-After on every retried status, and tells a reporter about each wait."""

    def __init__(self, *args: Any, reporter: RetryReporter | None = None, first_number: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reporter = reporter
        # Retries the task already made: the backoff and the numbering go on from there.
        self.first_number = first_number

    @classmethod
    def for_count(
        cls,
        count: int,
        reporter: RetryReporter | None = None,
        statuses: Iterable[int] = RETRY_STATUSES,
        first_number: int = 0,
    ) -> ReportingRetry:
        """A policy of at most `count` resends: the retries left in the task's budget."""
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
            first_number=first_number,
        )

    def new(self, **kw: Any) -> ReportingRetry:
        kw.setdefault("reporter", self.reporter)
        kw.setdefault("first_number", self.first_number)
        return super().new(**kw)  # type: ignore[return-value]

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> ReportingRetry:
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
            wait = backoff_delay(self.first_number + len(self.history))
        if self.reporter is not None:
            last = self.history[-1] if self.history else None
            # The reporter spends one retry of the budget (and may refuse the wait).
            self.reporter(
                self.first_number + len(self.history),
                last.status if last else None,
                last.error if last else None,
                wait,
            )
        _backoff.pause(wait)
