# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_run_tool_outputs: answer a run's tool calls. Plain Python."""

from __future__ import annotations

import json
from typing import Any, Optional

from .._errors import APIError, InvalidInput, OpenAIError, expect_object
from .._once import send_once
from .._polling import check_outcome, check_wait_options, tool_calls, wait_for_run
from .._resources import run_url, thread_and_run
from .._streaming import read_run_stream
from .._task import Result, Task
from ._shape import is_placeholder, placeholder_run, run_result


def tool_outputs_body(outputs: Any) -> dict[str, Any]:
    if not outputs:
        raise InvalidInput("tool_outputs is empty; give one {tool_call_id, output} per call the run waits for")
    body = []
    for index, item in enumerate(outputs):
        call_id = item.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            raise InvalidInput(f"tool_outputs[{index}] needs a tool_call_id (from the run's tool_calls)")
        output = item.get("output")
        if output is None:
            raise InvalidInput(f"tool_outputs[{index}] needs an output")
        body.append({"tool_call_id": call_id, "output": output if isinstance(output, str) else json.dumps(output)})
    return {"tool_outputs": body}


def outputs_for_calls(calls: list[dict[str, Any]], by_function: dict[str, Any]) -> list[dict[str, Any]]:
    """tool_outputs answering each call with the output of its function."""
    missing = sorted({c["function"]["name"] for c in calls if c["function"]["name"] not in by_function})
    if missing:
        raise InvalidInput(f"the run asks for {', '.join(missing)}, which outputs_by_function does not answer")
    if not calls:
        raise InvalidInput("the run waits for no tool calls; is it in requires_action?")
    return [{"tool_call_id": c["id"], "output": by_function[c["function"]["name"]]} for c in calls]


def run(task: Task) -> Result:
    params = task.params
    task.run_means_changed = True
    check_wait_options(params)
    if params["stream"] and params["wait"]:
        raise InvalidInput("stream already follows the run to its end; set stream or wait, not both")
    thread_id, run_id = thread_and_run(params)
    client = task.client()
    if task.check_mode and is_placeholder(run_id):
        return run_result(placeholder_run(thread_id, "", "queued"), changed=True)
    outputs = params["tool_outputs"]
    pending = None
    if outputs is None:
        pending = client.request("GET", run_url(client, thread_id, run_id))
        outputs = outputs_for_calls(tool_calls(pending), params["outputs_by_function"])
    body = tool_outputs_body(outputs)
    url = run_url(client, thread_id, run_id, "submit_tool_outputs")
    if task.check_mode:
        run = placeholder_run(thread_id, "", "queued") if pending is None else dict(pending, status="queued")
        return dict(run_result(run, changed=True), request=client.describe("POST", url, body))
    text = None
    if params["stream"]:
        run, text = read_run_stream(client.stream_lines("POST", url, dict(body, stream=True)))
        task.made["run"] = run
    else:

        def send() -> dict[str, Any]:
            answer = client.request("POST", url, body, retry_server_errors=False)
            return expect_object(answer, f"POST {url}", "thread.run", ("id",))

        def lookup() -> Optional[dict[str, Any]]:
            seen = client.request("GET", run_url(client, thread_id, run_id))
            return seen if isinstance(seen, dict) and seen.get("status") != "requires_action" else None

        run = send_once(client, send, "the tool outputs", None, lookup, also_ambiguous=_refused, warn=task.warn)
        task.made["run"] = run
        if params["wait"]:
            run = wait_for_run(client, run, params)
    if params["wait"] or params["stream"]:
        check_outcome(run)
    result = run_result(run, changed=True)
    if text is not None:
        result["text"] = text
    return result


def _refused(error: OpenAIError) -> bool:
    """A 400 to resent outputs: the first ones may have been taken after all."""
    return isinstance(error, APIError) and error.status == 400
