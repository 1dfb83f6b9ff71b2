"""The local server's Conversations + Responses API (OpenAI mode): routes,
request checks, the local model's answers, background responses and cancel.
The `server` fixture validates every answer against responses.yaml."""

from __future__ import annotations

import pytest
import requests
from assistants_server import AssistantsServer, spec
from support import API_KEY, assert_requests_match_contract

BEARER = {"Authorization": f"Bearer {API_KEY}"}
FUNCTION = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {}},
    "strict": True,
}
MCP = {"type": "mcp", "server_label": "docs", "server_url": "https://example.test/mcp", "allowed_tools": ["lookup"]}


def call(server: AssistantsServer, method: str, path: str, body: object = None, **params: str) -> requests.Response:
    return requests.request(method, f"{server.api_base}{path}", json=body, params=params, headers=BEARER, timeout=10)


def ok(answer: requests.Response) -> dict:
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused(answer: requests.Response, status: int = 400) -> dict:
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"error"}
    return answer.json()["error"]


def respond(server: AssistantsServer, **body: object) -> dict:
    return ok(call(server, "POST", "/responses", {"model": "local-echo", **body}))


# -- conversations -----------------------------------------------------------
def test_conversations_are_created_read_updated_and_deleted(server):
    created = ok(
        call(
            server,
            "POST",
            "/conversations",
            {
                "metadata": {"team": "ops"},
                "items": [
                    {"role": "user", "content": "first"},
                    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "second"}]},
                ],
            },
        )
    )
    assert created["object"] == "conversation" and created["id"].startswith("conv_")
    assert created["metadata"] == {"team": "ops"} and isinstance(created["created_at"], int)
    assert ok(call(server, "GET", f"/conversations/{created['id']}")) == created
    updated = ok(call(server, "POST", f"/conversations/{created['id']}", {"metadata": {"team": "dev"}}))
    assert updated == dict(created, metadata={"team": "dev"})
    items = ok(call(server, "GET", f"/conversations/{created['id']}/items"))["data"]
    assert [item["content"][0]["text"] for item in items] == ["second", "first"]  # newest first
    assert all(item["status"] == "completed" and item["id"].startswith("msg_") for item in items)
    deleted = ok(call(server, "DELETE", f"/conversations/{created['id']}"))
    assert deleted == {"id": created["id"], "object": "conversation.deleted", "deleted": True}
    gone = refused(call(server, "GET", f"/conversations/{created['id']}"), 404)
    assert created["id"] in gone["message"]


def test_conversation_items_are_added_read_paged_and_deleted(server):
    conversation = ok(call(server, "POST", "/conversations", {}))
    base = f"/conversations/{conversation['id']}/items"
    added = ok(call(server, "POST", base, {"items": [{"role": "user", "content": f"m{n}"} for n in range(5)]}))
    assert [item["content"][0]["text"] for item in added["data"]] == [f"m{n}" for n in range(5)]
    assert (added["first_id"], added["last_id"], added["has_more"]) == (
        added["data"][0]["id"],
        added["data"][-1]["id"],
        False,
    )
    first = ok(call(server, "GET", base, limit="2", order="asc"))
    assert [i["content"][0]["text"] for i in first["data"]] == ["m0", "m1"] and first["has_more"] is True
    rest = ok(call(server, "GET", base, limit="10", order="asc", after=first["last_id"]))
    assert [i["content"][0]["text"] for i in rest["data"]] == ["m2", "m3", "m4"] and rest["has_more"] is False
    # The API has no `before`: it changes nothing.
    assert ok(call(server, "GET", base, before=rest["data"][0]["id"]))["data"] == list(reversed(added["data"]))
    one = added["data"][2]
    assert ok(call(server, "GET", f"{base}/{one['id']}")) == one
    answer = ok(call(server, "DELETE", f"{base}/{one['id']}"))
    assert answer == conversation  # deleting an item answers the conversation
    assert one["id"] not in [i["id"] for i in ok(call(server, "GET", base))["data"]]
    refused(call(server, "GET", f"{base}/{one['id']}"), 404)


@pytest.mark.parametrize(
    ("params", "param"), [({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"order": "up"}, "order")]
)
def test_item_pages_refuse_bad_limits_and_orders(server, params, param):
    conversation = ok(call(server, "POST", "/conversations", {}))
    assert refused(call(server, "GET", f"/conversations/{conversation['id']}/items", **params))["param"] == param


