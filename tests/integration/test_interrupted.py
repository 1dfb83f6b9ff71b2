"""A playbook stopped by Ctrl-C or SIGTERM while a task waits on the run it
started: ansible-core no longer reads the task's result then, so in-process the
task leaves one line on standard error naming what it made and its creation
marker. In module mode that is a documented limit (docs/reliability.md)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from assistants_server import AssistantsServer
from support import API_KEY, assert_answers_match_contract

from ansible_collections.seed.openai.plugins.module_utils._once import MARKER_KEY

TRACE = "interrupted after it made or changed"


@pytest.fixture
def server():
    """A server whose runs stay queued: the task is still waiting when stopped."""
    with AssistantsServer(api_key=API_KEY, advance_on_poll=False) as running:
        yield running
        assert_answers_match_contract(running)


def wait_for(condition, what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def polls(server) -> int:
    return sum(1 for record in server.requests if record["method"] == "GET" and "/runs/" in record["path"])


def stop(process, how: str) -> None:
    if how == "ctrl_c":  # what a terminal sends: SIGINT to the foreground process group
        os.killpg(process.pid, signal.SIGINT)
    else:  # kill <pid>
        process.send_signal(signal.SIGTERM)


def read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.modes_may_differ  # stopped playbooks record no results to compare
@pytest.mark.parametrize(
    ("how", "new_thread"), [("ctrl_c", False), ("sigterm", False), ("ctrl_c", True), ("sigterm", True)]
)
def test_a_stopped_playbook_names_the_run_its_task_started(ansible, server, tmp_path, how, new_thread):
    assistant = server.store.create_assistant({"model": "local-echo"})
    task = {"assistant": assistant["id"], "wait": True, "wait_timeout": 30, "poll_interval": 0.2}
    if new_thread:
        task["thread_message"] = "What is 6 x 7?"
    else:
        task["thread"] = server.store.create_thread({})["id"]
    output = str(tmp_path / "playbook")
    process = ansible.start_playbook([{"name": "Start", "seed.openai.openai_thread_run": task}], output=output)
    try:
        wait_for(lambda: polls(server) >= 2, "the task to wait on its run")
        stop(process, how)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    (run,) = server.store.all_runs()
    marker = run["metadata"][MARKER_KEY]

    assert process.returncode != 0
    if ansible.mode == "in_process":
        # The worker may write just after ansible-playbook itself ended (a SIGTERM on ansible-core 2.16).
        wait_for(lambda: TRACE in read(f"{output}.err"), "the trace on standard error", limit=15)
        (line,) = [line for line in read(f"{output}.err").splitlines() if TRACE in line]
        assert line.startswith("seed.openai.openai_thread_run: ")
        assert f"run {run['id']} on thread {run['thread_id']}" in line
        assert f"creation marker {marker}" in line
    else:
        assert TRACE not in read(f"{output}.err")  # the documented limit of module mode
    assert API_KEY not in read(f"{output}.err") + read(f"{output}.out")
