# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_run_cancel: cancel a run. Plain Python."""

from __future__ import annotations

from typing import Any, Optional

from .._errors import APIError, OpenAIError, expect_object
from .._once import send_once
from .._polling import check_wait_options, wait_for_run
from .._resources import run_url, thread_and_run
from .._task import Result, Task
from ._shape import is_placeholder, placeholder_run, run_result

CANCELLABLE = ("queued", "in_progress", "requires_action")


def run(task: Task) -> Result:
    params = task.params
    check_wait_options(params)
    thread_id, run_id = thread_and_run(params)
    client = task.client()
    if task.check_mode and is_placeholder(run_id):
        return dict(changed=True, run=placeholder_run(thread_id, "", "cancelling"))
    url = run_url(client, thread_id, run_id)
    run = expect_object(client.request("GET", url), f"GET {url}", "thread.run", ("id",))
    if run.get("status") not in CANCELLABLE:
        # Already cancelling or ended: the state the task asks for, or past it.
        return dict(changed=False, run=run, msg=f"Run {run_id} is already {run.get('status')}")
    if task.check_mode:
        return dict(changed=True, run=dict(run, status="cancelling"))
    url = run_url(client, thread_id, run_id, "cancel")

    def send() -> dict[str, Any]:
        return expect_object(
            client.request("POST", url, retry_server_errors=False), f"POST {url}", "thread.run", ("id",)
        )

    def lookup() -> Optional[dict[str, Any]]:
        seen = client.request("GET", run_url(client, thread_id, run_id))
        return seen if isinstance(seen, dict) and seen.get("status") not in CANCELLABLE else None

    run = send_once(client, send, "the cancellation", None, lookup, also_ambiguous=_refused, warn=task.warn)
    task.made["run"] = run
    if params["wait"]:
        run = wait_for_run(client, run, params)
    return run_result(run, changed=True)


def _refused(error: OpenAIError) -> bool:
    """A 400 to a resent cancel: the first one may have been done after all."""
    return isinstance(error, APIError) and error.status == 400