def test_conversation_bodies_are_checked_against_the_contract(server):
    too_many = [{"role": "user", "content": "x"}] * 21
    error = refused(call(server, "POST", "/conversations", {"items": too_many}))
    assert error["code"] == "array_above_max_length" and "21" in error["message"]
    conversation = ok(call(server, "POST", "/conversations", {}))
    items = f"/conversations/{conversation['id']}/items"
    assert refused(call(server, "POST", items, {"items": too_many}))["code"] == "array_above_max_length"
    assert refused(call(server, "POST", items, {}))["code"] == "missing_required_parameter"
    assert refused(call(server, "POST", "/conversations", {"title": "x"}))["code"] == "unknown_parameter"
    metadata = {f"k{n}": "v" for n in range(17)}
    assert refused(call(server, "POST", "/conversations", {"metadata": metadata}))["param"] == "metadata"
    long_value = {"k": "v" * 513}
    path = f"/conversations/{conversation['id']}"
    assert refused(call(server, "POST", path, {"metadata": long_value}))["param"] == "metadata"
    assert refused(call(server, "POST", path, {}))["code"] == "missing_required_parameter"
    assert ok(call(server, "GET", items))["data"] == []  # nothing refused was added


def test_responses_routes_need_a_key_but_no_beta_header(server):
    assert ok(call(server, "POST", "/conversations", {}))["object"] == "conversation"
    with_api_key = requests.post(f"{server.api_base}/conversations", json={}, headers={"api-key": API_KEY}, timeout=10)
    assert with_api_key.status_code == 200
    anonymous = requests.post(f"{server.api_base}/responses", json={"model": "m"}, timeout=10)
    assert anonymous.status_code == 401
    wrong = requests.post(f"{server.api_base}/responses", json={}, headers={"api-key": "sk-wrong"}, timeout=10)
    assert refused(wrong, 401)["code"] == "invalid_api_key"
    assistants = requests.post(f"{server.api_base}/threads", json={}, headers=BEARER, timeout=10)
    assert assistants.status_code == 400 and "OpenAI-Beta" in assistants.text  # unchanged there


@pytest.mark.parametrize("path", ["/conversations", "/responses"])
def test_openai_lists_neither_conversations_nor_responses(server, path):
    assert "Invalid URL" in refused(call(server, "GET", path), 404)["message"]


# -- responses ---------------------------------------------------------------
def test_a_plain_response_echoes_the_request_and_answers_at_once(server):
    body = {
        "instructions": "Be brief.",
        "input": "hello there",
        "metadata": {"run": "1"},
        "temperature": 0.5,
        "top_p": 0.9,
        "tool_choice": "none",
        "parallel_tool_calls": False,
        "max_output_tokens": 64,
        "text": {"format": {"type": "json_object"}},
        "reasoning": {"effort": "low"},
        "truncation": "auto",
        "store": True,
    }
    response = respond(server, **body)
    assert response["status"] == "completed" and response["object"] == "response"
    assert {key: response[key] for key in body if key != "input"} == {k: v for k, v in body.items() if k != "input"}
    assert response["model"] == "local-echo" and response["tools"] == [] and response["background"] is False
    assert response["conversation"] is None and response["previous_response_id"] is None
    [message] = response["output"]
    assert message["role"] == "assistant" and message["status"] == "completed"
    assert message["content"][0]["text"] == response["output_text"] == "You said: hello there"
    assert response["usage"]["total_tokens"] == response["usage"]["input_tokens"] + response["usage"]["output_tokens"]
    assert response["completed_at"] >= response["created_at"]
    assert ok(call(server, "GET", f"/responses/{response['id']}")) == response
    assert assert_requests_match_contract(server) == 1


def test_input_messages_in_every_form_and_the_last_user_text_wins(server):
    response = respond(
        server,
        input=[
            {"role": "developer", "content": "Be kind."},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "look"},
                    {"type": "input_image", "image_url": "https://example.test/a.png", "detail": "auto"},
                    {"type": "input_file", "file_id": "file_1"},
                    {"type": "input_text", "text": "here"},
                ],
            },
        ],
    )
    assert response["output_text"] == "You said: look here"
    items = ok(call(server, "GET", f"/responses/{response['id']}/input_items", order="asc"))["data"]
    assert [item["role"] for item in items] == ["developer", "user"]
    assert [part["type"] for part in items[1]["content"]] == ["input_text", "input_image", "input_file", "input_text"]


