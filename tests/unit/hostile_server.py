"""A tiny raw-socket HTTP server for hostile answers: each request is handed
to a script that writes whatever bytes it likes (bombs, trickles, garbage)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None, reason: str = "X") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


Script = Callable[[Request, socket.socket], None]


class HostileServer:
    """Serves `script` on 127.0.0.1; `requests` records every request seen."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[Request] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.api_base = f"{self.origin}/v1"
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._closing = False

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below
        self._listener.close()
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        for thread in self._threads:
            thread.join(10)

    def count(self, method: str) -> int:
        return sum(1 for request in self.requests if request.method == method)

    def _accept(self) -> None:
        while not self._closing:
            try:
                connection, _peer = self._listener.accept()
            except OSError:
                return
            self._connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        try:
            while True:
                request = self._read(reader)
                if request is None:
                    return
                self.requests.append(request)
                self.script(request, connection)
        except OSError:
            return
        finally:
            reader.close()
            connection.close()

    @staticmethod
    def _read(reader) -> Request | None:
        line = reader.readline(65536)
        if not line:
            return None
        method, path, _version = line.decode("latin-1").split(" ", 2)
        headers = {}
        while True:
            line = reader.readline(65536).decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        return Request(method, path, headers, body)


def trickle(connection: socket.socket, head: bytes, body: bytes, every: float) -> None:
    """Send the head at once, then the body one byte every `every` seconds."""
    connection.sendall(head)
    for byte in body:
        time.sleep(every)
        connection.sendall(bytes([byte]))
