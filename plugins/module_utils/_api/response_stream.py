# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A response's server-sent events -> the final response and its text: plain Python.

The stream ends with the event of a final status (response.completed,
.failed, .incomplete, .cancelled); a [DONE] line, which the contract does not
list, is taken as the end too. Every event carries sequence_number, kept so a
broken stream can be resumed where it stopped."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Optional

from .._errors import TransportError, one_line
from .._streaming import StreamFailed, server_sent_events
from .response_shapes import output_text

FINAL_EVENTS = ("response.completed", "response.failed", "response.incomplete", "response.cancelled")


class ResponseStream:
    """What a stream has shown so far: the last response, the text, the last sequence number."""

    def __init__(self) -> None:
        self.response: Optional[dict[str, Any]] = None
        self.texts: dict[str, str] = {}
        self.sequence: Optional[int] = None

    def text(self) -> str:
        if self.response is not None and self.response.get("status") in ("completed", "incomplete"):
            final = output_text(self.response)
            if final:
                return final
        return "\n".join(text for text in self.texts.values() if text)

    def take(self, event: str, data: str) -> bool:
        """Take one event; True when it ends the stream."""
        if data == "[DONE]":
            if self.response is None:
                raise StreamFailed("the event stream ended without a response", None)
            return True
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError):
            raise StreamFailed(
                f"the event stream sent {one_line(event, 80)} data that is not JSON: {one_line(data, 80)}",
                self.response,
            ) from None
        if not isinstance(payload, dict):
            return False
        kind: str = payload["type"] if isinstance(payload.get("type"), str) else event
        number = payload.get("sequence_number")
        if isinstance(number, int) and not isinstance(number, bool):
            self.sequence = number
        if kind == "error":
            message = payload.get("message") or (payload.get("error") or {}).get("message") or data
            raise StreamFailed(f"the event stream reported an error: {one_line(str(message))}", self.response)
        if isinstance(payload.get("response"), dict) and kind.startswith("response."):
            self.response = payload["response"]
        elif kind == "response.output_text.delta" and isinstance(payload.get("delta"), str):
            key = str(payload.get("item_id") or "")
            self.texts[key] = self.texts.get(key, "") + payload["delta"]
        return kind in FINAL_EVENTS and self.response is not None


def read_response_stream(lines: Iterable[str], seen: Optional[ResponseStream] = None) -> tuple[dict[str, Any], str]:
    """Follow a response's events to its final status; return the final
    response and its text. `seen` keeps what was shown if the stream breaks."""
    state = seen if seen is not None else ResponseStream()
    try:
        for event, data in server_sent_events(lines):
            if state.take(event, data) and state.response is not None:
                return state.response, state.text()
    except TransportError as error:
        if state.response is None:
            raise
        raise StreamFailed(str(error), state.response, broken=True) from None
    raise StreamFailed("the event stream ended before the response did", state.response, broken=True)
