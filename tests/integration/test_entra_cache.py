"""One Entra ID sign-in for a whole playbook run: every task runs in a process of
its own (a worker fork in-process, a new interpreter as a module), and they share
the token through the user's cache. Real azure-identity, a service principal
signing in to the local Entra stand-in, the server in Foundry mode."""

from __future__ import annotations

import os
import stat
from typing import Any

import pytest
from assistants_server import AssistantsServer
from entra_standin import EntraStandin

SECRET = "Sp-secret~value.for_the-cache-test"
TENANT = "72f988bf-0000-4000-8000-0000000000cc"
CLIENT = "0d3c7a51-0000-4000-8000-0000000000dd"
TASKS = 10


@pytest.fixture
def standin():
    with EntraStandin(lifetime=3600, authority=True) as running:
        running.add_app(TENANT, CLIENT, SECRET)
        yield running


@pytest.fixture
def server(standin):
    """The `ansible` fixture's server, in Foundry mode, checking every token it reads."""
    with AssistantsServer(mode="foundry", project="demo", token_check=standin.check) as running:
        yield running


def service_principal(standin: EntraStandin, cache_home: str, **extra: str) -> dict[str, str]:
    """AWX's Azure Resource Manager credential, as its injectors put it in the environment."""
    return {
        "AZURE_CLIENT_ID": CLIENT,
        "AZURE_SECRET": SECRET,
        "AZURE_TENANT": TENANT,
        "AZURE_AUTHORITY_HOST": standin.authority_host,
        "REQUESTS_CA_BUNDLE": standin.ca_bundle or "",
        "XDG_CACHE_HOME": cache_home,
        **extra,
    }


def thread_tasks(count: int) -> list[dict[str, Any]]:
    return [{"name": f"Thread {n}", "seed.openai.openai_thread": {"metadata": {"task": str(n)}}} for n in range(count)]


def token_requests(standin: EntraStandin) -> list[dict[str, Any]]:
    return [r for r in standin.requests if r["method"] == "POST" and r["path"].endswith("/oauth2/v2.0/token")]


def play(server: AssistantsServer) -> dict[str, Any]:
    return {"module_defaults": {"group/seed.openai.openai": {"auth_type": "entra", "api_base": server.api_base}}}


def test_a_playbook_of_ten_tasks_signs_in_once(ansible, server, standin, tmp_path):
    cache_home = tmp_path / "cache-home"
    outcome = ansible.playbook(
        thread_tasks(TASKS), connection=False, env=service_principal(standin, str(cache_home)), play=play(server)
    )

    assert outcome.rc == 0, outcome.stdout + outcome.stderr
    assert len(token_requests(standin)) == 1, f"{len(token_requests(standin))} token requests for {TASKS} tasks"
    [issued] = standin.issued
    sent = [r["headers"]["authorization"] for r in server.requests]
    assert sent == [f"Bearer {issued.token}"] * TASKS
    # The cache: the user's own directory and file, named without the credential in it.
    directory = cache_home / "seed.openai"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    [kept] = [path for path in directory.iterdir() if path.suffix == ".json"]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.stat().st_uid == os.geteuid()
    assert all(part not in kept.name for part in (SECRET, CLIENT, TENANT))
    everything = outcome.stdout + outcome.stderr + str(outcome.results)
    assert issued.token not in everything and SECRET not in everything


def test_the_next_run_reuses_the_token_and_the_switch_turns_the_cache_off(ansible, server, standin, tmp_path):
    cache_home = str(tmp_path / "cache-home")
    first = ansible.playbook(
        thread_tasks(2), connection=False, env=service_principal(standin, cache_home), play=play(server)
    )
    again = ansible.playbook(
        thread_tasks(2), connection=False, env=service_principal(standin, cache_home), play=play(server)
    )
    assert first.rc == 0 and again.rc == 0, first.stdout + again.stdout
    assert len(token_requests(standin)) == 1, "a second playbook run signed in again with a fresh token in the cache"

    off = service_principal(standin, cache_home, SEED_OPENAI_TOKEN_CACHE="off")
    without = ansible.playbook(thread_tasks(3), connection=False, env=off, play=play(server))
    assert without.rc == 0, without.stdout
    assert len(token_requests(standin)) == 1 + 3, "with the cache off every task signs in"
