"""openai_thread_run through ansible-playbook and ansible, against the local server."""

from __future__ import annotations

import email.utils
import json
import time

import pytest
from assistants_server import AssistantsServer, Fault
from support import API_KEY

RUNS = r"/threads/[^/]+/runs"


def run_task(thread, assistant, **options):
    return {
        "name": "Start",
        "seed.openai.openai_thread_run": dict(thread=thread, assistant=assistant, **options),
        "register": "started",
    }


def posts(server):
    return [r for r in server.requests if r["method"] == "POST"]


def test_playbook_with_module_defaults_register_and_fact(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [
            run_task(thread["id"], assistant["id"], metadata={"ticket": "7"}),
            {"name": "Use the fact", "ansible.builtin.set_fact": {"seen": "{{ openai_thread_run }}"}},
            {"name": "Use the registered run", "ansible.builtin.set_fact": {"again": "{{ started.run.id }}"}},
        ],
        connection=False,
        play={"module_defaults": {"group/seed.openai.openai": {"api_base": server.api_base, "api_key": API_KEY}}},
    )

    assert outcome.rc == 0, outcome.stdout
    started = outcome.task("Start")
    (created,) = server.store.all_runs()
    assert started["_status"] == "changed"
    assert started["run"]["id"] == created["id"]
    assert outcome.task("Use the fact")["ansible_facts"]["seen"]["id"] == created["id"]
    assert outcome.task("Use the registered run")["ansible_facts"]["again"] == created["id"]
    sent = posts(server)[0]["body"]
    assert sent["metadata"].pop("seed_openai_request")  # the task's marker, see test_exactly_once.py
    assert sent == {"assistant_id": assistant["id"], "metadata": {"ticket": "7"}}


