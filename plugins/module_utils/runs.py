# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs: the CreateRunRequest body built from task options, and the calls that
start a run. Plain Python."""

from __future__ import annotations

from typing import Any

from .client import OpenAIClient, path_segment
from .validation import check_metadata, merge_tools

# Options copied into the body as they are, when the task sets them.
PLAIN_FIELDS = ("model", "instructions", "additional_instructions")
# Built-in tool switches: option name -> tool type.
TOOL_FLAGS = {"use_code_interpreter": "code_interpreter", "use_retrieval": "file_search"}


def tool_flags(params: dict[str, Any]) -> dict[str, bool | None]:
    return {kind: params.get(option) for option, kind in TOOL_FLAGS.items()}


def needs_assistant_tools(params: dict[str, Any]) -> bool:
    """A tool switch without `tools` changes the assistant's own tools, so the
    assistant has to be read first."""
    return params.get("tools") is None and any(v is not None for v in tool_flags(params).values())


def build_run_body(params: dict[str, Any], assistant_id: str) -> dict[str, Any]:
    """The body for POST /threads/{id}/runs: assistant_id and only what the task
    set (tools derived from the assistant are filled in by start_run)."""
    body: dict[str, Any] = {"assistant_id": assistant_id}
    for field in PLAIN_FIELDS:
        if params.get(field) is not None:
            body[field] = params[field]
    if params.get("tools") is not None:
        body["tools"] = merge_tools(params["tools"], tool_flags(params))
    if params.get("metadata") is not None:
        body["metadata"] = check_metadata(params["metadata"])
    return body


def runs_url(client: OpenAIClient, thread_id: str) -> str:
    return client.url("threads", path_segment(thread_id, "thread"), "runs")


def start_run(client: OpenAIClient, thread_id: str, body: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """POST the run; when a tool switch applies to the assistant's own tools,
    read the assistant first so the switch changes only that tool."""
    url = runs_url(client, thread_id)
    if needs_assistant_tools(params):
        assistant = client.request("GET", client.url("assistants", path_segment(body["assistant_id"], "assistant")))
        body = dict(body, tools=merge_tools(assistant.get("tools") or [], tool_flags(params), "the assistant's tools"))
    return client.request("POST", url, body)
