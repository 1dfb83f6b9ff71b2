# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exactly once: sending a call that changes something, and never sending it
again without proof that the first one did nothing. Plain Python.

The rule: a resend needs proof; a lookup that could not see everything is
not proof.

After an answer that leaves it unknown whether the server acted (a 5xx, a
read timeout, a reset after the request went out), a creation is looked up
by the marker it carries in its metadata (MARKER_KEY, unique to the task).
The lookup reads the whole list, whatever the server does with `order`,
`after` and `limit`, so it has seen every object made since the attempt
began. Only when it has, and none of them carries the marker or could be the
task's own (an object that new without any marker: the server may have
dropped it), is the call sent again. A 2xx whose body cannot be read proves
the server acted: what it made is looked up, and never made again. A
creation that cannot be looked up is never sent again: the failure names the
marker, so the user can find what may exist.
"""

from __future__ import annotations

import email.utils
import time
import uuid
from collections.abc import Mapping
from typing import Any, Callable, Optional

from ._client import OpenAIClient
from ._errors import APIError, OpenAIError, TransportError, one_line
from ._resources import whole_list
from ._shapes import seconds

MARKER_KEY = "seed_openai_request"
MAX_METADATA_PAIRS = 16
# Slack, in seconds, before the moment the attempt began, by the server's
# clock (its Date header, one-second resolution); without a Date header the
# local clock stands in, and may be off by minutes.
WINDOW_SLACK = 5.0
UNDATED_SLACK = 300.0
# Candidates named in a message; the rest are counted.
MAX_NAMED = 5

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
    if error.answered:
        return True
    if isinstance(error, TransportError):
        return error.maybe_sent
    return isinstance(error, APIError) and error.status >= 500


class MaybeCreated(OpenAIError):
    """The answer was lost and something made since the attempt began may be
    what the call made: it carries no marker, so nothing proves it is not."""


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
    made: Optional[dict[str, Any]] = None,
) -> Any:
    """`send()` once, and again only with proof that the last try did nothing.

    `lookup()` finds what an earlier try made (None when it made nothing); it is
    used only after an ambiguous answer. Without a lookup, an ambiguous answer
    fails at once. `also_ambiguous` names errors that are ambiguous only after
    an earlier lost answer (a conflict with what that try may have made).
    A 2xx whose body could not be read is never followed by a resend; when
    what it made cannot be returned, `made` gets the marker, so the failed
    task says it changed something and names what to look for.
    429s are retried below, in the client, which proves nothing was done."""
    resent = False
    while True:
        try:
            return send()
        except OpenAIError as error:
            if not (ambiguous(error) or (resent and also_ambiguous(error))):
                raise
            if getattr(error, "run", None) is not None:
                raise  # it carries what the call made: nothing to look for
            try:
                found = None if lookup is None else lookup()
            except MaybeCreated as unproven:
                _acted(error, made, marker)
                raise MaybeCreated(f"{_sentence(error)} Nothing was sent again: {unproven}") from None
            except OpenAIError as lookup_error:
                _acted(error, made, marker)
                raise LookupFailed(
                    f"{_sentence(error)} Looking for what it made failed too ({lookup_error}); "
                    + lost_answer_note(what, marker)
                ) from None
            if found is not None:
                if warn is not None:
                    warn(f"the answer was lost ({error}); {what} {found.get('id')} had been created and is returned")
                return found
            if lookup is None or error.answered:
                _acted(error, made, marker)
                answered = "The lookup found nothing, but the server had answered 2xx, so nothing was sent again; "
                answered = answered if lookup is not None else ""
                error.add_note_to_message(answered + lost_answer_note(what, marker))
                raise
            if not client.can_retry():
                raise
            client.spend_retry(_cause(error), _wait(error, client))
            resent = True


def _sentence(error: OpenAIError) -> str:
    text = str(error)
    return text if text.endswith(".") else f"{text}."


def _acted(error: OpenAIError, made: Optional[dict[str, Any]], marker: Optional[str]) -> None:
    """After a 2xx that could not be read, the failed task still changed
    something: `made` (the task's result on failure) names the marker."""
    if error.answered and made is not None and marker is not None:
        made["marker"] = marker


def find_marked(
    client: OpenAIClient,
    url: str,
    marker: str,
    started: float,
    kind: str,
    unlike: Callable[[dict[str, Any]], bool] = lambda obj: False,
) -> Optional[dict[str, Any]]:
    """The object of the list at `url` that carries `marker`; None only when
    the whole list was read and nothing in it could be what the call made.

    Every page is read, in whatever order the server gives them: `order`,
    `after` and `limit` are asked for, never trusted, and a list that cannot
    be read to its end raises (see _resources.whole_list). An object made
    since `started` (time.time() when the attempt began; by the server's
    clock, with slack) that carries no marker at all may be the call's, on a
    server that dropped the marker: MaybeCreated names it. `unlike(obj)` is
    True for an object that cannot be the call's whatever its metadata (a
    message of another role, a run of another assistant)."""
    window: Optional[float] = None
    unmarked: list[str] = []
    for data, headers in whole_list(client, url, {"limit": 100, "order": "desc"}):
        if window is None:
            window = window_start(headers, started)
        for obj in data:
            if carries(obj, marker):
                return obj  # type: ignore[no-any-return]
            if isinstance(obj, dict) and _unmarked(obj) and _since(obj, window) and not unlike(obj):
                unmarked.append(one_line(str(obj.get("id")), 80))
    if unmarked:
        more = len(unmarked) - MAX_NAMED
        named = ", ".join(unmarked[:MAX_NAMED]) + (f" and {more} more" if more > 0 else "")
        one = len(unmarked) == 1
        raise MaybeCreated(
            f"{kind} {named} {'was' if one else 'were'} created since the request went out and "
            f"{'carries' if one else 'carry'} no marker (the server may not keep metadata), so "
            f"{'it' if one else 'one of them'} may be this task's; check {'it' if one else 'them'}, and look for "
            f"metadata {MARKER_KEY}={marker}, before you run the task again"
        )
    return None


def marked_lookup(
    client: OpenAIClient,
    url: str,
    marker: Optional[str],
    kind: str,
    unlike: Callable[[dict[str, Any]], bool] = lambda obj: False,
) -> Optional[Lookup]:
    """The lookup of what a creation about to be sent made: find_marked on the
    list at `url`, for the attempt that begins now; None without a marker
    (nothing could prove that nothing was made)."""
    if marker is None:
        return None
    found_marker, started = marker, time.time()

    def lookup() -> Optional[dict[str, Any]]:
        return find_marked(client, url, found_marker, started, kind, unlike)

    return lookup


def window_start(headers: Mapping[str, str], started: float) -> float:
    """The earliest creation time, in the server's seconds, of what an
    attempt that began at `started` (local time.time()) can have made."""
    server_now = _header_time(headers.get("Date"))
    if server_now is None:
        return started - UNDATED_SLACK
    return server_now - (time.time() - started) - WINDOW_SLACK


def _header_time(value: Optional[str]) -> Optional[float]:
    parsed = email.utils.parsedate_tz(value) if isinstance(value, str) and value else None
    return None if parsed is None else float(email.utils.mktime_tz(parsed))


def _unmarked(obj: dict[str, Any]) -> bool:
    metadata = obj.get("metadata")
    return not (isinstance(metadata, dict) and isinstance(metadata.get(MARKER_KEY), str))


def _since(obj: dict[str, Any], window: float) -> bool:
    """Made at or after `window`; an object without a readable time may be."""
    created = seconds(obj.get("created_at"))
    return created is None or created >= window


def _cause(error: OpenAIError) -> str:
    return f"HTTP {error.status}" if isinstance(error, APIError) else "a lost answer"


def _wait(error: OpenAIError, client: OpenAIClient) -> float:
    from . import _backoff

    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, (int, float)) and 0 <= retry_after <= _backoff.MAX_RETRY_AFTER:
        return float(retry_after)
    return _backoff.backoff_delay(client.retries_done + 1)
