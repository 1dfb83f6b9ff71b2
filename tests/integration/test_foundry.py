"""Azure AI Foundry Agent Service through ansible-playbook: Entra ID sign-in with the
real azure-identity against the local stand-in, the server in Foundry mode, and
MCP tool approvals. Every request must carry api-version=v1 (never set by the
playbooks) and a token that is valid when the server reads it."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from typing import Any, Optional

import pytest
from assistants_server import AssistantsServer
from conftest import ROOT, WRITTEN_PLAYBOOKS
from entra_standin import EntraStandin

GUIDE_PLAYBOOK = os.path.join(ROOT, "docs", "docsite", "rst", "examples", "foundry.yml")
SECRET = "Wr0ng~secret.value_for-test"
GOOD_SECRET = "the-right-secret-1234567890"
TENANT = "72f988bf-0000-4000-8000-0000000000aa"
CLIENT = "0d3c7a51-0000-4000-8000-0000000000bb"
MCP_DOCS = {"type": "mcp", "server_label": "docs", "server_url": "https://example.com/mcp", "allowed_tools": ["lookup"]}


class TokenLog:
    """The stand-in's verdict on every token the server read, at the moment it read it."""

    def __init__(self, standin: EntraStandin) -> None:
        self.standin = standin
        self.verdicts: list[tuple[str, Optional[str]]] = []
        self._lock = threading.Lock()

    def __call__(self, token: str) -> Optional[str]:
        reason = self.standin.check(token)
        with self._lock:
            self.verdicts.append((token, reason))
        return reason


@pytest.fixture
def standin():
    with EntraStandin(lifetime=600, authority=True) as running:
        yield running


@pytest.fixture
def tokens(standin) -> TokenLog:
    return TokenLog(standin)


@pytest.fixture
def server(tokens):
    """The `ansible` fixture's server, here in Foundry mode; paced at 0.2 s a poll."""
    with AssistantsServer(mode="foundry", project="demo", token_check=tokens, poll_after_ms=200) as running:
        yield running
        running.wait_idle()
        versions = {r["query"].get("api-version") for r in running.requests}
        assert versions <= {"v1"}, f"requests without api-version v1: {versions}"
        refused = [reason for _token, reason in tokens.verdicts if reason is not None]
        assert refused == [], f"the server was sent tokens that were {refused}"


def entra_play(**defaults: Any) -> dict[str, Any]:
    return {"module_defaults": {"group/seed.openai.openai": dict(auth_type="entra", **defaults)}}


def managed_identity(standin: EntraStandin) -> dict[str, str]:
    """The App Service managed identity variables, pointing at the stand-in."""
    return standin.environ()


def answer(server: AssistantsServer, thread_id: str) -> str:
    return server.store.messages[thread_id][-1]["content"][0]["text"]["value"]


def test_the_guide_playbook_runs_with_managed_identity(ansible, server, standin, tmp_path):
    playbook = tmp_path / "foundry.yml"
    shutil.copy(GUIDE_PLAYBOOK, playbook)
    WRITTEN_PLAYBOOKS.append(str(playbook))
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        "-i",
        "localhost,",
        str(playbook),
        "-e",
        f"foundry_endpoint={server.api_base}",
        "-e",
        "foundry_model=local",
    ]
    outcome = ansible._run(command, ansible.env(False, managed_identity(standin)))

    assert outcome.rc == 0, outcome.stdout + outcome.stderr
    (assistant,) = server.store.assistants.values()
    assert assistant["tools"] == [
        {
            "type": "mcp",
            "server_label": "learn",
            "server_url": "https://learn.microsoft.com/api/mcp",
            "allowed_tools": ["microsoft_docs_search"],
        }
    ]
    assert outcome.task("Run the agent and wait until it answers or asks for approval")["tool_calls"] == []
    approved = outcome.task("Approve the documentation search, deny any other tool, and wait for the answer")
    assert [(d["name"], d["approve"]) for d in approved["tool_approvals_sent"]] == [("microsoft_docs_search", True)]
    assert outcome.task("Read the answer")["latest_answer"] == "MCP tool ran: learn.microsoft_docs_search"
    assert "MCP tool ran: learn.microsoft_docs_search" in outcome.task("Show the role's answer")["assistant_run_answer"]
    (thread_id,) = server.store.messages
    assert [m["role"] for m in server.store.messages[thread_id]] == ["user", "assistant", "user", "assistant"]
    assert {issue.flow for issue in standin.issued} == {"app_service"}
    assert len(server.requests) >= 10


