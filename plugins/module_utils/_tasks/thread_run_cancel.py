# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_run_cancel: cancel a run. Plain Python."""

from __future__ import annotations

from .._polling import check_wait_options, wait_for_run
from .._task import Result, Task
from ._shape import is_placeholder, placeholder_run, run_result


def run(task: Task) -> Result:
    params = task.params
    check_wait_options(params)
    api = task.api()
    thread_id, run_id = api.run_ids(params)
    if task.check_mode and is_placeholder(run_id):
        return dict(changed=True, run=placeholder_run(thread_id, "", "cancelling"))
    run = api.read_run(thread_id, run_id)
    if not api.cancellable(run):
        # Already cancelling or ended: the state the task asks for, or past it.
        return dict(changed=False, run=run, msg=f"Run {run_id} is already {run.get('status')}")
    if task.check_mode:
        return dict(changed=True, run=dict(run, status="cancelling"))
    run = api.cancel_run(thread_id, run_id)
    task.made["run"] = run
    if params["wait"]:
        run = wait_for_run(api.poll_run, run, params)
    return run_result(run, changed=True)
