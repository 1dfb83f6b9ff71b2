"""What the module path costs, measured with the module run as AnsiballZ
would run it (imports, a waited run, retry gaps, peak memory), and what the
local server costs on its own (a requests.Session reading a thread)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from assistants_server import AssistantsServer, Fault

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACE = os.path.join(ROOT, ".build", "ns")
KEY = "sk-benchmark"
MODULE = "ansible_collections.seed.openai.plugins.modules.openai_thread_run"


def import_sample_ms(statement: str) -> float:
    """Cumulative import time of `statement` (python -X importtime), one sample, in ms."""
    code = f"import sys; sys.path.insert(0, {NAMESPACE!r}); {statement}"
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    ).stderr
    total = 0
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            total += int(parts[1])  # top-level imports only: cumulative already counts the rest
    return total / 1000


def imports_ms(statements: dict[str, str], samples: int = 5) -> dict[str, float]:
    """The median of `samples` for each statement, taken in turns so that a
    burst of load on the machine falls on all of them alike."""
    found: dict[str, list[float]] = {label: [] for label in statements}
    for _sample in range(samples):
        for label, statement in statements.items():
            found[label].append(import_sample_ms(statement))
    return {label: statistics.median(values) for label, values in found.items()}


def import_breakdown(top: int = 8) -> list[tuple[str, float]]:
    """What the client's deferred imports cost once ansible.module_utils.basic is loaded:
    the heaviest packages by cumulative ms (one sample)."""
    code = (
        f"import sys; sys.path.insert(0, {NAMESPACE!r}); import ansible.module_utils.basic; "
        f"import {MODULE}; import requests, requests.adapters"
    )
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    ).stderr
    lines = err.splitlines()
    # importtime prints a module when its import completes: what comes after
    # basic's own line was imported by the statements that follow it.
    start = max(i for i, line in enumerate(lines) if line.rstrip().endswith("| ansible.module_utils.basic"))
    rows = []
    for line in lines[start + 1 :]:
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].strip()
            if not name.startswith("ansible") and name.count(".") <= 1:
                rows.append((name, int(parts[1]) / 1000))
    return sorted(rows, key=lambda row: -row[1])[:top]


def module_child(args: dict[str, Any], code_extra: str = "") -> str:
    """Python code that runs the module as AnsiballZ would, with `args`."""
    return (
        f"import json, sys; sys.path.insert(0, {NAMESPACE!r})\n"
        "from ansible.module_utils import basic\n"
        f"basic._ANSIBLE_ARGS = json.dumps({{'ANSIBLE_MODULE_ARGS': {args!r}}}).encode()\n"
        "basic._ANSIBLE_PROFILE = 'legacy'\n"
        f"from {MODULE} import main\n{code_extra}"
        "main()\n"
    )


def wait_figures(server: AssistantsServer, poll_interval: float) -> dict[str, float]:
    """One waited run that ends after 2 s on the server's clock: connections
    opened, polls, and the delay from the end to the module's last read."""
    assistant = server.store.create_assistant({"model": "m"})["id"]
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "hi"}]})["id"]
    server.routes.advance_on_poll = False
    server.reset()
    args = {
        "thread": thread,
        "assistant": assistant,
        "api_base": server.api_base,
        "api_key": KEY,
        "wait": True,
        "poll_interval": poll_interval,
        "wait_timeout": 30,
    }
    child = subprocess.Popen([sys.executable, "-c", module_child(args)], stdout=subprocess.PIPE, text=True)
    deadline = ended = None
    while child.poll() is None:
        runs = list(server.store.runs[thread].values())
        if runs and deadline is None:
            deadline = time.monotonic() + 2.0
        if deadline is not None and ended is None and time.monotonic() >= deadline:
            with server.store.lock:
                while runs[0]["status"] not in ("completed", "requires_action"):
                    server.store.advance(runs[0])
            ended = time.monotonic()
        time.sleep(0.005)
    if ended is None:
        sys.exit("the waited run ended before the benchmark could end it")
    assert child.stdout is not None
    result = json.loads(child.stdout.read())
    polls = [r for r in server.requests if r["method"] == "GET"]
    server.routes.advance_on_poll = True
    return {
        "status": result["run"]["status"],
        "polls": len(polls),
        "connections": len({r["peer"] for r in server.requests}),
        "delay": polls[-1]["time"] - ended,
    }


def retry_figures(server: AssistantsServer) -> dict[str, list[float]]:
    assistant = server.store.create_assistant({"model": "m"})["id"]
    thread = server.store.create_thread({})["id"]
    runs = f"/threads/{thread}/runs"
    figures = {}
    for name, faults, retries in (
        ("backoff", [Fault(method="POST", path=runs, status=503, times=4)], 4),
        ("retry_after", [Fault(method="POST", path=runs, status=429, times=2, retry_after="2")], 2),
    ):
        server.reset()
        server.routes.complete_on_create = True
        for fault in faults:
            server.faults.add(fault)
        args = {
            "thread": thread,
            "assistant": assistant,
            "api_base": server.api_base,
            "api_key": KEY,
            "max_retry_count": retries,
        }
        subprocess.run([sys.executable, "-c", module_child(args)], capture_output=True, check=True)
        posts = [r["time"] for r in server.requests if r["method"] == "POST"]
        figures[name] = [b - a for a, b in zip(posts, posts[1:])]
    server.routes.complete_on_create = False
    return figures


def peak_memory_kib(server: AssistantsServer) -> int:
    assistant = server.store.create_assistant({"model": "m"})["id"]
    thread = server.store.create_thread({})["id"]
    server.routes.complete_on_create = True
    args = {"thread": thread, "assistant": assistant, "api_base": server.api_base, "api_key": KEY}
    code = module_child(
        args,
        "import resource, atexit\natexit.register(lambda: sys.stderr.write("
        "str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))\n",
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    server.routes.complete_on_create = False
    return int(done.stderr.strip().splitlines()[-1])


def session_gets(server: AssistantsServer, count: int = 20, samples: int = 5) -> list[float]:
    """Milliseconds for `count` GETs of a thread over one requests.Session (one
    connection), `samples` times: the server's own answer time, no Ansible."""
    import requests

    thread = server.store.create_thread({})["id"]
    url = f"{server.api_base}/threads/{thread}"
    headers = {"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "assistants=v2"}
    found = []
    with requests.Session() as session:
        session.get(url, headers=headers, timeout=10).raise_for_status()  # connect and warm up
        for _sample in range(samples):
            started = time.perf_counter()
            for _get in range(count):
                session.get(url, headers=headers, timeout=10).raise_for_status()
            found.append((time.perf_counter() - started) * 1000)
    return found


def action_probe(server: AssistantsServer) -> dict[str, Any]:
    """The action plugin's per-item work without Ansible (benchmarks/action_probe.py)."""
    assistant = server.store.create_assistant({"model": "m"})["id"]
    thread = server.store.create_thread({})["id"]
    server.routes.complete_on_create = True
    probe = os.path.join(ROOT, "benchmarks", "action_probe.py")
    done = subprocess.run(
        [sys.executable, probe, NAMESPACE, server.api_base, KEY, thread, assistant],
        capture_output=True,
        text=True,
        check=False,
    )
    server.routes.complete_on_create = False
    if done.returncode != 0:
        sys.exit(f"action_probe.py failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    found: dict[str, Any] = json.loads(done.stdout)
    return found
