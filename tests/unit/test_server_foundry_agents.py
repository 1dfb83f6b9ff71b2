"""Foundry mode's new Agent Service on the local server: versioned prompt
agents, the OpenAI-compatible conversations and responses under /openai/v1
(GA) and /openai (preview), agent_reference, and Foundry's own lists."""

from __future__ import annotations

import pytest
import requests
from assistants_server import AssistantsServer, spec
from support import API_KEY, assert_answers_match_contract, assert_requests_match_contract
from test_server_modes import start_by_hand

BEARER = {"Authorization": f"Bearer {API_KEY}"}
V1 = {"api-version": "v1"}
PREVIEW = {"api-version": "2025-11-15-preview"}
GA = "/openai/v1"
FUNCTION = {"type": "function", "name": "get_order", "parameters": {"type": "object", "properties": {}}, "strict": True}
MCP = {"type": "mcp", "server_label": "docs", "server_url": "https://example.test/mcp", "require_approval": "always"}
DEFINITION = {"kind": "prompt", "model": "gpt-4.1", "instructions": "Be brief.", "temperature": 0.2, "top_p": 0.9}


@pytest.fixture
def foundry():
    with AssistantsServer(api_key=API_KEY, mode="foundry", project="proj1") as running:
        yield running
        assert_answers_match_contract(running)


def call(server: AssistantsServer, method: str, path: str, body: object = None, params: dict | None = None):
    return requests.request(
        method,
        f"{server.api_base}{path}",
        json=body,
        params=V1 if params is None else params,
        headers=BEARER,
        timeout=10,
    )


def ok(answer: requests.Response) -> dict:
    assert answer.status_code == 200, answer.text
    return answer.json()


def error(answer: requests.Response, status: int = 400) -> dict:
    assert answer.status_code == status, answer.text
    assert set(answer.json()["error"]) == {"code", "message"}
    return answer.json()["error"]


def new_version(server: AssistantsServer, name: str = "support-bot", **definition: object) -> dict:
    body = {"description": "Support bot", "metadata": {"owner": "ops"}, "definition": {**DEFINITION, **definition}}
    return ok(call(server, "POST", f"/agents/{name}/versions", body))


def test_agent_versions_are_created_read_listed_and_deleted(foundry):
    first = new_version(foundry)
    assert first == {
        "object": "agent.version",
        "id": "support-bot:1",
        "name": "support-bot",
        "version": "1",
        "description": "Support bot",
        "metadata": {"owner": "ops"},
        "created_at": first["created_at"],
        "definition": DEFINITION,
    }
    second = new_version(foundry, tools=[FUNCTION])
    assert (second["id"], second["version"]) == ("support-bot:2", "2")
    agent = ok(call(foundry, "GET", "/agents/support-bot"))
    assert agent == {"object": "agent", "id": "support-bot", "name": "support-bot", "versions": {"latest": second}}
    new_version(foundry, name="other")
    listed = ok(call(foundry, "GET", "/agents", params={**V1, "order": "asc"}))
    assert [a["name"] for a in listed["data"]] == ["support-bot", "other"] and listed["has_more"] is False
    versions = ok(call(foundry, "GET", "/agents/support-bot/versions", params={**V1, "limit": "1"}))
    assert versions["data"] == [second] and versions["has_more"] is True
    assert ok(call(foundry, "GET", "/agents/support-bot/versions/1")) == first
    gone = ok(call(foundry, "DELETE", "/agents/support-bot/versions/1"))
    assert gone == {"object": "agent.version.deleted", "name": "support-bot", "version": "1", "deleted": True}
    error(call(foundry, "GET", "/agents/support-bot/versions/1"), 404)
    assert new_version(foundry)["version"] == "3"  # versions are not reused
    assert ok(call(foundry, "DELETE", "/agents/support-bot")) == {
        "object": "agent.deleted",
        "name": "support-bot",
        "deleted": True,
    }
    assert error(call(foundry, "GET", "/agents/support-bot"), 404)["code"] == "NotFound"


@pytest.mark.parametrize("name", ["-bot", "bot-", "my_bot", "a" * 64, "bot.1"])
def test_agent_names_follow_the_rule(foundry, name):
    answer = call(foundry, "POST", f"/agents/{name}/versions", {"definition": DEFINITION})
    assert "agent name" in error(answer)["message"]