def test_a_token_that_expires_during_the_wait_is_renewed(ansible, server, standin, tokens):
    standin.lifetime = 3  # renewed with 1.5 s left, at the latest
    assistant = server.store.create_assistant({"model": "m"})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "Slow, please"}]})
    advance = server.store.advance
    polls = {"n": 0}

    def every_twelfth_poll(run: dict[str, Any]) -> None:
        # A slow run: it moves on once in twelve polls, so the wait spans some 5 s of 0.2 s polls.
        polls["n"] += 1
        if polls["n"] % 12 == 0:
            advance(run)

    server.store.advance = every_twelfth_poll  # type: ignore[method-assign]
    outcome = ansible.playbook(
        [
            {
                "name": "Run",
                "register": "r",
                "seed.openai.openai_thread_run": {"thread": thread["id"], "assistant": assistant["id"], "wait": True},
            }
        ],
        connection=False,
        env=managed_identity(standin),
        play=entra_play(api_base=server.api_base),
    )

    assert outcome.rc == 0, outcome.stdout
    assert outcome.task("Run")["run"]["status"] == "completed"
    polled = [r for r in server.requests if r["method"] == "GET" and "/runs/" in r["path"]]
    assert len(polled) >= 24
    assert polled[-1]["time"] - polled[0]["time"] > standin.lifetime
    assert len({r["headers"]["authorization"] for r in polled}) >= 2, "the token was never renewed"
    assert len(standin.issued) >= 2
    assert all(reason is None for _token, reason in tokens.verdicts)


def test_a_token_given_directly_is_sent_as_it_is(ansible, server, standin):
    given = standin.mint.issue("app_service", "https://ai.azure.com", "pipeline", 600).token
    outcome = ansible.playbook(
        [{"name": "Thread", "register": "t", "seed.openai.openai_thread": {"metadata": {"via": "token"}}}],
        connection=False,
        env={"FOUNDRY_TOKEN": given},
        play=entra_play(api_base=server.api_base, entra_token="{{ lookup('ansible.builtin.env', 'FOUNDRY_TOKEN') }}"),
    )

    assert outcome.rc == 0, outcome.stdout
    assert [r["headers"]["authorization"] for r in server.requests] == [f"Bearer {given}"]
    assert standin.requests == []
    assert given not in outcome.stdout + outcome.stderr + str(outcome.results)


def test_a_wrong_secret_or_tenant_fails_in_one_line_without_the_secret(ansible, server, standin):
    standin.add_app(TENANT, CLIENT, GOOD_SECRET)
    standin.leaky_errors = True  # the stand-in quotes the wrong secret back: it must go no further
    signed_in = {
        "AZURE_CLIENT_ID": CLIENT,
        "AZURE_AUTHORITY_HOST": standin.authority_host,
        "REQUESTS_CA_BUNDLE": standin.ca_bundle,
    }
    # The secrets reach the tasks as a credential would: from the controller's environment, not the playbook.
    secret_from = "{{ lookup('ansible.builtin.env', '%s') }}"
    wrong_secret = dict(signed_in, AZURE_SECRET=secret_from % "WRONG_SECRET", AZURE_TENANT=TENANT)
    wrong_tenant = dict(signed_in, AZURE_SECRET=secret_from % "GOOD_SECRET", AZURE_TENANT=f"{TENANT[:-4]}dead")
    task = {"seed.openai.openai_thread": {}, "failed_when": False}
    outcome = ansible.playbook(
        [
            dict(task, name="Wrong secret", environment=wrong_secret),
            dict(task, name="Wrong tenant", environment=wrong_tenant),
        ],
        connection=False,
        env={"WRONG_SECRET": SECRET, "GOOD_SECRET": GOOD_SECRET},
        play=entra_play(api_base=server.api_base),
    )

    secret_message = outcome.task("Wrong secret")["msg"]
    tenant_message = outcome.task("Wrong tenant")["msg"]
    for message in (secret_message, tenant_message):
        assert message.startswith("Entra sign-in with environment (service principal) failed")
        assert "\n" not in message and "\r" not in message
    assert "AADSTS7000215: Invalid client secret provided" in secret_message
    assert "double check your tenant name or GUID" in tenant_message
    everything = outcome.stdout + outcome.stderr + str(outcome.results)
    assert SECRET not in everything and GOOD_SECRET not in everything
    assert server.requests == [] and standin.issued == []


