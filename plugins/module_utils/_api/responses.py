# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Responses API (OpenAI Conversations + Responses, and Foundry's new
Agent Service) behind the cores' calls: a thread is a conversation, a message
a message item, a run a background response, an assistant a definition kept
by the task (OpenAI) or an agent version (Foundry). Plain Python.

Each call returns the collection's shape; the raw object it came from is kept
in `raw` (conversation, item, conversation_items, response, agent) for the result to carry
beside it. OpenAI lists neither conversations nor responses, and items carry
no metadata, so a creation whose answer is lost is never sent again: the
failure names the marker and the conversation."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any, Optional

from .._errors import BadAnswer, InvalidInput, expect_object
from .._ids import resolve_id
from .._once import send_once, with_marker
from .._polling import wait_for_run
from .._resources import pages
from . import response_bodies as bodies
from . import response_shapes as shapes
from .foundry_agents import FoundryAgents, agent_as_assistant
from .response_runs import ResponseRuns

LOCAL_ID_PREFIX = "local_definition_"
# What an assistant object holds beside its settings.
NOT_SETTINGS = ("id", "object", "created_at", "version")


def local_definition(desired: Mapping[str, Any]) -> dict[str, Any]:
    """An assistant kept by the task, not the server: its ID is a digest of its
    settings, so the same definition has the same ID in every run."""
    kept = {key: value for key, value in desired.items() if value is not None}
    digest = hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:24]
    return dict(kept, id=f"{LOCAL_ID_PREFIX}{digest}", object="assistant", created_at=0)


class ResponsesAPI(ResponseRuns):
    """Assistants, threads and messages on the Responses API; runs in response_runs.ResponseRuns."""

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
        merged = {key: value for key, value in current.items() if key not in NOT_SETTINGS and value is not None}
        merged.update(changes)
        merged["name"] = current["name"]
        return self.create_assistant(merged, marker)

    def delete_assistant(self, current: dict[str, Any]) -> None:
        self.agents().delete(str(current["name"]))

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
        items = list(pages(self.client, url, {"limit": limit, "order": "desc"}, all_pages, self.warn))
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
        self.raw["conversation_items"] = kept
        return [shapes.item_as_message(item, thread_id, run_id) for item in kept]

    # -- runs (the rest is in response_runs.ResponseRuns) ----------------------
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
