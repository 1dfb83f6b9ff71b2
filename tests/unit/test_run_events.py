"""The EDA source seed.openai.run_events, driven through main(queue, args) as
ansible-rulebook drives it (the file run as a script's namespace, not imported), against the local server. The
source's sleep is replaced by a clock the test steps: every poll is one step,
and the waits it asked for are recorded instead of slept; the source's time is
the sum of those waits."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import os
import stat
import sys
import threading
from typing import Any

import pytest
from assistants_server.faults import Fault
from support import API_KEY

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE_PATH = os.path.join(ROOT, "extensions", "eda", "plugins", "event_source", "run_events.py")


def load_source(path: str) -> dict[str, Any]:
    """The source's namespace, as runpy.run_path gives it to ansible-rulebook.
    (run_path itself goes wrong under ansible-test, whose collection loader
    claims the path as a package.)"""
    spec = importlib.util.spec_from_file_location("seed_openai_run_events", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return vars(module)


SOURCE = load_source(SOURCE_PATH)
RunEventsError = SOURCE["RunEventsError"]
# A guard against a source that hangs: far longer than any step takes.
STEP_LIMIT = 30.0
RUNS = r"/threads/[^/]+/runs"


class Clock:
    """Stands in for asyncio.sleep: records each wait and holds the source
    there until the test lets it poll again."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._parked = asyncio.Event()
        self._permits: asyncio.Queue[None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    def now(self) -> float:
        """The source's time: every wait it asked for has passed."""
        return sum(self.waits)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self._parked.set()
        await self._permits.get()

    async def settle(self) -> None:
        """Wait until the source has finished a poll and sleeps (or has stopped)."""
        assert self.task is not None
        parked = asyncio.ensure_future(self._parked.wait())
        await asyncio.wait({parked, self.task}, timeout=STEP_LIMIT, return_when=asyncio.FIRST_COMPLETED)
        parked.cancel()
        assert self._parked.is_set() or self.task.done(), "the source neither polled nor stopped"

    async def step(self, count: int = 1) -> None:
        """Let the source poll `count` more times."""
        for _poll in range(count):
            await self.settle()
            self._parked.clear()
            self._permits.put_nowait(None)
        await self.settle()


class Harness:
    def __init__(self, server, args: dict[str, Any]) -> None:
        self.server = server
        self.args = dict({"api_base": server.api_base, "api_key": API_KEY, "interval": 5}, **args)
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.clock = Clock()

    async def start(self) -> None:
        self.clock.task = asyncio.ensure_future(
            SOURCE["main"](self.queue, self.args, sleep=self.clock.sleep, clock=self.clock.now)
        )
        await self.clock.settle()

    def events(self) -> list[dict[str, Any]]:
        found = []
        while not self.queue.empty():
            found.append(self.queue.get_nowait())
        return found

    async def stop(self) -> None:
        task = self.clock.task
        assert task is not None
        task.cancel()
        await asyncio.wait({task}, timeout=STEP_LIMIT)
        assert task.done()


def run(scenario) -> Any:
    return asyncio.run(scenario())


def function_assistant(server) -> dict[str, Any]:
    with server.store.lock:
        return server.store.create_assistant(
            {"model": "local-echo", "tools": [{"type": "function", "function": {"name": "get_ticket"}}]}
        )


def new_thread(server) -> dict[str, Any]:
    with server.store.lock:
        return server.store.create_thread({"messages": [{"role": "user", "content": "Which ticket is open?"}]})


def start_run(server, thread, assistant) -> dict[str, Any]:
    with server.store.lock:
        return server.store.create_run(thread["id"], {"assistant_id": assistant["id"]})


def advance_to(server, run: dict[str, Any], status: str) -> None:
    with server.store.lock:
        while run["status"] != status:
            server.store.advance(run)


def answer(server, run: dict[str, Any], output: str) -> None:
    with server.store.lock:
        calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
        server.store.submit_tool_outputs(
            run["thread_id"], run["id"], [{"tool_call_id": c["id"], "output": output} for c in calls]
        )


def statuses(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["openai_run"]["id"], e["openai_run"]["status"]) for e in events]


