"""One HTTP exchange: read and record the request, apply a scripted fault,
answer through the mode (checks, errors, wire shapes) and Routes."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .fault_answers import FaultAnswers
from .faults import Fault
from .responses_api import is_responses_path
from .routes import ApiError, Stream

if TYPE_CHECKING:
    from .server import AssistantsServer

REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Handler(FaultAnswers, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def app(self) -> AssistantsServer:
        return self.server.app  # type: ignore[attr-defined,no-any-return]

    def setup(self) -> None:
        super().setup()
        # Answers go out at once: without this, Nagle's algorithm holds a
        # second small write until the client's delayed ACK (~40 ms) comes.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.app.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.handle_api()

    def do_POST(self) -> None:
        self.handle_api()

    def do_DELETE(self) -> None:
        self.handle_api()

    def stopping(self) -> threading.Event:
        return self.app.stopping

    def error_body(self, status: int, message: str) -> Any:
        return self.app.mode.error_body(status, message)

    def handle_api(self) -> None:
        app = self.app
        app.begin_request()
        try:
            self._handle_api(app)
        finally:
            app.end_request()

    def _handle_api(self, app: AssistantsServer) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        route_path = app.mode.route_path(parts.path)
        record: dict[str, Any] = {
            "method": self.command,
            "path": parts.path,
            # The path below the mode's prefix (None: outside it).
            "route_path": route_path,
            "query": dict(parse_qsl(parts.query)),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "raw_body": raw,
            "body": None,
            "time": time.monotonic(),
            "wall": time.time(),
            "peer": self.client_address,
        }
        try:
            record["body"] = json.loads(raw) if raw else None
        except ValueError:
            record["body"] = raw.decode("utf-8", "replace")
        app.record(record)
        fault = app.faults.take(self.command, parts.path if route_path is None else route_path)
        endless = app.endless_lists or (fault is not None and fault.endless_list)
        if fault is not None and fault.only_shapes_list:
            fault = None
        if fault is not None and not fault.after and fault.stream is None and not fault.needs_answer:
            self.apply_fault(fault, record, None)
            return
        answer = self.answer(record, endless)
        if fault is not None and fault.stream is None:
            self.apply_fault(fault, record, answer)
            return
        if isinstance(answer[1], Stream):
            self.send_stream(answer[1], record, fault)
            return
        self.send_json(*answer, record=record)

    def answer(self, record: dict[str, Any], endless: bool = False) -> tuple[int, Any, str | None]:
        """Do the request's work; (status, payload, contract schema or None)."""
        app, mode = self.app, self.app.mode
        path = record["route_path"]
        contract = mode.follows_contract
        try:
            if path is None and not contract:
                status, payload = mode.outside(self.command, record["path"])
                return status, payload, None
            mode.check_request(record["headers"], record["query"], path)
            if path is None:
                status, payload = mode.outside(self.command, record["path"])
                return status, payload, "ErrorResponse"
            body = None
            if record["raw_body"]:
                try:
                    body = json.loads(record["raw_body"])
                except ValueError:
                    raise ApiError(400, "We could not parse the JSON body of your request.") from None
            query = record["query"]
            if endless or app.ignores_after or app.endless_pages:  # the first page whatever the cursor says
                query = {k: v for k, v in query.items() if k not in ("after", "before")}
            if app.ignores_order:  # oldest first, whatever `order` asks for
                query = dict(query, order="asc")
            status, payload, schema = app.routes.dispatch(self.command, path, query, body)
            if isinstance(payload, Stream):
                return status, payload, schema
            if isinstance(payload, dict) and payload.get("object") == "list":
                if endless:
                    payload = dict(payload, has_more=True)
                if app.endless_pages:
                    payload = self.endless_page(payload)
            if is_responses_path(path):  # the contract's shapes in every mode
                return status, payload, schema
            return status, mode.present(payload), schema if contract else None
        except ApiError as error:
            status, payload = mode.render_error(error)
            return status, payload, "ErrorResponse" if contract else None

    def endless_page(self, page: dict[str, Any]) -> dict[str, Any]:
        """A page of a list without end: the first page's items under new IDs,
        has_more always true, and a cursor never given before."""
        number = next(self.app.page_numbers)
        data = [dict(item, id=f"{item['id']}_p{number}") for item in page["data"]]
        cursor = data[-1]["id"] if data else f"cursor_p{number}"
        return dict(page, data=data, first_id=data[0]["id"] if data else cursor, last_id=cursor, has_more=True)

    def apply_fault(self, fault: Fault, record: dict[str, Any], answer: tuple[int, Any, str | None] | None) -> None:
        record["chaos"] = fault.chaos
        if fault.redirect is not None:
            self.send_raw(307, b"", "text/plain", record, {"Location": fault.redirect})
            return
        # A slow server: before the work, it does the work after the delay
        # even if the client has left (as real servers do); after the work,
        # the answer waits only as long as someone is there to read it.
        if fault.delay and self.wait_unless_gone(fault.delay, watch_client=fault.after):
            record["response"] = {"status": None, "client_left": True, "schema": None}
            self.hang_up()
            return
        if fault.reset:
            if fault.after:
                self.wfile.write(
                    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"id"'
                )
                self.wfile.flush()
            self.reset_connection()
            record["response"] = {"status": None, "reset": True}
            return
        if fault.never_answer:
            self.hold_silent(record)
            return
        if fault.keepalive is not None:
            self.send_keepalives(fault.keepalive, record)
            return
        if fault.trickle is not None:
            status, payload, _schema = answer or self.answer(record)
            self.send_trickle(status, json.dumps(payload).encode(), fault.trickle, record)
            return
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = fault.retry_after_ms
        if fault.unreadable is not None:
            self.send_unreadable(fault.unreadable, fault.status or 200, record)
            return
        if self.send_scripted(fault, record, headers):
            return
        if fault.status is None:  # a delay only: answer normally afterwards
            if answer is None:
                answer = self.answer(record)
            self.send_json(*answer, record=record)
            return
        reason = REASONS.get(fault.status, "Error")
        if fault.body == "json":
            if self.app.mode.follows_contract:
                payload: Any = {
                    "error": {
                        "message": f"Scripted fault: {reason}.",
                        "type": "server_error" if fault.status >= 500 else "rate_limit_exceeded",
                        "param": None,
                        "code": None,
                    }
                }
                self.send_json(fault.status, payload, "ErrorResponse", record, headers)
            else:
                self.send_json(fault.status, self.error_body(fault.status, f"Scripted fault: {reason}."), None, record)
            return
        bodies = {
            "html": b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
            b"<p>The upstream server\nsent an invalid response.</p></body></html>",
            "text": b"upstream connect error or disconnect/reset before headers",
            "empty": b"",
            "huge": b"<html><body>" + b"x" * (2 * 1024 * 1024) + b"</body></html>",
        }
        self.send_raw(fault.status, bodies[fault.body], "text/html", record, headers)

    def send_stream(self, stream: Stream, record: dict[str, Any], fault: Fault | None) -> None:
        record["response"] = {"status": 200, "events": stream.events, "schema": None}
        kind = fault.stream if fault is not None else None
        if kind == "break":
            data = stream.encode(count=max(1, len(stream.events) // 2))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(data) + 1000))
            self._headers_buffer.append(b"\r\n" + data)
            self.flush_headers()
            self.reset_connection()
            return
        if kind == "cut":  # 200 and a piece of the first event's first line, then a reset
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", "1000")
            self._headers_buffer.append(b"\r\nevent: thread.ru")
            self.flush_headers()
            self.reset_connection()
            return
        error = {"error": {"message": "Scripted stream fault.", "type": "server_error", "param": None, "code": None}}
        data = stream.encode(count=1, error=error) if kind == "error" else stream.encode()
        self.send_raw(200, data, "text/event-stream", record)

    def reset_connection(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def send_json(
        self,
        status: int,
        payload: Any,
        schema: str | None,
        record: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        record["response"] = {"status": status, "body": payload, "schema": schema}
        self.send_raw(status, json.dumps(payload).encode(), "application/json", record, headers)

    def send_head(self, status: int, headers: dict[str, str]) -> None:
        """Status line and headers only (the body follows in pieces)."""
        self.send_response(status, REASONS.get(status))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def send_raw(
        self, status: int, data: bytes, content_type: str, record: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        record.setdefault("response", {"status": status, "body": data[:200], "schema": None})
        record["response"]["request_id"] = f"req_{id(record):x}"
        self.send_response(status, REASONS.get(status))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", record["response"]["request_id"])
        if self.app.poll_after_ms is not None:
            self.send_header("openai-poll-after-ms", str(self.app.poll_after_ms))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        # Headers and body in one write (one TCP segment for small answers).
        self._headers_buffer.append(b"\r\n" + data)
        self.flush_headers()
