"""wait and stream: following a run to its end."""

from __future__ import annotations

import time

import pytest
from assistants_server import Fault
from support import API_KEY, warning_texts

from ansible_collections.seed.openai.plugins.modules.openai_thread_run import main


@pytest.fixture
def ids(server):
    assistant = server.store.create_assistant({"model": "local-echo"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "What is 6 x 7?"}]})
    return assistant["id"], thread["id"]


def args_for(server, ids, **extra):
    assistant, thread = ids
    base = {
        "thread": thread,
        "assistant": assistant,
        "api_base": server.api_base,
        "api_key": API_KEY,
        "poll_interval": 0.01,
    }
    return dict(base, **extra)


def polls(server):
    return [r for r in server.requests if r["method"] == "GET"]


def test_wait_returns_the_completed_run_over_one_connection(run_module, server, ids):
    result = run_module(main, args_for(server, ids, wait=True))

    assert not result.failed, result.get("msg")
    assert result["run"]["status"] == "completed"
    assert result["run"]["usage"]["total_tokens"] > 0
    assert result["ansible_facts"]["openai_thread_run"]["status"] == "completed"
    assert len(polls(server)) == 2  # queued -> in_progress -> completed
    assert len({r["peer"] for r in server.requests}) == 1


def test_poll_after_header_wins_over_poll_interval(run_module, server, ids):
    server.poll_after_ms = 20
    started = time.monotonic()
    result = run_module(main, args_for(server, ids, wait=True, poll_interval=30))

    assert result["run"]["status"] == "completed"
    # Without the header the one pause would last poll_interval, 30 s.
    assert time.monotonic() - started < 5


def test_requires_action_ends_the_wait_with_the_tool_calls(run_module, server):
    assistant = server.store.create_assistant(
        {"model": "m", "tools": [{"type": "function", "function": {"name": "lookup"}}]}
    )
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "hi"}]})
    result = run_module(main, args_for(server, (assistant["id"], thread["id"]), wait=True))

    assert not result.failed
    assert result["run"]["status"] == "requires_action"
    (call,) = result["tool_calls"]
    assert call["function"]["name"] == "lookup"


@pytest.mark.parametrize(
    "outcome, detail",
    [
        ("failed", "ended failed: server_error: The local model was told to fail this run."),
        ("expired", "ended expired"),
        ("incomplete", "ended incomplete: max_completion_tokens"),
    ],
)
def test_a_run_that_ends_badly_fails_the_task_with_the_run(run_module, server, ids, outcome, detail):
    server.store.next_outcomes.append(outcome)
    result = run_module(main, args_for(server, ids, wait=True))

    assert result.failed
    assert result["msg"].endswith(detail)
    assert result["run"]["status"] == outcome
    assert result["changed"] is True


def test_wait_timeout_fails_with_the_last_run_seen(run_module, server, ids):
    server.routes.advance_on_poll = False
    result = run_module(main, args_for(server, ids, wait=True, wait_timeout=0.2, poll_interval=0.05))

    assert result.failed
    assert "is still queued after 0.2 s (wait_timeout)" in result["msg"]
    assert result["run"]["status"] == "queued"
    assert 2 <= len(polls(server)) <= 6


def test_status_for_wait_and_exit(run_module, server, ids):
    result = run_module(
        main,
        args_for(server, ids, wait=True, status_for_wait=["queued", "in_progress"], status_for_exit=["in_progress"]),
    )
    assert result["run"]["status"] == "in_progress"
    assert len(polls(server)) == 1


def test_stream_returns_the_text_and_the_final_run(run_module, server, ids):
    result = run_module(main, args_for(server, ids, stream=True))

    assert not result.failed, result.get("msg")
    assert result["text"] == "You said: What is 6 x 7?"
    assert result["run"]["status"] == "completed"
    (sent,) = server.requests
    assert sent["body"]["stream"] is True
    assert sent["headers"]["accept"] == "text/event-stream"


def test_stream_of_thread_and_run(run_module, server, ids):
    result = run_module(main, args_for(server, ids, thread=None, thread_message="Hello there", stream=True))
    assert result["text"] == "You said: Hello there"
    assert result["run"]["thread_id"] != ids[1]


def test_stream_of_a_failing_run_fails(run_module, server, ids):
    server.store.next_outcomes.append("failed")
    result = run_module(main, args_for(server, ids, stream=True))
    assert result.failed
    assert result["run"]["status"] == "failed"


def test_an_erroring_stream_fails_cleanly_with_its_run(run_module, server, ids):
    server.faults.add(Fault(method="POST", stream="error"))
    result = run_module(main, args_for(server, ids, stream=True))

    assert result.failed and result["changed"]
    assert result["msg"] == "the event stream reported an error: Scripted stream fault."
    assert result["run"]["status"] == "queued"


def test_a_stream_broken_midway_finds_its_run_and_follows_it(run_module, server, ids):
    server.faults.add(Fault(method="POST", stream="break"))
    result = run_module(main, args_for(server, ids, stream=True, creation_marker=True))

    (run,) = server.store.all_runs()
    assert not result.failed, result["msg"]
    assert result["run"]["id"] == run["id"] and result["run"]["status"] == "completed"
    assert result["text"]
    assert any("is followed by polling" in w for w in warning_texts(result))
    assert len([r for r in server.requests if r["method"] == "POST"]) == 1
