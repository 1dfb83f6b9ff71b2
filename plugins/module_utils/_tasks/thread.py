# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread: create, keep or delete a thread. Plain Python."""

from __future__ import annotations

from .._errors import APIError, InvalidInput
from .._ids import resolve_id
from .._resources import thread_url
from .._run_body import check_message
from .._task import Result, Task
from .._validation import check_metadata


def run(task: Task) -> Result:
    params = task.params
    thread_id = None if params["thread"] is None else resolve_id(params["thread"], "thread", "thread")
    wanted = {key: params[key] for key in ("tool_resources", "metadata") if params[key] is not None}
    if "metadata" in wanted:
        check_metadata(wanted["metadata"])
    messages = [check_message(m, f"messages[{i}]") for i, m in enumerate(params["messages"] or [])]
    if thread_id is not None and messages:
        raise InvalidInput("messages are for a new thread; add messages to an existing one with openai_thread_message")
    client = task.client()
    if params["state"] == "absent":
        assert thread_id is not None  # required_if
        if task.check_mode:
            return dict(changed=True)
        try:
            deleted = client.request("DELETE", thread_url(client, thread_id))
        except APIError as error:
            if error.status != 404:
                raise
            return dict(changed=False)
        return dict(changed=True, thread=deleted)
    if thread_id is None:
        body = dict(wanted, messages=messages) if messages else wanted
        if task.check_mode:
            return dict(changed=True, request=client.describe("POST", client.url("threads"), body))
        return dict(changed=True, thread=client.request("POST", client.url("threads"), body))
    current = client.request("GET", thread_url(client, thread_id))
    changes = {key: value for key, value in wanted.items() if current.get(key) != value}
    if not changes or task.check_mode:
        return dict(changed=bool(changes), thread=dict(current, **changes))
    updated = client.request("POST", thread_url(client, thread_id), changes)
    return dict(changed=True, thread=updated)
