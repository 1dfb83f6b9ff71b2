# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Assistants API's runs: starting one (never twice), streaming it,
reading it, answering its tool calls. Plain Python."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

from .._client import OpenAIClient, redact_url
from .._errors import APIError, OpenAIError, expect_object
from .._ids import resolve_id
from .._once import find_marked, send_once, with_marker
from .._polling import ReadRun, RunNotFinished, wait_for_run
from .._resources import assistant_url, run_url, thread_url
from .._run_body import build_run_body, needs_assistant_tools, tool_flags
from .._shapes import message_text
from .._streaming import StreamFailed, read_run_stream
from .._validation import merge_tools
from .base import WireAPI

_ACTIVE_RUN = re.compile(r"already has an active run (\S+?)\.?$")

Warn = Optional[Callable[[str], None]]


def create_url(client: OpenAIClient, thread_id: str | None) -> str:
    """POST /threads/{id}/runs, or POST /threads/runs for a new thread."""
    return client.url("threads", "runs") if thread_id is None else thread_url(client, thread_id, "runs")


def create_query(params: dict[str, Any]) -> dict[str, Any] | None:
    return {"include[]": params["include"]} if params.get("include") else None


def start_run(
    client: OpenAIClient,
    thread_id: str | None,
    body: dict[str, Any],
    params: dict[str, Any],
    warn: Warn = None,
    marker: Optional[str] = None,
    made: Optional[dict[str, Any]] = None,
) -> tuple[dict[str, Any], str | None]:
    """Start the run; return it (the final run when streaming) and the
    streamed text (None when not streaming).

    When a tool switch applies to the assistant's own tools, the assistant is
    read first so the switch changes only that tool.

    Creating a run is not idempotent, so the request is sent once (see
    _once.py): the run carries the task's marker in its metadata, and after an
    answer that leaves it unknown whether the run was created, the thread's
    runs are searched for it before anything is sent again. A new thread and
    its run cannot be looked up, and without a marker nothing proves which
    run is the task's, so those calls are never resent.
    """
    if needs_assistant_tools(params):
        assistant = client.request("GET", assistant_url(client, body["assistant_id"]))
        assistant = expect_object(assistant, f"GET {assistant_url(client, body['assistant_id'])}", "assistant")
        listed = assistant.get("tools")
        tools: list[Any] = listed if isinstance(listed, list) else []
        body = dict(body, tools=merge_tools(tools, tool_flags(params), "the assistant's tools"))
    body, marker = with_marker(body, marker)
    url, query = create_url(client, thread_id), create_query(params)
    endpoint = f"POST {redact_url(url)}"
    started = time.time()
    lookup = None
    if thread_id is not None and marker is not None:
        found_thread, found_marker = thread_id, marker

        def lookup() -> Optional[dict[str, Any]]:
            return find_created_run(client, found_thread, body, found_marker, started)

    if params.get("stream"):
        return _stream_run(client, url, body, query, params, marker, lookup, warn, made)

    def send() -> dict[str, Any]:
        answer = client.request("POST", url, body, query, retry_server_errors=False)
        return expect_object(answer, endpoint, "thread.run", ("id", "thread_id"))

    run = send_once(client, send, "a run", marker, lookup, also_ambiguous=_active_run, warn=warn, made=made)
    return run, None


def _active_run(error: OpenAIError) -> bool:
    """A 400 'already has an active run': after a lost answer, maybe ours."""
    return (
        isinstance(error, APIError)
        and error.status == 400
        and bool(_ACTIVE_RUN.search(str(error.error.get("message") or "")))
    )