def test_earlier_assistant_turns_are_kept_as_output_text(server):
    response = respond(
        server,
        input=[
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "assistant", "content": [{"type": "input_text", "text": "how can I help?"}]},
            {"role": "user", "content": "tell me"},
        ],
    )
    assert response["output_text"] == "You said: tell me"
    listed = ok(call(server, "GET", f"/responses/{response['id']}/input_items", order="asc"))["data"]
    assert [part["type"] for item in listed for part in item["content"]] == [
        "input_text",
        "output_text",
        "output_text",
        "input_text",
    ]


def test_a_response_on_a_conversation_adds_its_input_and_output_items(server):
    conversation = ok(call(server, "POST", "/conversations", {"items": [{"role": "user", "content": "earlier"}]}))
    response = respond(server, conversation={"id": conversation["id"]}, input="now")
    assert response["conversation"] == {"id": conversation["id"]}
    items = ok(call(server, "GET", f"/conversations/{conversation['id']}/items"))["data"]
    assert [(i["role"], i["content"][0]["text"]) for i in items] == [
        ("assistant", "You said: now"),
        ("user", "now"),
        ("user", "earlier"),
    ]
    assert items[0]["id"] == response["output"][0]["id"]
    # Without input, the conversation's last user message is the one answered.
    again = respond(server, conversation=conversation["id"])
    assert again["output_text"] == "You said: now"


def test_previous_response_id_chains_and_excludes_a_conversation(server):
    first = respond(server, input="remember me")
    second = respond(server, previous_response_id=first["id"])
    assert second["previous_response_id"] == first["id"] and second["output_text"] == "You said: remember me"
    conversation = ok(call(server, "POST", "/conversations", {}))
    both = call(
        server,
        "POST",
        "/responses",
        {"model": "m", "conversation": conversation["id"], "previous_response_id": first["id"]},
    )
    assert refused(both)["code"] == "mutually_exclusive_parameters"
    missing = call(server, "POST", "/responses", {"model": "m", "previous_response_id": "resp_nope"})
    assert refused(missing)["code"] == "previous_response_not_found"
    assert (
        "conv_nope"
        in refused(call(server, "POST", "/responses", {"model": "m", "conversation": "conv_nope"}), 404)["message"]
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"input": "x"}, "missing_required_parameter"),
        ({"model": "m", "assistant_id": "asst_1"}, "unknown_parameter"),
        ({"model": "m", "agent_reference": {"type": "agent_reference", "name": "a"}}, "unknown_parameter"),
        ({"model": "m", "max_output_tokens": 15}, "invalid_value"),
        ({"model": "m", "temperature": 2.5}, "invalid_value"),
        ({"model": "m", "tools": [{"type": "function", "name": "f"}]}, "missing_required_parameter"),
        ({"model": "m", "metadata": {"k" * 65: "v"}}, "string_above_max_length"),
        ({"model": "m", "input": [{"type": "reasoning", "id": "rs_1", "summary": []}]}, "invalid_value"),
    ],
)
def test_response_bodies_are_checked_and_nothing_is_made(server, body, code):
    assert refused(call(server, "POST", "/responses", body))["code"] == code
    assert server.responses.responses.by_id == {}


def test_a_background_response_moves_one_step_per_poll(server):
    response = respond(server, input="later", background=True)
    assert response["status"] == "queued" and response["output"] == [] and "usage" not in response
    path = f"/responses/{response['id']}"
    assert ok(call(server, "GET", path))["status"] == "in_progress"
    done = ok(call(server, "GET", path))
    assert done["status"] == "completed" and done["output_text"] == "You said: later"
    assert ok(call(server, "GET", path)) == done
    server.routes.advance_on_poll = False
    held = respond(server, input="held", background=True)
    assert ok(call(server, "GET", f"/responses/{held['id']}"))["status"] == "queued"


