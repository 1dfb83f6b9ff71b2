# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_run_cancel: cancel a run. Plain Python."""

from __future__ import annotations

from .._errors import InvalidInput
from .._polling import check_wait_options, wait_for_run
from .._resources import run_url, thread_and_run
from .._task import Result, Task
from ._shape import run_result

CANCELLABLE = ("queued", "in_progress", "requires_action")


def run(task: Task) -> Result:
    params = task.params
    check_wait_options(params)
    thread_id, run_id = thread_and_run(params)
    client = task.client()
    run = client.request("GET", run_url(client, thread_id, run_id))
    if run.get("status") not in CANCELLABLE:
        if not params["force"]:
            raise InvalidInput(f"Run {run_id} is {run.get('status')} and cannot be cancelled; set force to accept that")
        return dict(changed=False, run=run)
    if task.check_mode:
        return dict(changed=True, run=run)
    run = client.request("POST", run_url(client, thread_id, run_id, "cancel"))
    task.made["run"] = run
    if params["wait"]:
        run = wait_for_run(client, run, params)
    return run_result(run, changed=True)
