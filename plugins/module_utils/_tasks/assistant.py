# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_assistant: an assistant in the state the task describes. Plain Python."""

from __future__ import annotations

import time
from typing import Any, Optional

from .._client import OpenAIClient
from .._errors import APIError, InvalidInput, OpenAIError, expect_object
from .._ids import resolve_id
from .._once import find_marked, send_once, with_marker
from .._resources import ListIncomplete, assistant_url, whole_list
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


def find_assistant(client: OpenAIClient, params: Any) -> Optional[dict[str, Any]]:
    if params["id"] is not None:
        assistant_id = resolve_id(params["id"], "id", "assistant")
        try:
            url = assistant_url(client, assistant_id)
            return expect_object(client.request("GET", url), f"GET {url}", "assistant", ("id",))
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
    named = []
    try:
        for data, _headers in whole_list(client, assistant_url(client), {"limit": 100}):
            named += [a for a in data if isinstance(a, dict) and a.get("name") == params["name"] and a.get("id")]
    except ListIncomplete as error:
        raise ListIncomplete(
            f"Looking for the assistant named {params['name']!r} failed: {error}; nothing is created or changed "
            "by name without seeing every assistant (give id instead)"
        ) from None
    if len(named) > 1:
        raise InvalidInput(f"{len(named)} assistants are named {params['name']!r}; give id to choose one")
    return named[0] if named else None


def create_assistant(client: OpenAIClient, desired: dict[str, Any], task: Task) -> dict[str, Any]:
    body, marker = with_marker(desired, task.marker)
    url = assistant_url(client)

    def send() -> dict[str, Any]:
        return expect_object(
            client.request("POST", url, body, retry_server_errors=False), f"POST {url}", "assistant", ("id",)
        )

    def unlike(assistant: dict[str, Any]) -> bool:
        return assistant.get("name") != body.get("name")

    started = time.time()
    lookup = None
    if marker is not None:
        found_marker = marker

        def lookup() -> Optional[dict[str, Any]]:
            return find_marked(client, url, found_marker, started, "assistant", unlike)

    created: dict[str, Any] = send_once(client, send, "an assistant", marker, lookup, warn=task.warn, made=task.made)
    return created


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
    client = task.client()
    current = find_assistant(client, params)
    if params["state"] == "absent":
        if current is None:
            return dict(changed=False)
        if not task.check_mode:
            try:
                client.request("DELETE", assistant_url(client, current["id"]))
            except APIError as error:
                # A 404 to a resent DELETE: the first one did it, its answer was lost.
                if error.status != 404 or client.retries_done == 0:
                    raise
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
        created = create_assistant(client, desired, task)
        return dict(changed=True, assistant=created, diff=dict(before={}, after=created))
    changes = {key: value for key, value in desired.items() if not same_setting(key, current.get(key), value)}
    if not changes:
        return dict(changed=False, assistant=current)
    before = {key: current.get(key) for key in changes}
    if task.check_mode:
        updated = dict(current, **changes)
    else:
        # Strict servers want model on every modify; sending the current one changes nothing.
        body = (
            dict(changes) if "model" in changes or not current.get("model") else dict(changes, model=current["model"])
        )
        updated = client.request("POST", assistant_url(client, current["id"]), body)
    return dict(changed=True, assistant=updated, diff=dict(before=before, after=changes))
