# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Responses API (OpenAI Conversations + Responses, and Foundry's new
Agent Service) behind the cores' calls: a thread is a conversation, a message
a message item, a run a background response, an assistant a definition kept
by the task (OpenAI) or an agent version (Foundry). Plain Python.

Each call returns the collection's shape; the raw object it came from is kept
in `raw` (conversation, item(s), response, agent) for the result to carry
beside it. OpenAI lists neither conversations nor responses, and items carry
no metadata, so a creation whose answer is lost is never sent again: the
failure names the marker and the conversation."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

from .._client import OpenAIClient, path_segment
from .._errors import BadAnswer, InvalidInput, OpenAIError, expect_object
from .._ids import from_json_text, resolve_id
from .._once import send_once, with_marker
from .._polling import wait_for_run
from .._resources import pages
from .._run_body import task_message
from .._streaming import StreamFailed
from . import response_bodies as bodies
from . import response_shapes as shapes
from .base import WireAPI
from .foundry_agents import FoundryAgents, agent_as_assistant, project_base
from .response_stream import ResponseStream, read_response_stream

NAME = "responses"
LOCAL_ID_PREFIX = "local_definition_"
# The assistant settings a local definition keeps (what a run needs of it).
DEFINITION_FIELDS = (
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
API = bodies.API


def local_definition(desired: Mapping[str, Any]) -> dict[str, Any]:
    """An assistant kept by the task, not the server: its ID is a digest of its
    settings, so the same definition has the same ID in every run."""
    kept = {key: desired[key] for key in DEFINITION_FIELDS if desired.get(key) is not None}
    digest = hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:24]
    return dict(kept, id=f"{LOCAL_ID_PREFIX}{digest}", object="assistant", created_at=0)


def assistant_definition(value: Any) -> Optional[dict[str, Any]]:
    """The assistant object a task was given (an object or a registered
    result, also as JSON text), or None when it names the assistant only."""
    value = from_json_text(value)
    if isinstance(value, dict) and isinstance(value.get("assistant"), dict):
        value = value["assistant"]
    if isinstance(value, dict) and value.get("object") in (None, "assistant") and "id" in value:
        return value
    return None


