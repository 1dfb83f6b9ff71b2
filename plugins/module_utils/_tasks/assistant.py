# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_assistant: an assistant in the state the task describes. Plain Python."""

from __future__ import annotations

from typing import Any

from .._errors import InvalidInput, NotCarried
from .._run_body import check_ranges
from .._task import Result, Task
from .._validation import check_metadata, merge_tools
from ._shape import comparable, placeholder, same_tools

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


def same_setting(key: str, current: Any, wanted: Any) -> bool:
    """Whether a current setting already is what the task wants: tools compared
    without order and server-filled defaults, metadata without the marker."""
    if key == "tools":
        return same_tools(current, wanted)
    return bool(comparable(current, key) == wanted)


def desired_settings(params: Any) -> dict[str, Any]:
    check_ranges(params)
    desired = {key: params[key] for key in SETTINGS if params[key] is not None}
    if "metadata" in desired:
        desired["metadata"] = check_metadata(desired["metadata"])
    if "tools" in desired:
        desired["tools"] = merge_tools(desired["tools"], {})
    return desired


def run(task: Task) -> Result:
    params = task.params
    desired = desired_settings(params)
    api = task.api()
    if not api.keeps_assistants:
        return _definition(task, desired)
    current = api.find_assistant(params)
    if params["state"] == "absent":
        if current is None:
            return dict(changed=False)
        if not task.check_mode:
            api.delete_assistant(current)
        return dict(changed=True, assistant=current, diff=dict(before=current, after={}))
    if current is None:
        if "model" not in desired:
            if task.check_mode:
                # An earlier task of the play would create it; check mode cannot know.
                task.warn(f"check mode: no assistant is named {params['name']!r} yet; a placeholder stands in")
                return dict(changed=False, assistant=placeholder("assistant", desired))
            raise InvalidInput(f"No assistant is named {params['name']!r}; give model to create it")
        if task.check_mode:
            return dict(changed=True, assistant=placeholder("assistant", desired), diff=dict(before={}, after=desired))
        created = api.create_assistant(desired, task.marker)
        return dict(changed=True, assistant=created, diff=dict(before={}, after=created))
    changes = {key: value for key, value in desired.items() if not same_setting(key, current.get(key), value)}
    if not changes:
        return dict(changed=False, assistant=current)
    before = {key: current.get(key) for key in changes}
    updated = dict(current, **changes) if task.check_mode else api.update_assistant(current, changes, task.marker)
    return dict(changed=True, assistant=updated, diff=dict(before=before, after=changes))


def _definition(task: Task, desired: dict[str, Any]) -> Result:
    """Where the service keeps no assistants, the task's result is the
    definition the run tasks send: nothing is sent, nothing changes."""
    if task.params["state"] == "absent":
        return dict(changed=False)
    if "model" not in desired:
        named = task.params["name"] or task.params["id"]
        raise NotCarried(
            f"assistant {named!r} cannot be looked up: OpenAI keeps no assistants on the Responses API; give its "
            "model (and instructions, tools...) to define it, and pass the registered result to the run tasks"
        )
    return dict(changed=False, assistant=task.api().definition(desired))
