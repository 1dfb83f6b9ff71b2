"""Foundry tool approvals: the shapes read from a run, the decisions made from
the options, and openai_thread_run_tool_outputs against the Foundry-mode server."""

from __future__ import annotations

import pytest
from assistants_server import AssistantsServer
from support import API_KEY

from ansible_collections.seed.openai.plugins.module_utils._errors import InvalidInput
from ansible_collections.seed.openai.plugins.module_utils._tasks._shape import (
    approvals_pending,
    function_calls,
    run_result,
)
from ansible_collections.seed.openai.plugins.module_utils._tasks.thread_run_tool_outputs import (
    approval_decisions,
    outputs_for_calls,
)
from ansible_collections.seed.openai.plugins.modules import (
    openai_thread_run_info,
    openai_thread_run_tool_outputs,
)

MCP_DOCS = {"type": "mcp", "server_label": "docs", "server_url": "https://example.com/mcp", "allowed_tools": ["lookup"]}
MCP_REPO = {"type": "mcp", "server_label": "repo", "server_url": "https://example.com/git", "allowed_tools": ["push"]}


def approval_run(*calls: dict) -> dict:
    return {
        "id": "run_1",
        "object": "thread.run",
        "thread_id": "thread_1",
        "status": "requires_action",
        "required_action": {"type": "submit_tool_approval", "submit_tool_approval": {"tool_calls": list(calls)}},
    }


LOOKUP = {"id": "call_a", "type": "mcp", "name": "lookup", "arguments": '{"q": "keys"}', "server_label": "docs"}
PUSH = {"id": "call_b", "type": "mcp", "name": "push", "arguments": "{}", "server_label": "repo"}
FUNCTION_RUN = {
    "id": "run_2",
    "object": "thread.run",
    "thread_id": "thread_1",
    "status": "requires_action",
    "required_action": {
        "type": "submit_tool_outputs",
        "submit_tool_outputs": {
            "tool_calls": [
                {"id": "call_f", "type": "function", "function": {"name": "get_ticket", "arguments": "{}"}},
                {"id": "call_c", "type": "computer_use_preview", "computer_use_preview": {"action": {}}},
                "junk",
                {"id": "call_x", "type": "function", "function": "not a dict"},
            ]
        },
    },
}


def decide(run: dict, **params) -> dict[str, bool]:
    return {d["tool_call_id"]: d["approve"] for d in approval_decisions(run, params)}


# -- what a run waits for ------------------------------------------------------------


def test_pending_approvals_are_listed_with_name_label_and_arguments():
    assert approvals_pending(approval_run(LOOKUP)) == [
        {"id": "call_a", "name": "lookup", "server_label": "docs", "arguments": '{"q": "keys"}'}
    ]


@pytest.mark.parametrize(
    "required_action",
    [None, "x", {"submit_tool_approval": None}, {"submit_tool_approval": {"tool_calls": "x"}}],
)
def test_pending_approvals_tolerate_wrong_shapes(required_action):
    run = dict(approval_run(), required_action=required_action)
    assert approvals_pending(run) == []
    assert function_calls(run) == []


def test_odd_approval_items_are_dropped_or_blanked():
    run = approval_run(1, {"name": "no id"}, {"id": "call_z", "name": ["x"], "server_label": None, "arguments": {}})
    assert approvals_pending(run) == [{"id": "call_z", "name": "", "server_label": "", "arguments": ""}]


def test_tool_calls_list_only_well_formed_function_calls():
    assert [c["id"] for c in function_calls(FUNCTION_RUN)] == ["call_f"]


def test_run_result_gives_both_lists_while_the_run_waits():
    waiting = run_result(approval_run(LOOKUP), changed=False)
    assert waiting["tool_calls"] == [] and [c["id"] for c in waiting["tool_approvals_pending"]] == ["call_a"]
    functions = run_result(FUNCTION_RUN, changed=False)
    assert functions["tool_approvals_pending"] == [] and len(functions["tool_calls"]) == 1
    done = run_result(dict(FUNCTION_RUN, status="completed"), changed=False)
    assert "tool_calls" not in done and "tool_approvals_pending" not in done


# -- deciding ---------------------------------------------------------------------------


def test_by_tool_name_or_label_and_name():
    run = approval_run(LOOKUP, PUSH)
    assert decide(run, approve_tools=["lookup"], deny_tools=["repo.push"]) == {"call_a": True, "call_b": False}


def test_all_approves_every_call_not_denied_by_name():
    run = approval_run(LOOKUP, PUSH)
    assert decide(run, approve_tools=["all"], deny_tools=["push"]) == {"call_a": True, "call_b": False}
    assert decide(run, deny_tools=["all"], approve_tools=["lookup"]) == {"call_a": True, "call_b": False}


def test_a_decision_by_id_beats_one_by_name():
    run = approval_run(LOOKUP, PUSH)
    decided = decide(run, approve_tools=["all"], tool_approvals=[{"tool_call_id": "call_b", "approve": "no"}])
    assert decided == {"call_a": True, "call_b": False}


