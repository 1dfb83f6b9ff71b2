"""Waiting for many runs: 20 runs of a set time (the local server's
run_seconds) started in a loop and waited for one by one (wait: true on each
item), against the same 20 started without waiting and then followed at once
(openai_thread_run_info with runs), against one run alone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml
from assistants_server import AssistantsServer

from playbooks import ansible_env, run_playbook

RUNS = 20
RUN_SECONDS = 3.0


@dataclass
class ManyRuns:
    one: float
    one_by_one: float
    start_loop: float
    together: float
    together_connections: int
    wait_connections: int


def _play(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": "runs", "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


def _write(work: str, name: str, tasks: list[dict[str, Any]]) -> str:
    path = os.path.join(work, f"many-{name}.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(_play(tasks), handle)
    return path


def _tasks(name: str, threads: list[str], assistant: str) -> list[dict[str, Any]]:
    """The playbook `name`, on threads of its own (a run still going would refuse another)."""
    start = {"thread": "{{ item }}", "assistant": assistant, "poll_interval": 0.5}
    if name == "one":
        return [{"seed.openai.openai_thread_run": dict(start, thread=threads[0], wait=True), "name": "one"}]
    if name == "one_by_one":
        return [{"seed.openai.openai_thread_run": dict(start, wait=True), "loop": threads, "name": "wait each"}]
    started = {"seed.openai.openai_thread_run": start, "loop": threads, "register": "started", "name": "start"}
    if name == "start_loop":
        return [started]
    follow = {"runs": "{{ started }}", "wait": True, "poll_interval": 0.5}
    return [started, {"seed.openai.openai_thread_run_info": follow, "name": "wait together"}]


def measure(server: AssistantsServer, collections: str, work: str) -> ManyRuns:
    assistant = server.store.create_assistant({"model": "m"})["id"]
    env = ansible_env(server, collections)
    times: dict[str, float] = {}
    connections = waiting = 0
    server.routes.run_seconds = RUN_SECONDS
    try:
        # The first, a start loop, only warms the disk and the server's validators.
        for name in ("warm", "one", "one_by_one", "start_loop", "together"):
            threads = [server.store.create_thread({})["id"] for _number in range(RUNS)]
            path = _write(work, name, _tasks("start_loop" if name == "warm" else name, threads, assistant))
            server.reset()
            times[name] = run_playbook(path, env)
        connections = len({r["peer"] for r in server.requests})
        # The wait task's reads: every GET of the together playbook.
        waiting = len({r["peer"] for r in server.requests if r["method"] == "GET"})
    finally:
        server.routes.run_seconds = None
    return ManyRuns(times["one"], times["one_by_one"], times["start_loop"], times["together"], connections, waiting)


def section(found: ManyRuns) -> list[str]:
    budget = 1.5 * found.one + found.start_loop
    return [
        f"## Many runs: {RUNS} runs of {RUN_SECONDS:g} s each",
        "",
        f"The local server ends each run {RUN_SECONDS:g} s after it starts (`run_seconds`), however often it is "
        f"read. One by one: a loop of {RUNS} `openai_thread_run` items with `wait: true`. Together: the same loop "
        "with `wait: false`, then one `openai_thread_run_info` with `runs` (the registered loop) and `wait: true`. "
        "`poll_interval` 0.5 s everywhere; in-process (the default on a local connection).",
        "",
        "| playbook | seconds | / one run |",
        "|---|---|---|",
        f"| one run, waited | {found.one:.2f} | 1.0 |",
        f"| {RUNS} runs, each waited in turn | {found.one_by_one:.2f} | {found.one_by_one / found.one:.1f} |",
        f"| {RUNS} runs started, no wait | {found.start_loop:.2f} | {found.start_loop / found.one:.1f} |",
        f"| {RUNS} runs started, then waited together | {found.together:.2f} | {found.together / found.one:.1f} |",
        "",
        "Goals (reported, not asserted):",
        "",
        f"- together: **{found.together:.2f} s**, at most 1.5 x one run plus the start loop "
        f"({budget:.2f} s) - {'met' if found.together <= budget else '**missed**'}",
        f"- one by one: **{found.one_by_one / found.one:.1f} x** one run (about {RUNS} x expected)",
        f"- TCP connections of the together playbook: **{found.together_connections}**, of which its one wait "
        f"task used **{found.wait_connections}** for all {RUNS} runs (each task's worker has its own session)",
        "",
    ]
