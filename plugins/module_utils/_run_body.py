# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task options -> the body of a create-run call (CreateRunRequest, or
CreateThreadAndRunRequest when the run starts a new thread), checked against
the contract's ranges before anything is sent. Plain Python.

On a new thread, the thread's own fields (its messages, metadata and tool
resources: CreateThreadRequest) go under `thread`; `additional_messages`,
which CreateThreadAndRunRequest does not define, become the first of the new
thread's messages, ahead of `thread_message`, as PSOpenAI's Start-ThreadRun
does. A run with neither messages nor thread fields sends no `thread` at all:
the server starts it on an empty thread (openai-python's
create_and_run(assistant_id=...))."""

from __future__ import annotations

from typing import Any

from ._errors import InvalidInput
from ._validation import check_metadata, merge_tools

# Options sent as they are, when the task sets them.
PLAIN_FIELDS = ("model", "instructions", "parallel_tool_calls")
# Fields CreateThreadAndRunRequest does not define: only for an existing thread.
EXISTING_THREAD_ONLY = ("additional_instructions", "reasoning_effort", "include")
# Fields that only make sense when the run creates its thread: the thread-and-run
# request's own tool_resources, and the new thread's (CreateThreadRequest) fields.
NEW_THREAD_ONLY = ("tool_resources", "thread_metadata", "thread_tool_resources")
TOOL_FLAGS = {"use_code_interpreter": "code_interpreter", "use_retrieval": "file_search"}
REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"]
INCLUDE_FIELDS = ["step_details.tool_calls[*].file_search.results[*].content"]
MIN_TOKENS = 256
# Beyond this, a JSON number loses digits in many parsers (IEEE 754 doubles).
MAX_JSON_INTEGER = 2**53 - 1


def tool_flags(params: dict[str, Any]) -> dict[str, bool | None]:
    return {kind: params.get(option) for option, kind in TOOL_FLAGS.items()}


def needs_assistant_tools(params: dict[str, Any]) -> bool:
    """A tool switch without `tools` or `functions` changes the assistant's own
    tools, so the assistant has to be read first."""
    explicit = params.get("tools") is not None or params.get("functions") is not None
    return not explicit and any(v is not None for v in tool_flags(params).values())


def function_tools(functions: list[Any]) -> list[dict[str, Any]]:
    tools = []
    for index, function in enumerate(functions):
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
            raise InvalidInput(f"functions[{index}] needs a name, e.g. {{name: get_weather, parameters: {{...}}}}")
        unknown = sorted(set(function) - {"name", "description", "parameters", "strict"})
        if unknown:
            raise InvalidInput(
                f"functions[{index}] has unknown keys {unknown}; use name, description, parameters, strict"
            )
        tools.append({"type": "function", "function": dict(function)})
    return tools


def tool_choice_value(choice: str) -> Any:
    """none/auto/required as they are; a built-in tool or a function name as
    the named-tool object the contract wants."""
    if choice in ("none", "auto", "required"):
        return choice
    if choice in ("code_interpreter", "file_search"):
        return {"type": choice}
    if not choice:
        raise InvalidInput("tool_choice is empty; use none, auto, required, a built-in tool or a function name")
    return {"type": "function", "function": {"name": choice}}


def response_format_value(params: dict[str, Any]) -> Any:
    kind = params["response_format"]
    if kind == "auto":
        return "auto"
    if kind != "json_schema":
        if params.get("json_schema") is not None:
            raise InvalidInput("json_schema is used only with response_format: json_schema")
        return {"type": kind}
    schema = params.get("json_schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("name"), str) or not schema["name"]:
        raise InvalidInput("response_format json_schema needs json_schema with a name and a schema")
    return {"type": "json_schema", "json_schema": schema}


def truncation_value(params: dict[str, Any]) -> dict[str, Any]:
    """The TruncationObject: `last_messages` goes with either type, as the
    contract allows (openai-python sends {type: auto, last_messages: 1});
    type last_messages needs it."""
    kind, count = params["truncation_strategy"], params.get("last_messages")
    if count is not None and count < 1:
        raise InvalidInput(f"last_messages must be 1 or more, got {count}")
    if kind == "auto":
        return {"type": "auto"} if count is None else {"type": "auto", "last_messages": count}
    if count is None:
        raise InvalidInput("truncation_strategy last_messages needs last_messages of 1 or more")
    return {"type": "last_messages", "last_messages": count}


def check_ranges(params: dict[str, Any]) -> None:
    for option, low, high in (("temperature", 0, 2), ("top_p", 0, 1)):
        value = params.get(option)
        if value is not None and not low <= value <= high:
            raise InvalidInput(f"{option} must be between {low} and {high}, got {value:g}")
    for option in ("max_prompt_tokens", "max_completion_tokens", "last_messages"):
        value = params.get(option)
        if isinstance(value, int) and abs(value) > MAX_JSON_INTEGER:
            raise InvalidInput(
                f"{option} must be at most {MAX_JSON_INTEGER} (2^53 - 1, the largest integer JSON carries exactly), "
                f"got a number of {len(str(abs(value)))} digits"
            )
    for option in ("max_prompt_tokens", "max_completion_tokens"):
        value = params.get(option)
        if value is not None and value < MIN_TOKENS:
            raise InvalidInput(f"{option} must be {MIN_TOKENS} or more, got {value}")
    if params.get("last_messages") is not None and params.get("truncation_strategy") is None:
        raise InvalidInput("last_messages is used only with truncation_strategy (auto or last_messages)")


def message_content(text: str, images: list[str] | None, detail: str | None) -> Any:
    if not images:
        return text
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    for image in images:
        if not isinstance(image, str) or not image:
            raise InvalidInput("images holds an empty entry; give file IDs or image URLs")
        if image.startswith(("http://", "https://", "data:")):
            part: dict[str, Any] = {"type": "image_url", "image_url": {"url": image}}
            key = "image_url"
        else:
            part, key = {"type": "image_file", "image_file": {"file_id": image}}, "image_file"
        if detail:
            part[key]["detail"] = detail
        parts.append(part)
    return parts


def check_message(message: Any, where: str) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise InvalidInput(f"{where} must be a dict with role and content")
    unknown = sorted(set(message) - {"role", "content", "attachments", "metadata"})
    if unknown:
        raise InvalidInput(f"{where} has unknown keys {unknown}; use role, content, attachments, metadata")
    if message.get("role") not in ("user", "assistant"):
        raise InvalidInput(f"{where}.role must be user or assistant, got {message.get('role')!r}")
    content = message.get("content")
    if not content or not isinstance(content, (str, list)):
        raise InvalidInput(f"{where}.content must be a non-empty string or a list of content parts")
    if message.get("metadata") is not None:
        check_metadata(message["metadata"], f"{where}.metadata")
    return message


def task_message(params: dict[str, Any]) -> dict[str, Any] | None:
    """The task's `thread_message` (with role, images, attachments) as a CreateMessageRequest."""
    if params.get("thread_message") is None:
        for option in ("images", "attachments"):
            if params.get(option):
                raise InvalidInput(f"{option} belongs to a message: set thread_message too")
        return None
    if not params["thread_message"] and not params.get("images"):
        raise InvalidInput("thread_message is empty; give its text")
    message: dict[str, Any] = {
        "role": params.get("role") or "user",
        "content": message_content(params["thread_message"], params.get("images"), params.get("image_detail")),
    }
    if params.get("attachments"):
        message["attachments"] = params["attachments"]
    if params.get("message_metadata") is not None:
        message["metadata"] = check_metadata(params["message_metadata"], "message_metadata")
    return message


