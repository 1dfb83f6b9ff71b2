"""The documentation runs as written: every module's EXAMPLES and every
playbook of the guides (docs/docsite/rst), the README and the role's README,
in order, against the local server, in both execution modes.

Only what stands for the reader's own things is replaced: the placeholder IDs
(thread_abc123, asst_abc123) by objects that earlier steps made, the example
URLs by the local server's, and the variables a reader supplies (the vaulted
key, a survey's answers, an EDA event) by extra variables. An example that
cannot run as written is rewritten until it can, in its documentation.

A module's examples are alternatives where they answer the same run: each of
openai_thread_run_tool_outputs' examples gets a fresh run that asks for what it
answers (made by the setup steps before it). Whatever an example uses that an
earlier example of the same module made (openai_thread_run's `started`) is not
made for it: those examples run in sequence.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import textwrap
from typing import Any

import pytest
import yaml
from assistants_server import AssistantsServer
from conftest import ROOT
from entra_standin import EntraStandin
from support import API_KEY

MODULES = [
    "openai_assistant",
    "openai_thread",
    "openai_thread_message",
    "openai_thread_run",
    "openai_thread_run_info",
    "openai_thread_messages_info",
    "openai_thread_run_cancel",
    "openai_thread_run_tool_outputs",
]
GUIDES = [
    "README.md",
    "roles/assistant_run/README.md",
    *sorted(
        f"docs/docsite/rst/{name}"
        for name in os.listdir(os.path.join(ROOT, "docs/docsite/rst"))
        if name.endswith(".rst")
    ),
]
EXAMPLE_BASES = ("https://assistants.example.com/v1", "http://127.0.0.1:8080/v1")
FOUNDRY_BASE = re.compile(r"https://[a-z-]+\.services\.ai\.azure\.com/api/projects/[a-z-]+")
QUESTION = "Why did last night's backup fail?"
TICKET_FUNCTION = {
    "type": "function",
    "function": {"name": "get_ticket", "parameters": {"type": "object", "properties": {}}},
}
MCP_TOOL = {"type": "mcp", "server_label": "docs", "server_url": "https://example.com/mcp", "allowed_tools": ["lookup"]}


def module(module_name: str, register: str | None = None, **options: Any) -> dict[str, Any]:
    task: dict[str, Any] = {"name": f"Setup: {register or module_name}", f"seed.openai.{module_name}": options}
    if register:
        task["register"] = register
    return task


# The setup steps that make what a module's examples name, before the example
# of that index (0: before the first).
ASSISTANT = module("openai_assistant", "example_assistant", name="example-helper", model="local-echo")
THREAD = module("openai_thread", "example_thread", messages=[{"role": "user", "content": "What is 6 x 7?"}])
ON_THREAD = {"thread": "{{ example_thread.thread }}", "assistant": "{{ example_assistant.assistant }}"}
ASK_FUNCTION = [
    module("openai_assistant", "ticket_reader", name="ticket-reader", model="local-echo", tools=[TICKET_FUNCTION]),
    module(
        "openai_thread_run",
        "asked",
        assistant="{{ ticket_reader.assistant }}",
        thread_message="What does ticket 4711 say?",
        wait=True,
    ),
]
ASK_APPROVAL = [
    module("openai_assistant", "docs_agent", name="docs-agent", model="local-echo", tools=[MCP_TOOL]),
    module(
        "openai_thread_run",
        "asked",
        assistant="{{ docs_agent.assistant }}",
        thread_message="How do I rotate keys?",
        wait=True,
    ),
]
SETUP: dict[str, dict[int, list[dict[str, Any]]]] = {
    "openai_thread_message": {
        0: [
            ASSISTANT,
            module("openai_thread", "conversation", messages=[{"role": "user", "content": QUESTION}]),
            module(
                "openai_thread_run", thread="{{ conversation.thread }}", assistant="{{ example_assistant.assistant }}"
            ),
        ]
    },
    "openai_thread_run": {0: [ASSISTANT, THREAD]},
    "openai_thread_run_info": {0: [ASSISTANT, THREAD, module("openai_thread_run", **ON_THREAD)]},
    "openai_thread_messages_info": {0: [ASSISTANT, THREAD, module("openai_thread_run", wait=True, **ON_THREAD)]},
    "openai_thread_run_cancel": {0: [ASSISTANT, THREAD, module("openai_thread_run", **ON_THREAD)]},
    "openai_thread_run_tool_outputs": {0: ASK_FUNCTION, 1: ASK_FUNCTION[1:], 2: ASK_APPROVAL, 3: ASK_APPROVAL[1:]},
}
# Examples that need Azure AI Foundry's tool approvals run against the server in Foundry mode.
ON_FOUNDRY = {"openai_thread_run_tool_outputs"}


def substituted(value: Any, replacements: dict[str, str]) -> Any:
    """`value` with every string equal to a placeholder replaced."""
    if isinstance(value, dict):
        return {key: substituted(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [substituted(item, replacements) for item in value]
    if isinstance(value, str):
        if FOUNDRY_BASE.fullmatch(value) and "foundry" in replacements:
            return replacements["foundry"]
        return replacements.get(value, value)
    return value


def local_play(tasks: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return dict(
        name="Run the documented tasks", hosts="localhost", connection="local", gather_facts=False, **more, tasks=tasks
    )


def examples_of(name: str) -> list[dict[str, Any]]:
    loaded = yaml.safe_load(importlib.import_module(f"ansible_collections.seed.openai.plugins.modules.{name}").EXAMPLES)
    assert isinstance(loaded, list) and loaded, f"{name} has no EXAMPLES"
    return loaded


def examples_playbook(name: str, api_base: str) -> list[dict[str, Any]]:
    """The module's examples in order, tasks in one play and plays after it,
    with the setup steps before the examples that need them."""
    replacements = {base: api_base for base in EXAMPLE_BASES}
    replacements.update(
        thread_abc123="{{ example_thread.thread.id }}", asst_abc123="{{ example_assistant.assistant.id }}"
    )
    tasks: list[dict[str, Any]] = []
    plays: list[dict[str, Any]] = []
    for index, example in enumerate(examples_of(name)):
        tasks += copy.deepcopy(SETUP.get(name, {}).get(index, []))
        example = substituted(example, replacements)
        if "hosts" in example:
            plays.append(example)
        else:
            tasks.append(example)
    defaults = {"group/seed.openai.openai": {"api_base": api_base}}
    return [local_play(tasks, module_defaults=defaults), *plays]


def results_of(outcome, failed_ok: bool = False) -> list[dict[str, Any]]:
    failed = [r for r in outcome.results if r["status"] in ("failed", "unreachable")]
    assert failed_ok or not failed, f"failed: {[r['task'] for r in failed]}\n{outcome.stdout[-4000:]}"
    return outcome.results


@pytest.fixture
def foundry():
    with AssistantsServer(api_key=API_KEY, mode="foundry", project="demo", poll_after_ms=0) as running:
        yield running


@pytest.mark.parametrize("name", MODULES)
def test_every_modules_examples_run_in_order(ansible, server, foundry, name):
    target = foundry if name in ON_FOUNDRY else server
    server.poll_after_ms = 0  # waits poll every 0.2 s, the least a server can ask
    outcome = ansible.run_plays(
        examples_playbook(name, target.api_base), "-e", json.dumps({"vault_assistants_key": API_KEY})
    )

    assert outcome.rc == 0, outcome.stdout[-4000:]
    ran = [r["task"] for r in results_of(outcome) if not r["task"].startswith("Setup: ")]
    names = [e["name"] for e in examples_of(name) if "hosts" not in e]
    names += [t["name"] for e in examples_of(name) if "hosts" in e for t in e["tasks"]]
    assert [task for task in ran if task in names] == names, ran
    skipped = [r["task"] for r in outcome.results if r["status"] == "skipped" and r["task"] in names]
    assert skipped == [], f"examples that did not run: {skipped}"
    if name == "openai_thread_run":
        assert outcome.task("Ask on a new thread and stream the answer")["text"].startswith("You said: ")
        assert outcome.task("Offer a function on a new thread and force the model to call it")["tool_calls"]
    if name == "openai_thread_run_tool_outputs":
        answers = [
            m["content"][0]["text"]["value"]
            for t in foundry.store.messages.values()
            for m in t
            if m["role"] == "assistant"
        ]
        assert (
            sorted(answers) == ["MCP tool ran: docs.lookup"] + ["Tool outputs: Ticket 4711: disk full on backup01"] * 2
        )
        # The last example does not wait: its run goes on, with the call denied.
        denied = outcome.task("Deny one call by its ID")["tool_approvals_sent"]
        assert [(d["name"], d["approve"]) for d in denied] == [("lookup", False)]


# -- The guides ---------------------------------------------------------------


def yaml_blocks(path: str) -> list[str]:
    """The YAML code blocks of a Markdown or reStructuredText file, in order."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".md"):
        return re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)
    blocks = []
    for match in re.finditer(r"^\.\. code-block:: yaml\n\n((?:(?: {3,}.*)?\n)+)", text, re.M):
        blocks.append(textwrap.dedent(match.group(1)))
    return blocks


