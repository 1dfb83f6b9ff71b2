# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread: create, keep or delete a thread. Plain Python."""

from __future__ import annotations

from .._errors import APIError, InvalidInput
from .._ids import resolve_id
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
    api = task.api()
    if params["state"] == "absent" and thread_id is not None:  # required_if: absent needs thread
        return _absent(task, thread_id)
    if thread_id is None:
        body = api.thread_body(wanted, messages)
        if task.check_mode:
            return dict(changed=True, thread=placeholder("thread", wanted), request=api.describe_create_thread(body))
        return dict(changed=True, thread=api.create_thread(body, task.marker))
    current = api.read_thread(thread_id)
    changes = {key: value for key, value in wanted.items() if comparable(current.get(key), key) != value}
    if not changes or task.check_mode:
        return dict(changed=bool(changes), thread=dict(current, **changes))
    return dict(changed=True, thread=api.update_thread(thread_id, changes))


def _absent(task: Task, thread_id: str) -> Result:
    api = task.api()
    if task.check_mode:
        try:
            current = api.read_thread(thread_id)
        except APIError as error:
            if error.status != 404:
                raise
            return dict(changed=False, thread={})
        return dict(changed=True, thread=dict(id=current.get("id", thread_id), object="thread.deleted", deleted=True))
    try:
        deleted = api.delete_thread(thread_id)
    except APIError as error:
        if error.status != 404:
            raise
        # A 404 to a resent DELETE: the first one did it, its answer was lost.
        return dict(changed=api.client.retries_done > 0, thread={})
    return dict(changed=True, thread=deleted)
