#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread_run_info
short_description: Read one run of a thread, or list its runs
version_added: 1.0.0
description:
  - Reads O(run) of O(thread), optionally waiting for it to end, as the PSOpenAI cmdlets C(Get-ThreadRun) and
    C(Wait-ThreadRun) do; without O(run), lists the thread's runs.
  - With O(runs), reads many runs in one task; with O(wait), follows them all at once over one HTTP connection,
    each read when the server's C(openai-poll-after-ms) (or O(poll_interval)) says, so that waiting for N runs takes
    about as long as the slowest, not N times one. O(wait_timeout) bounds the wait for the whole set.
  - Never changes anything.
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
    details: Reads as usual.
  diff_mode:
    support: none
options:
  run:
    description: The run to read, as an ID or a run object. Without it, the thread's runs are listed.
    type: raw
    aliases: [run_id]
  runs:
    description:
      - Many runs to read, or to wait for with O(wait), in one task, as a list of run objects or of the registered
        results of M(seed.openai.openai_thread_run); the registered result of a loop of it (or its C(results)) is
        taken as it is. Loop items that failed or were skipped are left out, and a warning names them.
      - At most 100. Anything that is not a run fails the task in one line naming it, before anything is read.
      - RV(runs) returns every run in the order given. When one fails, or is still running when O(wait_timeout) ends,
        the task fails naming each such run, and still returns every run as last seen.
      - Not with O(run), O(thread) or O(steps).
    type: raw
    version_added: 1.1.0
  steps:
    description: Also return the run's steps.
    type: bool
    default: false
  limit:
    description: How many runs to list per page, from 1 to 100.
    type: int
    default: 20
  order:
    description: Order of the listed runs by creation time.
    type: str
    choices: [asc, desc]
    default: desc
  all:
    description: List every page of runs, not only the first O(limit).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Wait for a run started earlier
  seed.openai.openai_thread_run_info:
    run: "{{ openai_thread_run }}"
    wait: true
    steps: true
  register: finished

- name: Start a run per ticket, each on a new thread, without waiting
  seed.openai.openai_thread_run:
    assistant: asst_abc123
    thread_message: "Classify ticket {{ item }}"
  loop: [INC-101, INC-102, INC-103]
  register: started

- name: Wait for them all at once
  seed.openai.openai_thread_run_info:
    runs: "{{ started }}"
    wait: true
  register: finished

- name: List a thread's runs
  seed.openai.openai_thread_run_info:
    thread: thread_abc123
    all: true
  register: history
"""

RETURN = r"""
run:
  description: The run (after the wait, with O(wait)); also on failure of a waited run.
  returned: when O(run) is given
  type: dict
runs:
  description:
    - The thread's runs; with O(runs), each run given, in that order, as last seen (also when the task fails).
    - With O(runs), a run that waits in C(requires_action) also carries C(tool_calls) and C(tool_approvals_pending).
  returned: when O(run) is omitted
  type: list
  elements: dict
steps:
  description: The run's steps.
  returned: when O(steps) is true
  type: list
  elements: dict
tool_calls:
  description: The function calls the run waits for (C(id), C(type), C(function) with C(name) and C(arguments)).
  returned: when the run's status is C(requires_action)
  type: list
  elements: dict
tool_approvals_pending:
  description:
    - The tool calls the run waits to have approved or denied (Azure AI Foundry C(submit_tool_approval), for example
      an C(mcp) tool's calls), each with C(id), C(name), C(server_label) and C(arguments) (JSON text).
    - Answer them with M(seed.openai.openai_thread_run_tool_outputs) and its options C(approve_tools), C(deny_tools)
      or C(tool_approvals).
  returned: when the run's status is C(requires_action)
  type: list
  elements: dict
  sample:
    - id: call_abc123
      name: lookup
      server_label: docs
      arguments: '{"query": "rotate keys"}'
response:
  description: The response the run stands for, as the Responses API returned it.
  returned: with O(api=responses), when a run was read
  type: dict
responses:
  description: The conversation's responses the runs stand for, as Azure AI Foundry listed them.
  returned: with O(api=responses) on a Foundry project endpoint, when a thread's runs were listed
  type: list
  elements: dict
"""

from ansible_collections.seed.openai.plugins.module_utils._module import run_task_module
from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_run_info


def run_module() -> None:
    run_task_module("openai_thread_run_info", thread_run_info.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
