"""OpenAI's Responses API over the store: responses (at once, in the
background, or streamed), cancel, delete and input items, answered by the
deterministic local model (see README.md for what it answers)."""

from __future__ import annotations

import time
from typing import Any, Callable

from . import items as it
from . import spec
from .conversations import Checker, Conversations
from .response_events import EventLog, ResponseStream, after
from .routes import ApiError, Routes, page
from .store import OUTCOME_MARKERS, NotFound, Store, public

ACTIVE = ("queued", "in_progress")
# Resolves a Foundry agent_reference to (the agent field of the Response, its prompt definition).
AgentResolver = Callable[[Any], "tuple[dict[str, Any], dict[str, Any]]"]


class Responses:
    def __init__(self, store: Store, routes: Routes, conversations: Conversations, check: Checker) -> None:
        self.store = store
        self.routes = routes  # routes.advance_on_poll: whether a GET moves a background response on
        self.conversations = conversations
        self.check = check
        self.by_id: dict[str, dict[str, Any]] = {}
        # Outcomes ("failed", "incomplete") for the next responses that answer in text.
        self.next_outcomes: list[str] = []
        self.resolve_agent: AgentResolver | None = None  # Foundry

    def response(self, response_id: str) -> dict[str, Any]:
        if response_id not in self.by_id:
            raise NotFound("response", response_id)
        return self.by_id[response_id]

    # -- create --------------------------------------------------------------
    def create(self, query: dict[str, str], body: Any) -> Any:
        body = self.check(spec.qualified("CreateResponse"), {} if body is None else body)
        agent: dict[str, Any] | None = None
        definition: dict[str, Any] = {}
        if body.get("agent_reference") is not None and self.resolve_agent is not None:
            agent, definition = self.resolve_agent(body["agent_reference"])
        model = body.get("model") or definition.get("model")
        if not model:
            raise ApiError(400, "Missing required parameter: 'model'.", "model", "missing_required_parameter")
        conversation_id, history = self._context(body)
        given = [it.stored(item, self.conversations.new_id) for item in it.as_items(body.get("input"))]
        it.check_tool_answers(given, history)
        response = self._new(body, definition, model, conversation_id)
        if agent is not None:
            response["agent"] = agent
        if conversation_id is not None:
            self.conversations.append(conversation_id, given)
            if agent is not None:
                self.conversations.conversation(conversation_id).setdefault("_agents", []).append(agent)
        else:
            self.conversations.remember(given)
        text = it.last_user_text(given) or it.last_user_text(history) or ""
        scripted = self.next_outcomes.pop(0) if self.next_outcomes else None
        outcome = scripted or next((status for marker, status in OUTCOME_MARKERS.items() if marker in text), None)
        response.update(_input=given, _history=history, _text=text, _outcome=outcome, _since=time.monotonic())
        self.by_id[response["id"]] = response
        if body.get("stream"):
            return self.stream(response)
        if not response["background"]:
            self.finish(response)
        return public(response)

    def _context(self, body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
        """The conversation's ID (or None) and the items the response sees before its input."""
        conversation, previous_id = body.get("conversation"), body.get("previous_response_id")
        if conversation is not None and previous_id is not None:
            raise ApiError(
                400,
                "Mutually exclusive parameters: Ensure you are only providing one of: "
                "'previous_response_id' or 'conversation'.",
                "conversation",
                "mutually_exclusive_parameters",
            )
        if conversation is not None:
            conversation_id = conversation if isinstance(conversation, str) else conversation["id"]
            self.conversations.conversation(conversation_id)
            if any(r["status"] in ACTIVE and _conversation_id(r) == conversation_id for r in self.by_id.values()):
                raise ApiError(
                    400,
                    "Another process is currently operating on this conversation. Please retry in a few seconds.",
                    "conversation",
                    "conversation_locked",
                )
            return conversation_id, list(self.conversations.items[conversation_id])
        history: list[dict[str, Any]] = []
        while previous_id is not None:
            previous = self.by_id.get(previous_id)
            if previous is None:
                raise ApiError(
                    400,
                    f"Previous response with id '{previous_id}' not found.",
                    "previous_response_id",
                    "previous_response_not_found",
                )
            history[:0] = previous["_input"] + previous["output"]
            previous_id = previous["previous_response_id"]
        return None, history

    def _new(self, body: dict[str, Any], definition: dict[str, Any], model: str, conversation_id: str | None) -> Any:
        def pick(name: str, default: Any) -> Any:
            for source in (body, definition):
                if source.get(name) is not None:
                    return source[name]
            return default

        background = bool(body.get("background"))
        return {
            "id": self.store.new_id("resp"),
            "object": "response",
            "created_at": self.store.now(),
            "status": "queued" if background else "in_progress",
            "background": background,
            "completed_at": None,
            "error": None,
            "incomplete_details": None,
            "instructions": pick("instructions", None),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": body.get("max_tool_calls"),
            "model": model,
            "output": [],
            "output_text": "",
            "parallel_tool_calls": pick("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "conversation": None if conversation_id is None else {"id": conversation_id},
            "reasoning": pick("reasoning", None),
            "store": pick("store", True),
            "temperature": pick("temperature", 1.0),
            "text": pick("text", {"format": {"type": "text"}}),
            "tool_choice": pick("tool_choice", "auto"),
            "tools": pick("tools", []),
            "top_p": pick("top_p", 1.0),
            "truncation": pick("truncation", "disabled"),
            "metadata": pick("metadata", {}),
        }

    # -- the local model ---------------------------------------------------
    def advance(self, response: dict[str, Any]) -> None:
        """One tick: queued -> in_progress -> its end."""
        if response["status"] == "queued":
            response["status"] = "in_progress"
        elif response["status"] == "in_progress":
            self.finish(response)

    def finish(self, response: dict[str, Any]) -> None:
        given, history = response["_input"], response["_history"]
        output = self._output(response)
        outcome = response.pop("_outcome", None) if output and output[0]["type"] == "message" else None
        if outcome == "failed":
            output = []
            response["error"] = {"code": "server_error", "message": "The local model was told to fail this response."}
            response["status"] = "failed"
        elif outcome == "incomplete":
            output[0]["status"] = "incomplete"
            response["incomplete_details"] = {"reason": "max_output_tokens"}
            response["status"] = "incomplete"
        else:
            response["status"] = "completed"
            response["completed_at"] = self.store.now()
        response["output"] = output
        response["output_text"] = " ".join(it.message_text(item) for item in output if item["type"] == "message")
        response["usage"] = usage(it.words(history + given), len(response["output_text"].split()))
        conversation_id = _conversation_id(response)
        if conversation_id in self.conversations.items:
            self.conversations.append(conversation_id, output)
        else:
            self.conversations.remember(output)

    def _output(self, response: dict[str, Any]) -> list[dict[str, Any]]:
        given, new_id = response["_input"], self.conversations.new_id
        approvals = [item for item in given if item["type"] == "mcp_approval_response"]
        outputs = [item for item in given if item["type"] == "function_call_output"]
        tools = response["tools"]
        function = next((tool for tool in tools if tool.get("type") == "function"), None)
        mcp_tools = [tool for tool in tools if it.needs_approval(tool)]
        if approvals:
            known = self.conversations.known
            ran = [
                f"{known[a['approval_request_id']]['server_label']}.{known[a['approval_request_id']]['name']}"
                for a in approvals
                if a["approve"]
            ]
            text = "MCP tool ran: " + ", ".join(ran) if ran else "The MCP tool call was denied, so no tool ran."
        elif outputs:
            text = "Tool outputs: " + "; ".join(_output_text(item["output"]) for item in outputs)
        elif function is not None:
            return [it.function_call(function, new_id)]
        elif mcp_tools:
            return [it.approval_request(tool, new_id) for tool in mcp_tools]
        else:
            said = response["_text"]
            text = f"You said: {said}" if said else "Hello! The conversation has no message yet."
        return [it.output_message(text, new_id)]

    def stream(self, response: dict[str, Any]) -> ResponseStream:
        """Run the response to its end at once, as events (kept for resuming)."""
        log = EventLog(response.setdefault("_events", []))
        log.lifecycle("response.created", public(response))
        if response["status"] == "queued":
            log.lifecycle("response.queued", public(response))
            self.advance(response)
        log.lifecycle("response.in_progress", public(response))
        self.finish(response)
        for index, item in enumerate(response["output"]):
            log.item(item, index)
        log.lifecycle(f"response.{response['status']}", public(response))
        return after(log.events, None)

    # -- the other routes ----------------------------------------------------
    def get(self, response_id: str, query: dict[str, str], body: Any) -> Any:
        response = self.response(response_id)
        if query.get("stream") == "true":
            if "_events" not in response:
                raise ApiError(
                    400, "This response was not created with stream=true, so it cannot be streamed.", "stream"
                )
            try:
                starting_after = int(query["starting_after"]) if "starting_after" in query else None
            except ValueError:
                raise ApiError(400, "Invalid 'starting_after': expected an integer.", "starting_after") from None
            return after(response["_events"], starting_after)
        if response["background"] and self.routes.moves_on(response):
            self.advance(response)
        return public(response)

    def delete(self, response_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.response(response_id)
        del self.by_id[response_id]
        return {"id": response_id, "object": "response", "deleted": True}

    def cancel(self, response_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        response = self.response(response_id)
        if not response["background"]:
            raise ApiError(400, "Only responses created with background=true can be cancelled.", "response_id")
        if response["status"] in ACTIVE:
            response.update(status="cancelled", usage=usage(0, 0))
        elif response["status"] != "cancelled":  # cancelling twice answers the cancelled response
            raise ApiError(400, f"Cannot cancel a response with status '{response['status']}'.", "response_id")
        return public(response)

    def input_items(self, response_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return page(self.response(response_id)["_input"], query)

    def list_responses(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        """Foundry's list, filtered by conversation_id, agent_name or agent_id (name:version)."""
        found = [
            r
            for r in self.by_id.values()
            if query.get("conversation_id") in (None, _conversation_id(r))
            and query.get("agent_name") in (None, (r.get("agent") or {}).get("name"))
            and query.get("agent_id") in (None, _agent_id(r.get("agent")))
        ]
        return page(found, query, before=True)


def usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _conversation_id(response: dict[str, Any]) -> str | None:
    return (response.get("conversation") or {}).get("id")


def _agent_id(agent: dict[str, Any] | None) -> str | None:
    return f"{agent['name']}:{agent['version']}" if agent else None


def _output_text(output: Any) -> str:
    if isinstance(output, str):
        return output
    return " ".join(part.get("text", "") for part in output if isinstance(part, dict))
