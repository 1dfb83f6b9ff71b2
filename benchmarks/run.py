"""What a task costs: seed.openai.openai_thread_run, in-process (its action
plugin) and as a module, side by side with ansible.builtin.uri, ping and
debug, as one task looping over 50 items and as 50 separate tasks, against
the local server; plus the module path's imports, waits, retries and memory,
and the server's own answer time.

    make benchmark            # or: .venv/bin/python benchmarks/run.py [--rounds 3]

Writes docs/performance.md (machine, versions, load, date and every figure).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tools"), os.path.join(ROOT, ".build", "ns")]

import many_runs  # noqa: E402
import probes  # noqa: E402
import report  # noqa: E402
from assistants_server import AssistantsServer  # noqa: E402

import playbooks  # noqa: E402


def load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def header(rounds: int, load_before: str, load_after: str, minutes: float) -> list[str]:
    core = subprocess.run(
        [os.path.join(playbooks.BIN, "ansible"), "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE")
    return [
        "# Performance",
        "",
        f"Measured by `make benchmark` (benchmarks/run.py, {rounds} rounds) on "
        f"{datetime.date.today().isoformat()}: {platform.machine()}, {os.cpu_count()} cores, "
        f"Linux {platform.release()}, Python {platform.python_version()}, {core}. Load average (1/5/15 min) "
        f"{load_before} at the start and {load_after} at the end; the run took {minutes:.1f} min."
        + (f" PYTHONDONTWRITEBYTECODE={bytecode} was set." if bytecode else "")
        + " Regenerate with `make benchmark`; every figure below comes from that run.",
        "",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--collections", default=os.path.join(ROOT, ".build", "collections"))
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "performance.md"))
    args = parser.parse_args()
    load_before, started = load(), time.monotonic()
    poll_interval = 0.5
    module = probes.MODULE
    with tempfile.TemporaryDirectory() as work, AssistantsServer(api_key=probes.KEY) as server:
        found = playbooks.measure(server, args.collections, args.rounds, work)
        many = many_runs.measure(server, args.collections, work)
        gets = probes.session_gets(server)
        probe = probes.action_probe(server)
        imports = probes.imports_ms(
            {
                f"`{module.rsplit('.', 1)[-1]}` (what the module file imports)": f"import {module}",
                "the same, plus the client's deferred imports (requests, urllib3)": (
                    f"import {module}; import requests, requests.adapters, urllib3"
                ),
                "`ansible.module_utils.basic` + `ansible.module_utils.urls` (what uri imports)": (
                    "import ansible.module_utils.basic, ansible.module_utils.urls"
                ),
                "`ansible.module_utils.basic` (every module, ping included)": "import ansible.module_utils.basic",
            }
        )
        breakdown = probes.import_breakdown()
        waits = dict(probes.wait_figures(server, poll_interval), poll_interval=poll_interval)
        retries = probes.retry_figures(server)
        memory = probes.peak_memory_kib(server)
    minutes = (time.monotonic() - started) / 60
    lines = header(args.rounds, load_before, load(), minutes)
    section, median = report.section_playbooks(found, args.rounds)
    lines += section
    lines += report.section_modes(median)
    lines += many_runs.section(many)
    lines += report.section_server(gets)
    lines += report.section_action(probe, median)
    lines += report.section_module_path(imports, breakdown, waits, retries, memory, median)
    text = "\n".join(lines)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
