"""The example rulebook, run by the real ansible-rulebook (from its own venv,
made by `make eda-venv`) with the collection built from the tarball, against
the local server: a run stops at requires_action, the rulebook's playbook
answers it, the run completes and the completion rule fires once."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tarfile
import time
from typing import Any

import yaml
from support import API_KEY

from ansible_collections.seed.openai.plugins.module_utils._connection import ENV_FALLBACKS, HEADER_VARIABLE

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EDA_BIN = os.path.join(ROOT, ".build", "eda-venv", "bin")
RULEBOOK = "extensions/eda/rulebooks/answer_runs.yml"
JAVA_HOME = os.environ.get("JAVA_HOME") or "/usr/lib/jvm/java-17-openjdk-amd64"
# A bound for a broken flow, not a speed goal: the flow takes about 15 s.
FLOW_LIMIT = 90.0
# Polls the source makes after the run completed, in which a duplicate would show.
POLLS_AFTER = 4


def rulebook_env(collections_path: str, api_base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANSIBLE_"))}
    env.update(
        PATH=f"{EDA_BIN}{os.pathsep}{env.get('PATH', '')}",
        JAVA_HOME=JAVA_HOME,
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        # The credential, as EDA Controller injects it.
        OPENAI_API_BASE=api_base,
        OPENAI_API_KEY=API_KEY,
    )
    return env


def requests_to(server, method: str, suffix: str) -> list[dict]:
    return [r for r in list(server.requests) if r["method"] == method and r["path"].endswith(suffix)]


def wait_until(condition, rulebook: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + FLOW_LIMIT
    while not condition():
        assert rulebook.poll() is None, f"ansible-rulebook ended (rc {rulebook.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} after {FLOW_LIMIT:g} s"
        time.sleep(0.1)


class Rulebook:
    """The example rulebook run by ansible-rulebook in the installed collection, until stopped."""

    def __init__(self, collections_path: str, server, tmp_path, variables: dict[str, Any], name: str) -> None:
        self.server = server
        self.log = tmp_path / f"{name}.log"
        variables_file = tmp_path / f"{name}-vars.yml"
        variables_file.write_text(yaml.safe_dump(variables))
        inventory = tmp_path / "inventory.yml"
        python = os.path.join(EDA_BIN, "python")
        inventory.write_text(
            yaml.safe_dump(
                {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": python}}}}
            )
        )
        self.collection = os.path.join(collections_path, "ansible_collections", "seed", "openai")
        self.command = [
            os.path.join(EDA_BIN, "ansible-rulebook"),
            "--rulebook",
            "seed.openai.answer_runs",
            "-i",
            str(inventory),
            "--vars",
            str(variables_file),
            "--print-events",
        ]
        self.env = rulebook_env(collections_path, server.api_base)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Rulebook:
        assert os.path.exists(self.command[0]), "run `make eda-venv` first"
        with open(self.log, "w") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.collection,  # the playbooks are named by their path in the collection
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_until(self, condition, what: str) -> None:
        assert self.process is not None
        wait_until(condition, self.process, what)

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def text(self) -> str:
        return self.log.read_text()


def function_assistant_and_thread(server) -> tuple[dict[str, Any], dict[str, Any]]:
    with server.store.lock:
        assistant = server.store.create_assistant(
            {"model": "local-echo", "tools": [{"type": "function", "function": {"name": "get_ticket"}}]}
        )
        thread = server.store.create_thread({"messages": [{"role": "user", "content": "Which ticket is open?"}]})
    return assistant, thread


def test_the_rulebook_answers_the_function_calls_and_keeps_the_answer_once(collections_path, server, tmp_path):
    assistant, thread = function_assistant_and_thread(server)
    answer_file = tmp_path / "answer.txt"
    variables = {
        "openai_threads": [thread["id"]],
        "openai_function_outputs": {"get_ticket": "Ticket 4711: disk full"},
        "openai_answer_file": str(answer_file),
        "openai_poll_interval": 0.5,
    }
    with Rulebook(collections_path, server, tmp_path, variables, "rulebook") as rulebook:
        # The baseline first, then a run that the source has not seen.
        rulebook.wait_until(lambda: requests_to(server, "GET", "/runs"), "poll of the thread's runs")
        with server.store.lock:
            run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
        rulebook.wait_until(answer_file.exists, "answer file")
        polls = len(requests_to(server, "GET", "/runs"))
        rulebook.wait_until(lambda: len(requests_to(server, "GET", "/runs")) >= polls + POLLS_AFTER, "polls")
    text = rulebook.text()
    assert server.store.run(thread["id"], run["id"])["status"] == "completed", text
    submitted = requests_to(server, "POST", "/submit_tool_outputs")
    assert [r["body"]["tool_outputs"][0]["output"] for r in submitted] == ["Ticket 4711: disk full"], text
    assert answer_file.read_text() == "Tool outputs: Ticket 4711: disk full\n"
    # One completed event: the source read the run's answer once, and the rule ran its playbook once.
    assert len([r for r in requests_to(server, "GET", "/messages") if r["query"].get("run_id") == run["id"]]) == 1
    assert text.count("PLAY [Answer the function calls of an assistant run]") == 1, text
    assert text.count("PLAY [Keep the answer of a completed assistant run]") == 1, text
    assert API_KEY not in text


def test_a_restarted_rulebook_answers_a_run_that_changed_while_it_was_down(collections_path, server, tmp_path):
    assistant, thread = function_assistant_and_thread(server)
    with server.store.lock:
        server.routes.advance_on_poll = False  # the run waits, queued, while the first rulebook watches
        run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
    state_file = tmp_path / "run_events.json"
    answer_file = tmp_path / "answer.txt"
    variables = {
        "openai_threads": [thread["id"]],
        "openai_function_outputs": {"get_ticket": "Ticket 4712: certificate expired"},
        "openai_answer_file": str(answer_file),
        "openai_poll_interval": 0.5,
        "openai_state_file": str(state_file),
    }
    with Rulebook(collections_path, server, tmp_path, variables, "first") as first:
        first.wait_until(lambda: len(requests_to(server, "GET", "/runs")) >= 2, "polls of the thread's runs")
    saved = json.loads(state_file.read_text())["threads"]
    assert saved == {thread["id"]: {run["id"]: "queued"}}, first.text()
    # While no rulebook runs, the run goes on to wait for its function's output.
    with server.store.lock:
        while run["status"] != "requires_action":
            server.store.advance(run)
        server.routes.advance_on_poll = True
    with Rulebook(collections_path, server, tmp_path, variables, "second") as second:
        second.wait_until(answer_file.exists, "answer file")
    text = second.text()
    assert answer_file.read_text() == "Tool outputs: Ticket 4712: certificate expired\n", text
    assert text.count("PLAY [Answer the function calls of an assistant run]") == 1, text
    # The event says where the run was when last seen, before the restart.
    assert re.search(r"""['"]previous_status['"]: ['"]queued['"]""", text), text
    assert API_KEY not in first.text() + text


def test_the_tarball_holds_the_event_source_the_rulebook_and_its_playbooks(built_collection):
    with tarfile.open(built_collection.tarball) as tarball:
        names = set(tarball.getnames())
    assert "extensions/eda/plugins/event_source/run_events.py" in names
    assert RULEBOOK in names
    with open(os.path.join(ROOT, RULEBOOK), encoding="utf-8") as handle:
        (ruleset,) = yaml.safe_load(handle)
    playbooks = [rule["action"]["run_playbook"]["name"] for rule in ruleset["rules"]]
    assert len(playbooks) == 2 and set(playbooks) <= names


def test_the_guide_shows_the_rulebook_this_test_runs():
    with open(os.path.join(ROOT, "docs", "docsite", "rst", "event_driven.rst"), encoding="utf-8") as handle:
        page = handle.read()
    # The docs build's source directory is .build/docsite/rst, three levels below the repository.
    assert f".. literalinclude:: /../../../{RULEBOOK}\n" in page


def test_the_guide_names_every_variable_the_credential_type_injects_and_the_source_reads_them():
    with open(os.path.join(ROOT, "docs", "awx", "credential_type.yml"), encoding="utf-8") as handle:
        injected = set(yaml.safe_load(handle)["injectors"]["env"])
    with open(os.path.join(ROOT, "docs", "docsite", "rst", "event_driven.rst"), encoding="utf-8") as handle:
        page = handle.read()
    credential = page[page.index("* **Credential.**") :].split("\n* ")[0]
    assert set(re.findall(r"``([A-Z][A-Z0-9_]+)``", credential)) == injected
    read = {name for names in ENV_FALLBACKS.values() for name in names} | {HEADER_VARIABLE}
    assert injected <= read, f"the source does not read {sorted(injected - read)}"
