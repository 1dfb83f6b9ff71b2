"""The local server's modes on the wire: OpenAI (the contract), compat
(third-party servers' shapes) and Foundry (Azure AI Foundry classic agents)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from assistants_server import AssistantsServer
from assistants_server.__main__ import main
from assistants_server.handler import Handler
from assistants_server.modes import make_mode
from support import API_KEY, assert_answers_match_contract

OPENAI_HEADERS = {"Authorization": f"Bearer {API_KEY}", "OpenAI-Beta": "assistants=v2"}
BEARER = {"Authorization": f"Bearer {API_KEY}"}
FIXED_NOW = 1_700_000_000
TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools")


def finish(base: str, run: dict, headers: dict, params: dict | None = None) -> dict:
    """Poll a run until it stops moving (each poll advances the local run clock)."""
    for _index in range(10):
        if run["status"] not in ("queued", "in_progress", "cancelling"):
            return run
        run = requests.get(
            f"{base}/threads/{run['thread_id']}/runs/{run['id']}", headers=headers, params=params, timeout=10
        ).json()
    raise AssertionError(f"run still {run['status']}")


# -- OpenAI mode -----------------------------------------------------------
def test_accepted_connections_send_without_nagle_delay(monkeypatch, server):
    seen: list[int] = []
    original = Handler.handle

    def handle(self: Handler) -> None:
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        original(self)

    monkeypatch.setattr(Handler, "handle", handle)
    answer = requests.post(f"{server.api_base}/threads", json={}, headers=OPENAI_HEADERS, timeout=10)
    assert answer.status_code == 200
    assert seen and all(value != 0 for value in seen)


def test_openai_mode_keeps_v1_and_a_zero_poll_after(server):
    server.poll_after_ms = 0
    assert server.api_base.endswith("/v1")
    answer = requests.post(f"{server.api_base}/threads", json={}, headers=OPENAI_HEADERS, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["openai-poll-after-ms"] == "0"
    missing = requests.post(f"{server.api_base}/threads", json={}, headers=BEARER, timeout=10)
    assert missing.status_code == 400 and "OpenAI-Beta" in missing.json()["error"]["message"]


def test_poll_after_is_a_constructor_argument_too():
    with AssistantsServer(api_key=API_KEY, poll_after_ms=0) as running:
        answer = requests.post(f"{running.api_base}/threads", json={}, headers=OPENAI_HEADERS, timeout=10)
        assert answer.headers["openai-poll-after-ms"] == "0"
        assert_answers_match_contract(running)


def test_unknown_mode_and_misplaced_prefix_are_refused():
    with pytest.raises(ValueError, match="mode must be one of openai, compat, foundry"):
        make_mode("azure", API_KEY)
    with pytest.raises(ValueError, match="give project, not prefix"):
        make_mode("foundry", API_KEY, prefix="/x")


# -- compat mode -----------------------------------------------------------
@pytest.fixture
def compat():
    with AssistantsServer(api_key=API_KEY, mode="compat") as running:
        running.store.now = lambda: FIXED_NOW  # type: ignore[method-assign]
        yield running


def compat_thread_and_run(compat: AssistantsServer, **run_fields) -> tuple[str, dict]:
    base = compat.api_base
    assistant = requests.post(f"{base}/assistants", json={"model": "gpt-4o-mini"}, headers=BEARER, timeout=10).json()
    thread = requests.post(
        f"{base}/threads", json={"messages": [{"role": "user", "content": "hello there"}]}, headers=BEARER, timeout=10
    ).json()
    run = requests.post(
        f"{base}/threads/{thread['id']}/runs",
        json={"assistant_id": assistant["id"], **run_fields},
        headers=BEARER,
        timeout=10,
    )
    assert run.status_code == 200, run.text
    return thread["id"], run.json()


def test_compat_serves_under_its_prefix_only(compat):
    assert compat.api_base == f"http://127.0.0.1:{compat.port}/api/v2"
    outside = requests.get(f"http://127.0.0.1:{compat.port}/v1/threads/x", headers=BEARER, timeout=10)
    assert (outside.status_code, outside.json()) == (404, {"detail": "Not Found"})
    unknown = requests.get(f"{compat.api_base}/nothing/here", headers=BEARER, timeout=10)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not Found"})


def test_compat_prefix_is_configurable():
    with AssistantsServer(api_key=API_KEY, mode="compat", prefix="/openai/api") as running:
        assert running.api_base.endswith("/openai/api")
        answer = requests.post(f"{running.api_base}/threads", json={}, headers=BEARER, timeout=10)
        assert answer.status_code == 200 and answer.json()["object"] == "thread"


def test_compat_errors_are_fastapi_details(compat):
    base = compat.api_base
    assert requests.get(f"{base}/threads/thread_nope", headers=BEARER, timeout=10).json() == {
        "detail": "Thread not found"
    }
    no_key = requests.get(f"{base}/threads/x", timeout=10)
    assert no_key.status_code == 401 and isinstance(no_key.json()["detail"], str)
    no_model = requests.post(f"{base}/assistants", json={"name": "x"}, headers=BEARER, timeout=10)
    assert no_model.status_code == 422
    assert no_model.json() == {
        "detail": [{"loc": ["body", "model"], "msg": "field required", "type": "value_error.missing"}]
    }


def test_compat_modifying_an_assistant_needs_the_model(compat):
    base = compat.api_base
    assistant = requests.post(f"{base}/assistants", json={"model": "gpt-4o"}, headers=BEARER, timeout=10).json()
    refused = requests.post(f"{base}/assistants/{assistant['id']}", json={"name": "n"}, headers=BEARER, timeout=10)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "model"]
    accepted = requests.post(
        f"{base}/assistants/{assistant['id']}", json={"name": "n", "model": "gpt-4o"}, headers=BEARER, timeout=10
    )
    assert accepted.status_code == 200 and accepted.json()["name"] == "n"


def test_compat_run_ignores_stream_resolves_model_in_milliseconds_without_usage(compat):
    _thread, run = compat_thread_and_run(compat, model="gpt-4o", stream=True)
    assert run["object"] == "thread.run"
    assert run["model"] == "gpt-4o-2024-08-06"
    assert run["created_at"] == FIXED_NOW * 1000
    assert run["expires_at"] == (FIXED_NOW + 600) * 1000
    done = finish(compat.api_base, run, BEARER)
    assert done["status"] == "completed"
    assert done["started_at"] == done["completed_at"] == FIXED_NOW * 1000
    assert "usage" not in done


def test_compat_run_without_model_reports_the_assistants_resolved(compat):
    _thread, run = compat_thread_and_run(compat)
    assert run["model"] == "gpt-4o-mini-2024-08-06"


def test_compat_stream_request_answers_plain_json(compat):
    answer = requests.post(
        f"{compat.api_base}/threads/runs",
        json={"assistant_id": compat_thread_and_run(compat)[1]["assistant_id"], "stream": True},
        headers=BEARER,
        timeout=10,
    )
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["object"] == "thread.run"


def test_compat_messages_have_text_as_a_list_and_ignore_run_id(compat):
    thread_id, run = compat_thread_and_run(compat)
    finish(compat.api_base, run, BEARER)
    listed = requests.get(
        f"{compat.api_base}/threads/{thread_id}/messages",
        params={"run_id": run["id"], "order": "asc"},
        headers=BEARER,
        timeout=10,
    ).json()
    assert [m["role"] for m in listed["data"]] == ["user", "assistant"]  # run_id did not filter
    assert listed["data"][0]["content"] == [{"type": "text", "text": [{"type": "output_text", "text": "hello there"}]}]
    assert listed["data"][1]["content"] == [
        {"type": "text", "text": [{"type": "output_text", "text": "You said: hello there"}]}
    ]
    assert listed["data"][0]["created_at"] == FIXED_NOW * 1000


# -- Foundry mode ----------------------------------------------------------
V1 = {"api-version": "v1"}
FOUNDRY_TOOLS = [
    {"type": "bing_grounding", "bing_grounding": {"search_configurations": [{"connection_id": "c1"}]}},
    {"type": "azure_ai_search", "azure_ai_search": {"indexes": [{"index_connection_id": "c2", "index_name": "i"}]}},
    {"type": "sharepoint_grounding", "sharepoint_grounding": {"connections": [{"connection_id": "c3"}]}},
    {"type": "fabric_dataagent", "fabric_dataagent": {"connections": [{"connection_id": "c4"}]}},
    {"type": "connected_agent", "connected_agent": {"id": "asst_x", "name": "helper", "description": "d"}},
    {"type": "openapi", "openapi": {"name": "weather", "spec": {"openapi": "3.0.0"}, "auth": {"type": "anonymous"}}},
    {"type": "mcp", "server_label": "docs", "server_url": "https://example.test/mcp", "allowed_tools": ["lookup"]},
]


@pytest.fixture
def foundry():
    refused: dict[str, str] = {"tok-expired": "expired", "tok-bad": "invalid"}
    seen: list[str] = []

    def token_check(token: str) -> str | None:
        seen.append(token)
        return refused.get(token)

    with AssistantsServer(api_key=API_KEY, mode="foundry", project="proj1", token_check=token_check) as running:
        running.seen_tokens = seen  # type: ignore[attr-defined]
        yield running


def test_foundry_serves_under_the_project(foundry):
    assert foundry.api_base == f"http://127.0.0.1:{foundry.port}/api/projects/proj1"
    created = requests.post(f"{foundry.api_base}/threads", params=V1, json={}, headers=BEARER, timeout=10)
    assert created.status_code == 200 and created.json()["object"] == "thread"  # no OpenAI-Beta needed
    outside = requests.get(f"http://127.0.0.1:{foundry.port}/v1/threads", params=V1, headers=BEARER, timeout=10)
    assert outside.status_code == 404 and "error" in outside.json()


@pytest.mark.parametrize(
    ("params", "code"),
    [({}, "MissingApiVersionParameter"), ({"api-version": "2024-01-01"}, "InvalidApiVersionParameter")],
)
def test_foundry_requires_a_known_api_version(foundry, params, code):
    answer = requests.post(f"{foundry.api_base}/threads", params=params, json={}, headers=BEARER, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert set(answer.json()["error"]) == {"code", "message"}


def test_foundry_accepts_the_dated_preview_version(foundry):
    params = {"api-version": "2025-05-15-preview"}
    answer = requests.post(f"{foundry.api_base}/threads", params=params, json={}, headers=BEARER, timeout=10)
    assert answer.status_code == 200


@pytest.mark.parametrize(("token", "reason"), [("tok-expired", "expired"), ("tok-bad", "invalid")])
def test_foundry_refuses_tokens_the_check_refuses_and_says_why(foundry, token, reason):
    answer = requests.post(
        f"{foundry.api_base}/threads", params=V1, json={}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code == 401
    assert f"Access token is {reason}" in answer.json()["error"]["message"]
    assert foundry.seen_tokens[-1] == token


def test_foundry_refuses_requests_without_a_bearer_token(foundry):
    for headers in ({}, {"api-key": API_KEY}, {"Authorization": "Basic abc"}):
        answer = requests.post(f"{foundry.api_base}/threads", params=V1, json={}, headers=headers, timeout=10)
        assert answer.status_code == 401, headers
        assert answer.json()["error"]["message"].startswith("Unauthorized. Access token is missing")


def test_foundry_without_a_token_check_takes_only_the_api_key():
    with AssistantsServer(api_key=API_KEY, mode="foundry") as running:
        assert running.api_base.endswith("/api/projects/demo")
        good = requests.post(f"{running.api_base}/threads", params=V1, json={}, headers=BEARER, timeout=10)
        bad = requests.post(
            f"{running.api_base}/threads", params=V1, json={}, headers={"Authorization": "Bearer x"}, timeout=10
        )
    assert good.status_code == 200
    assert bad.status_code == 401 and "Access token is invalid" in bad.json()["error"]["message"]


def test_foundry_passes_its_tool_types_through(foundry):
    base = foundry.api_base
    created = requests.post(
        f"{base}/assistants", params=V1, json={"model": "gpt-4o", "tools": FOUNDRY_TOOLS}, headers=BEARER, timeout=10
    )
    assert created.status_code == 200 and created.json()["tools"] == FOUNDRY_TOOLS
    fetched = requests.get(f"{base}/assistants/{created.json()['id']}", params=V1, headers=BEARER, timeout=10)
    assert fetched.json()["tools"] == FOUNDRY_TOOLS
    thread = requests.post(f"{base}/threads", params=V1, json={}, headers=BEARER, timeout=10).json()
    run = requests.post(
        f"{base}/threads/{thread['id']}/runs",
        params=V1,
        json={"assistant_id": created.json()["id"], "tools": FOUNDRY_TOOLS[:2], "tool_resources": {}},
        headers=BEARER,
        timeout=10,
    )
    assert run.status_code == 200, run.text
    assert run.json()["tools"] == FOUNDRY_TOOLS[:2]


def start_mcp_run(foundry: AssistantsServer) -> dict:
    base = foundry.api_base
    assistant = requests.post(
        f"{base}/assistants",
        params=V1,
        json={"model": "gpt-4o", "tools": FOUNDRY_TOOLS[-1:]},
        headers=BEARER,
        timeout=10,
    ).json()
    thread = requests.post(
        f"{base}/threads",
        params=V1,
        json={"messages": [{"role": "user", "content": "look it up"}]},
        headers=BEARER,
        timeout=10,
    ).json()
    run = requests.post(
        f"{base}/threads/{thread['id']}/runs",
        params=V1,
        json={"assistant_id": assistant["id"]},
        headers=BEARER,
        timeout=10,
    ).json()
    return finish(base, run, BEARER, V1)


def approve(foundry: AssistantsServer, run: dict, approvals: list) -> requests.Response:
    return requests.post(
        f"{foundry.api_base}/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs",
        params=V1,
        json={"tool_approvals": approvals},
        headers=BEARER,
        timeout=10,
    )


def last_answer(foundry: AssistantsServer, run: dict) -> str:
    listed = requests.get(
        f"{foundry.api_base}/threads/{run['thread_id']}/messages", params=V1, headers=BEARER, timeout=10
    ).json()
    return listed["data"][0]["content"][0]["text"]["value"]


def test_foundry_mcp_run_waits_for_tool_approval(foundry):
    run = start_mcp_run(foundry)
    assert run["status"] == "requires_action"
    action = run["required_action"]
    assert action["type"] == "submit_tool_approval"
    [call] = action["submit_tool_approval"]["tool_calls"]
    assert call["type"] == "mcp" and call["server_label"] == "docs" and call["name"] == "lookup"
    assert isinstance(call["id"], str) and isinstance(call["arguments"], str)


@pytest.mark.parametrize(("approved", "says"), [(True, "MCP tool ran: docs.lookup"), (False, "denied")])
def test_foundry_tool_approval_continues_the_run(foundry, approved, says):
    run = start_mcp_run(foundry)
    call = run["required_action"]["submit_tool_approval"]["tool_calls"][0]
    answer = approve(foundry, run, [{"tool_call_id": call["id"], "approve": approved, "headers": {"h": "v"}}])
    assert answer.status_code == 200, answer.text
    done = finish(foundry.api_base, answer.json(), BEARER, V1)
    assert done["status"] == "completed"
    assert says in last_answer(foundry, run)


def test_foundry_tool_approvals_must_cover_every_call_and_be_well_formed(foundry):
    run = start_mcp_run(foundry)
    missing = approve(foundry, run, [{"tool_call_id": "call_other", "approve": True}])
    assert missing.status_code == 400 and "Expected tool approvals" in missing.json()["error"]["message"]
    malformed = approve(foundry, run, [{"tool_call_id": "x", "approve": "yes"}])
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "invalid_value"


def test_foundry_runs_never_end_incomplete_and_filter_messages_by_run_id(foundry):
    foundry.store.next_outcomes.append("incomplete")
    base = foundry.api_base
    assistant = requests.post(f"{base}/assistants", params=V1, json={"model": "m"}, headers=BEARER, timeout=10).json()
    thread = requests.post(
        f"{base}/threads", params=V1, json={"messages": [{"role": "user", "content": "hi"}]}, headers=BEARER, timeout=10
    ).json()
    run = requests.post(
        f"{base}/threads/{thread['id']}/runs",
        params=V1,
        json={"assistant_id": assistant["id"]},
        headers=BEARER,
        timeout=10,
    ).json()
    done = finish(base, run, BEARER, V1)
    assert done["status"] == "completed" and done["incomplete_details"] == {"reason": "max_completion_tokens"}
    for name in ("run_id", "runId"):  # v1 and 2025-05-15-preview spell it differently
        listed = requests.get(
            f"{base}/threads/{thread['id']}/messages", params={**V1, name: run["id"]}, headers=BEARER, timeout=10
        ).json()
        assert [m["role"] for m in listed["data"]] == ["assistant"]


# -- by hand ---------------------------------------------------------------
def start_by_hand(tmp_path, *flags: str) -> tuple[subprocess.Popen, str]:
    port_file = tmp_path / "port"
    env = dict(os.environ, PYTHONPATH=TOOLS)
    process = subprocess.Popen(
        [sys.executable, "-m", "assistants_server", "--port", "0", "--port-file", str(port_file), *flags],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while not port_file.exists() or not port_file.read_text().strip():
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.02)  # waiting for the file the server writes once it listens
    return process, port_file.read_text().strip()


def test_by_hand_compat_mode_prints_its_api_base(tmp_path):
    process, port = start_by_hand(tmp_path, "--mode", "compat", "--prefix", "/api/v9")
    try:
        answer = requests.post(
            f"http://127.0.0.1:{port}/api/v9/threads",
            json={},
            headers={"Authorization": "Bearer sk-local-test"},
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["object"] == "thread"
    finally:
        process.terminate()
    assert process.wait(timeout=10) == 0
    assert f"api_base: http://127.0.0.1:{port}/api/v9\n" in process.stdout.read()


def test_by_hand_foundry_mode_refuses_a_prefix():
    with pytest.raises(SystemExit) as exited:
        main(["--mode", "foundry", "--prefix", "/x"])
    assert exited.value.code == 2