def test_missing_azure_identity_is_one_line(ansible, server, standin, tmp_path):
    blocker = tmp_path / "no_azure"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n\n\n"
        "class NoAzure:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'azure' or name.startswith('azure.'):\n"
        "            raise ImportError(\"No module named 'azure'\")\n\n\n"
        "sys.meta_path.insert(0, NoAzure())\n"
    )
    outcome = ansible.playbook(
        [{"name": "Thread", "seed.openai.openai_thread": {}}],
        connection=False,
        env=dict(managed_identity(standin), PYTHONPATH=str(blocker)),
        play=entra_play(api_base=server.api_base),
    )

    assert outcome.rc != 0
    message = outcome.task("Thread")["msg"]
    assert message.startswith("auth_type entra needs the Python library azure-identity")
    assert message.endswith("install it on the host that runs the module: pip install azure-identity")
    assert "\n" not in message
    assert server.requests == [] and standin.requests == []


def test_tool_approvals_end_to_end(ansible, server, standin):
    repo = {"type": "mcp", "server_label": "repo", "server_url": "https://example.com/git", "allowed_tools": ["push"]}
    assistant = server.store.create_assistant({"model": "m", "tools": [MCP_DOCS, repo]})

    def run_tasks(thread_id: str) -> list[dict[str, Any]]:
        return [
            {
                "name": "Run",
                "register": "r",
                "seed.openai.openai_thread_run": {"thread": thread_id, "assistant": assistant["id"], "wait": True},
            },
            {
                "name": "Undecided",
                "seed.openai.openai_thread_run_tool_outputs": {"run": "{{ r.run }}", "approve_tools": ["lookup"]},
                "failed_when": False,
            },
            {
                "name": "Decide",
                "register": "d",
                "seed.openai.openai_thread_run_tool_outputs": {
                    "run": "{{ r.run }}",
                    "approve_tools": "all",
                    "tool_approvals": [
                        {"tool_call_id": "{{ (r.tool_approvals_pending | last).id }}", "approve": False}
                    ],
                    "wait": True,
                },
            },
        ]

    thread = server.store.create_thread({"messages": [{"role": "user", "content": "Publish the docs"}]})
    outcome = ansible.playbook(
        run_tasks(thread["id"]),
        connection=False,
        env=managed_identity(standin),
        play=entra_play(api_base=server.api_base),
    )

    assert outcome.rc == 0, outcome.stdout
    pending = outcome.task("Run")["tool_approvals_pending"]
    assert [(c["server_label"], c["name"], c["arguments"]) for c in pending] == [
        ("docs", "lookup", "{}"),
        ("repo", "push", "{}"),
    ]
    undecided = outcome.task("Undecided")["msg"]
    assert undecided == (
        f"the run waits for approval of repo.push ({pending[1]['id']}); "
        "approve or deny each with approve_tools, deny_tools or tool_approvals"
    )
    decided = outcome.task("Decide")
    assert [(d["name"], d["approve"]) for d in decided["tool_approvals_sent"]] == [("lookup", True), ("push", False)]
    assert decided["run"]["status"] == "completed"
    assert answer(server, thread["id"]) == "MCP tool ran: docs.lookup"
    submissions = [r["body"] for r in server.requests if r["path"].endswith("/submit_tool_outputs")]
    assert submissions == [
        {
            "tool_approvals": [
                {"tool_call_id": pending[0]["id"], "approve": True},
                {"tool_call_id": pending[1]["id"], "approve": False},
            ]
        }
    ]


