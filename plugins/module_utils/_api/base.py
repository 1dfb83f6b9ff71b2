# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The calls a wire API gives the cores, and what each module of _api shares:
the task's client (built on first use, so options are checked before any
HTTP library is loaded), its warnings, and the raw objects to carry beside
the collection's shapes. Every call takes and returns the collection's shapes
(assistant, thread, thread.message and thread.run objects). Plain Python."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Optional

from .._client import OpenAIClient

Made = dict[str, Any]
RunAndText = tuple[dict[str, Any], Optional[str]]


class WireAPI:
    name = ""
    # Whether the server keeps assistants (else the task keeps a definition).
    keeps_assistants = True

    def __init__(self, client: Callable[[], OpenAIClient], warn: Callable[[str], None], made: Made) -> None:
        self._client = client
        self.warn = warn
        # What the task made so far (its result on failure): a creation's
        # marker goes in when the server acted but what it made is unknown.
        self.made = made
        # The successor's objects behind the shapes returned, by result key
        # (conversation, item, conversation_items, response, responses, agent); empty on the Assistants API.
        self.raw: dict[str, Any] = {}

    @property
    def client(self) -> OpenAIClient:
        return self._client()

    # -- assistants ----------------------------------------------------------
    def definition(self, desired: Mapping[str, Any]) -> dict[str, Any]:
        """The assistant the task keeps, where the server keeps none."""
        raise NotImplementedError

    def find_assistant(self, params: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        """The assistant `id` or `name` names, or None."""
        raise NotImplementedError

    def create_assistant(self, desired: dict[str, Any], marker: Optional[str]) -> dict[str, Any]:
        raise NotImplementedError

    def update_assistant(
        self, current: dict[str, Any], changes: dict[str, Any], marker: Optional[str]
    ) -> dict[str, Any]:
        raise NotImplementedError

    def delete_assistant(self, current: dict[str, Any]) -> None:
        raise NotImplementedError

    # -- threads -------------------------------------------------------------
    def thread_body(self, wanted: Mapping[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The body that creates a thread with `wanted` settings and first messages."""
        raise NotImplementedError

    def describe_create_thread(self, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def create_thread(self, body: dict[str, Any], marker: Optional[str]) -> dict[str, Any]:
        raise NotImplementedError

    def read_thread(self, thread_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def update_thread(self, thread_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def delete_thread(self, thread_id: str) -> dict[str, Any]:
        raise NotImplementedError

    # -- messages ------------------------------------------------------------
    def describe_add_message(self, thread_id: str, body: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def add_message(
        self, thread_id: str, body: Mapping[str, Any], params: Mapping[str, Any], marker: Optional[str]
    ) -> dict[str, Any]:
        """Add the message, waiting for the thread's active run when params ask."""
        raise NotImplementedError

    def list_messages(self, thread_id: str, limit: int, all_pages: bool, run_id: Optional[str]) -> list[Any]:
        """The thread's messages, newest first (only the run's, with run_id)."""
        raise NotImplementedError

    # -- runs ------------------------------------------------------------------
    def run_ids(self, params: Mapping[str, Any]) -> tuple[Optional[str], str]:
        """(thread ID, run ID) from a task's `thread` and `run` options."""
        raise NotImplementedError

    def describe_start_run(self, params: Mapping[str, Any], thread_id: Optional[str], assistant: Any) -> Any:
        raise NotImplementedError

    def start_run(
        self, params: Mapping[str, Any], thread_id: Optional[str], assistant: Any, marker: Optional[str]
    ) -> RunAndText:
        """Start a run (on a new thread without thread_id); the run, and the text when streaming.
        What is created on the way (a new thread) goes into `made`."""
        raise NotImplementedError

    def read_run(self, thread_id: Optional[str], run_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def poll_run(self, run: dict[str, Any], time_limit: float) -> tuple[dict[str, Any], Mapping[str, str]]:
        """Read the run once more within time_limit seconds: (the run, the answer's headers)."""
        raise NotImplementedError

    def cancellable(self, run: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    def cancel_run(self, thread_id: Optional[str], run_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def list_runs(self, thread_id: str, query: dict[str, Any], all_pages: bool) -> list[Any]:
        raise NotImplementedError

    def run_steps(self, thread_id: Optional[str], run_id: str) -> list[Any]:
        raise NotImplementedError

    def run_answer(self, run: Mapping[str, Any]) -> str:
        """The text of the assistant's answer in the run."""
        raise NotImplementedError

    def describe_submit(
        self, thread_id: Optional[str], run_id: str, kind: str, answers: list[dict[str, Any]], stream: bool
    ) -> Any:
        raise NotImplementedError

    def submit(
        self,
        thread_id: Optional[str],
        run_id: str,
        kind: str,
        answers: list[dict[str, Any]],
        params: Mapping[str, Any],
        marker: Optional[str],
    ) -> RunAndText:
        """Answer the run's tool calls (kind "outputs": [{tool_call_id, output}]) or
        approval requests (kind "approvals": [{tool_call_id, approve, ...}]); the run
        that goes on, and the text when streaming."""
        raise NotImplementedError
