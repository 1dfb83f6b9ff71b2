"""The whole create-run contract: every CreateRunRequest field, thread and run
in one call, and the connection extras, each as the exact request it makes."""

from __future__ import annotations

import pytest
from assistants_server import spec
from support import API_KEY

from ansible_collections.seed.openai.plugins.modules.openai_thread_run import main


@pytest.fixture
def ids(server):
    assistant = server.store.create_assistant({"model": "local-echo"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "hi"}]})
    return assistant["id"], thread["id"]


def args_for(server, ids, **extra):
    assistant, thread = ids
    # The body tests check the mapping of options; the marker has tests of its own.
    base = {"thread": thread, "assistant": assistant, "api_base": server.api_base, "api_key": API_KEY}
    return dict(base, creation_marker=False, **extra)


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"temperature": 0.2, "top_p": 0.9}, {"temperature": 0.2, "top_p": 0.9}),
        ({"temperature": 0, "top_p": 1}, {"temperature": 0, "top_p": 1}),
        (
            {"max_prompt_tokens": 256, "max_completion_tokens": 1000},
            {"max_prompt_tokens": 256, "max_completion_tokens": 1000},
        ),
        ({"truncation_strategy": "auto"}, {"truncation_strategy": {"type": "auto"}}),
        (
            {"truncation_strategy": "last_messages", "last_messages": 3},
            {"truncation_strategy": {"type": "last_messages", "last_messages": 3}},
        ),
        ({"tool_choice": "none"}, {"tool_choice": "none"}),
        ({"tool_choice": "required"}, {"tool_choice": "required"}),
        ({"tool_choice": "file_search"}, {"tool_choice": {"type": "file_search"}}),
        ({"tool_choice": "lookup"}, {"tool_choice": {"type": "function", "function": {"name": "lookup"}}}),
        ({"parallel_tool_calls": False}, {"parallel_tool_calls": False}),
        ({"response_format": "auto"}, {"response_format": "auto"}),
        ({"response_format": "text"}, {"response_format": {"type": "text"}}),
        ({"response_format": "json_object"}, {"response_format": {"type": "json_object"}}),
        (
            {"response_format": "json_schema", "json_schema": {"name": "answer", "schema": SCHEMA, "strict": True}},
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "answer", "schema": SCHEMA, "strict": True},
                }
            },
        ),
        ({"reasoning_effort": "low"}, {"reasoning_effort": "low"}),
        (
            {"functions": [{"name": "lookup", "description": "Find", "parameters": SCHEMA}]},
            {
                "tools": [
                    {"type": "function", "function": {"name": "lookup", "description": "Find", "parameters": SCHEMA}}
                ]
            },
        ),
        (
            {"functions": [{"name": "lookup"}], "tools": [{"type": "file_search"}]},
            {"tools": [{"type": "file_search"}, {"type": "function", "function": {"name": "lookup"}}]},
        ),
        (
            {
                "additional_messages": [
                    {"role": "user", "content": "one"},
                    {"role": "assistant", "content": [{"type": "text", "text": "two"}], "metadata": {"k": "v"}},
                ]
            },
            {
                "additional_messages": [
                    {"role": "user", "content": "one"},
                    {"role": "assistant", "content": [{"type": "text", "text": "two"}], "metadata": {"k": "v"}},
                ]
            },
        ),
        (
            {"thread_message": "and this", "images": ["file-img1", "https://example.com/a.png"], "image_detail": "low"},
            {
                "additional_messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "and this"},
                            {"type": "image_file", "image_file": {"file_id": "file-img1", "detail": "low"}},
                            {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
                        ],
                    }
                ]
            },
        ),
        ({"body": {"temperature": 0.5}}, {"temperature": 0.5}),
    ],
)
def test_each_create_run_field(run_module, server, ids, options, expected):
    result = run_module(main, args_for(server, ids, **options))

    assert not result.failed, result.get("msg")
    (sent,) = server.requests
    assert sent["body"] == dict({"assistant_id": ids[0]}, **expected)
    assert spec.errors("CreateRunRequest", sent["body"]) == []


def test_include_is_sent_as_query(run_module, server, ids):
    field = "step_details.tool_calls[*].file_search.results[*].content"
    run_module(main, args_for(server, ids, include=[field]))
    assert server.requests[0]["query"] == {"include[]": field}


def test_thread_and_run_in_one_call(run_module, server, ids):
    assistant = ids[0]
    result = run_module(
        main,
        args_for(
            server,
            ids,
            thread=None,
            thread_message="Plot this",
            attachments=[{"file_id": "file-1", "tools": [{"type": "code_interpreter"}]}],
            tool_resources={"code_interpreter": {"file_ids": ["file-1"]}},
            metadata={"k": "v"},
            temperature=1.0,
        ),
    )

    assert not result.failed, result.get("msg")
    (sent,) = server.requests
    assert sent["path"] == "/v1/threads/runs"
    assert sent["body"] == {
        "assistant_id": assistant,
        "thread": {
            "messages": [
                {
                    "role": "user",
                    "content": "Plot this",
                    "attachments": [{"file_id": "file-1", "tools": [{"type": "code_interpreter"}]}],
                }
            ]
        },
        "tool_resources": {"code_interpreter": {"file_ids": ["file-1"]}},
        "metadata": {"k": "v"},
        "temperature": 1.0,
    }
    assert spec.errors("CreateThreadAndRunRequest", sent["body"]) == []
    new_thread = result["run"]["thread_id"]
    assert server.store.threads[new_thread]["tool_resources"] == {"code_interpreter": {"file_ids": ["file-1"]}}
    assert result["ansible_facts"]["openai_thread_run"]["thread_id"] == new_thread