def test_each_transition_is_reported_once_with_tool_calls_then_the_answer(server):
    assistant, thread = function_assistant(server), new_thread(server)

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]]})
        await source.start()  # the baseline: no runs yet
        run_ = start_run(server, thread, assistant)  # started after the source
        await source.clock.step(2)  # queued -> in_progress -> requires_action
        (asked,) = source.events()
        assert asked["openai_run"]["id"] == run_["id"] and asked["openai_run"]["status"] == "requires_action"
        assert [c["function"]["name"] for c in asked["tool_calls"]] == ["get_ticket"]
        assert asked["latest_answer"] is None
        assert asked["previous_status"] in ("queued", "in_progress")
        await source.clock.step(3)
        assert source.events() == [], "a run that stays in requires_action is reported once"
        answer(server, run_, "Ticket 4711: disk full")
        await source.clock.step(1)
        (done,) = source.events()
        assert statuses([done]) == [(run_["id"], "completed")]
        assert done["latest_answer"] == "Tool outputs: Ticket 4711: disk full"
        assert done["tool_calls"] == []
        assert done["previous_status"] == "requires_action"
        await source.clock.step(2)
        assert source.events() == []
        await source.stop()
        return source

    source = run(scenario)
    assert source.clock.waits == [5.0] * len(source.clock.waits)


def test_a_run_is_reported_again_only_after_its_status_changes_and_comes_back(server):
    assistant, thread = function_assistant(server), new_thread(server)
    run_ = start_run(server, thread, assistant)
    advance_to(server, run_, "requires_action")

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]], "statuses": ["requires_action", "in_progress"]})
        await source.start()
        with server.store.lock:  # answered, and the next poll leaves it in progress
            server.routes.advance_on_poll = False
        answer(server, run_, "first")
        await source.clock.step(1)
        with server.store.lock:  # a second round of function calls
            run_.pop("_tool_outputs")
            server.store.advance(run_)
        await source.clock.step(2)
        found = source.events()
        await source.stop()
        return found

    assert statuses(run(scenario)) == [(run_["id"], "in_progress"), (run_["id"], "requires_action")]


def test_the_first_poll_is_a_baseline_unless_include_existing(server):
    assistant, thread = function_assistant(server), new_thread(server)
    ended = start_run(server, thread, assistant)
    advance_to(server, ended, "requires_action")
    answer(server, ended, "done")
    advance_to(server, ended, "completed")
    waiting = start_run(server, thread, assistant)
    advance_to(server, waiting, "requires_action")

    async def scenario(include_existing: bool) -> list[dict[str, Any]]:
        source = Harness(server, {"threads": [thread["id"]], "include_existing": include_existing})
        await source.start()
        await source.clock.step(2)
        found = source.events()
        await source.stop()
        return found

    assert run(lambda: scenario(False)) == []
    existing = run(lambda: scenario(True))
    assert statuses(existing) == [(ended["id"], "completed"), (waiting["id"], "requires_action")]
    assert existing[0]["latest_answer"] == "Tool outputs: done"


def test_503s_delay_the_events_by_whole_intervals_and_lose_none(server, caplog):
    assistant, thread = function_assistant(server), new_thread(server)
    caplog.set_level(logging.WARNING)

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]], "interval": 1})
        await source.start()
        server.faults.add(Fault(method="GET", path=RUNS, status=503, times=3))
        run_ = start_run(server, thread, assistant)
        advance_to(server, run_, "requires_action")  # while the server is down
        await source.clock.step(4)
        found = source.events()
        await source.clock.step(1)
        found += source.events()
        await source.stop()
        return source, found, run_

    source, found, run_ = run(scenario)
    assert statuses(found) == [(run_["id"], "requires_action")]
    assert source.clock.waits == [1.0] * 6, "a failed poll is tried again after one interval"
    # The 1st and 2nd failures are logged (then the 4th, 8th...), and the return.
    assert caplog.text.count("503") == 2 and "trying again in 1.0 s" in caplog.text
    assert "the server answers again, after 3 failed polls over 3.0 s; polling every 1 s" in caplog.text
    assert API_KEY not in caplog.text and API_KEY not in repr(found)


