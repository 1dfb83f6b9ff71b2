#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread_messages_info
short_description: List the messages of an Assistants API thread
version_added: 1.0.0
description:
  - Lists the messages of O(thread), newest first, optionally only those of one O(run), as the PSOpenAI cmdlet
    C(Get-ThreadMessage) does, and returns the text of the newest assistant message as RV(latest_answer).
  - Never changes anything.
author:
  - seed.openai contributors (@seed-openai)
extends_documentation_fragment:
  - seed.openai.attributes
  - seed.openai.connection
attributes:
  check_mode:
    support: full
    details: Reads as usual.
  diff_mode:
    support: none
options:
  thread:
    description: The thread, as an ID or an object registered earlier (a thread, run or message object).
    type: raw
    required: true
    aliases: [thread_id]
  run:
    description: Only the messages of this run, as an ID or a run object.
    type: raw
    aliases: [run_id]
  limit:
    description: How many messages to read per page, from 1 to 100.
    type: int
    default: 20
  all:
    description: Read every page, not only the newest O(limit) messages.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read the answer of a run
  seed.openai.openai_thread_messages_info:
    thread: "{{ openai_thread_run }}"
    run: "{{ openai_thread_run }}"
  register: conversation

- name: Show it
  ansible.builtin.debug:
    msg: "{{ conversation.latest_answer }}"
"""

RETURN = r"""
messages:
  description: The messages, newest first.
  returned: success
  type: list
  elements: dict
latest_answer:
  description: The text of the newest assistant message among RV(messages), or null when there is none.
  returned: success
  type: str
  sample: The backup failed because the disk was full.
conversation_items:
  description: The conversation's message items the messages stand for, as the Responses API returned them.
  returned: with O(api=responses), success
  type: list
  elements: dict
"""

from ansible_collections.seed.openai.plugins.module_utils._module import run_task_module
from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_messages_info


def run_module() -> None:
    run_task_module("openai_thread_messages_info", thread_messages_info.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
