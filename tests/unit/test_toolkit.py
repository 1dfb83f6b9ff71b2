"""The companion modules through main(), against the local server."""

from __future__ import annotations

import re

import pytest
from support import API_KEY

from ansible_collections.seed.openai.plugins.modules import (
    openai_assistant,
    openai_thread,
    openai_thread_message,
    openai_thread_messages_info,
    openai_thread_run_cancel,
    openai_thread_run_info,
    openai_thread_run_tool_outputs,
)


@pytest.fixture
def conn(server):
    return {"api_base": server.api_base, "api_key": API_KEY, "poll_interval": 0.01}


def writes(server):
    return [(r["method"], r["path"]) for r in server.requests if r["method"] != "GET"]


def unmarked(body):
    """A sent body without the creation marker, which is checked on its own."""
    metadata = dict(body.get("metadata") or {})
    assert re.fullmatch(r"[0-9a-f]{32}", metadata.pop("seed_openai_request", "")), body
    return dict(body, metadata=metadata)


def drop_poll(conn):
    return {k: v for k, v in conn.items() if k != "poll_interval"}


# -- openai_assistant ---------------------------------------------------------


def test_assistant_is_created_then_left_alone_then_updated_then_deleted(run_module, server, conn):
    spec = dict(drop_poll(conn), name="helpdesk", model="local", instructions="Be brief.", metadata={"team": "ops"})

    created = run_module(openai_assistant.main, spec)
    assert created["changed"] is True
    assert unmarked(server.requests[-1]["body"]) == {
        "name": "helpdesk",
        "model": "local",
        "instructions": "Be brief.",
        "metadata": {"team": "ops"},
    }
    server.reset()

    again = run_module(openai_assistant.main, spec)
    assert again["changed"] is False
    assert again["assistant"]["id"] == created["assistant"]["id"]
    assert writes(server) == []

    updated = run_module(openai_assistant.main, dict(spec, instructions="Be thorough.", _ansible_diff=True))
    assert updated["changed"] is True
    assert writes(server) == [("POST", f"/v1/assistants/{created['assistant']['id']}")]
    # The current model goes along: strict servers want it on every modify.
    assert server.requests[-1]["body"] == {"instructions": "Be thorough.", "model": "local"}
    assert updated["diff"] == {"before": {"instructions": "Be brief."}, "after": {"instructions": "Be thorough."}}

    deleted = run_module(openai_assistant.main, dict(drop_poll(conn), name="helpdesk", state="absent"))
    assert deleted["changed"] is True
    assert server.store.assistants == {}
    gone = run_module(openai_assistant.main, dict(drop_poll(conn), name="helpdesk", state="absent"))
    assert gone["changed"] is False


def test_assistant_check_mode_changes_nothing(run_module, server, conn):
    result = run_module(openai_assistant.main, dict(drop_poll(conn), name="x", model="m", _ansible_check_mode=True))
    assert result["changed"] is True
    assert writes(server) == []
    assert server.store.assistants == {}


@pytest.mark.parametrize(
    "setup, options, message",
    [
        (0, {"name": "nobody"}, "No assistant is named 'nobody'; give model to create it"),
        (2, {"name": "twin", "model": "m"}, "2 assistants are named 'twin'; give id to choose one"),
        (0, {"id": "asst_missing"}, "No assistant has the id 'asst_missing'"),
        (0, {"model": "m"}, "give id or name to find the assistant"),
        (0, {"name": "x", "model": "m", "temperature": 3.0}, "temperature must be between 0 and 2"),
    ],
)
def test_assistant_refusals(run_module, server, conn, setup, options, message):
    for _round in range(setup):
        server.store.create_assistant({"model": "m", "name": "twin"})
    result = run_module(openai_assistant.main, dict(drop_poll(conn), **options))
    assert result.failed
    assert message in result["msg"]
    assert writes(server) == []


# -- openai_thread ------------------------------------------------------------


def test_thread_create_keep_update_delete(run_module, server, conn):
    created = run_module(
        openai_thread.main, dict(drop_poll(conn), metadata={"a": "1"}, messages=[{"role": "user", "content": "hi"}])
    )
    thread = created["thread"]
    sent = server.requests[-1]["body"]
    marker = sent["metadata"].pop("seed_openai_request")
    assert re.fullmatch(r"[0-9a-f]{32}", marker)
    assert sent == {"metadata": {"a": "1"}, "messages": [{"role": "user", "content": "hi"}]}
    assert [m["role"] for m in server.store.messages[thread["id"]]] == ["user"]

    same = run_module(openai_thread.main, dict(drop_poll(conn), thread=thread, metadata={"a": "1"}))
    assert same["changed"] is False
    changed = run_module(openai_thread.main, dict(drop_poll(conn), thread=thread["id"], metadata={"a": "2"}))
    assert changed["changed"] is True
    assert server.store.threads[thread["id"]]["metadata"] == {"a": "2"}

    deleted = run_module(openai_thread.main, dict(drop_poll(conn), thread=thread["id"], state="absent"))
    assert deleted["changed"] is True and deleted["thread"]["deleted"] is True
    again = run_module(openai_thread.main, dict(drop_poll(conn), thread=thread["id"], state="absent"))
    assert again["changed"] is False


