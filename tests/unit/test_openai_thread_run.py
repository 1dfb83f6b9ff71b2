"""openai_thread_run through main(), against the local server: the exact
request each option makes, the result, check mode and every bad input."""

from __future__ import annotations

import json

import pytest
from assistants_server import spec
from support import API_KEY, without_call

from ansible_collections.seed.openai.plugins.module_utils._version import COLLECTION_VERSION
from ansible_collections.seed.openai.plugins.modules.openai_thread_run import main


@pytest.fixture
def objects(server):
    store = server.store
    assistant = store.create_assistant(
        {"model": "local-echo", "tools": [{"type": "code_interpreter"}, {"type": "file_search"}]}
    )
    thread = store.create_thread({"messages": [{"role": "user", "content": "hello"}]})
    return assistant, thread


def base_args(server, objects, **extra):
    assistant, thread = objects
    args = {"thread": thread["id"], "assistant": assistant["id"], "api_base": server.api_base, "api_key": API_KEY}
    # The body tests check the mapping of options; the marker has tests of its own.
    args["creation_marker"] = False
    args.update(extra)
    return args


def posts(server):
    return [r for r in server.requests if r["method"] == "POST"]


def test_minimal_task_sends_only_assistant_id(run_module, server, objects):
    assistant, thread = objects
    result = run_module(main, base_args(server, objects))

    (sent,) = server.requests
    assert sent["method"] == "POST"
    assert sent["path"] == f"/v1/threads/{thread['id']}/runs"
    assert sent["body"] == {"assistant_id": assistant["id"]}
    assert sent["headers"]["authorization"] == f"Bearer {API_KEY}"
    assert sent["headers"]["openai-beta"] == "assistants=v2"
    assert sent["headers"]["content-type"] == "application/json"
    assert sent["headers"]["user-agent"].startswith(f"seed.openai/{COLLECTION_VERSION} ")
    assert "openai-organization" not in sent["headers"]
    assert result["changed"] is True
    assert result["run"]["id"] == sent["response"]["body"]["id"]
    assert result["run"]["status"] == "queued"
    assert result["ansible_facts"]["openai_thread_run"] == result["run"]


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"model": "gpt-5-mini"}, {"model": "gpt-5-mini"}),
        ({"instructions": "Be brief."}, {"instructions": "Be brief."}),
        ({"additional_instructions": "Use French."}, {"additional_instructions": "Use French."}),
        ({"metadata": {"ticket": "42", "team": "ops"}}, {"metadata": {"ticket": "42", "team": "ops"}}),
        ({"tools": [{"type": "code_interpreter"}]}, {"tools": [{"type": "code_interpreter"}]}),
        (
            {
                "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
                "use_code_interpreter": True,
            },
            {
                "tools": [
                    {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}},
                    {"type": "code_interpreter"},
                ]
            },
        ),
        (
            {
                "tools": [{"type": "code_interpreter"}, {"type": "code_interpreter"}, {"type": "file_search"}],
                "use_retrieval": True,
            },
            {"tools": [{"type": "code_interpreter"}, {"type": "file_search"}]},
        ),
        (
            {"tools": [{"type": "code_interpreter"}, {"type": "file_search"}], "use_file_search": False},
            {"tools": [{"type": "code_interpreter"}]},
        ),
        ({"tools": [], "use_code_interpreter": True}, {"tools": [{"type": "code_interpreter"}]}),
    ],
)
def test_each_option_shapes_the_body(run_module, server, objects, options, expected):
    assistant = objects[0]
    result = run_module(main, base_args(server, objects, **options))

    assert not result.failed, result
    (sent,) = posts(server)
    assert sent["body"] == dict({"assistant_id": assistant["id"]}, **expected)
    assert spec.errors("CreateRunRequest", sent["body"]) == []


def test_switch_off_without_tools_sends_assistants_tools_minus_that_one(run_module, server, objects):
    assistant = objects[0]
    run_module(main, base_args(server, objects, use_code_interpreter=False))

    read, created = server.requests
    assert (read["method"], read["path"]) == ("GET", f"/v1/assistants/{assistant['id']}")
    assert created["body"] == {"assistant_id": assistant["id"], "tools": [{"type": "file_search"}]}
    assert created["response"]["body"]["tools"] == [{"type": "file_search"}]


def test_switch_on_without_tools_adds_to_assistants_tools(run_module, server):
    assistant = server.store.create_assistant(
        {"model": "m", "tools": [{"type": "function", "function": {"name": "lookup"}}]}
    )
    thread = server.store.create_thread({})
    run_module(main, base_args(server, (assistant, thread), use_code_interpreter=True))

    assert posts(server)[0]["body"]["tools"] == [
        {"type": "function", "function": {"name": "lookup"}},
        {"type": "code_interpreter"},
    ]


def test_organization_header(run_module, server, objects):
    run_module(main, base_args(server, objects, organization="org-123"))
    assert server.requests[0]["headers"]["openai-organization"] == "org-123"


