"""The modules with api: responses, through main(), against the local server:
the same options and return keys as on the Assistants API, the successor's
raw object beside them, and every request valid against responses.yaml."""

from __future__ import annotations

import pytest
from support import API_KEY, assert_requests_match_contract, warning_texts

from ansible_collections.seed.openai.plugins.modules import (
    openai_assistant,
    openai_thread,
    openai_thread_message,
    openai_thread_messages_info,
    openai_thread_run,
    openai_thread_run_cancel,
    openai_thread_run_info,
    openai_thread_run_tool_outputs,
)

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}


@pytest.fixture
def conn(server):
    return {"api_base": server.api_base, "api_key": API_KEY, "api": "responses"}


FAST = {"poll_interval": 0.01}


@pytest.fixture(autouse=True)
def every_request_follows_the_contract(server):
    yield
    assert_requests_match_contract(server)


def sent(server, method="POST", suffix=""):
    return [r for r in server.requests if r["method"] == method and r["path"].endswith(suffix)]


def define(run_module, conn, **settings):
    args = dict(conn, name="helper", model="local-echo", instructions="Answer briefly.", **settings)
    return run_module(openai_assistant.main, args)


def test_an_assistant_is_a_definition_the_task_keeps(run_module, server, conn):
    first = define(run_module, conn)
    again = define(run_module, conn)

    assert first["changed"] is False
    assert first["assistant"]["id"].startswith("local_definition_")
    assert first["assistant"]["id"] == again["assistant"]["id"]
    assert first["assistant"]["model"] == "local-echo"
    assert server.requests == []


def test_an_assistant_named_only_cannot_be_found_on_openai(run_module, server, conn):
    args = dict(conn, name="helper")
    failed = run_module(openai_assistant.main, args)

    assert failed.failed
    assert "keeps no assistants" in failed["msg"]
    assert server.requests == []


def test_the_walk_through_runs_on_conversations_and_responses(run_module, server, conn):
    assistant = define(run_module, conn)
    thread = run_module(openai_thread.main, dict(conn, metadata={"team": "ops"}))
    assert thread["thread"]["object"] == "thread"
    assert thread["conversation"]["id"] == thread["thread"]["id"]

    message = run_module(openai_thread_message.main, dict(conn, thread=thread["thread"], content="What is 6 x 7?"))
    assert message["message"]["role"] == "user"
    assert message["item"]["type"] == "message"

    started = run_module(
        openai_thread_run.main,
        dict(conn, thread=thread, assistant=assistant, additional_instructions="Use metric units."),
    )
    run = started["run"]
    assert run["object"] == "thread.run" and run["thread_id"] == thread["thread"]["id"]
    assert started["response"]["id"] == run["id"]
    assert started["ansible_facts"]["openai_thread_run"] == run
    (create,) = sent(server, suffix="/responses")
    assert create["body"]["instructions"] == "Answer briefly.\nUse metric units."
    assert create["body"]["background"] is True

    waited = run_module(openai_thread_run_info.main, dict(conn, run=run, wait=True, **FAST))
    assert waited["run"]["status"] == "completed"

    answer = run_module(openai_thread_messages_info.main, dict(conn, thread=thread, run=waited["run"]))
    assert answer["latest_answer"] == "You said: What is 6 x 7?"
    assert [m["run_id"] for m in answer["messages"]] == [run["id"]]


def test_a_function_call_round_changes_the_run_id(run_module, server, conn):
    assistant = define(run_module, conn, tools=[WEATHER])
    started = run_module(
        openai_thread_run.main, dict(conn, assistant=assistant, thread_message="Weather?", wait=True, **FAST)
    )
    run = started["run"]
    assert run["status"] == "requires_action"
    assert [call["function"]["name"] for call in started["tool_calls"]] == ["get_weather"]

    answered = run_module(
        openai_thread_run_tool_outputs.main,
        dict(conn, run=run, outputs_by_function={"get_weather": "21 C"}, wait=True, **FAST),
    )

    assert answered["run"]["status"] == "completed"
    assert answered["run"]["id"] != run["id"]
    assert answered["run"]["thread_id"] == run["thread_id"]
    follow_up = sent(server, suffix="/responses")[-1]["body"]
    assert follow_up["input"] == [
        {"type": "function_call_output", "call_id": started["tool_calls"][0]["id"], "output": "21 C"}
    ]
    assert follow_up["tools"][0]["name"] == "get_weather"


def test_stream_assembles_the_text(run_module, server, conn):
    assistant = define(run_module, conn)
    streamed = run_module(openai_thread_run.main, dict(conn, assistant=assistant, thread_message="Hello", stream=True))

    assert streamed["run"]["status"] == "completed"
    assert streamed["text"] == "You said: Hello"


def test_cancel_a_background_response(run_module, server, conn):
    server.routes.advance_on_poll = False
    assistant = define(run_module, conn)
    started = run_module(openai_thread_run.main, dict(conn, assistant=assistant, thread_message="Hello"))

    cancelled = run_module(openai_thread_run_cancel.main, dict(conn, run=started["run"]))

    assert cancelled["changed"] is True
    assert cancelled["run"]["status"] == "cancelled"


