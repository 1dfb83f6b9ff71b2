# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run on a new thread: one POST /threads/runs, or, on servers that do not
have that one-call form, the thread first and then its run. Plain Python.

Some Assistants-compatible servers route POST /threads/runs as "modify the
thread whose ID is `runs`" and answer 404 "Thread not found". A 404 to that
call made nothing, so the same request is then made in two calls: POST
/threads with the new thread's fields, then POST /threads/{id}/runs with the
run's. Each is sent exactly once under the rules of _once.py (the thread, which
cannot be looked up, is never sent twice; the run is found by its marker after
a lost answer). A 404 that names something else, such as an unknown assistant,
is the server's answer to the request and is not taken for a missing route.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

from .._client import OpenAIClient, redact_url
from .._errors import APIError, OpenAIError, expect_object
from .._once import send_once, with_marker
from .._run_body import merged
from .assistant_runs import start_run

Warn = Optional[Callable[[str], None]]
# A 404 whose message names one of these is about that object, not the route.
_SOMETHING_ELSE = re.compile(r"assistant|model|file|vector", re.I)
# Fields of CreateThreadAndRunRequest that CreateRunRequest does not have.
_NOT_RUN_FIELDS = ("thread", "tool_resources")


def one_call_missing(error: APIError, body: dict[str, Any]) -> bool:
    """True when `error` is a 404 to POST .../threads/runs that does not name
    the assistant, a model, a file or a vector store: the server has no
    one-call form (its router took `runs` for a thread ID, or has no route)."""
    if error.status != 404:
        return False
    if not error.url.split("?", 1)[0].rstrip("/").endswith("/threads/runs"):
        return False
    message = str(error.error.get("message") or "")
    named = str(body.get("assistant_id") or "")
    return not _SOMETHING_ELSE.search(message) and not (named and named in message)


def split_bodies(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A CreateThreadAndRunRequest as a CreateThreadRequest and a
    CreateRunRequest. The request's own tool_resources, which CreateRunRequest
    has no field for, go to the thread, under the thread's own."""
    thread = dict(body.get("thread") or {})
    if body.get("tool_resources"):
        thread["tool_resources"] = merged(body["tool_resources"], thread.get("tool_resources") or {})
    run = {key: value for key, value in body.items() if key not in _NOT_RUN_FIELDS}
    return thread, run


def start_on_new_thread(
    client: OpenAIClient,
    body: dict[str, Any],
    params: dict[str, Any],
    warn: Warn = None,
    marker: Optional[str] = None,
    made: Optional[dict[str, Any]] = None,
) -> tuple[dict[str, Any], str | None]:
    """Start the run of `body` (a CreateThreadAndRunRequest) on a new thread;
    return the run and the streamed text, as assistant_runs.start_run does. `made`
    receives the thread once the two-call form has created it, so a failure of
    the run still returns it."""
    try:
        return start_run(client, None, body, params, warn=warn, marker=marker, made=made)
    except APIError as error:
        if not one_call_missing(error, body):
            raise
        refused = error
    thread_body, run_body = split_bodies(body)
    thread = create_thread(client, thread_body, marker, made)
    if made is not None:
        made["thread"] = thread
    if warn is not None:
        count = len(thread_body.get("messages") or [])
        holding = f"with its {count} message{'' if count == 1 else 's'}" if count else "empty"
        warn(
            client.redact(
                f"POST {redact_url(client.url('threads', 'runs'))} was answered 404 "
                f"({refused.error.get('message')}): this server has no one-call thread and run, so thread "
                f"{thread['id']} was created {holding} and the run started on it (two calls, each sent once)"
            )
        )
    return start_run(client, thread["id"], run_body, params, warn=warn, marker=marker, made=made)


def create_thread(
    client: OpenAIClient, thread_body: dict[str, Any], marker: Optional[str], made: Optional[dict[str, Any]] = None
) -> dict[str, Any]:
    """POST /threads, never sent twice: a thread cannot be looked up by its
    metadata, so after a lost answer the failure names the marker instead."""
    url = client.url("threads")
    marked, marker = with_marker(thread_body, marker)

    def send() -> dict[str, Any]:
        answer = client.request("POST", url, marked, retry_server_errors=False)
        return expect_object(answer, f"POST {redact_url(url)}", "thread", ("id",))

    try:
        thread: dict[str, Any] = send_once(client, send, "a thread", marker, made=made)
    except OpenAIError as error:
        error.add_note_to_message(
            f"(POST {redact_url(client.url('threads', 'runs'))} had been answered 404, so the thread was to be "
            "created first)"
        )
        raise
    return thread
