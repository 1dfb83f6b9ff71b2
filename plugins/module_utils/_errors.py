# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors the client raises, each carrying a one-line message: plain Python."""

from __future__ import annotations

import html
import json
import re
from typing import Any, Callable
from urllib.parse import urlsplit

SUNSET_NOTE = (
    "OpenAI sunset its hosted Assistants API on 2026-08-26: api.openai.com no longer serves it. Set api_base "
    "(or OPENAI_API_BASE) to an Assistants-compatible server's URL with its path prefix, such as "
    "https://assistants.example.com/v1"
)
# The path prefixes compatible servers serve the API below, most common first.
COMMON_PREFIXES = ("/v1", "/api/v1", "/openai/v1")
# The first path segments of the routes this collection calls.
KNOWN_ROUTES = ("assistants", "threads")
_NAMES_AN_OBJECT = re.compile(r"\b(assistant|thread|run|message|step|file|vector|model)s?\b", re.I)
MAX_DETAIL = 300
# Error bodies are read up to this size; one_line() looks at no more than this
# many characters, so its cost is bounded whatever the server sends.
ERROR_BODY_LIMIT = 64 * 1024
_OPEN_RAW_TAG = re.compile(r"<(script|style)\b", re.I)
_CLOSE_RAW_TAG = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}
_OBJECT_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-f]+>:?\s*")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")
_TYPE_NAMES = {
    "list": "a list",
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
    "NoneType": "null",
    "dict": "an object",
}


class OpenAIError(Exception):
    """Base of every error the client raises; str() is a one-line message."""

    # True when the server had answered 2xx before the failure (the body could
    # not be read, broke, or is not what the endpoint returns): it acted.
    answered = False

    def add_note_to_message(self, note: str) -> None:
        message = str(self)
        self.args = (f"{message}{'' if message.endswith('.') else '.'} {note}",)


class InvalidInput(OpenAIError):
    """Raised before any request: the task's options cannot make a valid call."""


class NotCarried(InvalidInput):
    """Raised before any request: the wire API the task speaks cannot carry an
    option, or cannot find an object by what the task gives (an assistant's name
    where the service keeps no assistants)."""


class TransportError(OpenAIError):
    """No usable answer: connection refused or reset, timeout, TLS failure."""

    def __init__(self, message: str, url: str, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.url = url
        # True when the request may have reached the server before the failure
        # (a read timeout, a reset mid-answer): what it asked for may exist.
        self.maybe_sent = maybe_sent


class DeadlineExceeded(TransportError):
    """The call's deadline passed before the whole answer arrived."""


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
        method: str | None = None,
    ) -> None:
        self.status = status
        # Seconds the server asked to wait before another attempt, if it said.
        self.retry_after = retry_after
        self.reason = reason
        self.error = error
        self.request_id = request_id
        self.url = url
        # What failed, named: the call as sent (without credentials).
        call = f" to {method} {url}" if method else ""
        message = f"OpenAI API returned {status} ({reason}){call}: {error['message']}"
        if note:
            message = f"{message}{'' if message.endswith('.') else '.'} {note}"
        super().__init__(message)

    def as_result(self) -> dict[str, Any]:
        return {"status": self.status, "error": self.error, "request_id": self.request_id}


class BadAnswer(OpenAIError):
    """The server answered 2xx with something that is not what the endpoint returns."""

    answered = True


def root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, as one line."""
    seen = set()
    cause: BaseException | None = exc
    best = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        best = cause
        nested = getattr(cause, "reason", None)
        if not isinstance(nested, BaseException) and cause.args and isinstance(cause.args[0], BaseException):
            nested = cause.args[0]
        cause = nested if isinstance(nested, BaseException) else cause.__cause__
    text = _OBJECT_REPR.sub("", str(best)).strip() or type(best).__name__
    return text.splitlines()[0]


def retries_text(count: int) -> str:
    return f"{count} retr{'y' if count == 1 else 'ies'}"


def type_text(value: Any) -> str:
    """'a list', 'a string', 'null'...: what a JSON value is, for messages."""
    return _TYPE_NAMES.get(type(value).__name__, f"a {type(value).__name__}")


def expect_object(answer: Any, endpoint: str, kind: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The answer when it is a JSON object with every `required` field set to a
    non-empty string; BadAnswer naming the endpoint otherwise."""
    if not isinstance(answer, dict):
        raise BadAnswer(f"{endpoint} answered {type_text(answer)}, not a {kind} object")
    for name in required:
        value = answer.get(name)
        if value is None:
            raise BadAnswer(f"{endpoint} answered a {kind} without {name}")
        if not isinstance(value, str) or not value:
            raise BadAnswer(f"{endpoint} answered a {kind} whose {name} is {type_text(value)}, not an ID string")
    return answer


def bare_not_found(message: str) -> bool:
    """A 404 that names no object: the server has no such route ("Not Found",
    an empty body, OpenAI's "Invalid URL (...)"), rather than no such thread."""
    text = message.strip()
    return text.lower().startswith("invalid url") or not _NAMES_AN_OBJECT.search(text)


