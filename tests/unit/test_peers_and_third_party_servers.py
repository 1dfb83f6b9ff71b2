"""What the peers' own tests expect of Start-ThreadRun / create_and_run, and
what a third-party Assistants-compatible server and a newcomer hit (issue 22):
the request bodies, the two-call form on servers without POST /threads/runs,
waiting out an active run before a message, and the hints of the errors."""

from __future__ import annotations

import re

import pytest
import requests
from assistants_server import AssistantsServer, Fault, spec
from support import API_KEY, assert_answers_match_contract, warning_texts

from ansible_collections.seed.openai.plugins.module_utils._client import OpenAIClient, Settings
from ansible_collections.seed.openai.plugins.module_utils._connection import settings_from_options
from ansible_collections.seed.openai.plugins.module_utils._errors import APIError, TransportError
from ansible_collections.seed.openai.plugins.module_utils._run_body import build_run_body
from ansible_collections.seed.openai.plugins.modules import openai_thread_message
from ansible_collections.seed.openai.plugins.modules.openai_thread_run import main

MARKER = re.compile(r"[0-9a-f]{32}")


def unmarked(body):
    """A sent body without the creation marker (checked on its own)."""
    metadata = dict(body.get("metadata") or {})
    assert MARKER.fullmatch(metadata.pop("seed_openai_request", "")), body
    return {k: v for k, v in dict(body, metadata=metadata).items() if k != "metadata" or metadata}


@pytest.fixture
def assistant(server):
    return server.store.create_assistant({"model": "local-echo"})


def args(server, assistant, **extra):
    return dict({"assistant": assistant["id"], "api_base": server.api_base, "api_key": API_KEY}, **extra)


# -- 1. additional_messages on a new thread (PSOpenAI's "more parameters") ----


def test_additional_messages_become_the_new_threads_first_messages(run_module, server, assistant):
    extra = [
        {"role": "user", "content": "first", "metadata": {"n": "1"}},
        {"role": "assistant", "content": "second", "attachments": []},
    ]
    result = run_module(main, args(server, assistant, thread_message="third", additional_messages=extra))

    assert not result.failed, result.get("msg")
    (sent,) = server.requests
    assert sent["path"] == "/v1/threads/runs"
    assert sent["body"]["thread"] == {"messages": [*extra, {"role": "user", "content": "third"}]}
    assert "additional_messages" not in sent["body"]
    assert spec.errors("CreateThreadAndRunRequest", sent["body"]) == []
    thread = result["run"]["thread_id"]
    assert [m["content"][0]["text"]["value"] for m in server.store.messages[thread]] == ["first", "second", "third"]


def test_additional_messages_on_a_new_thread_stream_too(run_module, server, assistant):
    extra = [{"role": "user", "content": "earlier"}]
    result = run_module(main, args(server, assistant, thread_message="now", additional_messages=extra, stream=True))

    assert not result.failed, result.get("msg")
    assert server.requests[0]["body"]["thread"]["messages"] == [*extra, {"role": "user", "content": "now"}]
    assert result["text"] == "You said: now"


# -- 2. thread and run with an assistant alone (openai-python's create_and_run) -


def test_a_run_with_only_an_assistant_starts_on_an_empty_thread(run_module, server, assistant):
    result = run_module(main, args(server, assistant, creation_marker=False))

    assert not result.failed, result.get("msg")
    (sent,) = server.requests
    assert (sent["path"], sent["body"]) == ("/v1/threads/runs", {"assistant_id": assistant["id"]})
    assert server.store.messages[result["run"]["thread_id"]] == []


# -- 3. truncation_strategy auto with last_messages (the contract's TruncationObject)


def test_auto_truncation_takes_last_messages(run_module, server, assistant):
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "hi"}]})
    options = dict(thread=thread["id"], truncation_strategy="auto", last_messages=1, creation_marker=False)
    result = run_module(main, args(server, assistant, **options))

    assert not result.failed, result.get("msg")
    (sent,) = server.requests
    assert sent["body"]["truncation_strategy"] == {"type": "auto", "last_messages": 1}
    assert spec.errors("CreateRunRequest", sent["body"]) == []


# -- The new thread's own fields, first-class and merged with body -------------


