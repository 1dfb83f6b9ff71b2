# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_run: start a run (Start-ThreadRun). Plain Python."""

from __future__ import annotations

from .._errors import InvalidInput
from .._ids import resolve_id
from .._polling import check_outcome, check_wait_options, wait_for_run
from .._run_body import build_run_body, needs_assistant_tools
from .._runs import create_query, create_url, start_run
from .._task import Result, Task
from .._thread_and_run import start_on_new_thread
from ._shape import placeholder_run, run_result

FACT = "openai_thread_run"


def run(task: Task) -> Result:
    params = task.params
    task.run_means_changed = True
    thread_id = None if params["thread"] is None else resolve_id(params["thread"], "thread", "thread")
    assistant_id = resolve_id(params["assistant"], "assistant", "assistant")
    check_wait_options(params)
    if params["stream"] and params["wait"]:
        raise InvalidInput("stream already follows the run to its end; set stream or wait, not both")
    body = build_run_body(dict(params), assistant_id, new_thread=thread_id is None)
    client = task.client()
    if task.check_mode:
        if needs_assistant_tools(params):
            task.warn("check mode: the assistant's tools are read, and the switches applied, only in a real run")
        request = client.describe("POST", create_url(client, thread_id), body, create_query(params))
        result = run_result(placeholder_run(thread_id, assistant_id), changed=True, fact=FACT)
        result["request"] = request
        if params["stream"]:
            result["text"] = ""
        return result
    if thread_id is None:
        run, text = start_on_new_thread(client, body, dict(params), warn=task.warn, marker=task.marker, made=task.made)
    else:
        run, text = start_run(client, thread_id, body, dict(params), warn=task.warn, marker=task.marker)
    task.made["run"] = run
    if params["wait"]:
        run = wait_for_run(client, run, params)
        task.made["run"] = run
    if params["wait"] or params["stream"]:
        check_outcome(run)
    result = run_result(run, changed=True, fact=FACT)
    if text is not None:
        result["text"] = text
    return result
