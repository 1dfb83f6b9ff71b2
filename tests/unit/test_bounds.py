"""The client stays bounded in memory and time whatever the server sends, and
spends one retry budget across every layer that resends."""

from __future__ import annotations

import json
import socket
import time
import tracemalloc
import zlib

import pytest
from hostile_server import HostileServer, answer, trickle

from ansible_collections.seed.openai.plugins.module_utils._api import assistant_runs as _runs
from ansible_collections.seed.openai.plugins.module_utils._api.assistant_runs import run_reader
from ansible_collections.seed.openai.plugins.module_utils._client import OpenAIClient, Settings
from ansible_collections.seed.openai.plugins.module_utils._errors import (
    APIError,
    BadAnswer,
    DeadlineExceeded,
    TransportError,
    one_line,
    parse_error_body,
)
from ansible_collections.seed.openai.plugins.module_utils._polling import RunNotFinished, wait_for_run

KEY = "sk-bounds-0123456789abcdef"
BOMB_SIZE = 200 * 1024 * 1024


def gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b" " * (1024 * 1024)
    return b"".join([packer.compress(b'{"a": "'), *(packer.compress(zeros) for _index in range(200)), packer.flush()])


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb()


def client_for(server: HostileServer, **settings) -> OpenAIClient:
    return OpenAIClient(Settings(KEY, server.api_base, **settings))


@pytest.mark.parametrize("status", [200, 500])
def test_a_gzip_bomb_is_stopped_at_the_cap_in_bounded_memory(bomb, status):
    def script(request, connection):
        connection.sendall(answer(status, bomb, {"Content-Encoding": "gzip", "Content-Type": "application/json"}))

    with HostileServer(script) as server:
        client = client_for(server)
        tracemalloc.start()
        try:
            with pytest.raises((BadAnswer, APIError)) as caught:
                client.request("GET", client.url("threads", "t"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 48 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"
    message = str(caught.value)
    assert "\n" not in message
    if status == 200:
        assert (
            message
            == f"GET {server.api_base}/threads/t answered more than 16 MiB (decompressed); the answer was refused"
        )


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "identity"])
def test_compressed_answers_are_decoded(encoding):
    body = json.dumps({"id": "thread_1", "pad": "x" * 200_000}).encode()
    if encoding == "gzip":
        packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    elif encoding == "raw-deflate":
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    else:
        packer = zlib.compressobj(6)
    sent = body if encoding == "identity" else packer.compress(body) + packer.flush()
    header = "deflate" if encoding == "raw-deflate" else encoding

    def script(request, connection):
        connection.sendall(answer(200, sent, {"Content-Encoding": header}))

    with HostileServer(script) as server:
        client = client_for(server)
        assert client.request("GET", client.url("threads", "thread_1"))["pad"] == "x" * 200_000


def test_an_encoding_not_asked_for_is_refused_in_one_line():
    def script(request, connection):
        connection.sendall(answer(200, b"\x00" * 100, {"Content-Encoding": "br"}))

    with HostileServer(script) as server:
        client = client_for(server)
        with pytest.raises(BadAnswer, match=r"answered with Content-Encoding 'br', which was not asked for"):
            client.request("GET", client.url("threads", "t"))
        assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_a_trickled_body_cannot_outlast_the_deadline():
    body = b'{"id": "thread_1"}' + b" " * 40

    def script(request, connection):
        head = answer(200, body)[: -len(body)]
        trickle(connection, head, body, 0.1)

    with HostileServer(script) as server:
        client = client_for(server, timeout=30)
        with pytest.raises(DeadlineExceeded) as caught:
            client.request("GET", client.url("threads", "thread_1"), time_limit=1.0)
    assert str(caught.value) == f"GET {server.api_base}/threads/thread_1 did not finish in time (limit 1 s)"


class TrickledHead:
    """A server that sends its status line at once, then a header one byte every
    0.1 s: each read gets a byte well within any socket timeout."""

    HEADER = b"X-Slow: " + b"a" * 300 + b"\r\n\r\n"

    def __init__(self) -> None:
        self.sent = 0

    def __call__(self, request, connection) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")
        for byte in self.HEADER:
            time.sleep(0.1)
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return
            self.sent += 1


def test_trickled_headers_cannot_outlast_the_timeout():
    script = TrickledHead()
    with HostileServer(script) as server:
        client = client_for(server, timeout=1)
        with pytest.raises(TransportError) as caught:
            client.request("POST", client.url("threads"), {}, retry_server_errors=False)
    assert not isinstance(caught.value, DeadlineExceeded)
    assert str(caught.value) == (
        f"POST {server.api_base}/threads failed: timed out after 1 s (the answer did not come in time)"
    )
    assert caught.value.maybe_sent
    assert script.sent < len(TrickledHead.HEADER)


