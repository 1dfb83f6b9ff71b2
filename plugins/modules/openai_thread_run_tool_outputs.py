#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread_run_tool_outputs
short_description: Answer the function calls of a run, or approve or deny its tool calls
version_added: 1.0.0
description:
  - Submits O(tool_outputs) for a run in C(requires_action), as the PSOpenAI cmdlet C(Submit-ToolOutput) does,
    so the run goes on.
  - For an Azure AI Foundry Agent Service run that waits for tool approvals (C(required_action) of type
    C(submit_tool_approval), for example the calls of an C(mcp) tool), approves or denies each pending call with
    O(approve_tools), O(deny_tools) or O(tool_approvals). The module reads the calls the run waits for; when one of
    them is neither approved nor denied, the task fails naming it and sends nothing.
  - Give tool outputs (O(tool_outputs) or O(outputs_by_function)) or tool approvals (O(tool_approvals),
    O(approve_tools), O(deny_tools)), not both.
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
    details:
      - Sends nothing and returns the request that would be sent.
      - With tool approvals, the run is read (a GET) to decide them, and RV(tool_approvals_sent) says what would be
        sent.
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
  tool_approvals:
    description:
      - Approvals by call ID, each a dict with C(tool_call_id) (from the C(tool_approvals_pending) that
        M(seed.openai.openai_thread_run) and M(seed.openai.openai_thread_run_info) return) and C(approve).
      - A decision by ID takes precedence over O(approve_tools) and O(deny_tools).
    type: list
    elements: dict
    suboptions:
      tool_call_id:
        description: The ID of the pending call.
        type: str
        required: true
      approve:
        description: Whether the call may run.
        type: bool
        required: true
  approve_tools:
    description:
      - Tools whose pending calls are approved, by tool name (C(lookup)) or server label and name (C(docs.lookup)).
      - V(all) approves every pending call that O(deny_tools) and O(tool_approvals) do not decide otherwise.
      - A tool that has no pending call is ignored, so one list can cover several runs.
    type: list
    elements: str
  deny_tools:
    description:
      - Tools whose pending calls are denied, named as in O(approve_tools); V(all) denies every pending call not
        approved by name or ID. A tool may not be in both lists.
    type: list
    elements: str
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

- name: Approve the documentation lookups of a Foundry agent's MCP tool, deny everything else
  seed.openai.openai_thread_run_tool_outputs:
    run: "{{ asked.run }}"
    approve_tools: [docs.lookup]
    deny_tools: all
    wait: true

- name: Deny one call by its ID
  seed.openai.openai_thread_run_tool_outputs:
    run: "{{ asked.run }}"
    tool_approvals:
      - tool_call_id: "{{ asked.tool_approvals_pending[0].id }}"
        approve: false
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
  description: The function calls the run waits for next (C(id), C(type), C(function) with C(name) and C(arguments)).
  returned: when the run's status is C(requires_action)
  type: list
  elements: dict
tool_approvals_pending:
  description: The tool calls the run waits to have approved or denied next (Azure AI Foundry).
  returned: when the run's status is C(requires_action)
  type: list
  elements: dict
  contains:
    id:
      description: The call's ID, for O(tool_approvals).
      type: str
    name:
      description: The tool's name on its server.
      type: str
      sample: lookup
    server_label:
      description: The label of the MCP server.
      type: str
      sample: docs
    arguments:
      description: The arguments of the call, as JSON text.
      type: str
      sample: '{"query": "rotate keys"}'
tool_approvals_sent:
  description: The decisions sent (or, in check mode, that would be sent), one per pending call.
  returned: with O(tool_approvals), O(approve_tools) or O(deny_tools)
  type: list
  elements: dict
  contains:
    tool_call_id:
      description: The call's ID.
      type: str
    name:
      description: The tool's name.
      type: str
    server_label:
      description: The label of the MCP server.
      type: str
    approve:
      description: Whether the call was approved.
      type: bool
request:
  description: The request that would have been sent, without credentials.
  returned: check mode
  type: dict
response:
  description:
    - The new response that carries the outputs (or approvals) on, as the Responses API returned it.
    - Its ID, and so the run's, differs from the answered response's.
  returned: with O(api=responses), when the answers were sent
  type: dict
"""

from ansible_collections.seed.openai.plugins.module_utils._module import run_task_module
from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_run_tool_outputs


def run_module() -> None:
    run_task_module("openai_thread_run_tool_outputs", thread_run_tool_outputs.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
