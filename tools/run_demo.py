"""The README's main job: start the local Assistants-compatible server, run the
demo playbook against it with the installed collection, stop the server."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from assistants_server import AssistantsServer

DEMO_KEY = "sk-local-demo"


def main() -> int:
    with AssistantsServer(api_key=DEMO_KEY) as server:
        print(f"Local Assistants-compatible server on {server.api_base}", flush=True)
        env = dict(
            os.environ,
            OPENAI_API_BASE=server.api_base,
            OPENAI_API_KEY=DEMO_KEY,
            ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"),
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_FORCE_COLOR=os.environ.get("ANSIBLE_FORCE_COLOR", "false"),
        )
        playbook = os.path.join(ROOT, "playbooks", "demo.yml")
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, *sys.argv[1:]]
        return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
