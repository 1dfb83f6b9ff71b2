"""Property tests: every valid option set maps to a body the contract accepts,
and no answer, however malformed, crashes the parsers."""

from __future__ import annotations

import json

from assistants_server import spec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.seed.openai.plugins.module_utils._backoff import parse_retry_after
from ansible_collections.seed.openai.plugins.module_utils._errors import OpenAIError, parse_error_body
from ansible_collections.seed.openai.plugins.module_utils._run_body import build_run_body
from ansible_collections.seed.openai.plugins.module_utils._streaming import read_run_stream, server_sent_events

text = st.text(min_size=1, max_size=40)
metadata = st.dictionaries(st.text(min_size=1, max_size=64), st.text(max_size=512), max_size=16)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant"]), "content": text},
    optional={"metadata": metadata},
)
function = st.fixed_dictionaries(
    {"name": st.from_regex(r"[a-zA-Z0-9_-]{1,64}", fullmatch=True)},
    optional={"description": text, "parameters": st.just({"type": "object"}), "strict": st.booleans()},
)
builtin_tool = st.sampled_from([{"type": "code_interpreter"}, {"type": "file_search"}])

run_options = st.fixed_dictionaries(
    {},
    optional={
        "model": text,
        "instructions": text,
        "additional_instructions": text,
        "additional_messages": st.lists(message, max_size=3),
        "tools": st.lists(builtin_tool, max_size=2),
        "functions": st.lists(function, max_size=3, unique_by=lambda f: f["name"]),
        "use_code_interpreter": st.booleans(),
        "use_retrieval": st.booleans(),
        "metadata": metadata,
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "max_prompt_tokens": st.integers(256, 10**6),
        "max_completion_tokens": st.integers(256, 10**6),
        "tool_choice": st.one_of(
            st.sampled_from(["none", "auto", "required", "code_interpreter", "file_search"]),
            st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
        ),
        "parallel_tool_calls": st.booleans(),
        "reasoning_effort": st.sampled_from(["none", "minimal", "low", "medium", "high", "xhigh", "max"]),
        "thread_message": text,
        "images": st.lists(st.sampled_from(["file-abc", "https://example.com/a.png"]), max_size=2),
    },
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    run_options,
    st.sampled_from(["auto", "last_messages", None]),
    st.integers(1, 50),
    st.sampled_from(["auto", "text", "json_object", "json_schema", None]),
    st.booleans(),
)
def test_every_valid_option_set_makes_a_body_the_contract_accepts(options, truncation, keep, response_format, new):
    params = dict(options)
    if truncation:
        params["truncation_strategy"] = truncation
        if truncation == "last_messages":
            params["last_messages"] = keep
    if response_format:
        params["response_format"] = response_format
        if response_format == "json_schema":
            params["json_schema"] = {"name": "answer", "schema": {"type": "object"}}
    if params.get("images") and not params.get("thread_message"):
        params["thread_message"] = "see these"
    if new:
        for option in ("additional_instructions", "additional_messages", "reasoning_effort"):
            params.pop(option, None)
        params.setdefault("thread_message", "hello")
    body = build_run_body(params, "asst_1", new_thread=new)
    schema = "CreateThreadAndRunRequest" if new else "CreateRunRequest"
    assert spec.errors(schema, body) == []
    assert body["assistant_id"] == "asst_1"
    assert len(body.get("tools", [])) <= 20


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.one_of(st.binary(max_size=2000), json_values.map(lambda v: json.dumps(v).encode())))
def test_error_bodies_always_give_one_line(raw):
    error = parse_error_body(raw)
    assert set(error) == {"type", "code", "param", "message"}
    assert error["message"] and "\n" not in error["message"] and len(error["message"]) <= 300


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=80),
            json_values.map(lambda v: "data: " + json.dumps(v)),
            st.sampled_from(["event: thread.run.completed", "event: error", "data: [DONE]", ""]),
        ),
        max_size=30,
    )
)
def test_event_streams_never_crash_the_reader(lines):
    list(server_sent_events(lines))
    try:
        run, text_out = read_run_stream(lines)
    except OpenAIError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(text_out, str) and isinstance(run, dict)


@given(st.dictionaries(st.sampled_from(["Retry-After", "retry-after-ms"]), st.text(max_size=40)))
def test_retry_after_parsing_never_crashes(headers):
    wait = parse_retry_after(headers)
    assert wait is None or wait >= 0