def test_connection_from_environment_variables(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook([run_task(thread["id"], assistant["id"])], env={"OPENAI_ORGANIZATION": "org-env"})

    assert outcome.rc == 0, outcome.stdout
    (sent,) = server.requests
    assert sent["headers"]["authorization"] == f"Bearer {API_KEY}"
    assert sent["headers"]["openai-organization"] == "org-env"


def test_base_url_fallback_and_empty_variables_count_as_unset(ansible, server, objects):
    assistant, thread = objects
    env = {"OPENAI_API_BASE": "", "OPENAI_BASE_URL": server.api_base, "OPENAI_ORGANIZATION": ""}
    outcome = ansible.playbook([run_task(thread["id"], assistant["id"])], env=env)

    assert outcome.rc == 0, outcome.stdout
    assert "openai-organization" not in server.requests[0]["headers"]


def test_adhoc_command(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.adhoc("seed.openai.openai_thread_run", f"thread={thread['id']} assistant={assistant['id']}")

    assert outcome.rc == 0, outcome.stdout + outcome.stderr
    assert "CHANGED" in outcome.stdout
    (created,) = server.store.all_runs()
    assert created["id"] in outcome.stdout


def test_check_mode_sends_nothing(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook([run_task(thread["id"], assistant["id"])], "--check")

    assert outcome.rc == 0
    assert server.requests == []
    assert outcome.task("Start")["request"]["body"] == {"assistant_id": assistant["id"]}


def test_key_never_in_verbose_output_even_as_a_task_argument(ansible, server, objects):
    assistant, thread = objects
    server.faults.add(Fault(method="POST", path=RUNS, status=503, times=1))
    outcome = ansible.playbook(
        [
            run_task(thread["id"], assistant["id"], api_key=API_KEY, max_retry_count=1),
            run_task("thread_missing", assistant["id"], api_key=API_KEY),
        ],
        "-vvv",
        connection=False,
        env={"OPENAI_API_BASE": server.api_base},
    )

    assert outcome.rc != 0
    assert len(server.store.all_runs()) == 1
    everything = outcome.stdout + outcome.stderr + json.dumps(outcome.results)
    assert "No thread found with id 'thread_missing'" in everything
    assert API_KEY not in everything


@pytest.mark.parametrize(
    "fault, expected_wait",
    [
        ({"status": 429, "retry_after": "1"}, (1.0, 1.6)),
        ({"status": 429, "retry_after_ms": "700"}, (0.7, 1.3)),
        ({"status": 429}, (1.0, 1.7)),
        ({"status": 503, "retry_after": "date"}, None),
    ],
    ids=["retry-after-seconds", "retry-after-ms", "no-retry-after", "retry-after-date"],
)
def test_rate_limits_are_waited_out(ansible, server, objects, fault, expected_wait):
    assistant, thread = objects
    fault = dict(fault)  # the parameter is shared by both modes' runs
    retry_at = int(time.time()) + 5
    if fault.get("retry_after") == "date":
        fault["retry_after"] = email.utils.formatdate(retry_at, usegmt=True)
    server.faults.add(Fault(method="POST", path=RUNS, times=1, **fault))
    outcome = ansible.playbook([run_task(thread["id"], assistant["id"], max_retry_count=2)])

    assert outcome.rc == 0, outcome.stdout
    first, second = posts(server)
    if expected_wait is None:  # the date, to the second; at once if it passed before the first answer (a slow start)
        left = max(retry_at - first["wall"], 0.0)
        expected_wait = (max(left - 0.2, 0.0), left + 0.6)
    assert expected_wait[0] <= second["time"] - first["time"] <= expected_wait[1]
    assert len(server.store.all_runs()) == 1


def test_a_sequence_of_server_errors(ansible, server, objects):
    assistant, thread = objects
    # The last two ask for a short pause, to keep the test short.
    for status, pause in ((500, None), (502, None), (503, "100"), (504, "100")):
        server.faults.add(Fault(method="POST", path=RUNS, status=status, times=1, retry_after_ms=pause))
    outcome = ansible.playbook([run_task(thread["id"], assistant["id"], max_retry_count=4)])

    assert outcome.rc == 0, outcome.stdout
    attempts = posts(server)
    assert len(attempts) == 5
    gaps = [b["time"] - a["time"] for a, b in zip(attempts, attempts[1:])]
    # Each wait is at least what was due, plus at most 10 % jitter and a little overhead.
    for gap, due in zip(gaps, (1.0, 2.0, 0.1, 0.1)):
        assert due - 0.05 <= gap <= due * 1.1 + 0.3, gaps
    assert len(outcome.task("Start")["warnings"]) == 4


def test_retries_exhausted_fail_with_the_last_error(ansible, server, objects):
    assistant, thread = objects
    server.faults.add(Fault(method="POST", path=RUNS, status=502, body="html", times=10))
    outcome = ansible.playbook([run_task(thread["id"], assistant["id"], max_retry_count=1)])

    result = outcome.task("Start")
    assert result["_status"] == "failed"
    assert result["msg"] == (
        f"OpenAI API returned 502 (Bad Gateway) to POST {server.api_base}/threads/{thread['id']}/runs: "
        "502 Bad Gateway Bad Gateway The upstream server sent an "
        "invalid response. Gave up after 1 retry"
    )
    assert len(posts(server)) == 2


def test_run_created_then_500_with_retries_returns_the_one_run(ansible, server, objects):
    assistant, thread = objects
    server.faults.add(Fault(method="POST", path=RUNS, status=500, after=True))
    outcome = ansible.playbook([run_task(thread["id"], assistant["id"], max_retry_count=3)])

    assert outcome.rc == 0, outcome.stdout
    (created,) = server.store.all_runs()
    assert outcome.task("Start")["run"]["id"] == created["id"]


def test_read_timeout_and_reset(ansible, server, objects):
    assistant, thread = objects
    # Each case on a thread of its own: the slow POST's run, made after the
    # client gave up, must not be seen by the reset case's lookup.
    other = server.store.create_thread({"messages": [{"role": "user", "content": "Again?"}]})
    server.faults.add(Fault(method="POST", path=f"/threads/{thread['id']}/runs", delay=2.0))
    server.faults.add(Fault(method="POST", path=f"/threads/{other['id']}/runs", reset=True))
    slow = dict(run_task(thread["id"], assistant["id"], timeout=0.5), ignore_errors=True, register="slow", name="Slow")
    reset = dict(run_task(other["id"], assistant["id"], timeout=0.5), name="Reset")
    outcome = ansible.playbook([slow, reset])

    assert "timed out after 0.5 s" in outcome.task("Slow")["msg"]
    assert outcome.task("Reset")["_status"] == "failed"
    # The slow POST is still being handled after the client gave up: once it
    # is done it has made its one run; the reset made none, and nothing was resent.
    server.wait_idle()
    assert [run["thread_id"] for run in server.store.all_runs()] == [thread["id"]]
    assert len(posts(server)) == 2


def test_bad_inputs_fail_clearly_and_send_nothing(ansible, server, objects):
    assistant, thread = objects
    bad = {
        "Empty thread": {"thread": ""},
        "17 pairs": {"metadata": {f"k{i}": "v" for i in range(17)}},
        "List value": {"metadata": {"n": [1]}},
        "Retry count": {"max_retry_count": 101},
        "Timeout": {"timeout": -1},
        "No scheme": {"api_base": "127.0.0.1:9/v1"},
        "Tool not a dict": {"tools": [["code_interpreter"]]},
    }
    tasks = []
    for name, options in bad.items():
        args = dict(thread=thread["id"], assistant=assistant["id"])
        args.update(options)
        tasks.append(
            {"name": name, "seed.openai.openai_thread_run": args, "ignore_errors": True, "register": "refused"}
        )
    outcome = ansible.playbook(tasks)

    assert server.requests == []
    for name in bad:
        result = outcome.task(name)
        assert result["_status"] == "failed", name
        assert "\n" not in result["msg"] and len(result["msg"]) < 300, result["msg"]
    assert outcome.task("17 pairs")["msg"] == "metadata has 17 pairs; the API allows at most 16"
    assert outcome.task("List value")["msg"].startswith("metadata value of 'n' is a list; give a string")


def test_redirect_to_another_host_gets_no_key(ansible, server, objects):
    assistant, thread = objects
    with AssistantsServer(api_key=API_KEY) as elsewhere:
        server.faults.add(Fault(method="POST", path=RUNS, redirect=f"{elsewhere.api_base}/threads/{thread['id']}/runs"))
        outcome = ansible.playbook([run_task(thread["id"], assistant["id"])])
        assert elsewhere.requests == []
    assert "Redirect to http://127.0.0.1:" in outcome.task("Start")["msg"]
    assert "not followed; set api_base to the final URL" in outcome.task("Start")["msg"]


def test_numbers_and_booleans_from_templates_become_metadata_strings(ansible, server, objects):
    assistant, thread = objects
    task = run_task(thread["id"], assistant["id"], metadata={"ticket": "{{ ticket }}", "urgent": "{{ urgent }}"})
    outcome = ansible.playbook([task], "-e", '{"ticket": 4711, "urgent": true}')

    assert outcome.rc == 0, outcome.stdout
    (run,) = server.store.all_runs()
    assert {k: v for k, v in run["metadata"].items() if k != "seed_openai_request"} == {
        "ticket": "4711",
        "urgent": "true",
    }
