#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread_run
short_description: Start a run of an Assistants API thread
version_added: 1.0.0
description:
  - Starts a run of a thread with an assistant (C(POST {api_base}/threads/{thread_id}/runs)) and returns
    the run object, as the PSOpenAI cmdlet C(Start-ThreadRun) does.
  - Only the options the task sets are sent; the run otherwise uses the assistant's own settings.
  - The run is also set as the fact C(openai_thread_run), so later tasks can use it without C(register).
author:
  - seed.openai contributors
extends_documentation_fragment:
  - seed.openai.connection
attributes:
  check_mode:
    support: full
    details: Sends no request and returns the request that would be sent.
  diff_mode:
    support: none
options:
  thread:
    description:
      - The thread to run, as an ID (C(thread_...)), a thread object, or a run object (its C(thread_id)),
        for instance what an earlier task registered.
    type: raw
    required: true
    aliases: [thread_id, input_object]
  assistant:
    description:
      - The assistant that executes the run, as an ID (C(asst_...)), an assistant object, or a run object
        (its C(assistant_id)).
    type: raw
    required: true
    aliases: [assistant_id]
  model:
    description: Model for this run instead of the assistant's.
    type: str
  instructions:
    description: Instructions for this run instead of the assistant's.
    type: str
  additional_instructions:
    description: Text appended to the instructions for this run.
    type: str
  tools:
    description:
      - Tools for this run instead of the assistant's, sent as given (at most 20), for instance
        V({type: code_interpreter}) or a C(function) tool.
    type: list
    elements: dict
  use_code_interpreter:
    description:
      - V(true) adds the C(code_interpreter) tool, V(false) removes it for this run.
      - Without O(tools), the switch applies to the assistant's own tools, which are read first.
    type: bool
  use_retrieval:
    description:
      - V(true) adds the C(file_search) tool (called retrieval before the v2 API), V(false) removes it for this run.
      - Without O(tools), the switch applies to the assistant's own tools, which are read first.
    type: bool
    aliases: [use_file_search]
  metadata:
    description: Up to 16 pairs attached to the run; keys up to 64 characters, values strings up to 512.
    type: dict
"""

EXAMPLES = r"""
- name: Start a run
  seed.openai.openai_thread_run:
    thread: thread_abc123
    assistant: asst_abc123
    api_base: http://127.0.0.1:8080/v1
  register: started

- name: Start another run of the same thread with what the first task returned
  seed.openai.openai_thread_run:
    thread: "{{ started.run }}"
    assistant: "{{ started.run }}"
    additional_instructions: Answer in French.
    use_code_interpreter: false
    metadata:
      ticket: "1234"

- name: Connection options once for the play
  hosts: localhost
  module_defaults:
    group/seed.openai.openai:
      api_base: https://assistants.example.com/v1
      api_key: "{{ vault_assistants_key }}"
      max_retry_count: 4
      timeout: 30
  tasks:
    - name: Start a run
      seed.openai.openai_thread_run:
        thread: thread_abc123
        assistant: asst_abc123
    - name: Show its status from the fact
      ansible.builtin.debug:
        var: openai_thread_run.status
"""

RETURN = r"""
run:
  description: The run object as the server returned it.
  returned: success, not in check mode
  type: dict
  sample:
    id: run_abc123
    object: thread.run
    thread_id: thread_abc123
    assistant_id: asst_abc123
    status: queued
request:
  description: The request that would have been sent, without credentials.
  returned: check mode
  type: dict
  contains:
    method:
      description: HTTP method.
      type: str
      sample: POST
    url:
      description: Full URL of the call.
      type: str
      sample: http://127.0.0.1:8080/v1/threads/thread_abc123/runs
    body:
      description: JSON body.
      type: dict
      sample: {assistant_id: asst_abc123}
status:
  description: HTTP status of the failed answer.
  returned: failure with an answer from the server
  type: int
  sample: 400
error:
  description: The API error (C(type), C(code), C(param), C(message)).
  returned: failure with an answer from the server
  type: dict
request_id:
  description: The C(x-request-id) header of the failed answer.
  returned: failure with an answer from the server
  type: str
"""

from ansible_collections.seed.openai.plugins.module_utils.errors import OpenAIError
from ansible_collections.seed.openai.plugins.module_utils.ids import resolve_id
from ansible_collections.seed.openai.plugins.module_utils.module import OpenAIModule
from ansible_collections.seed.openai.plugins.module_utils.runs import (
    build_run_body,
    needs_assistant_tools,
    runs_url,
    start_run,
)


def run_module() -> None:
    module = OpenAIModule(
        argument_spec=dict(
            thread=dict(type="raw", required=True, aliases=["thread_id", "input_object"]),
            assistant=dict(type="raw", required=True, aliases=["assistant_id"]),
            model=dict(type="str"),
            instructions=dict(type="str"),
            additional_instructions=dict(type="str"),
            tools=dict(type="list", elements="dict"),
            use_code_interpreter=dict(type="bool"),
            use_retrieval=dict(type="bool", aliases=["use_file_search"]),
            metadata=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        thread_id = resolve_id(params["thread"], "thread", "thread")
        assistant_id = resolve_id(params["assistant"], "assistant", "assistant")
        body = build_run_body(params, assistant_id)
        client = module.client()
        if module.check_mode:
            if needs_assistant_tools(params):
                module.warn("check mode: the assistant's tools are read, and the switches applied, only in a real run")
            module.exit_json(changed=True, request=dict(method="POST", url=runs_url(client, thread_id), body=body))
        run = start_run(client, thread_id, body, params, warn=module.warn)
    except OpenAIError as error:
        module.fail_from(error)
    module.exit_json(changed=True, run=run, ansible_facts=dict(openai_thread_run=run))


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
