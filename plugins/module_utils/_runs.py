# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting a run: the calls, streaming, and never starting one twice. Plain Python."""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any, Callable, Optional

from . import _backoff
from ._client import OpenAIClient
from ._errors import APIError, OpenAIError, TransportError
from ._resources import assistant_url, thread_url
from ._run_body import needs_assistant_tools, tool_flags
from ._streaming import read_run_stream
from ._validation import merge_tools

_ACTIVE_RUN = re.compile(r"already has an active run (\S+?)\.?$")
# Slack, in seconds, around the window in which our run can have been created
# (the Date header and created_at have one-second resolution).
WINDOW_SLACK = 2

Warn = Optional[Callable[[str], None]]


def create_url(client: OpenAIClient, thread_id: str | None) -> str:
    """POST /threads/{id}/runs, or POST /threads/runs for a new thread."""
    return client.url("threads", "runs") if thread_id is None else thread_url(client, thread_id, "runs")


def create_query(params: dict[str, Any]) -> dict[str, Any] | None:
    return {"include[]": params["include"]} if params.get("include") else None


def start_run(
    client: OpenAIClient,
    thread_id: str | None,
    body: dict[str, Any],
    params: dict[str, Any],
    warn: Warn = None,
) -> tuple[dict[str, Any], str | None]:
    """Start the run; return it (the final run when streaming) and the
    streamed text (None when not streaming).

    When a tool switch applies to the assistant's own tools, the assistant is
    read first so the switch changes only that tool.

    Creating a run is not idempotent, so the request is never resent blindly:
    urllib3 retries only 429s and refused connections, which prove nothing was
    done. After an answer that leaves it unknown whether the run was created
    (a 5xx, a read timeout, a reset, or a retry refused because the thread
    "already has an active run"), the thread's newest runs are checked, and
    the run this task created is returned; only when there is none is the
    request sent again. A new thread and its run cannot be found that way, so
    that call is never sent again after such an answer.
    """
    if needs_assistant_tools(params):
        assistant = client.request("GET", assistant_url(client, body["assistant_id"]))
        body = dict(body, tools=merge_tools(assistant.get("tools") or [], tool_flags(params), "the assistant's tools"))
    url, query = create_url(client, thread_id), create_query(params)
    if params.get("stream"):
        return read_run_stream(client.stream_lines("POST", url, dict(body, stream=True), query, False))
    started = time.time()
    attempt = 0
    while True:
        try:
            return client.request("POST", url, body, query, retry_server_errors=False), None
        except (APIError, TransportError) as error:
            if thread_id is None or not _maybe_created(error, attempt):
                raise
            found = find_created_run(client, thread_id, body, started)
            if found is not None:
                if warn is not None:
                    warn(
                        f"the answer to starting the run was lost ({error}); "
                        f"run {found['id']} had been created and is returned"
                    )
                return found, None
            wait = _next_wait(error, attempt, attempt + 1 if client.can_retry() else attempt)
            if wait is None:
                raise  # the client's message says "Gave up after N retries" when the budget ran out
            attempt += 1
            client.spend_retry(_cause(error), wait)


def _maybe_created(error: OpenAIError, attempt: int) -> bool:
    if isinstance(error, TransportError):
        return error.maybe_sent
    if isinstance(error, APIError):
        if error.status >= 500:
            return True
        return attempt > 0 and error.status == 400 and bool(_ACTIVE_RUN.search(error.error.get("message") or ""))
    return False


def _next_wait(error: OpenAIError, attempt: int, max_retry_count: int) -> float | None:
    """Seconds before the next attempt, or None when there is none to make."""
    if attempt >= max_retry_count:
        return None
    if isinstance(error, APIError):
        if error.status < 500:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= _backoff.MAX_RETRY_AFTER else None
    return _backoff.backoff_delay(attempt + 1)


def _cause(error: OpenAIError) -> str:
    return f"HTTP {error.status}" if isinstance(error, APIError) else "a lost answer"


def find_created_run(
    client: OpenAIClient, thread_id: str, body: dict[str, Any], started: float
) -> dict[str, Any] | None:
    """The run this task's POST created, if the thread has one: a run of the
    same assistant (and model and metadata, where the task set them) created
    since the POST went out, by the server's own clock (its Date header)."""
    try:
        page, headers = client.exchange("GET", create_url(client, thread_id), query={"limit": 10, "order": "desc"})
    except OpenAIError:
        return None
    server_now = _header_time(headers.get("Date")) or time.time()
    earliest = server_now - (time.time() - started) - WINDOW_SLACK
    runs = page.get("data") if isinstance(page, dict) else None
    return next((run for run in runs or [] if _is_ours(run, body, earliest)), None)


def _header_time(value: str | None) -> float | None:
    parsed = email.utils.parsedate_tz(value) if value else None
    return None if parsed is None else float(email.utils.mktime_tz(parsed))


def _is_ours(run: Any, body: dict[str, Any], earliest: float) -> bool:
    if not isinstance(run, dict) or run.get("assistant_id") != body["assistant_id"]:
        return False
    if not isinstance(run.get("created_at"), (int, float)) or run["created_at"] < earliest:
        return False
    return all(run.get(field) == body[field] for field in ("model", "metadata") if field in body)
