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

from ansible_collections.seed.openai.plugins.module_utils._module import run_task_module
from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_run_tool_outputs


def run_module() -> None:
    run_task_module("openai_thread_run_tool_outputs", thread_run_tool_outputs.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
