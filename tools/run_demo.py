"""The README's main job: start the local Assistants-compatible server, run the
demo playbook against it with the installed collection, stop the server.

    python tools/run_demo.py [--mode openai|compat|foundry] [--api assistants|responses] [--model NAME]
                             [--collections-path DIR] [ansible-playbook arguments...]

--mode starts the server as another kind of Assistants-compatible server (see
tools/assistants_server/README.md); --api picks the wire API the modules speak
(OPENAI_API; the server serves both); --collections-path is where the collection is
installed (default .build/collections, where `make collection` puts it); every
other argument goes to ansible-playbook.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from assistants_server import AssistantsServer
from assistants_server.modes import MODES

DEMO_KEY = "sk-local-demo"


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("--mode", choices=MODES, default="openai", help="which kind of server to start")
    parser.add_argument("--api", choices=("assistants", "responses"), help="the wire API the modules speak")
    parser.add_argument("--model", help="the assistant's model (the playbook's demo_model; default local-echo)")
    parser.add_argument(
        "--collections-path",
        default=os.path.join(ROOT, ".build", "collections"),
        help="where seed.openai is installed (default .build/collections)",
    )
    return parser.parse_known_args(argv)


def demo_env(api_base: str, collections_path: str, api: str | None = None) -> dict[str, str]:
    """The controller's environment with the connection set to the local server.
    Any OPENAI_* the caller has set is replaced, so the demo cannot reach another server."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENAI_")}
    env.update(
        OPENAI_API_BASE=api_base,
        OPENAI_API_KEY=DEMO_KEY,
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_FORCE_COLOR=os.environ.get("ANSIBLE_FORCE_COLOR", "false"),
    )
    if api:
        env["OPENAI_API"] = api
    return env


def main(argv: list[str] | None = None) -> int:
    options, playbook_args = parse(sys.argv[1:] if argv is None else argv)
    if options.model:
        playbook_args = ["-e", f"demo_model={options.model}", *playbook_args]
    with AssistantsServer(api_key=DEMO_KEY, mode=options.mode) as server:
        api_base = server.api_base
        if options.api == "responses" and options.mode == "foundry":
            api_base += "/openai/v1"  # the project's OpenAI-compatible endpoint
        print(f"Local Assistants-compatible server ({options.mode}) on {api_base}", flush=True)
        playbook = os.path.join(ROOT, "playbooks", "demo.yml")
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, *playbook_args]
        return subprocess.run(
            command, env=demo_env(api_base, options.collections_path, options.api), check=False
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
