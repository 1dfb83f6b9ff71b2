# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_run_tool_outputs: answer a run's tool calls, or
approve or deny the tool calls a Foundry run waits to have approved. Plain Python."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._errors import InvalidInput, one_line
from .._polling import check_outcome, check_wait_options, wait_for_run
from .._task import Result, Task
from ._shape import (
    approvals_pending,
    function_calls,
    is_placeholder,
    other_required_calls,
    placeholder_run,
    run_result,
)

OUTPUT_OPTIONS = ("tool_outputs", "outputs_by_function")
APPROVAL_OPTIONS = ("tool_approvals", "approve_tools", "deny_tools")
# approve_tools: all / deny_tools: all stand for every pending call not named otherwise.
ALL = "all"


def tool_outputs_list(outputs: Any) -> list[dict[str, Any]]:
    """The outputs as {tool_call_id, output} with text outputs (objects as JSON)."""
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
    return body


def _one(call: dict[str, Any]) -> str:
    name = f"{call['server_label']}.{call['name']}" if call["server_label"] else call["name"]
    return f"{name or 'unnamed tool'} ({call['id']})"


def _describe(calls: list[dict[str, Any]]) -> str:
    return one_line(", ".join(_one(c) for c in calls), 300)


def outputs_for_calls(run: dict[str, Any], by_function: dict[str, Any]) -> list[dict[str, Any]]:
    """tool_outputs answering each function call of the run with the output of its function."""
    pending = approvals_pending(run)
    if pending:
        raise InvalidInput(
            f"the run waits for tool approvals ({_describe(pending)}), not tool outputs; "
            "answer them with approve_tools, deny_tools or tool_approvals"
        )
    others = other_required_calls(run)
    if others:
        other = others[0]
        raise InvalidInput(
            f"the run waits for a {one_line(str(other.get('type')), 60)} call {one_line(str(other.get('id')), 80)}, "
            "which outputs_by_function cannot answer; give tool_outputs"
        )
    calls = function_calls(run)
    missing = sorted({c["function"]["name"] for c in calls if c["function"]["name"] not in by_function})
    if missing:
        raise InvalidInput(f"the run asks for {', '.join(missing)}, which outputs_by_function does not answer")
    if not calls:
        raise InvalidInput("the run waits for no tool calls; is it in requires_action?")
    return [{"tool_call_id": c["id"], "output": by_function[c["function"]["name"]]} for c in calls]


def _approve_value(value: Any) -> Any:
    """approve as a bool; strings as Ansible writes booleans (older cores template to text)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return value


def _by_id(items: Any) -> dict[str, bool]:
    decided: dict[str, bool] = {}
    for index, item in enumerate(items or []):
        call_id = item.get("tool_call_id") if isinstance(item, Mapping) else None
        approve = _approve_value(item.get("approve")) if isinstance(item, Mapping) else None
        if not isinstance(call_id, str) or not call_id or not isinstance(approve, bool):
            raise InvalidInput(f"tool_approvals[{index}] needs a tool_call_id and approve (true or false)")
        decided[call_id] = approve
    return decided


def approval_decisions(run: dict[str, Any], params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One {tool_call_id, name, server_label, approve} per call the run waits to have approved.

    A call is decided by its ID (tool_approvals), else by its tool's name or
    server_label.name in deny_tools or approve_tools, else by `all` in either;
    a call decided by none of them is refused, by name, before anything is sent."""
    by_id = _by_id(params.get("tool_approvals"))
    approve = {str(name) for name in params.get("approve_tools") or []}
    deny = {str(name) for name in params.get("deny_tools") or []}
    both = sorted((approve & deny) - {ALL})
    if both:
        raise InvalidInput(f"{', '.join(both)} is in both approve_tools and deny_tools; keep each tool in one")
    if ALL in approve and ALL in deny:
        raise InvalidInput("approve_tools and deny_tools are both all; choose one")
    pending = approvals_pending(run)
    if not pending:
        calls = function_calls(run)
        waits = f"function calls ({', '.join(c['function']['name'] for c in calls)})" if calls else "no tool approvals"
        raise InvalidInput(
            f"the run is {one_line(str(run.get('status')), 40)} and waits for {one_line(waits, 200)}; "
            "approve_tools, deny_tools and tool_approvals answer a run that waits for tool approvals"
        )
    unknown = sorted(set(by_id) - {call["id"] for call in pending})
    if unknown:
        raise InvalidInput(
            f"tool_approvals names {one_line(', '.join(unknown), 200)}, which the run does not wait to have approved; "
            f"it waits for {_describe(pending)}"
        )
    decisions, undecided = [], []
    for call in pending:
        names = {call["name"], f"{call['server_label']}.{call['name']}"}
        if call["id"] in by_id:
            verdict = by_id[call["id"]]
        elif names & deny:
            verdict = False
        elif names & approve:
            verdict = True
        elif ALL in deny or ALL in approve:
            verdict = ALL in approve
        else:
            undecided.append(call)
            continue
        decisions.append(
            {"tool_call_id": call["id"], "name": call["name"], "server_label": call["server_label"], "approve": verdict}
        )
    if undecided:
        raise InvalidInput(
            f"the run waits for approval of {_describe(undecided)}; "
            "approve or deny each with approve_tools, deny_tools or tool_approvals"
        )
    return decisions


def _chosen(params: Mapping[str, Any]) -> str:
    """What the task answers the run with: "outputs" or "approvals"."""
    outputs = [name for name in OUTPUT_OPTIONS if params.get(name) is not None]
    approvals = [name for name in APPROVAL_OPTIONS if params.get(name) is not None]
    if outputs and approvals:
        raise InvalidInput(
            f"{outputs[0]} and {approvals[0]} answer different requests; give tool outputs (tool_outputs or "
            "outputs_by_function) or tool approvals (tool_approvals, approve_tools, deny_tools), not both"
        )
    if not outputs and not approvals:
        raise InvalidInput(
            "give tool_outputs or outputs_by_function (function calls), "
            "or tool_approvals, approve_tools or deny_tools (tool approvals)"
        )
    return "outputs" if outputs else "approvals"


def run(task: Task) -> Result:
    params = task.params
    task.run_means_changed = True
    check_wait_options(params)
    if params["stream"] and params["wait"]:
        raise InvalidInput("stream already follows the run to its end; set stream or wait, not both")
    answer_with = _chosen(params)
    api = task.api()
    thread_id, run_id = api.run_ids(params)
    if task.check_mode and is_placeholder(run_id):
        return run_result(placeholder_run(thread_id, "", "queued"), changed=True)
    sent: Result = {}
    pending = None
    if answer_with == "approvals":
        pending = api.read_run(thread_id, run_id)
        answers = approval_decisions(pending, params)
        sent["tool_approvals_sent"] = answers
    else:
        outputs = params["tool_outputs"]
        if outputs is None:
            pending = api.read_run(thread_id, run_id)
            outputs = outputs_for_calls(pending, params["outputs_by_function"])
        answers = tool_outputs_list(outputs)
    if task.check_mode:
        run = placeholder_run(thread_id, "", "queued") if pending is None else dict(pending, status="queued")
        request = api.describe_submit(thread_id, run_id, answer_with, answers, params["stream"])
        return dict(run_result(run, changed=True), request=request, **sent)
    run, text = api.submit(thread_id, run_id, answer_with, answers, params, task.marker)
    task.made["run"] = run
    if params["wait"]:
        run = wait_for_run(api.poll_run, run, params)
    if params["wait"] or params["stream"]:
        check_outcome(run)
    result = run_result(run, changed=True)
    result.update(sent)
    if text is not None:
        result["text"] = text
    return result
