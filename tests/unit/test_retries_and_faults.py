"""Retries and failure answers, through main() against the local server with
scripted faults; waits are recorded instead of slept."""

from __future__ import annotations

import email.utils
import json
import socket
import time

import pytest
from assistants_server import Fault
from support import API_KEY, warning_texts, without_call

from ansible_collections.seed.openai.plugins.modules.openai_thread_run import main

RUNS = r"/threads/[^/]+/runs"


@pytest.fixture
def args(server):
    assistant = server.store.create_assistant({"model": "local"})
    thread = server.store.create_thread({})
    return {"thread": thread["id"], "assistant": assistant["id"], "api_base": server.api_base, "api_key": API_KEY}


def attempts(server):
    return [r for r in server.requests if r["method"] == "POST"]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retried_statuses_back_off_1_2_4_seconds(run_module, server, args, waits, status):
    server.faults.add(Fault(method="POST", path=RUNS, status=status, times=3))
    result = run_module(main, dict(args, max_retry_count=5))

    assert not result.failed, result
    assert len(attempts(server)) == 4
    assert len(waits) == 3
    for wait, base in zip(waits, (1, 2, 4)):
        assert base <= wait <= base * 1.1
    assert len(warning_texts(result)) == 3
    assert warning_texts(result)[0].startswith(f"retry 1 after HTTP {status}: waiting 1.")
    assert len(server.store.all_runs()) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_client_errors_are_never_retried(run_module, server, args, waits, status):
    server.faults.add(Fault(method="POST", path=RUNS, status=status, times=5))
    result = run_module(main, dict(args, max_retry_count=5))

    assert result.failed
    assert result["status"] == status
    assert len(attempts(server)) == 1
    assert waits == []


def test_exhausted_retries_report_the_last_answer(run_module, server, args, waits):
    server.faults.add(Fault(method="POST", path=RUNS, status=503, times=10))
    result = run_module(main, dict(args, max_retry_count=2))

    assert len(attempts(server)) == 3
    assert without_call(result["msg"]) == (
        "OpenAI API returned 503 (Service Unavailable): Scripted fault: Service Unavailable. Gave up after 2 retries"
    )
    assert result["error"]["type"] == "server_error"


def test_no_retry_by_default(run_module, server, args, waits):
    server.faults.add(Fault(method="POST", path=RUNS, status=503, times=1))
    result = run_module(main, args)

    assert result["status"] == 503
    assert len(attempts(server)) == 1


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"retry_after": "3"}, 3.0),
        ({"retry_after_ms": "1500"}, 1.5),
        ({"retry_after_ms": "250", "retry_after": "9"}, 0.25),
    ],
)
def test_retry_after_is_honoured(run_module, server, args, waits, headers, expected):
    server.faults.add(Fault(method="POST", path=RUNS, status=429, times=1, **headers))
    result = run_module(main, dict(args, max_retry_count=1))

    assert not result.failed
    assert waits == [expected]


def test_retry_after_as_http_date(run_module, server, args, waits):
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    server.faults.add(Fault(method="POST", path=RUNS, status=503, times=1, retry_after=when))
    run_module(main, dict(args, max_retry_count=1))

    assert len(waits) == 1
    assert 3.0 <= waits[0] <= 5.0


def test_retry_after_beyond_any_sensible_wait_fails_at_once(run_module, server, args, waits):
    server.faults.add(Fault(method="POST", path=RUNS, status=429, times=1, retry_after="7200"))
    result = run_module(main, dict(args, max_retry_count=3))

    assert waits == []
    assert len(attempts(server)) == 1
    assert result["msg"].endswith("The server asked to retry after 7200 s, more than the 120 s this collection waits")


@pytest.mark.parametrize("body", ["html", "text", "empty", "huge"])
def test_any_error_body_gives_one_readable_line(run_module, server, args, body):
    server.faults.add(Fault(method="POST", path=RUNS, status=502, body=body))
    result = run_module(main, args)

    assert without_call(result["msg"]).startswith("OpenAI API returned 502 (Bad Gateway): ")
    assert "\n" not in result["msg"] and "<" not in result["msg"]
    assert len(result["msg"]) < 500
    assert result["error"]["message"]


def test_connection_refused_names_the_url(run_module, args):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_module(main, dict(args, api_base=f"http://127.0.0.1:{port}/v1", max_retry_count=2))

    assert result["msg"].startswith(
        f"POST http://127.0.0.1:{port}/v1/threads/{args['thread']}/runs failed after 2 retries: "
    )
    assert "Connection refused" in result["msg"]


def test_read_timeout_names_the_limit(run_module, server, args):
    server.faults.add(Fault(method="POST", path=RUNS, delay=1.0))
    result = run_module(main, dict(args, timeout=0.3))

    assert result.failed
    assert "timed out after 0.3 s" in result["msg"]


def test_connection_reset_is_reported(run_module, server, args):
    server.faults.add(Fault(method="POST", path=RUNS, reset=True))
    result = run_module(main, args)

    assert result.failed
    assert result["msg"].startswith("POST ")
    assert "reset" in result["msg"].lower() or "aborted" in result["msg"].lower()


def test_key_never_appears_in_any_failure(run_module, server, args):
    server.faults.add(Fault(method="POST", path=RUNS, status=500, times=5))
    result = run_module(main, dict(args, max_retry_count=1))

    assert API_KEY not in json.dumps(result)


@pytest.mark.parametrize("retries", [0, 3])
@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 502, "body": "html"},
        {"reset": True},
        {"delay": 4.0},
    ],
    ids=["created-then-500", "created-then-502-html", "created-then-reset", "created-then-timeout"],
)
def test_a_run_created_before_a_lost_answer_is_returned_not_doubled(run_module, server, args, retries, fault):
    server.faults.add(Fault(method="POST", path=RUNS, after=True, **fault))
    # Only the slow answer needs a timeout, and the lookup after it must have
    # room on a loaded machine (ansible-test runs these on every core at once).
    timeout = 2.0 if "delay" in fault else 0
    result = run_module(main, dict(args, max_retry_count=retries, timeout=timeout))

    runs = server.store.all_runs()
    assert len(runs) == 1
    assert not result.failed, result["msg"]
    assert result["run"]["id"] == runs[0]["id"]
    assert any("had been created and is returned" in w for w in warning_texts(result))


def test_an_older_run_is_not_mistaken_for_the_lost_one(run_module, server, args):
    older = server.store.create_run(args["thread"], {"assistant_id": args["assistant"]})
    older["status"], older["created_at"] = "completed", older["created_at"] - 30
    server.faults.add(Fault(method="POST", path=RUNS, status=500))
    result = run_module(main, args)

    assert result.failed
    assert result["status"] == 500
    assert len(server.store.all_runs()) == 1


def test_a_run_already_active_before_the_task_is_not_taken_as_ours(run_module, server, args):
    other = server.store.create_run(args["thread"], {"assistant_id": args["assistant"]})
    result = run_module(main, dict(args, max_retry_count=2))

    assert result.failed
    assert result["msg"].endswith(f"already has an active run {other['id']}.")
    assert len(attempts(server)) == 1
