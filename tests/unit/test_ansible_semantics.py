"""The modules as Ansible tasks: check mode with real shapes, idempotent
states, and values as templates and AWX surveys deliver them."""

from __future__ import annotations

import json

import pytest
from support import API_KEY

from ansible_collections.seed.openai.plugins.module_utils._errors import InvalidInput
from ansible_collections.seed.openai.plugins.module_utils._ids import resolve_id
from ansible_collections.seed.openai.plugins.module_utils._tasks._shape import same_tools
from ansible_collections.seed.openai.plugins.modules import (
    openai_assistant,
    openai_thread,
    openai_thread_message,
    openai_thread_messages_info,
    openai_thread_run,
    openai_thread_run_cancel,
    openai_thread_run_info,
)

CHECK = {"_ansible_check_mode": True}


@pytest.fixture
def conn(server):
    return {"api_base": server.api_base, "api_key": API_KEY}


def writes(server):
    return [(r["method"], r["path"]) for r in server.requests if r["method"] != "GET"]


def test_check_mode_results_have_the_shape_of_real_ones(run_module, server, conn):
    assistant = run_module(openai_assistant.main, dict(conn, name="a", model="m", **CHECK))
    thread = run_module(openai_thread.main, dict(conn, metadata={"k": "v"}, **CHECK))
    message = run_module(openai_thread_message.main, dict(conn, thread=thread["thread"], content="hi", **CHECK))
    started = run_module(
        openai_thread_run.main, dict(conn, thread=thread["thread"], assistant=assistant["assistant"], **CHECK)
    )
    waited = run_module(openai_thread_run_info.main, dict(conn, run=started["run"], wait=True, **CHECK))
    answer = run_module(openai_thread_messages_info.main, dict(conn, thread=thread["thread"], **CHECK))
    cancelled = run_module(openai_thread_run_cancel.main, dict(conn, run=started["run"], **CHECK))

    # Nothing that changes anything; the one read decides whether the assistant would be created.
    assert writes(server) == []
    assert [(r["method"], r["path"]) for r in server.requests] == [("GET", "/v1/assistants")]
    assert assistant["assistant"]["id"] == "check_mode_assistant_not_created"
    assert thread["thread"]["id"] == "check_mode_thread_not_created" and thread["thread"]["metadata"] == {"k": "v"}
    assert message["message"]["thread_id"] == thread["thread"]["id"]
    assert started["run"]["assistant_id"] == assistant["assistant"]["id"]
    assert started["ansible_facts"]["openai_thread_run"] == started["run"]
    assert waited["run"]["status"] == "completed" and waited["changed"] is False
    assert answer["messages"] == [] and answer["latest_answer"] is None
    assert cancelled["run"]["status"] == "cancelling"
    for result in (assistant, thread, message, started, waited, answer, cancelled):
        assert not result.failed, result["msg"]


def test_deleting_what_is_gone_is_ok_and_unchanged_in_every_mode(run_module, server, conn):
    thread = server.store.create_thread({})
    server.store.delete_thread(thread["id"])
    for check in ({}, CHECK):
        result = run_module(openai_thread.main, dict(conn, thread=thread["id"], state="absent", **check))
        assert not result.failed and result["changed"] is False
    assistant = server.store.create_assistant({"model": "m", "name": "gone"})
    first = run_module(openai_assistant.main, dict(conn, id=assistant["id"], state="absent"))
    second = run_module(openai_assistant.main, dict(conn, id=assistant["id"], state="absent"))
    assert first["changed"] is True
    assert not second.failed and second["changed"] is False


# What servers send back for tools they were given: defaults filled in, order changed.
SERVER_TOOL_SHAPES = [
    (
        [{"type": "file_search"}, {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        [
            {
                "type": "function",
                "function": {"name": "f", "description": "", "parameters": {"type": "object"}, "strict": False},
            },
            {"type": "file_search", "file_search": {"ranking_options": {"ranker": "auto", "score_threshold": 0.0}}},
        ],
    ),
    ([{"type": "code_interpreter"}], [{"type": "code_interpreter"}]),
]


@pytest.mark.parametrize("wanted, returned", SERVER_TOOL_SHAPES)
def test_tools_as_servers_return_them_are_the_same_tools(wanted, returned):
    assert same_tools(returned, wanted)
    assert not same_tools(returned[:-1], wanted)
    assert not same_tools(returned, [*wanted, {"type": "code_interpreter", "extra": 1}])


def test_an_assistant_whose_server_filled_tool_defaults_is_unchanged(run_module, server, conn):
    wanted = SERVER_TOOL_SHAPES[0][0]
    assistant = server.store.create_assistant({"model": "m", "name": "tools", "tools": SERVER_TOOL_SHAPES[0][1]})
    result = run_module(openai_assistant.main, dict(conn, name="tools", model="m", tools=wanted))

    assert not result.failed and result["changed"] is False
    assert result["assistant"]["id"] == assistant["id"]
    assert writes(server) == []


def test_objects_given_as_json_text_are_read_as_objects(run_module, server, conn):
    assistant = server.store.create_assistant({"model": "m"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "hi"}]})
    started = run_module(
        openai_thread_run.main, dict(conn, thread=json.dumps(thread), assistant=json.dumps({"assistant": assistant}))
    )
    assert not started.failed, started["msg"]
    info = run_module(openai_thread_run_info.main, dict(conn, run=json.dumps(started["run"])))
    assert not info.failed, info["msg"]
    assert info["run"]["id"] == started["run"]["id"]


def test_a_blank_value_says_what_to_give(run_module, server, conn):
    # A blank survey answer arrives as None; an option whose None means "not given" is covered by its own rules.
    with pytest.raises(InvalidInput) as refused:
        resolve_id(None, "thread", "thread")
    assert str(refused.value) == (
        "thread has no value (a blank survey answer or an undefined variable); "
        "give a thread ID or the thread object an earlier task registered"
    )
    result = run_module(openai_thread_run_info.main, dict(conn, run=""))
    assert result.failed and result["msg"] == "run is empty; give the ID of an existing run"


def test_metadata_numbers_and_booleans_become_strings(run_module, server, conn):
    result = run_module(openai_thread.main, dict(conn, metadata={"ticket": 4711, "urgent": True, "ratio": 0.5}))

    assert not result.failed, result["msg"]
    sent = server.requests[-1]["body"]["metadata"]
    assert {k: v for k, v in sent.items() if k != "seed_openai_request"} == {
        "ticket": "4711",
        "urgent": "true",
        "ratio": "0.5",
    }
