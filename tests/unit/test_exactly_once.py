"""Exactly once, nothing lost: every call that changes something, after
answers that leave it unknown whether the server acted."""

from __future__ import annotations

import json

import pytest
from assistants_server import AssistantsServer, Fault
from support import API_KEY, warning_texts

from ansible_collections.seed.openai.plugins.modules import (
    openai_assistant,
    openai_thread,
    openai_thread_message,
    openai_thread_run,
    openai_thread_run_cancel,
    openai_thread_run_info,
    openai_thread_run_tool_outputs,
)

MARKER = "seed_openai_request"


@pytest.fixture
def conn(server):
    return {"api_base": server.api_base, "api_key": API_KEY}


@pytest.fixture
def objects(server):
    assistant = server.store.create_assistant({"model": "local-echo"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "Hello?"}]})
    return assistant, thread


def posts(server, path_end=""):
    return [r for r in server.requests if r["method"] == "POST" and r["path"].endswith(path_end)]


def test_a_message_acted_on_before_a_500_is_not_sent_twice(run_module, server, conn, objects):
    _assistant, thread = objects
    server.faults.add(Fault(method="POST", path=r"/threads/[^/]+/messages", status=500, after=True))
    result = run_module(openai_thread_message.main, dict(conn, thread=thread["id"], content="once", max_retry_count=3))

    assert not result.failed, result["msg"]
    mine = [m for m in server.store.messages[thread["id"]] if m["content"][0]["text"]["value"] == "once"]
    assert len(mine) == 1 and result["message"]["id"] == mine[0]["id"]
    assert len(posts(server, "/messages")) == 1


def test_an_assistant_acted_on_before_a_502_is_not_created_twice(run_module, server, conn):
    server.faults.add(Fault(method="POST", path="/assistants", status=502, after=True))
    args = dict(conn, name="deploy-bot", model="local-echo", max_retry_count=3)
    first = run_module(openai_assistant.main, args)
    again = run_module(openai_assistant.main, args)

    named = [a for a in server.store.assistants.values() if a["name"] == "deploy-bot"]
    assert len(named) == 1
    assert not first.failed and first["assistant"]["id"] == named[0]["id"]
    assert not again.failed and again["changed"] is False


def test_a_thread_whose_answer_was_lost_is_never_sent_again_and_the_marker_is_named(run_module, server, conn):
    server.faults.add(Fault(method="POST", path="/threads", status=503, after=True))
    result = run_module(openai_thread.main, dict(conn, metadata={"a": "1"}, max_retry_count=5))

    assert result.failed and "\n" not in result["msg"]
    (thread,) = server.store.threads.values()
    assert f"look for metadata {MARKER}={thread['metadata'][MARKER]}" in result["msg"]
    assert len(posts(server, "/threads")) == 1


def test_a_failed_lookup_is_never_read_as_nothing_created(run_module, server, conn, objects):
    assistant, thread = objects
    runs = f"/threads/{thread['id']}/runs"
    server.faults.add(Fault(method="POST", path=runs, status=503))
    server.faults.add(Fault(method="GET", path=runs, status=503, times=10))
    result = run_module(
        openai_thread_run.main, dict(conn, thread=thread["id"], assistant=assistant["id"], max_retry_count=2)
    )

    assert result.failed
    assert "Looking for what it made failed too" in result["msg"]
    assert len(posts(server, "/runs")) == 1


def test_a_run_made_after_the_read_timeout_is_found_not_doubled(run_module, server, conn, objects):
    assistant, thread = objects
    server.faults.add(Fault(method="POST", path=f"/threads/{thread['id']}/runs", after=True, delay=1.5))
    args = dict(conn, thread=thread["id"], assistant=assistant["id"], timeout=0.5, max_retry_count=2)
    result = run_module(openai_thread_run.main, args)

    server.wait_idle()
    (run,) = server.store.all_runs()
    assert not result.failed, result["msg"]
    assert result["run"]["id"] == run["id"]
    assert result["run"]["metadata"][MARKER]


def test_a_run_with_a_resolved_model_name_is_still_found(run_module):
    with AssistantsServer(api_key=API_KEY, mode="compat") as compat:
        assistant = compat.store.create_assistant({"model": "gpt-4o"})
        thread = compat.store.create_thread({})
        compat.faults.add(Fault(method="POST", status=500, after=True))
        args = {"api_base": compat.api_base, "api_key": API_KEY, "max_retry_count": 2}
        result = run_module(
            openai_thread_run.main, dict(args, thread=thread["id"], assistant=assistant["id"], model="gpt-4o")
        )

        (run,) = compat.store.all_runs()
        assert run["model"] == "gpt-4o-2024-08-06"
        assert not result.failed, result["msg"]
        assert result["run"]["id"] == run["id"]


