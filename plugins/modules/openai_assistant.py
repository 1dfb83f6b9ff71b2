#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_assistant
short_description: Create, update or delete an assistant
version_added: 1.0.0
description:
  - Makes sure an assistant exists with the settings the task gives (C(state=present)), or does not exist
    (C(state=absent)), as the PSOpenAI cmdlets C(New-Assistant), C(Set-Assistant) and C(Remove-Assistant) do.
  - The assistant is found by O(id), or else by O(name). Only the settings the task gives are compared and sent,
    so a second identical task reports C(changed=false).
author:
  - seed.openai contributors (@seed-openai)
extends_documentation_fragment:
  - seed.openai.attributes
  - seed.openai.connection
attributes:
  check_mode:
    support: full
    details: Reads the assistant to tell what would change, and sends no change.
  diff_mode:
    support: full
options:
  state:
    description: Whether the assistant should exist.
    type: str
    choices: [present, absent]
    default: present
  id:
    description: ID of the assistant to manage (C(asst_...)), or an assistant object. Without it, O(name) finds it.
    type: raw
  name:
    description:
      - Name of the assistant; finds it when O(id) is not given.
      - More than one assistant of that name fails the task.
    type: str
  model:
    description: Model of the assistant; needed to create one.
    type: str
  instructions:
    description: System instructions of the assistant.
    type: str
  description:
    description: Description of the assistant.
    type: str
  tools:
    description:
      - Tools of the assistant (at most 20), each a dict with a C(type) such as C(code_interpreter),
        or a C(function) tool.
    type: list
    elements: dict
  tool_resources:
    description: Resources for the tools, a dict with C(code_interpreter.file_ids) and C(file_search.vector_store_ids).
    type: dict
  metadata:
    description: Up to 16 pairs; keys up to 64 characters, values strings up to 512.
    type: dict
  temperature:
    description: Sampling temperature, from 0 to 2.
    type: float
  top_p:
    description: Nucleus sampling mass, from 0 to 1.
    type: float
  response_format:
    description: Answer format, V(auto) or a dict with a C(type) such as C(json_object).
    type: raw
"""

EXAMPLES = r"""
- name: An assistant for the help desk
  seed.openai.openai_assistant:
    name: helpdesk
    model: gpt-5-mini
    instructions: Answer briefly and cite the ticket.
    tools:
      - type: file_search
    metadata:
      team: ops
  register: helpdesk

- name: Remove it
  seed.openai.openai_assistant:
    name: helpdesk
    state: absent
"""

RETURN = r"""
assistant:
  description:
    - The assistant as the server returned it; with C(state=absent), the assistant that was deleted.
    - In check mode, what it would be.
  returned: success, unless absent already
  type: dict
  sample: {id: asst_abc123, object: assistant, name: helpdesk, model: gpt-5-mini, tools: []}
agent:
  description:
    - The agent version as Azure AI Foundry returned it, with O(api=responses) on a Foundry project endpoint.
    - With O(api=responses) against OpenAI, which keeps no assistants, RV(assistant) is the definition the run
      tasks send, and nothing is returned here.
  returned: with O(api=responses) on a Foundry project endpoint, when an agent was read or created
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
from ansible_collections.seed.openai.plugins.module_utils._tasks import assistant


def run_module() -> None:
    run_task_module("openai_assistant", assistant.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
