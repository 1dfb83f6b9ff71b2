"""The HTTP side: a threaded server on 127.0.0.1 that checks requests as its
mode says, applies scripted faults, answers through Routes and records every
exchange (the exchange itself is handler.py)."""

from __future__ import annotations

import itertools
import ssl
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from .faults import FaultPlan
from .handler import Handler
from .modes import OpenAIMode, TokenCheck, make_mode
from .responses_api import ResponsesApi
from .routes import Routes
from .store import Store


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

    mode: "openai" (OpenAI's API under /v1, the default), "compat" (a
    third-party compatible server under `prefix`, default /api/v2) or
    "foundry" (Azure AI Foundry classic agents under /api/projects/<project>,
    api-version required, bearer tokens checked by `token_check`, which
    returns None for a good token or the reason it is refused; without it only
    `api_key` is accepted as the token). See README.md for the wire shapes.

    Two behaviours of some third-party servers, in any mode: thread_and_run
    False answers POST /threads/runs 404 "thread not found" (no one-call
    thread and run); messages_during_run True accepts a message while a run
    of its thread is active.
    """

    def __init__(
        self,
        api_key: str = "sk-local-test",
        port: int = 0,
        advance_on_poll: bool = True,
        verbose: bool = False,
        tls: tuple[str, str] | None = None,
        mode: str = "openai",
        prefix: str | None = None,
        project: str = "demo",
        token_check: TokenCheck | None = None,
        poll_after_ms: int | None = None,
        endless_lists: bool = False,
        keeps_metadata: tuple[str, ...] | None = None,
        ignores_order: bool = False,
        ignores_after: bool = False,
        endless_pages: bool = False,
        run_seconds: float | None = None,
        thread_and_run: bool = True,
        messages_during_run: bool = False,
    ) -> None:
        self.api_key = api_key
        self.verbose = verbose
        self.mode: OpenAIMode = make_mode(mode, api_key, prefix, project, token_check)
        # When set (0 included), every answer carries openai-poll-after-ms with this value.
        self.poll_after_ms = poll_after_ms
        # Every list answers has_more: true and the same page, whatever the cursor.
        self.endless_lists = endless_lists
        # A server that forgets (see README.md, "Servers that forget"): lists
        # always oldest first, `after` ignored, or pages without end, each
        # with a new cursor; `keeps_metadata` (on the store) drops metadata keys.
        self.ignores_order = ignores_order
        self.ignores_after = ignores_after
        self.endless_pages = endless_pages
        self.page_numbers = itertools.count(1)
        self.store = Store()
        self.store.keeps_metadata = keeps_metadata
        self.routes = Routes(self.store, advance_on_poll=advance_on_poll)
        self.routes.run_seconds = run_seconds
        self.mode.configure(self.routes, self.store)
        # OpenAI's Conversations + Responses (and Foundry's new agents) beside the Assistants API.
        self.responses = ResponsesApi(self.store, self.routes, self.mode.name)
        self.routes.table.extend(self.responses.table())
        self.routes.thread_and_run = thread_and_run
        self.store.messages_during_run = messages_during_run
        self.faults = FaultPlan()
        self.requests: list[dict[str, Any]] = []
        # Set by stop(): handlers waiting in a fault give up at once.
        self.stopping = threading.Event()
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
    def keeps_metadata(self) -> tuple[str, ...] | None:
        """The metadata keys objects keep: None all, () none, else only these."""
        return self.store.keeps_metadata

    @keeps_metadata.setter
    def keeps_metadata(self, keys: tuple[str, ...] | None) -> None:
        self.store.keeps_metadata = None if keys is None else tuple(keys)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def api_base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{self.mode.prefix}"

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

    def check_auth(self, headers: dict[str, str], query: dict[str, str] | None = None) -> None:
        """Refuse (ApiError) a request the mode would refuse for its headers/query."""
        self.mode.check_request(headers, query or {})

    def start(self) -> AssistantsServer:
        self.stopping.clear()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="assistants-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
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
