"""In-memory assistants, threads, messages and runs, with a run clock the
caller controls and a deterministic local model."""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any, Callable

ACTIVE = ("queued", "in_progress", "requires_action", "cancelling")
# Words in a user message that script how its run ends, for tries by hand.
OUTCOME_MARKERS = {"[[fail]]": "failed", "[[expire]]": "expired", "[[incomplete]]": "incomplete"}


class NotFound(Exception):
    def __init__(self, kind: str, object_id: str) -> None:
        super().__init__(f"No {kind} found with id '{object_id}'.")
        self.kind = kind


class Conflict(Exception):
    """A request the API refuses with 400 in the current state."""


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.assistants: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.runs: dict[str, dict[str, dict[str, Any]]] = {}
        self.steps: dict[str, list[dict[str, Any]]] = {}
        self.next_outcomes: list[str] = []
        # Set by the server's mode: how a requested model name is reported on
        # runs (compat: "gpt-4o" -> "gpt-4o-2024-08-06"), whether MCP tools
        # wait for approval (Foundry), and whether runs can end "incomplete".
        self.model_alias: Callable[[str], str] = str
        self.tool_approvals = False
        self.incomplete_status = True
        # The metadata keys stored: None keeps every key, () none (a server
        # that does not store metadata), else only these (unknown keys dropped).
        self.keeps_metadata: tuple[str, ...] | None = None
        # On: a message is accepted while a run of its thread is active (some
        # compatible servers do; OpenAI refuses it with a 400).
        self.messages_during_run = False
        self._counter = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter):06d}local"

    def kept(self, metadata: Any) -> dict[str, Any]:
        """The metadata as this server stores it."""
        metadata = metadata or {}
        if self.keeps_metadata is None or not isinstance(metadata, dict):
            return metadata  # type: ignore[no-any-return]
        return {key: value for key, value in metadata.items() if key in self.keeps_metadata}

    def now(self) -> int:
        # Ties within a second are ordered by ID, which only grows.
        return int(time.time())

    # -- assistants -------------------------------------------------------
    def create_assistant(self, body: dict[str, Any]) -> dict[str, Any]:
        assistant = {
            "id": self.new_id("asst"),
            "object": "assistant",
            "created_at": self.now(),
            "name": None,
            "description": None,
            "model": body["model"],
            "instructions": None,
            "tools": [],
            "tool_resources": {},
            "metadata": {},
            "temperature": 1.0,
            "top_p": 1.0,
            "response_format": "auto",
        }
        assistant.update({k: v for k, v in body.items() if k in assistant and v is not None})
        assistant["metadata"] = self.kept(assistant["metadata"])
        self.assistants[assistant["id"]] = assistant
        return assistant

    def assistant(self, assistant_id: str) -> dict[str, Any]:
        if assistant_id not in self.assistants:
            raise NotFound("assistant", assistant_id)
        return self.assistants[assistant_id]

    # -- threads and messages --------------------------------------------
    def create_thread(self, body: dict[str, Any]) -> dict[str, Any]:
        thread = {
            "id": self.new_id("thread"),
            "object": "thread",
            "created_at": self.now(),
            "tool_resources": body.get("tool_resources") or {},
            "metadata": self.kept(body.get("metadata")),
        }
        self.threads[thread["id"]] = thread
        self.messages[thread["id"]] = []
        self.runs[thread["id"]] = {}
        for message in body.get("messages") or []:
            self.add_message(thread["id"], message, check_active=False)
        return thread

    def thread(self, thread_id: str) -> dict[str, Any]:
        if thread_id not in self.threads:
            raise NotFound("thread", thread_id)
        return self.threads[thread_id]

    def delete_thread(self, thread_id: str) -> dict[str, Any]:
        self.thread(thread_id)
        for table in (self.threads, self.messages, self.runs):
            del table[thread_id]
        return {"id": thread_id, "object": "thread.deleted", "deleted": True}

    def active_run(self, thread_id: str) -> dict[str, Any] | None:
        return next((r for r in self.runs[thread_id].values() if r["status"] in ACTIVE), None)

    def add_message(
        self,
        thread_id: str,
        body: dict[str, Any],
        check_active: bool = True,
        assistant_id: str | None = None,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        self.thread(thread_id)
        active = self.active_run(thread_id) if check_active and not self.messages_during_run else None
        if active is not None:
            raise Conflict(f"Can't add messages to {thread_id} while a run {active['id']} is active.")
        content = body["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": {"value": content, "annotations": []}}]
        else:
            content = [
                {"type": "text", "text": {"value": part["text"], "annotations": []}}
                if part.get("type") == "text"
                else part
                for part in content
            ]
        message = {
            "id": self.new_id("msg"),
            "object": "thread.message",
            "created_at": self.now(),
            "thread_id": thread_id,
            "status": "completed",
            "incomplete_details": None,
            "completed_at": None,
            "incomplete_at": None,
            "role": body["role"],
            "content": content,
            "assistant_id": assistant_id,
            "run_id": run_id,
            "attachments": body.get("attachments") or [],
            "metadata": self.kept(body.get("metadata")),
        }
        message["completed_at"] = message["created_at"]
        self.messages[thread_id].append(message)
        return message

    # -- runs ------------------------------------------------------------
    def create_run(self, thread_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self.thread(thread_id)
        assistant = self.assistant(body["assistant_id"])
        active = self.active_run(thread_id)
        if active is not None:
            raise Conflict(f"Thread {thread_id} already has an active run {active['id']}.")
        for message in body.get("additional_messages") or []:
            self.add_message(thread_id, message, check_active=False)
        created = self.now()
        tools = body.get("tools")
        run = {
            "id": self.new_id("run"),
            "object": "thread.run",
            "created_at": created,
            "thread_id": thread_id,
            "assistant_id": assistant["id"],
            "status": "queued",
            "required_action": None,
            "last_error": None,
            "expires_at": created + 600,
            "started_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "incomplete_details": None,
            "model": self.model_alias(body.get("model") or assistant["model"]),
            "instructions": body.get("instructions") or assistant["instructions"] or "",
            "tools": assistant["tools"] if tools is None else tools,
            "metadata": self.kept(body.get("metadata")),
            "usage": None,
            "temperature": body.get("temperature", assistant["temperature"]),
            "top_p": body.get("top_p", assistant["top_p"]),
            "max_prompt_tokens": body.get("max_prompt_tokens"),
            "max_completion_tokens": body.get("max_completion_tokens"),
            "truncation_strategy": body.get("truncation_strategy") or {"type": "auto", "last_messages": None},
            "tool_choice": body.get("tool_choice") or "auto",
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "response_format": body.get("response_format") or assistant["response_format"],
        }
        if body.get("additional_instructions"):
            run["instructions"] = f"{run['instructions']}\n{body['additional_instructions']}".strip()
        run["_since"] = time.monotonic()
        run["_outcome"] = self.next_outcomes.pop(0) if self.next_outcomes else self._outcome_from_text(thread_id)
        self.runs[thread_id][run["id"]] = run
        self.steps[run["id"]] = []
        return run

    def run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        self.thread(thread_id)
        if run_id not in self.runs[thread_id]:
            raise NotFound("run", run_id)
        return self.runs[thread_id][run_id]

    def all_runs(self) -> list[dict[str, Any]]:
        return [run for runs in self.runs.values() for run in runs.values()]

    def cancel(self, thread_id: str, run_id: str) -> dict[str, Any]:
        run = self.run(thread_id, run_id)
        if run["status"] not in ACTIVE or run["status"] == "cancelling":
            raise Conflict(f"Cannot cancel run with status '{run['status']}'.")
        run["status"] = "cancelling"
        run["required_action"] = None
        return run

    def submit_tool_outputs(self, thread_id: str, run_id: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
        run = self.run(thread_id, run_id)
        if run["status"] != "requires_action":
            raise Conflict(f'Runs in status "{run["status"]}" do not accept tool outputs.')
        wanted = {call["id"] for call in run["required_action"]["submit_tool_outputs"]["tool_calls"]}
        given = {output.get("tool_call_id") for output in outputs}
        if wanted - given:
            raise Conflict(f"Expected tool outputs for call_ids {sorted(wanted)}, got {sorted(given - {None})}.")
        run["_tool_outputs"] = outputs
        run["required_action"] = None
        run["status"] = "in_progress"
        return run

    def submit_tool_approvals(self, thread_id: str, run_id: str, approvals: list[dict[str, Any]]) -> dict[str, Any]:
        """Foundry's answer to a submit_tool_approval action: approve or deny each MCP call."""
        run = self.run(thread_id, run_id)
        action = run["required_action"] or {}
        if run["status"] != "requires_action" or action.get("type") != "submit_tool_approval":
            raise Conflict(f'Runs in status "{run["status"]}" do not accept tool approvals.')
        calls = {call["id"]: call for call in action["submit_tool_approval"]["tool_calls"]}
        given = {approval.get("tool_call_id") for approval in approvals}
        if set(calls) - given:
            raise Conflict(f"Expected tool approvals for call_ids {sorted(calls)}, got {sorted(given - {None})}.")
        run["_approvals"] = [dict(calls[a["tool_call_id"]], approve=a.get("approve") is True) for a in approvals]
        run["required_action"] = None
        run["status"] = "in_progress"
        return run

    def _approval_action(self, mcp_tools: list[dict[str, Any]]) -> dict[str, Any]:
        calls = [
            {
                "id": self.new_id("call"),
                "type": "mcp",
                "arguments": json.dumps({}),
                "name": (tool.get("allowed_tools") or ["search"])[0],
                "server_label": tool.get("server_label", ""),
            }
            for tool in mcp_tools
        ]
        return {"type": "submit_tool_approval", "submit_tool_approval": {"tool_calls": calls}}

    def advance(self, run: dict[str, Any]) -> None:
        """One tick of the run clock: move the run one status on."""
        status, now = run["status"], self.now()
        if status == "queued":
            run["status"], run["started_at"] = "in_progress", now
        elif status == "cancelling":
            run["status"], run["cancelled_at"] = "cancelled", now
        elif status == "in_progress":
            function = next((t for t in run["tools"] if t.get("type") == "function"), None)
            mcp_tools = [t for t in run["tools"] if t.get("type") == "mcp"] if self.tool_approvals else []
            if mcp_tools and "_approvals" not in run:
                run["status"] = "requires_action"
                run["required_action"] = self._approval_action(mcp_tools)
            elif function is not None and "_tool_outputs" not in run:
                run["status"] = "requires_action"
                run["required_action"] = {
                    "type": "submit_tool_outputs",
                    "submit_tool_outputs": {
                        "tool_calls": [
                            {
                                "id": self.new_id("call"),
                                "type": "function",
                                "function": {"name": function["function"]["name"], "arguments": json.dumps({})},
                            }
                        ]
                    },
                }
            else:
                self._finish(run, now)

    def advance_thread(self, thread_id: str) -> None:
        for run in self.runs.get(thread_id, {}).values():
            if run["status"] in ACTIVE:
                self.advance(run)

    def _finish(self, run: dict[str, Any], now: int) -> None:
        outcome = run.pop("_outcome", None) or "completed"
        run["status"] = outcome
        if outcome == "failed":
            run["failed_at"] = now
            run["last_error"] = {"code": "server_error", "message": "The local model was told to fail this run."}
            return
        if outcome == "expired":
            run["expires_at"] = now
            return
        answer = self._answer(run)
        message = self.add_message(
            run["thread_id"],
            {"role": "assistant", "content": answer},
            check_active=False,
            assistant_id=run["assistant_id"],
            run_id=run["id"],
        )
        prompt = sum(len(_text(m).split()) for m in self.messages[run["thread_id"]][:-1])
        completion = len(answer.split())
        run["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        if outcome == "incomplete" and self.incomplete_status:
            run["incomplete_details"] = {"reason": "max_completion_tokens"}
        else:
            if outcome == "incomplete":  # no such status here: completed, with the reason
                run["status"] = "completed"
                run["incomplete_details"] = {"reason": "max_completion_tokens"}
            run["completed_at"] = now
        self.steps[run["id"]].append(self._message_step(run, message, now))

    def _answer(self, run: dict[str, Any]) -> str:
        approvals = run.get("_approvals")
        if approvals is not None:
            ran = [f"{a['server_label']}.{a['name']}" for a in approvals if a["approve"]]
            if not ran:
                return "The MCP tool call was denied, so no tool ran."
            return "MCP tool ran: " + ", ".join(ran)
        outputs = run.get("_tool_outputs")
        if outputs:
            return "Tool outputs: " + "; ".join(str(o.get("output", "")) for o in outputs)
        users = [m for m in self.messages[run["thread_id"]] if m["role"] == "user"]
        return f"You said: {_text(users[-1])}" if users else "Hello! The thread has no message yet."

    def _outcome_from_text(self, thread_id: str) -> str | None:
        users = [m for m in self.messages[thread_id] if m["role"] == "user"]
        text = _text(users[-1]) if users else ""
        return next((status for marker, status in OUTCOME_MARKERS.items() if marker in text), None)

    def _message_step(self, run: dict[str, Any], message: dict[str, Any], now: int) -> dict[str, Any]:
        return {
            "id": self.new_id("step"),
            "object": "thread.run.step",
            "created_at": now,
            "assistant_id": run["assistant_id"],
            "thread_id": run["thread_id"],
            "run_id": run["id"],
            "type": "message_creation",
            "status": "completed",
            "step_details": {"type": "message_creation", "message_creation": {"message_id": message["id"]}},
            "last_error": None,
            "expired_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": now,
            "metadata": {},
            "usage": run["usage"],
        }


def _text(message: dict[str, Any]) -> str:
    return " ".join(part["text"]["value"] for part in message["content"] if part.get("type") == "text")


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without the store's private bookkeeping keys."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}
