# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task options -> Responses API request bodies (CreateResponse,
CreateConversationBody, message items), as ../shared/successors/mapping.md
maps them, checked against the contract's ranges before anything is sent.
Options without an equivalent are refused in one line naming the option and
the API. Plain Python."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

from .._errors import InvalidInput, NotCarried
from .._run_body import NEW_THREAD_ONLY, function_tools, task_message, tool_choice_value, tool_flags
from .._validation import check_metadata, merge_tools

API = "the Responses API"
MIN_OUTPUT_TOKENS = 16
INCLUDE = {"step_details.tool_calls[*].file_search.results[*].content": "file_search_call.results"}
# What a function tool lacks is filled in as the Assistants API meant it: the
# contract lists both as required on a Responses function tool.
EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}


def refuse(option: str, why: str) -> NotCarried:
    return NotCarried(f"{option} has no equivalent on {API} ({why}); remove it, or set api: assistants")


def _resources(resources: Any, kind: str, key: str) -> list[Any]:
    section = resources.get(kind) if isinstance(resources, dict) else None
    found = section.get(key) if isinstance(section, dict) else None
    return list(found) if isinstance(found, list) else []


def response_tool(tool: dict[str, Any], resources: Any = None) -> dict[str, Any]:
    """An Assistants tool as a Responses tool: flat function tools with
    strict and parameters, code_interpreter in an automatic container with the
    files of tool_resources, file_search over the vector stores of tool_resources.
    Tools already in the Responses shape (mcp, web_search...) pass as they are."""
    kind = tool.get("type")
    if kind == "function" and isinstance(tool.get("function"), dict):
        function = tool["function"]
        flat: dict[str, Any] = {"type": "function", "name": function["name"]}
        if function.get("description") is not None:
            flat["description"] = function["description"]
        flat["parameters"] = function.get("parameters") if isinstance(function.get("parameters"), dict) else None
        flat["strict"] = function.get("strict") is True
        tool = flat
    if kind == "function":
        tool = dict(tool)
        tool.setdefault("strict", False)
        if not isinstance(tool.get("parameters"), dict):
            tool["parameters"] = dict(EMPTY_PARAMETERS)
        return tool
    if kind == "code_interpreter" and "container" not in tool:
        container: dict[str, Any] = {"type": "auto"}
        files = _resources(resources, "code_interpreter", "file_ids")
        if files:
            container["file_ids"] = files
        return {"type": "code_interpreter", "container": container}
    if kind == "file_search" and "vector_store_ids" not in tool:
        stores = _resources(resources, "file_search", "vector_store_ids")
        if not stores:
            raise InvalidInput(
                f"file_search on {API} searches given vector stores: set tool_resources "
                "{file_search: {vector_store_ids: [...]}} on the assistant or the task"
            )
        mapped: dict[str, Any] = {"type": "file_search", "vector_store_ids": stores}
        options = tool.get("file_search")
        if isinstance(options, dict):
            mapped.update({k: v for k, v in options.items() if k in ("max_num_results", "ranking_options")})
        return mapped
    return dict(tool)


def tool_choice(choice: str) -> Any:
    """tool_choice as the Assistants API takes it, with a named function flat."""
    value = tool_choice_value(choice)
    if isinstance(value, dict) and isinstance(value.get("function"), dict):
        return {"type": "function", "name": value["function"]["name"]}
    return value


def text_format(response_format: Any, schema: Any) -> Optional[dict[str, Any]]:
    """response_format (and json_schema) as text.format; None for auto."""
    if response_format in (None, "auto"):
        if schema is not None:
            raise InvalidInput("json_schema is used only with response_format: json_schema")
        return None
    if isinstance(response_format, dict):
        kind = response_format.get("type")
        schema = response_format.get("json_schema", schema)
    else:
        kind = response_format
    if kind != "json_schema":
        if schema is not None and not isinstance(response_format, dict):
            raise InvalidInput("json_schema is used only with response_format: json_schema")
        return {"type": kind}
    if not isinstance(schema, dict) or not isinstance(schema.get("name"), str) or not schema["name"]:
        raise InvalidInput("response_format json_schema needs json_schema with a name and a schema")
    return dict({"schema": {}}, **schema, type="json_schema")


