"""Hostile input: IDs, headers and URLs crafted to escape where they belong."""

from __future__ import annotations

import json

import pytest
from support import API_KEY, warning_texts, without_call

from ansible_collections.seed.openai.plugins.modules.openai_thread_run import main


@pytest.fixture
def base(server):
    assistant = server.store.create_assistant({"model": "m"})
    return {"assistant": assistant["id"], "api_base": server.api_base, "api_key": API_KEY}


@pytest.mark.parametrize(
    "thread, sent_path",
    [
        ("a/b", "a%2Fb"),
        ("../assistants/asst_x", "..%2Fassistants%2Fasst_x"),
        ("x?limit=1", "x%3Flimit%3D1"),
        ("x#frag", "x%23frag"),
        ("with space", "with%20space"),
        ("thread_ünïcödé", "thread_%C3%BCn%C3%AFc%C3%B6d%C3%A9"),
        ("%2e%2e", "%252e%252e"),
    ],
)
def test_ids_stay_one_path_segment(run_module, server, base, thread, sent_path):
    result = run_module(main, dict(base, thread=thread))

    assert without_call(result["msg"]).startswith("OpenAI API returned 404 (Not Found): No thread found with id")
    (sent,) = server.requests
    assert sent["path"] == f"/v1/threads/{sent_path}/runs"
    assert sent["query"] == {}


@pytest.mark.parametrize(
    "thread, message",
    [
        ("x\r\nX-Injected: 1", "is not a valid thread ID"),
        ("x\ny", "is not a valid thread ID"),
        ("t" * 257, "is not a valid thread ID"),
        ("..", "is not a valid thread ID"),
        (".", "is not a valid thread ID"),
        ({"id": 5}, "must be a thread ID string or a thread object, got int"),
        (["thread_a"], "must be a thread ID string or a thread object, got list"),
    ],
)
def test_ids_that_cannot_be_ids_are_refused(run_module, server, base, thread, message):
    result = run_module(main, dict(base, thread=thread))
    assert message in result["msg"]
    assert "\n" not in result["msg"] and "\r" not in result["msg"]
    assert server.requests == []


@pytest.mark.parametrize(
    "options, message",
    [
        ({"organization": "org\r\nX-Evil: 1"}, "organization 'org\\r\\nX-Evil: 1' contains a line break"),
        ({"headers": {"X-Ok": "fine\r\nX-Evil: 1"}}, "headers value of 'X-Ok' contains a line break"),
        ({"headers": {"X-Evil\r\nHost": "x"}}, "contains a line break"),
        ({"api_key": "sk-abc\r\nX-Evil: 1"}, "api_key contains a line break"),
        ({"api_base": "file:///etc/passwd"}, "is not an http:// or https:// URL"),
        ({"api_base": "gopher://127.0.0.1/v1"}, "is not an http:// or https:// URL"),
        ({"metadata": {"k": ["a"]}}, "give a string, number or boolean"),
        ({"metadata": {"k": None}}, "give a string, number or boolean"),
    ],
)
def test_header_injection_and_bad_values_send_nothing(run_module, server, base, options, message):
    result = run_module(main, dict(base, thread="thread_1", **options))
    assert message in result["msg"]
    assert server.requests == []


def test_credentials_in_api_base_are_refused_and_never_printed(run_module, server, base):
    result = run_module(main, dict(base, thread="t", api_base="http://admin:hunter2secret@127.0.0.1:9/v1"))
    assert "has user:password@ in it" in result["msg"]
    assert "hunter2secret" not in json.dumps(result)
    assert server.requests == []


def test_plain_http_to_another_host_warns(run_module, base):
    result = run_module(main, dict(base, thread="t", api_base="http://assistants.invalid/v1", _ansible_check_mode=True))
    assert any("plain http: the API key travels unencrypted" in w for w in warning_texts(result))


def test_key_passed_as_argument_is_absent_from_every_output(run_module, server, base):
    for options in (
        {"thread": "thread_missing"},
        {"thread": "t", "_ansible_check_mode": True},
        {"thread": "t", "metadata": {"k": 1}},
    ):
        result = run_module(main, dict(base, **options))
        assert API_KEY not in json.dumps(result)


def test_a_nul_in_a_message_reaches_the_server_as_a_module(run_module, server, base):
    """AnsibleModule logs its invocation to syslog, which refuses a NUL on Python 3.12+;
    the module escapes it there, so the task runs as it does in-process."""
    thread = server.store.create_thread({})
    result = run_module(
        main, dict(base, thread=thread["id"], additional_messages=[{"role": "user", "content": "a\x00b"}])
    )

    assert not result.failed, result.get("msg")
    (sent,) = [r for r in server.requests if r["method"] == "POST"]
    assert sent["body"]["additional_messages"][0]["content"] == "a\x00b"
