"""The action plugin's own work per item, without Ansible around it: run as a
separate process by run.py, prints one JSON object.

    action_probe.py NAMESPACE_DIR API_BASE API_KEY THREAD ASSISTANT

Like ansible-playbook, the process imports the action plugin once (the
strategy loads its class in the parent) and forks a worker per task:
- `fresh_worker_ms`: one item in a freshly forked worker (median of FORKS),
  what each of 50 separate tasks pays;
- `preloaded_worker_ms`: the same once requests, urllib3 and the client's
  retry policy are imported before the fork (what importing them with the
  plugin would give);
- `loop_item_ms`: an item of a loop (one process, the cached client), median;
- `profile`: where a loop item's time goes under cProfile (ms per item).
"""

from __future__ import annotations

import cProfile
import importlib
import json
import os
import pstats
import statistics
import sys
import time
import types
from typing import Any, Callable

FORKS = 10
ITEMS = 50
PACKAGE = "ansible_collections.seed.openai.plugins"
# (label, file name ending, function name): summed cumulative time under cProfile.
PHASES = (
    ("the whole action (run_in_process)", "_action.py", "run_in_process"),
    ("argument validation (ArgumentSpecValidator)", "arg_spec.py", "validate"),
    ("no_log masking (remove_values)", "parameters.py", "remove_values"),
    ("task environment overlay (os.environ copy/restore)", "_action.py", "environment"),
    ("the core (thread_run.run)", "thread_run.py", "run"),
    ("requests: Session.request", "sessions.py", "request"),
    ("requests: proxy lookup from the environment", "sessions.py", "merge_environment_settings"),
    ("socket: waiting for the answer (recv_into)", "~", "<method 'recv_into' of '_socket.socket' objects>"),
    ("socket: sending (sendall)", "~", "<method 'sendall' of '_socket.socket' objects>"),
)


def in_fresh_worker(item: Callable[[], Any]) -> float:
    """Fork, run one item in the child, return its milliseconds."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read_end)
        started = time.perf_counter()
        item()
        os.write(write_end, repr((time.perf_counter() - started) * 1000).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as reader:
        elapsed = float(reader.read())
    os.waitpid(pid, 0)
    return elapsed


def main() -> None:
    namespace, api_base, api_key, thread, assistant = sys.argv[1:6]
    sys.path.insert(0, namespace)
    import ansible.plugins.action  # noqa: F401  (ansible-playbook has it before it loads the plugin)

    started = time.perf_counter()
    from ansible_collections.seed.openai.plugins.action.openai_thread_run import ActionModule

    plugin_import_ms = (time.perf_counter() - started) * 1000
    args = {"thread": thread, "assistant": assistant, "api_base": api_base, "api_key": api_key}
    # What run_in_process reads from the action object; nothing else of Ansible's machinery.
    action = types.SimpleNamespace(
        MODULE=ActionModule.MODULE,
        CORE=ActionModule.CORE,
        _compute_environment_string=lambda environment: None,
        _task=types.SimpleNamespace(
            args=args, check_mode=False, diff=False, resolved_action="seed.openai.openai_thread_run"
        ),
        _display=None,
    )

    def item() -> None:
        result = ActionModule.run_in_process(action)  # type: ignore[arg-type]
        if result.get("failed"):
            sys.exit(f"the action failed: {result.get('msg')}")

    fresh = [in_fresh_worker(item) for _fork in range(FORKS)]
    for preload in ("requests", "requests.adapters", "urllib3", f"{PACKAGE}.module_utils._retry"):
        importlib.import_module(preload)
    preloaded = [in_fresh_worker(item) for _fork in range(FORKS)]
    item()  # the loop's first item: the cached client and its connection
    loop = []
    for _item in range(ITEMS):
        started = time.perf_counter()
        item()
        loop.append((time.perf_counter() - started) * 1000)
    profiler = cProfile.Profile()
    profiler.enable()
    for _item in range(ITEMS):
        item()
    profiler.disable()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    profile = []
    for label, ending, function in PHASES:
        total = sum(row[3] for (path, _line, name), row in stats.items() if path.endswith(ending) and name == function)
        profile.append((label, total / ITEMS * 1000))
    print(
        json.dumps(
            {
                "plugin_import_ms": plugin_import_ms,
                "fresh_worker_ms": statistics.median(fresh),
                "preloaded_worker_ms": statistics.median(preloaded),
                "loop_item_ms": statistics.median(loop),
                "profile": profile,
            }
        )
    )


if __name__ == "__main__":
    main()
