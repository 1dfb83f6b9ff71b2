"""Where the modules execute: in-process on the controller only where that is
the same as running the module on localhost, as modules everywhere else."""

from __future__ import annotations

import os
import sys

from conftest import MODES

HERE = os.path.dirname(os.path.abspath(__file__))
ANSIBALLZ = "AnsiballZ_openai_thread_run"


def start(thread, assistant, **extra):
    task = {"seed.openai.openai_thread_run": {"thread": thread, "assistant": assistant}, "register": "started"}
    return dict({"name": "Start"}, **task, **extra)


def ran_as_module(outcome) -> bool:
    return ANSIBALLZ in outcome.stdout


def test_a_local_task_runs_in_process_unless_switched_off(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook([start(thread["id"], assistant["id"])], "-vvv")

    assert outcome.rc == 0, outcome.stdout[-2000:]
    assert ran_as_module(outcome) == (ansible.mode == "module")
    assert outcome.task("Start")["run"]["status"] == "queued"


def test_a_loop_shares_one_connection_in_process(ansible, server, objects):
    assistant, _thread = objects
    threads = [server.store.create_thread({})["id"] for _index in range(5)]
    task = dict(start("{{ item }}", assistant["id"]), loop=threads)
    outcome = ansible.playbook([task])

    assert outcome.rc == 0, outcome.stdout[-2000:]
    assert len(server.store.all_runs()) == 5
    connections = {record["peer"] for record in server.requests}
    assert len(connections) == (1 if ansible.mode == "in_process" else 5)


def test_async_and_become_run_as_modules(ansible, server, objects):
    assistant, thread = objects
    other = server.store.create_thread({})
    tasks = [
        dict(start(thread["id"], assistant["id"], async_=None), name="Async", **{"async": 60, "poll": 1}),
        dict(start(other["id"], assistant["id"]), name="Become", become=True, become_method="ansible.builtin.su"),
    ]
    for task in tasks:
        task.pop("async_", None)
    outcome = ansible.playbook(tasks, "-vvv")

    assert outcome.rc == 0, outcome.stdout[-3000:]
    assert outcome.stdout.count(ANSIBALLZ) >= 2
    assert len(server.store.all_runs()) == 2


def test_a_remote_connection_runs_the_module_on_the_host(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [start(thread["id"], assistant["id"])],
        "-vvv",
        env={"ANSIBLE_CONNECTION_PLUGINS": os.path.join(HERE, "connection_plugins")},
        play={"connection": "local_elsewhere"},
    )

    assert outcome.rc == 0, outcome.stdout[-2000:]
    assert ran_as_module(outcome)
    assert outcome.task("Start")["run"]["thread_id"] == thread["id"]


def test_without_requests_on_the_controller_the_module_runs_on_the_host(ansible, server, objects, tmp_path):
    assistant, thread = objects
    # The controller cannot import requests; the host's interpreter (a wrapper
    # that drops the block) can.
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "sitecustomize.py").write_text("import sys\nsys.modules['requests'] = None\n")
    interpreter = tmp_path / "python"
    interpreter.write_text(f'#!/bin/sh\nunset PYTHONPATH\nexec {sys.executable} "$@"\n')
    interpreter.chmod(0o755)
    outcome = ansible.playbook(
        [start(thread["id"], assistant["id"])],
        "-vvv",
        env={"PYTHONPATH": str(blocked), "ANSIBLE_PYTHON_INTERPRETER": str(interpreter)},
    )

    assert outcome.rc == 0, outcome.stdout[-2000:]
    assert ran_as_module(outcome)


def test_both_modes_are_tested():
    assert MODES == ("in_process", "module")
