# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading an answer's body within a size cap and a deadline: plain Python.

The body is read raw, a chunk at a time, and decompressed here with a bound
on each step's output, so a small gzip body that inflates to gigabytes is
stopped at the cap. Each read returns as soon as any bytes arrive and waits
at most the time left, so a body trickled a byte at a time cannot outlast the
deadline (requests' own timeout bounds each socket read, not the whole body).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Optional

from ._errors import BadAnswer, DeadlineExceeded, TransportError, root_cause

CHUNK = 64 * 1024
JSON_LIMIT = 16 * 1024 * 1024
LINE_LIMIT = 1024 * 1024
STREAM_LIMIT = 64 * 1024 * 1024
ACCEPT_ENCODING = "gzip, deflate"


def size_text(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size >= 1024 * 1024 else f"{size // 1024} KiB"


class Inflater:
    """Content-Encoding gzip or deflate, undone at most CHUNK bytes at a time."""

    def __init__(self, encoding: str, what: str) -> None:
        self.encoding = encoding.strip().lower()
        if self.encoding in ("", "identity"):
            self._zlib = None
        elif self.encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "deflate":
            self._zlib = zlib.decompressobj()
        else:
            raise BadAnswer(f"{what} answered with Content-Encoding {encoding[:40]!r}, which was not asked for")
        self._what = what
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            yield data
            return
        try:
            yield from self._inflate(data)
        except zlib.error as exc:
            raise BadAnswer(f"{self._what} answered a {self.encoding} body that does not decompress ({exc})") from None

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            raise BadAnswer(f"{self._what} answered a body this collection cannot decompress")
        while True:
            try:
                out = self._zlib.decompress(data, CHUNK)
            except zlib.error:
                if self.encoding != "deflate" or self._started:
                    raise
                # Some servers send raw deflate without the zlib header.
                self._started = True
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._started = True
            if out:
                yield out
            data = self._zlib.unconsumed_tail
            if self._zlib.eof and self._zlib.unused_data and self.encoding != "deflate":
                data = self._zlib.unused_data  # another gzip member follows
                self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
                continue
            # A full CHUNK of output may leave more inside zlib: ask again.
            if not data and len(out) < CHUNK:
                return


def _set_read_timeout(raw: Any, seconds: Optional[float]) -> None:
    connection = getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None and seconds is not None:
        with contextlib.suppress(OSError):
            sock.settimeout(max(seconds, 0.001))


def body_chunks(
    response: Any, what: str, timeout: Optional[float], deadline: Optional[float], limit_text: str = ""
) -> Iterator[bytes]:
    """The decoded body of a requests Response opened with stream=True.

    what: "METHOD url" without credentials; timeout: seconds per read (None:
    no limit); deadline: time.monotonic() value the whole body must beat."""
    from urllib3.exceptions import HTTPError

    raw = response.raw
    inflater = Inflater(response.headers.get("Content-Encoding") or "", what)
    read1 = getattr(raw, "read1", None)
    # urllib3 1.26 has no read1, and its read(n) waits for n bytes: read what has
    # come from the http.client response beneath it (raw bytes, as asked for).
    read_some = getattr(getattr(raw, "_fp", None), "read1", None) if read1 is None else None
    while True:
        wait = timeout
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded(f"{what} did not finish in time{limit_text}", what, True)
            wait = remaining if wait is None else min(wait, remaining)
        _set_read_timeout(raw, wait)
        try:
            if read1 is not None:
                data = read1(CHUNK, decode_content=False)
            elif read_some is not None:
                data = read_some(CHUNK)
            else:
                data = raw.read(CHUNK, decode_content=False)
        except (HTTPError, OSError, http.client.HTTPException, socket.timeout) as exc:
            if deadline is not None and deadline - time.monotonic() <= 0:
                raise DeadlineExceeded(f"{what} did not finish in time{limit_text}", what, True) from None
            raise TransportError(f"{what} failed while reading the answer: {root_cause(exc)}", what, True) from None
        if not data:
            break
        yield from inflater.feed(data)
    # The whole body was read: the connection can serve the next call.
    release = getattr(raw, "release_conn", None)
    if release is not None:
        release()


def read_capped(chunks: Iterable[bytes], limit: int, what: str) -> bytes:
    """The whole body, or BadAnswer once it passes `limit` bytes."""
    parts: list[bytes] = []
    size = 0
    for piece in chunks:
        size += len(piece)
        if size > limit:
            raise BadAnswer(f"{what} answered more than {size_text(limit)} (decompressed); the answer was refused")
        parts.append(piece)
    return b"".join(parts)


def read_prefix(chunks: Iterable[bytes], limit: int) -> bytes:
    """The first `limit` bytes of the body; the rest is never read."""
    parts: list[bytes] = []
    size = 0
    for piece in chunks:
        parts.append(piece[: limit - size])
        size += len(parts[-1])
        if size >= limit:
            break
    return b"".join(parts)


def split_lines(chunks: Iterable[bytes], what: str, line_limit: int = LINE_LIMIT) -> Iterator[bytes]:
    """The lines of a body (LF or CRLF), each at most line_limit bytes."""
    pending: list[bytes] = []
    pending_size = 0
    for piece in chunks:
        if b"\n" not in piece:
            pending.append(piece)
            pending_size += len(piece)
        else:
            lines = piece.split(b"\n")
            first = b"".join([*pending, lines[0]])
            for line in [first, *lines[1:-1]]:
                if len(line) > line_limit:
                    break
                yield line[:-1] if line.endswith(b"\r") else line
            else:
                pending, pending_size = [lines[-1]], len(lines[-1])
                continue
            pending_size = line_limit + 1
        if pending_size > line_limit:
            raise BadAnswer(f"{what} sent an event-stream line longer than {size_text(line_limit)}")
    tail = b"".join(pending)
    if tail:
        yield tail[:-1] if tail.endswith(b"\r") else tail
