"""The API's endpoints over the store: request checks as the real API makes
them, and answers in the contract's shapes."""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any, Callable
from urllib.parse import unquote

from . import spec
from .store import ACTIVE, Conflict, NotFound, Store, public

MAX_METADATA_PAIRS, MAX_KEY, MAX_VALUE = 16, 64, 512
# Tool types the OpenAI contract knows; Foundry mode lets others through.
OPENAI_TOOL_TYPES = ("code_interpreter", "file_search", "function")
ASSISTANT_FIELDS = [
    "model",
    "name",
    "description",
    "instructions",
    "tools",
    "tool_resources",
    "metadata",
    "temperature",
    "top_p",
    "response_format",
    "reasoning_effort",
]


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        param: str | None = None,
        code: str | None = None,
        error_type: str = "invalid_request_error",
        subject: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message, self.param, self.code = message, param, code
        # What the error is about, for modes that word errors their own way:
        # "url" (no such route) or the kind of object not found ("thread"...).
        self.subject = subject
        self.payload = {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def check_body(schema: str | None, body: Any, allowed: list[str] | None = None) -> dict[str, Any]:
    """Refuse what the API refuses: unknown fields, missing ones, bad values."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    if schema is not None:
        unknown = spec.first_unknown_field(schema, body)
    else:
        unknown = next((key for key in body if key not in (allowed or [])), None)
    if unknown is not None:
        raise ApiError(400, f"Unknown parameter: '{unknown}'.", unknown, "unknown_parameter")
    if schema is not None:
        for error in spec.reported_errors(schema, body):
            if error.validator == "required":
                missing = re.findall(r"'([^']+)' is a required property", error.message)
                field = ".".join([str(p) for p in error.absolute_path] + missing[:1])
                raise ApiError(400, f"Missing required parameter: '{field}'.", field, "missing_required_parameter")
            field = ".".join(str(p) for p in error.absolute_path) or None
            raise ApiError(400, f"Invalid value for '{field}': {error.message[:200]}", field, "invalid_value")
    check_metadata(body.get("metadata"))
    return body


def check_metadata(metadata: Any) -> None:
    if not isinstance(metadata, dict):
        return
    if len(metadata) > MAX_METADATA_PAIRS:
        raise ApiError(
            400,
            f"Invalid 'metadata': too many properties. Expected at most {MAX_METADATA_PAIRS}.",
            "metadata",
            "object_above_max_properties",
        )
    for key, value in metadata.items():
        if len(key) > MAX_KEY:
            raise ApiError(
                400,
                f"Invalid 'metadata': key too long. Expected at most {MAX_KEY} characters.",
                "metadata",
                "string_above_max_length",
            )
        if not isinstance(value, str) or len(value) > MAX_VALUE:
            raise ApiError(
                400,
                f"Invalid 'metadata.{key}': expected a string of at most {MAX_VALUE} characters.",
                "metadata",
                "invalid_value",
            )


def page(objects: list[dict[str, Any]], query: dict[str, str], before: bool = False) -> dict[str, Any]:
    """A cursor page of `objects` (oldest first): limit 1..100 (20), order
    asc|desc (desc), after (and before, where the API has it)."""
    try:
        limit = int(query.get("limit", "20"))
    except ValueError:
        raise ApiError(400, "Invalid 'limit': expected an integer.", "limit", "invalid_value") from None
    if not 1 <= limit <= 100:
        raise ApiError(400, "Invalid 'limit': expected a value between 1 and 100.", "limit", "invalid_value")
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "Invalid 'order': expected 'asc' or 'desc'.", "order", "invalid_value")
    ordered = list(objects) if order == "asc" else list(reversed(objects))
    ids = [obj["id"] for obj in ordered]
    if query.get("after") in ids:
        ordered = ordered[ids.index(query["after"]) + 1 :]
    if before and "before" in query:
        remaining = [obj["id"] for obj in ordered]
        if query["before"] in remaining:
            ordered = ordered[: remaining.index(query["before"])]
    data = [public(obj) for obj in ordered[:limit]]
    return {
        "object": "list",
        "data": data,
        # The contract types both as strings, so an empty page has "" here.
        "first_id": data[0]["id"] if data else "",
        "last_id": data[-1]["id"] if data else "",
        "has_more": len(ordered) > limit,
    }


def listing(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    """A cursor page as the API gives it (limit, order, after, before), by creation time."""
    return page(sorted(items, key=lambda item: (item["created_at"], item["id"])), query, before=True)


Handler = Callable[..., Any]


class Stream:
    """An answer of server-sent events: (event, data) pairs, then [DONE]."""

    def __init__(self, events: list[tuple[str, Any]]) -> None:
        self.events = events

    def encode(self, count: int | None = None, error: dict[str, Any] | None = None) -> bytes:
        events = self.events if count is None else self.events[:count]
        chunks = [f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events]
        if error is not None:
            chunks.append(f"event: error\ndata: {json.dumps(error)}\n\n")
        elif count is None:
            chunks.append("event: done\ndata: [DONE]\n\n")
        return "".join(chunks).encode()


class Routes:
    """Maps (method, path) to a store call; answers (status, payload, schema)."""

    def __init__(self, store: Store, advance_on_poll: bool = True) -> None:
        self.store = store
        self.advance_on_poll = advance_on_poll
        # When set, a run (or background response) ends only this many seconds
        # after it was created, however often it is read: a model that takes time.
        self.run_seconds: float | None = None
        # Run every new run to its end before answering (runs then never block
        # a second create-run on their thread, as fast real runs would not).
        self.complete_on_create = False
        # Set by the server's mode (see modes.py): the query parameters that
        # filter messages by run, whether `stream: true` is honoured, whether
        # modifying an assistant needs `model`, whether tool types outside the
        # OpenAI contract pass (Foundry's bing_grounding, mcp, ...).
        self.run_id_params: tuple[str, ...] = ("run_id",)
        self.streams = True
        self.modify_requires_model = False
        self.foreign_tools = False
        # Off: no one-call thread and run. POST /threads/runs is answered 404
        # "thread not found", as servers that route it as /threads/{thread_id} do.
        self.thread_and_run = True
        seg = r"([^/]+)"
        self.table: list[tuple[str, re.Pattern[str], Handler, str | None]] = [
            ("POST", re.compile(r"/assistants"), self.create_assistant, None),
            ("GET", re.compile(r"/assistants"), self.list_assistants, None),
            ("GET", re.compile(rf"/assistants/{seg}"), self.get_assistant, None),
            ("POST", re.compile(rf"/assistants/{seg}"), self.modify_assistant, None),
            ("DELETE", re.compile(rf"/assistants/{seg}"), self.delete_assistant, None),
            ("POST", re.compile(r"/threads"), self.create_thread, "ThreadObject"),
            ("POST", re.compile(r"/threads/runs"), self.create_thread_and_run, "RunObject"),
            ("GET", re.compile(rf"/threads/{seg}"), self.get_thread, "ThreadObject"),
            ("POST", re.compile(rf"/threads/{seg}"), self.modify_thread, "ThreadObject"),
            ("DELETE", re.compile(rf"/threads/{seg}"), self.delete_thread, "DeleteThreadResponse"),
            ("POST", re.compile(rf"/threads/{seg}/messages"), self.create_message, "MessageObject"),
            ("GET", re.compile(rf"/threads/{seg}/messages"), self.list_messages, "ListMessagesResponse"),
            ("POST", re.compile(rf"/threads/{seg}/runs"), self.create_run, "RunObject"),
            ("GET", re.compile(rf"/threads/{seg}/runs"), self.list_runs, "ListRunsResponse"),
            ("GET", re.compile(rf"/threads/{seg}/runs/{seg}"), self.get_run, "RunObject"),
            ("POST", re.compile(rf"/threads/{seg}/runs/{seg}/cancel"), self.cancel_run, "RunObject"),
            (
                "POST",
                re.compile(rf"/threads/{seg}/runs/{seg}/submit_tool_outputs"),
                self.submit_tool_outputs,
                "RunObject",
            ),
            ("GET", re.compile(rf"/threads/{seg}/runs/{seg}/steps"), self.list_steps, "ListRunStepsResponse"),
        ]

    def dispatch(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, str | None]:
        for route_method, pattern, handler, schema in self.table:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                args = [unquote(group) for group in match.groups()]
                with self.store.lock:
                    try:
                        return 200, handler(*args, query=query, body=body), schema
                    except Conflict as exc:
                        raise ApiError(400, str(exc)) from None
                    except NotFound as exc:
                        raise ApiError(404, str(exc), subject=exc.kind) from None
        raise ApiError(404, f"Invalid URL ({method} /v1{path})", subject="url")

    def check(self, schema: str, body: Any) -> dict[str, Any]:
        """check_body, except that in Foundry mode tools (and a tool_choice)
        of types the OpenAI contract does not know are not held against it."""
        if not (self.foreign_tools and isinstance(body, dict)):
            return check_body(schema, body)
        tools, choice = body.get("tools"), body.get("tool_choice")
        foreign = isinstance(tools, list) and any(
            isinstance(t, dict) and t.get("type") not in OPENAI_TOOL_TYPES for t in tools
        )
        strip = {"tools"} if foreign else set()
        if isinstance(choice, dict) and choice.get("type") not in OPENAI_TOOL_TYPES:
            strip.add("tool_choice")
        if schema == "CreateRunRequest":  # Foundry takes per-run tool_resources (MCP headers...)
            strip.add("tool_resources")
        check_body(schema, {k: v for k, v in body.items() if k not in strip})
        return body

    # -- assistants -------------------------------------------------------
    def create_assistant(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        check_body(None, body, ASSISTANT_FIELDS)
        if not isinstance(body.get("model"), str) or not body["model"]:
            raise ApiError(400, "Missing required parameter: 'model'.", "model", "missing_required_parameter")
        return self.store.create_assistant(body)

    def list_assistants(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        return listing(list(self.store.assistants.values()), query)

    def get_assistant(self, assistant_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return self.store.assistant(assistant_id)

    def modify_assistant(self, assistant_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        check_body(None, body, ASSISTANT_FIELDS)
        if self.modify_requires_model and not body.get("model"):
            raise ApiError(400, "Missing required parameter: 'model'.", "model", "missing_required_parameter")
        assistant = self.store.assistant(assistant_id)
        assistant.update({key: value for key, value in body.items() if key in assistant})
        return assistant

    def delete_assistant(self, assistant_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.store.assistant(assistant_id)
        del self.store.assistants[assistant_id]
        return {"id": assistant_id, "object": "assistant.deleted", "deleted": True}

    # -- threads and messages --------------------------------------------
    def create_thread(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        return self.store.create_thread(check_body("CreateThreadRequest", {} if body is None else body))

    def get_thread(self, thread_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return self.store.thread(thread_id)

    def modify_thread(self, thread_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        body = check_body("ModifyThreadRequest", body)
        thread = self.store.thread(thread_id)
        thread.update({key: value for key, value in body.items() if value is not None})
        return thread

    def delete_thread(self, thread_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return self.store.delete_thread(thread_id)

    def create_message(self, thread_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return self.store.add_message(thread_id, check_body("CreateMessageRequest", body))

    def list_messages(self, thread_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.store.thread(thread_id)
        messages = self.store.messages[thread_id]
        run_id = next((query[name] for name in self.run_id_params if name in query), None)
        if run_id is not None:
            messages = [m for m in messages if m["run_id"] == run_id]
        return listing(messages, query)

    # -- runs ------------------------------------------------------------
    def create_run(self, thread_id: str, query: dict[str, str], body: Any) -> Any:
        body = self.check("CreateRunRequest", body)
        run = self.store.create_run(thread_id, {k: v for k, v in body.items() if k != "stream"})
        if body.get("stream") and self.streams:
            return self.stream(run, created=True)
        while self.complete_on_create and run["status"] in ("queued", "in_progress"):
            self.store.advance(run)
        return public(run)

    def create_thread_and_run(self, query: dict[str, str], body: Any) -> Any:
        if not self.thread_and_run:
            raise NotFound("thread", "runs")
        body = self.check("CreateThreadAndRunRequest", body)
        self.store.assistant(body["assistant_id"])
        thread = self.store.create_thread(body.get("thread") or {})
        if body.get("tool_resources"):
            thread["tool_resources"] = body["tool_resources"]
        run_body = {k: v for k, v in body.items() if k not in ("thread", "tool_resources", "stream")}
        run = self.store.create_run(thread["id"], run_body)
        return self.stream(run, created=True) if body.get("stream") and self.streams else public(run)

    def stream(self, run: dict[str, Any], created: bool = False) -> Stream:
        """Run to the end (or to requires_action) at once, as events."""
        events: list[tuple[str, Any]] = []
        if created:
            events.append(("thread.run.created", copy.deepcopy(public(run))))
        events.append((f"thread.run.{run['status']}", copy.deepcopy(public(run))))
        messages = self.store.messages[run["thread_id"]]
        while run["status"] in ACTIVE and run["status"] != "requires_action":
            known = len(messages)
            self.store.advance(run)
            for message in messages[known:]:
                events.extend(message_events(message))
            events.append((f"thread.run.{run['status']}", copy.deepcopy(public(run))))
        return Stream(events)

    def list_runs(self, thread_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.store.thread(thread_id)
        if self.advance_on_poll:
            self.store.advance_thread(thread_id)
        return listing(list(self.store.runs[thread_id].values()), query)

    def get_run(self, thread_id: str, run_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        run = self.store.run(thread_id, run_id)
        if run["status"] not in ("requires_action",) and self.moves_on(run):
            self.store.advance(run)
        return public(run)

    def moves_on(self, obj: dict[str, Any]) -> bool:
        """Whether a read moves a run (or response) on: every read, or with
        run_seconds, out of queued at once and to its end once its time is up."""
        if not self.advance_on_poll:
            return False
        if self.run_seconds is None or obj.get("status") == "queued":
            return True
        return time.monotonic() - obj.get("_since", 0.0) >= self.run_seconds

    def cancel_run(self, thread_id: str, run_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return public(self.store.cancel(thread_id, run_id))

    def submit_tool_outputs(self, thread_id: str, run_id: str, query: dict[str, str], body: Any) -> Any:
        if self.foreign_tools and isinstance(body, dict) and "tool_approvals" in body:
            return self.submit_tool_approvals(thread_id, run_id, body)
        body = check_body("SubmitToolOutputsRunRequest", body)
        run = self.store.submit_tool_outputs(thread_id, run_id, body["tool_outputs"])
        return self.stream(run) if body.get("stream") and self.streams else public(run)

    def submit_tool_approvals(self, thread_id: str, run_id: str, body: dict[str, Any]) -> Any:
        """Foundry: POST .../submit_tool_outputs with {"tool_approvals": [{"tool_call_id", "approve"}]}."""
        check_body(None, body, ["tool_approvals", "stream"])
        approvals = body["tool_approvals"]
        if not isinstance(approvals, list) or not all(
            isinstance(a, dict) and isinstance(a.get("tool_call_id"), str) and isinstance(a.get("approve"), bool)
            for a in approvals
        ):
            raise ApiError(
                400,
                "Invalid 'tool_approvals': expected a list of {tool_call_id: string, approve: boolean}.",
                "tool_approvals",
                "invalid_value",
            )
        run = self.store.submit_tool_approvals(thread_id, run_id, approvals)
        return self.stream(run) if body.get("stream") and self.streams else public(run)

    def list_steps(self, thread_id: str, run_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.store.run(thread_id, run_id)
        return listing(self.store.steps[run_id], query)


def message_events(message: dict[str, Any]) -> list[tuple[str, Any]]:
    """A finished message as the stream shows it: created, deltas, completed."""
    text = " ".join(p["text"]["value"] for p in message["content"] if p.get("type") == "text")
    opening = dict(message, status="in_progress", content=[], completed_at=None)
    events: list[tuple[str, Any]] = [("thread.message.created", opening), ("thread.message.in_progress", opening)]
    words = text.split(" ")
    for start in range(0, len(words), 3):
        chunk = " ".join(words[start : start + 3]) + (" " if start + 3 < len(words) else "")
        delta = {"content": [{"index": 0, "type": "text", "text": {"value": chunk, "annotations": []}}]}
        events.append(("thread.message.delta", {"id": message["id"], "object": "thread.message.delta", "delta": delta}))
    events.append(("thread.message.completed", copy.deepcopy(message)))
    return events