def runnable(block: Any) -> bool:
    """A list of plays, or a list of tasks: what ansible-playbook runs. Other
    blocks are configuration (a credential type, an event source, a
    module_defaults fragment)."""
    return isinstance(block, list) and bool(block) and all(isinstance(item, dict) for item in block)


def as_plays(block: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if all("hosts" in item for item in block):
        return block
    return [local_play(block)]


def guide_playbooks() -> list[tuple[str, int]]:
    found = []
    for path in GUIDES:
        for index, text in enumerate(yaml_blocks(path)):
            if runnable(yaml.safe_load(text)):
                found.append((path, index))
    return found


def test_the_guides_have_playbooks_to_run():
    found = guide_playbooks()
    # The getting-started guide, the AWX guide, the EDA guide, the README and the role's README each show some.
    assert {path for path, _index in found} >= {
        "README.md",
        "roles/assistant_run/README.md",
        "docs/docsite/rst/getting_started.rst",
        "docs/docsite/rst/awx.rst",
        "docs/docsite/rst/event_driven.rst",
    }, found


@pytest.fixture
def standin():
    with EntraStandin(lifetime=600, authority=True) as running:
        yield running


@pytest.mark.parametrize("path", sorted({path for path, _index in guide_playbooks()}))
def test_every_guide_playbook_runs_in_order(ansible, server, standin, path):
    plays = [as_plays(yaml.safe_load(text)) for text in yaml_blocks(path) if runnable(yaml.safe_load(text))]
    # What the reader has before following the guide: the help desk assistant, a
    # thread, and (for the EDA guide's event) a run waiting for a function's output.
    server.poll_after_ms = 0
    helpdesk = server.store.create_assistant({"model": "local-echo", "name": "helpdesk"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": QUESTION}]})
    other = server.store.create_thread({})
    reader = server.store.create_assistant({"model": "local-echo", "tools": [TICKET_FUNCTION]})
    asking = server.store.create_thread({"messages": [{"role": "user", "content": "Read ticket 4711"}]})
    waiting = server.store.create_run(asking["id"], {"assistant_id": reader["id"]})
    while waiting["status"] != "requires_action":
        server.store.advance(waiting)
    with AssistantsServer(mode="foundry", project="demo", token_check=standin.check, poll_after_ms=0) as foundry:
        foundry.store.create_assistant(
            {
                "model": "local",
                "name": "docs-helper",
                "tools": [dict(MCP_TOOL, server_label="learn", allowed_tools=["microsoft_docs_search"])],
            }
        )
        replacements = {base: server.api_base for base in EXAMPLE_BASES}
        replacements.update(
            thread_abc123=thread["id"], thread_def456=other["id"], asst_abc123=helpdesk["id"], foundry=foundry.api_base
        )
        extra = {
            "vault_assistants_key": API_KEY,
            "question": QUESTION,
            "survey_thread": thread["id"],
            "survey_assistant": helpdesk["id"],
            "survey_instructions": "",
            "survey_model": None,
            "function_outputs": {"get_ticket": "Ticket 4711: disk full on backup01"},
            "ansible_eda": {"event": {"openai_run": {k: v for k, v in waiting.items() if not k.startswith("_")}}},
        }
        everything = [play for block in plays for play in substituted(block, replacements)]
        outcome = ansible.run_plays(everything, "-e", json.dumps(extra), env=standin.environ())

    assert outcome.rc == 0, outcome.stdout[-4000:]
    results_of(outcome)
    documented = [task.get("name") for play in everything for task in play.get("tasks", [])]
    ran = {r["task"] for r in outcome.results}
    assert [name for name in documented if name not in ran] == [], outcome.stdout[-3000:]
    if any("roles" in play or "assistant_run" in json.dumps(play) for play in everything):
        answers = [r["result"] for r in outcome.results if r["task"].endswith("Set the answer")]
        assert answers and all(a["ansible_facts"]["assistant_run_answer"] for a in answers), answers
