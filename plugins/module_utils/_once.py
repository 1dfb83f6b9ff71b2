# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exactly once: sending a call that changes something, and never sending it
again without proof that the first one did nothing. Plain Python.

After an answer that leaves it unknown whether the server acted (a 5xx, a
read timeout, a reset after the request went out), a creation is looked up
by the marker it carries in its metadata (MARKER_KEY, unique to the task).
Only when the lookup succeeds and finds nothing is the call sent again. A
creation that cannot be looked up is never sent again: the failure names the
marker, so the user can find what may exist.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Optional

from ._client import OpenAIClient
from ._errors import APIError, OpenAIError, TransportError

MARKER_KEY = "seed_openai_request"
MAX_METADATA_PAIRS = 16

Lookup = Callable[[], Optional[dict[str, Any]]]


def new_marker() -> str:
    return uuid.uuid4().hex


def with_marker(body: dict[str, Any], marker: Optional[str]) -> tuple[dict[str, Any], Optional[str]]:
    """The body with the task's marker in its metadata, and the marker used
    (None when marking is off or the metadata is already full)."""
    metadata = dict(body.get("metadata") or {})
    if marker is None or len(metadata) >= MAX_METADATA_PAIRS:
        return body, None
    metadata[MARKER_KEY] = marker
    return dict(body, metadata=metadata), marker


def carries(obj: Any, marker: Optional[str]) -> bool:
    return (
        marker is not None
        and isinstance(obj, dict)
        and isinstance(obj.get("metadata"), dict)
        and obj["metadata"].get(MARKER_KEY) == marker
    )


def ambiguous(error: OpenAIError) -> bool:
    """True when the server may have acted although the call failed."""
    if isinstance(error, TransportError):
        return error.maybe_sent
    return isinstance(error, APIError) and error.status >= 500


class MaybeCreated(OpenAIError):
    """The answer was lost and what the call made cannot be looked up."""


class LookupFailed(OpenAIError):
    """The answer was lost and the lookup for what the call made failed too."""


def lost_answer_note(what: str, marker: Optional[str]) -> str:
    if marker is None:
        return f"{what} may have been created; look before you run the task again"
    return f"{what} may have been created: look for metadata {MARKER_KEY}={marker} before you run the task again"


def send_once(
    client: OpenAIClient,
    send: Callable[[], Any],
    what: str,
    marker: Optional[str],
    lookup: Optional[Lookup] = None,
    also_ambiguous: Callable[[OpenAIError], bool] = lambda error: False,
    warn: Optional[Callable[[str], None]] = None,
) -> Any:
    """`send()` once, and again only with proof that the last try did nothing.

    `lookup()` finds what an earlier try made (None when it made nothing); it is
    used only after an ambiguous answer. Without a lookup, an ambiguous answer
    fails at once. `also_ambiguous` names errors that are ambiguous only after
    an earlier lost answer (a conflict with what that try may have made).
    429s are retried below, in the client, which proves nothing was done."""
    resent = False
    while True:
        try:
            return send()
        except OpenAIError as error:
            if not (ambiguous(error) or (resent and also_ambiguous(error))):
                raise
            if lookup is None:
                error.add_note_to_message(lost_answer_note(what, marker))
                raise
            try:
                found = lookup()
            except OpenAIError as lookup_error:
                raise LookupFailed(
                    f"{error} Looking for what it made failed too ({lookup_error}); " + lost_answer_note(what, marker)
                ) from None
            if found is not None:
                if warn is not None:
                    warn(f"the answer was lost ({error}); {what} {found.get('id')} had been created and is returned")
                return found
            if not client.can_retry():
                raise
            client.spend_retry(_cause(error), _wait(error, client))
            resent = True


def _cause(error: OpenAIError) -> str:
    return f"HTTP {error.status}" if isinstance(error, APIError) else "a lost answer"


def _wait(error: OpenAIError, client: OpenAIClient) -> float:
    from . import _backoff

    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, (int, float)) and 0 <= retry_after <= _backoff.MAX_RETRY_AFTER:
        return float(retry_after)
    return _backoff.backoff_delay(client.retries_done + 1)