def test_the_new_threads_metadata_tool_resources_and_message_metadata_are_options(run_module, server, assistant):
    resources = {"code_interpreter": {"file_ids": ["file-1"]}}
    result = run_module(
        main,
        args(
            server,
            assistant,
            thread_message="hello",
            message_metadata={"from": "ansible"},
            thread_metadata={"ticket": 4711},
            thread_tool_resources=resources,
            body={"thread": {"metadata": {"team": "ops"}}, "temperature": 0.5},
        ),
    )

    assert not result.failed, result.get("msg")
    body = server.requests[0]["body"]
    assert body["thread"] == {
        "messages": [{"role": "user", "content": "hello", "metadata": {"from": "ansible"}}],
        "metadata": {"ticket": "4711", "team": "ops"},
        "tool_resources": resources,
    }
    assert body["temperature"] == 0.5
    assert spec.errors("CreateThreadAndRunRequest", body) == []
    thread = server.store.threads[result["run"]["thread_id"]]
    assert (thread["metadata"], thread["tool_resources"]) == ({"ticket": "4711", "team": "ops"}, resources)


def test_body_merges_dicts_and_replaces_the_rest():
    params = {"thread_message": "x", "metadata": {"a": "1"}, "body": {"metadata": {"b": "2"}, "thread": {"x": 1}}}
    body = build_run_body(params, "asst_1", new_thread=True)
    assert body == {
        "assistant_id": "asst_1",
        "metadata": {"a": "1", "b": "2"},
        "thread": {"messages": [{"role": "user", "content": "x"}], "x": 1},
    }
    replaced = build_run_body(dict(params, body={"thread": None}), "asst_1", new_thread=True)
    assert replaced["thread"] is None


def test_message_metadata_goes_with_the_message_on_an_existing_thread(run_module, server, assistant):
    thread = server.store.create_thread({})
    options = dict(thread=thread["id"], thread_message="hi", message_metadata={"k": "v"}, creation_marker=False)
    result = run_module(main, args(server, assistant, **options))

    assert not result.failed, result.get("msg")
    assert server.requests[0]["body"]["additional_messages"] == [
        {"role": "user", "content": "hi", "metadata": {"k": "v"}}
    ]


# -- 4. servers without POST /threads/runs ------------------------------------


@pytest.fixture
def no_one_call():
    with AssistantsServer(api_key=API_KEY, thread_and_run=False) as running:
        yield running
        running.wait_idle()
        assert_answers_match_contract(running)


def test_without_the_one_call_form_the_thread_then_the_run_are_made_once_each(run_module, no_one_call):
    server = no_one_call
    assistant = server.store.create_assistant({"model": "local-echo"})
    resources = {"code_interpreter": {"file_ids": ["file-1"]}}
    result = run_module(
        main,
        args(
            server,
            assistant,
            thread_message="Hello there",
            additional_messages=[{"role": "user", "content": "Before"}],
            thread_metadata={"t": "1"},
            tool_resources=resources,
            metadata={"r": "2"},
            wait=True,
            poll_interval=0.01,
        ),
    )

    assert not result.failed, result.get("msg")
    posts = [(r["path"], r["response"]["status"]) for r in server.requests if r["method"] == "POST"]
    (thread_id,) = server.store.threads
    assert posts == [("/v1/threads/runs", 404), ("/v1/threads", 200), (f"/v1/threads/{thread_id}/runs", 200)]
    thread_body, run_body = (r["body"] for r in server.requests[1:3])
    marker = run_body["metadata"]["seed_openai_request"]
    assert thread_body == {
        "messages": [{"role": "user", "content": "Before"}, {"role": "user", "content": "Hello there"}],
        "metadata": {"t": "1", "seed_openai_request": marker},
        "tool_resources": resources,
    }
    assert unmarked(run_body) == {"assistant_id": assistant["id"], "metadata": {"r": "2"}}
    assert spec.errors("CreateRunRequest", run_body) == []
    assert result["run"]["status"] == "completed" and result["run"]["thread_id"] == thread_id
    assert [m["content"][0]["text"]["value"] for m in server.store.messages[thread_id]] == [
        "Before",
        "Hello there",
        "You said: Hello there",
    ]
    (warning,) = [w for w in warning_texts(result) if "404" in w]
    assert warning == (
        f"POST {server.api_base}/threads/runs was answered 404 (No thread found with id 'runs'.): this server "
        f"has no one-call thread and run, so thread {thread_id} was created with its 2 messages and the run "
        "started on it (two calls, each sent once)"
    )


def test_without_the_one_call_form_an_assistant_alone_gets_an_empty_thread(run_module, no_one_call):
    server = no_one_call
    assistant = server.store.create_assistant({"model": "local-echo"})
    result = run_module(main, args(server, assistant, creation_marker=False))

    assert not result.failed, result.get("msg")
    (thread_id,) = server.store.threads
    assert [r["body"] for r in server.requests] == [
        {"assistant_id": assistant["id"]},
        {},
        {"assistant_id": assistant["id"]},
    ]
    assert f"so thread {thread_id} was created empty and the run started on it" in " ".join(warning_texts(result))


