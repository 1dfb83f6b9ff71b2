# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs: the CreateRunRequest body built from task options, and the calls that
start a run. Plain Python."""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any, Callable, Optional

from .client import OpenAIClient, path_segment
from .errors import APIError, OpenAIError, TransportError
from .validation import check_metadata, merge_tools

_ACTIVE_RUN = re.compile(r"already has an active run (\S+?)\.?$")
# Slack, in seconds, around the window in which our run can have been created
# (the Date header and created_at have one-second resolution).
WINDOW_SLACK = 2

# Options copied into the body as they are, when the task sets them.
PLAIN_FIELDS = ("model", "instructions", "additional_instructions")
# Built-in tool switches: option name -> tool type.
TOOL_FLAGS = {"use_code_interpreter": "code_interpreter", "use_retrieval": "file_search"}


def tool_flags(params: dict[str, Any]) -> dict[str, bool | None]:
    return {kind: params.get(option) for option, kind in TOOL_FLAGS.items()}


def needs_assistant_tools(params: dict[str, Any]) -> bool:
    """A tool switch without `tools` changes the assistant's own tools, so the
    assistant has to be read first."""
    return params.get("tools") is None and any(v is not None for v in tool_flags(params).values())


def build_run_body(params: dict[str, Any], assistant_id: str) -> dict[str, Any]:
    """The body for POST /threads/{id}/runs: assistant_id and only what the task
    set (tools derived from the assistant are filled in by start_run)."""
    body: dict[str, Any] = {"assistant_id": assistant_id}
    for field in PLAIN_FIELDS:
        if params.get(field) is not None:
            body[field] = params[field]
    if params.get("tools") is not None:
        body["tools"] = merge_tools(params["tools"], tool_flags(params))
    if params.get("metadata") is not None:
        body["metadata"] = check_metadata(params["metadata"])
    return body


def runs_url(client: OpenAIClient, thread_id: str) -> str:
    return client.url("threads", path_segment(thread_id, "thread"), "runs")


def start_run(
    client: OpenAIClient,
    thread_id: str,
    body: dict[str, Any],
    params: dict[str, Any],
    warn: Optional[Callable[[str], None]] = None,
) -> dict[str, Any]:
    """POST the run, and never start it twice.

    When a tool switch applies to the assistant's own tools, the assistant is
    read first so the switch changes only that tool. Creating a run is not
    idempotent: after an answer that leaves it unknown whether the run was
    created (a 5xx, a read timeout, a reset, or a retry refused because the
    thread "already has an active run"), the thread's newest runs are checked
    and the run this task created is returned instead of a second one.
    """
    url = runs_url(client, thread_id)
    if needs_assistant_tools(params):
        assistant = client.request("GET", client.url("assistants", path_segment(body["assistant_id"], "assistant")))
        body = dict(body, tools=merge_tools(assistant.get("tools") or [], tool_flags(params), "the assistant's tools"))
    started = time.time()
    try:
        return client.request("POST", url, body)
    except (APIError, TransportError) as error:
        if not _maybe_created(error, client.retries_done):
            raise
        run = find_created_run(client, thread_id, body, started, error)
        if run is None:
            raise
        if warn is not None:
            warn(f"the answer to starting the run was lost ({error}); run {run['id']} had been created and is returned")
        return run


def _maybe_created(error: OpenAIError, retries_done: int) -> bool:
    if isinstance(error, TransportError):
        return error.maybe_sent
    if isinstance(error, APIError):
        if error.status >= 500:
            return True
        return retries_done > 0 and error.status == 400 and bool(_ACTIVE_RUN.search(error.error.get("message") or ""))
    return False


def find_created_run(
    client: OpenAIClient, thread_id: str, body: dict[str, Any], started: float, error: OpenAIError
) -> dict[str, Any] | None:
    """The run this task's POST created, if the thread has one: a run of the
    same assistant (and model and metadata, where the task set them) created
    since the POST went out, by the server's own clock (its Date header)."""
    try:
        page, headers = client.exchange("GET", runs_url(client, thread_id), query={"limit": 10, "order": "desc"})
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
