#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread
short_description: Create or delete an Assistants API thread
version_added: 1.0.0
description:
  - With C(state=present) and no O(thread), creates a thread, optionally with first O(messages), as the PSOpenAI
    cmdlet C(New-Thread) does. Every such task creates a new thread.
  - With C(state=present) and O(thread), makes sure that thread has the O(metadata) and O(tool_resources) given,
    changing it only when they differ.
  - With C(state=absent), deletes O(thread); a thread that is already gone is not an error.
author:
  - seed.openai contributors (@seed-openai)
extends_documentation_fragment:
  - seed.openai.attributes
  - seed.openai.connection
attributes:
  check_mode:
    support: full
    details: Sends no change; an existing thread is read to tell what would change.
  diff_mode:
    support: none
options:
  state:
    description: Whether the thread should exist.
    type: str
    choices: [present, absent]
    default: present
  thread:
    description: An existing thread, as an ID or an object registered earlier (a thread, run or message object).
    type: raw
    aliases: [thread_id]
  messages:
    description:
      - First messages of a new thread, each a dict with C(role) (V(user) or V(assistant)) and C(content),
        and optionally C(attachments) and C(metadata).
    type: list
    elements: dict
  tool_resources:
    description:
      - Resources for the thread's tools, a dict with C(code_interpreter.file_ids) and
        C(file_search.vector_store_ids).
    type: dict
  metadata:
    description: Up to 16 pairs; keys up to 64 characters, values strings up to 512.
    type: dict
"""

EXAMPLES = r"""
- name: Open a thread with a question
  seed.openai.openai_thread:
    messages:
      - role: user
        content: Why did last night's backup fail?
    metadata:
      ticket: "4711"
  register: conversation

- name: Delete it when done
  seed.openai.openai_thread:
    thread: "{{ conversation.thread }}"
    state: absent
"""

RETURN = r"""
thread:
  description: The thread as the server returned it (with C(state=absent), the deletion answer).
  returned: success, not in check mode for a new thread
  type: dict
  sample: {id: thread_abc123, object: thread, created_at: 1795692567, metadata: {}, tool_resources: {}}
conversation:
  description: The conversation the thread stands for, as the Responses API returned it.
  returned: with O(api=responses), success
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
from ansible_collections.seed.openai.plugins.module_utils._tasks import thread


def run_module() -> None:
    run_task_module("openai_thread", thread.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
