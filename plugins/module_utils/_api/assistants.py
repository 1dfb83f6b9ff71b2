# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Assistants API (assistants, threads, messages, runs) behind the cores'
calls. Runs are started, streamed and answered in assistant_runs.py. Plain Python."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Optional

from .._errors import APIError, InvalidInput, OpenAIError, expect_object
from .._ids import resolve_id
from .._once import marked_lookup, send_once, with_marker
from .._polling import RunNotFinished
from .._resources import ListIncomplete, assistant_url, pages, run_url, thread_and_run, thread_url, whole_list
from . import assistant_runs
from .active_run import wait_out_active_run
from .thread_and_run import start_on_new_thread

NAME = "assistants"
ACTIVE_RUN = re.compile(r"while a run (\S+?) is active")
# A new run may start between our wait and our message; give up after this many.
MAX_WAITS = 5
CANCELLABLE = ("queued", "in_progress", "requires_action")


class AssistantsAPI(assistant_runs.Runs):
    name = NAME

    # -- assistants ----------------------------------------------------------
    def find_assistant(self, params: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        client = self.client
        if params["id"] is not None:
            assistant_id = resolve_id(params["id"], "id", "assistant")
            try:
                url = assistant_url(client, assistant_id)
                return expect_object(client.request("GET", url), f"GET {url}", "assistant", ("id",))
            except OpenAIError as error:
                if getattr(error, "status", None) == 404:
                    if params["state"] == "absent":
                        return None
                    raise InvalidInput(
                        f"No assistant has the id {assistant_id!r}; to create one, give name instead"
                    ) from None
                raise
        if not params["name"]:
            raise InvalidInput("give id or name to find the assistant")
        named = []
        try:
            for data, _headers in whole_list(client, assistant_url(client), {"limit": 100}):
                named += [a for a in data if isinstance(a, dict) and a.get("name") == params["name"] and a.get("id")]
        except ListIncomplete as error:
            raise ListIncomplete(
                f"Looking for the assistant named {params['name']!r} failed: {error}; nothing is created or changed "
                "by name without seeing every assistant (give id instead)"
            ) from None
        if len(named) > 1:
            raise InvalidInput(f"{len(named)} assistants are named {params['name']!r}; give id to choose one")
        return named[0] if named else None

    def create_assistant(self, desired: dict[str, Any], marker: Optional[str]) -> dict[str, Any]:
        client = self.client
        body, marker = with_marker(desired, marker)
        url = assistant_url(client)

        def send() -> dict[str, Any]:
            return expect_object(
                client.request("POST", url, body, retry_server_errors=False), f"POST {url}", "assistant", ("id",)
            )

        def unlike(assistant: dict[str, Any]) -> bool:
            return assistant.get("name") != body.get("name")

        lookup = marked_lookup(client, url, marker, "assistant", unlike)
        created: dict[str, Any] = send_once(
            client, send, "an assistant", marker, lookup, warn=self.warn, made=self.made
        )
        return created

    def update_assistant(
        self, current: dict[str, Any], changes: dict[str, Any], marker: Optional[str]
    ) -> dict[str, Any]:
        # Strict servers want model on every modify; sending the current one changes nothing.
        body = (
            dict(changes) if "model" in changes or not current.get("model") else dict(changes, model=current["model"])
        )
        updated: dict[str, Any] = self.client.request("POST", assistant_url(self.client, current["id"]), body)
        return updated

    def delete_assistant(self, current: dict[str, Any]) -> None:
        try:
            self.client.request("DELETE", assistant_url(self.client, current["id"]))
        except APIError as error:
            # A 404 to a resent DELETE: the first one did it, its answer was lost.
            if error.status != 404 or self.client.retries_done == 0:
                raise

    # -- threads -------------------------------------------------------------
    def thread_body(
        self, wanted: Mapping[str, Any], messages: list[dict[str, Any]], where: str = "messages"
    ) -> dict[str, Any]:
        return dict(wanted, messages=messages) if messages else dict(wanted)

    def describe_create_thread(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.client.describe("POST", self.client.url("threads"), body)

    def create_thread(self, body: dict[str, Any], marker: Optional[str]) -> dict[str, Any]:
        client = self.client
        body, marker = with_marker(body, marker)
        url = client.url("threads")

        def send() -> Any:
            return expect_object(
                client.request("POST", url, body, retry_server_errors=False), f"POST {url}", "thread", ("id",)
            )

        # A thread cannot be looked up by its metadata: never sent twice.
        thread: dict[str, Any] = send_once(client, send, "a thread", marker, made=self.made)
        return thread

    def read_thread(self, thread_id: str) -> dict[str, Any]:
        url = thread_url(self.client, thread_id)
        return expect_object(self.client.request("GET", url), f"GET {url}", "thread")

    def update_thread(self, thread_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        updated: dict[str, Any] = self.client.request("POST", thread_url(self.client, thread_id), changes)
        return updated

    def delete_thread(self, thread_id: str) -> dict[str, Any]:
        deleted: dict[str, Any] = self.client.request("DELETE", thread_url(self.client, thread_id))
        return deleted

    # -- messages ------------------------------------------------------------
    def describe_add_message(self, thread_id: str, body: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        return self.client.describe("POST", thread_url(self.client, thread_id, "messages"), dict(body))

    def add_message(
        self, thread_id: str, body: Mapping[str, Any], params: Mapping[str, Any], marker: Optional[str]
    ) -> dict[str, Any]:
        client = self.client
        if params["wait_for_active_run"]:
            # Look before posting: a server that accepts messages during a run never says to wait.
            params = dict(params, wait_timeout=wait_out_active_run(client, thread_id, params))
        run: dict[str, Any] = {}
        sent, marker = with_marker(dict(body), marker)
        url = thread_url(client, thread_id, "messages")

        def send() -> dict[str, Any]:
            answer = client.request("POST", url, sent, retry_server_errors=False)
            return expect_object(answer, f"POST {url}", "thread.message", ("id",))

        def unlike(message: dict[str, Any]) -> bool:
            """A message of another role, or one a run wrote, is never the one sent."""
            return message.get("role") not in (None, sent.get("role")) or bool(message.get("run_id"))

        lookup = marked_lookup(client, url, marker, "message", unlike)

        # One wait_timeout for all the runs waited out, not one each.
        limit = float(params["wait_timeout"])
        deadline = time.monotonic() + limit
        for _attempt in range(MAX_WAITS):
            try:
                message: dict[str, Any] = send_once(
                    client, send, "a message", marker, lookup, warn=self.warn, made=self.made
                )
                return message
            except APIError as error:
                active = ACTIVE_RUN.search(error.error.get("message") or "")
                if error.status != 400 or active is None or not params["wait_for_active_run"]:
                    raise
            run = client.request("GET", run_url(client, thread_id, active.group(1)))
            run = assistant_runs.follow_run(client, run, params, deadline, limit)
            if run.get("status") == "requires_action":
                raise RunNotFinished(
                    f"Run {run['id']} waits for tool outputs; answer them with openai_thread_run_tool_outputs "
                    "or cancel the run, then add the message",
                    run,
                )
        raise RunNotFinished(f"Runs of {thread_id} kept starting; the message was not added", run)

    def list_messages(self, thread_id: str, limit: int, all_pages: bool, run_id: Optional[str]) -> list[Any]:
        query: dict[str, Any] = {"limit": limit, "order": "desc"}
        if run_id is not None:
            query["run_id"] = run_id
        messages = list(pages(self.client, thread_url(self.client, thread_id, "messages"), query, all_pages))
        if run_id is not None:  # some servers ignore the filter
            messages = [m for m in messages if isinstance(m, dict) and m.get("run_id") == run_id]
        return messages

    # -- runs (the rest is in assistant_runs.Runs) ----------------------------
    def start_run(
        self,
        params: Mapping[str, Any],
        thread_id: Optional[str],
        assistant: Any,
        marker: Optional[str],
    ) -> tuple[dict[str, Any], Optional[str]]:
        body = self.run_body(params, thread_id, assistant)
        if thread_id is None:
            return start_on_new_thread(self.client, body, dict(params), warn=self.warn, marker=marker, made=self.made)
        return assistant_runs.start_run(
            self.client, thread_id, body, dict(params), warn=self.warn, marker=marker, made=self.made
        )

    def run_ids(self, params: Mapping[str, Any]) -> tuple[Optional[str], str]:
        return thread_and_run(dict(params))

    def read_run(self, thread_id: Optional[str], run_id: str) -> dict[str, Any]:
        url = run_url(self.client, str(thread_id), run_id)
        return expect_object(self.client.request("GET", url), f"GET {url}", "thread.run", ("id",))

    def cancellable(self, run: Mapping[str, Any]) -> bool:
        return run.get("status") in CANCELLABLE

    def cancel_run(self, thread_id: Optional[str], run_id: str) -> dict[str, Any]:
        client = self.client
        url = run_url(client, str(thread_id), run_id, "cancel")

        def send() -> dict[str, Any]:
            return expect_object(
                client.request("POST", url, retry_server_errors=False), f"POST {url}", "thread.run", ("id",)
            )

        def lookup() -> Optional[dict[str, Any]]:
            seen = client.request("GET", run_url(client, str(thread_id), run_id))
            return seen if isinstance(seen, dict) and seen.get("status") not in CANCELLABLE else None

        cancelled: dict[str, Any] = send_once(
            client, send, "the cancellation", None, lookup, also_ambiguous=assistant_runs.refused, warn=self.warn
        )
        return cancelled

    def list_runs(self, thread_id: str, query: dict[str, Any], all_pages: bool) -> list[Any]:
        return list(pages(self.client, thread_url(self.client, thread_id, "runs"), query, all_pages))

    def run_steps(self, thread_id: Optional[str], run_id: str) -> list[Any]:
        return list(pages(self.client, run_url(self.client, str(thread_id), run_id, "steps"), {"limit": 100}, True))
