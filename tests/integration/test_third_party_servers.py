"""Issue 22's cases through ansible-playbook, in both execution modes: what the
peers' own tests send (PSOpenAI's Start-ThreadRun, openai-python's
create_and_run), a third-party server without POST /threads/runs and one that
accepts messages during a run (the local server's two switches), and the hints
a newcomer needs."""

from __future__ import annotations

import socket

from support import API_KEY, warning_texts

SUNSET = "OpenAI sunset its hosted Assistants API on 2026-08-26: api.openai.com no longer serves it"


def posts(server):
    return [r for r in server.requests if r["method"] == "POST"]


def texts(server, thread_id):
    return [m["content"][0]["text"]["value"] for m in server.store.messages[thread_id]]


EARLIER = [{"role": "user", "content": "Earlier"}, {"role": "assistant", "content": "Noted"}]


def test_additional_messages_go_ahead_of_the_message_on_a_new_thread(ansible, server, objects):
    """Case 1: PSOpenAI's Start-ThreadRun "more parameters", create-and-run and stream."""
    assistant, _thread = objects
    run = {"assistant": assistant["id"], "creation_marker": False, "additional_messages": EARLIER}
    outcome = ansible.playbook(
        [
            {"name": "New thread", "seed.openai.openai_thread_run": dict(run, thread_message="Now")},
            {"name": "Streamed", "seed.openai.openai_thread_run": dict(run, thread_message="Streamed", stream=True)},
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    bodies = [p["body"] for p in posts(server)]
    assert bodies[0]["thread"] == {"messages": [*EARLIER, {"role": "user", "content": "Now"}]}
    assert bodies[1]["thread"] == {"messages": [*EARLIER, {"role": "user", "content": "Streamed"}]}
    assert texts(server, outcome.task("New thread")["run"]["thread_id"]) == ["Earlier", "Noted", "Now"]
    assert outcome.task("Streamed")["text"] == "You said: Streamed"


def test_an_assistant_alone_starts_a_run_on_an_empty_thread(ansible, server, objects):
    """Case 2: openai-python's create_and_run(assistant_id=...)."""
    assistant, _thread = objects
    outcome = ansible.playbook(
        [{"name": "Alone", "seed.openai.openai_thread_run": {"assistant": assistant["id"], "creation_marker": False}}]
    )

    assert outcome.rc == 0, outcome.stdout
    assert [p["body"] for p in posts(server)] == [{"assistant_id": assistant["id"]}]
    assert server.store.messages[outcome.task("Alone")["run"]["thread_id"]] == []


def test_auto_truncation_sends_last_messages(ansible, server, objects):
    """Case 3: the contract's TruncationObject, {type: auto, last_messages: 1}."""
    assistant, thread = objects
    options = {"thread": thread["id"], "assistant": assistant["id"], "truncation_strategy": "auto", "last_messages": 1}
    outcome = ansible.playbook([{"name": "Auto", "seed.openai.openai_thread_run": options}])

    assert outcome.rc == 0, outcome.stdout
    (sent,) = posts(server)
    assert sent["body"]["truncation_strategy"] == {"type": "auto", "last_messages": 1}


def test_without_the_one_call_form_the_module_the_stream_and_the_role_work(ansible, server, objects):
    server.routes.thread_and_run = False
    assistant, _thread = objects
    outcome = ansible.playbook(
        [
            {
                "name": "Ask on a new thread and stream the answer",
                "seed.openai.openai_thread_run": {
                    "assistant": assistant["id"],
                    "thread_message": "Hello there",
                    "thread_metadata": {"asked_by": "ansible"},
                    "stream": True,
                },
                "register": "streamed",
            },
            {
                "name": "Ask through the role, without a thread",
                "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"},
                "vars": {"assistant_run_assistant": assistant["id"], "assistant_run_message": "And the role?"},
            },
            {"name": "Show the role's answer", "ansible.builtin.debug": {"var": "assistant_run_answer"}},
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    streamed = outcome.task("Ask on a new thread and stream the answer")
    assert streamed["text"] == "You said: Hello there"
    (warning,) = [w for w in warning_texts(streamed) if "answered 404" in w]
    thread_id = streamed["run"]["thread_id"]
    assert f"so thread {thread_id} was created with its 1 message and the run started on it" in warning
    assert server.store.threads[thread_id]["metadata"]["asked_by"] == "ansible"
    assert outcome.task("Show the role's answer")["assistant_run_answer"] == "You said: And the role?"
    # Each new thread and each run made once: one refused one-call POST, then the thread, then the run.
    calls = [(p["path"], p["response"]["status"]) for p in posts(server)]
    named = {"/v1/threads": "thread", "/v1/threads/runs": "one call"}
    kinds = [named.get(path, path) for path, _status in calls]
    assert [status for _path, status in calls] == [404, 200, 200] * 2
    assert kinds[:2] == ["one call", "thread"] and kinds[3:5] == ["one call", "thread"]
    assert kinds[2] == f"/v1/threads/{thread_id}/runs" and kinds[5].endswith("/runs")
    assert len(server.store.threads) == 3 and len(server.store.all_runs()) == 2


def test_wait_for_active_run_looks_before_posting(ansible, server, objects):
    server.store.messages_during_run = True
    assistant, thread = objects
    run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    outcome = ansible.playbook(
        [
            {
                "name": "Ask a follow-up once the current run is done",
                "seed.openai.openai_thread_message": {
                    "thread": thread["id"],
                    "content": "And what should we change?",
                    "wait_for_active_run": True,
                    "poll_interval": 0.05,
                },
            }
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    assert server.store.runs[thread["id"]][run["id"]]["status"] == "completed"
    assert texts(server, thread["id"]) == ["What is 6 x 7?", "You said: What is 6 x 7?", "And what should we change?"]


def closed_port_base() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


def test_a_connection_failure_says_which_api_base_and_where_it_came_from(ansible, objects):
    assistant, thread = objects
    base = closed_port_base()
    task = {"thread": thread["id"], "assistant": assistant["id"]}
    outcome = ansible.playbook(
        [
            {
                "name": "From the option",
                "seed.openai.openai_thread_run": dict(task, api_base=base),
                "ignore_errors": True,
                "register": "from_option",
            },
            {
                "name": "From the environment",
                "seed.openai.openai_thread_run": task,
                "environment": {"OPENAI_API_BASE": base},
                "ignore_errors": True,
                "register": "from_environment",
            },
            {
                "name": "From nowhere",
                "seed.openai.openai_thread_run": task,
                "ignore_errors": True,
                "register": "nowhere",
            },
        ],
        connection=False,
        # The Assistants API asked of every base (api: auto speaks the Responses API to the default one).
        env={"OPENAI_API_KEY": API_KEY, "OPENAI_API": "assistants"},
    )

    assert outcome.rc == 0, outcome.stdout
    assert f"api_base is {base} (from the api_base option); check its host" in outcome.task("From the option")["msg"]
    from_env = outcome.task("From the environment")["msg"]
    assert f"api_base is {base} (from the environment variable OPENAI_API_BASE); check its host" in from_env
    # Unreachable offline, and no longer serving the API online: either way the message says both.
    nowhere = outcome.task("From nowhere")["msg"]
    assert (
        "api_base is https://api.openai.com/v1 (from the default: neither the api_base option nor "
        "OPENAI_API_BASE nor OPENAI_BASE_URL is set)"
    ) in nowhere
    assert SUNSET in nowhere


def test_a_wrong_key_and_a_wrong_prefix_say_what_to_check(ansible, server, objects):
    assistant, thread = objects
    task = {"thread": thread["id"], "assistant": assistant["id"]}
    outcome = ansible.playbook(
        [
            {
                "name": "A wrong key",
                "seed.openai.openai_thread_run": dict(task, api_key="sk-wrong-key-123456"),
                "ignore_errors": True,
                "register": "wrong_key",
            },
            {
                "name": "A wrong prefix",
                "seed.openai.openai_thread_run": dict(task, api_base=server.api_base.replace("/v1", "/api/v1")),
                "ignore_errors": True,
                "register": "wrong_prefix",
            },
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    assert (
        "The API key (sent as a bearer token) may be missing, wrong, or lack access"
        in outcome.task("A wrong key")["msg"]
    )
    assert "The path may be wrong" in outcome.task("A wrong prefix")["msg"]
    assert server.store.all_runs() == []


def test_the_role_says_how_to_fix_an_unknown_assistant_name(ansible, server):
    outcome = ansible.playbook(
        [
            {
                "name": "Ask nobody",
                "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"},
                "vars": {"assistant_run_assistant": "nobody", "assistant_run_message": "Hello?"},
            }
        ]
    )

    assert outcome.rc != 0
    assert outcome.task("seed.openai.assistant_run : Stop when no assistant has that name")["msg"] == (
        "No assistant is named 'nobody'; create it first (seed.openai.openai_assistant with name and model) "
        "or set assistant_run_assistant to its ID"
    )
    assert "give model" not in outcome.stdout
    assert server.store.threads == {} and posts(server) == []


def test_with_nothing_set_a_run_says_it_speaks_the_responses_api_and_why(ansible, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [
            {
                "name": "From nowhere",
                "seed.openai.openai_thread_run": {"thread": thread["id"], "assistant": assistant["id"]},
                "ignore_errors": True,
                "register": "nowhere",
            }
        ],
        connection=False,
        env={"OPENAI_API_KEY": API_KEY},
    )

    message = outcome.task("From nowhere")["msg"]
    assert "OpenAI keeps none on the Responses API: pass the definition" in message
    assert (
        "api is auto, which speaks the Responses API to api_base https://api.openai.com/v1 (from the default: "
        "neither the api_base option nor OPENAI_API_BASE nor OPENAI_BASE_URL is set); "
        "for an Assistants-compatible server, set api_base to it (or api: assistants)"
    ) in message
