"""Exactly once and nothing lost on servers that forget, through
ansible-playbook in both execution modes: a resend needs proof; a lookup that
could not see everything is not proof."""

from __future__ import annotations

import base64

import pytest
from assistants_server import AssistantsServer, Fault
from support import API_KEY

MARKER = "seed_openai_request"
NAME = "deploy-bot"
RUNS = r"/threads/[^/]+/runs"
MESSAGES = r"/threads/[^/]+/messages"


def posts(server):
    return [r for r in server.requests if r["method"] == "POST"]


def sent_marker(server):
    return posts(server)[0]["body"]["metadata"][MARKER]


def aged(*objects):
    """Objects made a minute before the task: older than any attempt of it."""
    for made in objects:
        made["created_at"] -= 60
    return objects


def task(title, module, **args):
    return {"name": title, f"seed.openai.{module}": args, "register": "out"}


def attempt(title, module, **args):
    """A task whose failure the test looks at."""
    return dict(task(title, module, **args), ignore_errors=True)


def test_a_run_on_a_server_that_drops_the_marker_is_made_once_and_named(ansible, server, objects):
    assistant, thread = objects
    aged(*server.store.messages[thread["id"]])
    server.keeps_metadata = ()
    server.faults.add(Fault(method="POST", path=RUNS, status=500, after=True))
    outcome = ansible.playbook(
        [attempt("Start", "openai_thread_run", thread=thread["id"], assistant=assistant["id"], max_retry_count=3)]
    )

    (run,) = server.store.all_runs()
    result = outcome.task("Start")
    assert result["_status"] == "failed" and "\n" not in result["msg"]
    assert f"run {run['id']} was created since the request went out and carries no marker" in result["msg"]
    assert f"look for metadata {MARKER}={sent_marker(server)}" in result["msg"]
    assert len(posts(server)) == 1


def test_a_message_lookup_reads_past_a_list_that_ignores_order(ansible, server, objects):
    _assistant, thread = objects
    aged(*server.store.messages[thread["id"]])
    for index in range(120):
        aged(server.store.add_message(thread["id"], {"role": "user", "content": f"older {index}"}))
    server.ignores_order = True
    server.faults.add(Fault(method="POST", path=MESSAGES, status=502, after=True))
    outcome = ansible.playbook(
        [task("Add", "openai_thread_message", thread=thread["id"], content="once", max_retry_count=3)]
    )

    assert outcome.rc == 0, outcome.stdout
    mine = [m for m in server.store.messages[thread["id"]] if m["content"][0]["text"]["value"] == "once"]
    assert len(mine) == 1 and outcome.task("Add")["message"]["id"] == mine[0]["id"]
    assert len(posts(server)) == 1


@pytest.mark.parametrize(
    "forgets, problem",
    [
        ("ignores_after", "it sent a page it had sent before (it may ignore after)"),
        ("endless_pages", "it has more than 100 pages"),
    ],
)
def test_an_assistant_name_lookup_that_cannot_see_every_name_creates_nothing(ansible, server, forgets, problem):
    aged(server.store.create_assistant({"model": "local-echo", "name": NAME}))
    for index in range(149):
        server.store.create_assistant({"model": "local-echo", "name": f"other-{index}"})
    setattr(server, forgets, True)
    outcome = ansible.playbook([attempt("Assistant", "openai_assistant", name=NAME, model="local-echo")])

    result = outcome.task("Assistant")
    assert result["_status"] == "failed" and "\n" not in result["msg"]
    assert result["msg"].startswith(f"Looking for the assistant named '{NAME}' failed: GET ")
    assert f"could not be read to its end: {problem}" in result["msg"]
    assert posts(server) == []


@pytest.mark.parametrize(
    "kind, unreadable",
    [
        ("run", "not_json"),
        ("run", "deep"),
        ("message", "bad_utf8"),
        ("assistant", "wrong_shape"),
        ("stream", "garbage_event"),
    ],
)
def test_an_unreadable_answer_to_a_creation_returns_what_was_made(ansible, server, objects, kind, unreadable):
    assistant, thread = objects
    if kind == "message":
        path, step = MESSAGES, task("Create", "openai_thread_message", thread=thread["id"], content="once")
    elif kind == "assistant":
        path, step = "/assistants", task("Create", "openai_assistant", name=NAME, model="local-echo")
    else:
        path = RUNS
        options = {"stream": True, "poll_interval": 0.05} if kind == "stream" else {}
        step = task("Create", "openai_thread_run", thread=thread["id"], assistant=assistant["id"], **options)
    server.faults.add(Fault(method="POST", path=path, unreadable=unreadable, after=True))
    outcome = ansible.playbook([step])

    assert outcome.rc == 0, outcome.stdout
    result = outcome.task("Create")
    assert result["_status"] == "changed"
    made = {"message": result.get("message"), "assistant": result.get("assistant")}.get(kind) or result["run"]
    assert made["metadata"][MARKER] == sent_marker(server)
    assert len(posts(server)) == 1