def test_cancel_works_on_active_background_responses_only(server):
    queued = respond(server, input="x", background=True)
    cancelled = ok(call(server, "POST", f"/responses/{queued['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert ok(call(server, "POST", f"/responses/{queued['id']}/cancel")) == cancelled  # again: the same answer
    assert ok(call(server, "GET", f"/responses/{queued['id']}"))["status"] == "cancelled"  # and it stays so
    finished = respond(server, input="x", background=True)
    call(server, "GET", f"/responses/{finished['id']}")
    call(server, "GET", f"/responses/{finished['id']}")
    assert "completed" in refused(call(server, "POST", f"/responses/{finished['id']}/cancel"))["message"]
    foreground = respond(server, input="x")
    assert "background" in refused(call(server, "POST", f"/responses/{foreground['id']}/cancel"))["message"]
    refused(call(server, "POST", "/responses/resp_nope/cancel"), 404)


def test_a_conversation_takes_one_active_response_at_a_time(server):
    conversation = ok(call(server, "POST", "/conversations", {}))
    first = respond(server, conversation=conversation["id"], input="one", background=True)
    second = call(server, "POST", "/responses", {"model": "m", "conversation": conversation["id"], "input": "two"})
    assert refused(second)["code"] == "conversation_locked"
    ok(call(server, "POST", f"/responses/{first['id']}/cancel"))
    assert respond(server, conversation=conversation["id"], input="two")["status"] == "completed"


def test_deleting_a_response_forgets_it_but_not_the_conversation_items(server):
    conversation = ok(call(server, "POST", "/conversations", {}))
    response = respond(server, conversation=conversation["id"], input="x")
    assert ok(call(server, "DELETE", f"/responses/{response['id']}")) == {
        "id": response["id"],
        "object": "response",
        "deleted": True,
    }
    refused(call(server, "GET", f"/responses/{response['id']}"), 404)
    assert len(ok(call(server, "GET", f"/conversations/{conversation['id']}/items"))["data"]) == 2


def test_a_function_call_round(server):
    conversation = ok(call(server, "POST", "/conversations", {}))
    asked = respond(server, conversation=conversation["id"], input="weather?", tools=[FUNCTION])
    assert asked["status"] == "completed" and asked["output_text"] == "" and asked["tools"] == [FUNCTION]
    [function_call] = asked["output"]
    assert function_call == {
        "type": "function_call",
        "id": function_call["id"],
        "call_id": function_call["call_id"],
        "name": "get_weather",
        "arguments": "{}",
        "status": "completed",
    }
    assert function_call["id"].startswith("fc_") and function_call["call_id"].startswith("call_")
    unanswered = call(server, "POST", "/responses", {"model": "m", "conversation": conversation["id"], "input": "hi"})
    assert function_call["call_id"] in refused(unanswered)["message"]
    stranger = [{"type": "function_call_output", "call_id": "call_other", "output": "x"}]
    wrong = call(server, "POST", "/responses", {"model": "m", "conversation": conversation["id"], "input": stranger})
    assert "call_other" in refused(wrong)["message"]
    output = [{"type": "function_call_output", "call_id": function_call["call_id"], "output": "sunny"}]
    answered = respond(server, conversation=conversation["id"], input=output, tools=[FUNCTION])
    assert answered["id"] != asked["id"] and answered["output_text"] == "Tool outputs: sunny"
    types = [i["type"] for i in ok(call(server, "GET", f"/conversations/{conversation['id']}/items"))["data"]]
    assert types == ["message", "function_call_output", "function_call", "message"]


def test_a_stateless_function_call_round_sends_the_call_back(server):
    asked = respond(server, input="weather?", tools=[FUNCTION])
    function_call = asked["output"][0]
    output = {"type": "function_call_output", "call_id": function_call["call_id"], "output": "rain"}
    answered = respond(server, input=[function_call, output], tools=[FUNCTION])
    assert answered["output_text"] == "Tool outputs: rain"


@pytest.mark.parametrize(("approve", "says"), [(True, "MCP tool ran: docs.lookup"), (False, "denied")])
def test_an_mcp_tool_waits_for_approval(server, approve, says):
    asked = respond(server, input="look it up", tools=[MCP])
    [request] = asked["output"]
    assert request["type"] == "mcp_approval_request" and request["server_label"] == "docs"
    assert request["name"] == "lookup" and request["arguments"] == "{}" and request["id"]
    approval = {"type": "mcp_approval_response", "approval_request_id": request["id"], "approve": approve}
    answered = respond(server, previous_response_id=asked["id"], input=[approval], tools=[MCP])
    assert says in answered["output_text"]
    unknown = dict(approval, approval_request_id="mcpr_nope")
    assert "mcpr_nope" in refused(call(server, "POST", "/responses", {"model": "m", "input": [unknown]}))["message"]


def test_an_mcp_tool_that_never_asks_just_answers(server):
    response = respond(server, input="go", tools=[dict(MCP, require_approval="never")])
    assert response["output_text"] == "You said: go"


@pytest.mark.parametrize("background", [False, True])
def test_markers_end_a_response_failed_or_incomplete(server, background):
    failed = respond(server, input="please [[fail]]", background=background)
    incomplete = respond(server, input="please [[incomplete]]", background=background)
    for _poll in range(2 if background else 0):
        failed = ok(call(server, "GET", f"/responses/{failed['id']}"))
        incomplete = ok(call(server, "GET", f"/responses/{incomplete['id']}"))
    assert failed["status"] == "failed" and failed["output"] == []
    assert failed["error"]["code"] == "server_error" and failed["completed_at"] is None
    assert incomplete["status"] == "incomplete"
    assert incomplete["incomplete_details"] == {"reason": "max_output_tokens"}
    assert incomplete["output"][0]["status"] == "incomplete"


def test_a_marker_fails_the_answer_after_a_tool_round_not_the_call(server):
    asked = respond(server, input="[[fail]] weather?", tools=[FUNCTION])
    assert asked["status"] == "completed" and asked["output"][0]["type"] == "function_call"
    output = {"type": "function_call_output", "call_id": asked["output"][0]["call_id"], "output": "x"}
    assert respond(server, previous_response_id=asked["id"], input=[output])["status"] == "failed"


def test_scripted_outcomes_come_before_markers(server):
    server.responses.responses.next_outcomes.append("incomplete")
    assert respond(server, input="plain")["status"] == "incomplete"
    assert respond(server, input="plain")["status"] == "completed"


def test_input_items_are_the_responses_own_input(server):
    conversation = ok(call(server, "POST", "/conversations", {"items": [{"role": "user", "content": "old"}]}))
    response = respond(
        server,
        conversation=conversation["id"],
        input=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
    )
    listed = ok(call(server, "GET", f"/responses/{response['id']}/input_items"))
    assert [i["content"][0]["text"] for i in listed["data"]] == ["b", "a"]
    assert [
        i["content"][0]["text"]
        for i in ok(call(server, "GET", f"/responses/{response['id']}/input_items", limit="1", order="asc"))["data"]
    ] == ["a"]


def test_the_request_helper_checks_bodies_against_the_contract(server):
    respond(server, input="fine")
    assert assert_requests_match_contract(server) == 1
    call(server, "POST", "/responses", {"model": "m", "bogus": True})
    with pytest.raises(AssertionError, match="bogus"):
        assert_requests_match_contract(server)


def test_the_validator_works_around_the_contracts_defects():
    approval = {"type": "mcp_approval_response", "approval_request_id": "mcpr_1", "approve": True}
    assert spec.errors(spec.qualified("MCPApprovalResponse"), approval) == []
    message = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    assert spec.errors(spec.qualified("CreateResponse"), {"input": [message, approval]}) == []
    nested = {"type": "and", "filters": [{"type": "or", "filters": [{"type": "eq", "key": "k", "value": 1}]}]}
    assert spec.errors(spec.qualified("CompoundFilter"), nested) == []
    broken = {"type": "and", "filters": [{"type": "or", "filters": "not a list"}]}
    assert spec.errors(spec.qualified("CompoundFilter"), broken) != []


def test_compat_mode_serves_the_contract_shapes_with_its_own_errors():
    with AssistantsServer(api_key=API_KEY, mode="compat") as compat:
        compat.store.now = lambda: 1_700_000_000  # type: ignore[method-assign]
        conversation = ok(call(compat, "POST", "/conversations", {}))
        assert conversation["created_at"] == 1_700_000_000  # seconds, as the contract says
        response = respond(compat, conversation=conversation["id"], input="hi")
        assert response["created_at"] == 1_700_000_000 and response["output_text"] == "You said: hi"
        missing = call(compat, "GET", "/conversations/conv_nope")
        assert (missing.status_code, missing.json()) == (404, {"detail": "Conversation not found"})
        assert "/api/v2/responses" in compat.requests[1]["path"]