def test_another_hosts_active_run_is_not_taken_as_ours(run_module):
    # Runs stay where they are, as a slow model's would: the other host's run stays active.
    with AssistantsServer(api_key=API_KEY, advance_on_poll=False) as server:
        assistant = server.store.create_assistant({"model": "local-echo"})
        thread = server.store.create_thread({})
        # The other host runs this collection too: its run carries its own marker.
        other = server.store.create_run(thread["id"], {"assistant_id": assistant["id"], "metadata": {MARKER: "1" * 32}})
        # Our POST gets a 503 that created nothing; the resend meets the other host's run.
        server.faults.add(Fault(method="POST", path=f"/threads/{thread['id']}/runs", status=503))
        args = {"api_base": server.api_base, "api_key": API_KEY, "max_retry_count": 2}
        args.update(thread=thread["id"], assistant=assistant["id"], additional_instructions="a")
        result = run_module(openai_thread_run.main, args)

        assert result.failed and result["changed"] is False
        assert "already has an active run" in result["msg"]
        assert "run" not in result
        assert [run["id"] for run in server.store.all_runs()] == [other["id"]]


def requires_action(server):
    assistant = server.store.create_assistant(
        {"model": "m", "tools": [{"type": "function", "function": {"name": "get_time"}}]}
    )
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "time?"}]})
    run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    while server.store.run(thread["id"], run["id"])["status"] != "requires_action":
        server.store.advance(server.store.runs[thread["id"]][run["id"]])
    return server.store.run(thread["id"], run["id"])


def test_tool_outputs_accepted_before_a_500_succeed(run_module, server, conn):
    run = requires_action(server)
    server.faults.add(Fault(method="POST", path=r".*/submit_tool_outputs", status=500, after=True))
    args = dict(conn, run=run, outputs_by_function={"get_time": "noon"})
    result = run_module(openai_thread_run_tool_outputs.main, dict(args, max_retry_count=2))

    assert not result.failed, result["msg"]
    assert result["changed"] is True
    assert result["run"]["status"] != "requires_action"
    assert len(posts(server, "/submit_tool_outputs")) == 1


def test_a_cancel_accepted_before_a_502_succeeds(run_module, server, conn, objects):
    assistant, thread = objects
    run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    server.faults.add(Fault(method="POST", path=r".*/cancel", status=502, after=True))
    result = run_module(openai_thread_run_cancel.main, dict(conn, run=run, max_retry_count=2))

    assert not result.failed, result["msg"]
    assert result["changed"] is True
    assert result["run"]["status"] in ("cancelling", "cancelled")
    assert len(posts(server, "/cancel")) == 1


def test_a_poll_that_fails_during_wait_returns_the_run_it_started(run_module, server, conn, objects):
    assistant, thread = objects
    server.faults.add(Fault(method="GET", path=r"/threads/[^/]+/runs/[^/]+", status=400))
    args = dict(conn, thread=thread["id"], assistant=assistant["id"], wait=True, poll_interval=0.01)
    result = run_module(openai_thread_run.main, args)

    (run,) = server.store.all_runs()
    assert result.failed and result["changed"] is True
    assert result["run"]["id"] == run["id"]


@pytest.mark.parametrize("answer", [[], None, "ok", {"object": "thread.run", "id": "run_x"}])
def test_a_create_answer_of_the_wrong_shape_fails_in_one_line(run_module, server, conn, objects, answer):
    assistant, thread = objects
    server.faults.add(Fault(method="POST", path=f"/threads/{thread['id']}/runs", json=answer))
    result = run_module(openai_thread_run.main, dict(conn, thread=thread["id"], assistant=assistant["id"]))

    assert result.failed and "\n" not in result["msg"]
    assert f"POST {server.api_base}/threads/{thread['id']}/runs answered" in result["msg"]