def not_found_hint(url: str, api_base: str, message: str = "") -> str:
    """A hint for a bare 404 (see bare_not_found) to a route this collection
    knows: the API is served, but not below api_base's path. Most
    Assistants-compatible servers serve it below a prefix such as /v1."""
    base = api_base.rstrip("/")
    if not url.startswith(base + "/") or not bare_not_found(message):
        return ""
    route = url[len(base) + 1 :].split("?", 1)[0].split("/", 1)[0]
    if route not in KNOWN_ROUTES:
        return ""
    examples = ", ".join(base + prefix for prefix in COMMON_PREFIXES[:-1]) + f" or {base}{COMMON_PREFIXES[-1]}"
    if urlsplit(base).path in ("", "/"):
        return f"api_base {base} has no path; if the server serves the API below a prefix, add it (e.g. {examples})"
    prefixes = ", ".join(COMMON_PREFIXES)
    return (
        f"The path may be wrong: the server has no {route} route below api_base {base}; "
        f"check its path prefix (common ones: {prefixes})"
    )


def auth_hint(auth_type: str) -> str:
    """What a 401 or 403 says about the credential the task sent."""
    if auth_type == "entra":
        return (
            "The Entra ID token may be missing, for another tenant or scope (entra_scope), or its identity may "
            "lack access to the project (the Azure AI User role)"
        )
    header = "an api-key header" if auth_type == "api_key" else "a bearer token"
    return (
        f"The API key (sent as {header}) may be missing, wrong, or lack access to this server's Assistants API: "
        "check api_key or OPENAI_API_KEY, and that it is a key for the server at api_base"
    )


def strip_markup(text: str) -> str:
    """The text without tags, script and style elements, in one pass: every
    search starts where the last one ended, so hostile markup costs linear time."""
    out: list[str] = []
    pos, size = 0, len(text)
    while pos < size:
        start = text.find("<", pos)
        if start < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:start])
        out.append(" ")
        raw_tag = _OPEN_RAW_TAG.match(text, start)
        if raw_tag is not None:
            closing = _CLOSE_RAW_TAG[raw_tag.group(1).lower()].search(text, start)
            if closing is None:
                break  # an unclosed script or style: the rest is code, not a message
            start = closing.start()
        end = text.find(">", start)
        if end < 0:
            # No '>' after this '<' means none after any later '<' either.
            out.append(text[start:])
            break
        pos = end + 1
    return "".join(out)


def one_line(text: str, limit: int = MAX_DETAIL) -> str:
    """Collapse markup and whitespace so any error body reads as one short line.

    The text is cut to ERROR_BODY_LIMIT first, and every step is linear: a
    hostile body costs milliseconds, not minutes."""
    text = _SPACE.sub(" ", html.unescape(strip_markup(text[:ERROR_BODY_LIMIT]))).strip()
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


def _no_change(text: str) -> str:
    return text


def _detail_text(detail: Any) -> str:
    """FastAPI's {"detail": [{"loc": [...], "msg": ..., "type": ...}]} as 'loc: msg; ...'."""
    if isinstance(detail, str):
        return detail
    if not isinstance(detail, list):
        return ""
    parts = []
    for item in detail[:20]:
        if not isinstance(item, dict):
            continue
        loc = item.get("loc")
        where = ".".join(str(part) for part in loc[:10]) if isinstance(loc, list) else ""
        message = item.get("msg")
        message = message if isinstance(message, str) else ""
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(part for part in parts if part)


def _field_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)[:ERROR_BODY_LIMIT]
    return str(value)


def parse_error_body(
    raw: bytes, content_type: str | None = None, redact: Callable[[str], str] = _no_change
) -> dict[str, Any]:
    """The spec's Error fields (type, code, param, message) from any body:
    {"error": {...}}, {"error": "text"}, {"detail": "text" or [...]},
    {"message": ...}, plain text or HTML. Secrets are redacted by `redact`
    before any clean-up or cut."""
    error: dict[str, Any] = {"type": None, "code": None, "param": None, "message": ""}
    text = redact(raw[:ERROR_BODY_LIMIT].decode("utf-8", errors="replace"))
    try:
        payload = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):
        payload = None
    message: Any = None
    if isinstance(payload, dict):
        inner = payload.get("error")
        if isinstance(inner, dict):
            for key in ("type", "code", "param"):
                value = inner.get(key)
                error[key] = None if value is None else one_line(redact(_field_text(value)))
            message = inner.get("message")
        elif isinstance(inner, str):
            message = inner
        elif "detail" in payload:
            message = _detail_text(payload["detail"])
        elif isinstance(payload.get("message"), str):
            message = payload["message"]
        else:
            message = text
    elif text.strip():
        message = text
    if message is not None and message != "":
        error["message"] = one_line(redact(_field_text(message)))
    if not error["message"]:
        error["message"] = "the answer had no error details" + ("" if text.strip() else " (empty body)")
    return error
