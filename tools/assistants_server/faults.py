"""Faults a test scripts per request: error statuses, resets, slow answers,
and hostile servers (trickled bodies, endless keep-alives, gzip bombs, odd
JSON, echoed credentials, silence, endless lists)."""

from __future__ import annotations

import functools
import random
import re
import struct
import threading
import zlib
from dataclasses import dataclass
from typing import Any, Optional

# A server holds a connection open (keepalive, never_answer) at most this long.
HOLD_CAP_SECONDS = 600.0
BOMB_INFLATED_SIZE = 1 << 30  # 1 GiB
ECHO_AUTH_FORMS = ("plain", "urlencoded", "spaced", "proxy_b64")
# 2xx bodies a client cannot read (see fault_answers.unreadable_body).
UNREADABLE_KINDS = ("not_json", "bad_utf8", "deep", "over_cap", "wrong_shape", "garbage_event")
STREAM_KINDS = ("break", "cut", "error")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# Fault.json's default: None is a JSON value (null) a test may want answered.
UNSET: Any = _Unset()


@dataclass
class Fault:
    """What to do instead of (or after) answering a matching request.

    method/path select requests (path is a regular expression matched against
    the path below the API prefix, /v1 in OpenAI mode; None matches any). The
    fault applies `times` times. Unless `after` is set, the request's work
    (creating the run...) is not done, except for `trickle` and `endless_list`,
    which deliver the real answer.
    """

    method: Optional[str] = None
    path: Optional[str] = None
    times: int = 1
    status: Optional[int] = None
    # "json" (the API's error shape), "html", "text", "empty" or "huge"
    body: str = "json"
    retry_after: Optional[str] = None
    retry_after_ms: Optional[str] = None
    # Close the connection with a TCP reset instead of answering (mid-answer
    # when the request was processed first).
    reset: bool = False
    # Seconds to wait first. Without `after` the work is still done after the
    # wait, client or not (a slow server); with `after` the work is done, then
    # the answer waits, and is dropped if the client leaves meanwhile.
    delay: float = 0.0
    # Process the request (create the run...) before the fault applies.
    after: bool = False
    # For a streamed answer: "break" stops it halfway without [DONE], "cut"
    # resets it before its first event is whole, "error" sends an error event
    # after the first event.
    stream: Optional[str] = None
    # Answer with a redirect to this URL instead (Location header).
    redirect: Optional[str] = None
    # Set on faults drawn at random by FaultPlan.chaos, for assertions.
    chaos: bool = False
    # Answer the real answer's status and headers, then its body one byte
    # every `trickle` seconds until done or the client leaves.
    trickle: Optional[float] = None
    # Answer 200 text/event-stream and send ": keep-alive" comment lines every
    # `keepalive` seconds, never an event, until the client leaves (or 10 min).
    keepalive: Optional[float] = None
    # Answer `status` (default 200) with Content-Encoding: gzip and a body that
    # inflates to 1 GiB of zeros (about 1 MiB on the wire).
    gzip_bomb: bool = False
    # Answer exactly this JSON value with `status` (default 200): [], None, "ok"...
    json: Any = UNSET
    # Answer `status` (default 401) with an error whose message carries the
    # request's credential: "plain", "urlencoded", "spaced" or "proxy_b64".
    echo_auth: Optional[str] = None
    # Read the request, then hold the connection without a byte of answer
    # until the client leaves (or 10 min).
    never_answer: bool = False
    # Answer list requests with has_more always true and the same page (so the
    # same last_id) whatever `after` asks for.
    endless_list: bool = False
    # Answer `status` (default 200) with a body that cannot be read: one of
    # UNREADABLE_KINDS (with `after`, once the work is done).
    unreadable: Optional[str] = None

    def __post_init__(self) -> None:
        if self.echo_auth is not None and self.echo_auth not in ECHO_AUTH_FORMS:
            raise ValueError(f"echo_auth must be one of {', '.join(ECHO_AUTH_FORMS)}, not {self.echo_auth!r}")
        if self.unreadable is not None and self.unreadable not in UNREADABLE_KINDS:
            raise ValueError(f"unreadable must be one of {', '.join(UNREADABLE_KINDS)}, not {self.unreadable!r}")
        if self.stream is not None and self.stream not in STREAM_KINDS:
            raise ValueError(f"stream must be one of {', '.join(STREAM_KINDS)}, not {self.stream!r}")

    @property
    def needs_answer(self) -> bool:
        """Whether the real answer is computed even without `after`."""
        return self.trickle is not None or self.endless_list

    @property
    def only_shapes_list(self) -> bool:
        """An endless_list fault with nothing else to do: the answer goes out as usual."""
        return self.endless_list and self == Fault(
            method=self.method, path=self.path, times=self.times, endless_list=True, chaos=self.chaos
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or re.fullmatch(self.path, path) is not None


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._chaos: dict[str, object] | None = None
        self._random = random.Random(0)

    def chaos(
        self,
        status: int,
        probability: float,
        after_share: float = 0.0,
        retry_after_ms: str | None = None,
        seed: int = 0,
    ) -> None:
        """From now on, answer a random share of requests with `status`; of
        those, a share `after_share` only after doing the work."""
        with self._lock:
            self._random = random.Random(seed)
            self._chaos = {
                "status": status,
                "probability": probability,
                "after_share": after_share,
                "retry_after_ms": retry_after_ms,
            }

    def add(self, fault: Fault | None = None, **fields: object) -> Fault:
        fault = fault or Fault(**fields)  # type: ignore[arg-type]
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
            chaos = self._chaos
            if chaos is not None and self._random.random() < chaos["probability"]:
                return Fault(
                    status=chaos["status"],
                    retry_after_ms=chaos["retry_after_ms"],  # type: ignore[arg-type]
                    after=self._random.random() < chaos["after_share"],
                    chaos=True,
                )  # type: ignore[operator]
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._chaos = None


_bomb_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _build_gzip_bomb() -> bytes:
    # After a full flush deflate starts afresh on a byte boundary, so one
    # compressed MiB of zeros can be repeated: ~1 ms instead of compressing
    # the whole GiB (~5 s). Only the CRC needs the whole length (~1 s).
    chunk = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    count = BOMB_INFLATED_SIZE // len(chunk)
    crc = 0
    for _index in range(count):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, max compression
    trailer = struct.pack("<II", crc, BOMB_INFLATED_SIZE & 0xFFFFFFFF)
    return header + block * count + packer.flush(zlib.Z_FINISH) + trailer


def gzip_bomb() -> bytes:
    """The gzip body that inflates to 1 GiB, built on first use and kept."""
    with _bomb_lock:
        return _build_gzip_bomb()
