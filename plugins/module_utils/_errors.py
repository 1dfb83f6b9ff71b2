# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors the client raises, each carrying a one-line message: plain Python."""

from __future__ import annotations

import html
import json
import re
from typing import Any

SUNSET_NOTE = (
    "OpenAI sunset its hosted Assistants API on 2026-08-26; set api_base "
    "(or OPENAI_API_BASE) to an Assistants-compatible server"
)
MAX_DETAIL = 300
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_SPACE = re.compile(r"\s+")


class OpenAIError(Exception):
    """Base of every error the client raises; str() is a one-line message."""

    def add_note_to_message(self, note: str) -> None:
        message = str(self)
        self.args = (f"{message}{'' if message.endswith('.') else '.'} {note}",)


class InvalidInput(OpenAIError):
    """Raised before any request: the task's options cannot make a valid call."""


class TransportError(OpenAIError):
    """No usable answer: connection refused or reset, timeout, TLS failure."""

    def __init__(self, message: str, url: str, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.url = url
        # True when the request may have reached the server before the failure
        # (a read timeout, a reset mid-answer): what it asked for may exist.
        self.maybe_sent = maybe_sent


class APIError(OpenAIError):
    """The server answered with an error status."""

    def __init__(
        self,
        status: int,
        reason: str,
        error: dict[str, Any],
        request_id: str | None,
        url: str,
        note: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        # Seconds the server asked to wait before another attempt, if it said.
        self.retry_after = retry_after
        self.reason = reason
        self.error = error
        self.request_id = request_id
        self.url = url
        message = f"OpenAI API returned {status} ({reason}): {error['message']}"
        if note:
            message = f"{message}{'' if message.endswith('.') else '.'} {note}"
        super().__init__(message)

    def as_result(self) -> dict[str, Any]:
        return {"status": self.status, "error": self.error, "request_id": self.request_id}


def retries_text(count: int) -> str:
    return f"{count} retr{'y' if count == 1 else 'ies'}"


def one_line(text: str, limit: int = MAX_DETAIL) -> str:
    """Collapse markup and whitespace so any error body reads as one short line."""
    text = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


def parse_error_body(raw: bytes, content_type: str | None = None) -> dict[str, Any]:
    """The spec's Error fields (type, code, param, message) from any body."""
    error: dict[str, Any] = {"type": None, "code": None, "param": None, "message": ""}
    text = raw.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text) if text.strip() else None
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        for key in error:
            value = payload["error"].get(key)
            error[key] = None if value is None else one_line(str(value))
    elif isinstance(payload, dict) and isinstance(payload.get("message"), str):
        error["message"] = one_line(payload["message"])
    elif text.strip():
        error["message"] = one_line(text)
    if not error["message"]:
        error["message"] = "the answer had no error details" + ("" if text.strip() else " (empty body)")
    return error