def test_header_and_query_values_never_appear_in_the_result(run_module, server, conn, objects):
    _assistant, thread = objects
    args = dict(conn, thread=thread["id"])
    args.update(headers={"X-Gateway-Key": "gw-secret-0123456789"}, query={"sig": "query-secret-0123456789"})
    ok = run_module(openai_thread_run_info.main, args)
    refused = run_module(openai_thread_run_info.main, dict(args, unknown_option=1))
    assert not ok.failed and refused.failed
    for result in (ok, refused):
        text = json.dumps(result)
        assert "gw-secret-0123456789" not in text and "query-secret-0123456789" not in text
        # Where the result echoes the options, the names stay and the values go
        # (ansible-core 2.21 no longer returns `invocation` from a module at all).
        if "invocation" in result:
            masked = result["invocation"]["module_args"]["headers"]
            assert masked == {"X-Gateway-Key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}


def test_nan_wait_timeout_is_refused_before_anything_is_sent(run_module, server, conn, objects):
    assistant, thread = objects
    args = dict(conn, thread=thread["id"], assistant=assistant["id"], wait=True, wait_timeout=float("nan"))
    result = run_module(openai_thread_run.main, args)

    assert result.failed and "finite" in result["msg"]
    assert server.requests == []


def test_retry_warnings_and_the_marker_survive_a_mixed_429_503_storm(run_module, server, conn, objects):
    assistant, thread = objects
    runs = f"/threads/{thread['id']}/runs"
    for status in (429, 503, 429, 503, 429):
        server.faults.add(Fault(method="POST", path=runs, status=status, retry_after_ms="1"))
    result = run_module(
        openai_thread_run.main, dict(conn, thread=thread["id"], assistant=assistant["id"], max_retry_count=2)
    )

    assert result.failed
    assert len(posts(server, "/runs")) == 3
    assert result["msg"].count("ave up after") == 1
    assert all("retry" in w for w in warning_texts(result))


def test_streamed_tool_outputs_taken_before_a_500_are_not_sent_again(run_module, server, conn):
    run = requires_action(server)
    server.faults.add(Fault(method="POST", path=r".*/submit_tool_outputs", status=500, after=True))
    args = dict(conn, run=run, outputs_by_function={"get_time": "noon"}, stream=True, max_retry_count=2)
    result = run_module(openai_thread_run_tool_outputs.main, dict(args, poll_interval=0.01))

    assert not result.failed, result["msg"]
    assert result["changed"] is True and result["run"]["status"] == "completed"
    assert len(posts(server, "/submit_tool_outputs")) == 1


def test_a_streamed_thread_and_run_that_breaks_is_followed_not_lost(run_module, server, conn):
    assistant = server.store.create_assistant({"model": "local-echo"})
    server.faults.add(Fault(method="POST", path="/threads/runs", stream="break"))
    args = dict(conn, assistant=assistant["id"], thread_message="hi", stream=True, poll_interval=0.01)
    result = run_module(openai_thread_run.main, args)

    (run,) = server.store.all_runs()
    assert not result.failed, result["msg"]
    assert result["changed"] is True and result["run"]["id"] == run["id"]
    assert result["run"]["status"] == "completed" and result["text"] == "You said: hi"
    assert len(posts(server, "/threads/runs")) == 1


def test_a_delete_whose_answer_was_lost_is_reported_as_done(run_module, server, conn):
    thread = server.store.create_thread({})
    assistant = server.store.create_assistant({"model": "m", "name": "bye"})
    server.faults.add(Fault(method="DELETE", status=502, after=True, times=2))
    gone_thread = run_module(openai_thread.main, dict(conn, thread=thread["id"], state="absent", max_retry_count=2))
    gone_assistant = run_module(
        openai_assistant.main, dict(conn, id=assistant["id"], state="absent", max_retry_count=2)
    )

    for result in (gone_thread, gone_assistant):
        assert not result.failed, result["msg"]
        assert result["changed"] is True
    assert server.store.threads == {} and server.store.assistants == {}


@pytest.mark.parametrize("module", [openai_thread_run_cancel, openai_assistant, openai_thread])
def test_a_read_answered_with_a_list_fails_in_one_line(run_module, server, conn, objects, module):
    assistant, thread = objects
    run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    args = {
        openai_thread_run_cancel: dict(run=run),
        openai_assistant: dict(id=assistant["id"], name="x"),
        openai_thread: dict(thread=thread["id"], state="absent", _ansible_check_mode=True),
    }[module]
    server.faults.add(Fault(method="GET", json=[]))
    result = run_module(module.main, dict(conn, **args))

    assert result.failed and "\n" not in result["msg"]
    assert "answered a list" in result["msg"]


def test_a_password_in_api_base_is_masked_even_when_an_option_is_refused(run_module, server, conn):
    base = server.api_base.replace("http://", "http://user:PWSECRET123@")
    result = run_module(openai_thread_run_info.main, dict(conn, api_base=base, thread="t", bogus=1))

    assert result.failed and "Unsupported parameters" in result["msg"]
    assert "PWSECRET123" not in json.dumps(result)


def test_query_values_never_appear_in_check_mode_requests(run_module, server, conn, objects):
    assistant, thread = objects
    args = dict(conn, thread=thread["id"], assistant=assistant["id"], query={"code": "SUPERSECRETQ1"})
    result = run_module(openai_thread_run.main, dict(args, _ansible_check_mode=True))

    assert not result.failed, result["msg"]
    assert "SUPERSECRETQ1" not in json.dumps(result)
    assert result["request"]["query"] == {"code": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}
