"""Playbooks written for the Assistants API, run with api: responses (the
environment's OPENAI_API) against the local server, in both execution modes:
the demo, check mode, the role's function-call round, stream, cancel, and
lost answers, with every request valid against responses.yaml."""

from __future__ import annotations

import os

import pytest
from assistants_server import Fault
from conftest import BIN, ROOT
from support import assert_requests_match_contract

RESPONSES = {"OPENAI_API": "responses"}
DEMO = os.path.join(ROOT, "playbooks", "demo.yml")
WEATHER = {"type": "function", "function": {"name": "get_weather"}}


@pytest.fixture(autouse=True)
def every_request_follows_the_contract(server):
    yield
    assert_requests_match_contract(server)


def writes(server):
    return [(r["method"], r["route_path"]) for r in server.requests if r["method"] != "GET"]


def define(**settings):
    spec = dict({"name": "helper", "model": "local-echo", "instructions": "Answer briefly."}, **settings)
    return {"name": "Define", "seed.openai.openai_assistant": spec, "register": "helper"}


def test_the_demo_runs_on_the_responses_api(ansible, server):
    outcome = ansible._run([os.path.join(BIN, "ansible-playbook"), DEMO], ansible.env(True, RESPONSES))

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert outcome.task("Have the demo assistant")["assistant"]["id"].startswith("local_definition_")
    assert "Answer: You said: And who is it for?" in outcome.task("Show the role's answer")["msg"]
    assert assert_requests_match_contract(server) == 5  # thread, 2 messages, 2 runs
    assert not any(r["path"].endswith(("/threads", "/runs", "/assistants")) for r in server.requests)


def test_the_demo_in_check_mode_sends_nothing_on_the_responses_api(ansible, server):
    outcome = ansible._run([os.path.join(BIN, "ansible-playbook"), DEMO, "--check"], ansible.env(True, RESPONSES))

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert writes(server) == []


def test_the_role_answers_a_function_call_round(ansible, server):
    tasks = [
        define(tools=[WEATHER]),
        {
            "name": "Role",
            "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"},
            "vars": {
                "assistant_run_assistant": "{{ helper }}",
                "assistant_run_message": "Weather in Oslo?",
                "assistant_run_tool_outputs": {"get_weather": "4 C, rain"},
                "assistant_run_poll_interval": 0.05,
            },
        },
        {"name": "Facts", "ansible.builtin.set_fact": {"answer": "{{ assistant_run_answer }}"}},
    ]
    outcome = ansible.playbook(tasks, env=RESPONSES)

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert outcome.task("Facts")["ansible_facts"]["answer"] == "Tool outputs: 4 C, rain"
    responses = [r for r in server.requests if r["method"] == "POST" and r["route_path"] == "/responses"]
    assert len(responses) == 2
    assert responses[1]["body"]["input"][0]["type"] == "function_call_output"


def test_stream_cancel_and_reads(ansible, server):
    server.routes.advance_on_poll = False
    tasks = [
        define(),
        {
            "name": "Stream",
            "seed.openai.openai_thread_run": {"assistant": "{{ helper }}", "thread_message": "Hello", "stream": True},
            "register": "streamed",
        },
        {
            "name": "Start",
            "seed.openai.openai_thread_run": {"assistant": "{{ helper }}", "thread": "{{ streamed.run }}"},
            "register": "started",
        },
        {"name": "Cancel", "seed.openai.openai_thread_run_cancel": {"run": "{{ started }}"}},
        {"name": "Cancel again", "seed.openai.openai_thread_run_cancel": {"run": "{{ started }}"}},
        {"name": "Messages", "seed.openai.openai_thread_messages_info": {"thread": "{{ streamed.run }}"}},
    ]
    outcome = ansible.playbook(tasks, env=RESPONSES)

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert outcome.task("Stream")["text"] == "You said: Hello"
    assert outcome.task("Cancel")["run"]["status"] == "cancelled"
    assert outcome.task("Cancel again")["_status"] == "ok"
    assert outcome.task("Messages")["latest_answer"] == "You said: Hello"


@pytest.mark.parametrize(
    ("path", "what"),
    [("/responses", "a response on conversation"), ("/conversations", "a conversation")],
)
def test_a_lost_answer_is_never_resent_and_names_the_marker(ansible, server, path, what):
    server.faults.add(Fault(method="POST", path=path, status=500, after=True))
    tasks = [
        define(),
        {
            "name": "Run",
            "seed.openai.openai_thread_run": {"assistant": "{{ helper }}", "thread_message": "Hello"},
            "ignore_errors": True,
            "register": "lost",
        },
    ]
    # Retries allowed: a resend would need proof that nothing was made, and none is to be had here.
    retries = {"module_defaults": {"group/seed.openai.openai": {"max_retry_count": 2}}}
    outcome = ansible.playbook(tasks, env=RESPONSES, play=retries)

    failed = outcome.task("Run")
    assert failed["_status"] == "failed"
    assert what in failed["msg"] and "seed_openai_request=" in failed["msg"]
    assert len([w for w in writes(server) if w == ("POST", path)]) == 1


def test_the_guides_playbook_runs_as_written(ansible, server):
    example = os.path.join(ROOT, "docs", "docsite", "rst", "examples", "responses.yml")
    outcome = ansible._run([os.path.join(BIN, "ansible-playbook"), example], ansible.env(True, RESPONSES))

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert outcome.task("Show it")["msg"] == "Tool outputs: 4 C, rain"
    run = outcome.task("Run it and wait")["run"]
    answered = outcome.task("Answer the function call (the run that goes on has a new ID)")["run"]
    assert run["status"] == "requires_action" and answered["status"] == "completed"
    assert answered["id"] != run["id"] and answered["thread_id"] == run["thread_id"]


def test_on_foundry_the_role_takes_an_agent_by_name(ansible):
    from assistants_server import AssistantsServer
    from support import API_KEY

    with AssistantsServer(api_key=API_KEY, mode="foundry") as foundry:
        tasks = [
            {"name": "Agent", "seed.openai.openai_assistant": {"name": "support-bot", "model": "local-echo"}},
            {
                "name": "Role",
                "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"},
                "vars": {
                    "assistant_run_assistant": "support-bot",
                    "assistant_run_message": "Where is my order?",
                    "assistant_run_poll_interval": 0.05,
                },
            },
            {"name": "Facts", "ansible.builtin.set_fact": {"answer": "{{ assistant_run_answer }}"}},
        ]
        env = dict(RESPONSES, OPENAI_API_BASE=foundry.api_base + "/openai/v1")
        outcome = ansible.playbook(tasks, env=env)
        runs = [r for r in foundry.requests if r["method"] == "POST" and r["path"].endswith("/openai/v1/responses")]
        assert_requests_match_contract(foundry)

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert outcome.task("Facts")["ansible_facts"]["answer"] == "You said: Where is my order?"
    (run,) = runs
    assert run["body"]["agent_reference"] == {"type": "agent_reference", "name": "support-bot", "version": "1"}
