"""Well-shaped answers with one field mutated (wrong type, missing, huge,
nested) never crash a parser: only OpenAIError subclasses escape."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.seed.openai.plugins.module_utils._api.assistant_runs import run_reader
from ansible_collections.seed.openai.plugins.module_utils._errors import (
    BadAnswer,
    OpenAIError,
    expect_object,
    parse_error_body,
)
from ansible_collections.seed.openai.plugins.module_utils._polling import check_outcome, wait_for_run
from ansible_collections.seed.openai.plugins.module_utils._resources import ListIncomplete, pages, whole_list
from ansible_collections.seed.openai.plugins.module_utils._shapes import message_text
from ansible_collections.seed.openai.plugins.module_utils._streaming import read_run_stream
from ansible_collections.seed.openai.plugins.module_utils._tasks._shape import function_calls

RUN = {
    "id": "run_1",
    "object": "thread.run",
    "thread_id": "thread_1",
    "status": "requires_action",
    "required_action": {
        "type": "submit_tool_outputs",
        "submit_tool_outputs": {"tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f"}}]},
    },
    "last_error": {"code": "server_error", "message": "boom"},
    "incomplete_details": {"reason": "max_tokens"},
}
MESSAGE = {
    "id": "msg_1",
    "object": "thread.message",
    "role": "assistant",
    "content": [{"type": "text", "text": {"value": "hello", "annotations": []}}],
}
DELTA = {
    "id": "msg_1",
    "object": "thread.message.delta",
    "delta": {"content": [{"type": "text", "text": {"value": "he"}}]},
}
LIST = {"object": "list", "data": [MESSAGE], "has_more": True, "last_id": "msg_1"}
ERROR = {"error": {"message": "bad", "type": "invalid_request_error", "code": "c", "param": "p"}}
SHAPES = {"run": RUN, "message": MESSAGE, "delta": DELTA, "list": LIST, "error": ERROR}

replacement = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.just("x" * 100_000),
    st.just([[[[[[]]]]]]),
    st.just({"nested": {"deeper": [1, "two", None]}}),
    st.lists(st.integers(), max_size=3),
    st.just("MISSING"),
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def mutated(shape, path, new):
    if not path:
        return None if new == "MISSING" else new
    result = copy.deepcopy(shape)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    if new == "MISSING":
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return result


@st.composite
def hostile(draw):
    name = draw(st.sampled_from(sorted(SHAPES)))
    shape = SHAPES[name]
    path = draw(st.sampled_from(list(paths(shape))))
    return name, mutated(shape, path, draw(replacement))


class Stub:
    """A client that answers every call with `answer`."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = 0

    def url(self, *segments):
        return "/".join(["http://h/v1", *segments])

    def request(self, method, url, *args, **kwargs):
        return self.exchange(method, url)[0]

    def exchange(self, method, url, *args, **kwargs):
        self.calls += 1
        return self.answer, {"openai-poll-after-ms": "0"}


def through_every_parser(answer):
    expect_object(answer, "GET http://h/v1/x", "thread.run", ("id", "thread_id"))
    function_calls(answer)
    check_outcome(answer)
    message_text(answer) if isinstance(answer, dict) else None
    stub = Stub(answer)
    warnings = []
    list(pages(stub, "http://h/v1/threads/t/messages", {}, True, warnings.append, max_pages=5))
    assert stub.calls <= 5
    parse_error_body(json.dumps(answer).encode())
    events = [
        ("thread.run.created", RUN),
        ("thread.message.delta", answer),
        ("thread.message.completed", answer),
        ("thread.run.completed", answer),
    ]
    lines = []
    for event, data in events:
        lines += [f"event: {event}", f"data: {json.dumps(data)}", ""]
    read_run_stream([*lines, "data: [DONE]", ""])
    now = [0.0]
    wait_for_run(
        run_reader(Stub(answer)),
        dict(RUN, status="queued"),
        {"wait_timeout": 1, "poll_interval": 0.5},
        sleep=lambda s: now.__setitem__(0, now[0] + s),
        clock=lambda: now[0],
    )


@settings(max_examples=400, deadline=None, derandomize=True)
@given(hostile())
def test_a_mutated_answer_never_crashes_a_parser(case):
    _name, answer = case
    try:
        through_every_parser(answer)
    except OpenAIError as error:
        assert "\n" not in str(error)


@pytest.mark.parametrize(
    "answer, message",
    [
        ([RUN], "POST http://h/v1/threads/t/runs answered a list, not a thread.run object"),
        ({"id": "run_1"}, "POST http://h/v1/threads/t/runs answered a thread.run without thread_id"),
        (
            dict(RUN, id=5),
            "POST http://h/v1/threads/t/runs answered a thread.run whose id is a number, not an ID string",
        ),
        ("x", "POST http://h/v1/threads/t/runs answered a string, not a thread.run object"),
    ],
)
def test_expect_object_names_the_endpoint_and_what_was_wrong(answer, message):
    with pytest.raises(BadAnswer) as caught:
        expect_object(answer, "POST http://h/v1/threads/t/runs", "thread.run", ("id", "thread_id"))
    assert str(caught.value) == message


