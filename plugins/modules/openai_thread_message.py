#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread_message
short_description: Add a message to an Assistants API thread
version_added: 1.0.0
description:
  - Adds a message to O(thread), as the PSOpenAI cmdlet C(Add-ThreadMessage) does. Every such task adds a message.
  - The API refuses messages while a run of the thread is active, and some compatible servers accept them, so that
    the message lands in the middle of the run. With O(wait_for_active_run), the module reads the thread's newest runs
    first, waits for an active one to end, and then adds the message; a refusal because a run is active is waited
    out the same way.
author:
  - seed.openai contributors (@seed-openai)
extends_documentation_fragment:
  - seed.openai.attributes
  - seed.openai.connection
attributes:
  check_mode:
    support: full
    details: Sends nothing and returns the request that would be sent.
  diff_mode:
    support: none
options:
  thread:
    description: The thread, as an ID or an object registered earlier (a thread, run or message object).
    type: raw
    required: true
    aliases: [thread_id]
  role:
    description: Who speaks.
    type: str
    choices: [user, assistant]
    default: user
  content:
    description: The message, as text or as a list of content parts (C(text), C(image_file), C(image_url)).
    type: raw
    required: true
  attachments:
    description: Files attached to the message, each a dict with C(file_id) and C(tools).
    type: list
    elements: dict
  metadata:
    description: Up to 16 pairs; keys up to 64 characters, values strings up to 512.
    type: dict
  wait_for_active_run:
    description:
      - When a run of the thread is active, wait for it to end, then add the message. The thread's 20 newest runs are
        read before the message is posted; O(wait_timeout) bounds that read and every wait.
      - A run can still start between that read and the post. A server that refuses the message then is waited out
        too; one that accepts it takes the message during that run.
      - A server that ignores the C(order) of a list may show older runs first, so that an active run is not among
        those read and the message is posted at once.
      - A run that waits for tool outputs or approvals (C(requires_action)) is not waited for; the task fails,
        naming it.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for active runs with O(wait_for_active_run), the read of the thread's runs included.
    type: float
    default: 600
  poll_interval:
    description: Seconds between two reads of the active run. A server's C(openai-poll-after-ms) header overrides it.
    type: float
    default: 1
"""

EXAMPLES = r"""
- name: Ask a follow-up question once the current run is done
  seed.openai.openai_thread_message:
    thread: "{{ conversation.thread }}"
    content: And what should we change?
    wait_for_active_run: true
"""

RETURN = r"""
message:
  description: The message as the server returned it.
  returned: success, not in check mode
  type: dict
  sample:
    id: msg_abc123
    object: thread.message
    role: user
    content: [{type: text, text: {value: Hello, annotations: []}}]
request:
  description: The request that would have been sent.
  returned: check mode
  type: dict
item:
  description: The message item the message stands for, as the Responses API returned it.
  returned: with O(api=responses), success, not in check mode
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
from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_message


def run_module() -> None:
    run_task_module("openai_thread_message", thread_message.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