def _stream_run(
    client: OpenAIClient,
    url: str,
    body: dict[str, Any],
    query: dict[str, Any] | None,
    params: dict[str, Any],
    marker: Optional[str],
    lookup: Any,
    warn: Warn,
    made: Optional[dict[str, Any]],
) -> tuple[dict[str, Any], str | None]:
    """Follow the run's events. A stream that breaks once it showed the run,
    or a server that answers plain JSON, falls back to polling that run; a
    stream lost or unreadable before its first run event is an ambiguous
    answer like any other (_once.send_once): the run is found by its marker
    and followed by polling, or never started twice. wait_timeout bounds the
    stream and the fallback together."""
    limit = float(params.get("wait_timeout") or 600)
    deadline = time.monotonic() + limit

    def send() -> Any:
        seen: list[str] = []

        def kept(lines: Any) -> Any:
            size = 0
            for line in lines:
                if size < JSON_FALLBACK_LIMIT:
                    seen.append(line)
                    size += len(line)
                yield line

        try:
            lines = client.stream_lines("POST", url, dict(body, stream=True), query, False, deadline=deadline)
            return read_run_stream(kept(lines))
        except StreamFailed as error:
            if error.run is not None and not error.broken:
                raise  # the server's own error event, or bad data: the run is in the failure
            run = error.run or _json_run("\n".join(seen))
            if run is None:
                raise
            if warn is not None:
                how = "answered the stream request with plain JSON" if error.run is None else f"stream broke ({error})"
                warn(f"the server {how}; run {run['id']} is followed by polling")
            return run

    outcome = send_once(client, send, "a run", marker, lookup, also_ambiguous=_active_run, warn=warn, made=made)
    if isinstance(outcome, tuple):
        return outcome
    run = follow_run(client, outcome, params, deadline, limit)
    return run, run_answer(client, run)


def follow_run(
    client: OpenAIClient, run: dict[str, Any], params: Mapping[str, Any], deadline: float, limit: float
) -> dict[str, Any]:
    """Poll `run` to its end within what is left of a limit (`limit` seconds,
    wait_timeout, ending at the time.monotonic() `deadline`) that something
    before the wait (a stream, runs waited out) used part of. A wait cut at
    the deadline names the whole limit, not the part left of it."""
    left = max(deadline - time.monotonic(), 0.001)
    try:
        return wait_for_run(
            run_reader(client), run, dict(params, wait_timeout=left, status_for_wait=None, status_for_exit=None)
        )
    except RunNotFinished as error:
        raise RunNotFinished(
            f"Run {error.run.get('id')} is still {error.run.get('status')} after {limit:g} s (wait_timeout); "
            "it goes on on the server",
            error.run,
        ) from None


JSON_FALLBACK_LIMIT = 1 << 20


def _json_run(text: str) -> Optional[dict[str, Any]]:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict) and value.get("object") == "thread.run" and value.get("id") and value.get("thread_id"):
        return value
    return None


def run_reader(client: OpenAIClient) -> ReadRun:
    """How a wait reads a run: GET /threads/{thread_id}/runs/{run_id}."""

    def read(run: dict[str, Any], time_limit: float) -> tuple[dict[str, Any], Mapping[str, str]]:
        run = expect_object(run, "the run to wait for", "thread.run", ("id", "thread_id"))
        url = run_url(client, run["thread_id"], run["id"])
        answer, headers = client.exchange("GET", url, time_limit=time_limit)
        return expect_object(answer, f"GET {url}", "thread.run", ("id",)), headers

    return read


def run_answer(client: OpenAIClient, run: dict[str, Any]) -> str:
    """The text of the newest assistant message of `run` (the run_id filter is
    applied here too: some servers ignore it)."""
    url = thread_url(client, run["thread_id"], "messages")
    page = client.request("GET", url, query={"run_id": run["id"], "order": "desc", "limit": 20})
    data = page.get("data") if isinstance(page, dict) else None
    for message in data if isinstance(data, list) else []:
        if isinstance(message, dict) and message.get("role") == "assistant" and message.get("run_id") == run["id"]:
            return message_text(message)
    return ""


def find_created_run(
    client: OpenAIClient, thread_id: str, body: dict[str, Any], marker: str, started: float
) -> dict[str, Any] | None:
    """The run this task's POST created, if the thread has one: the run that
    carries the task's marker (see _once.find_marked). A run of another
    assistant is never the task's, with or without a marker."""

    def unlike(run: dict[str, Any]) -> bool:
        return run.get("assistant_id") not in (None, body["assistant_id"])

    return find_marked(client, create_url(client, thread_id), marker, started, "run", unlike)


def refused(error: OpenAIError) -> bool:
    """A 400 to a resent cancel or tool outputs: the first one may have been taken after all."""
    return isinstance(error, APIError) and error.status == 400


