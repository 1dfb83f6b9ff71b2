"""The Responses API in the collection's shapes, and run options as Responses
request bodies: the pure mapping, without a server."""

from __future__ import annotations

import pytest

from ansible_collections.seed.openai.plugins.module_utils._api import response_bodies as bodies
from ansible_collections.seed.openai.plugins.module_utils._api import response_shapes as shapes
from ansible_collections.seed.openai.plugins.module_utils._api.response_stream import read_response_stream
from ansible_collections.seed.openai.plugins.module_utils._errors import InvalidInput
from ansible_collections.seed.openai.plugins.module_utils._streaming import StreamFailed
from ansible_collections.seed.openai.plugins.module_utils._tasks._shape import approvals_pending, function_calls

DEFINITION = {
    "id": "local_definition_abc",
    "object": "assistant",
    "model": "local-echo",
    "instructions": "Answer briefly.",
    "tools": [{"type": "function", "function": {"name": "get_weather"}}],
}


def response(status="completed", output=(), **extra):
    found = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "status": status,
        "model": "local-echo",
        "output": list(output),
        "conversation": {"id": "conv_1"},
        "metadata": {},
        "tools": [],
    }
    found.update(extra)
    return found


FUNCTION_CALL = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather", "arguments": "{}"}
APPROVAL = {"type": "mcp_approval_request", "id": "mcpr_1", "server_label": "docs", "name": "search", "arguments": "{}"}


def test_a_completed_response_with_function_calls_is_a_run_waiting_for_tool_outputs():
    run = shapes.response_as_run(response(output=[FUNCTION_CALL]), "local_definition_abc")

    assert run["status"] == "requires_action"
    assert run["thread_id"] == "conv_1"
    assert run["assistant_id"] == "local_definition_abc"
    assert function_calls(run) == [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    ]


def test_approval_requests_are_the_runs_pending_approvals():
    run = shapes.response_as_run(response(output=[APPROVAL]))

    assert run["status"] == "requires_action"
    assert approvals_pending(run) == [{"id": "mcpr_1", "name": "search", "server_label": "docs", "arguments": "{}"}]


@pytest.mark.parametrize("status", ["queued", "in_progress", "failed", "cancelled", "incomplete"])
def test_other_statuses_keep_their_names(status):
    assert shapes.response_as_run(response(status, output=[FUNCTION_CALL]))["status"] == status


def test_usage_and_errors_take_the_run_names():
    run = shapes.response_as_run(
        response(
            "failed",
            usage={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
            error={"code": "server_error", "message": "boom"},
        )
    )

    assert run["usage"] == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    assert run["last_error"] == {"code": "server_error", "message": "boom"}


def test_a_message_item_reads_as_a_thread_message():
    item = {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "Hi", "annotations": [], "logprobs": []}],
    }

    message = shapes.item_as_message(item, "conv_1", "resp_1")

    assert message["thread_id"] == "conv_1"
    assert message["run_id"] == "resp_1"
    assert message["content"] == [{"type": "text", "text": {"value": "Hi", "annotations": []}}]


def test_a_run_maps_to_a_background_response_with_the_definition():
    params = {"additional_instructions": "Use metric units.", "thread_message": "Hello", "metadata": {"t": 1}}

    body = bodies.response_body(params, DEFINITION, "conv_1")

    assert body["model"] == "local-echo"
    assert body["instructions"] == "Answer briefly.\nUse metric units."
    assert body["tools"] == [
        {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}, "strict": False}
    ]
    assert body["input"] == [{"type": "message", "role": "user", "content": "Hello"}]
    assert body["conversation"] == "conv_1"
    assert body["background"] is True and "stream" not in body
    assert body["metadata"] == {"t": "1"}


def test_streaming_asks_for_events_instead_of_background():
    body = bodies.response_body({"stream": True}, DEFINITION, "conv_1")

    assert body["stream"] is True and "background" not in body


@pytest.mark.parametrize(
    ("params", "option"),
    [
        ({"max_prompt_tokens": 500}, "max_prompt_tokens"),
        ({"truncation_strategy": "last_messages", "last_messages": 2}, "truncation_strategy last_messages"),
        ({"additional_messages": [{"role": "user", "content": "x", "metadata": {"a": "b"}}]}, "metadata"),
    ],
)
def test_options_without_an_equivalent_are_refused_by_name(params, option):
    with pytest.raises(InvalidInput) as refused:
        bodies.response_body(params, DEFINITION, "conv_1")

    assert option in str(refused.value)
    assert "Responses API" in str(refused.value)


def test_response_format_and_tool_choice_take_the_flat_shapes():
    params = {
        "response_format": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
        "tool_choice": "get_weather",
        "max_completion_tokens": 300,
        "reasoning_effort": "low",
    }

    body = bodies.response_body(params, DEFINITION, "conv_1")

    assert body["text"] == {
        "format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": True}
    }
    assert body["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert body["max_output_tokens"] == 300
    assert body["reasoning"] == {"effort": "low"}


def test_file_search_needs_vector_stores():
    with pytest.raises(InvalidInput, match="vector_store_ids"):
        bodies.response_tool({"type": "file_search"})

    tool = bodies.response_tool({"type": "file_search"}, {"file_search": {"vector_store_ids": ["vs_1"]}})
    assert tool == {"type": "file_search", "vector_store_ids": ["vs_1"]}


def test_a_follow_up_carries_the_answered_responses_settings_not_its_tool_choice():
    answered = response(
        output=[FUNCTION_CALL], instructions="Be brief.", tool_choice="required", tools=[{"type": "function"}]
    )
    items = bodies.function_outputs_input([{"tool_call_id": "call_1", "output": {"t": 21}}])

    body = bodies.follow_up_body(answered, items, stream=False)

    assert body["input"] == [{"type": "function_call_output", "call_id": "call_1", "output": '{"t": 21}'}]
    assert body["conversation"] == "conv_1"
    assert body["instructions"] == "Be brief."
    assert "tool_choice" not in body


def events(*pairs):
    lines = []
    for name, data in pairs:
        lines += [f"event: {name}", f"data: {data}", ""]
    return lines


def test_a_stream_ends_with_the_final_response_and_its_text():
    final = response(
        output=[
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "Hello there", "annotations": [], "logprobs": []}],
            }
        ]
    )
    import json

    lines = events(
        (
            "response.created",
            json.dumps({"type": "response.created", "sequence_number": 0, "response": response("in_progress")}),
        ),
        (
            "response.output_text.delta",
            json.dumps(
                {"type": "response.output_text.delta", "sequence_number": 1, "item_id": "msg_1", "delta": "Hello "}
            ),
        ),
        ("response.completed", json.dumps({"type": "response.completed", "sequence_number": 2, "response": final})),
    )

    got, text = read_response_stream(lines)

    assert got["status"] == "completed"
    assert text == "Hello there"


def test_a_stream_that_stops_early_is_broken_and_keeps_what_it_showed():
    import json

    lines = events(
        (
            "response.created",
            json.dumps({"type": "response.created", "sequence_number": 0, "response": response("in_progress")}),
        )
    )

    with pytest.raises(StreamFailed) as failed:
        read_response_stream(lines)

    assert failed.value.broken
    assert failed.value.run["id"] == "resp_1"