def test_thread_check_mode_creates_nothing(run_module, server, conn):
    result = run_module(openai_thread.main, dict(drop_poll(conn), _ansible_check_mode=True))
    assert result["changed"] is True and server.requests == [] and server.store.threads == {}


# -- openai_thread_message ----------------------------------------------------


@pytest.fixture
def busy_thread(server):
    assistant = server.store.create_assistant({"model": "m"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "first"}]})
    run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    return thread, run


def test_message_refused_while_a_run_is_active(run_module, server, conn, busy_thread):
    thread, run = busy_thread
    result = run_module(openai_thread_message.main, dict(drop_poll(conn), thread=thread["id"], content="second"))
    # The message names the call that failed, without credentials.
    assert result["msg"] == (
        f"OpenAI API returned 400 (Bad Request) to POST {server.api_base}/threads/{thread['id']}/messages: "
        f"Can't add messages to {thread['id']} "
        f"while a run {run['id']} is active."
    )


def test_message_waits_for_the_active_run(run_module, server, conn, busy_thread):
    thread, run = busy_thread
    result = run_module(
        openai_thread_message.main,
        dict(conn, thread=thread, content="second", metadata={"k": "v"}, wait_for_active_run=True),
    )
    assert not result.failed, result.get("msg")
    assert server.store.runs[thread["id"]][run["id"]]["status"] == "completed"
    assert result["message"]["content"][0]["text"]["value"] == "second"
    # The thread's runs are read first, the active one is waited out, and the
    # message is posted once, after the run's answer.
    assert server.requests[0]["method"] == "GET" and server.requests[0]["path"].endswith("/runs")
    posts = [r for r in server.requests if r["method"] == "POST"]
    assert [unmarked(p["body"]) for p in posts] == [{"role": "user", "content": "second", "metadata": {"k": "v"}}]
    assert [m["role"] for m in server.store.messages[thread["id"]]] == ["user", "assistant", "user"]


def start_a_run_after_each_look(server, assistant_id):
    """Between the look at a thread's runs and the post, a run starts: the
    look finds nothing active, the server then refuses the message."""
    for index, (method, pattern, handler, schema) in enumerate(server.routes.table):
        if method == "GET" and pattern.pattern.endswith("/runs") and pattern.pattern.startswith("/threads"):

            def looked(thread_id, query, body, handler=handler):
                page = handler(thread_id, query=query, body=body)
                server.store.create_run(thread_id, {"assistant_id": assistant_id})
                return page

            server.routes.table[index] = (method, pattern, looked, schema)


def test_a_run_that_starts_between_the_look_and_the_post_is_waited_out_too(run_module, server, conn):
    assistant = server.store.create_assistant({"model": "m"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "first"}]})
    start_a_run_after_each_look(server, assistant["id"])
    result = run_module(
        openai_thread_message.main, dict(conn, thread=thread["id"], content="second", wait_for_active_run=True)
    )
    assert not result.failed, result.get("msg")
    posts = [r for r in server.requests if r["method"] == "POST"]
    # Refused once (the run had started), sent again with the same marker once it ended.
    assert len(posts) == 2 and len({p["body"]["metadata"]["seed_openai_request"] for p in posts}) == 1
    assert [m["role"] for m in server.store.messages[thread["id"]]] == ["user", "assistant", "user"]


def test_message_does_not_wait_for_a_run_that_needs_tool_outputs(run_module, server, conn):
    assistant = server.store.create_assistant(
        {"model": "m", "tools": [{"type": "function", "function": {"name": "f"}}]}
    )
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "x"}]})
    run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    result = run_module(
        openai_thread_message.main, dict(conn, thread=thread["id"], content="y", wait_for_active_run=True)
    )
    assert result["msg"].startswith(f"Run {run['id']} waits for tool outputs")


# -- openai_thread_messages_info and openai_thread_run_info -------------------


@pytest.fixture
def finished(server):
    assistant = server.store.create_assistant({"model": "m"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "ping"}]})
    runs = []
    for _round in range(2):
        run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
        while run["status"] != "completed":
            server.store.advance(run)
        runs.append(run)
    return thread, runs


def test_messages_info_latest_answer_and_run_filter(run_module, server, conn, finished):
    thread, runs = finished
    result = run_module(openai_thread_messages_info.main, dict(drop_poll(conn), thread=thread["id"]))
    assert [m["role"] for m in result["messages"]] == ["assistant", "assistant", "user"]
    assert result["latest_answer"] == "You said: ping"
    assert result["changed"] is False

    one = run_module(openai_thread_messages_info.main, dict(drop_poll(conn), thread=runs[0], run=runs[0]))
    assert [m["run_id"] for m in one["messages"]] == [runs[0]["id"]]
    paged = run_module(openai_thread_messages_info.main, dict(drop_poll(conn), thread=thread["id"], limit=1, all=True))
    assert len(paged["messages"]) == 3
    assert len(server.requests) == 2 + 3


