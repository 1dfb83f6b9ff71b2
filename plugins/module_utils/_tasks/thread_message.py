# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_message: add a message to a thread. Plain Python."""

from __future__ import annotations

from .._ids import resolve_id
from .._polling import check_wait_options
from .._run_body import check_message
from .._task import Result, Task
from ._shape import placeholder


def run(task: Task) -> Result:
    params = task.params
    thread_id = resolve_id(params["thread"], "thread", "thread")
    body = {key: params[key] for key in ("role", "content", "attachments", "metadata") if params[key] is not None}
    check_message(body, "message")
    check_wait_options(params)
    api = task.api()
    if task.check_mode:
        request = api.describe_add_message(thread_id, body, params)
        message = placeholder("thread.message", dict(body, thread_id=thread_id, content=[]))
        return dict(changed=True, message=message, request=request)
    return dict(changed=True, message=api.add_message(thread_id, body, params, task.marker))
