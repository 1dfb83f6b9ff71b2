"""Conversation and response items: input items (as a request gives them)
turned into stored items (as the contract's ConversationItem/ItemResource
describe them), the local model's output items, and reading text back."""

from __future__ import annotations

import json
from typing import Any, Callable

from .routes import ApiError

NewId = Callable[[str], str]
# Input item types the local server stores; others are refused with 400.
STORED_TYPES = ("message", "function_call", "function_call_output", "mcp_approval_request", "mcp_approval_response")


def as_items(given: Any) -> list[dict[str, Any]]:
    """`input` (a string or a list of items) as a list of input items."""
    if given is None:
        return []
    if isinstance(given, str):
        return [{"type": "message", "role": "user", "content": given}]
    return list(given)


def text_part(role: str, text: str) -> dict[str, Any]:
    if role == "assistant":
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {"type": "input_text", "text": text}


def _part(role: str, part: dict[str, Any]) -> dict[str, Any]:
    if role == "assistant" and part.get("type") == "input_text":  # an assistant's text is output text
        return text_part(role, part["text"])
    if part.get("type") == "output_text":  # the stored part carries what the contract requires
        return {"annotations": [], "logprobs": [], **part}
    return dict(part)


def stored(item: dict[str, Any], new_id: NewId) -> dict[str, Any]:
    """An input item as the conversation keeps it: a new ID (but for an MCP
    approval request), a status, the contract's shapes (messages with parts)."""
    kind = item.get("type") or "message"
    if kind == "message":
        content = item["content"]
        role = item["role"]
        parts = [text_part(role, content)] if isinstance(content, str) else [_part(role, p) for p in content]
        return {"type": "message", "id": new_id("msg"), "status": "completed", "role": role, "content": parts}
    if kind == "function_call_output":
        return {
            "type": kind,
            "id": new_id("fco"),
            "call_id": item["call_id"],
            "output": item["output"],
            "status": "completed",
        }
    if kind == "function_call":
        fields = {key: item[key] for key in ("call_id", "name", "arguments")}
        return {"type": kind, "id": new_id("fc"), **fields, "status": "completed"}
    if kind == "mcp_approval_request":  # keeps its ID: approvals in the same input refer to it
        return {"type": kind, **{key: item[key] for key in ("id", "server_label", "name", "arguments")}}
    if kind == "mcp_approval_response":
        return {
            "type": kind,
            "id": new_id("mcpa"),
            "approval_request_id": item["approval_request_id"],
            "approve": item["approve"],
            "reason": item.get("reason"),
        }
    raise ApiError(
        400,
        f"The local server does not store input items of type '{kind}' (it stores {', '.join(STORED_TYPES)}).",
        "input",
        "invalid_value",
    )


def message_text(item: dict[str, Any]) -> str:
    """The text of a stored message item (its text parts joined)."""
    return " ".join(
        part.get("text", "") for part in item.get("content", []) if part.get("type") in ("input_text", "output_text")
    )


def last_user_text(items: list[dict[str, Any]]) -> str | None:
    users = [item for item in items if item["type"] == "message" and item["role"] == "user"]
    return message_text(users[-1]) if users else None


def output_message(text: str, new_id: NewId, status: str = "completed") -> dict[str, Any]:
    return {
        "type": "message",
        "id": new_id("msg"),
        "status": status,
        "role": "assistant",
        "content": [text_part("assistant", text)],
    }


def function_call(tool: dict[str, Any], new_id: NewId) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": new_id("fc"),
        "call_id": new_id("call"),
        "name": tool["name"],
        "arguments": json.dumps({}),
        "status": "completed",
    }


def approval_request(tool: dict[str, Any], new_id: NewId) -> dict[str, Any]:
    allowed = tool.get("allowed_tools")
    names = allowed if isinstance(allowed, list) and allowed else ["search"]
    return {
        "type": "mcp_approval_request",
        "id": new_id("mcpr"),
        "server_label": tool.get("server_label", ""),
        "name": names[0],
        "arguments": json.dumps({}),
    }


def needs_approval(tool: dict[str, Any]) -> bool:
    """An MCP tool asks before each call unless require_approval is "never" (default "always")."""
    return tool.get("type") == "mcp" and tool.get("require_approval") != "never"


def words(items: list[dict[str, Any]]) -> int:
    """The local model's token count: words of the messages' text."""
    return sum(len(message_text(item).split()) for item in items if item["type"] == "message")


def check_tool_answers(given: list[dict[str, Any]], history: list[dict[str, Any]]) -> None:
    """Each tool output answers a call the response can see, and no call
    it can see is left without an output (as the API refuses)."""
    seen = history + given
    calls = {i["call_id"] for i in seen if i["type"] == "function_call"}
    outputs = {i["call_id"] for i in seen if i["type"] == "function_call_output"}
    requests = {i["id"] for i in seen if i["type"] == "mcp_approval_request"}
    for item in given:
        if item["type"] == "function_call_output" and item["call_id"] not in calls:
            raise ApiError(
                400,
                f"No tool call found for function call output with call_id {item['call_id']}.",
                "input",
                "invalid_value",
            )
        if item["type"] == "mcp_approval_response" and item["approval_request_id"] not in requests:
            raise ApiError(
                400,
                f"No MCP approval request found with id {item['approval_request_id']}.",
                "input",
                "invalid_value",
            )
    unanswered = sorted(calls - outputs)
    if unanswered:
        raise ApiError(400, f"No tool output found for function call {unanswered[0]}.", "input", "invalid_value")
