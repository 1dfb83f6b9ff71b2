# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for a run to end, as Wait-ThreadRun does: plain Python."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Callable

from ._client import OpenAIClient
from ._errors import InvalidInput, OpenAIError
from ._resources import run_url

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

# The wait options, shared by every module that can wait for a run.
WAIT_ARGSPEC: dict[str, Any] = dict(
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="float", default=600),
    poll_interval=dict(type="float", default=1),
    status_for_wait=dict(type="list", elements="str", choices=RUN_STATUSES),
    status_for_exit=dict(type="list", elements="str", choices=RUN_STATUSES),
)


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
    if params.get("wait_timeout", 1) <= 0:
        raise InvalidInput(f"wait_timeout must be more than 0 seconds, got {params['wait_timeout']:g}")
    if params.get("poll_interval", 1) <= 0:
        raise InvalidInput(f"poll_interval must be more than 0 seconds, got {params['poll_interval']:g}")


def _poll_after(headers: Mapping[str, str], default: float) -> float:
    value = headers.get("openai-poll-after-ms")
    try:
        return max(0.0, float(value) / 1000.0) if value is not None else default
    except ValueError:
        return default


def wait_for_run(
    client: OpenAIClient,
    run: dict[str, Any],
    params: Mapping[str, Any],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll the run until its status leaves status_for_wait (or enters
    status_for_exit); return the last run. Every poll reuses the client's
    session, so one kept-alive connection serves the whole wait."""
    wait_on = params.get("status_for_wait") or DEFAULT_WAIT_ON
    exit_on = params.get("status_for_exit") or []
    deadline = clock() + params["wait_timeout"]
    url = run_url(client, run["thread_id"], run["id"])
    interval = 0.0  # the first read comes at once: its answer may set the pace
    while run.get("status") in wait_on and run.get("status") not in exit_on:
        remaining = deadline - clock()
        if remaining <= 0:
            raise RunNotFinished(
                f"Run {run.get('id')} is still {run.get('status')} after {params['wait_timeout']:g} s "
                f"(wait_timeout); it goes on on the server",
                run,
            )
        if interval:
            sleep(min(interval, remaining))
        run, headers = client.exchange("GET", url)
        interval = _poll_after(headers, params["poll_interval"])
    return run


def check_outcome(run: dict[str, Any]) -> dict[str, Any]:
    """The run, or RunFailed when it ended failed, expired or incomplete."""
    status = run.get("status")
    if status not in FAILED_STATUSES:
        return run
    detail = ""
    if isinstance(run.get("last_error"), dict):
        error = run["last_error"]
        detail = f": {error.get('code')}: {error.get('message')}"
    elif isinstance(run.get("incomplete_details"), dict):
        detail = f": {run['incomplete_details'].get('reason')}"
    raise RunFailed(f"Run {run.get('id')} ended {status}{detail}", run)


def tool_calls(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool calls a run in requires_action waits for (empty otherwise)."""
    action = run.get("required_action") or {}
    return list((action.get("submit_tool_outputs") or {}).get("tool_calls") or [])