def test_a_trickled_body_cannot_outlast_the_timeout():
    body = b'{"id": "thread_1"}' + b" " * 100

    def script(request, connection):
        trickle(connection, answer(200, body)[: -len(body)], body, 0.1)

    with HostileServer(script) as server:
        client = client_for(server, timeout=1)
        with pytest.raises(TransportError) as caught:
            client.request("GET", client.url("threads", "thread_1"))
    assert not isinstance(caught.value, DeadlineExceeded)
    assert str(caught.value) == (
        f"GET {server.api_base}/threads/thread_1 failed: timed out after 1 s (the answer did not come in time)"
    )


def test_a_socket_time_out_reads_as_the_watchs_cut():
    """Which of the two fires first (the socket's read timeout or the watch's
    cut) is a race: both are the request's timeout, and say so alike."""
    import requests

    client = OpenAIClient(Settings(api_key=KEY, api_base="http://127.0.0.1:9/v1", timeout=1))
    url = "http://127.0.0.1:9/v1/threads"

    by_socket = client._transport_message("POST", url, requests.exceptions.ReadTimeout("Read timed out."))

    assert by_socket == client._timed_out(f"POST {url}")
    assert by_socket == f"POST {url} failed: timed out after 1 s (the answer did not come in time)"


def test_a_slow_name_lookup_does_not_take_the_timeout_away(monkeypatch):
    # The time runs out before the connection has a socket: the cut waits for it.
    lookup = socket.getaddrinfo

    def slow_lookup(*args, **kwargs):
        time.sleep(1.2)
        return lookup(*args, **kwargs)

    script = TrickledHead()
    with HostileServer(script) as server:
        monkeypatch.setattr(socket, "getaddrinfo", slow_lookup)
        client = OpenAIClient(Settings(KEY, f"http://localhost:{server.port}/v1", timeout=1))
        with pytest.raises(TransportError) as caught:
            client.request("GET", client.url("threads", "t"))
    assert "timed out after 1 s" in str(caught.value)
    assert script.sent < len(TrickledHead.HEADER)


def test_a_retry_wait_longer_than_the_timeout_keeps_its_connection():
    def script(request, connection):
        if len(server.requests) == 1:
            connection.sendall(answer(429, b'{"error": {"message": "slow down"}}', {"Retry-After": "2"}))
        else:
            connection.sendall(answer(200, b'{"id": "thread_1"}'))

    reports = []
    with HostileServer(script) as server:
        client = OpenAIClient(Settings(KEY, server.api_base, timeout=1, max_retry_count=1), report=reports.append)
        assert client.request("POST", client.url("threads"), {}, retry_server_errors=False) == {"id": "thread_1"}
        connections = len(server._connections)
    assert reports == ["retry 1 after HTTP 429: waiting 2.0 s"]
    assert connections == 1


def test_trickled_headers_cannot_outlast_the_deadline_of_a_stream():
    script = TrickledHead()
    with HostileServer(script) as server:
        client = client_for(server, timeout=30)
        with pytest.raises(DeadlineExceeded) as caught:
            list(client.stream_lines("POST", client.url("threads", "t", "runs"), {}, time_limit=1.0))
    assert str(caught.value).startswith(f"POST {server.api_base}/threads/t/runs did not finish in time")
    assert script.sent < len(TrickledHead.HEADER)


def test_every_request_has_a_time_limit_by_default():
    # The connection options as a task gets them when it sets none, through to the client.
    from ansible_collections.seed.openai.plugins.module_utils._argspec import CONNECTION
    from ansible_collections.seed.openai.plugins.module_utils._connection import settings_from_options

    options = {name: spec.get("default") for name, spec in CONNECTION.items()}
    client = OpenAIClient(settings_from_options(dict(options, api_key=KEY), environ={}))
    assert client.timeout is not None and 0 < client.timeout < float("inf")


def test_the_wait_ends_at_wait_timeout_even_while_a_poll_trickles():
    run = {"id": "run_1", "thread_id": "thread_1", "object": "thread.run", "status": "queued"}
    body = json.dumps(run).encode() + b" " * 60

    def script(request, connection):
        trickle(connection, answer(200, body)[: -len(body)], body, 0.1)

    with HostileServer(script) as server:
        client = client_for(server)
        with pytest.raises(RunNotFinished) as caught:
            wait_for_run(run_reader(client), dict(run), {"wait_timeout": 1.0, "poll_interval": 0.2})
    assert caught.value.run["status"] == "queued"
    assert "(wait_timeout)" in str(caught.value)


