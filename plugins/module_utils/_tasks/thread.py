# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread: create, keep or delete a thread. Plain Python."""

from __future__ import annotations

from typing import Any

from .._errors import APIError, InvalidInput, expect_object
from .._ids import resolve_id
from .._once import send_once, with_marker
from .._resources import thread_url
from .._run_body import check_message
from .._task import Result, Task
from .._validation import check_metadata
from ._shape import comparable, placeholder


def run(task: Task) -> Result:
    params = task.params
    thread_id = None if params["thread"] is None else resolve_id(params["thread"], "thread", "thread")
    wanted = {key: params[key] for key in ("tool_resources", "metadata") if params[key] is not None}
    if "metadata" in wanted:
        wanted["metadata"] = check_metadata(wanted["metadata"])
    messages = [check_message(m, f"messages[{i}]") for i, m in enumerate(params["messages"] or [])]
    if thread_id is not None and messages:
        raise InvalidInput("messages are for a new thread; add messages to an existing one with openai_thread_message")
    client = task.client()
    if params["state"] == "absent" and thread_id is not None:  # required_if: absent needs thread
        if task.check_mode:
            try:
                current = expect_object(
                    client.request("GET", thread_url(client, thread_id)),
                    f"GET {thread_url(client, thread_id)}",
                    "thread",
                )
            except APIError as error:
                if error.status != 404:
                    raise
                return dict(changed=False, thread={})
            return dict(
                changed=True, thread=dict(id=current.get("id", thread_id), object="thread.deleted", deleted=True)
            )
        try:
            deleted = client.request("DELETE", thread_url(client, thread_id))
        except APIError as error:
            if error.status != 404:
                raise
            # A 404 to a resent DELETE: the first one did it, its answer was lost.
            return dict(changed=client.retries_done > 0, thread={})
        return dict(changed=True, thread=deleted)
    if thread_id is None:
        body = dict(wanted, messages=messages) if messages else wanted
        if task.check_mode:
            request = client.describe("POST", client.url("threads"), body)
            return dict(changed=True, thread=placeholder("thread", wanted), request=request)
        body, marker = with_marker(body, task.marker)
        url = client.url("threads")

        def send() -> Any:
            return expect_object(
                client.request("POST", url, body, retry_server_errors=False), f"POST {url}", "thread", ("id",)
            )

        # A thread cannot be looked up by its metadata: never sent twice.
        thread = send_once(client, send, "a thread", marker, made=task.made)
        return dict(changed=True, thread=thread)
    current = expect_object(
        client.request("GET", thread_url(client, thread_id)), f"GET {thread_url(client, thread_id)}", "thread"
    )
    changes = {key: value for key, value in wanted.items() if comparable(current.get(key), key) != value}
    if not changes or task.check_mode:
        return dict(changed=bool(changes), thread=dict(current, **changes))
    updated = client.request("POST", thread_url(client, thread_id), changes)
    return dict(changed=True, thread=updated)
