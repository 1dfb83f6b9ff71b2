"""openai_thread_run_info with runs: many runs followed at once in one task,
each read on its own schedule, reported together whatever each ends as."""

from __future__ import annotations

import time

import pytest
from support import API_KEY

from ansible_collections.seed.openai.plugins.module_utils._polling import wait_for_runs
from ansible_collections.seed.openai.plugins.modules import openai_thread_run, openai_thread_run_info

ASSISTANTS = {"api": "assistants"}
RESPONSES = {"api": "responses"}


@pytest.fixture
def conn(server):
    return {"api_base": server.api_base, "api_key": API_KEY, "poll_interval": 0.05}


def start(run_module, server, conn, count, api=None, texts=None):
    """`count` runs started without waiting, as a loop registers them."""
    api = api or ASSISTANTS
    if api is RESPONSES:
        assistant = {"id": "local_definition_x", "object": "assistant", "model": "local-echo"}
    else:
        assistant = server.store.create_assistant({"model": "local-echo"})["id"]
    results = []
    for index in range(count):
        text = (texts or {}).get(index, f"question {index}")
        started = run_module(openai_thread_run.main, dict(conn, assistant=assistant, thread_message=text, **api))
        results.append(dict(started, item=f"ticket-{index}"))
    return results


@pytest.mark.parametrize("api", [ASSISTANTS, RESPONSES], ids=["assistants", "responses"])
def test_runs_of_a_set_time_are_waited_for_together(run_module, server, conn, api):
    server.routes.run_seconds = 1.0
    results = start(run_module, server, conn, 6, api)
    server.reset()

    waited = run_module(openai_thread_run_info.main, dict(conn, runs={"results": results}, wait=True, **api))

    assert not waited.failed, waited.get("msg")
    assert [run["status"] for run in waited["runs"]] == ["completed"] * 6
    ids = [r["run"]["id"] for r in results]
    assert [run["id"] for run in waited["runs"]] == ids
    # Followed at once: every run was read before the first one was read for the last time.
    reads = [next(i for i in ids if r["path"].endswith("/" + i)) for r in server.requests if r["method"] == "GET"]
    last_read_of_first = max(at for at, run_id in enumerate(reads) if run_id == ids[0])
    assert {reads[at] for at in range(last_read_of_first)} == set(ids)
    peers = {r["peer"] for r in server.requests if r["method"] == "GET"}
    assert len(peers) == 1


def test_one_failing_and_one_timing_out_are_reported_with_the_others(run_module, server, conn):
    results = start(run_module, server, conn, 3, texts={1: "please [[fail]]"})
    server.routes.advance_on_poll = True
    stuck = results[2]["run"]
    server.store.run(stuck["thread_id"], stuck["id"])["_since"] = time.monotonic() + 3600
    server.routes.run_seconds = 0.0

    waited = run_module(openai_thread_run_info.main, dict(conn, runs=results, wait=True, wait_timeout=1.5))

    assert waited.failed
    statuses = [run["status"] for run in waited["runs"]]
    assert statuses[0] == "completed" and statuses[1] == "failed" and statuses[2] == "in_progress"
    assert "2 of 3 runs" in waited["msg"]
    assert results[1]["run"]["id"] in waited["msg"] and stuck["id"] in waited["msg"]
    assert "wait_timeout" in waited["msg"]


def test_429s_put_off_one_run_not_the_set(run_module, server, conn):
    from assistants_server import Fault

    results = start(run_module, server, conn, 3)
    first = results[0]["run"]
    server.faults.add(
        Fault(method="GET", path=f"/threads/{first['thread_id']}/runs/{first['id']}", status=429, times=3)
    )

    waited = run_module(openai_thread_run_info.main, dict(conn, runs=results, wait=True))

    assert not waited.failed, waited.get("msg")
    assert [run["status"] for run in waited["runs"]] == ["completed"] * 3


