# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_assistant: an assistant in the state the task describes. Plain Python."""

from __future__ import annotations

from typing import Any, Optional

from .._client import OpenAIClient
from .._errors import InvalidInput, OpenAIError
from .._ids import resolve_id
from .._resources import assistant_url, pages
from .._run_body import check_ranges
from .._task import Result, Task
from .._validation import check_metadata, merge_tools

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


def find_assistant(client: OpenAIClient, params: Any) -> Optional[dict[str, Any]]:
    if params["id"] is not None:
        assistant_id = resolve_id(params["id"], "id", "assistant")
        try:
            found: dict[str, Any] = client.request("GET", assistant_url(client, assistant_id))
            return found
        except OpenAIError as error:
            if getattr(error, "status", None) == 404:
                if params["state"] == "absent":
                    return None
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


def desired_settings(params: Any) -> dict[str, Any]:
    check_ranges(params)
    desired = {key: params[key] for key in SETTINGS if params[key] is not None}
    if "metadata" in desired:
        check_metadata(desired["metadata"])
    if "tools" in desired:
        desired["tools"] = merge_tools(desired["tools"], {})
    return desired


def run(task: Task) -> Result:
    params = task.params
    desired = desired_settings(params)
    client = task.client()
    current = find_assistant(client, params)
    if params["state"] == "absent":
        if current is None:
            return dict(changed=False)
        if not task.check_mode:
            client.request("DELETE", assistant_url(client, current["id"]))
        return dict(changed=True, assistant=current, diff=dict(before=current, after={}))
    if current is None:
        if "model" not in desired:
            raise InvalidInput(f"No assistant is named {params['name']!r}; give model to create it")
        created = desired if task.check_mode else client.request("POST", assistant_url(client), desired)
        return dict(changed=True, assistant=created, diff=dict(before={}, after=created))
    changes = {key: value for key, value in desired.items() if current.get(key) != value}
    if not changes:
        return dict(changed=False, assistant=current)
    before = {key: current.get(key) for key in changes}
    if task.check_mode:
        updated = dict(current, **changes)
    else:
        updated = client.request("POST", assistant_url(client, current["id"]), changes)
    return dict(changed=True, assistant=updated, diff=dict(before=before, after=changes))