@pytest.mark.parametrize(
    ("module", "options", "named"),
    [
        (openai_thread_run, {"thread_message": "Hi", "max_prompt_tokens": 500}, "max_prompt_tokens"),
        (openai_thread_message, {"thread": "conv_x", "content": "Hi", "metadata": {"a": "b"}}, "metadata"),
        (
            openai_thread_message,
            {"thread": "conv_x", "content": "Hi", "wait_for_active_run": True},
            "wait_for_active_run",
        ),
        (openai_thread_run_info, {"thread": "conv_x"}, "thread without run"),
    ],
)
def test_options_without_an_equivalent_fail_before_anything_is_sent(run_module, server, conn, module, options, named):
    if module is openai_thread_run:
        options = dict(options, assistant=define(run_module, conn))
    failed = run_module(module.main, dict(conn, **options))

    assert failed.failed
    assert named in failed["msg"] and "Responses API" in failed["msg"]
    assert [r for r in server.requests if r["method"] != "GET"] == []


@pytest.fixture
def foundry():
    from assistants_server import AssistantsServer

    with AssistantsServer(api_key=API_KEY, mode="foundry") as running:
        yield running


def test_on_foundry_an_assistant_is_an_agent_version_made_once(run_module, foundry):
    conn = {"api_base": foundry.api_base, "api_key": API_KEY, "api": "responses"}
    spec = dict(conn, name="support-bot", model="local-echo", instructions="Be brief.", tools=[WEATHER])

    created = run_module(openai_assistant.main, spec)
    again = run_module(openai_assistant.main, spec)
    changed = run_module(openai_assistant.main, dict(spec, instructions="Be very brief."))

    assert created["changed"] is True and created["agent"]["version"] == "1"
    assert again["changed"] is False
    assert changed["changed"] is True and changed["agent"]["version"] == "2"
    posts = [r for r in foundry.requests if r["method"] == "POST"]
    assert len(posts) == 2
    assert posts[0]["body"]["definition"]["tools"][0]["strict"] is False


def test_on_foundry_a_run_names_the_agent(run_module, foundry):
    conn = {"api_base": foundry.api_base + "/openai/v1", "api_key": API_KEY, "api": "responses", "poll_interval": 0.01}
    agent = run_module(
        openai_assistant.main,
        {
            "api_base": foundry.api_base,
            "api_key": API_KEY,
            "api": "responses",
            "name": "support-bot",
            "model": "local-echo",
        },
    )

    started = run_module(openai_thread_run.main, dict(conn, assistant="support-bot", thread_message="Hi", wait=True))

    assert started["run"]["status"] == "completed"
    (create,) = [r for r in foundry.requests if r["method"] == "POST" and r["path"].endswith("/responses")]
    assert create["body"]["agent_reference"] == {"type": "agent_reference", "name": "support-bot"}
    assert "model" not in create["body"]
    assert agent["assistant"]["name"] == "support-bot"


def test_on_a_bare_foundry_project_endpoint_runs_ask_for_the_openai_path(run_module, foundry):
    conn = {"api_base": foundry.api_base, "api_key": API_KEY, "api": "responses"}

    failed = run_module(openai_thread_run.main, dict(conn, assistant="support-bot", thread_message="Hi"))

    assert failed.failed and "/openai/v1" in failed["msg"]
    assert foundry.requests == []


def test_on_foundry_a_message_waits_for_the_conversations_running_response(run_module, foundry):
    conn = {"api_base": foundry.api_base + "/openai/v1", "api_key": API_KEY, "api": "responses"}
    run_module(
        openai_assistant.main,
        {"api_base": foundry.api_base, "api_key": API_KEY, "api": "responses", "name": "bot", "model": "local-echo"},
    )
    started = run_module(openai_thread_run.main, dict(conn, assistant="bot", thread_message="Hi"))
    assert started["run"]["status"] == "queued"

    added = run_module(
        openai_thread_message.main,
        dict(conn, thread=started["run"], content="And then?", wait_for_active_run=True, poll_interval=0.01),
    )

    assert added["changed"] is True
    (response,) = foundry.responses.responses.by_id.values()
    assert response["status"] == "completed"
    calls = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in foundry.requests]
    posted = calls.index(("POST", "items"))
    assert ("GET", response["id"]) in calls[:posted]  # the running response was read before the post


def test_a_broken_stream_is_followed_from_its_last_event(run_module, server, conn):
    from assistants_server import Fault

    assistant = define(run_module, conn)
    server.faults.add(Fault(method="POST", path="/responses", stream="break"))

    streamed = run_module(openai_thread_run.main, dict(conn, assistant=assistant, thread_message="Hello", stream=True))

    assert streamed["run"]["status"] == "completed"
    assert streamed["text"] == "You said: Hello"
    assert any("followed from its last event" in w for w in warning_texts(streamed))
    (resumed,) = [r for r in server.requests if r["method"] == "GET" and "/responses/" in r["path"]]
    assert resumed["query"]["stream"] == "true" and int(resumed["query"]["starting_after"]) >= 0
    assert len(sent(server, suffix="/responses")) == 1


def test_a_lost_answer_to_tool_outputs_is_not_resent(run_module, server, conn):
    from assistants_server import Fault

    assistant = define(run_module, conn, tools=[WEATHER])
    started = run_module(
        openai_thread_run.main, dict(conn, assistant=assistant, thread_message="Weather?", wait=True, **FAST)
    )
    server.faults.add(Fault(method="POST", path="/responses", status=502, after=True))

    failed = run_module(
        openai_thread_run_tool_outputs.main,
        dict(conn, run=started["run"], outputs_by_function={"get_weather": "21 C"}, max_retry_count=3),
    )

    assert failed.failed
    assert started["run"]["thread_id"] in failed["msg"] and "seed_openai_request=" in failed["msg"]
    assert len(sent(server, suffix="/responses")) == 2  # the run, and the outputs once
