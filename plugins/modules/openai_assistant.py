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
"""

from ansible_collections.seed.openai.plugins.module_utils._errors import InvalidInput, OpenAIError
from ansible_collections.seed.openai.plugins.module_utils._ids import resolve_id
from ansible_collections.seed.openai.plugins.module_utils._module import OpenAIModule
from ansible_collections.seed.openai.plugins.module_utils._resources import assistant_url, pages
from ansible_collections.seed.openai.plugins.module_utils._run_body import check_ranges
from ansible_collections.seed.openai.plugins.module_utils._validation import check_metadata, merge_tools

SETTINGS = (
    "name",
    "model",
    "instructions",
    "description",
    "tools",
    "tool_resources",
    "metadata",
    "temperature",
    "top_p",
    "response_format",
)


def find_assistant(client, params):
    if params["id"] is not None:
        assistant_id = resolve_id(params["id"], "id", "assistant")
        try:
            return client.request("GET", assistant_url(client, assistant_id))
        except OpenAIError as error:
            if getattr(error, "status", None) == 404:
                raise InvalidInput(
                    f"No assistant has the id {assistant_id!r}; to create one, give name instead"
                ) from None
            raise
    if not params["name"]:
        raise InvalidInput("give id or name to find the assistant")
    named = [a for a in pages(client, assistant_url(client), {"limit": 100}, True) if a.get("name") == params["name"]]
    if len(named) > 1:
        raise InvalidInput(f"{len(named)} assistants are named {params['name']!r}; give id to choose one")
    return named[0] if named else None


def desired_settings(params):
    check_ranges(params)
    desired = {key: params[key] for key in SETTINGS if params[key] is not None}
    if "metadata" in desired:
        check_metadata(desired["metadata"])
    if "tools" in desired:
        desired["tools"] = merge_tools(desired["tools"], {})
    return desired


def run_module() -> None:
    module = OpenAIModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            id=dict(type="raw"),
            name=dict(type="str"),
            model=dict(type="str"),
            instructions=dict(type="str"),
            description=dict(type="str"),
            tools=dict(type="list", elements="dict"),
            tool_resources=dict(type="dict"),
            metadata=dict(type="dict"),
            temperature=dict(type="float"),
            top_p=dict(type="float"),
            response_format=dict(type="raw"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        desired = desired_settings(params)
        client = module.client()
        current = find_assistant(client, params)
        if params["state"] == "absent":
            if current is None:
                module.exit_json(changed=False)
            if not module.check_mode:
                client.request("DELETE", assistant_url(client, current["id"]))
            module.exit_json(changed=True, assistant=current, diff=dict(before=current, after={}))
        if current is None:
            if "model" not in desired:
                raise InvalidInput(f"No assistant is named {params['name']!r}; give model to create it")
            created = desired if module.check_mode else client.request("POST", assistant_url(client), desired)
            module.exit_json(changed=True, assistant=created, diff=dict(before={}, after=created))
        changes = {key: value for key, value in desired.items() if current.get(key) != value}
        if not changes:
            module.exit_json(changed=False, assistant=current)
        before = {key: current.get(key) for key in changes}
        if module.check_mode:
            updated = dict(current, **changes)
        else:
            updated = client.request("POST", assistant_url(client, current["id"]), changes)
    except OpenAIError as error:
        module.fail_from(error)
    module.exit_json(changed=True, assistant=updated, diff=dict(before=before, after=changes))


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