def test_run_info_one_with_steps_and_the_list(run_module, server, conn, finished):
    thread, runs = finished
    one = run_module(openai_thread_run_info.main, dict(conn, run=runs[0], steps=True))
    assert one["run"]["id"] == runs[0]["id"] and one["changed"] is False
    assert one["steps"][0]["step_details"]["type"] == "message_creation"
    listed = run_module(openai_thread_run_info.main, dict(conn, thread=thread["id"], order="asc"))
    assert [r["id"] for r in listed["runs"]] == [r["id"] for r in runs]
    assert writes(server) == []


def test_run_info_waits(run_module, server, conn, busy_thread):
    thread, run = busy_thread
    result = run_module(openai_thread_run_info.main, dict(conn, thread=thread["id"], run=run["id"], wait=True))
    assert result["run"]["status"] == "completed"
    assert writes(server) == []


# -- openai_thread_run_cancel -------------------------------------------------


def test_cancel_and_wait_for_cancelled(run_module, server, conn, busy_thread):
    run = busy_thread[1]
    result = run_module(openai_thread_run_cancel.main, dict(conn, run=run, wait=True))
    assert result["changed"] is True
    assert result["run"]["status"] == "cancelled"
    assert writes(server) == [("POST", f"/v1/threads/{run['thread_id']}/runs/{run['id']}/cancel")]


def test_cancel_of_a_finished_run_is_ok_and_unchanged(run_module, server, conn, finished):
    runs = finished[1]
    again = run_module(openai_thread_run_cancel.main, dict(conn, run=runs[0]))
    assert not again.failed and again["changed"] is False
    assert again["msg"] == f"Run {runs[0]['id']} is already completed"
    forced = run_module(openai_thread_run_cancel.main, dict(conn, run=runs[0], force=True))
    assert forced["changed"] is False and not forced.failed
    assert writes(server) == []


def test_cancel_in_check_mode_sends_no_cancel(run_module, server, conn, busy_thread):
    run = busy_thread[1]
    result = run_module(openai_thread_run_cancel.main, dict(conn, run=run, _ansible_check_mode=True))
    assert result["changed"] is True and writes(server) == []


# -- openai_thread_run_tool_outputs -------------------------------------------


@pytest.fixture
def waiting_run(server):
    assistant = server.store.create_assistant(
        {"model": "m", "tools": [{"type": "function", "function": {"name": "f"}}]}
    )
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "x"}]})
    run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    while run["status"] != "requires_action":
        server.store.advance(run)
    return run


@pytest.mark.parametrize("mode", ["wait", "stream"])
def test_tool_outputs_let_the_run_finish(run_module, server, conn, waiting_run, mode):
    call = waiting_run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    result = run_module(
        openai_thread_run_tool_outputs.main,
        dict(
            conn, run=waiting_run, tool_outputs=[{"tool_call_id": call["id"], "output": {"temp": 21}}], **{mode: True}
        ),
    )

    assert not result.failed, result.get("msg")
    assert result["run"]["status"] == "completed"
    submitted = next(r for r in server.requests if r["path"].endswith("/submit_tool_outputs"))
    assert submitted["body"]["tool_outputs"] == [{"tool_call_id": call["id"], "output": '{"temp": 21}'}]
    if mode == "stream":
        assert result["text"] == 'Tool outputs: {"temp": 21}'


@pytest.mark.parametrize(
    "outputs, message",
    [
        ([], "tool_outputs is empty"),
        ([{"output": "x"}], "tool_outputs[0] needs a tool_call_id"),
        ([{"tool_call_id": "call_1"}], "tool_outputs[0] needs an output"),
    ],
)
def test_bad_tool_outputs_send_nothing(run_module, server, conn, waiting_run, outputs, message):
    result = run_module(openai_thread_run_tool_outputs.main, dict(conn, run=waiting_run, tool_outputs=outputs))
    assert message in result["msg"]
    assert server.requests == []


def test_run_id_without_thread_is_refused(run_module, server, conn):
    result = run_module(openai_thread_run_cancel.main, dict(conn, run="run_123"))
    assert result["msg"] == "thread is required when run is an ID; or pass the run object an earlier task registered"
    assert server.requests == []


def test_outputs_by_function_answers_each_call(run_module, server, conn, waiting_run):
    (call,) = waiting_run["required_action"]["submit_tool_outputs"]["tool_calls"]
    result = run_module(
        openai_thread_run_tool_outputs.main,
        dict(conn, run=waiting_run["id"], thread=waiting_run["thread_id"], outputs_by_function={"f": "42"}, wait=True),
    )

    assert result["run"]["status"] == "completed"
    submitted = next(r for r in server.requests if r["path"].endswith("/submit_tool_outputs"))
    assert submitted["body"]["tool_outputs"] == [{"tool_call_id": call["id"], "output": "42"}]


def test_outputs_by_function_names_the_unanswered_function(run_module, server, conn, waiting_run):
    result = run_module(
        openai_thread_run_tool_outputs.main, dict(conn, run=waiting_run, outputs_by_function={"g": "1"})
    )
    assert result["msg"] == "the run asks for f, which outputs_by_function does not answer"
    assert writes(server) == []