def test_without_the_one_call_form_a_streamed_run_works(run_module, no_one_call):
    server = no_one_call
    assistant = server.store.create_assistant({"model": "local-echo"})
    result = run_module(main, args(server, assistant, thread_message="Hello there", stream=True))

    assert not result.failed, result.get("msg")
    assert result["text"] == "You said: Hello there"
    assert len(server.store.threads) == 1 and len(server.store.all_runs()) == 1


def test_a_404_that_names_the_assistant_is_not_taken_for_a_missing_route(run_module, no_one_call):
    server = no_one_call
    server.routes.thread_and_run = True  # the route exists; the assistant does not
    result = run_module(main, args(server, {"id": "asst_nosuch"}, thread_message="hi"))

    assert result.failed
    assert "No assistant found with id 'asst_nosuch'" in result["msg"]
    assert [r["path"] for r in server.requests] == ["/v1/threads/runs"]
    assert server.store.threads == {}


def test_a_thread_whose_answer_is_lost_is_never_made_twice(run_module, no_one_call):
    server = no_one_call
    assistant = server.store.create_assistant({"model": "local-echo"})
    server.faults.add(Fault(method="POST", path="/threads", status=502, after=True))
    result = run_module(main, args(server, assistant, thread_message="hi", max_retry_count=3))

    assert result.failed
    assert len(server.store.threads) == 1 and server.store.all_runs() == []
    assert [r["path"] for r in server.requests if r["method"] == "POST"] == ["/v1/threads/runs", "/v1/threads"]
    (thread,) = server.store.threads.values()
    marker = thread["metadata"]["seed_openai_request"]
    assert f"look for metadata seed_openai_request={marker}" in result["msg"]
    assert "had been answered 404, so the thread was to be created first" in result["msg"]


def test_a_run_whose_answer_is_lost_is_found_by_its_marker_and_the_thread_returned_on_failure(run_module, no_one_call):
    server = no_one_call
    assistant = server.store.create_assistant({"model": "local-echo"})
    server.faults.add(Fault(method="POST", path=r"/threads/[^/]+/runs", status=503, after=True))
    found = run_module(main, args(server, assistant, thread_message="hi", max_retry_count=2))

    assert not found.failed, found.get("msg")
    assert len(server.store.threads) == 1 and len(server.store.all_runs()) == 1
    assert found["run"]["id"] == server.store.all_runs()[0]["id"]

    # A run that cannot be started: the thread made before it is returned.
    server.faults.add(Fault(method="POST", path=r"/threads/[^/]+/runs", status=400))
    failed = run_module(main, args(server, assistant, thread_message="again"))
    assert failed.failed and failed["changed"] is True
    assert failed["thread"]["id"] in server.store.threads and len(server.store.threads) == 2


def test_a_wrong_prefix_fails_at_the_thread_with_the_path_hint(run_module, no_one_call):
    server = no_one_call
    assistant = server.store.create_assistant({"model": "local-echo"})
    result = run_module(main, args(server, assistant, api_base=server.api_base.replace("/v1", "/api/v1")))

    assert result.failed and server.store.threads == {}
    assert "The path may be wrong" in result["msg"] and "(common ones: /v1, /api/v1, /openai/v1)" in result["msg"]


# -- 5. wait_for_active_run on a server that accepts messages during a run -----


def busy_thread(server, messages):
    """A thread with `messages` and an active (queued) run."""
    assistant = server.store.create_assistant({"model": "m"})
    thread = server.store.create_thread({"messages": messages})
    return thread, server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})


def add_after_the_run(run_module, server, thread, content, **extra):
    options = {"thread": thread["id"], "content": content, "wait_for_active_run": True, "poll_interval": 0.01}
    return run_module(openai_thread_message.main, dict(options, api_base=server.api_base, api_key=API_KEY, **extra))


def test_a_message_waits_for_the_active_run_on_a_server_that_would_accept_it(run_module):
    with AssistantsServer(api_key=API_KEY, messages_during_run=True) as server:
        thread, run = busy_thread(server, [{"role": "user", "content": "first"}])
        result = add_after_the_run(run_module, server, thread, "second")

    assert not result.failed, result.get("msg")
    assert server.store.runs[thread["id"]][run["id"]]["status"] == "completed"
    # The message comes after the run's answer, not in the middle of the run.
    assert [m["role"] for m in server.store.messages[thread["id"]]] == ["user", "assistant", "user"]