def _answers_body(kind: str, answers: list[dict[str, Any]]) -> dict[str, Any]:
    if kind == "approvals":
        return {"tool_approvals": [{"tool_call_id": a["tool_call_id"], "approve": a["approve"]} for a in answers]}
    return {"tool_outputs": [{"tool_call_id": a["tool_call_id"], "output": a["output"]} for a in answers]}


class Runs(WireAPI):
    """The run calls of AssistantsAPI."""

    def poll_run(self, run: dict[str, Any], time_limit: float) -> tuple[dict[str, Any], Mapping[str, str]]:
        return run_reader(self.client)(run, time_limit)

    def run_answer(self, run: Mapping[str, Any]) -> str:
        return run_answer(self.client, dict(run))

    def run_body(self, params: Mapping[str, Any], thread_id: Optional[str], assistant: Any) -> dict[str, Any]:
        assistant_id = resolve_id(assistant, "assistant", "assistant")
        return build_run_body(dict(params), assistant_id, new_thread=thread_id is None)

    def describe_start_run(self, params: Mapping[str, Any], thread_id: Optional[str], assistant: Any) -> Any:
        body = self.run_body(params, thread_id, assistant)
        if needs_assistant_tools(dict(params)):
            self.warn("check mode: the assistant's tools are read, and the switches applied, only in a real run")
        return self.client.describe("POST", create_url(self.client, thread_id), body, create_query(dict(params)))

    def describe_submit(
        self, thread_id: Optional[str], run_id: str, kind: str, answers: list[dict[str, Any]], stream: bool
    ) -> Any:
        url = run_url(self.client, str(thread_id), run_id, "submit_tool_outputs")
        return self.client.describe("POST", url, _answers_body(kind, answers))

    def submit(
        self,
        thread_id: Optional[str],
        run_id: str,
        kind: str,
        answers: list[dict[str, Any]],
        params: Mapping[str, Any],
        marker: Optional[str],
    ) -> tuple[dict[str, Any], Optional[str]]:
        """Submit the outputs (or approvals) once; the run, once it has moved
        on, is the proof they were taken after a lost answer."""
        client = self.client
        body = _answers_body(kind, answers)
        url = run_url(client, str(thread_id), run_id, "submit_tool_outputs")

        def lookup() -> Optional[dict[str, Any]]:
            seen = client.request("GET", run_url(client, str(thread_id), run_id))
            return seen if isinstance(seen, dict) and seen.get("status") != "requires_action" else None

        if params.get("stream"):
            return self._stream_answers(url, body, lookup, params)

        def send() -> dict[str, Any]:
            answer = client.request("POST", url, body, retry_server_errors=False)
            return expect_object(answer, f"POST {url}", "thread.run", ("id",))

        what = "the tool approvals" if kind == "approvals" else "the tool outputs"
        run = send_once(client, send, what, None, lookup, also_ambiguous=refused, warn=self.warn, made=self.made)
        return run, None

    def _stream_answers(
        self, url: str, body: dict[str, Any], lookup: Any, params: Mapping[str, Any]
    ) -> tuple[dict[str, Any], Optional[str]]:
        """Submit and follow the events. The outputs are sent once (_once.send_once:
        again only once the run is read and still waits for them), and a stream
        that breaks or is lost falls back to polling the run once it has moved
        on. wait_timeout bounds both."""
        client = self.client
        limit = float(params["wait_timeout"])
        deadline = time.monotonic() + limit

        def send() -> Any:
            try:
                lines = client.stream_lines("POST", url, dict(body, stream=True), None, False, deadline=deadline)
                return read_run_stream(lines)
            except StreamFailed as error:
                if error.run is None or not error.broken:
                    raise
                self.made["run"] = error.run
                self.warn(
                    f"the stream broke ({error}); run {error.run.get('id')} took the outputs and is followed by polling"
                )
                return error.run

        outcome = send_once(client, send, "the tool outputs", None, lookup, also_ambiguous=refused, warn=self.warn)
        if isinstance(outcome, tuple):
            return outcome
        self.made["run"] = outcome
        run = follow_run(client, outcome, params, deadline, limit)
        return run, run_answer(client, run)
