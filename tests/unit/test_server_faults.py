"""The local server's hostile-server faults on the wire, and that a handler
stuck in one ends when its client leaves or the server stops."""

from __future__ import annotations

import socket
import struct
import threading
import zlib
from urllib.parse import quote

import pytest
import requests
from assistants_server import AssistantsServer, Fault
from support import API_KEY

HEADERS = {"Authorization": f"Bearer {API_KEY}", "OpenAI-Beta": "assistants=v2"}


def new_thread(server: AssistantsServer) -> dict:
    return requests.post(f"{server.api_base}/threads", json={}, headers=HEADERS, timeout=10).json()


def new_assistant(server: AssistantsServer) -> dict:
    return requests.post(f"{server.api_base}/assistants", json={"model": "m"}, headers=HEADERS, timeout=10).json()


def test_after_with_delay_does_the_work_then_answers_too_late(server):
    thread, assistant = new_thread(server), new_assistant(server)
    server.faults.add(Fault(method="POST", path=r"/threads/[^/]+/runs", after=True, delay=60))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            f"{server.api_base}/threads/{thread['id']}/runs",
            json={"assistant_id": assistant["id"]},
            headers=HEADERS,
            timeout=(5, 0.2),
        )
    assert len(server.store.runs[thread["id"]]) == 1  # the work was done before the wait
    server.wait_idle(timeout=10)  # and the handler gave up when the client left


def test_trickle_sends_the_real_answer_a_byte_at_a_time(server):
    thread = new_thread(server)
    server.faults.add(Fault(method="GET", path=r"/threads/[^/]+", trickle=0.02))
    with requests.get(f"{server.api_base}/threads/{thread['id']}", headers=HEADERS, timeout=10, stream=True) as answer:
        assert answer.status_code == 200
        expected_length = int(answer.headers["Content-Length"])
        first = answer.raw.read(6)
    assert first == b'{"id":'
    assert expected_length > 6
    server.wait_idle(timeout=10)


def test_keepalive_sends_comment_lines_only_until_the_client_leaves(server):
    thread, assistant = new_thread(server), new_assistant(server)
    server.faults.add(Fault(method="POST", path=r"/threads/[^/]+/runs", keepalive=0.01))
    with requests.post(
        f"{server.api_base}/threads/{thread['id']}/runs",
        json={"assistant_id": assistant["id"], "stream": True},
        headers=HEADERS,
        timeout=10,
        stream=True,
    ) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/event-stream"
        lines = []
        for line in answer.iter_lines():
            lines.append(line)
            if len(lines) == 6:
                break
    assert lines == [b": keep-alive", b""] * 3
    assert server.store.runs[thread["id"]] == {}  # no work without after=True
    server.wait_idle(timeout=10)


def test_gzip_bomb_is_small_on_the_wire_and_inflates_to_a_gibibyte(server):
    server.faults.add(Fault(method="GET", gzip_bomb=True, status=503))
    with requests.get(f"{server.api_base}/threads/x", headers=HEADERS, timeout=30, stream=True) as answer:
        assert answer.status_code == 503
        assert answer.headers["Content-Encoding"] == "gzip"
        body = answer.raw.read(decode_content=False)
    assert len(body) < 2 * 1024 * 1024
    assert struct.unpack("<I", body[-4:])[0] == 1 << 30  # gzip's ISIZE: the inflated length
    start = zlib.decompressobj(31).decompress(body, 1 << 20)
    assert start == bytes(1 << 20)


@pytest.mark.parametrize("value", [[], None, "ok", {"id": "run_1", "object": "thread.run"}, {"required_action": "x"}])
def test_json_fault_answers_exactly_that_value(server, value):
    server.faults.add(Fault(method="GET", json=value))
    answer = requests.get(f"{server.api_base}/threads/x", headers=HEADERS, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == value


def test_json_fault_takes_a_status(server):
    server.faults.add(Fault(method="GET", json={"error": "nope"}, status=418))
    answer = requests.get(f"{server.api_base}/threads/x", headers=HEADERS, timeout=10)
    assert (answer.status_code, answer.json()) == (418, {"error": "nope"})


@pytest.mark.parametrize(
    ("form", "shown"),
    [
        ("plain", f"Bearer {API_KEY}"),
        ("urlencoded", quote(f"Bearer {API_KEY}", safe="")),
        ("spaced", " ".join(f"Bearer{API_KEY}"[i : i + 4] for i in range(0, len(f"Bearer{API_KEY}"), 4))),
        ("proxy_b64", "Basic dXNlcjpzM2NyZXQ="),
    ],
)
def test_echo_auth_puts_the_credential_near_the_end_of_a_long_message(server, form, shown):
    server.faults.add(Fault(method="GET", echo_auth=form, status=403))
    headers = {**HEADERS, "Proxy-Authorization": "Basic dXNlcjpzM2NyZXQ="}
    answer = requests.get(f"{server.api_base}/threads/x", headers=headers, timeout=10)
    assert answer.status_code == 403
    message = answer.json()["error"]["message"]
    assert len(message) >= 400
    assert message.endswith(shown)


def test_echo_auth_defaults_to_401_in_the_modes_error_shape():
    with AssistantsServer(api_key=API_KEY, mode="compat") as running:
        running.faults.add(Fault(echo_auth="plain"))
        answer = requests.get(f"{running.api_base}/threads/x", headers=HEADERS, timeout=10)
    assert answer.status_code == 401
    assert answer.json()["detail"].endswith(f"Bearer {API_KEY}")


def test_echo_auth_form_is_checked():
    with pytest.raises(ValueError, match="echo_auth must be one of"):
        Fault(echo_auth="base64")


def test_never_answer_holds_the_connection_until_the_client_leaves(server):
    server.faults.add(Fault(method="GET", never_answer=True))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{server.api_base}/threads/x", headers=HEADERS, timeout=(5, 0.2))
    server.wait_idle(timeout=10)
    assert server.requests[-1]["response"]["held"] is True


def test_stop_ends_handlers_held_by_a_fault():
    running = AssistantsServer(api_key=API_KEY).start()
    running.faults.add(Fault(method="GET", never_answer=True))
    taken = threading.Event()
    original = running.record

    def record(entry: dict) -> None:
        original(entry)
        taken.set()

    running.record = record  # type: ignore[method-assign]
    client = socket.create_connection(("127.0.0.1", running.port), timeout=10)
    try:
        client.sendall(b"GET /v1/threads/x HTTP/1.1\r\nHost: local\r\n\r\n")
        assert taken.wait(10)
        running.stop()
        running.wait_idle(timeout=10)
        assert client.recv(1024) == b""  # hung up without a byte of answer
    finally:
        client.close()


@pytest.mark.parametrize("how", ["server", "fault"])
def test_endless_list_repeats_its_page_with_has_more(how):
    with AssistantsServer(api_key=API_KEY, endless_lists=how == "server") as running:
        for _index in range(2):
            requests.post(f"{running.api_base}/assistants", json={"model": "m"}, headers=HEADERS, timeout=10)
        if how == "fault":
            running.faults.add(Fault(method="GET", path="/assistants", endless_list=True, times=2))
        first = requests.get(f"{running.api_base}/assistants?limit=1", headers=HEADERS, timeout=10).json()
        second = requests.get(
            f"{running.api_base}/assistants?limit=1&after={first['last_id']}", headers=HEADERS, timeout=10
        ).json()
    assert first["has_more"] is second["has_more"] is True
    assert second["last_id"] == first["last_id"]
    assert [a["id"] for a in second["data"]] == [first["last_id"]]
