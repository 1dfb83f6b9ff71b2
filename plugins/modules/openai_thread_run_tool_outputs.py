#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread_run_tool_outputs
short_description: Answer the function calls of a run
version_added: 1.0.0
description:
  - Submits O(tool_outputs) for a run in C(requires_action), as the PSOpenAI cmdlet C(Submit-ToolOutput) does,
    so the run goes on.
  - Can wait for the run to end (O(wait)) or follow it as server-sent events (O(stream)), as
    M(seed.openai.openai_thread_run) does.
author:
  - seed.openai contributors (@seed-openai)
extends_documentation_fragment:
  - seed.openai.attributes
  - seed.openai.run_thread
  - seed.openai.connection
  - seed.openai.wait
attributes:
  check_mode:
    support: full
    details: Sends nothing and returns the request that would be sent.
  diff_mode:
    support: none
options:
  run:
    description: The run waiting for tool outputs, as an ID or a run object.
    type: raw
    required: true
    aliases: [run_id]
  tool_outputs:
    description:
      - One answer per call the run waits for, each a dict with C(tool_call_id) and C(output) (a string; other
        values are sent as JSON text).
      - Give this or O(outputs_by_function).
    type: list
    elements: dict
  outputs_by_function:
    description:
      - Answers by function name, a dict from each function name to its output. The module reads the calls the run
        waits for and answers each with the output of its function; a call whose function has no answer fails the
        task and names that function, sending nothing.
    type: dict
  stream:
    description: Follow the run's events to its end and return the assistant's text in RV(text).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Answer every call of the run by function name
  seed.openai.openai_thread_run_tool_outputs:
    run: "{{ asked.run }}"
    outputs_by_function:
      get_ticket: "Ticket 4711: disk full on backup01"
    wait: true

- name: Answer the run's function call and wait for the answer
  seed.openai.openai_thread_run_tool_outputs:
    run: "{{ asked.run }}"
    tool_outputs:
      - tool_call_id: "{{ asked.tool_calls[0].id }}"
        output: "Ticket 4711: disk full on backup01"
    wait: true
"""

RETURN = r"""
run:
  description: The run after the submission (the final run with O(wait) or O(stream)).
  returned: success, not in check mode
  type: dict
text:
  description: The assistant's answer, assembled from the streamed message deltas.
  returned: with O(stream)
  type: str
tool_calls:
  description: The function calls the run waits for next.
  returned: when the run's status is C(requires_action)
  type: list
  elements: dict
"""

import json

from ansible_collections.seed.openai.plugins.module_utils._errors import InvalidInput, OpenAIError
from ansible_collections.seed.openai.plugins.module_utils._module import OpenAIModule
from ansible_collections.seed.openai.plugins.module_utils._polling import (
    WAIT_ARGSPEC,
    check_wait_options,
    tool_calls,
    wait_for_run,
)
from ansible_collections.seed.openai.plugins.module_utils._resources import RUN_THREAD_ARGSPEC, run_url, thread_and_run
from ansible_collections.seed.openai.plugins.module_utils._streaming import read_run_stream


def tool_outputs_body(outputs):
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


def outputs_for_calls(calls, by_function):
    """tool_outputs answering each call with the output of its function."""
    missing = sorted({c["function"]["name"] for c in calls if c["function"]["name"] not in by_function})
    if missing:
        raise InvalidInput(f"the run asks for {', '.join(missing)}, which outputs_by_function does not answer")
    if not calls:
        raise InvalidInput("the run waits for no tool calls; is it in requires_action?")
    return [{"tool_call_id": c["id"], "output": by_function[c["function"]["name"]]} for c in calls]


def run_module() -> None:
    module = OpenAIModule(
        argument_spec=dict(
            **RUN_THREAD_ARGSPEC,
            run=dict(type="raw", required=True, aliases=["run_id"]),
            tool_outputs=dict(type="list", elements="dict"),
            outputs_by_function=dict(type="dict"),
            stream=dict(type="bool", default=False),
            **WAIT_ARGSPEC,
        ),
        required_one_of=[("tool_outputs", "outputs_by_function")],
        mutually_exclusive=[("tool_outputs", "outputs_by_function")],
        supports_check_mode=True,
    )
    params = module.params
    text = None
    try:
        check_wait_options(params)
        if params["stream"] and params["wait"]:
            raise InvalidInput("stream already follows the run to its end; set stream or wait, not both")
        thread_id, run_id = thread_and_run(params)
        client = module.client()
        outputs = params["tool_outputs"]
        if outputs is None:
            pending = client.request("GET", run_url(client, thread_id, run_id))
            outputs = outputs_for_calls(tool_calls(pending), params["outputs_by_function"])
        body = tool_outputs_body(outputs)
        url = run_url(client, thread_id, run_id, "submit_tool_outputs")
        if module.check_mode:
            module.exit_json(changed=True, request=client.describe("POST", url, body))
        if params["stream"]:
            run, text = read_run_stream(client.stream_lines("POST", url, dict(body, stream=True)))
        else:
            run = client.request("POST", url, body)
            if params["wait"]:
                run = wait_for_run(client, run, params)
    except OpenAIError as error:
        module.fail_from(error, changed=getattr(error, "run", None) is not None)
    extra = {} if text is None else {"text": text}
    module.exit_with_run(run, True, ended=params["wait"] or params["stream"], **extra)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