@pytest.mark.parametrize("form", ["thread_object", "run_object", "registered_result"])
def test_thread_and_assistant_given_as_objects(run_module, server, objects, form):
    assistant, thread = objects
    first = run_module(main, base_args(server, objects))["run"]
    server.store.runs[thread["id"]][first["id"]]["status"] = "completed"
    given = {
        "thread_object": (thread, assistant),
        "run_object": (first, first),
        "registered_result": ({"changed": True, "run": first}, {"changed": True, "run": first}),
    }[form]
    result = run_module(main, base_args(server, objects, thread=given[0], assistant=given[1]))

    assert not result.failed, result["msg"] if result.failed else ""
    assert posts(server)[-1]["path"] == f"/v1/threads/{thread['id']}/runs"
    assert posts(server)[-1]["body"] == {"assistant_id": assistant["id"]}


def test_check_mode_sends_nothing_and_shows_the_request(run_module, server, objects):
    assistant, thread = objects
    result = run_module(main, base_args(server, objects, metadata={"a": "b"}, _ansible_check_mode=True))

    assert server.requests == []
    assert result["changed"] is True
    assert result["request"] == {
        "method": "POST",
        "url": f"{server.api_base}/threads/{thread['id']}/runs",
        "body": {"assistant_id": assistant["id"], "metadata": {"a": "b"}},
    }
    # The same shape as a real run, with IDs that are visibly not real ones.
    assert result["run"]["id"] == "check_mode_thread.run_not_created"
    assert result["run"]["thread_id"] == thread["id"] and result["run"]["status"] == "queued"
    assert result["ansible_facts"] == {"openai_thread_run": result["run"]}
    assert API_KEY not in json.dumps(result)


def test_ids_are_one_encoded_path_segment(run_module, server, objects):
    result = run_module(main, base_args(server, objects, thread="../assistants/x"))

    assert result.failed
    assert server.requests[0]["path"] == "/v1/threads/..%2Fassistants%2Fx/runs"
    assert (
        without_call(result["msg"]) == "OpenAI API returned 404 (Not Found): No thread found with id '../assistants/x'."
    )


@pytest.mark.parametrize(
    "options, message",
    [
        ({"thread": ""}, "thread is empty; give the ID of an existing thread"),
        ({"thread": ".."}, "thread '..' is not a valid thread ID"),
        ({"thread": {"object": "thread"}}, "thread got a dict without 'id' or 'thread_id'"),
        ({"assistant": "  "}, "assistant is empty"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata has 17 pairs; the API allows at most 16"),
        ({"metadata": {"k" * 65: "v"}}, "is 65 characters; the API allows at most 64"),
        ({"metadata": {"k": "v" * 513}}, "value of 'k' is 513 characters; the API allows at most 512"),
        ({"metadata": {"k": {"a": 1}}}, "value of 'k' is a dict; give a string, number or boolean"),
        ({"max_retry_count": 101}, "max_retry_count must be between 0 and 100, got 101"),
        ({"max_retry_count": -1}, "max_retry_count must be between 0 and 100, got -1"),
        ({"timeout": -1}, "timeout must be 0 (no limit) or more seconds, got -1"),
        ({"api_base": "localhost:8080/v1"}, "is not an http:// or https:// URL"),
        ({"api_base": "ftp://127.0.0.1/v1"}, "is not an http:// or https:// URL"),
        ({"api_base": "http://user:pw@127.0.0.1/v1"}, "has user:password@ in it; remove it"),
        ({"tools": ["code_interpreter"]}, "tools"),
        ({"tools": [{"function": {"name": "x"}}]}, "tools[0] has no 'type'"),
        (
            {"tools": [{"type": "function", "function": {"name": f"f{i}"}} for i in range(21)]},
            "tools holds 21 tools; the API allows at most 20",
        ),
        ({"organization": "org\r\nX-Injected: 1"}, "organization 'org\\r\\nX-Injected: 1' contains a line break"),
        ({"api_key": ""}, "api_key is not set; pass api_key or set OPENAI_API_KEY"),
    ],
)
def test_bad_input_fails_clearly_and_sends_nothing(run_module, server, objects, options, message):
    result = run_module(main, base_args(server, objects, **options))

    assert result.failed
    assert message in result["msg"]
    assert "\n" not in result["msg"]
    assert server.requests == []


def test_api_error_carries_status_error_and_request_id(run_module, server, objects):
    result = run_module(main, base_args(server, objects, assistant="asst_missing"))

    assert (
        without_call(result["msg"]) == "OpenAI API returned 404 (Not Found): No assistant found with id 'asst_missing'."
    )
    assert result["status"] == 404
    assert result["error"] == {
        "type": "invalid_request_error",
        "code": None,
        "param": None,
        "message": "No assistant found with id 'asst_missing'.",
    }
    assert result["request_id"] == server.requests[0]["response"]["request_id"]


def test_second_run_while_one_is_active_is_refused_by_the_server(run_module, server, objects):
    first = run_module(main, base_args(server, objects))["run"]
    result = run_module(main, base_args(server, objects))

    assert without_call(result["msg"]) == (
        f"OpenAI API returned 400 (Bad Request): Thread {first['thread_id']} already has an active run {first['id']}."
    )


def test_wrong_key_is_never_echoed(run_module, server, objects):
    result = run_module(main, base_args(server, objects, api_key="sk-wrong-key-value"))

    assert result["status"] == 401
    assert "sk-wrong-key-value" not in json.dumps(result)