def test_the_longest_and_shortest_names_are_taken(foundry):
    assert new_version(foundry, name="a" * 63)["name"] == "a" * 63
    assert new_version(foundry, name="b")["name"] == "b"
    assert new_version(foundry, name="a-1-b")["name"] == "a-1-b"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"definition": dict(DEFINITION, kind="hosted")}, "invalid_value"),
        ({"definition": {"kind": "prompt"}}, "missing_required_parameter"),
        ({}, "missing_required_parameter"),
        ({"definition": dict(DEFINITION, colour="red")}, "unknown_parameter"),
        ({"definition": DEFINITION, "name": "x"}, "unknown_parameter"),
        ({"definition": dict(DEFINITION, temperature=3)}, "invalid_value"),
        ({"definition": dict(DEFINITION, tools=[{"type": "function", "name": "f"}])}, "invalid_value"),
        ({"definition": dict(DEFINITION, text={"format": {"type": "yaml"}})}, "invalid_value"),
        ({"definition": DEFINITION, "description": "d" * 513}, "invalid_value"),
        ({"definition": DEFINITION, "metadata": {f"k{n}": "v" for n in range(17)}}, "object_above_max_properties"),
    ],
)
def test_agent_version_bodies_are_checked_and_nothing_is_made(foundry, body, code):
    assert error(call(foundry, "POST", "/agents/bot/versions", body))["code"] == code
    assert foundry.responses.agents.agents == {}


def test_foundry_tool_types_pass_in_definitions(foundry):
    bing = {"type": "bing_grounding", "bing_grounding": {"search_configurations": [{"connection_id": "c1"}]}}
    assert new_version(foundry, tools=[bing, MCP])["definition"]["tools"] == [bing, MCP]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/agents", {}, 400),
        ("/agents", {"api-version": "2025-05-15-preview"}, 400),
        ("/agents", PREVIEW, 200),
        (f"{GA}/conversations", {}, 200),
        (f"{GA}/conversations", {"api-version": "2024-01-01"}, 400),
        ("/openai/conversations", {}, 400),
        ("/openai/conversations", PREVIEW, 200),
        ("/openai/conversations", V1, 200),
        ("/threads", PREVIEW, 400),  # classic agents keep their own versions
    ],
)
def test_api_versions_per_surface(foundry, path, params, status):
    method = "GET" if path == "/agents" else "POST"
    answer = call(foundry, method, path, {} if method == "POST" else None, params=params)
    assert answer.status_code == status, answer.text


def test_the_new_routes_take_a_bearer_token_only(foundry):
    for headers in ({}, {"api-key": API_KEY}, {"Authorization": "Bearer wrong"}):
        answer = requests.get(f"{foundry.api_base}/agents", params=V1, headers=headers, timeout=10)
        assert error(answer, 401)["code"] == "PermissionDenied"


def test_a_response_with_an_agent_reference_takes_the_agents_definition(foundry):
    new_version(foundry)
    latest = new_version(foundry, tools=[FUNCTION], instructions="Be precise.")
    conversation = ok(call(foundry, "POST", f"{GA}/conversations", {}, params={}))
    reference = {"type": "agent_reference", "name": "support-bot"}
    body = {"agent_reference": reference, "conversation": conversation["id"], "input": "Where is order 42?"}
    asked = ok(call(foundry, "POST", f"{GA}/responses", body, params={}))
    assert asked["agent"] == {"type": "agent_id", "name": "support-bot", "version": latest["version"]}
    assert asked["model"] == "gpt-4.1" and asked["instructions"] == "Be precise." and asked["tools"] == [FUNCTION]
    assert (asked["temperature"], asked["top_p"]) == (0.2, 0.9)
    [function_call] = asked["output"]
    output = {"type": "function_call_output", "call_id": function_call["call_id"], "output": "shipped"}
    pinned = dict(reference, version="1")
    answered = ok(
        call(
            foundry,
            "POST",
            f"{GA}/responses",
            {"agent_reference": pinned, "conversation": conversation["id"], "input": [output]},
            params={},
        )
    )
    assert answered["agent"]["version"] == "1" and answered["output_text"] == "Tool outputs: shipped"
    override = ok(
        call(
            foundry, "POST", f"{GA}/responses", {"agent_reference": pinned, "model": "gpt-5", "input": "hi"}, params={}
        )
    )
    assert override["model"] == "gpt-5"  # the request's own fields win
    assert assert_requests_match_contract(foundry) == 4
    # Foundry answers on these routes are recorded with their contract schema (the fixture checks them).
    assert [r["response"]["schema"] for r in foundry.requests[-3:]] == [spec.qualified("Response")] * 3


@pytest.mark.parametrize(
    ("reference", "status"),
    [
        ({"type": "agent_reference", "name": "nobody"}, 404),
        ({"type": "agent_reference", "name": "support-bot", "version": "9"}, 404),
        ({"name": "support-bot"}, 400),
        ({"type": "agent_reference", "name": "support-bot", "extra": 1}, 400),
    ],
)
def test_a_bad_agent_reference_is_refused(foundry, reference, status):
    new_version(foundry)
    answer = call(foundry, "POST", f"{GA}/responses", {"agent_reference": reference, "input": "x"}, params={})
    error(answer, status)
    assert foundry.responses.responses.by_id == {}