def test_retry_after_and_poll_after_are_honoured_when_longer(server):
    thread = new_thread(server)
    server.poll_after_ms = 7000

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]], "interval": 1})
        await source.start()
        server.faults.add(Fault(method="GET", path=RUNS, status=429, retry_after="30"))
        await source.clock.step(2)
        await source.stop()
        return source.clock.waits

    assert run(scenario) == [7.0, 30.0, 7.0]


def test_a_dropped_connection_is_tried_again_and_recovers(server):
    assistant, thread = function_assistant(server), new_thread(server)

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]], "interval": 1})
        await source.start()
        server.faults.add(Fault(method="GET", path=RUNS, reset=True, times=2))
        run_ = start_run(server, thread, assistant)
        advance_to(server, run_, "requires_action")
        await source.clock.step(3)
        found = source.events()
        await source.stop()
        return source.clock.waits, found

    waits, found = run(scenario)
    assert waits == [1.0] * 4
    assert [e["openai_run"]["status"] for e in found] == ["requires_action"]


def test_events_of_several_threads(server):
    assistant = function_assistant(server)
    threads = [new_thread(server), new_thread(server)]

    async def scenario():
        source = Harness(server, {"threads": ",".join(t["id"] for t in threads)})
        await source.start()
        runs = [start_run(server, t, assistant) for t in threads]
        await source.clock.step(2)
        found = source.events()
        await source.stop()
        return runs, found

    runs, found = run(scenario)
    assert sorted(statuses(found)) == sorted((r["id"], "requires_action") for r in runs)


def run_until_stopped(server, args: dict[str, Any]) -> str:
    async def scenario():
        source = Harness(server, args)
        with pytest.raises(RunEventsError) as stopped:
            await source.start()
            await source.clock.task
        return str(stopped.value)

    return run(scenario)


def test_a_refused_key_stops_the_source_with_one_line(server):
    thread = new_thread(server)
    message = run_until_stopped(server, {"threads": [thread["id"]], "api_key": "sk-wrong-key-0123456789"})
    assert "401" in message and "api_key or OPENAI_API_KEY" in message
    assert "\n" not in message and "sk-wrong-key-0123456789" not in message


def test_an_unknown_thread_stops_the_source_and_names_it(server):
    message = run_until_stopped(server, {"threads": ["thread_nosuch"]})
    assert "thread thread_nosuch was not found" in message and "404" in message and "\n" not in message


@pytest.mark.parametrize(
    "args, expected",
    [
        ({}, "threads is empty"),
        ({"threads": 5}, "threads must be a list of strings"),
        ({"threads": ["t"], "statuses": ["done"]}, "statuses must be run statuses"),
        ({"threads": ["t"], "interval": 0}, "interval must be more than 0 seconds"),
        ({"threads": ["t"], "include_existing": "maybe"}, "include_existing must be true or false"),
        ({"threads": ["t"], "thread": ["t"]}, "unknown argument 'thread'"),
        ({"threads": ["t"], "api_base": "ftp://x"}, "is not an http:// or https:// URL"),
        ({"threads": ["t"], "api_key": ""}, "api_key is not set"),
    ],
)
def test_bad_arguments_stop_before_anything_is_sent(server, monkeypatch, args, expected):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    message = run_until_stopped(server, args)
    assert expected in message and "\n" not in message
    assert server.requests == []


def test_the_connection_comes_from_the_environment_and_empty_values_count_as_unset(server, monkeypatch):
    thread = new_thread(server)
    monkeypatch.setenv("OPENAI_API_BASE", "")
    monkeypatch.setenv("OPENAI_BASE_URL", server.api_base)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_ORGANIZATION", "org-eda")

    async def scenario():
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        clock = Clock()
        clock.task = asyncio.ensure_future(SOURCE["main"](queue, {"threads": [thread["id"]]}, sleep=clock.sleep))
        await clock.settle()
        clock.task.cancel()
        await asyncio.wait({clock.task}, timeout=STEP_LIMIT)

    run(scenario)
    (request,) = server.requests
    assert request["query"] == {"order": "desc", "limit": "100"}
    assert request["headers"]["openai-organization"] == "org-eda"