class ResponsesAPI(WireAPI):
    name = NAME

    def __init__(
        self, client: Callable[[], OpenAIClient], warn: Callable[[str], None], made: dict[str, Any], api_base: str
    ) -> None:
        super().__init__(client, warn, made)
        self.project = project_base(api_base)
        self.foundry = self.project is not None
        # OpenAI keeps no assistants: the task keeps a definition instead.
        self.keeps_assistants = self.foundry

    # -- where things are --------------------------------------------------
    def url(self, *segments: str) -> str:
        if self.project is not None and self.client.api_base.rstrip("/") == self.project:
            raise InvalidInput(
                f"on a Foundry project endpoint, {API} needs api_base to be the project's OpenAI-compatible "
                f"endpoint, such as {self.project}/openai/v1 (as the Foundry portal shows it): its path is not "
                "confirmed in Microsoft's published specifications, so it is not guessed"
            )
        return self.client.url(*segments)

    def conversation_url(self, conversation: str, *rest: str) -> str:
        return self.url("conversations", path_segment(conversation, "thread"), *rest)

    def response_url(self, response: str, *rest: str) -> str:
        return self.url("responses", path_segment(response, "run"), *rest)

    def agents(self) -> FoundryAgents:
        if self.project is None:
            raise InvalidInput(f"agents exist on Foundry project endpoints only, not on {self.client.api_base}")
        return FoundryAgents(self.client, self.project)

    # -- assistants ----------------------------------------------------------

    def definition(self, desired: Mapping[str, Any]) -> dict[str, Any]:
        return local_definition(desired)

    def find_assistant(self, params: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        name = params.get("name")
        if params.get("id") is not None:
            name = resolve_id(params["id"], "id", "assistant").split(":", 1)[0]
        if not name:
            raise InvalidInput("give id or name to find the assistant")
        latest = self.agents().latest(name)
        if latest is None:
            return None
        self.raw["agent"] = latest
        return agent_as_assistant(latest)

    def create_assistant(self, desired: dict[str, Any], marker: Optional[str]) -> dict[str, Any]:
        from .foundry_agents import check_name, version_body

        name = check_name(desired.get("name"))
        version = self.agents().create_version(name, version_body(desired), marker, self.made)
        self.raw["agent"] = version
        return agent_as_assistant(version)

    def update_assistant(
        self, current: dict[str, Any], changes: dict[str, Any], marker: Optional[str]
    ) -> dict[str, Any]:
        """Agents are immutable: a changed definition is a new version of the whole."""
        merged = {key: current.get(key) for key in DEFINITION_FIELDS if current.get(key) is not None}
        merged.update(changes)
        merged["name"] = current["name"]
        return self.create_assistant(merged, marker)

    def delete_assistant(self, current: dict[str, Any]) -> None:
        self.agents().delete(str(current["name"]))

    def run_assistant(self, value: Any) -> tuple[dict[str, Any], Optional[dict[str, Any]]]:
        """(definition, agent_reference) for a run: on OpenAI the definition the
        task was given; on Foundry a reference to the agent (and its settings,
        when given as an object)."""
        found = assistant_definition(value)
        if not self.foundry:
            if found is None:
                shown = resolve_id(value, "assistant", "assistant")
                raise InvalidInput(
                    f"assistant {shown!r} names an assistant; OpenAI keeps none on {API}: pass the definition "
                    "(the registered result of openai_assistant, or its assistant)"
                )
            return found, None
        if found is not None:
            name, _sep, version = str(found.get("name") or found["id"]).partition(":")
            version = str(found.get("version") or version or "")
        else:
            name, _sep, version = resolve_id(value, "assistant", "assistant").partition(":")
        reference = {"type": "agent_reference", "name": name}
        if version:
            reference["version"] = version
        return found or {}, reference

    # -- threads -------------------------------------------------------------
    def thread_body(
        self, wanted: Mapping[str, Any], messages: list[dict[str, Any]], where: str = "messages"
    ) -> dict[str, Any]:
        if wanted.get("tool_resources"):
            raise bodies.refuse(
                "tool_resources", "conversations hold no tool resources: give them to the assistant or the run"
            )
        return bodies.conversation_body(wanted.get("metadata"), messages, where)

    def describe_create_thread(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.client.describe("POST", self.url("conversations"), body)

    def create_thread(self, body: dict[str, Any], marker: Optional[str]) -> dict[str, Any]:
        body, marker = with_marker(body, marker)
        url = self.url("conversations")

        def send() -> dict[str, Any]:
            answer = self.client.request("POST", url, body, retry_server_errors=False)
            return expect_object(answer, f"POST {url}", "conversation", ("id",))

        conversation: dict[str, Any] = send_once(self.client, send, "a conversation", marker, made=self.made)
        self.raw["conversation"] = conversation
        return shapes.conversation_as_thread(conversation)

    def read_thread(self, thread_id: str) -> dict[str, Any]:
        url = self.conversation_url(thread_id)
        conversation = expect_object(self.client.request("GET", url), f"GET {url}", "conversation", ("id",))
        self.raw["conversation"] = conversation
        return shapes.conversation_as_thread(conversation)

    def update_thread(self, thread_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        if changes.get("tool_resources"):
            raise bodies.refuse("tool_resources", "conversations hold no tool resources")
        url = self.conversation_url(thread_id)
        answer = self.client.request("POST", url, {"metadata": changes.get("metadata") or {}})
        conversation = expect_object(answer, f"POST {url}", "conversation", ("id",))
        self.raw["conversation"] = conversation
        return shapes.conversation_as_thread(conversation)

    def delete_thread(self, thread_id: str) -> dict[str, Any]:
        deleted = self.client.request("DELETE", self.conversation_url(thread_id))
        self.raw["conversation"] = deleted
        return {"id": thread_id, "object": "thread.deleted", "deleted": True}

    # -- messages ------------------------------------------------------------
    def check_message(self, body: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        if params.get("wait_for_active_run") and not self.foundry:
            raise bodies.refuse("wait_for_active_run", "OpenAI lists no responses of a conversation to wait for")
        return bodies.message_item(body, "message")

    def _wait_for_active_runs(self, thread_id: str, params: Mapping[str, Any]) -> None:
        """Foundry lists a conversation's responses: wait for those still
        running before the message is added, within one wait_timeout."""
        deadline = time.monotonic() + float(params["wait_timeout"])
        query = {"conversation_id": thread_id, "limit": 20, "order": "desc"}
        listed = pages(self.client, self.url("responses"), query, False, self.warn)
        for response in [item for item in listed if isinstance(item, dict)]:
            run = shapes.response_as_run(response)
            if run["status"] not in ("queued", "in_progress"):
                continue
            left = max(deadline - time.monotonic(), 0.001)
            wait_for_run(
                self.poll_run, run, dict(params, wait_timeout=left, status_for_wait=None, status_for_exit=None)
            )

    def describe_add_message(self, thread_id: str, body: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        item = self.check_message(body, params)
        return self.client.describe("POST", self.conversation_url(thread_id, "items"), {"items": [item]})

    def add_message(
        self, thread_id: str, body: Mapping[str, Any], params: Mapping[str, Any], marker: Optional[str]
    ) -> dict[str, Any]:
        item = self.check_message(body, params)
        url = self.conversation_url(thread_id, "items")
        if params.get("wait_for_active_run"):
            self._wait_for_active_runs(thread_id, params)

        def send() -> dict[str, Any]:
            answer = self.client.request("POST", url, {"items": [item]}, retry_server_errors=False)
            listed = expect_object(answer, f"POST {url}", "list")
            data = listed.get("data")
            if not isinstance(data, list) or not data or not isinstance(data[0], dict):
                raise BadAnswer(f"POST {url} answered no item")
            return data[0]

        # Items carry no metadata: a lost answer cannot be looked up, and is never resent.
        added: dict[str, Any] = send_once(
            self.client, send, f"a message item of conversation {thread_id}", None, made=self.made
        )
        self.raw["item"] = added
        return shapes.item_as_message(added, thread_id)

    def list_messages(self, thread_id: str, limit: int, all_pages: bool, run_id: Optional[str]) -> list[Any]:
        url = self.conversation_url(thread_id, "items")
        items = [item for item in pages(self.client, url, {"limit": limit, "order": "desc"}, all_pages, self.warn)]
        produced: Optional[set[str]] = None
        if run_id is not None:
            response = self._read(run_id)
            produced = set(shapes.output_item_ids(response))
        kept = [
            item
            for item in items
            if isinstance(item, dict)
            and item.get("type") == "message"
            and (produced is None or item.get("id") in produced)
        ]
        self.raw["items"] = kept
        return [shapes.item_as_message(item, thread_id, run_id) for item in kept]

    # -- runs ------------------------------------------------------------------
    def _read(self, response_id: str, time_limit: Optional[float] = None) -> dict[str, Any]:
        url = self.response_url(response_id)
        answer = self.client.request("GET", url, time_limit=time_limit)
        return expect_object(answer, f"GET {url}", "response", ("id",))

    def as_run(self, response: dict[str, Any], assistant_id: Optional[str] = None) -> dict[str, Any]:
        self.raw["response"] = response
        return shapes.response_as_run(response, assistant_id)

    def run_ids(self, params: Mapping[str, Any]) -> tuple[Optional[str], str]:
        """A response is read by its ID alone: thread is optional."""
        run = from_json_text(params["run"])
        run_id = resolve_id(run, "run", "run")
        thread = params.get("thread")
        thread_id = None if thread is None else resolve_id(thread, "thread", "thread")
        return thread_id, run_id

    def read_run(self, thread_id: Optional[str], run_id: str) -> dict[str, Any]:
        return self.as_run(self._read(run_id))

    def poll_run(self, run: dict[str, Any], time_limit: float) -> tuple[dict[str, Any], Mapping[str, str]]:
        url = self.response_url(run["id"])
        answer, headers = self.client.exchange("GET", url, time_limit=time_limit)
        response = expect_object(answer, f"GET {url}", "response", ("id",))
        return self.as_run(response, run.get("assistant_id")), headers

    def cancellable(self, run: Mapping[str, Any]) -> bool:
        # A response waiting for tool outputs has ended: there is nothing to cancel.
        return run.get("status") in ("queued", "in_progress")

    def cancel_run(self, thread_id: Optional[str], run_id: str) -> dict[str, Any]:
        url = self.response_url(run_id, "cancel")

        def send() -> dict[str, Any]:
            answer = self.client.request("POST", url, retry_server_errors=False)
            return expect_object(answer, f"POST {url}", "response", ("id",))

        def lookup() -> Optional[dict[str, Any]]:
            seen = self._read(run_id)
            return seen if seen.get("status") not in ("queued", "in_progress") else None

        return self.as_run(send_once(self.client, send, "the cancellation", None, lookup))

    def list_runs(self, thread_id: str, query: dict[str, Any], all_pages: bool) -> list[Any]:
        if not self.foundry:
            raise bodies.refuse("thread without run", "OpenAI lists no responses of a conversation: give run")
        url = self.url("responses")
        listed = pages(self.client, url, dict(query, conversation_id=thread_id), all_pages, self.warn)
        responses = [item for item in listed if isinstance(item, dict)]
        self.raw["responses"] = responses
        return [shapes.response_as_run(item) for item in responses]

    def run_steps(self, thread_id: Optional[str], run_id: str) -> list[Any]:
        """A run's steps are the response's output items."""
        output = (
            self.raw.get("response", {}).get("output") if self.raw.get("response", {}).get("id") == run_id else None
        )
        if output is None:
            output = self._read(run_id).get("output")
        return list(output) if isinstance(output, list) else []

    def run_answer(self, run: Mapping[str, Any]) -> str:
        response = self.raw.get("response")
        if not isinstance(response, dict) or response.get("id") != run.get("id"):
            response = self._read(str(run["id"]))
        return shapes.output_text(response)

    def run_body(
        self, params: Mapping[str, Any], thread_id: Optional[str], assistant: Any
    ) -> tuple[dict[str, Any], Optional[dict[str, Any]]]:
        """(the response's body, the new conversation's body or None), checked before anything is sent."""
        definition, agent = self.run_assistant(assistant)
        new_thread = None
        if thread_id is None:
            messages = [dict(m) for m in params.get("additional_messages") or []]
            own = task_message(dict(params))
            new_thread = bodies.conversation_body(
                params.get("thread_metadata"), messages + ([own] if own else []), "thread_message"
            )
        body = bodies.response_body(params, definition, thread_id, agent, new_thread=thread_id is None)
        return body, new_thread

    def describe_start_run(self, params: Mapping[str, Any], thread_id: Optional[str], assistant: Any) -> Any:
        body, new_thread = self.run_body(params, thread_id, assistant)
        request = self.client.describe("POST", self.url("responses"), body)
        if new_thread is None:
            return request
        return [self.describe_create_thread(new_thread), request]

    def start_run(
        self,
        params: Mapping[str, Any],
        thread_id: Optional[str],
        assistant: Any,
        marker: Optional[str],
    ) -> tuple[dict[str, Any], Optional[str]]:
        """Start the response (on a new conversation when no thread is given);
        return it run-shaped, and the streamed text when streaming."""
        body, new_thread = self.run_body(params, thread_id, assistant)
        definition, _agent = self.run_assistant(assistant)
        if new_thread is not None:
            thread = self.create_thread(new_thread, marker)
            self.made["thread"] = thread
            thread_id = str(thread["id"])
            body["conversation"] = thread_id
        return self._create(body, marker, thread_id, str(definition.get("id") or "") or None, params)

    def _create(
        self,
        body: dict[str, Any],
        marker: Optional[str],
        thread_id: Optional[str],
        assistant_id: Optional[str],
        params: Mapping[str, Any],
    ) -> tuple[dict[str, Any], Optional[str]]:
        body, marker = with_marker(body, marker)
        url = self.url("responses")
        what = f"a response on conversation {thread_id}" if thread_id else "a response"
        if body.get("stream"):
            return self._stream(url, body, what, marker, assistant_id, params)

        def send() -> dict[str, Any]:
            answer = self.client.request("POST", url, body, retry_server_errors=False)
            return expect_object(answer, f"POST {url}", "response", ("id",))

        response = send_once(self.client, send, what, marker, made=self.made)
        return self.as_run(response, assistant_id), None

    def _stream(
        self,
        url: str,
        body: dict[str, Any],
        what: str,
        marker: Optional[str],
        assistant_id: Optional[str],
        params: Mapping[str, Any],
    ) -> tuple[dict[str, Any], Optional[str]]:
        """Follow the response's events. A stream that breaks after the response
        showed itself is resumed from its last event (GET ?stream=true&
        starting_after=N), within the same wait_timeout."""
        limit = float(params.get("wait_timeout") or 600)
        state = ResponseStream()
        try:
            lines = self.client.stream_lines("POST", url, body, None, False, time_limit=limit)
            response, text = read_response_stream(lines, state)
        except StreamFailed as error:
            if not error.broken or state.response is None or not isinstance(state.response.get("id"), str):
                raise self._stream_failure(error, state) from None
            resumed = {"stream": "true"}
            if state.sequence is not None:
                resumed["starting_after"] = str(state.sequence)
            self.warn(f"the stream broke ({error}); response {state.response['id']} is followed from its last event")
            try:
                lines = self.client.stream_lines(
                    "GET", self.response_url(state.response["id"]), None, resumed, time_limit=limit
                )
                response, text = read_response_stream(lines, state)
            except StreamFailed as again:
                raise self._stream_failure(again, state) from None
        except OpenAIError as error:
            error.add_note_to_message(f"{what} may have been created (metadata seed_openai_request={marker})")
            raise
        return self.as_run(response, assistant_id), text

    def _stream_failure(self, error: StreamFailed, state: ResponseStream) -> StreamFailed:
        run = self.as_run(state.response) if state.response is not None else None
        return StreamFailed(str(error), run, error.broken)

    def _answer_items(self, kind: str, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if kind == "approvals":
            return bodies.approvals_input(answers)
        return bodies.function_outputs_input(answers)

    def describe_submit(
        self, thread_id: Optional[str], run_id: str, kind: str, answers: list[dict[str, Any]], stream: bool
    ) -> Any:
        response = self._answered(run_id)
        body = bodies.follow_up_body(response, self._answer_items(kind, answers), stream)
        return self.client.describe("POST", self.url("responses"), body)

    def _answered(self, run_id: str) -> dict[str, Any]:
        """The response being answered: the one just read, or read now."""
        response = self.raw.get("response")
        if isinstance(response, dict) and response.get("id") == run_id:
            return response
        return self._read(run_id)

    def submit(
        self,
        thread_id: Optional[str],
        run_id: str,
        kind: str,
        answers: list[dict[str, Any]],
        params: Mapping[str, Any],
        marker: Optional[str],
    ) -> tuple[dict[str, Any], Optional[str]]:
        """Answer a response's tool calls (or approval requests) with a new
        response on its conversation, carrying its model, instructions and
        tools: the run's ID changes."""
        response = self._answered(run_id)
        items = self._answer_items(kind, answers)
        body = bodies.follow_up_body(response, items, bool(params.get("stream")))
        return self._create(body, marker, shapes.conversation_id(response), None, params)