def test_failed_and_skipped_loop_items_are_left_out_with_a_warning(run_module, server, conn):
    results = start(run_module, server, conn, 2)
    results.insert(1, {"failed": True, "msg": "boom", "item": "ticket-x"})
    results.append({"skipped": True, "item": "ticket-y"})

    read = run_module(openai_thread_run_info.main, dict(conn, runs=results))

    assert [run["id"] for run in read["runs"]] == [results[0]["run"]["id"], results[2]["run"]["id"]]
    (warning,) = [w for w in read.get("warnings", []) if "left out" in str(w)]
    assert "ticket-x" in str(warning) and "ticket-y" in str(warning)


@pytest.mark.parametrize(
    ("runs", "named"),
    [
        ([{"id": "run_1", "thread_id": "thread_1"}, {"object": "thread", "id": "thread_1"}], "runs[1]"),
        ([{"run": {"id": "run_1"}}], "runs[0]"),
        ([{"id": f"run_{i}", "thread_id": "t"} for i in range(101)], "at most 100"),
        ("not a list", "runs must be a list"),
    ],
)
def test_bad_runs_fail_in_one_line_before_anything_is_read(run_module, server, conn, runs, named):
    failed = run_module(openai_thread_run_info.main, dict(conn, runs=runs, wait=True))

    assert failed.failed and named in failed["msg"]
    assert server.requests == []


def test_check_mode_reads_placeholders_as_done(run_module, server, conn):
    server.store.create_assistant({"model": "local-echo"})
    planned = run_module(
        openai_thread_run.main, dict(conn, assistant="asst_x", thread_message="hi", _ansible_check_mode=True)
    )

    waited = run_module(openai_thread_run_info.main, dict(conn, runs=[planned], wait=True, _ansible_check_mode=True))

    assert not waited.failed and waited["runs"][0]["id"] == planned["run"]["id"]
    assert server.requests == []


def test_every_run_is_read_on_its_own_schedule():
    """The reads of a fake clock: each run is read again only when its own
    poll-after says, and the set ends when the last one does."""
    now = [0.0]
    reads: list[tuple[str, float]] = []
    ends = {"a": 1.0, "b": 3.0}

    def read(run, limit):
        reads.append((run["id"], now[0]))
        status = "completed" if now[0] >= ends[run["id"]] else "in_progress"
        return dict(run, status=status), {"openai-poll-after-ms": "1000" if run["id"] == "a" else "500"}

    def sleep(seconds):
        now[0] += seconds

    runs = [{"id": "a", "status": "queued"}, {"id": "b", "status": "queued"}]
    latest, problems = wait_for_runs(read, runs, {"wait_timeout": 10, "poll_interval": 1}, sleep, lambda: now[0])

    assert problems == {}
    assert [run["status"] for run in latest] == ["completed", "completed"]
    assert [at for run_id, at in reads if run_id == "a"] == [0.0, 1.0]
    assert [at for run_id, at in reads if run_id == "b"] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert now[0] == 3.0


def test_runs_ending_in_another_order_come_back_in_the_order_given(run_module, server, conn):
    results = start(run_module, server, conn, 3)
    server.routes.run_seconds = 1.0
    # The last run started ends first, the first one last.
    for index, result in enumerate(results):
        run = result["run"]
        server.store.run(run["thread_id"], run["id"])["_since"] = time.monotonic() - 1.0 + 0.4 * (2 - index)
    server.reset()

    waited = run_module(openai_thread_run_info.main, dict(conn, runs=results, wait=True))

    assert not waited.failed, waited.get("msg")
    assert [run["id"] for run in waited["runs"]] == [r["run"]["id"] for r in results]
    ended = {}
    for record in server.requests:
        body = record["response"].get("body") or {}
        if body.get("status") == "completed":
            ended.setdefault(body["id"], len(ended))
    assert sorted(ended, key=ended.get) == [r["run"]["id"] for r in reversed(results)]
