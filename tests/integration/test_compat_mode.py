"""The main flows, the demo and the role against a third-party style
Assistants-compatible server (the local server's compat mode): millisecond
timestamps, message text as a list of parts, `stream` and `run_id` ignored,
`model` required when modifying an assistant, resolved model names, no usage."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from assistants_server import AssistantsServer, Fault
from support import API_KEY, warning_texts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNS = r"/threads/[^/]+/runs"
QUESTION = "What is 6 x 7?"
# The local model echoes the last user message.
ECHO_ANSWER = f"You said: {QUESTION}"
# The two ways the modules execute (as the `ansible` fixture's modes).
EXECUTIONS = ("in_process", "module")


@pytest.fixture
def server() -> Iterator[AssistantsServer]:
    """Every test here (and the `ansible` fixture) talks to a compat-mode server."""
    with AssistantsServer(api_key=API_KEY, mode="compat") as running:
        yield running


def answer_in_store(server: AssistantsServer, thread_id: str, run_id: str) -> str:
    """The text of the assistant message the run wrote, as the server holds it."""
    (message,) = [m for m in server.store.messages[thread_id] if m["role"] == "assistant" and m["run_id"] == run_id]
    return " ".join(part["text"]["value"] for part in message["content"] if part["type"] == "text")


def task(title: str, module: str, register: str | None = None, /, **args: Any) -> dict[str, Any]:
    """A task named `title` calling seed.openai.<module> with `args` (which may include a `name`)."""
    body: dict[str, Any] = {"name": title, f"seed.openai.{module}": args}
    if register:
        body["register"] = register
    return body


def test_server_is_in_compat_mode(server):
    """The premise of this file: what the server sends differs from OpenAI's shape."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    assert server.api_base.endswith("/api/v2")
    thread = requests.post(f"{server.api_base}/threads", json={}, headers=headers, timeout=10).json()
    assert thread["created_at"] > 10**12  # milliseconds
    missing = requests.get(f"{server.api_base}/threads/thread_nope", headers=headers, timeout=10)
    assert missing.status_code == 404 and missing.json() == {"detail": "Thread not found"}