def test_cancelling_ends_the_source_without_waiting_for_a_slow_answer(server):
    thread = new_thread(server)
    server.faults.add(Fault(method="GET", path=RUNS, delay=4))

    async def scenario():
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        args = {"threads": [thread["id"]], "api_base": server.api_base, "api_key": API_KEY}
        task = asyncio.ensure_future(SOURCE["main"](queue, args))
        while not server.requests:  # wait for the request to be on its way
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.wait({task}, timeout=STEP_LIMIT)
        return task, "response" in server.requests[0]

    task, answered = run(scenario)
    assert task.cancelled()
    assert not answered, "the source waited for the slow answer instead of ending at once"
    server.wait_idle()


def test_cancelling_a_sleeping_source_ends_it(server):
    thread = new_thread(server)

    async def scenario():
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        args = {"threads": [thread["id"]], "api_base": server.api_base, "api_key": API_KEY, "interval": 3600}
        task = asyncio.ensure_future(SOURCE["main"](queue, args))
        while not server.requests or "response" not in server.requests[0]:
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.wait({task}, timeout=STEP_LIMIT)
        return task

    assert run(scenario).cancelled()


@pytest.mark.parametrize(
    "text",
    [
        "plain string",
        {"value": "plain string", "annotations": []},
        [{"type": "text", "text": "plain "}, {"value": "string"}],
    ],
)
def test_every_shape_of_a_text_value_is_read(text):
    message = {"content": [{"type": "text", "text": text}, {"type": "image_file", "image_file": {"file_id": "f"}}]}
    assert SOURCE["message_text"](message) == "plain string"


class CannedClient:
    """A client whose message list ignores run_id, as some servers do."""

    api_base = "http://127.0.0.1:9/v1"

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.queries: list[dict[str, Any]] = []

    def url(self, *segments: str) -> str:
        return "/".join([self.api_base, *segments])

    def request(self, method: str, url: str, query: dict[str, Any]) -> dict[str, Any]:
        self.queries.append(dict(query))
        return self.pages[len(self.queries) - 1]


def message(message_id: str, run_id: str, role: str, text: str) -> dict[str, Any]:
    return {"id": message_id, "run_id": run_id, "role": role, "content": [{"type": "text", "text": {"value": text}}]}


def test_the_answer_is_filtered_by_run_even_when_the_server_ignores_run_id():
    client = CannedClient(
        [
            {"data": [message("m4", "run_b", "assistant", "other run")], "has_more": True, "last_id": "m4"},
            {"data": [message("m3", "run_a", "user", "q"), message("m2", "run_a", "assistant", "mine")]},
        ]
    )
    options = SOURCE["watch_options"]({"threads": ["thread_a"]})
    watcher = SOURCE["RunWatcher"](client, options)
    assert watcher.latest_answer({"id": "run_a", "thread_id": "thread_a"}) == "mine"
    assert client.queries[0] == {"run_id": "run_a", "order": "desc", "limit": 100}
    assert client.queries[1]["after"] == "m4"


def test_a_list_whose_cursor_never_moves_is_read_a_bounded_number_of_times(server):
    assistant, thread = function_assistant(server), new_thread(server)

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]]})
        await source.start()  # the baseline: no runs yet
        waiting = start_run(server, thread, assistant)
        advance_to(server, waiting, "requires_action")
        server.endless_lists = True  # has_more forever, and the same last_id
        server.reset()
        await source.clock.step(1)
        found = source.events()
        await source.stop()
        return found

    found = run(scenario)
    reads = [r for r in server.requests if r["method"] == "GET" and r["path"].endswith("/runs")]
    assert 1 <= len(reads) <= 3
    assert statuses(found) == [(found[0]["openai_run"]["id"], "requires_action")]


