"""The example rulebook, run by the real ansible-rulebook (from its own venv,
made by `make eda-venv`) with the collection built from the tarball, against
the local server: a run stops at requires_action, the rulebook's playbook
answers it, the run completes and the completion rule fires once."""

from __future__ import annotations

import os
import signal
import subprocess
import tarfile
import time

import yaml
from support import API_KEY

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


def test_the_rulebook_answers_the_function_calls_and_keeps_the_answer_once(collections_path, server, tmp_path):
    assert os.path.exists(os.path.join(EDA_BIN, "ansible-rulebook")), "run `make eda-venv` first"
    assistant = server.store.create_assistant(
        {"model": "local-echo", "tools": [{"type": "function", "function": {"name": "get_ticket"}}]}
    )
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "Which ticket is open?"}]})
    answer_file = tmp_path / "answer.txt"
    variables = tmp_path / "vars.yml"
    variables.write_text(
        yaml.safe_dump(
            {
                "openai_threads": [thread["id"]],
                "openai_function_outputs": {"get_ticket": "Ticket 4711: disk full"},
                "openai_answer_file": str(answer_file),
                "openai_poll_interval": 0.5,
            }
        )
    )
    inventory = tmp_path / "inventory.yml"
    python = os.path.join(EDA_BIN, "python")
    inventory.write_text(
        yaml.safe_dump(
            {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": python}}}}
        )
    )
    collection = os.path.join(collections_path, "ansible_collections", "seed", "openai")
    command = [
        "ansible-rulebook",
        "--rulebook",
        "seed.openai.answer_runs",
        "-i",
        str(inventory),
        "--vars",
        str(variables),
    ]
    log = tmp_path / "rulebook.log"
    with open(log, "w") as output:
        rulebook = subprocess.Popen(
            [os.path.join(EDA_BIN, command[0]), *command[1:]],
            cwd=collection,  # the playbooks are named by their path in the collection
            env=rulebook_env(collections_path, server.api_base),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            # The baseline first, then a run that the source has not seen.
            wait_until(lambda: requests_to(server, "GET", "/runs"), rulebook, "poll of the thread's runs")
            with server.store.lock:
                run = server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})
            wait_until(answer_file.exists, rulebook, "answer file")
            polls = len(requests_to(server, "GET", "/runs"))
            wait_until(lambda: len(requests_to(server, "GET", "/runs")) >= polls + POLLS_AFTER, rulebook, "polls")
        finally:
            rulebook.send_signal(signal.SIGINT)
            try:
                rulebook.wait(timeout=30)
            except subprocess.TimeoutExpired:
                rulebook.kill()
                rulebook.wait()
    text = log.read_text()
    assert server.store.run(thread["id"], run["id"])["status"] == "completed", text
    submitted = requests_to(server, "POST", "/submit_tool_outputs")
    assert [r["body"]["tool_outputs"][0]["output"] for r in submitted] == ["Ticket 4711: disk full"], text
    assert answer_file.read_text() == "Tool outputs: Ticket 4711: disk full\n"
    # One completed event: the source read the run's answer once, and the rule ran its playbook once.
    assert len([r for r in requests_to(server, "GET", "/messages") if r["query"].get("run_id") == run["id"]]) == 1
    assert text.count("PLAY [Answer the function calls of an assistant run]") == 1, text
    assert text.count("PLAY [Keep the answer of a completed assistant run]") == 1, text
    assert API_KEY not in text


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
