"""The local server's Responses event streams (order, numbering, resuming)
and scripted faults on the Responses routes. The `server` fixture validates
every recorded event against its ResponseStreamEvent schema."""

from __future__ import annotations

import json

import pytest
import requests
from assistants_server import AssistantsServer, Fault, spec
from support import API_KEY

BEARER = {"Authorization": f"Bearer {API_KEY}"}
FUNCTION = {"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}, "strict": False}


def parse(text: str) -> list[tuple[str, dict]]:
    """SSE text -> (event name, data) pairs; every block must have both lines."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        assert set(lines) == {"event", "data"}, block
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def stream(server: AssistantsServer, **body: object) -> list[tuple[str, dict]]:
    answer = requests.post(
        f"{server.api_base}/responses",
        json={"model": "local-echo", "stream": True, **body},
        headers=BEARER,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "text/event-stream"
    assert "[DONE]" not in answer.text
    return parse(answer.text)


def resume(server: AssistantsServer, response_id: str, **params: str) -> requests.Response:
    return requests.get(
        f"{server.api_base}/responses/{response_id}",
        params={"stream": "true", **params},
        headers=BEARER,
        timeout=10,
    )


def test_a_streamed_answer_is_numbered_typed_and_in_order(server):
    events = stream(server, input="one two three four five six seven")
    names = [name for name, _data in events]
    assert names[:2] == ["response.created", "response.in_progress"]
    assert names[2:4] == ["response.output_item.added", "response.content_part.added"]
    assert names[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert all(name == data["type"] for name, data in events)
    assert [data["sequence_number"] for _name, data in events] == list(range(len(events)))
    deltas = [data["delta"] for name, data in events if name == "response.output_text.delta"]
    assert len(deltas) == 3 and "".join(deltas) == "You said: one two three four five six seven"
    final = events[-1][1]["response"]
    assert final["status"] == "completed" and final["output_text"] == "".join(deltas)
    stored = requests.get(f"{server.api_base}/responses/{final['id']}", headers=BEARER, timeout=10).json()
    assert stored == final


def test_a_background_stream_passes_through_queued(server):
    events = stream(server, input="x", background=True)
    assert [name for name, _data in events[:3]] == ["response.created", "response.queued", "response.in_progress"]
    assert events[0][1]["response"]["status"] == "queued"


def test_a_streamed_function_call_streams_its_arguments(server):
    events = stream(server, input="x", tools=[FUNCTION])
    names = [name for name, _data in events]
    assert names[2:] == [
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    done = events[4][1]
    assert done["name"] == "lookup" and done["arguments"] == "{}"
    assert events[5][1]["item"]["call_id"] == events[-1][1]["response"]["output"][0]["call_id"]


def test_a_streamed_mcp_approval_request_is_an_output_item(server):
    mcp = {"type": "mcp", "server_label": "docs", "server_url": "https://example.test/mcp"}
    events = stream(server, input="x", tools=[mcp])
    items = [data["item"]["type"] for name, data in events if name.startswith("response.output_item")]
    assert items == ["mcp_approval_request", "mcp_approval_request"]
    assert events[-1][1]["response"]["output"][0]["name"] == "search"


@pytest.mark.parametrize(
    ("marker", "last"), [("[[fail]]", "response.failed"), ("[[incomplete]]", "response.incomplete")]
)
def test_a_stream_ends_with_the_responses_outcome(server, marker, last):
    events = stream(server, input=f"x {marker}")
    assert events[-1][0] == last


def test_a_stream_resumes_after_a_sequence_number(server):
    events = stream(server, input="resume me from the middle please")
    response_id = events[0][1]["response"]["id"]
    rest = resume(server, response_id, starting_after="4")
    assert rest.status_code == 200 and rest.headers["Content-Type"] == "text/event-stream"
    assert parse(rest.text) == events[5:]
    assert parse(resume(server, response_id).text) == events
    assert resume(server, response_id, starting_after=str(len(events))).text == ""


def test_only_a_streamed_response_can_be_streamed_again(server):
    plain = requests.post(
        f"{server.api_base}/responses", json={"model": "m", "input": "x"}, headers=BEARER, timeout=10
    ).json()
    refused = resume(server, plain["id"])
    assert refused.status_code == 400 and "stream" in refused.json()["error"]["message"]
    events = stream(server, input="x")
    bad = resume(server, events[0][1]["response"]["id"], starting_after="two")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "starting_after"


def test_a_500_after_the_work_leaves_the_response_made(server):
    conversation = requests.post(f"{server.api_base}/conversations", json={}, headers=BEARER, timeout=10).json()
    server.faults.add(Fault(method="POST", path=r"/responses", status=500, after=True))
    answer = requests.post(
        f"{server.api_base}/responses",
        json={"model": "m", "conversation": conversation["id"], "input": "made anyway"},
        headers=BEARER,
        timeout=10,
    )
    assert answer.status_code == 500 and answer.json()["error"]["type"] == "server_error"
    [made] = server.responses.responses.by_id.values()
    assert made["status"] == "completed" and made["output_text"] == "You said: made anyway"
    items = requests.get(
        f"{server.api_base}/conversations/{conversation['id']}/items", headers=BEARER, timeout=10
    ).json()["data"]
    assert [item["role"] for item in items] == ["assistant", "user"]


def test_a_fault_before_the_work_leaves_a_background_response_where_it_was(server):
    queued = requests.post(
        f"{server.api_base}/responses", json={"model": "m", "background": True}, headers=BEARER, timeout=10
    ).json()
    server.faults.add(Fault(method="GET", path=r"/responses/[^/]+", status=503))
    assert requests.get(f"{server.api_base}/responses/{queued['id']}", headers=BEARER, timeout=10).status_code == 503
    assert server.responses.responses.by_id[queued["id"]]["status"] == "queued"


def test_a_broken_stream_can_be_resumed_from_the_last_event_read(server):
    server.faults.add(Fault(method="POST", path=r"/responses", stream="break"))
    received = b""
    with (
        pytest.raises(requests.exceptions.RequestException),
        requests.post(
            f"{server.api_base}/responses",
            json={"model": "m", "input": "a stream that breaks halfway through", "stream": True},
            headers=BEARER,
            timeout=10,
            stream=True,
        ) as answer,
    ):
        for chunk in answer.iter_content(chunk_size=64):  # small reads keep what came before the reset
            received += chunk
    head = parse(received[: received.rfind(b"\n\n")].decode())  # the events that came whole
    assert 0 < len(head) < len(server.requests[-1]["response"]["events"])
    response_id = head[0][1]["response"]["id"]
    rest = parse(resume(server, response_id, starting_after=str(head[-1][1]["sequence_number"])).text)
    assert [data for _name, data in head + rest] == [data for _name, data in server.requests[0]["response"]["events"]]
    assert rest[-1][0] == "response.completed"


def test_a_failing_stream_ends_with_a_responses_error_event(server):
    server.faults.add(Fault(method="POST", path=r"/responses", stream="error"))
    events = stream(server, input="x")
    assert [name for name, _data in events] == ["response.created", "error"]
    error = events[-1][1]
    assert error["sequence_number"] == 1 and error["message"] == "Scripted stream fault."
    assert spec.event_errors(error) == []