def test_the_look_and_the_wait_share_wait_timeout(run_module):
    with AssistantsServer(api_key=API_KEY, messages_during_run=True, advance_on_poll=False) as server:
        thread, run = busy_thread(server, [])
        result = add_after_the_run(run_module, server, thread, "x", wait_timeout=0.3, poll_interval=0.05)

    assert result.failed
    assert result["msg"] == (
        f"Run {run['id']} of {thread['id']} is still queued after 0.3 s (wait_timeout); the message was not added"
    )
    assert server.store.messages[thread["id"]] == []


# -- 6. hints -----------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize(
    "auth_type, expected",
    [
        ("bearer", "The API key (sent as a bearer token) may be missing, wrong, or lack access"),
        ("api_key", "The API key (sent as an api-key header) may be missing, wrong, or lack access"),
    ],
)
def test_a_refused_key_says_it_may_be_missing_wrong_or_without_access(server, status, auth_type, expected):
    server.faults.add(Fault(method="GET", status=status))
    client = OpenAIClient(Settings(API_KEY, server.api_base, auth_type=auth_type))
    with pytest.raises(APIError) as caught:
        client.request("GET", client.url("threads", "t"))
    assert expected in str(caught.value)
    assert "check api_key or OPENAI_API_KEY" in str(caught.value)


def closed_port() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


@pytest.mark.parametrize(
    "options, environ, origin",
    [
        ({"api_base": "{base}"}, {}, "the api_base option"),
        ({}, {"OPENAI_API_BASE": "{base}"}, "the environment variable OPENAI_API_BASE"),
        ({}, {"OPENAI_BASE_URL": "{base}"}, "the environment variable OPENAI_BASE_URL"),
    ],
)
def test_a_connection_failure_names_api_base_and_where_it_came_from(options, environ, origin):
    base = closed_port()
    options = {k: v.format(base=base) for k, v in options.items()}
    environ = {k: v.format(base=base) for k, v in environ.items()}
    client = OpenAIClient(settings_from_options(dict(options, api_key=API_KEY), environ))
    with pytest.raises(TransportError) as caught:
        client.request("GET", client.url("threads", "t"))
    assert str(caught.value).endswith(
        f"api_base is {base} (from {origin}); check its host and port, and that the server runs"
    )


def test_the_default_api_base_says_the_hosted_api_is_gone(monkeypatch):
    """No api_base anywhere: api.openai.com, which cannot be reached here (or no
    longer serves the API): the message says where api_base came from and
    that OpenAI's hosted Assistants API is gone."""
    client = OpenAIClient(settings_from_options({"api_key": API_KEY}, {}))

    def no_such_host(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Failed to resolve 'api.openai.com'")

    monkeypatch.setattr(client.session, "request", no_such_host)
    with pytest.raises(TransportError) as caught:
        client.request("POST", client.url("threads", "runs"), {})
    message = str(caught.value)
    assert message.startswith("POST https://api.openai.com/v1/threads/runs failed: Failed to resolve")
    assert (
        "api_base is https://api.openai.com/v1 (from the default: neither the api_base option nor "
        "OPENAI_API_BASE nor OPENAI_BASE_URL is set)"
    ) in message
    assert "OpenAI sunset its hosted Assistants API on 2026-08-26: api.openai.com no longer serves it" in message
    assert "Set api_base (or OPENAI_API_BASE)" in message


def test_api_base_origin_prefers_the_option_then_the_variables_in_order():
    from ansible_collections.seed.openai.plugins.module_utils._connection import api_base_origin

    environ = {"OPENAI_API_BASE": "", "OPENAI_BASE_URL": "http://b"}
    assert api_base_origin({"base_url"}, environ) == "the api_base option"
    assert api_base_origin(set(), environ) == "the environment variable OPENAI_BASE_URL"
    assert api_base_origin(set(), {}).startswith("the default")


def test_module_mode_knows_an_option_from_an_environment_variable(run_module, monkeypatch):
    base = closed_port()
    monkeypatch.setenv("OPENAI_API_BASE", base)
    from_env = run_module(main, {"assistant": "asst_1", "thread": "thread_1", "api_key": API_KEY})
    given = run_module(main, {"assistant": "asst_1", "thread": "thread_1", "api_key": API_KEY, "api_base": base})
    assert f"api_base is {base} (from the environment variable OPENAI_API_BASE)" in from_env["msg"]
    assert f"api_base is {base} (from the api_base option)" in given["msg"]
