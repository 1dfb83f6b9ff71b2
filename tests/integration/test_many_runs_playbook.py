"""The guide's pattern for many runs: a loop that starts runs without
waiting, then one task that waits for them all, on both wire APIs."""

from __future__ import annotations

import os

import pytest
from conftest import BIN, ROOT


@pytest.mark.parametrize("api", ["assistants", "responses"])
def test_the_guides_many_runs_playbook_runs_as_written(ansible, server, api):
    server.routes.run_seconds = 0.5
    example = os.path.join(ROOT, "docs", "docsite", "rst", "examples", "many_runs.yml")
    outcome = ansible._run([os.path.join(BIN, "ansible-playbook"), example], ansible.env(True, {"OPENAI_API": api}))

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert outcome.task("Show them")["msg"] == {
        ticket: f"You said: Classify ticket {ticket}" for ticket in ("INC-101", "INC-102", "INC-103")
    }
    assert [run["status"] for run in outcome.task("Wait for them all at once")["runs"]] == ["completed"] * 3