def test_a_thread_whose_answer_cannot_be_read_fails_changed_naming_its_marker(ansible, server):
    server.faults.add(Fault(method="POST", path="/threads", unreadable="over_cap", after=True))
    outcome = ansible.playbook([attempt("Thread", "openai_thread", metadata={"case": "7"}, max_retry_count=3)])

    (thread,) = server.store.threads.values()
    result = outcome.task("Thread")
    assert result["_status"] == "failed" and result["changed"] is True
    assert result["marker"] == thread["metadata"][MARKER]
    assert result["msg"].endswith(f"look for metadata {MARKER}={result['marker']} before you run the task again")
    assert len(posts(server)) == 1


def test_a_run_asked_to_stream_through_body_is_found_not_doubled(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [task("Start", "openai_thread_run", thread=thread["id"], assistant=assistant["id"], body={"stream": True})]
    )

    assert outcome.rc == 0, outcome.stdout
    (run,) = server.store.all_runs()
    assert outcome.task("Start")["run"]["id"] == run["id"]
    assert len(posts(server)) == 1


def test_values_that_cannot_be_sent_as_given_are_refused_before_sending(ansible, server, objects):
    assistant, thread = objects
    ids = {"thread": thread["id"], "assistant": assistant["id"]}
    outcome = ansible.playbook(
        [
            attempt("Huge", "openai_thread_run", truncation_strategy="last_messages", last_messages=10**30, **ids),
            attempt("Tokens", "openai_thread_run", max_prompt_tokens=2**53, **ids),
            attempt("Nested", "openai_thread_run", headers={"X-Meta": {"a": 1}}, **ids),
            attempt("Version", "openai_thread_run", api_version="2024-05-01\r\nX-Evil: 1", **ids),
        ]
    )

    expected = {
        "Huge": "last_messages must be at most 9007199254740991 (2^53 - 1, the largest integer JSON carries exactly)",
        "Tokens": "max_prompt_tokens must be at most 9007199254740991",
        "Nested": "headers value of 'X-Meta' is an object; a header carries one text value",
        "Version": "api_version '2024-05-01\\r\\nX-Evil: 1' contains a line break or control character; remove it",
    }
    for name, message in expected.items():
        result = outcome.task(name)
        assert result["_status"] == "failed" and message in result["msg"], (name, result["msg"])
    assert server.requests == []


def test_a_malformed_api_base_fails_in_one_line_naming_it(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [attempt("Start", "openai_thread_run", thread=thread["id"], assistant=assistant["id"], api_base="http://[::1")]
    )

    result = outcome.task("Start")
    assert result["msg"] == "api_base 'http://[::1' is not a valid URL (Invalid IPv6 URL); fix the host or port"
    assert server.requests == []


def test_a_wait_after_a_stream_names_the_limit_it_was_given(ansible):
    # A compat server answers stream: true with the plain run, which stays queued.
    with AssistantsServer(api_key=API_KEY, mode="compat", advance_on_poll=False) as compat:
        assistant = compat.store.create_assistant({"model": "gpt-4o"})
        thread = compat.store.create_thread({})
        args = dict(thread=thread["id"], assistant=assistant["id"], stream=True, wait_timeout=1, poll_interval=0.1)
        outcome = ansible.playbook([attempt("Start", "openai_thread_run", api_base=compat.api_base, **args)])

    result = outcome.task("Start")
    assert (
        result["msg"] == f"Run {result['run']['id']} is still queued after 1 s (wait_timeout); it goes on on the server"
    )


@pytest.mark.parametrize(
    "shown",
    [API_KEY[4:], base64.b64encode(API_KEY.encode()).decode(), base64.b64encode(f"Bearer {API_KEY}".encode()).decode()],
    ids=["first-4-dropped", "base64", "bearer-base64"],
)
def test_an_echoed_cut_or_encoded_key_never_reaches_the_output(ansible, server, objects, shown):
    assistant, thread = objects
    server.faults.add(Fault(method="POST", status=401, json={"error": {"message": f"Bad key: {shown}."}}))
    outcome = ansible.playbook(
        [attempt("Start", "openai_thread_run", thread=thread["id"], assistant=assistant["id"])], "-vvv"
    )

    assert "Bad key: " in outcome.task("Start")["msg"]
    printed = "".join((outcome.stdout + outcome.stderr).split())
    forms = [API_KEY] + [base64.b64encode(b"\0" * a + API_KEY.encode()).decode()[2:-4] for a in range(3)]
    windows = {form[i : i + 8] for form in forms for i in range(len(form) - 7)}
    assert [window for window in windows if window in printed] == []