def test_an_undecided_call_is_refused_by_name_in_one_line():
    with pytest.raises(InvalidInput) as caught:
        approval_decisions(approval_run(LOOKUP, PUSH), {"approve_tools": ["lookup"]})
    assert str(caught.value) == (
        "the run waits for approval of repo.push (call_b); "
        "approve or deny each with approve_tools, deny_tools or tool_approvals"
    )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"approve_tools": ["lookup"], "deny_tools": ["lookup"]}, "lookup is in both approve_tools and deny_tools"),
        ({"approve_tools": ["all"], "deny_tools": ["all"]}, "approve_tools and deny_tools are both all"),
        ({"tool_approvals": [{"tool_call_id": "call_old", "approve": True}]}, "tool_approvals names call_old"),
        ({"tool_approvals": [{"tool_call_id": "call_a"}]}, "tool_approvals[0] needs a tool_call_id and approve"),
        ({"tool_approvals": [{"tool_call_id": "call_a", "approve": "maybe"}]}, "tool_approvals[0] needs"),
    ],
)
def test_contradictions_and_unknown_calls_are_refused(params, message):
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        approval_decisions(approval_run(LOOKUP), params)


def test_approvals_for_a_run_that_waits_for_function_calls_say_what_it_waits_for():
    with pytest.raises(InvalidInput) as caught:
        approval_decisions(FUNCTION_RUN, {"approve_tools": ["all"]})
    assert str(caught.value).startswith("the run is requires_action and waits for function calls (get_ticket)")


def test_outputs_for_a_run_that_waits_for_approvals_point_to_the_approval_options():
    with pytest.raises(InvalidInput) as caught:
        outputs_for_calls(approval_run(LOOKUP), {"lookup": "x"})
    assert str(caught.value) == (
        "the run waits for tool approvals (docs.lookup (call_a)), not tool outputs; "
        "answer them with approve_tools, deny_tools or tool_approvals"
    )


def test_outputs_by_function_cannot_answer_a_call_that_is_not_a_function():
    with pytest.raises(InvalidInput, match="computer_use_preview call call_c, which outputs_by_function cannot"):
        outputs_for_calls(FUNCTION_RUN, {"get_ticket": "x"})


# -- the module against the Foundry-mode server -----------------------------------------------


@pytest.fixture
def foundry():
    with AssistantsServer(api_key=API_KEY, mode="foundry", project="demo") as running:
        yield running


@pytest.fixture
def conn(foundry):
    # No api_version: a Foundry project endpoint gets v1.
    return {"api_base": foundry.api_base, "api_key": API_KEY, "poll_interval": 0.01}


@pytest.fixture
def waiting(foundry):
    assistant = foundry.store.create_assistant({"model": "m", "tools": [MCP_DOCS, MCP_REPO]})
    thread = foundry.store.create_thread({"messages": [{"role": "user", "content": "Push the docs"}]})
    run = foundry.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    while run["status"] != "requires_action":
        foundry.store.advance(run)
    return run


def posts(server):
    return [r for r in server.requests if r["method"] == "POST"]


def test_run_info_lists_the_pending_approvals(run_module, conn, waiting):
    result = run_module(openai_thread_run_info.main, dict(conn, run=waiting))
    assert result["tool_calls"] == []
    assert [(c["server_label"], c["name"]) for c in result["tool_approvals_pending"]] == [
        ("docs", "lookup"),
        ("repo", "push"),
    ]


def test_approve_and_deny_by_name_and_wait_for_the_answer(run_module, foundry, conn, waiting):
    result = run_module(
        openai_thread_run_tool_outputs.main,
        dict(conn, run=waiting, approve_tools=["lookup"], deny_tools=["push"], wait=True),
    )
    assert not result.failed, result.get("msg")
    assert result["run"]["status"] == "completed"
    assert [(d["name"], d["approve"]) for d in result["tool_approvals_sent"]] == [("lookup", True), ("push", False)]
    [sent] = posts(foundry)
    assert sent["path"].endswith("/submit_tool_outputs") and sent["query"] == {"api-version": "v1"}
    assert sent["body"] == {
        "tool_approvals": [
            {"tool_call_id": d["tool_call_id"], "approve": d["approve"]} for d in result["tool_approvals_sent"]
        ]
    }
    thread_id = waiting["thread_id"]
    answer = foundry.store.messages[thread_id][-1]["content"][0]["text"]["value"]
    assert answer == "MCP tool ran: docs.lookup"


def test_an_undecided_call_sends_nothing(run_module, foundry, conn, waiting):
    result = run_module(openai_thread_run_tool_outputs.main, dict(conn, run=waiting, approve_tools=["lookup"]))
    assert result.failed
    assert "approval of repo.push (call_" in result["msg"] and "\n" not in result["msg"]
    assert posts(foundry) == []


def test_check_mode_describes_the_approvals_and_sends_nothing(run_module, foundry, conn, waiting):
    result = run_module(
        openai_thread_run_tool_outputs.main,
        dict(conn, run=waiting, approve_tools="all", _ansible_check_mode=True),
    )
    assert result["changed"] is True
    assert [d["approve"] for d in result["tool_approvals_sent"]] == [True, True]
    assert result["request"]["body"]["tool_approvals"][0]["approve"] is True
    assert posts(foundry) == []


def test_outputs_and_approvals_together_are_refused_before_anything_is_sent(run_module, foundry, conn, waiting):
    result = run_module(
        openai_thread_run_tool_outputs.main,
        dict(conn, run=waiting, outputs_by_function={"f": "1"}, approve_tools=["all"]),
    )
    assert result["msg"].startswith("outputs_by_function and approve_tools answer different requests")
    assert foundry.requests == []


def test_an_approval_without_approve_is_refused_by_the_argument_spec(run_module, foundry, conn, waiting):
    result = run_module(
        openai_thread_run_tool_outputs.main, dict(conn, run=waiting, tool_approvals=[{"tool_call_id": "call_1"}])
    )
    assert result.failed and "approve" in result["msg"]
    assert foundry.requests == []