def test_thread_and_run_is_not_retried_after_a_server_error(run_module, server, ids):
    from assistants_server import Fault

    server.faults.add(Fault(method="POST", path="/threads/runs", status=500, after=True))
    result = run_module(main, args_for(server, ids, thread=None, thread_message="hi", max_retry_count=3))

    assert result.failed
    assert len(server.requests) == 1
    assert len(server.store.all_runs()) == 1


@pytest.mark.parametrize(
    "options, message",
    [
        ({"temperature": 2.5}, "temperature must be between 0 and 2, got 2.5"),
        ({"top_p": -0.1}, "top_p must be between 0 and 1, got -0.1"),
        ({"max_prompt_tokens": 255}, "max_prompt_tokens must be 256 or more, got 255"),
        ({"max_completion_tokens": 1}, "max_completion_tokens must be 256 or more, got 1"),
        ({"truncation_strategy": "last_messages"}, "needs last_messages of 1 or more"),
        ({"truncation_strategy": "last_messages", "last_messages": 0}, "last_messages must be 1 or more, got 0"),
        ({"truncation_strategy": "auto", "last_messages": 0}, "last_messages must be 1 or more, got 0"),
        ({"last_messages": 2}, "last_messages is used only with truncation_strategy (auto or last_messages)"),
        (
            {"thread_metadata": {"k": "v"}},
            "thread_metadata can be used only when the run starts a new thread",
        ),
        (
            {"thread_tool_resources": {"code_interpreter": {"file_ids": []}}},
            "thread_tool_resources can be used only when the run starts a new thread",
        ),
        (
            {"thread": None, "thread_metadata": {"n": [1]}},
            "thread_metadata value of 'n' is a list",
        ),
        (
            {"thread_message": "x", "message_metadata": {"n": {"a": 1}}},
            "message_metadata value of 'n' is a dict",
        ),
        ({"response_format": "json_schema"}, "needs json_schema with a name and a schema"),
        ({"json_schema": {"name": "x"}}, "json_schema is used only with response_format: json_schema"),
        ({"tool_choice": ""}, "tool_choice is empty"),
        ({"functions": [{"description": "no name"}]}, "functions[0] needs a name"),
        ({"functions": [{"name": "f", "returns": "x"}]}, "functions[0] has unknown keys ['returns']"),
        (
            {"additional_messages": [{"role": "system", "content": "x"}]},
            "additional_messages[0].role must be user or assistant",
        ),
        ({"additional_messages": [{"role": "user"}]}, "additional_messages[0].content must be a non-empty string"),
        (
            {"additional_messages": [{"role": "user", "content": "x", "metadata": {"n": [1]}}]},
            "additional_messages[0].metadata value of 'n' is a list",
        ),
        (
            {"tool_resources": {"code_interpreter": {"file_ids": []}}},
            "tool_resources can be used only when the run starts a new thread",
        ),
        (
            {"thread": None, "thread_message": "x", "additional_instructions": "y"},
            "additional_instructions can be used only with an existing thread",
        ),
        (
            {"thread": None, "thread_message": "x", "reasoning_effort": "low"},
            "reasoning_effort can be used only with an existing thread",
        ),
        ({"images": ["file-1"]}, "images belongs to a message: set thread_message too"),
        ({"stream": True, "wait": True}, "set stream or wait, not both"),
        ({"wait": True, "wait_timeout": 0}, "wait_timeout must be more than 0 seconds"),
        ({"poll_interval": -1}, "poll_interval must be more than 0 seconds"),
        ({"auth_type": "api_key", "headers": {"X-Note": "a\nb"}}, "headers value of 'X-Note' contains a line break"),
        ({"ca_path": "/nonexistent/ca.pem"}, "ca_path '/nonexistent/ca.pem' does not exist"),
    ],
)
def test_out_of_contract_options_fail_before_sending(run_module, server, ids, options, message):
    result = run_module(main, args_for(server, ids, **options))

    assert result.failed
    assert message in result["msg"], result["msg"]
    assert server.requests == []


def test_api_key_auth_version_and_extras(run_module, server, ids):
    result = run_module(
        main,
        args_for(
            server,
            ids,
            auth_type="api_key",
            api_version="2024-05-01-preview",
            headers={"X-Trace": "abc"},
            query={"tenant": "blue"},
        ),
    )

    assert not result.failed, result.get("msg")
    (sent,) = server.requests
    assert sent["headers"]["api-key"] == API_KEY
    assert "authorization" not in sent["headers"]
    assert sent["headers"]["x-trace"] == "abc"
    assert sent["query"] == {"api-version": "2024-05-01-preview", "tenant": "blue"}


def test_extra_headers_never_replace_the_bearer_key(run_module, server, ids):
    run_module(main, args_for(server, ids, headers={"Authorization": "Bearer other"}))
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {API_KEY}"