def test_tool_calls_and_outcome_tolerate_wrong_shapes():
    assert function_calls(dict(RUN, required_action="x")) == []
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    shapes = [1, {"id": "c"}, {"id": "d", "function": "f"}, {"id": 2, "function": {"name": "f"}}, call]
    assert function_calls(dict(RUN, required_action={"submit_tool_outputs": {"tool_calls": shapes}})) == [call]
    run = dict(RUN, status="failed", last_error={"code": "x\ny", "message": ["a"]})
    with pytest.raises(OpenAIError) as caught:
        check_outcome(run)
    assert str(caught.value) == "Run run_1 ended failed: x y: ['a']"


def test_pages_stop_when_the_cursor_repeats():
    stub = Stub({"object": "list", "data": [{"id": "m1"}], "has_more": True, "last_id": "m1"})
    warnings = []
    items = list(pages(stub, "http://h/v1/threads/t/messages", {}, True, warnings.append))
    assert stub.calls == 2 and len(items) == 2
    assert warnings == [
        "GET http://h/v1/threads/t/messages said it has more items but gave the cursor 'm1' a second time; "
        "the list stops there"
    ]


def test_pages_stop_after_the_maximum_with_a_warning():
    class Growing(Stub):
        def exchange(self, method, url, *args, **kwargs):
            self.calls += 1
            return {"data": [{"id": f"m{self.calls}"}], "has_more": True}, {}

    stub, warnings = Growing(None), []
    assert len(list(pages(stub, "http://h/v1/x", {}, True, warnings.append, max_pages=3))) == 3
    assert warnings == ["GET http://h/v1/x has more than 3 pages; only the first 3 were read"]


def test_stream_parts_of_the_wrong_shape_are_skipped():
    bad_delta = {"id": ["unhashable"], "delta": ["not", "a", "dict"]}
    odd_part = {"id": "m", "delta": {"content": [{"type": "text", "text": "flat"}, {"type": "text"}]}}
    lines = []
    for event, data in [
        ("thread.message.delta", bad_delta),
        ("thread.message.delta", odd_part),
        ("thread.run.completed", RUN),
    ]:
        lines += [f"event: {event}", f"data: {json.dumps(data)}", ""]
    run, text = read_run_stream([*lines, "data: [DONE]"])
    assert run["id"] == "run_1" and text == ""


class Pages(Stub):
    """A client whose list answers come from `page(query, calls)`."""

    def __init__(self, page):
        super().__init__(None)
        self.page = page
        self.queries = []

    def exchange(self, method, url, *args, query=None, **kwargs):
        self.calls += 1
        self.queries.append(dict(query or {}))
        return self.page(query or {}, self.calls), {}


def item(number):
    return {"id": f"m{number}"}


@pytest.mark.parametrize(
    "page, problem",
    [
        (
            lambda query, calls: {"data": [item(1)], "has_more": True, "last_id": "m1"},
            "it sent a page it had sent before (it may ignore after)",
        ),
        (
            lambda query, calls: {"data": [item(calls)], "has_more": True, "last_id": "same"},
            "it gave the cursor 'same' twice (it may ignore after)",
        ),
        (lambda query, calls: {"data": [item(calls)], "has_more": True}, "it has more than 5 pages"),
        (lambda query, calls: {"data": [], "has_more": True}, "it said it has more but sent an empty page"),
        (
            lambda query, calls: {"data": [{"name": "no id"}], "has_more": True},
            "it said it has more but gave no cursor",
        ),
    ],
    ids=["page-repeated", "cursor-repeated", "endless", "empty-page-with-more", "no-cursor"],
)
def test_a_whole_list_that_cannot_be_read_to_its_end_raises(page, problem):
    stub = Pages(page)
    with pytest.raises(ListIncomplete) as caught:
        list(whole_list(stub, "http://h/v1/threads/t/runs", {"limit": 100}, max_pages=5))
    assert str(caught.value) == f"GET http://h/v1/threads/t/runs could not be read to its end: {problem}"
    assert stub.calls <= 5


def test_a_whole_list_follows_cursors_to_the_end_whatever_the_page_size():
    def page(query, calls):
        start = int(query.get("after", "m0")[1:]) + 1
        size = 3 if calls < 3 else 2  # a server that gives fewer items than asked for
        return {"data": [item(n) for n in range(start, start + size)], "has_more": calls < 3}

    stub = Pages(page)
    items = [obj["id"] for data, _headers in whole_list(stub, "http://h/v1/x", {"limit": 100}) for obj in data]
    assert items == ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"]
    assert [q.get("after") for q in stub.queries] == [None, "m3", "m6"]
