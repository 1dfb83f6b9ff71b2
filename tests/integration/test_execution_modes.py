"""Where the modules execute: in-process on the controller only where that is
the same as running the module on localhost, as modules everywhere else."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
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
        # A var: the implicit localhost's own ansible_connection beats the play's keyword.
        play={"vars": {"ansible_connection": "local_elsewhere"}},
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
        env={"PYTHONPATH": str(blocked)},
        play={"vars": {"ansible_python_interpreter": str(interpreter)}},
    )

    assert outcome.rc == 0, outcome.stdout[-2000:]
    assert ran_as_module(outcome)
    if ansible.mode == "in_process":
        assert "runs as a module: requests is not installed on the controller" in outcome.stdout


@pytest.fixture(scope="module")
def python_without_requests(tmp_path_factory) -> str:
    """Another Python: a venv of the controller's own interpreter, without its
    packages. Its python is a symlink to the same file as the controller's venv
    python, so only the venv, not the file, tells the two apart."""
    venv = tmp_path_factory.mktemp("python-without-requests")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    assert os.path.realpath(python) == os.path.realpath(sys.executable)
    assert subprocess.run([python, "-c", "import requests"], capture_output=True, check=False).returncode != 0
    return python


def interpreter_set_in(where: str, python: str, tmp_path) -> dict:
    """playbook() keyword arguments that set ansible_python_interpreter to `python` in `where`."""
    if where == "play":
        return {"play": {"vars": {"ansible_python_interpreter": python}}}
    if where == "task":
        return {"task_vars": {"ansible_python_interpreter": python}}
    inventory = tmp_path / "own-inventory.ini"
    if where == "inventory":
        inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={python}\n")
        return {"args": ("-i", str(inventory))}
    # ANSIBLE_PYTHON_INTERPRETER (interpreter_python) applies to hosts whose inventory does not set it.
    inventory.write_text("localhost ansible_connection=local\n")
    return {"env": {"ANSIBLE_INVENTORY": str(inventory), "ANSIBLE_PYTHON_INTERPRETER": python}}


@pytest.mark.parametrize("where", ["inventory", "play", "task", "environment"])
def test_another_python_as_the_interpreter_runs_the_module_with_it(
    ansible, server, objects, python_without_requests, tmp_path, where
):
    assistant, thread = objects
    how = interpreter_set_in(where, python_without_requests, tmp_path)
    task = dict(start(thread["id"], assistant["id"]), ignore_errors=True, vars=how.get("task_vars", {}))
    if not task["vars"]:
        del task["vars"]
    outcome = ansible.playbook([task], "-vvv", *how.get("args", ()), env=how.get("env"), play=how.get("play"))

    result = outcome.task("Start")
    assert result["_status"] == "failed", result
    assert "Failed to import the required Python library (requests)" in result["msg"]
    assert python_without_requests in result["msg"]
    assert ran_as_module(outcome)
    assert server.store.all_runs() == []


@pytest.mark.parametrize("spelling", ["{{ ansible_playbook_python }}", "same venv, other name", "unnormalised path"])
def test_the_controllers_python_by_any_spelling_stays_in_process(ansible, server, objects, spelling):
    assistant, thread = objects
    controller = os.path.join(os.path.dirname(sys.executable), "python")
    python = {
        "same venv, other name": f"{controller}{sys.version_info.major}.{sys.version_info.minor}",
        "unnormalised path": os.path.join(os.path.dirname(sys.executable), "..", "bin", "python"),
    }.get(spelling, spelling)
    outcome = ansible.playbook(
        [start(thread["id"], assistant["id"])], "-vvv", play={"vars": {"ansible_python_interpreter": python}}
    )

    assert outcome.rc == 0, outcome.stdout[-2000:]
    assert ran_as_module(outcome) == (ansible.mode == "module")
    assert outcome.task("Start")["run"]["status"] == "queued"


@pytest.mark.modes_may_differ  # as a module, the task runs with whatever Python discovery finds
def test_an_explicit_localhost_without_an_interpreter_stays_in_process(ansible, server, objects, tmp_path):
    assistant, thread = objects
    inventory = tmp_path / "own-inventory.ini"
    inventory.write_text("localhost ansible_connection=local\n")
    task = dict(start(thread["id"], assistant["id"]), ignore_errors=True)
    outcome = ansible.playbook([task], "-vvv", env={"ANSIBLE_INVENTORY": str(inventory)})

    if ansible.mode == "in_process":
        assert outcome.task("Start")["run"]["status"] == "queued"
        assert not ran_as_module(outcome)
    else:
        assert ran_as_module(outcome)
        assert f"EXEC /bin/sh -c '{os.path.dirname(sys.executable)}/" not in outcome.stdout  # not the controller's


def test_the_switch_is_templated(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [start(thread["id"], assistant["id"])],
        "-vvv",
        play={"vars": {"choice": "module", "seed_openai_execution": "{{ choice }}"}},
    )

    assert outcome.rc == 0, outcome.stdout[-2000:]
    assert ran_as_module(outcome)
    assert "runs as a module: seed_openai_execution is module" in outcome.stdout


def test_a_switch_that_is_neither_auto_nor_module_fails_in_one_line(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [dict(start(thread["id"], assistant["id"]), ignore_errors=True)],
        play={"vars": {"choice": "modul", "seed_openai_execution": "{{ choice }}"}},
    )

    result = outcome.task("Start")
    assert result["_status"] == "failed"
    assert result["msg"] == "seed_openai_execution must be auto or module, got 'modul'"
    assert server.requests == []


def test_both_modes_are_tested():
    assert MODES == ("in_process", "module")
