"""The HTTP side: a threaded server on 127.0.0.1 that checks keys, applies
scripted faults, answers through Routes and records every exchange."""

from __future__ import annotations

import json
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .faults import Fault, FaultPlan
from .routes import ApiError, Routes, Stream
from .store import Store

REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Answers go out at once: without this, Nagle's algorithm holds a
        # second small write until the client's delayed ACK (~40 ms) comes.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.handle_api()

    def do_POST(self) -> None:
        self.handle_api()

    def do_DELETE(self) -> None:
        self.handle_api()

    def handle_api(self) -> None:
        app = self.server.app
        app.begin_request()
        try:
            self._handle_api(app)
        finally:
            app.end_request()

    def _handle_api(self, app: AssistantsServer) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        record: dict[str, Any] = {
            "method": self.command,
            "path": parts.path,
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
        path = parts.path[3:] if parts.path.startswith("/v1") else parts.path
        fault = app.faults.take(self.command, path)
        if fault is not None and not fault.after and fault.stream is None:
            self.apply_fault(fault, record, None)
            return
        answer = self.answer(record, path, raw)
        if fault is not None and fault.stream is None:
            self.apply_fault(fault, record, answer)
            return
        if isinstance(answer[1], Stream):
            self.send_stream(answer[1], record, fault)
            return
        self.send_json(*answer, record=record)

    def answer(self, record: dict[str, Any], path: str, raw: bytes) -> tuple[int, Any, str | None]:
        app = self.server.app
        try:
            app.check_auth(record["headers"])
            body = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, "We could not parse the JSON body of your request.") from None
            if not record["path"].startswith("/v1/"):
                raise ApiError(404, f"Invalid URL ({self.command} {record['path']})")
            return app.routes.dispatch(self.command, path, record["query"], body)
        except ApiError as error:
            return error.status, error.payload, "ErrorResponse"

    def apply_fault(self, fault: Fault, record: dict[str, Any], answer: tuple[int, Any, str | None] | None) -> None:
        record["chaos"] = fault.chaos
        if fault.redirect is not None:
            self.send_raw(307, b"", "text/plain", record, {"Location": fault.redirect})
            return
        if fault.delay:
            time.sleep(fault.delay)
        if fault.reset:
            if fault.after:
                self.wfile.write(
                    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"id"'
                )
                self.wfile.flush()
            self.reset_connection()
            record["response"] = {"status": None, "reset": True}
            return
        if fault.status is None:  # a delay only: answer normally afterwards
            if answer is None:
                answer = self.answer(record, record["path"][3:], record["raw_body"])
            self.send_json(*answer, record=record)
            return
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = fault.retry_after_ms
        reason = REASONS.get(fault.status, "Error")
        if fault.body == "json":
            payload = {
                "error": {
                    "message": f"Scripted fault: {reason}.",
                    "type": "server_error" if fault.status >= 500 else "rate_limit_exceeded",
                    "param": None,
                    "code": None,
                }
            }
            self.send_json(fault.status, payload, "ErrorResponse", record, headers)
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
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
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

    def send_raw(
        self, status: int, data: bytes, content_type: str, record: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        record.setdefault("response", {"status": status, "body": data[:200], "schema": None})
        record["response"]["request_id"] = f"req_{id(record):x}"
        self.send_response(status, REASONS.get(status))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", record["response"]["request_id"])
        if self.server.app.poll_after_ms is not None:
            self.send_header("openai-poll-after-ms", str(self.server.app.poll_after_ms))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        # Headers and body in one write (one TCP segment for small answers).
        self._headers_buffer.append(b"\r\n" + data)
        self.flush_headers()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: AssistantsServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (timeouts, resets under test) are expected here.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class AssistantsServer:
    """An Assistants-compatible API on 127.0.0.1 for tests, the demo and tries by hand.

    `api_base` is the URL to give the modules. `store` holds the objects,
    `faults` scripts failures, `requests` lists every exchange.
    """

    def __init__(
        self,
        api_key: str = "sk-local-test",
        port: int = 0,
        advance_on_poll: bool = True,
        verbose: bool = False,
        tls: tuple[str, str] | None = None,
    ) -> None:
        self.api_key = api_key
        self.verbose = verbose
        # When set, every answer carries openai-poll-after-ms with this value.
        self.poll_after_ms: int | None = None
        self.store = Store()
        self.routes = Routes(self.store, advance_on_poll=advance_on_poll)
        self.faults = FaultPlan()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)
        self._httpd = _HTTPServer(("127.0.0.1", port), Handler)
        self._httpd.app = self
        self.scheme = "http"
        if tls is not None:  # (certificate file, key file)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def api_base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/v1"

    def record(self, record: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(record)

    def begin_request(self) -> None:
        with self._lock:
            self._in_flight += 1

    def end_request(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no request is being handled: a delayed fault has done
        its work (or given up) before a test looks at the store."""
        with self._lock:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise TimeoutError(f"{self._in_flight} request(s) still in flight after {timeout:g} s")

    def check_auth(self, headers: dict[str, str]) -> None:
        given = headers.get("authorization", "")
        key = given[7:] if given.startswith("Bearer ") else headers.get("api-key")
        if not key:
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if key != self.api_key:
            raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        if headers.get("openai-beta") != "assistants=v2":
            raise ApiError(
                400,
                "You must provide the 'OpenAI-Beta' header to access the Assistants API. "
                "Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
            )

    def start(self) -> AssistantsServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="assistants-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> AssistantsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget requests and faults (the objects stay)."""
        self.faults.clear()
        with self._lock:
            self.requests.clear()
