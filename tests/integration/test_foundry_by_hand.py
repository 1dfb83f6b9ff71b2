"""`make server MODE=foundry` by hand: the local server in Foundry mode starts the Entra ID
stand-in and prints, as `export` lines, what signs a shell in; the modules, with only those
variables and auth_type entra, sign in and are let in; Ctrl-C stops both."""

from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANAGED_IDENTITY = {"IDENTITY_ENDPOINT", "IDENTITY_HEADER"}
SERVICE_PRINCIPAL = {
    "AZURE_AUTHORITY_HOST",
    "REQUESTS_CA_BUNDLE",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
}


@dataclass
class ByHand:
    process: subprocess.Popen[str]
    api_base: str = ""
    exports: list[dict[str, str]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    def sign_in(self, names: set[str]) -> dict[str, str]:
        (found,) = [variables for variables in self.exports if set(variables) == names]
        return found


def exported(line: str) -> dict[str, str]:
    words = shlex.split(line)
    assert words[0] == "export", line
    return dict(word.split("=", 1) for word in words[1:])


@pytest.fixture
def by_hand() -> Iterator[ByHand]:
    process = subprocess.Popen(
        [sys.executable, "-m", "assistants_server", "--mode", "foundry", "--port", "0"],
        env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    running = ByHand(process)
    try:
        while len(running.exports) < 2:
            line = lines.get(timeout=60)
            assert line is not None, f"the server ended early:\n{''.join(running.seen)}"
            running.seen.append(line)
            if line.startswith("api_base: "):
                running.api_base = line.split(" ", 1)[1].strip()
            elif line.startswith("export "):
                running.exports.append(exported(line))
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_it_prints_both_ways_to_sign_in_and_lets_their_tokens_in(by_hand):
    assert [set(variables) for variables in by_hand.exports] == [MANAGED_IDENTITY, SERVICE_PRINCIPAL]
    principal = by_hand.sign_in(SERVICE_PRINCIPAL)
    assert os.path.isfile(principal["REQUESTS_CA_BUNDLE"])

    threads = f"{by_hand.api_base}/threads?api-version=v1"
    # The static key still works; a token the stand-in did not issue does not.
    assert requests.post(threads, json={}, headers={"Authorization": "Bearer sk-local-test"}, timeout=10).ok
    refused = requests.post(threads, json={}, headers={"Authorization": "Bearer eyJ.forged.token"}, timeout=10)
    assert refused.status_code == 401 and "invalid" in refused.text

    by_hand.process.send_signal(signal.SIGINT)
    assert by_hand.process.wait(timeout=30) == 0
    assert not os.path.exists(principal["REQUESTS_CA_BUNDLE"]), "the stand-in's CA stayed behind"


@pytest.mark.parametrize("names", [MANAGED_IDENTITY, SERVICE_PRINCIPAL], ids=["managed_identity", "service_principal"])
def test_the_modules_sign_in_with_only_the_printed_variables(ansible, by_hand, names):
    env = dict(by_hand.sign_in(names), OPENAI_API_BASE=by_hand.api_base, OPENAI_AUTH_TYPE="entra")
    outcome = ansible.adhoc("seed.openai.openai_thread", '{"metadata": {"case": "by-hand"}}', env=env, connection=False)

    assert outcome.rc == 0, outcome.stdout + outcome.stderr
    (result,) = [entry["result"] for entry in outcome.results]
    assert result["changed"] is True and result["thread"]["id"].startswith("thread_")