def test_without_an_agent_or_a_model_a_response_is_refused(foundry):
    answer = call(foundry, "POST", f"{GA}/responses", {"input": "x"}, params={})
    assert error(answer)["code"] == "missing_required_parameter"


def test_an_agents_mcp_tool_asks_for_approval_through_the_preview_routes(foundry):
    new_version(foundry, tools=[MCP])
    conversation = ok(call(foundry, "POST", "/openai/conversations", {}, params=PREVIEW))
    reference = {"type": "agent_reference", "name": "support-bot"}
    body = {"agent_reference": reference, "conversation": conversation["id"], "input": "look", "background": True}
    asked = ok(call(foundry, "POST", "/openai/responses", body, params=PREVIEW))
    path = f"/openai/responses/{asked['id']}"
    while asked["status"] in ("queued", "in_progress"):
        asked = ok(call(foundry, "GET", path, params=PREVIEW))
    [request] = asked["output"]
    approval = {"type": "mcp_approval_response", "approval_request_id": request["id"], "approve": True}
    answered = ok(
        call(
            foundry,
            "POST",
            "/openai/responses",
            {"agent_reference": reference, "conversation": conversation["id"], "input": [approval]},
            params=PREVIEW,
        )
    )
    assert answered["output_text"] == "MCP tool ran: docs.search"


def test_foundry_lists_conversations_and_responses_by_agent(foundry):
    new_version(foundry)
    new_version(foundry, name="other")
    conversations = [ok(call(foundry, "POST", f"{GA}/conversations", {}, params={})) for _number in range(3)]
    made = {}
    for conversation, agent in zip(conversations, ["support-bot", "other", "support-bot"]):
        body = {"agent_reference": {"type": "agent_reference", "name": agent}, "conversation": conversation["id"]}
        made[conversation["id"]] = ok(call(foundry, "POST", f"{GA}/responses", body, params={}))
    by_agent = ok(call(foundry, "GET", f"{GA}/conversations", params={"agent_name": "support-bot", "order": "asc"}))
    assert [c["id"] for c in by_agent["data"]] == [conversations[0]["id"], conversations[2]["id"]]
    assert all(set(c) == {"id", "object", "created_at", "metadata"} for c in by_agent["data"])
    by_id = ok(call(foundry, "GET", f"{GA}/conversations", params={"agent_id": "other:1"}))
    assert [c["id"] for c in by_id["data"]] == [conversations[1]["id"]]
    responses = ok(call(foundry, "GET", f"{GA}/responses", params={"conversation_id": conversations[2]["id"]}))
    assert [r["id"] for r in responses["data"]] == [made[conversations[2]["id"]]["id"]]
    both = ok(call(foundry, "GET", f"{GA}/responses", params={"agent_name": "support-bot", "limit": "1"}))
    assert both["data"][0]["id"] == made[conversations[2]["id"]]["id"] and both["has_more"] is True


def test_foundry_tools_pass_in_a_response_request():
    # Not the validating fixture: Foundry's own tool types are outside the OpenAI contract.
    bing = {"type": "bing_grounding", "bing_grounding": {"search_configurations": [{"connection_id": "c1"}]}}
    with AssistantsServer(api_key=API_KEY, mode="foundry") as running:
        body = {"model": "gpt-4.1", "input": "x", "tools": [bing, FUNCTION]}
        answer = ok(call(running, "POST", f"{GA}/responses", body, {}))
    assert answer["tools"] == [bing, FUNCTION] and answer["output"][0]["name"] == "get_order"


def test_classic_agents_are_unchanged_beside_the_new_ones(foundry):
    assistant = ok(call(foundry, "POST", "/assistants", {"model": "gpt-4o"}))
    assert assistant["object"] == "assistant"
    assert ok(call(foundry, "GET", "/agents"))["data"] == []


def test_by_hand_foundry_mode_serves_the_new_agents_and_says_which_api_versions(tmp_path):
    process, port = start_by_hand(tmp_path, "--mode", "foundry", "--api-key", API_KEY)
    try:
        base = f"http://127.0.0.1:{port}/api/projects/demo"
        made = requests.post(
            f"{base}/agents/bot/versions", params=PREVIEW, json={"definition": DEFINITION}, headers=BEARER, timeout=10
        )
        assert made.status_code == 200 and made.json()["id"] == "bot:1"
        answer = requests.post(f"{base}{GA}/responses", json={"model": "m", "input": "hi"}, headers=BEARER, timeout=10)
        assert answer.json()["output_text"] == "You said: hi"
    finally:
        process.terminate()
    assert process.wait(timeout=10) == 0
    assert "new agents and /openai routes: api-version one of v1, 2025-11-15-preview" in process.stdout.read()
