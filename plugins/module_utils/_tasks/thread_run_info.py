# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_run_info: read one run, or a thread's runs. Plain Python."""

from __future__ import annotations

from .._errors import InvalidInput
from .._ids import resolve_id
from .._polling import check_outcome, check_wait_options, wait_for_run
from .._task import Result, Task
from . import _many_runs
from ._shape import is_placeholder, placeholder_run, run_result


def run(task: Task) -> Result:
    params = task.params
    check_wait_options(params)
    if not 1 <= params["limit"] <= 100:
        raise InvalidInput(f"limit must be between 1 and 100, got {params['limit']}")
    if params["runs"] is not None:
        return _many_runs.run(task)
    api = task.api()
    if params["run"] is None:
        if params["thread"] is None:
            raise InvalidInput("give thread (to list its runs) or run (to read one)")
        if params["wait"] or params["steps"]:
            raise InvalidInput("wait and steps need one run: give run")
        listed = resolve_id(params["thread"], "thread", "thread")
        if task.check_mode and is_placeholder(listed):
            return dict(changed=False, runs=[])
        query = {"limit": params["limit"], "order": params["order"]}
        return dict(changed=False, runs=api.list_runs(listed, query, params["all"]))
    thread_id, run_id = api.run_ids(params)
    if task.check_mode and is_placeholder(run_id):
        # A run an earlier task would have started: nothing to read yet.
        status = "completed" if params["wait"] else "queued"
        result = run_result(placeholder_run(thread_id, "", status), changed=False)
        if params["steps"]:
            result["steps"] = []
        return result
    run = api.read_run(thread_id, run_id)
    if params["wait"]:
        run = wait_for_run(api.poll_run, run, params)
        check_outcome(run)
    result = run_result(run, changed=False)
    if params["steps"]:
        result["steps"] = api.run_steps(thread_id, run_id)
    return result
