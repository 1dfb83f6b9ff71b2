"""Every module and role has an ansible-test integration target, each one runs against the
local server it starts and stops, tries check mode, and `make test` runs the targets on the
oldest and newest supported ansible-core, in both execution modes."""

from __future__ import annotations

import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGETS = os.path.join(ROOT, "tests", "integration", "targets")
SETUP = "setup_assistants_server"


def modules() -> list[str]:
    return sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules")) if name.endswith(".py"))


def roles() -> list[str]:
    return sorted(os.listdir(os.path.join(ROOT, "roles")))


def target_of(name: str) -> str:
    return name if name in modules() else f"role_{name}"


def tasks(target: str, name: str) -> list[dict]:
    with open(os.path.join(TARGETS, target, "tasks", name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def read(*path: str) -> str:
    with open(os.path.join(ROOT, *path), encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("name", modules() + roles())
def test_a_target_that_starts_and_stops_the_local_server(name):
    target = target_of(name)
    aliases = read("tests", "integration", "targets", target, "aliases").split()
    assert f"needs/target/{SETUP}" in aliases and "context/controller" in aliases, aliases
    start, tests = tasks(target, "main.yml")
    assert start["ansible.builtin.include_role"] == {"name": SETUP, "tasks_from": "start.yml"}
    # The tests in a block whose always section stops the server, whatever happens.
    (stop,) = tests["always"]
    assert stop["ansible.builtin.include_role"] == {"name": SETUP, "tasks_from": "stop.yml"}
    assert tests["module_defaults"]["group/seed.openai.openai"]["api_base"] == "{{ assistants_server_api_base }}"
    assert tests["block"] == [{"name": "Run the tests", "ansible.builtin.import_tasks": "tests.yml"}]


@pytest.mark.parametrize("name", modules() + roles())
def test_the_target_tries_check_mode_and_asserts(name):
    target = target_of(name)
    steps = tasks(target, "tests.yml")
    used = f"seed.openai.{name}"
    checked = [
        step
        for step in steps
        if step.get("check_mode") is True or (step.get("ansible.builtin.include_role") or {}).get("apply")
    ]
    assert any(used in step or step.get("ansible.builtin.include_role", {}).get("name") == used for step in checked)
    asserts = [step["ansible.builtin.assert"]["that"] for step in steps if "ansible.builtin.assert" in step]
    assert len(asserts) >= 3 and all(asserts)


def test_the_setup_target_stops_a_server_that_outlives_it():
    start = read("tests", "integration", "targets", SETUP, "tasks", "start.yml")
    assert "files/serve_for.py') | quote }}\n      {{ assistants_server_lifetime | int }}" in start
    serve_for = read("tests", "integration", "targets", SETUP, "files", "serve_for.py")
    assert "threading.Timer(float(sys.argv[1]), os.kill, (os.getpid(), signal.SIGTERM))" in serve_for
    stop = tasks(SETUP, "stop.yml")
    waits = [step["ansible.builtin.wait_for"] for step in stop if "ansible.builtin.wait_for" in step]
    assert waits == [
        {"host": "127.0.0.1", "port": "{{ assistants_server_port | int }}", "state": "stopped", "timeout": 30}
    ]
    assert any("kill -0" in str(step) for step in stop)


def test_make_test_runs_the_targets_on_the_oldest_and_newest_core_in_both_modes():
    makefile = read("Makefile")
    assert re.search(r"^test:.*\bintegration\b", makefile, re.M)
    (matrix,) = re.findall(r"^INTEGRATION_MATRIX \?= (.+)$", makefile, re.M)
    runs = {core: (python, set(modes.split(","))) for core, python, modes in (s.split(":") for s in matrix.split())}
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        oldest = yaml.safe_load(handle)["requires_ansible"].lstrip(">=").rsplit(".", 1)[0]
    claimed = re.findall(r"(\d+\.\d+):3\.\d+", re.search(r"^CORE_MATRIX \?= (.+)$", makefile, re.M).group(1))
    newest = max(claimed, key=lambda version: tuple(int(part) for part in version.split(".")))
    assert oldest in runs and newest in runs, (oldest, newest, runs)
    assert set().union(*(modes for _python, modes in runs.values())) == {"in_process", "module"}
