# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_message: add a message to a thread. Plain Python."""

from __future__ import annotations

import re
from typing import Any

from .._client import OpenAIClient
from .._errors import APIError
from .._ids import resolve_id
from .._polling import RunNotFinished, check_wait_options, wait_for_run
from .._resources import run_url, thread_url
from .._run_body import check_message
from .._task import Result, Task

ACTIVE_RUN = re.compile(r"while a run (\S+?) is active")
# A new run may start between our wait and our message; give up after this many.
MAX_WAITS = 5


def add_message(client: OpenAIClient, thread_id: str, body: dict[str, Any], params: Any) -> dict[str, Any]:
    run: dict[str, Any] = {}
    for _attempt in range(MAX_WAITS):
        try:
            message: dict[str, Any] = client.request("POST", thread_url(client, thread_id, "messages"), body)
            return message
        except APIError as error:
            active = ACTIVE_RUN.search(error.error.get("message") or "")
            if error.status != 400 or active is None or not params["wait_for_active_run"]:
                raise
        run = client.request("GET", run_url(client, thread_id, active.group(1)))
        run = wait_for_run(client, run, params)
        if run.get("status") == "requires_action":
            raise RunNotFinished(
                f"Run {run['id']} waits for tool outputs; answer them with openai_thread_run_tool_outputs "
                "or cancel the run, then add the message",
                run,
            )
    raise RunNotFinished(f"Runs of {thread_id} kept starting; the message was not added", run)


def run(task: Task) -> Result:
    params = task.params
    thread_id = resolve_id(params["thread"], "thread", "thread")
    body = {key: params[key] for key in ("role", "content", "attachments", "metadata") if params[key] is not None}
    check_message(body, "message")
    check_wait_options(params)
    client = task.client()
    if task.check_mode:
        return dict(changed=True, request=client.describe("POST", thread_url(client, thread_id, "messages"), body))
    return dict(changed=True, message=add_message(client, thread_id, body, params))