def content_parts(content: Any, role: str, where: str) -> Any:
    """A message's content (text, or Assistants content parts) as input content."""
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            text = part.get("text")
            value = text.get("value") if isinstance(text, dict) else text
            parts.append({"type": "input_text", "text": value if isinstance(value, str) else ""})
        elif kind == "image_file" and isinstance(part.get("image_file"), dict):
            image = part["image_file"]
            parts.append(
                {"type": "input_image", "file_id": image.get("file_id"), "detail": image.get("detail") or "auto"}
            )
        elif kind == "image_url" and isinstance(part.get("image_url"), dict):
            image = part["image_url"]
            parts.append(
                {"type": "input_image", "image_url": image.get("url"), "detail": image.get("detail") or "auto"}
            )
        elif kind in ("input_text", "input_image", "input_file"):
            parts.append(dict(part))
        else:
            raise InvalidInput(f"{where}.content[{index}] has type {kind!r}, which has no equivalent on {API}")
    if role == "assistant":
        # An assistant's earlier words are text: input content parts are the user's kinds.
        return "".join(part.get("text", "") for part in parts if part["type"] == "input_text")
    return parts


def message_item(message: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A CreateMessageRequest (role, content, attachments) as a message item;
    attachments become input_file parts. Items carry no metadata."""
    if message.get("metadata"):
        raise refuse(f"{where}.metadata", "conversation items have no metadata")
    role = message.get("role") or "user"
    content = content_parts(message["content"], role, where)
    files = [
        {"type": "input_file", "file_id": attachment["file_id"]}
        for attachment in message.get("attachments") or []
        if isinstance(attachment, dict) and isinstance(attachment.get("file_id"), str)
    ]
    if files:
        if role == "assistant":
            raise InvalidInput(f"{where}: attachments belong to user messages on {API}")
        content = ([{"type": "input_text", "text": content}] if isinstance(content, str) else content) + files
    return {"type": "message", "role": role, "content": content}


def conversation_body(metadata: Any, messages: list[dict[str, Any]], where: str = "messages") -> dict[str, Any]:
    body: dict[str, Any] = {}
    if metadata is not None:
        body["metadata"] = check_metadata(metadata)
    if messages:
        if len(messages) > 20:
            raise InvalidInput(f"{where} holds {len(messages)} messages; a conversation starts with at most 20")
        body["items"] = [message_item(m, f"{where}[{i}]") for i, m in enumerate(messages)]
    return body


def check_run_options(params: Mapping[str, Any]) -> None:
    """Refuse the run options that have no Responses counterpart, before anything is sent."""
    if params.get("max_prompt_tokens") is not None:
        raise refuse("max_prompt_tokens", "only max_completion_tokens maps, to max_output_tokens")
    if params.get("truncation_strategy") == "last_messages" or params.get("last_messages") is not None:
        raise refuse("truncation_strategy last_messages", "truncation is auto or disabled")
    for option, low, high in (("temperature", 0, 2), ("top_p", 0, 1)):
        value = params.get(option)
        if value is not None and not low <= value <= high:
            raise InvalidInput(f"{option} must be between {low} and {high}, got {value:g}")
    tokens = params.get("max_completion_tokens")
    if tokens is not None and tokens < MIN_OUTPUT_TOKENS:
        raise InvalidInput(f"max_completion_tokens must be {MIN_OUTPUT_TOKENS} or more on {API}, got {tokens}")


def run_tools(params: Mapping[str, Any], definition: Mapping[str, Any], resources: Any) -> Optional[list[Any]]:
    """The run's tools: the task's tools and functions, else the definition's,
    with the tool switches applied; None when neither has any."""
    if params.get("tools") is not None or params.get("functions") is not None:
        requested = list(params.get("tools") or []) + function_tools(params.get("functions") or [])
    elif isinstance(definition.get("tools"), list):
        requested = list(definition["tools"])
    else:
        requested = []
    merged = merge_tools(requested, tool_flags(dict(params)), "tools")
    if not merged and "tools" not in definition and params.get("tools") is None:
        return None
    return [response_tool(tool, resources) for tool in merged]


def response_body(
    params: Mapping[str, Any],
    definition: Mapping[str, Any],
    conversation: Optional[str],
    agent: Optional[dict[str, Any]] = None,
    new_thread: bool = False,
) -> dict[str, Any]:
    """The CreateResponse body of a run: what the assistant definition holds
    (or an agent_reference on Foundry) and what the task sets over it.
    additional_instructions is appended to the instructions, so that it lasts
    this run only, as it does on the Assistants API."""
    check_run_options(params)
    if not new_thread:
        for option in NEW_THREAD_ONLY:
            if params.get(option) is not None:
                where = "when the run starts a new thread (thread omitted)"
                raise InvalidInput(f"{option} can be used only {where}")
    body: dict[str, Any] = {}
    if agent is not None:
        body["agent_reference"] = agent
    model = params.get("model") or definition.get("model")
    if model:
        body["model"] = model
    elif agent is None:
        raise InvalidInput(f"the assistant has no model; on {API} the run needs one: pass the definition or model")
    instructions = params.get("instructions")
    if instructions is None:
        instructions = definition.get("instructions")
    if params.get("additional_instructions"):
        instructions = f"{instructions or ''}\n{params['additional_instructions']}".strip()
    if instructions is not None:
        body["instructions"] = instructions
    # Conversations hold no tool resources: the run's tools carry their files and vector stores.
    resources = params.get("thread_tool_resources") or params.get("tool_resources") or definition.get("tool_resources")
    tools = run_tools(params, definition if agent is None else {}, resources)
    if tools is not None:
        body["tools"] = tools
    for option in ("temperature", "top_p"):
        value = params.get(option)
        value = definition.get(option) if value is None else value
        if value is not None:
            body[option] = value
    if params.get("parallel_tool_calls") is not None:
        body["parallel_tool_calls"] = params["parallel_tool_calls"]
    if params.get("max_completion_tokens") is not None:
        body["max_output_tokens"] = params["max_completion_tokens"]
    if params.get("tool_choice") is not None:
        body["tool_choice"] = tool_choice(params["tool_choice"])
    form = params.get("response_format")
    schema = params.get("json_schema")
    fmt = text_format(form if form is not None else definition.get("response_format"), schema)
    if fmt is not None:
        body["text"] = {"format": fmt}
    if params.get("reasoning_effort") is not None:
        body["reasoning"] = {"effort": params["reasoning_effort"]}
    if params.get("truncation_strategy") == "auto":
        body["truncation"] = "auto"
    if params.get("include"):
        body["include"] = [INCLUDE[field] for field in params["include"]]
    if params.get("metadata") is not None:
        body["metadata"] = check_metadata(params["metadata"])
    messages = [dict(m) for m in params.get("additional_messages") or []]
    own = task_message(dict(params))
    items = [message_item(m, f"additional_messages[{i}]") for i, m in enumerate(messages)]
    if own is not None and not new_thread:
        items.append(message_item(own, "thread_message"))
    if items:
        body["input"] = items
    if conversation is not None:
        body["conversation"] = conversation
    body["store"] = True
    if params.get("stream"):
        body["stream"] = True
    else:
        # Background responses can be polled and cancelled, as runs can.
        body["background"] = True
    body.update(params.get("body") or {})
    return body


def function_outputs_input(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """tool_outputs ({tool_call_id, output}) as function_call_output items."""
    return [
        {
            "type": "function_call_output",
            "call_id": item["tool_call_id"],
            "output": item["output"] if isinstance(item["output"], str) else json.dumps(item["output"]),
        }
        for item in outputs
    ]


def approvals_input(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "mcp_approval_response", "approval_request_id": d["tool_call_id"], "approve": d["approve"]}
        for d in decisions
    ]


def follow_up_body(answered: Mapping[str, Any], items: list[dict[str, Any]], stream: bool) -> dict[str, Any]:
    """The response that carries tool outputs (or approvals) on: the model,
    instructions and tools of the answered response, on its conversation."""
    body: dict[str, Any] = {"input": items}
    # Not tool_choice: "required" or a named function would force another call after the outputs.
    for field in ("model", "instructions", "tools", "temperature", "top_p", "parallel_tool_calls"):
        if answered.get(field) is not None:
            body[field] = answered[field]
    if isinstance(answered.get("text"), dict) and answered["text"].get("format"):
        body["text"] = {"format": answered["text"]["format"]}
    if answered.get("max_output_tokens") is not None:
        body["max_output_tokens"] = answered["max_output_tokens"]
    agent = answered.get("agent") or answered.get("agent_reference")
    if isinstance(agent, dict) and isinstance(agent.get("name"), str):
        body["agent_reference"] = {"type": "agent_reference", "name": agent["name"]}
        if isinstance(agent.get("version"), str):
            body["agent_reference"]["version"] = agent["version"]
    conversation = answered.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("id"), str):
        body["conversation"] = conversation["id"]
    elif isinstance(answered.get("id"), str):
        body["previous_response_id"] = answered["id"]
    if isinstance(answered.get("metadata"), dict) and answered["metadata"]:
        body["metadata"] = dict(answered["metadata"])
    body["store"] = True
    if stream:
        body["stream"] = True
    else:
        body["background"] = True
    return body
