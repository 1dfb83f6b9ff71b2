# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Responses API's runs: a run is a background response on the
conversation (or a stream of its events), started with the model,
instructions and tools of the assistant definition (or an agent reference on
Foundry), read and cancelled by its ID; tool outputs go on in a new response.
Responses carry the creation marker, but OpenAI lists none, so a response
whose answer is lost is never sent again. Plain Python."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Optional

from .._client import OpenAIClient, path_segment
from .._errors import InvalidInput, NotCarried, OpenAIError, expect_object
from .._ids import from_json_text, resolve_id
from .._once import send_once, with_marker
from .._resources import pages
from .._run_body import task_message
from .._streaming import StreamFailed
from . import response_bodies as bodies
from . import response_shapes as shapes
from .base import WireAPI
from .foundry_agents import project_base
from .response_stream import ResponseStream, read_response_stream

API = bodies.API


def assistant_definition(value: Any) -> Optional[dict[str, Any]]:
    """The assistant object a task was given (an object or a registered
    result, also as JSON text), or None when it names the assistant only."""
    value = from_json_text(value)
    if isinstance(value, dict) and isinstance(value.get("assistant"), dict):
        value = value["assistant"]
    if isinstance(value, dict) and value.get("object") in (None, "assistant") and "id" in value:
        return value
    return None


class ResponseRuns(WireAPI):
    """Where the Responses API's objects are, and its run calls."""

    name = "responses"

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

    # -- runs ------------------------------------------------------------------
    def run_assistant(self, value: Any) -> tuple[dict[str, Any], Optional[dict[str, Any]]]:
        """(definition, agent_reference) for a run: on OpenAI the definition the
        task was given; on Foundry a reference to the agent (and its settings,
        when given as an object)."""
        found = assistant_definition(value)
        if not self.foundry:
            if found is None:
                shown = resolve_id(value, "assistant", "assistant")
                raise NotCarried(
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