def test_assistant_thread_message_run_info_and_answer(ansible, server):
    outcome = ansible.playbook(
        [
            task("Create", "openai_assistant", "a", name="compat", model="local-echo", instructions="Be brief."),
            task("Update instructions", "openai_assistant", "u", name="compat", instructions="Be thorough."),
            task("Thread", "openai_thread", "t", metadata={"case": "compat"}),
            task("Message", "openai_thread_message", "question", thread="{{ t.thread }}", content=QUESTION),
            task(
                "Run",
                "openai_thread_run",
                "r",
                thread="{{ t.thread }}",
                assistant="{{ a.assistant }}",
                wait=True,
                poll_interval=0.1,
            ),
            task("Run info", "openai_thread_run_info", "i", run="{{ r.run }}"),
            task("Runs", "openai_thread_run_info", "l", thread="{{ t.thread }}"),
            task("Answer", "openai_thread_messages_info", "m", thread="{{ t.thread }}", run="{{ r.run }}"),
            task("All messages", "openai_thread_messages_info", "everything", thread="{{ t.thread }}"),
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    (assistant,) = server.store.assistants.values()
    assert outcome.task("Create")["_status"] == "changed"
    assert outcome.task("Update instructions")["_status"] == "changed"
    assert assistant["instructions"] == "Be thorough." and assistant["model"] == "local-echo"

    (run,) = server.store.all_runs()
    thread_id = run["thread_id"]
    started = outcome.task("Run")["run"]
    assert started["id"] == run["id"] and started["status"] == "completed"
    assert outcome.task("Run info")["run"]["id"] == run["id"]
    assert outcome.task("Run info")["run"]["status"] == "completed"
    assert [r["id"] for r in outcome.task("Runs")["runs"]] == [run["id"]]

    answer = outcome.task("Answer")
    assert answer["latest_answer"] == ECHO_ANSWER == answer_in_store(server, thread_id, run["id"])
    # The server ignores run_id: the module keeps only that run's messages.
    assert [m["run_id"] for m in answer["messages"]] == [run["id"]]
    everything = outcome.task("All messages")
    assert [m["role"] for m in everything["messages"]] == ["assistant", "user"]
    assert everything["latest_answer"] == ECHO_ANSWER


def test_messages_of_a_run_are_that_runs_only(ansible, server):
    assistant = server.store.create_assistant({"model": "local-echo"})
    outcome = ansible.playbook(
        [
            task("Thread", "openai_thread", "t"),
            task("First question", "openai_thread_message", thread="{{ t.thread }}", content="first"),
            task(
                "First run",
                "openai_thread_run",
                "r1",
                thread="{{ t.thread }}",
                assistant=assistant["id"],
                wait=True,
                poll_interval=0.1,
            ),
            task("Second question", "openai_thread_message", thread="{{ t.thread }}", content="second"),
            task(
                "Second run",
                "openai_thread_run",
                "r2",
                thread="{{ t.thread }}",
                assistant=assistant["id"],
                wait=True,
                poll_interval=0.1,
            ),
            task("First answer", "openai_thread_messages_info", thread="{{ t.thread }}", run="{{ r1.run }}"),
            task("Second answer", "openai_thread_messages_info", thread="{{ t.thread }}", run="{{ r2.run }}"),
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    first, second = (outcome.task(name)["run"]["id"] for name in ("First run", "Second run"))
    assert first != second
    for name, run_id, text in (
        ("First answer", first, "You said: first"),
        ("Second answer", second, "You said: second"),
    ):
        result = outcome.task(name)
        assert result["latest_answer"] == text
        assert {m["run_id"] for m in result["messages"]} == {run_id}


@pytest.mark.parametrize("created", [False, True], ids=["nothing-created", "created-then-502"])
def test_a_run_started_after_a_502_is_the_new_run(ansible, server, created):
    """The gateway answers 502 to starting a run; whether the server made the run
    or not, the task returns the run it started, never the thread's older one,
    and never starts two."""
    assistant = server.store.create_assistant({"model": "local-echo"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "old question"}]})
    older = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    while older["status"] != "completed":
        server.store.advance(older)
    # Older by ten minutes: outside any window in which this task's run can have been made.
    for key in ("created_at", "started_at", "completed_at"):
        older[key] -= 600
    server.store.add_message(thread["id"], {"role": "user", "content": QUESTION})
    server.faults.add(Fault(method="POST", path=RUNS, status=502, retry_after="0", after=created))

    outcome = ansible.playbook(
        [
            task(
                "Start",
                "openai_thread_run",
                "started",
                thread=thread["id"],
                assistant=assistant["id"],
                max_retry_count=2,
                wait=True,
                poll_interval=0.1,
            ),
            task("Answer", "openai_thread_messages_info", "m", thread=thread["id"], run="{{ started.run }}"),
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    runs = server.store.all_runs()
    assert len(runs) == 2, [r["id"] for r in runs]
    newest = max(runs, key=lambda r: r["id"])
    started = outcome.task("Start")["run"]
    assert started["id"] != older["id"]
    assert started["id"] == newest["id"] and started["status"] == "completed"
    assert outcome.task("Answer")["latest_answer"] == ECHO_ANSWER
    posts = [r for r in server.requests if r["method"] == "POST" and r["path"].endswith("/runs")]
    assert len(posts) == (1 if created else 2)


def test_stream_against_a_server_that_ignores_stream(ansible, server):
    """The server answers a plain run as JSON: the task takes that run and
    follows it to its end."""
    assistant = server.store.create_assistant({"model": "local-echo"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": QUESTION}]})
    outcome = ansible.playbook(
        [
            task("Stream", "openai_thread_run", "s", thread=thread["id"], assistant=assistant["id"], stream=True),
            task("Answer", "openai_thread_messages_info", "m", thread=thread["id"], run="{{ s.run }}"),
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    (run,) = server.store.all_runs()
    streamed = outcome.task("Stream")
    assert streamed["run"]["id"] == run["id"]
    assert streamed["run"]["status"] == "completed"
    assert run["status"] == "completed"
    assert streamed["text"] == ECHO_ANSWER
    assert any("plain JSON" in warning for warning in warning_texts(streamed)), streamed.get("warnings")
    assert outcome.task("Answer")["latest_answer"] == ECHO_ANSWER
    post = next(r for r in server.requests if r["method"] == "POST" and r["path"].endswith("/runs"))
    assert post["body"].get("stream") is True


def test_thread_and_run_in_one_call_with_wait(ansible, server):
    assistant = server.store.create_assistant({"model": "local-echo"})
    outcome = ansible.playbook(
        [
            task(
                "Ask",
                "openai_thread_run",
                "r",
                assistant=assistant["id"],
                thread_message=QUESTION,
                wait=True,
                poll_interval=0.1,
            ),
            task("Answer", "openai_thread_messages_info", "m", thread="{{ r.run }}", run="{{ r.run }}"),
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    (run,) = server.store.all_runs()
    assert outcome.task("Ask")["run"]["id"] == run["id"]
    assert outcome.task("Ask")["run"]["status"] == "completed"
    assert (
        outcome.task("Answer")["latest_answer"] == ECHO_ANSWER == answer_in_store(server, run["thread_id"], run["id"])
    )


def role_play(**role_vars: Any) -> list[dict[str, Any]]:
    return [
        {"name": "Role", "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"}, "vars": role_vars},
        {
            "name": "Facts",
            "ansible.builtin.set_fact": {
                "answer": "{{ assistant_run_answer }}",
                "status": "{{ assistant_run_run.status }}",
                "run_id": "{{ assistant_run_run.id }}",
            },
        },
    ]


def test_role_by_assistant_name_new_and_existing_thread(ansible, server):
    server.store.create_assistant({"model": "local-echo", "name": "helpdesk"})
    thread = server.store.create_thread({})
    new_thread = ansible.playbook(
        role_play(assistant_run_assistant="helpdesk", assistant_run_message=QUESTION, assistant_run_poll_interval=0.1)
    )
    assert new_thread.rc == 0, new_thread.stdout
    facts = new_thread.task("Facts")["ansible_facts"]
    (run,) = server.store.all_runs()
    assert facts == {"answer": ECHO_ANSWER, "status": "completed", "run_id": run["id"]}

    existing = ansible.playbook(
        role_play(
            assistant_run_assistant="helpdesk",
            assistant_run_message="And again?",
            assistant_run_thread=thread["id"],
            assistant_run_poll_interval=0.1,
        )
    )
    assert existing.rc == 0, existing.stdout
    facts = existing.task("Facts")["ansible_facts"]
    assert facts["answer"] == "You said: And again?" and facts["status"] == "completed"
    assert [m["role"] for m in server.store.messages[thread["id"]]] == ["user", "assistant"]


@pytest.mark.parametrize("execution", EXECUTIONS)
def test_demo_against_a_compat_server(collections_path, tmp_path, execution):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANSIBLE_", "SEED_OPENAI_"))}
    env.update(ANSIBLE_NOCOLOR="1")
    if execution == "module":
        env["SEED_OPENAI_EXECUTION"] = "module"
    demo = [sys.executable, os.path.join(ROOT, "tools", "run_demo.py"), "--mode", "compat"]
    done = subprocess.run(
        [*demo, "--collections-path", collections_path],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Local Assistants-compatible server (compat) on http://127.0.0.1:" in output
    assert "/api/v2" in output
    assert "ended completed (no usage reported)" in output
    assert '"Answer: You said: What does the seed.openai collection do?"' in output
    assert "Answer: You said: And who is it for? (run run_" in output
    assert "failed=0" in output
