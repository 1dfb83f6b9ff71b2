# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Responses API's objects in the collection's shapes: a response as a
run, a conversation as a thread, a message item as a thread message. The
roles, the fact and every reader of a run keep reading one shape; the raw
object rides beside it in the result. Plain Python."""

from __future__ import annotations

from typing import Any, Optional

from .._shapes import text_value

# Response.status values that end a response; queued and in_progress go on.
FINAL_STATUSES = ("completed", "failed", "cancelled", "incomplete")


def _items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def conversation_id(response: Any) -> Optional[str]:
    """The ID of the conversation a response belongs to (a string or {id})."""
    conversation = response.get("conversation") if isinstance(response, dict) else None
    if isinstance(conversation, dict):
        conversation = conversation.get("id")
    return conversation if isinstance(conversation, str) and conversation else None


def pending_function_calls(response: Any) -> list[dict[str, Any]]:
    """The function calls a response made: each waits for a function_call_output
    in a later response, so each is a tool call of the run-shaped object."""
    calls = []
    for item in _items(response.get("output") if isinstance(response, dict) else None):
        if item.get("type") != "function_call":
            continue
        call_id, name = item.get("call_id"), item.get("name")
        if isinstance(call_id, str) and call_id and isinstance(name, str):
            arguments = item.get("arguments")
            calls.append(
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": arguments if isinstance(arguments, str) else "{}"},
                }
            )
    return calls


def pending_approvals(response: Any) -> list[dict[str, Any]]:
    """The MCP tool calls a response asks to have approved (mcp_approval_request
    items), as the tool calls of a run's submit_tool_approval action."""
    calls = []
    for item in _items(response.get("output") if isinstance(response, dict) else None):
        if item.get("type") != "mcp_approval_request" or not isinstance(item.get("id"), str) or not item["id"]:
            continue
        calls.append(
            {
                "id": item["id"],
                "type": "mcp",
                "name": item.get("name") if isinstance(item.get("name"), str) else "",
                "server_label": item.get("server_label") if isinstance(item.get("server_label"), str) else "",
                "arguments": item.get("arguments") if isinstance(item.get("arguments"), str) else "",
            }
        )
    return calls


def _usage(usage: Any) -> Optional[dict[str, Any]]:
    if not isinstance(usage, dict):
        return None
    prompt, completion = usage.get("input_tokens"), usage.get("output_tokens")
    total = usage.get("total_tokens")
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def run_status(response: dict[str, Any]) -> Any:
    """The run status a response stands for: a completed response that waits
    for tool outputs or approvals is a run in requires_action."""
    status = response.get("status")
    if status == "completed" and (pending_function_calls(response) or pending_approvals(response)):
        return "requires_action"
    return status


def response_as_run(response: dict[str, Any], assistant_id: Optional[str] = None) -> dict[str, Any]:
    """A Response as a run object: id, thread_id (the conversation), status,
    required_action built from the output's function calls and approval
    requests, and the run fields that have a counterpart."""
    status = run_status(response)
    required_action: Optional[dict[str, Any]] = None
    if status == "requires_action":
        calls, approvals = pending_function_calls(response), pending_approvals(response)
        kind = "submit_tool_outputs" if calls else "submit_tool_approval"
        action: dict[str, Any] = {"type": kind}
        if calls:
            action["submit_tool_outputs"] = {"tool_calls": calls}
        if approvals:
            action["submit_tool_approval"] = {"tool_calls": approvals}
        required_action = action
    error = response.get("error")
    instructions = response.get("instructions")
    agent = response.get("agent") or response.get("agent_reference")
    if assistant_id is None and isinstance(agent, dict) and isinstance(agent.get("name"), str):
        assistant_id = agent["name"]
    return {
        "id": response.get("id"),
        "object": "thread.run",
        "created_at": response.get("created_at"),
        "thread_id": conversation_id(response),
        "assistant_id": assistant_id,
        "status": status,
        "required_action": required_action,
        "last_error": error if isinstance(error, dict) else None,
        "incomplete_details": response.get("incomplete_details"),
        "completed_at": response.get("completed_at"),
        "model": response.get("model"),
        "instructions": instructions if isinstance(instructions, str) else None,
        "tools": response.get("tools") if isinstance(response.get("tools"), list) else [],
        "metadata": response.get("metadata") if isinstance(response.get("metadata"), dict) else {},
        "usage": _usage(response.get("usage")),
        "temperature": response.get("temperature"),
        "top_p": response.get("top_p"),
        "max_completion_tokens": response.get("max_output_tokens"),
        "tool_choice": response.get("tool_choice"),
        "parallel_tool_calls": response.get("parallel_tool_calls"),
    }


def conversation_as_thread(conversation: dict[str, Any]) -> dict[str, Any]:
    """A conversation as a thread: conversations hold no tool resources."""
    metadata = conversation.get("metadata")
    return {
        "id": conversation.get("id"),
        "object": "thread",
        "created_at": conversation.get("created_at"),
        "metadata": metadata if isinstance(metadata, dict) else {},
        "tool_resources": {},
    }


def _part_as_content(part: Any) -> Optional[dict[str, Any]]:
    if isinstance(part, str):
        return {"type": "text", "text": {"value": part, "annotations": []}}
    if not isinstance(part, dict):
        return None
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        annotations = part.get("annotations")
        return {
            "type": "text",
            "text": {
                "value": text_value(part.get("text")),
                "annotations": annotations if isinstance(annotations, list) else [],
            },
        }
    if kind == "input_image":
        detail = part.get("detail") or "auto"
        if isinstance(part.get("file_id"), str):
            return {"type": "image_file", "image_file": {"file_id": part["file_id"], "detail": detail}}
        if isinstance(part.get("image_url"), str):
            return {"type": "image_url", "image_url": {"url": part["image_url"], "detail": detail}}
    if kind == "refusal":
        return {"type": "refusal", "refusal": part.get("refusal") if isinstance(part.get("refusal"), str) else ""}
    return None


def item_as_message(item: dict[str, Any], thread_id: str, run_id: Optional[str] = None) -> dict[str, Any]:
    """A message item as a thread message. Items carry neither creation time
    nor metadata; input_file parts become attachments."""
    content = item.get("content")
    parts = content if isinstance(content, list) else [content] if isinstance(content, str) else []
    shaped = [found for found in (_part_as_content(part) for part in parts) if found is not None]
    files = [
        {"file_id": part["file_id"], "tools": []}
        for part in parts
        if isinstance(part, dict) and part.get("type") == "input_file" and isinstance(part.get("file_id"), str)
    ]
    return {
        "id": item.get("id"),
        "object": "thread.message",
        "created_at": item.get("created_at"),
        "thread_id": thread_id,
        "status": item.get("status") or "completed",
        "role": item.get("role"),
        "content": shaped,
        "assistant_id": None,
        "run_id": run_id,
        "attachments": files,
        "metadata": {},
    }


def output_text(response: Any) -> str:
    """The text of a response's output messages, joined as a thread's answer."""
    texts = []
    for item in _items(response.get("output") if isinstance(response, dict) else None):
        if item.get("type") == "message" and item.get("role") == "assistant":
            texts.append(
                "".join(
                    text_value(part.get("text"))
                    for part in _items(item.get("content"))
                    if part.get("type") == "output_text"
                )
            )
    return "\n".join(text for text in texts if text)


def output_item_ids(response: Any) -> list[str]:
    return [
        item["id"]
        for item in _items(response.get("output") if isinstance(response, dict) else None)
        if isinstance(item.get("id"), str)
    ]
