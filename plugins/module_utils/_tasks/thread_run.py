# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_run: start a run (Start-ThreadRun). Plain Python."""

from __future__ import annotations

from .._errors import InvalidInput
from .._ids import resolve_id
from .._polling import check_outcome, check_wait_options, wait_for_run
from .._task import Result, Task
from ._shape import placeholder_run, run_result

FACT = "openai_thread_run"


def run(task: Task) -> Result:
    params = task.params
    task.run_means_changed = True
    thread_id = None if params["thread"] is None else resolve_id(params["thread"], "thread", "thread")
    assistant = params["assistant"]
    assistant_id = resolve_id(assistant, "assistant", "assistant")
    check_wait_options(params)
    if params["stream"] and params["wait"]:
        raise InvalidInput("stream already follows the run to its end; set stream or wait, not both")
    api = task.api()
    if task.check_mode:
        request = api.describe_start_run(params, thread_id, assistant)
        result = run_result(placeholder_run(thread_id, assistant_id), changed=True, fact=FACT)
        result["request"] = request
        if params["stream"]:
            result["text"] = ""
        return result
    run, text = api.start_run(params, thread_id, assistant, task.marker)
    task.made["run"] = run
    if params["wait"]:
        run = wait_for_run(api.poll_run, run, params)
        task.made["run"] = run
    if params["wait"] or params["stream"]:
        check_outcome(run)
    result = run_result(run, changed=True, fact=FACT)
    if text is not None:
        result["text"] = text
    return result
