"""A real client against the local server: the `openai` package's
conversations and responses calls, so the server cannot drift from what
real clients expect. Every request (and, through the `server` fixture,
every answer and event) is checked against responses.yaml."""

from __future__ import annotations

import openai
import pytest
from assistants_server import AssistantsServer
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseTextDeltaEvent
from support import API_KEY, assert_requests_match_contract

FUNCTION = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {}},
    "strict": True,
}


@pytest.fixture
def client(server: AssistantsServer):
    with openai.OpenAI(api_key=API_KEY, base_url=server.api_base, max_retries=0, timeout=10) as made:
        yield made
    assert assert_requests_match_contract(server) > 0


def test_conversations_and_their_items(client):
    conversation = client.conversations.create(
        metadata={"topic": "weather"}, items=[{"type": "message", "role": "user", "content": "hello"}]
    )
    assert conversation.id.startswith("conv_") and conversation.metadata == {"topic": "weather"}
    assert client.conversations.retrieve(conversation.id) == conversation
    updated = client.conversations.update(conversation.id, metadata={"topic": "sea"})
    assert updated.metadata == {"topic": "sea"}
    added = client.conversations.items.create(
        conversation.id,
        items=[{"role": "user", "content": f"m{n}"} for n in range(4)],
    )
    assert [item.content[0].text for item in added.data] == ["m0", "m1", "m2", "m3"]
    # Pages of two, walked by the client's own cursor handling (after=last_id while has_more).
    walked = list(client.conversations.items.list(conversation.id, limit=2, order="asc"))
    assert [item.content[0].text for item in walked] == ["hello", "m0", "m1", "m2", "m3"]
    newest = client.conversations.items.list(conversation.id, limit=1).data[0]
    assert newest.content[0].text == "m3"
    item = client.conversations.items.retrieve(added.data[1].id, conversation_id=conversation.id)
    assert item.id == added.data[1].id and item.role == "user"
    after_delete = client.conversations.items.delete(added.data[1].id, conversation_id=conversation.id)
    assert after_delete.id == conversation.id
    assert len(list(client.conversations.items.list(conversation.id))) == 4
    deleted = client.conversations.delete(conversation.id)
    assert deleted.deleted is True and deleted.id == conversation.id
    with pytest.raises(openai.NotFoundError):
        client.conversations.retrieve(conversation.id)


def test_a_plain_response_and_its_input_items(client):
    response = client.responses.create(model="local-echo", instructions="Be brief.", input="hello there")
    assert response.status == "completed" and response.output_text == "You said: hello there"
    assert response.instructions == "Be brief." and response.usage.total_tokens > 0
    assert isinstance(response.output[0], ResponseOutputMessage)
    items = client.responses.input_items.list(response.id)
    assert [item.content[0].text for item in items.data] == ["hello there"]
    assert client.responses.retrieve(response.id).output_text == response.output_text
    assert client.responses.delete(response.id) is None
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)


def test_background_polling_and_cancel(client):
    response = client.responses.create(model="local-echo", input="later", background=True)
    seen = [response.status]
    while response.status in ("queued", "in_progress"):
        response = client.responses.retrieve(response.id)
        seen.append(response.status)
    assert seen == ["queued", "in_progress", "completed"] and response.output_text == "You said: later"
    with pytest.raises(openai.BadRequestError):
        client.responses.cancel(response.id)
    other = client.responses.create(model="local-echo", input="stop", background=True)
    assert client.responses.cancel(other.id).status == "cancelled"
    assert client.responses.retrieve(other.id).status == "cancelled"


def test_streams_iterate_accumulate_and_resume(client):
    with client.responses.create(model="local-echo", input="one two three four five", stream=True) as events:
        received = list(events)
    deltas = [event.delta for event in received if isinstance(event, ResponseTextDeltaEvent)]
    assert "".join(deltas) == "You said: one two three four five"
    assert received[-1].type == "response.completed"
    assert [event.sequence_number for event in received] == list(range(len(received)))
    # The client's own accumulator rebuilds the response from the events.
    with client.responses.stream(model="local-echo", input="accumulate me") as stream:
        final = stream.get_final_response()
    assert final.output_text == "You said: accumulate me" and final.status == "completed"
    response_id = received[0].response.id
    with client.responses.retrieve(response_id, stream=True, starting_after=3) as rest:
        resumed = list(rest)
    assert [event.sequence_number for event in resumed] == list(range(4, len(received)))


def test_a_function_call_round_on_a_conversation(client):
    conversation = client.conversations.create()
    asked = client.responses.create(
        model="local-echo", conversation=conversation.id, input="weather?", tools=[FUNCTION], background=True
    )
    while asked.status in ("queued", "in_progress"):
        asked = client.responses.retrieve(asked.id)
    [call] = asked.output
    assert isinstance(call, ResponseFunctionToolCall) and call.name == "get_weather" and call.arguments == "{}"
    answered = client.responses.create(
        model="local-echo",
        conversation=conversation.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
        tools=[FUNCTION],
    )
    assert answered.id != asked.id and answered.output_text == "Tool outputs: sunny"
    kinds = [item.type for item in client.conversations.items.list(conversation.id, order="asc")]
    assert kinds == ["message", "function_call", "function_call_output", "message"]


def test_an_mcp_approval_round(client):
    mcp = {"type": "mcp", "server_label": "docs", "server_url": "https://example.test/mcp", "allowed_tools": ["find"]}
    asked = client.responses.create(model="local-echo", input="look it up", tools=[mcp])
    [request] = asked.output
    assert request.type == "mcp_approval_request" and request.name == "find"
    approved = client.responses.create(
        model="local-echo",
        previous_response_id=asked.id,
        input=[{"type": "mcp_approval_response", "approval_request_id": request.id, "approve": True}],
        tools=[mcp],
    )
    assert approved.output_text == "MCP tool ran: docs.find"


def test_errors_reach_the_client_as_its_exceptions(client, server):
    with pytest.raises(openai.BadRequestError) as unknown:
        client.responses.create(model="local-echo", input="x", extra_body={"assistant_id": "asst_1"})
    assert unknown.value.code == "unknown_parameter"
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="local-echo", conversation="conv_nope", input="x")
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(api_key="sk-wrong", base_url=server.api_base, max_retries=0).conversations.create()
    server.reset()  # the refused bodies above are wrong on purpose
    client.conversations.create()
