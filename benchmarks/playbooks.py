"""Wall time of playbooks of 50 items against the local server, in two shapes
(one task with a loop of 50 items; 50 separate tasks) and five kinds
(openai_thread_run in-process and as a module, uri making the same POST,
ping, debug), alternating every playbook in every round."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import yaml
from assistants_server import AssistantsServer

BIN = os.path.dirname(sys.executable)
KEY = "sk-benchmark"
ITEMS = 50
SHAPES = ("loop", "tasks")
IN_PROCESS = "openai_thread_run"
MODULE_MODE = "openai_thread_run (module)"
# label -> extra controller environment
KINDS: dict[str, dict[str, str]] = {
    IN_PROCESS: {},
    MODULE_MODE: {"SEED_OPENAI_EXECUTION": "module"},
    "uri": {},
    "ping": {},
    "debug": {},
}


@dataclass
class Playbooks:
    """Seconds per playbook run, and what the server saw during each run."""

    times: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    connections: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    requests: dict[tuple[str, str], list[int]] = field(default_factory=dict)


def ansible_env(server: AssistantsServer, collections: str) -> dict[str, str]:
    # The controller's own settings stay out: nothing chooses module execution by accident.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "OPENAI_", "SEED_OPENAI_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections,
        OPENAI_API_BASE=server.api_base,
        OPENAI_API_KEY=KEY,
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    return env


def task_body(kind: str, thread: str, assistant: str, api_base: str) -> dict[str, Any]:
    if kind in (IN_PROCESS, MODULE_MODE):
        return {"seed.openai.openai_thread_run": {"thread": thread, "assistant": assistant}}
    if kind == "uri":
        return {
            "ansible.builtin.uri": {
                "url": f"{api_base}/threads/{thread}/runs",
                "method": "POST",
                "body_format": "json",
                "body": {"assistant_id": assistant},
                "headers": {"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "assistants=v2"},
            }
        }
    if kind == "ping":
        return {"ansible.builtin.ping": {}}
    return {"ansible.builtin.debug": {"msg": "hello"}}


def playbook(kind: str, shape: str, thread: str, assistant: str, api_base: str) -> list[dict[str, Any]]:
    task = task_body(kind, thread, assistant, api_base)
    if shape == "loop":
        tasks = [dict(task, name=kind, loop=list(range(ITEMS)))]
    else:
        tasks = [dict(task, name=f"{kind} {i}") for i in range(ITEMS)]
    return [{"name": kind, "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


def run_playbook(path: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{path} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def measure(server: AssistantsServer, collections: str, rounds: int, work: str) -> Playbooks:
    """Every (kind, shape) playbook once per round, `rounds` times."""
    assistant = server.store.create_assistant({"model": "m"})["id"]
    thread = server.store.create_thread({})["id"]
    server.routes.complete_on_create = True  # every POST starts a run that ends at once
    env = ansible_env(server, collections)
    paths = {}
    for number, kind in enumerate(KINDS):
        for shape in SHAPES:
            paths[kind, shape] = os.path.join(work, f"{number}-{shape}.yml")
            with open(paths[kind, shape], "w", encoding="utf-8") as handle:
                yaml.safe_dump(playbook(kind, shape, thread, assistant, server.api_base), handle)
    # One throwaway run: the first playbook of a session reads everything from
    # disk, and the server builds its schema validators on its first POST.
    run_playbook(paths[IN_PROCESS, "loop"], env)
    found = Playbooks()
    for _round in range(rounds):
        for shape in SHAPES:
            for kind, extra in KINDS.items():
                server.reset()
                elapsed = run_playbook(paths[kind, shape], dict(env, **extra))
                found.times.setdefault((kind, shape), []).append(elapsed)
                # A peer is (address, client port): one per TCP connection.
                found.connections.setdefault((kind, shape), []).append(len({r["peer"] for r in server.requests}))
                found.requests.setdefault((kind, shape), []).append(len(server.requests))
    server.routes.complete_on_create = False
    return found
