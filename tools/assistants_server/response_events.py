"""A response's server-sent events, as the Responses API streams them: every
event's data carries its type and sequence_number; no [DONE] line."""

from __future__ import annotations

import copy
import json
from typing import Any

from .routes import Stream

WORDS_PER_DELTA = 3


class ResponseStream(Stream):
    """Responses events (event name = the data's type) without a [DONE] line;
    a scripted stream error is the Responses `error` event."""

    def encode(self, count: int | None = None, error: dict[str, Any] | None = None) -> bytes:
        events = self.events if count is None else self.events[:count]
        chunks = [f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events]
        if error is not None:
            detail = error.get("error", {})
            last = events[-1][1]["sequence_number"] if events else -1
            data = {
                "type": "error",
                "code": detail.get("code") or detail.get("type"),
                "message": detail.get("message", "Stream error."),
                "param": detail.get("param"),
                "sequence_number": last + 1,
            }
            chunks.append(f"event: error\ndata: {json.dumps(data)}\n\n")
        return "".join(chunks).encode()


class EventLog:
    """The events of one response, numbered as they are added."""

    def __init__(self, events: list[tuple[str, Any]]) -> None:
        self.events = events

    def add(self, event_type: str, **fields: Any) -> None:
        data = {"type": event_type, **copy.deepcopy(fields), "sequence_number": len(self.events)}
        self.events.append((event_type, data))

    def lifecycle(self, event_type: str, response: dict[str, Any]) -> None:
        """response.created, .queued, .in_progress, .completed, .failed, .incomplete."""
        self.add(event_type, response=response)

    def item(self, item: dict[str, Any], index: int) -> None:
        """One finished output item as the stream builds it up."""
        if item["type"] == "message":
            self._message(item, index)
        elif item["type"] == "function_call":
            self._function_call(item, index)
        else:
            self.add("response.output_item.added", output_index=index, item=item)
            self.add("response.output_item.done", output_index=index, item=item)

    def _message(self, item: dict[str, Any], index: int) -> None:
        opening = dict(item, status="in_progress", content=[])
        self.add("response.output_item.added", output_index=index, item=opening)
        where = {"item_id": item["id"], "output_index": index}
        for content_index, part in enumerate(item["content"]):
            empty = dict(part, text="") if part["type"] == "output_text" else part
            self.add("response.content_part.added", **where, content_index=content_index, part=empty)
            if part["type"] == "output_text":
                for chunk in deltas(part["text"]):
                    self.add(
                        "response.output_text.delta", **where, content_index=content_index, delta=chunk, logprobs=[]
                    )
                self.add(
                    "response.output_text.done", **where, content_index=content_index, text=part["text"], logprobs=[]
                )
            self.add("response.content_part.done", **where, content_index=content_index, part=part)
        self.add("response.output_item.done", output_index=index, item=item)

    def _function_call(self, item: dict[str, Any], index: int) -> None:
        self.add("response.output_item.added", output_index=index, item=dict(item, arguments="", status="in_progress"))
        where = {"item_id": item["id"], "output_index": index}
        self.add("response.function_call_arguments.delta", **where, delta=item["arguments"])
        self.add("response.function_call_arguments.done", **where, name=item["name"], arguments=item["arguments"])
        self.add("response.output_item.done", output_index=index, item=item)


def deltas(text: str) -> list[str]:
    """The text in pieces of a few words (joined, they give the text back)."""
    words = text.split(" ")
    return [
        " ".join(words[start : start + WORDS_PER_DELTA]) + (" " if start + WORDS_PER_DELTA < len(words) else "")
        for start in range(0, len(words), WORDS_PER_DELTA)
    ]


def after(events: list[tuple[str, Any]], starting_after: int | None) -> ResponseStream:
    """The events after sequence number `starting_after` (all when None)."""
    if starting_after is None:
        return ResponseStream(list(events))
    return ResponseStream([event for event in events if event[1]["sequence_number"] > starting_after])
