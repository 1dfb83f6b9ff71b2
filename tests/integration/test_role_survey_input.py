"""The assistant_run role takes its tool outputs and approvals as JSON text, as an
AWX survey delivers them (extra vars of type string), as well as mappings."""

from __future__ import annotations

import json

import pytest
from assistants_server import AssistantsServer
from support import API_KEY

MCP_DOCS = {"type": "mcp", "server_label": "docs", "server_url": "https://example.com/mcp", "allowed_tools": ["lookup"]}
FACTS = {
    "name": "Facts",
    "ansible.builtin.set_fact": {
        "answer": "{{ assistant_run_answer }}",
        "status": "{{ assistant_run_run.status }}",
    },
}


def survey_run(ansible, tmp_path, extra_vars, env=None):
    """The role with the job's extra variables in a file, as ansible-runner passes a survey's answers."""
    path = tmp_path / "extravars.json"
    path.write_text(json.dumps(extra_vars))
    role = {"name": "Role", "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"}}
    return ansible.playbook([role, FACTS], "-e", f"@{path}", env=env)


def test_tool_outputs_as_json_text_answer_a_function_call_round(ansible, server, tmp_path):
    server.store.create_assistant(
        {"model": "m", "name": "weather", "tools": [{"type": "function", "function": {"name": "get_weather"}}]}
    )
    outcome = survey_run(
        ansible,
        tmp_path,
        {
            "assistant_run_assistant": "weather",
            "assistant_run_message": "Weather in Oslo?",
            "assistant_run_tool_outputs": json.dumps({"get_weather": "4 C, rain"}),
            "assistant_run_poll_interval": "0.1",
        },
    )

    assert outcome.rc == 0, outcome.stdout
    assert outcome.task("Facts")["ansible_facts"] == {"answer": "Tool outputs: 4 C, rain", "status": "completed"}
    (run,) = server.store.all_runs()
    assert run["status"] == "completed"


@pytest.mark.parametrize(
    "text, problem",
    [
        # The argument spec takes key=value and Python literals for a dict, the role JSON only.
        ("get_weather=rain", "must be a mapping or a JSON object as text"),
        # Text that is no dict at all the argument spec refuses.
        ('["get_weather"]', "unable to convert to dict"),
    ],
)
def test_tool_outputs_text_that_is_not_a_json_object_fails_before_anything_is_sent(
    ansible, server, tmp_path, text, problem
):
    server.store.create_assistant({"model": "m", "name": "weather"})
    outcome = survey_run(
        ansible,
        tmp_path,
        {"assistant_run_assistant": "weather", "assistant_run_message": "Oslo?", "assistant_run_tool_outputs": text},
    )

    assert outcome.rc != 0
    assert "assistant_run_tool_outputs" in outcome.stdout and problem in outcome.stdout, outcome.stdout
    assert [r["method"] for r in server.requests if r["method"] == "POST"] == []


@pytest.fixture
def foundry():
    with AssistantsServer(mode="foundry", project="demo", api_key=API_KEY) as running:
        yield running


def approvals_run(ansible, foundry, tmp_path, approvals: dict):
    """The role on a Foundry agent with an MCP tool, the approvals as JSON text."""
    assistant = foundry.store.create_assistant({"model": "m", "tools": [MCP_DOCS]})
    extra_vars = {
        "assistant_run_assistant": assistant["id"],
        "assistant_run_message": "Look it up",
        "assistant_run_tool_approvals": json.dumps(approvals),
        "assistant_run_poll_interval": "0.1",
    }
    return survey_run(
        ansible, tmp_path, extra_vars, env={"OPENAI_API_BASE": foundry.api_base, "OPENAI_AUTH_TYPE": "bearer"}
    )


@pytest.mark.parametrize("decision", [True, False])
def test_tool_approvals_as_json_text_decide_an_approval_round(ansible, foundry, tmp_path, decision):
    outcome = approvals_run(ansible, foundry, tmp_path, {"lookup": decision})

    assert outcome.rc == 0, outcome.stdout
    facts = outcome.task("Facts")["ansible_facts"]
    expected = "MCP tool ran: docs.lookup" if decision else "The MCP tool call was denied, so no tool ran."
    assert facts == {"answer": expected, "status": "completed"}
    (sent,) = [r for r in foundry.requests if r["path"].endswith("/submit_tool_outputs")]
    assert [a["approve"] for a in sent["body"]["tool_approvals"]] == [decision]


def test_tool_approvals_text_that_is_not_true_or_false_fails_before_anything_is_sent(ansible, foundry, tmp_path):
    outcome = approvals_run(ansible, foundry, tmp_path, {"lookup": "maybe"})

    assert outcome.rc != 0
    assert "assistant_run_tool_approvals" in outcome.stdout and "lookup" in outcome.stdout, outcome.stdout
    assert [r for r in foundry.requests if r["method"] == "POST"] == []