# -- outages, restarts and the worker thread ----------------------------------------------------


def plain_assistant(server) -> dict[str, Any]:
    with server.store.lock:
        return server.store.create_assistant({"model": "local-echo"})


async def poll_through_an_outage(source: Harness, server, down_at: float, up_at: float, until: float) -> float:
    """Step the source one poll at a time, the server answering 503 to every poll
    between down_at and up_at (the source's time); the time of the first poll
    that got through after up_at."""
    back = None
    while source.clock.now() < until:
        now = source.clock.now()  # when the next poll happens
        server.faults.clear()
        if down_at <= now < up_at:
            server.faults.add(Fault(method="GET", path=RUNS, status=503, times=1))
        elif now >= up_at and back is None:
            back = now
        await source.clock.step(1)
    assert back is not None
    return back


@pytest.mark.parametrize("interval", [2.0, 5.0])
def test_after_a_20_s_outage_the_source_is_back_at_its_interval_within_one_interval(server, caplog, interval):
    caplog.set_level(logging.WARNING)
    assistant, thread = plain_assistant(server), new_thread(server)
    with server.store.lock:
        server.routes.advance_on_poll = False  # runs move only when the test says
    run_ = start_run(server, thread, assistant)

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]], "interval": interval})
        await source.start()  # the baseline sees the run queued
        await source.clock.step(1)
        down_at = source.clock.now()
        advance_to(server, run_, "completed")  # it starts and ends while the server is down
        back = await poll_through_an_outage(source, server, down_at, down_at + 20, down_at + 60)
        found = source.events()
        await source.stop()
        return source.clock.waits, back - (down_at + 20), found

    waits, recovered_after, found = run(scenario)
    assert waits == [interval] * len(waits), f"the waits grew during the outage: {waits}"
    assert 0 <= recovered_after <= interval
    # The jump shows: the run was last seen queued, and is reported completed once.
    [(done)] = found
    assert statuses(found) == [(run_["id"], "completed")] and done["previous_status"] == "queued"
    failed = int(20 / interval)
    assert caplog.text.count("the server answers again") == 1
    assert f"after {failed} failed polls over 20.0 s; polling every {interval:g} s" in caplog.text


def test_a_long_outage_is_logged_a_bounded_number_of_times(server, caplog):
    caplog.set_level(logging.WARNING)
    thread = new_thread(server)

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]], "interval": 5})
        await source.start()
        server.faults.add(Fault(method="GET", path=RUNS, status=503, times=120))  # ten minutes of polls
        await source.clock.step(121)
        await source.stop()
        return source.clock.waits

    waits = run(scenario)
    assert max(waits) == 5.0
    failures = [r.getMessage() for r in caplog.records if "503" in r.getMessage()]
    assert [line.split("(failed poll ")[-1].split(" ")[0] for line in failures[1:]] == [
        "2",
        "4",
        "8",
        "16",
        "32",
        "64",
    ]
    assert "after 120 failed polls over 600.0 s" in caplog.text


def test_a_restart_with_a_state_file_reports_what_changed_while_it_was_down(server, tmp_path):
    assistant, first, second = function_assistant(server), new_thread(server), new_thread(server)
    with server.store.lock:
        server.routes.advance_on_poll = False
    handled = start_run(server, first, plain_assistant(server))  # no function: it can complete
    jumper = start_run(server, second, assistant)
    state_file = tmp_path / "state" / "runs.json"
    state_file.parent.mkdir()
    args = {"threads": [first["id"], second["id"]], "state_file": str(state_file)}

    async def life(change=None):
        source = Harness(server, args)
        await source.start()
        if change is not None:
            change()
        await source.clock.step(1)
        found = source.events()
        await source.stop()
        return found

    # The first life: a baseline with both runs queued, then one completes and is reported.
    found = run(lambda: life(lambda: advance_to(server, handled, "completed")))
    assert statuses(found) == [(handled["id"], "completed")]
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    # While the source is down: the queued run jumps to requires_action, a new one starts and gets there too.
    advance_to(server, jumper, "requires_action")
    late = start_run(server, first, assistant)
    advance_to(server, late, "requires_action")
    found = run(life)
    assert statuses(found) == [(late["id"], "requires_action"), (jumper["id"], "requires_action")]
    assert [e["previous_status"] for e in found] == [None, "queued"]
    assert [c["function"]["name"] for c in found[1]["tool_calls"]] == ["get_ticket"]
    saved = json.loads(state_file.read_text())["threads"]
    assert saved == {
        first["id"]: {late["id"]: "requires_action", handled["id"]: "completed"},
        second["id"]: {jumper["id"]: "requires_action"},
    }
    # A third life with nothing changed reports nothing again.
    assert run(life) == []


