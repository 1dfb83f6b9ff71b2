"""The hostile answers a scripted Fault asks for, as Handler methods.

Every wait here ends when the client hangs up or the server stops, so a
handler thread never outlives its client or the server."""

from __future__ import annotations

import contextlib
import re
import select
import socket
import threading
import time
from typing import Any
from urllib.parse import quote

from .faults import HOLD_CAP_SECONDS, UNSET, Fault, gzip_bomb

ECHO_MESSAGE_LENGTH = 400
# Past the client's 16 MiB cap on a JSON answer.
OVER_CAP_SIZE = 16 * 1024 * 1024 + 1024
DEPTH = 100_000
_FILLER = "The upstream gateway refused the request because the credentials it carried were not accepted. "


def echoed_credential(form: str, headers: dict[str, str]) -> str:
    """The request's credential as the fault's form shows it."""
    given = headers.get("authorization", "")
    if form == "urlencoded":
        return quote(given, safe="")
    if form == "spaced":
        # The header's own space collapsed, then a space every 4 characters.
        collapsed = re.sub(r"\s+", "", given)
        return " ".join(collapsed[i : i + 4] for i in range(0, len(collapsed), 4))
    if form == "proxy_b64":
        return headers.get("proxy-authorization", "")
    return given


def echo_message(form: str, headers: dict[str, str]) -> str:
    """A 400-character message (longer if the credential is) that ends with it."""
    tail = f" Credentials received: {echoed_credential(form, headers)}"
    head_length = max(0, ECHO_MESSAGE_LENGTH - len(tail))
    head = (_FILLER * (head_length // len(_FILLER) + 1))[:head_length]
    return head + tail


def unreadable_body(kind: str) -> tuple[bytes, str]:
    """A 2xx body that cannot be read as the answer it stands for, and its Content-Type."""
    if kind == "not_json":
        return b"Created. Thank you for your request.", "application/json"
    if kind == "bad_utf8":
        return b'{"id": "run_\xff\xfe", "object": "thread.run"}', "application/json"
    if kind == "deep":
        return b"[" * DEPTH + b"]" * DEPTH, "application/json"
    if kind == "over_cap":
        return b'{"pad": "' + b"x" * OVER_CAP_SIZE + b'"}', "application/json"
    if kind == "wrong_shape":
        return b'{"object": "list", "data": []}', "application/json"
    if kind == "garbage_event":
        return b"event: thread.run.created\ndata: {not json at all\n\ndata: [DONE]\n\n", "text/event-stream"
    raise ValueError(f"no unreadable body of kind {kind!r}")


class FaultAnswers:
    """Mixed into the request handler: answers for faults that misbehave."""

    connection: socket.socket
    close_connection: bool

    # Provided by the handler.
    def stopping(self) -> threading.Event:
        raise NotImplementedError

    def send_raw(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def send_json(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> Any:
        raise NotImplementedError

    def send_head(self, status: int, headers: dict[str, str]) -> None:
        raise NotImplementedError

    # -- waiting ---------------------------------------------------------
    def client_gone(self) -> bool:
        """Whether the peer closed its side (a read would give end of file)."""
        try:
            # The plain socket's recv, also under TLS: a peek at raw bytes.
            return socket.socket.recv(self.connection, 1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def wait_unless_gone(self, seconds: float, watch_client: bool = True) -> bool:
        """Wait `seconds`; True as soon as the client leaves (when watched) or
        the server stops."""
        deadline = time.monotonic() + seconds
        stopping = self.stopping()
        if not watch_client:
            return stopping.wait(seconds)
        while not stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                readable, _writable, _failed = select.select([self.connection], [], [], min(remaining, 0.05))
            except (OSError, ValueError):
                return True
            if readable:
                if self.client_gone():
                    return True
                stopping.wait(min(remaining, 0.05))  # data pipelined: not ours to read now
        return True

    def hang_up(self) -> None:
        """Close the connection in order (FIN): the client sees end of file."""
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client is already gone
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- the answers -----------------------------------------------------
    def hold_silent(self, record: dict[str, Any]) -> None:
        """never_answer: not a byte back until the client leaves."""
        record["response"] = {"status": None, "held": True, "schema": None}
        self.wait_unless_gone(HOLD_CAP_SECONDS)
        self.hang_up()

    def send_keepalives(self, every: float, record: dict[str, Any]) -> None:
        """keepalive: an event stream of comment lines only, forever."""
        record["response"] = {"status": 200, "keepalive": True, "schema": None}
        self.send_head(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Connection": "close"})
        deadline = time.monotonic() + HOLD_CAP_SECONDS
        try:
            while time.monotonic() < deadline:
                self.connection.sendall(b": keep-alive\n\n")
                if self.wait_unless_gone(min(every, max(0.0, deadline - time.monotonic()))):
                    break
        except OSError:
            pass
        self.hang_up()

    def send_trickle(self, status: int, data: bytes, every: float, record: dict[str, Any]) -> None:
        """trickle: the real answer, one byte every `every` seconds."""
        record.setdefault("response", {"status": status, "body": data[:200], "schema": None})
        record["response"]["trickled"] = True
        self.send_head(status, {"Content-Type": "application/json", "Content-Length": str(len(data))})
        deadline = time.monotonic() + HOLD_CAP_SECONDS
        try:
            for index in range(len(data)):
                self.connection.sendall(data[index : index + 1])
                if index + 1 < len(data) and (time.monotonic() > deadline or self.wait_unless_gone(every)):
                    self.hang_up()
                    return
        except OSError:
            self.hang_up()

    def send_unreadable(self, kind: str, status: int, record: dict[str, Any]) -> None:
        """unreadable: a 2xx whose body cannot be read (the work done or not, as `after` says)."""
        data, content_type = unreadable_body(kind)
        self.send_raw(status, data, content_type, record)
        record["response"].update(unreadable=kind, schema=None)

    def send_scripted(self, fault: Fault, record: dict[str, Any], headers: dict[str, str]) -> bool:
        """gzip_bomb, json, echo_auth: True when the fault was one of these."""
        if fault.gzip_bomb:
            status = fault.status or 200
            self.send_raw(status, gzip_bomb(), "application/json", record, {**headers, "Content-Encoding": "gzip"})
            record["response"]["body"] = b"<gzip bomb>"
            return True
        if fault.json is not UNSET:
            self.send_json(fault.status or 200, fault.json, None, record, headers)
            return True
        if fault.echo_auth is not None:
            status = fault.status or 401
            message = echo_message(fault.echo_auth, record["headers"])
            self.send_json(status, self.error_body(status, message), None, record, headers)
            return True
        return False