def test_the_role_stops_at_an_approval_it_has_no_decision_for(ansible, server, standin):
    assistant = server.store.create_assistant({"model": "m", "tools": [MCP_DOCS]})
    role = {
        "name": "Role",
        "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"},
        "vars": {
            "assistant_run_assistant": assistant["id"],
            "assistant_run_message": "Look it up",
            "assistant_run_tool_approvals": {"other_tool": True},
        },
    }
    facts = {
        "name": "Facts",
        "ansible.builtin.set_fact": {
            "status": "{{ assistant_run_run.status }}",
            "pending": "{{ assistant_run_pending_approvals | map(attribute='name') | list }}",
        },
    }
    outcome = ansible.playbook(
        [role, facts], connection=False, env=managed_identity(standin), play=entra_play(api_base=server.api_base)
    )

    assert outcome.rc == 0, outcome.stdout
    assert outcome.task("Facts")["ansible_facts"] == {"status": "requires_action", "pending": ["lookup"]}
    assert "waits for approval of tool docs.lookup" in outcome.stdout
    assert not any(r["path"].endswith("/submit_tool_outputs") for r in server.requests)


def test_the_role_in_check_mode_sets_both_facts(ansible, server, standin):
    assistant = server.store.create_assistant({"model": "m", "tools": [MCP_DOCS]})
    outcome = ansible.playbook(
        [
            {
                "name": "Role",
                "ansible.builtin.include_role": {"name": "seed.openai.assistant_run"},
                "vars": {"assistant_run_assistant": assistant["id"], "assistant_run_message": "Hello"},
            },
            {
                "name": "Facts",
                "ansible.builtin.set_fact": {
                    "answer": "{{ assistant_run_answer }}",
                    "run_is_a_dict": "{{ assistant_run_run is mapping }}",
                },
            },
        ],
        "--check",
        connection=False,
        env=managed_identity(standin),
        play=entra_play(api_base=server.api_base),
    )

    assert outcome.rc == 0, outcome.stdout
    facts = outcome.task("Facts")["ansible_facts"]
    assert facts["answer"] == "(check mode: no answer)"
    assert facts["run_is_a_dict"] is True
    assert [r for r in server.requests if r["method"] != "GET"] == []
    assert server.store.threads == {} or len(server.store.threads) == 0


def test_foundry_tool_types_pass_through_unchanged(ansible, server, standin):
    tools = [
        {"type": "bing_grounding", "bing_grounding": {"search_configurations": [{"connection_id": "conn-1"}]}},
        {"type": "azure_ai_search", "azure_ai_search": {"indexes": [{"index_connection_id": "c", "index_name": "i"}]}},
        {"type": "connected_agent", "connected_agent": {"id": "asst_other", "name": "helper", "description": "d"}},
        MCP_DOCS,
    ]
    agent = {
        "name": "Agent",
        "register": "a",
        "seed.openai.openai_assistant": {"name": "foundry", "model": "m", "tools": tools},
    }
    outcome = ansible.playbook(
        [
            agent,
            dict(agent, name="Again"),
            {"name": "Thread", "register": "t", "seed.openai.openai_thread": {}},
            {
                "name": "Run with tools",
                "register": "r",
                "seed.openai.openai_thread_run": {
                    "thread": "{{ t.thread }}",
                    "assistant": "{{ a.assistant }}",
                    "tools": tools[:2],
                    "thread_message": "Search",
                },
            },
        ],
        connection=False,
        env=managed_identity(standin),
        play=entra_play(api_base=server.api_base),
    )

    assert outcome.rc == 0, outcome.stdout
    assert outcome.task("Agent")["_status"] == "changed" and outcome.task("Again")["_status"] == "ok"
    (stored,) = server.store.assistants.values()
    assert stored["tools"] == tools
    created = next(r for r in server.requests if r["method"] == "POST" and r["path"].endswith("/runs"))
    assert created["body"]["tools"] == tools[:2]
    assert outcome.task("Run with tools")["run"]["tools"] == tools[:2]