class PollCounter:
    """A stand-in client: every poll answers queued with openai-poll-after-ms: 0."""

    def __init__(self, poll_after: str = "0") -> None:
        self.polls = 0
        self.poll_after = poll_after

    def url(self, *segments: str) -> str:
        return "/".join(["http://h/v1", *segments])

    def exchange(self, method, url, *args, **kwargs):
        self.polls += 1
        if self.polls > 1000:
            raise AssertionError("the wait busy-loops")
        return {"id": "run_1", "status": "queued"}, {"openai-poll-after-ms": self.poll_after}


@pytest.mark.parametrize("poll_after", ["0", "-5", "nan", "1e-9"])
def test_poll_after_zero_does_not_busy_loop(poll_after):
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    client = PollCounter(poll_after)
    run = {"id": "run_1", "thread_id": "thread_1", "status": "queued"}
    with pytest.raises(RunNotFinished):
        wait_for_run(
            run_reader(client), run, {"wait_timeout": 5, "poll_interval": 1}, sleep=sleep, clock=lambda: now[0]
        )
    assert min(slept[:-1]) >= 0.2  # the last pause is cut to the time left
    assert client.polls <= 26


def test_one_retry_budget_bounds_every_resend_of_a_run_creation(waits):
    statuses = iter([429, 503, 429, 503, 429, 503, 429, 503, 429, 503])

    def script(request, connection):
        if request.method == "POST":
            status = next(statuses)
            connection.sendall(answer(status, b'{"error": {"message": "busy"}}', reason="Busy"))
        else:
            connection.sendall(answer(200, b'{"object": "list", "data": []}'))

    with HostileServer(script) as server:
        client = client_for(server, max_retry_count=2)
        with pytest.raises(APIError) as caught:
            _runs.start_run(client, "thread_1", {"assistant_id": "asst_1"}, {}, marker="0" * 32)
    assert server.count("POST") == 3
    assert len(waits) == 2
    assert str(caught.value).count("Gave up after 2 retries") == 1


def test_the_budget_is_shared_and_can_be_reset(waits):
    def script(request, connection):
        connection.sendall(answer(503, b"{}", reason="Busy"))

    with HostileServer(script) as server:
        client = client_for(server, max_retry_count=3)
        with pytest.raises(APIError):
            client.request("GET", client.url("threads", "a"))
        assert (client.retries_left, client.retries_done, server.count("GET")) == (0, 3, 4)
        with pytest.raises(APIError):
            client.request("GET", client.url("threads", "b"))
        assert server.count("GET") == 5
        client.reset_budget()
        assert client.can_retry()


def test_hostile_html_is_cleaned_in_one_pass():
    body = "Bad gateway <script>" + "<script>x" * 30_000 + "<" * 10_000
    assert one_line(body) == "Bad gateway"
    assert one_line("a < b, <b>c</b>") == "a c"
    assert one_line("1 < 2 always") == "1 < 2 always"
    assert one_line("<style>p {}</style>Oops<p>down") == "Oops down"


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"error": "model overloaded"}', "model overloaded"),
        (b'{"detail": "Not authenticated"}', "Not authenticated"),
        (
            b'{"detail": [{"loc": ["body", "assistant_id"], "msg": "field required", "type": "missing"},'
            b' {"loc": ["query", 3], "msg": "bad", "type": "x"}]}',
            "body.assistant_id: field required; query.3: bad",
        ),
        (b'{"message": "flat"}', "flat"),
        (b"[" * 100_000, "[" * 297 + "..."),
    ],
)
def test_error_bodies_of_every_known_shape(body, message):
    assert parse_error_body(body)["message"] == message


def test_a_stream_of_keep_alive_comments_ends_at_its_time_limit():
    def script(request, connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        for _beat in range(100):
            connection.sendall(b": keep-alive\n")
            time.sleep(0.05)

    with HostileServer(script) as server:
        client = client_for(server, timeout=30)
        lines = []
        with pytest.raises(DeadlineExceeded):
            for line in client.stream_lines("POST", client.url("threads", "t", "runs"), {}, time_limit=0.5):
                lines.append(line)
    assert lines and set(lines) == {": keep-alive"}


@pytest.mark.parametrize("line, message", [(b"data: " + b"x" * (2 * 2**20), "longer than 1 MiB")])
def test_a_stream_line_beyond_the_cap_stops_the_stream(line, message):
    def script(request, connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + line)

    with HostileServer(script) as server:
        client = client_for(server)
        with pytest.raises(BadAnswer, match=message):
            list(client.stream_lines("POST", client.url("threads", "t", "runs"), {}))


def test_a_stream_beyond_its_total_cap_is_stopped():
    def script(request, connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"data: {}\n\n" * 50_000)

    with HostileServer(script) as server:
        client = client_for(server)
        with pytest.raises(BadAnswer, match="streamed more than"):
            list(client.stream_lines("POST", client.url("threads", "t", "runs"), {}, total_limit=100_000))