def new_thread_fields(params: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The new thread of a thread-and-run call (CreateThreadRequest): its
    messages, metadata and tool resources, each only when given."""
    thread: dict[str, Any] = {}
    if messages:
        thread["messages"] = messages
    if params.get("thread_metadata") is not None:
        thread["metadata"] = check_metadata(params["thread_metadata"], "thread_metadata")
    if params.get("thread_tool_resources") is not None:
        thread["tool_resources"] = params["thread_tool_resources"]
    return thread


def merged(built: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`built` with `extra` merged in: a dict in both is merged key by key (so
    body: {thread: {metadata: ...}} keeps the thread's messages), anything
    else in `extra` replaces what was built."""
    out = dict(built)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def build_run_body(params: dict[str, Any], assistant_id: str, new_thread: bool) -> dict[str, Any]:
    """The body for POST /threads/{id}/runs, or for POST /threads/runs when
    new_thread: assistant_id and only what the task set, with `body`
    merged in last."""
    check_ranges(params)
    misplaced = NEW_THREAD_ONLY if not new_thread else EXISTING_THREAD_ONLY
    for option in misplaced:
        if params.get(option) is not None:
            where = "when the run starts a new thread (thread omitted)" if not new_thread else "with an existing thread"
            raise InvalidInput(f"{option} can be used only {where}")
    body: dict[str, Any] = {"assistant_id": assistant_id}
    for option in PLAIN_FIELDS:
        if params.get(option) is not None:
            body[option] = params[option]
    for option in (
        "temperature",
        "top_p",
        "max_prompt_tokens",
        "max_completion_tokens",
        "additional_instructions",
        "reasoning_effort",
        "tool_resources",
    ):
        if params.get(option) is not None:
            body[option] = params[option]
    if params.get("tools") is not None or params.get("functions") is not None:
        requested = list(params.get("tools") or []) + function_tools(params.get("functions") or [])
        body["tools"] = merge_tools(requested, tool_flags(params))
    if params.get("metadata") is not None:
        body["metadata"] = check_metadata(params["metadata"])
    if params.get("truncation_strategy") is not None:
        body["truncation_strategy"] = truncation_value(params)
    if params.get("tool_choice") is not None:
        body["tool_choice"] = tool_choice_value(params["tool_choice"])
    if params.get("response_format") is not None:
        body["response_format"] = response_format_value(params)
    elif params.get("json_schema") is not None:
        raise InvalidInput("json_schema is used only with response_format: json_schema")
    messages = [
        check_message(m, f"additional_messages[{i}]") for i, m in enumerate(params.get("additional_messages") or [])
    ]
    message = task_message(params)
    messages += [message] if message is not None else []
    if new_thread:
        thread = new_thread_fields(params, messages)
        if thread:
            body["thread"] = thread
    elif messages:
        body["additional_messages"] = messages
    return merged(body, params.get("body") or {})
