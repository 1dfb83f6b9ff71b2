# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for a run to end, as Wait-ThreadRun does: plain Python."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

from ._errors import APIError, DeadlineExceeded, InvalidInput, OpenAIError, expect_object, one_line
from ._validation import check_number

RUN_STATUSES = [
    "queued",
    "in_progress",
    "requires_action",
    "cancelling",
    "cancelled",
    "failed",
    "completed",
    "incomplete",
    "expired",
]
DEFAULT_WAIT_ON = ["queued", "in_progress", "cancelling"]
FAILED_STATUSES = ("failed", "expired", "incomplete")
# A server's openai-poll-after-ms below this is raised to it: 0 must not busy-loop.
MIN_POLL_AFTER = 0.2
MAX_WAIT_TIMEOUT = 7 * 86400.0
MAX_POLL_INTERVAL = 3600.0


class RunNotFinished(OpenAIError):
    """The wait ran out of time; `run` is the last run seen."""

    def __init__(self, message: str, run: dict[str, Any]) -> None:
        super().__init__(message)
        self.run = run


class RunFailed(OpenAIError):
    """The run ended failed, expired or incomplete."""

    def __init__(self, message: str, run: dict[str, Any]) -> None:
        super().__init__(message)
        self.run = run


def check_wait_options(params: Mapping[str, Any]) -> None:
    if params.get("wait_timeout") is not None:
        check_number("wait_timeout", params["wait_timeout"], None, MAX_WAIT_TIMEOUT)
        if params["wait_timeout"] <= 0:
            raise InvalidInput(f"wait_timeout must be more than 0 seconds, got {params['wait_timeout']:g}")
    if params.get("poll_interval") is not None:
        check_number("poll_interval", params["poll_interval"], None, MAX_POLL_INTERVAL)
        if params["poll_interval"] <= 0:
            raise InvalidInput(f"poll_interval must be more than 0 seconds, got {params['poll_interval']:g}")


def _poll_after(headers: Mapping[str, str], default: float) -> float:
    """The server's openai-poll-after-ms in seconds, at least MIN_POLL_AFTER;
    the task's poll_interval when the header is missing or not a number."""
    value = headers.get("openai-poll-after-ms")
    try:
        seconds = float(value) / 1000.0 if value is not None else default
    except (TypeError, ValueError):
        return default
    if not math.isfinite(seconds):
        return default
    return max(MIN_POLL_AFTER, seconds) if value is not None else seconds


def _still_running(run: dict[str, Any], params: Mapping[str, Any]) -> RunNotFinished:
    return RunNotFinished(
        f"Run {run.get('id')} is still {run.get('status')} after {params['wait_timeout']:g} s "
        f"(wait_timeout); it goes on on the server",
        run,
    )


# Reads a run once more within the seconds given: (the run, the answer's headers).
ReadRun = Callable[[dict[str, Any], float], "tuple[dict[str, Any], Mapping[str, str]]"]


def wait_for_run(
    read: ReadRun,
    run: dict[str, Any],
    params: Mapping[str, Any],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll the run until its status leaves status_for_wait (or enters
    status_for_exit); return the last run. `read` is the wire API's read of
    a run; every poll reuses the client's session, so one kept-alive
    connection serves the whole wait.

    wait_timeout bounds the whole wait: each poll gets only the time left,
    so a stuck or trickling answer ends the wait too."""
    wait_on = params.get("status_for_wait") or DEFAULT_WAIT_ON
    exit_on = params.get("status_for_exit") or []
    deadline = clock() + params["wait_timeout"]
    run = expect_object(run, "the run to wait for", "thread.run", ("id",))
    # Every poll reads the run the wait began with: an answer cannot redirect it.
    target = run
    interval = 0.0  # the first read comes at once: its answer may set the pace
    while run.get("status") in wait_on and run.get("status") not in exit_on:
        remaining = deadline - clock()
        if remaining <= 0:
            raise _still_running(run, params)
        if interval:
            sleep(min(interval, remaining))
            remaining = deadline - clock()
            if remaining <= 0:
                raise _still_running(run, params)
        try:
            run, headers = read(target, remaining)
        except DeadlineExceeded:
            raise _still_running(run, params) from None
        interval = _poll_after(headers, params["poll_interval"])
    return run


def check_outcome(run: dict[str, Any]) -> dict[str, Any]:
    """The run, or RunFailed when it ended failed, expired or incomplete."""
    run = expect_object(run, "the run", "thread.run")
    status = run.get("status")
    if not isinstance(status, str) or status not in FAILED_STATUSES:
        return run
    detail = ""
    if isinstance(run.get("last_error"), dict):
        error = run["last_error"]
        detail = f": {one_line(str(error.get('code')), 80)}: {one_line(str(error.get('message')))}"
    elif isinstance(run.get("incomplete_details"), dict):
        detail = f": {one_line(str(run['incomplete_details'].get('reason')), 80)}"
    raise RunFailed(f"Run {one_line(str(run.get('id')), 80)} ended {status}{detail}", run)


def wait_for_runs(
    read: ReadRun,
    runs: list[dict[str, Any]],
    params: Mapping[str, Any],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Follow every run at once, each read when its own poll-after says, until
    all have left status_for_wait (or entered status_for_exit) or wait_timeout
    has passed for the set. Returns the last run seen of each, in the order
    given, and what kept some from ending, by index: a read that failed, or the
    wait that ran out. A 429 or a server error only puts that run's next read off."""
    wait_on = params.get("status_for_wait") or DEFAULT_WAIT_ON
    exit_on = params.get("status_for_exit") or []
    limit = float(params["wait_timeout"])
    deadline = clock() + limit
    latest = list(runs)
    problems: dict[int, str] = {}

    def waiting(run: Mapping[str, Any]) -> bool:
        return run.get("status") in wait_on and run.get("status") not in exit_on

    # When each run is read next (None: it has ended); the first reads come at once.
    due: list[Optional[float]] = [0.0 if waiting(run) else None for run in runs]
    while True:
        pending = [index for index, at in enumerate(due) if at is not None]
        if not pending:
            break
        index = min(pending, key=lambda k: due[k] or 0.0)
        wake = due[index] or 0.0
        if wake >= deadline:
            break
        if wake > clock():
            sleep(wake - clock())
        remaining = deadline - clock()
        if remaining <= 0:
            break
        try:
            run, headers = read(runs[index], remaining)
        except DeadlineExceeded:
            break
        except APIError as error:
            if error.status != 429 and error.status < 500:
                problems[index] = str(error)
                due[index] = None
                continue
            wait = error.retry_after if error.retry_after is not None else float(params["poll_interval"])
            due[index] = clock() + max(MIN_POLL_AFTER, wait)
            continue
        except OpenAIError as error:
            problems[index] = str(error)
            due[index] = None
            continue
        latest[index] = run
        due[index] = clock() + _poll_after(headers, params["poll_interval"]) if waiting(run) else None
    for index, at in enumerate(due):
        if at is not None:
            run = latest[index]
            problems[index] = f"still {one_line(str(run.get('status')), 40)} after {limit:g} s (wait_timeout)"
    return latest, problems
