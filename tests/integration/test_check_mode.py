"""Whole playbooks in check mode, as an AWX "Check" job runs them, and
second runs of tasks that describe a state."""

from __future__ import annotations

import os

from conftest import BIN, ROOT

DEMO = os.path.join(ROOT, "playbooks", "demo.yml")


def run_demo(ansible, *args):
    return ansible._run([os.path.join(BIN, "ansible-playbook"), DEMO, *args], ansible.env(True, None))


def changes(server):
    return [(r["method"], r["path"]) for r in server.requests if r["method"] != "GET"]


def test_the_demo_passes_in_check_mode_and_changes_nothing(ansible, server):
    outcome = run_demo(ansible, "--check")

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert changes(server) == []
    assert server.store.threads == {} and server.store.all_runs() == []
    # The role set its facts, and the run fact exists, so the demo's last tasks could read them.
    shown = outcome.task("Show the role's answer")
    assert "check mode" in str(shown.get("msg"))


def test_a_second_demo_run_leaves_the_assistant_unchanged(ansible, server):
    first = run_demo(ansible)
    second = run_demo(ansible)

    assert first.rc == 0 and second.rc == 0, second.stdout[-3000:]
    assert first.task("Have the demo assistant")["changed"] is True
    assert second.task("Have the demo assistant")["changed"] is False
    assert len([a for a in server.store.assistants.values() if a["name"] == "seed-openai-demo"]) == 1