def test_a_new_thread_in_a_resumed_source_starts_with_a_baseline(server, tmp_path):
    assistant = function_assistant(server)
    kept, added = new_thread(server), new_thread(server)
    state_file = tmp_path / "runs.json"
    old = start_run(server, added, assistant)
    advance_to(server, old, "requires_action")

    async def life(threads):
        source = Harness(server, {"threads": threads, "state_file": str(state_file)})
        await source.start()
        await source.clock.step(1)
        found = source.events()
        await source.stop()
        return found

    assert run(lambda: life([kept["id"]])) == []
    assert run(lambda: life([kept["id"], added["id"]])) == [], "a thread the state never saw is a baseline"
    assert set(json.loads(state_file.read_text())["threads"]) == {kept["id"], added["id"]}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not JSON"),
        ('{"format": 1, "threads": {}}', "is not a state file of seed.openai.run_events"),
        ('{"format": 1, "source": "seed.openai.run_events", "threads": {"t": ["run_a"]}}', "not a map of run IDs"),
        ("[]", "is not a state file"),
    ],
)
def test_a_state_file_the_source_did_not_write_stops_it_before_anything_is_sent(server, tmp_path, content, expected):
    state_file = tmp_path / "runs.json"
    state_file.write_text(content)
    message = run_until_stopped(server, {"threads": ["thread_a"], "state_file": str(state_file)})
    assert expected in message and str(state_file) in message and "delete it" in message and "\n" not in message
    assert server.requests == []
    assert state_file.read_text() == content, "the file was changed"


def test_a_state_file_in_a_missing_directory_stops_the_source(server, tmp_path):
    message = run_until_stopped(server, {"threads": ["thread_a"], "state_file": str(tmp_path / "nowhere" / "s.json")})
    assert "does not exist; create it first" in message and "\n" not in message
    assert server.requests == []


def test_one_worker_thread_makes_every_call(server, monkeypatch):
    assistant, thread = function_assistant(server), new_thread(server)
    callers: list[threading.Thread] = []
    poll_thread = SOURCE["RunWatcher"].poll_thread

    def recorded(self, thread_id):
        callers.append(threading.current_thread())
        return poll_thread(self, thread_id)

    monkeypatch.setattr(SOURCE["RunWatcher"], "poll_thread", recorded)

    async def scenario():
        source = Harness(server, {"threads": [thread["id"]]})
        await source.start()
        start_run(server, thread, assistant)
        await source.clock.step(5)
        found = source.events()
        await source.stop()
        return found

    found = run(scenario)
    assert len(found) == 1 and len(callers) == 6
    assert len(set(callers)) == 1, f"{len(set(callers))} threads made 6 polls"
    (worker,) = set(callers)
    assert worker is not threading.main_thread()
    worker.join(timeout=STEP_LIMIT)
    assert not worker.is_alive(), "the worker outlived the source"


def test_the_source_speaks_the_assistants_api_whatever_openai_api_says(monkeypatch):
    monkeypatch.setenv("OPENAI_API", "responses")
    settings = SOURCE["settings_from_args"]({"api_key": "sk-eda-0123456789", "api_base": "https://api.openai.com/v1"})

    assert settings.wire_api == "assistants"
