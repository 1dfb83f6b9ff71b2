# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_message: add a message to a thread. Plain Python."""

from __future__ import annotations

import re
import time
from typing import Any, Optional

from .._active_run import wait_out_active_run
from .._client import OpenAIClient
from .._errors import APIError, BadAnswer, expect_object
from .._ids import resolve_id
from .._once import carries, send_once, with_marker
from .._polling import RunNotFinished, check_wait_options, wait_for_run
from .._resources import run_url, thread_url
from .._run_body import check_message
from .._task import Result, Task
from ._shape import placeholder

ACTIVE_RUN = re.compile(r"while a run (\S+?) is active")
# A new run may start between our wait and our message; give up after this many.
MAX_WAITS = 5


def add_message(
    client: OpenAIClient, thread_id: str, body: dict[str, Any], params: Any, marker: Optional[str], warn: Any
) -> dict[str, Any]:
    run: dict[str, Any] = {}
    body, marker = with_marker(body, marker)
    url = thread_url(client, thread_id, "messages")

    def send() -> dict[str, Any]:
        answer = client.request("POST", url, body, retry_server_errors=False)
        return expect_object(answer, f"POST {url}", "thread.message", ("id",))

    def lookup() -> Optional[dict[str, Any]]:
        page = client.request("GET", url, query={"limit": 20, "order": "desc"})
        data = page.get("data") if isinstance(page, dict) else None
        if not isinstance(data, list):
            raise BadAnswer(f"GET {url} answered no list of messages")
        return next((message for message in data if carries(message, marker)), None)

    # One wait_timeout for all the runs waited out, not one each.
    deadline = time.monotonic() + float(params["wait_timeout"])
    for _attempt in range(MAX_WAITS):
        try:
            message: dict[str, Any] = send_once(
                client, send, "a message", marker, lookup if marker else None, warn=warn
            )
            return message
        except APIError as error:
            active = ACTIVE_RUN.search(error.error.get("message") or "")
            if error.status != 400 or active is None or not params["wait_for_active_run"]:
                raise
        run = client.request("GET", run_url(client, thread_id, active.group(1)))
        left = max(deadline - time.monotonic(), 0.001)
        run = wait_for_run(client, run, dict(params, wait_timeout=left))
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
        request = client.describe("POST", thread_url(client, thread_id, "messages"), body)
        message = placeholder("thread.message", dict(body, thread_id=thread_id, content=[]))
        return dict(changed=True, message=message, request=request)
    if params["wait_for_active_run"]:
        # Look before posting: a server that accepts messages during a run never says to wait.
        params = dict(params, wait_timeout=wait_out_active_run(client, thread_id, params))
    return dict(changed=True, message=add_message(client, thread_id, body, params, task.marker, task.warn))
