# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run's server-sent events -> the final run and the assistant's text: plain Python."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ._errors import OpenAIError, TransportError, one_line


class StreamFailed(OpenAIError):
    """An `error` event, bad data, or a stream that ended before [DONE];
    `run` is the last run the stream showed (None before the first)."""

    # A stream comes after a 2xx: the call was acted on, even when no run showed.
    answered = True

    def __init__(self, message: str, run: dict[str, Any] | None, broken: bool = False) -> None:
        super().__init__(message)
        self.run = run
        # True when the connection broke (the run may well go on), not the server's own error.
        self.broken = broken


def server_sent_events(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs from the lines of a text/event-stream."""
    event, data = "message", []  # type: str, list[str]
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            name, _sep, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
    if data:
        yield event, "\n".join(data)


def _text_value(part: Any) -> str:
    """The text of a content part {"type": "text", "text": {"value": ...}}; '' for anything else."""
    if not isinstance(part, dict) or part.get("type") != "text":
        return ""
    text = part.get("text")
    value = text.get("value") if isinstance(text, dict) else None
    return value if isinstance(value, str) else ""


def _parts(container: Any, key: str) -> list[Any]:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, list) else []


def _message_key(payload: dict[str, Any]) -> str:
    key = payload.get("id")
    return key if isinstance(key, str) else ""


def read_run_stream(lines: Iterable[str]) -> tuple[dict[str, Any], str]:
    """Follow a run's events to data: [DONE]; return the final run and the text
    of the assistant's messages. Parts of the wrong shape are skipped."""
    run: dict[str, Any] | None = None
    texts: dict[str, str] = {}
    try:
        for event, data in server_sent_events(lines):
            run = _take_event(event, data, run, texts)
            if data == "[DONE]" and run is not None:
                return run, "\n".join(text for text in texts.values() if text)
    except TransportError as error:
        if run is None:
            raise
        # The run it showed is kept, so the failure can return it.
        raise StreamFailed(str(error), run, broken=True) from None
    raise StreamFailed("the event stream ended before data: [DONE]", run, broken=True)


def _take_event(event: str, data: str, run: dict[str, Any] | None, texts: dict[str, str]) -> dict[str, Any] | None:
    """The run after one event (the text of message events goes into `texts`)."""
    if data == "[DONE]":
        if run is None:
            raise StreamFailed("the event stream ended without a run", None)
        return run
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):
        raise StreamFailed(
            f"the event stream sent {one_line(event, 80)} data that is not JSON: {one_line(data, 80)}", run
        ) from None
    if event == "error":
        error = payload.get("error", payload) if isinstance(payload, dict) else {}
        message = error.get("message") if isinstance(error, dict) else None
        raise StreamFailed(f"the event stream reported an error: {one_line(str(message or data))}", run)
    if not isinstance(payload, dict):
        return run
    if event.startswith("thread.run.") and payload.get("object") == "thread.run":
        return payload
    if event == "thread.message.delta":
        key = _message_key(payload)
        added = "".join(_text_value(part) for part in _parts(payload.get("delta"), "content"))
        texts[key] = texts.get(key, "") + added
    elif event == "thread.message.completed" and payload.get("role") == "assistant":
        texts[_message_key(payload)] = "".join(_text_value(part) for part in _parts(payload, "content"))
    return run
