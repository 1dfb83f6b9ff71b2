"""The thread toolkit and the assistant_run role through ansible-playbook."""

from __future__ import annotations


def test_assistant_idempotence_check_mode_and_diff(ansible, server):
    task = {
        "name": "Helpdesk",
        "seed.openai.openai_assistant": {"name": "helpdesk", "model": "local", "instructions": "Be brief."},
    }
    checked = ansible.playbook([task], "--check")
    assert checked.task("Helpdesk")["_status"] == "changed"
    assert server.store.assistants == {}

    outcome = ansible.playbook([task, dict(task, name="Again")])
    assert outcome.task("Helpdesk")["_status"] == "changed"
    assert outcome.task("Again")["_status"] == "ok"
    assert len(server.store.assistants) == 1

    changed = ansible.playbook(
        [{"name": "Update", "seed.openai.openai_assistant": {"name": "helpdesk", "instructions": "Be thorough."}}],
        "--diff",
    )
    assert changed.task("Update")["_status"] == "changed"
    assert changed.task("Update")["diff"] == {
        "before": {"instructions": "Be brief."},
        "after": {"instructions": "Be thorough."},
    }
    assert '-    "instructions": "Be brief."' in changed.stdout
    (assistant,) = server.store.assistants.values()
    assert assistant["instructions"] == "Be thorough."


def test_the_whole_flow_with_each_module(ansible, server):
    fn = {"name": "get_ticket", "description": "Read a ticket", "parameters": {"type": "object"}}
    outcome = ansible.playbook(
        [
            {
                "name": "Assistant",
                "register": "a",
                "seed.openai.openai_assistant": {
                    "name": "Flow",
                    "model": "local",
                    "tools": [{"type": "function", "function": fn}],
                },
            },
            {"name": "Thread", "register": "t", "seed.openai.openai_thread": {"metadata": {"case": "flow"}}},
            {
                "name": "Message",
                "seed.openai.openai_thread_message": {"thread": "{{ t.thread }}", "content": "Ticket 7?"},
            },
            {
                "name": "Run",
                "register": "r",
                "seed.openai.openai_thread_run": {
                    "thread": "{{ t.thread }}",
                    "assistant": "{{ a.assistant }}",
                    "wait": True,
                    "poll_interval": 0.1,
                },
            },
            {
                "name": "Answer calls",
                "register": "o",
                "seed.openai.openai_thread_run_tool_outputs": {
                    "run": "{{ r.run }}",
                    "tool_outputs": [{"tool_call_id": "{{ r.tool_calls[0].id }}", "output": "disk full"}],
                    "wait": True,
                    "poll_interval": 0.1,
                },
            },
            {
                "name": "Info",
                "register": "i",
                "seed.openai.openai_thread_run_info": {"run": "{{ o.run }}", "steps": True},
            },
            {
                "name": "Messages",
                "register": "m",
                "seed.openai.openai_thread_messages_info": {"thread": "{{ t.thread }}"},
            },
            {
                "name": "Second run",
                "register": "s",
                "seed.openai.openai_thread_run": {
                    "thread": "{{ t.thread }}",
                    "assistant": "{{ a.assistant }}",
                    "tools": [],
                },
            },
            {
                "name": "Cancel",
                "seed.openai.openai_thread_run_cancel": {"run": "{{ s.run }}", "wait": True, "poll_interval": 0.1},
            },
            {"name": "Cancel again", "seed.openai.openai_thread_run_cancel": {"run": "{{ s.run }}", "force": True}},
            {"name": "Runs", "register": "l", "seed.openai.openai_thread_run_info": {"thread": "{{ t.thread }}"}},
            {"name": "Delete", "seed.openai.openai_thread": {"thread": "{{ t.thread }}", "state": "absent"}},
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    assert outcome.task("Run")["run"]["status"] == "requires_action"
    assert outcome.task("Answer calls")["run"]["status"] == "completed"
    assert outcome.task("Info")["steps"][0]["type"] == "message_creation"
    assert outcome.task("Messages")["latest_answer"] == "Tool outputs: disk full"
    assert outcome.task("Cancel")["run"]["status"] == "cancelled"
    assert outcome.task("Cancel again")["_status"] == "ok"
    assert [r["status"] for r in outcome.task("Runs")["runs"]] == ["cancelled", "completed"]
    assert outcome.task("Delete")["_status"] == "changed"
    assert server.store.threads == {}


def role_play(**role_vars):
    return [
        {"name": "Role", "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"}, "vars": role_vars},
        {
            "name": "Facts",
            "ansible.builtin.set_fact": {
                "answer": "{{ assistant_run_answer }}",
                "status": "{{ assistant_run_run.status }}",
                "pending": "{{ assistant_run_pending_functions }}",
            },
        },
    ]


def test_role_answers_function_calls_and_reads_the_answer(ansible, server):
    assistant = server.store.create_assistant(
        {"model": "m", "name": "weather", "tools": [{"type": "function", "function": {"name": "get_weather"}}]}
    )
    outcome = ansible.playbook(
        role_play(
            assistant_run_assistant="weather",
            assistant_run_message="Weather in Oslo?",
            assistant_run_tool_outputs={"get_weather": "4 C, rain"},
            assistant_run_poll_interval=0.1,
        )
    )

    assert outcome.rc == 0, outcome.stdout
    facts = outcome.task("Facts")["ansible_facts"]
    assert facts == {"answer": "Tool outputs: 4 C, rain", "status": "completed", "pending": []}
    (run,) = server.store.all_runs()
    assert run["assistant_id"] == assistant["id"]


def test_role_stops_cleanly_when_a_function_has_no_answer(ansible, server):
    assistant = server.store.create_assistant(
        {"model": "m", "tools": [{"type": "function", "function": {"name": "get_weather"}}]}
    )
    outcome = ansible.playbook(
        role_play(
            assistant_run_assistant=assistant["id"], assistant_run_message="Oslo?", assistant_run_poll_interval=0.1
        )
    )

    assert outcome.rc == 0, outcome.stdout
    facts = outcome.task("Facts")["ansible_facts"]
    assert facts["status"] == "requires_action" and facts["pending"] == ["get_weather"]
    assert facts["answer"] in (None, "", "None")
    assert "waits for get_weather" in outcome.stdout
    assert not any(r["path"].endswith("submit_tool_outputs") for r in server.requests)


def test_role_continues_an_existing_thread_and_runs_in_check_mode(ansible, server):
    assistant = server.store.create_assistant({"model": "m"})
    thread = server.store.create_thread({})
    checked = ansible.playbook(
        role_play(
            assistant_run_assistant=assistant["id"], assistant_run_message="hi", assistant_run_thread=thread["id"]
        )[:1],
        "--check",
    )
    assert checked.rc == 0, checked.stdout
    assert server.store.all_runs() == [] and server.store.messages[thread["id"]] == []

    outcome = ansible.playbook(
        role_play(
            assistant_run_assistant=assistant["id"],
            assistant_run_message="hi",
            assistant_run_thread=thread["id"],
            assistant_run_poll_interval=0.1,
        )
    )
    assert outcome.rc == 0, outcome.stdout
    assert outcome.task("Facts")["ansible_facts"]["answer"] == "You said: hi"
    assert [m["role"] for m in server.store.messages[thread["id"]]] == ["user", "assistant"]
