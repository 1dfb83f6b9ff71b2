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
  - With O(thread) omitted, creates a thread and runs it in one call (C(POST /threads/runs)); the thread holds
    O(additional_messages) and then O(thread_message), with O(thread_metadata) and O(thread_tool_resources); with
    none of them, the run starts on an empty thread.
  - Some Assistants-compatible servers have no C(POST /threads/runs) and answer it 404 (often "thread not found").
    Then the module creates the thread with its messages (C(POST /threads)) and starts the run on it, each call sent
    once, and warns that it did so. A 404 that names the assistant, a model or a file is the server's answer and
    fails the task.
  - Only the options the task sets are sent; the run otherwise uses the assistant's own settings.
  - The run is also set as the fact C(openai_thread_run), so later tasks can use it without C(register).
  - Starting a run is not idempotent, so the module never starts one twice on its own; after an answer is lost
    (a 5xx, a timeout or a reset once the request went out) it looks for the run it created and returns that one.
author:
  - seed.openai contributors (@seed-openai)
extends_documentation_fragment:
  - seed.openai.attributes
  - seed.openai.connection
  - seed.openai.run_options
  - seed.openai.wait
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
      - Omit it to start the run on a new thread, which holds O(additional_messages) and O(thread_message) (or no
        message at all).
    type: raw
    aliases: [thread_id, input_object]
  assistant:
    description:
      - The assistant that executes the run, as an ID (C(asst_...)), an assistant object, or a run object
        (its C(assistant_id)).
    type: raw
    required: true
    aliases: [assistant_id]
  stream:
    description:
      - Follow the run's server-sent events to its end; return the final run and the assistant's text in RV(text).
      - A run that ends C(failed), C(expired) or C(incomplete), an C(error) event, or a stream that breaks
        fails the task.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Start a run
  seed.openai.openai_thread_run:
    thread: thread_abc123
    assistant: asst_abc123
  register: started

- name: Wait for it to end (a thread runs one run at a time)
  seed.openai.openai_thread_run_info:
    run: "{{ started.run }}"
    wait: true

- name: Start another run of the same thread with what the first task returned, and wait for its end
  seed.openai.openai_thread_run:
    thread: "{{ started.run }}"
    assistant: "{{ started.run }}"
    additional_instructions: Answer in French.
    use_code_interpreter: false
    metadata:
      ticket: "1234"
    wait: true
    wait_timeout: 120

- name: Ask on a new thread and stream the answer
  seed.openai.openai_thread_run:
    assistant: asst_abc123
    thread_message: Summarise yesterday's incidents.
    stream: true
  register: answer

- name: Start a new thread with earlier messages and metadata, keep only the newest message in context
  seed.openai.openai_thread_run:
    assistant: asst_abc123
    additional_messages:
      - role: user
        content: The backup of db01 failed at 02:00.
      - role: assistant
        content: Noted.
    thread_message: What should we check first?
    message_metadata:
      source: ansible
    thread_metadata:
      ticket: "4711"
    truncation_strategy: auto
    last_messages: 1
    wait: true

- name: Offer a function on a new thread and force the model to call it
  seed.openai.openai_thread_run:
    assistant: asst_abc123
    thread_message: What does ticket 4711 say?
    functions:
      - name: get_ticket
        description: Read a ticket by number
        parameters: {type: object, properties: {number: {type: string}}, required: [number]}
    tool_choice: get_ticket
    wait: true
  register: asked

- name: Connection options once for the play
  hosts: localhost
  connection: local
  gather_facts: false
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
  description:
    - The run object as the server returned it; with O(wait) or O(stream), the final run.
    - Also returned when a waited or streamed run failed or the wait timed out (the last run seen).
  returned: success, not in check mode; failure once the run exists
  type: dict
  sample:
    id: run_abc123
    object: thread.run
    thread_id: thread_abc123
    assistant_id: asst_abc123
    status: queued
text:
  description: The assistant's answer, assembled from the streamed message deltas.
  returned: with O(stream)
  type: str
  sample: The build failed because the disk was full.
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
    query:
      description: Query parameters, if any.
      type: dict
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
response:
  description:
    - The response the run stands for, as the Responses API returned it.
    - Its C(status) is C(completed) where the run's is C(requires_action) (it waits for tool outputs or approvals).
  returned: with O(api=responses), when a response was started
  type: dict
marker:
  description:
    - The creation marker (metadata C(seed_openai_request)) of what the task asked the server to create, when the
      server answered success with a body that could not be read, or lost the answer, and what it made could not be
      found; look for an object whose metadata carries it before running the task again.
  returned: on failure, when the server may have created something that could not be returned
  type: str
  sample: 3f2a9c0d5e8b4f7a9c1d2e3f4a5b6c7d
"""

from ansible_collections.seed.openai.plugins.module_utils._module import run_task_module
from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_run


def run_module() -> None:
    run_task_module("openai_thread_run", thread_run.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
