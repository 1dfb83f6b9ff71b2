# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.openai.run_events: an Event-Driven Ansible source that watches the runs of
Assistants API threads and puts one event on the queue each time a run reaches
one of the watched statuses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import sys
import threading
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, TypeVar

DOCUMENTATION = r"""
---
short_description: Events when runs of Assistants API threads need tool outputs or end
description:
  - Polls the runs of O(threads) and puts one event on the queue each time a run reaches one of O(statuses),
    including runs started after the source starts.
  - Each event is a dict with C(openai_run) (the run object), C(tool_calls) (the function calls a run in
    C(requires_action) waits for, else an empty list) and C(latest_answer) (for a C(completed) run, the text of
    its newest assistant message, else null).
  - A run is reported once per transition; a run that stays in a status is not reported again.
  - The state lives in memory. After a restart the first poll is a baseline again; see O(include_existing).
  - Takes the connection options of the collection's modules (api_base, api_key, organization, auth_type,
    api_version, headers, query, validate_certs, ca_path, timeout, max_retry_count) with the same environment
    fallbacks (E(OPENAI_API_BASE), E(OPENAI_BASE_URL), E(OPENAI_API_KEY), E(OPENAI_ORGANIZATION)).
options:
  threads:
    description: The thread IDs to watch, as a list (or one string of comma-separated IDs).
    type: list
    elements: str
    required: true
  statuses:
    description: The run statuses that make an event.
    type: list
    elements: str
    default: [requires_action, completed, failed, cancelled, expired, incomplete]
  include_existing:
    description:
      - Report the runs already in one of O(statuses) when the source starts (from the newest 100 runs of each
        thread). When false, the first poll only records them.
    type: bool
    default: false
  interval:
    description:
      - Seconds between polls. A larger C(openai-poll-after-ms) from the server is honoured. After an answer of
        429 or 5xx, or a failed connection, the source waits about 1, 2, 4... seconds, up to 60, and tries again.
    type: float
    default: 5
  timeout:
    description: Seconds each HTTP request may take (0 for no limit).
    type: float
    default: 30
"""

EXAMPLES = r"""
- name: Answer assistant runs
  hosts: all
  sources:
    - seed.openai.run_events:
        threads:
          - thread_abc123
        interval: 5
  rules:
    - name: Answer the function calls
      condition: event.openai_run.status == "requires_action"
      action:
        run_playbook:
          name: extensions/eda/playbooks/answer_tool_calls.yml
"""


def _make_collection_importable() -> None:
    """ansible-rulebook runs this file with runpy, outside Ansible's collection
    loader: put the collections directory it sits in on sys.path so the
    collection's own HTTP client can be imported."""
    here = os.path.abspath(globals().get("__file__") or ".")
    # <root>/ansible_collections/seed/openai/extensions/eda/plugins/event_source/run_events.py
    root = here
    for _level in range(8):
        root = os.path.dirname(root)
    if os.path.isdir(os.path.join(root, "ansible_collections")) and root not in sys.path:
        sys.path.append(root)


try:
    from ansible_collections.seed.openai.plugins.module_utils._client import OpenAIClient, Settings
except ImportError:
    _make_collection_importable()
    from ansible_collections.seed.openai.plugins.module_utils._client import OpenAIClient, Settings

from ansible_collections.seed.openai.plugins.module_utils._backoff import backoff_delay  # noqa: E402
from ansible_collections.seed.openai.plugins.module_utils._connection import settings_from_options  # noqa: E402
from ansible_collections.seed.openai.plugins.module_utils._errors import APIError, InvalidInput, TransportError  # noqa: E402
from ansible_collections.seed.openai.plugins.module_utils._polling import RUN_STATUSES  # noqa: E402
from ansible_collections.seed.openai.plugins.module_utils._resources import thread_url  # noqa: E402
from ansible_collections.seed.openai.plugins.module_utils._tasks._shape import function_calls  # noqa: E402

TERMINAL_STATUSES = ("completed", "failed", "cancelled", "expired", "incomplete")
DEFAULT_STATUSES = ("requires_action", *TERMINAL_STATUSES)
PAGE_SIZE = 100
# Pages of runs read in one poll of a thread at the most (100 runs a page).
MAX_RUN_PAGES = 20
# A server that asks for a long pause is obeyed, up to this many seconds.
MAX_SERVER_PAUSE = 600.0
# How far back to look for a completed run's answer when the server ignores run_id.
MAX_MESSAGE_PAGES = 5
RETRIED_STATUSES = frozenset([408, 409, 429, *range(500, 600)])
SOURCE = "seed.openai.run_events"
CONNECTION_OPTIONS = (
    "api_base",
    "api_key",
    "organization",
    "auth_type",
    "api_version",
    "headers",
    "query",
    "validate_certs",
    "ca_path",
    "timeout",
    "max_retry_count",
    "entra_scope",
    "entra_token",
)
WATCH_OPTIONS = ("threads", "statuses", "include_existing", "interval")

logger = logging.getLogger(SOURCE)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[Any]]


class RunEventsError(Exception):
    """The source cannot go on: str() is one line that says what to fix."""


# -- options ------------------------------------------------------------------


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise RunEventsError(f"{name} must be true or false, got {value!r}")


def _as_number(name: str, value: Any, kind: Callable[[Any], T]) -> T:
    if isinstance(value, bool):
        raise RunEventsError(f"{name} must be a number, got {value!r}")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise RunEventsError(f"{name} must be a number, got {value!r}") from None


def _as_list(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise RunEventsError(f"{name} must be a list of strings, got {type(value).__name__}")
    return [item for item in value if item]


def settings_from_args(args: Mapping[str, Any]) -> Settings:
    """The connection options as the client's Settings, with the modules'
    environment fallbacks (the one place that maps options to Settings)."""
    headers = args.get("headers") or {}
    query = args.get("query") or {}
    if not isinstance(headers, dict) or not isinstance(query, dict):
        raise RunEventsError("headers and query must be dicts of names to values")
    options = dict(
        args,
        headers=headers,
        query=query,
        timeout=_as_number("timeout", args.get("timeout", 30), float),
        max_retry_count=_as_number("max_retry_count", args.get("max_retry_count", 0), int),
        validate_certs=_as_bool("validate_certs", args.get("validate_certs", True)),
    )
    # The modules' own mapping, environment fallbacks and Entra ID included.
    return settings_from_options(options, os.environ)


@dataclass
class WatchOptions:
    threads: list[str]
    statuses: frozenset[str]
    include_existing: bool = False
    interval: float = 5.0


def watch_options(args: Mapping[str, Any]) -> WatchOptions:
    unknown = sorted(
        key for key in args if key not in CONNECTION_OPTIONS + WATCH_OPTIONS and not key.startswith("eda_")
    )
    if unknown:
        raise RunEventsError(
            f"unknown argument {unknown[0]!r}; {SOURCE} takes {', '.join(WATCH_OPTIONS)} and the connection options"
        )
    threads = list(dict.fromkeys(_as_list("threads", args.get("threads") or [])))
    if not threads:
        raise RunEventsError("threads is empty; give the IDs of the threads whose runs to watch")
    statuses = _as_list("statuses", args.get("statuses") or list(DEFAULT_STATUSES))
    wrong = [status for status in statuses if status not in RUN_STATUSES]
    if wrong or not statuses:
        raise RunEventsError(f"statuses must be run statuses ({', '.join(RUN_STATUSES)}), got {wrong or statuses!r}")
    interval = _as_number("interval", args.get("interval", 5), float)
    if not math.isfinite(interval) or interval <= 0:
        raise RunEventsError(f"interval must be more than 0 seconds, got {interval:g}")
    return WatchOptions(
        threads, frozenset(statuses), _as_bool("include_existing", args.get("include_existing", False)), interval
    )


# -- reading the server (blocking: called in a worker thread) ----------------


def _poll_after(headers: Mapping[str, str]) -> float:
    try:
        return max(0.0, float(headers.get("openai-poll-after-ms") or 0) / 1000.0)
    except ValueError:
        return 0.0


def text_of(value: Any) -> str:
    """The text of a message's text value: a string, an object {"value": ...}
    or a list of parts, as different servers send it."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("value", value.get("text"))
        return text_of(inner) if inner is not None else ""
    if isinstance(value, list):
        return "".join(text_of(part) for part in value)
    return ""


def message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if not isinstance(content, list):
        return text_of(content)
    parts = [part for part in content if not isinstance(part, dict) or part.get("type", "text") == "text"]
    return "".join(text_of(part.get("text") if isinstance(part, dict) else part) for part in parts)


@dataclass
class ThreadState:
    """What the source knows of one thread's runs: their statuses at the last poll."""

    statuses: dict[str, str] = field(default_factory=dict)
    baseline_done: bool = False


class RunWatcher:
    """Polls the threads and turns status changes into events."""

    def __init__(self, client: OpenAIClient, options: WatchOptions) -> None:
        self.client = client
        self.options = options
        self.threads = {thread_id: ThreadState() for thread_id in options.threads}

    def poll_thread(self, thread_id: str) -> tuple[list[dict[str, Any]], float]:
        """The events of one thread since the last poll, and the pause the server
        asked for. Nothing is recorded until every event is built: a poll that
        fails half-way is repeated whole, so no event is lost or made twice."""
        state = self.threads[thread_id]
        seen: dict[str, str] = {}
        changed: list[dict[str, Any]] = []
        pause = 0.0
        url = thread_url(self.client, thread_id, "runs")
        query: dict[str, Any] = {"order": "desc", "limit": PAGE_SIZE}
        cursors: set[str] = set()
        for _page in range(MAX_RUN_PAGES):
            page, headers = self.client.exchange("GET", url, query=query)
            pause = max(pause, _poll_after(headers))
            runs = page.get("data") if isinstance(page, dict) else None
            if not isinstance(runs, list):
                raise RunEventsError(f"the server's list of runs of thread {thread_id} has no data array")
            known_and_done = False
            for run in runs:
                if not isinstance(run, dict) or not isinstance(run.get("id"), str) or run["id"] in seen:
                    continue  # not a run, or one this walk has seen already (a page repeated)
                status = str(run.get("status"))
                before = state.statuses.get(run["id"])
                seen[run["id"]] = status
                report = state.baseline_done or self.options.include_existing
                if report and status in self.options.statuses and status != before:
                    changed.append(run)
                # Runs older than one that had ended were ended too: stop here.
                known_and_done = known_and_done or (before in TERMINAL_STATUSES and status in TERMINAL_STATUSES)
            if not state.baseline_done or known_and_done or not page.get("has_more") or not runs:
                break
            cursor = page.get("last_id") or runs[-1].get("id")
            # A server whose cursor does not move would be read forever.
            if not isinstance(cursor, str) or cursor in cursors:
                break
            cursors.add(cursor)
            query["after"] = cursor
        events = [self.event(run) for run in reversed(changed)]  # oldest first
        # Only the runs of this walk are kept: memory stays bounded however long the source runs.
        state.statuses = seen
        state.baseline_done = True
        return events, pause

    def event(self, run: dict[str, Any]) -> dict[str, Any]:
        status = run.get("status")
        return {
            "openai_run": run,
            "tool_calls": function_calls(run) if status == "requires_action" else [],
            "latest_answer": self.latest_answer(run) if status == "completed" else None,
        }

    def latest_answer(self, run: dict[str, Any]) -> Optional[str]:
        """The newest assistant message of the run, filtered here too: some
        servers ignore the run_id parameter."""
        url = thread_url(self.client, str(run.get("thread_id")), "messages")
        query: dict[str, Any] = {"run_id": run["id"], "order": "desc", "limit": PAGE_SIZE}
        for _page in range(MAX_MESSAGE_PAGES):
            page = self.client.request("GET", url, query=query)
            messages = page.get("data") if isinstance(page, dict) else None
            if not isinstance(messages, list) or not messages:
                return None
            for message in messages:
                if (
                    isinstance(message, dict)
                    and message.get("run_id") == run["id"]
                    and message.get("role") == "assistant"
                ):
                    return message_text(message)
            if not page.get("has_more"):
                return None
            query["after"] = page.get("last_id") or messages[-1].get("id")
        return None


# -- the asyncio side ---------------------------------------------------------


async def _in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run blocking HTTP in a daemon thread: the event loop stays free, and a
    cancelled source neither waits for the request nor holds up the process
    at exit (the default executor's threads are joined at shutdown)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(error: Optional[BaseException], result: Any) -> None:
        if future.done():  # cancelled meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        error: Optional[BaseException] = None
        result: Any = None
        try:
            result = function(*args)
        except BaseException as exc:  # handed to the awaiting coroutine
            error = exc
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for the answer any more
            loop.call_soon_threadsafe(deliver, error, result)

    threading.Thread(target=work, name=f"{SOURCE} poll", daemon=True).start()
    return await future


def _fatal(thread_id: str, error: APIError) -> RunEventsError:
    if error.status in (401, 403):
        return RunEventsError(f"{SOURCE}: the server refused the API key ({error}); check api_key or OPENAI_API_KEY")
    if error.status == 404:
        return RunEventsError(f"{SOURCE}: thread {thread_id} was not found ({error}); check threads and api_base")
    return RunEventsError(f"{SOURCE}: thread {thread_id}: {error}")


async def watch(queue: Any, watcher: RunWatcher, sleep: Sleep) -> None:
    """Poll every thread, put the events on the queue, wait, again; on 429,
    5xx or a failed connection wait longer and try again."""
    options = watcher.options
    failures = 0
    while True:
        pause = options.interval
        for thread_id in options.threads:
            try:
                events, asked = await _in_thread(watcher.poll_thread, thread_id)
            except APIError as error:
                if error.status not in RETRIED_STATUSES:
                    raise _fatal(thread_id, error) from None
                failures += 1
                wait = max(backoff_delay(failures), min(error.retry_after or 0.0, MAX_SERVER_PAUSE))
                logger.warning("%s: %s; trying again in %.1f s", SOURCE, str(error).rstrip("."), wait)
                pause = max(pause, wait)
                break
            except TransportError as error:
                failures += 1
                wait = backoff_delay(failures)
                logger.warning("%s: %s; trying again in %.1f s", SOURCE, str(error).rstrip("."), wait)
                pause = max(pause, wait)
                break
            failures = 0
            pause = max(pause, min(asked, MAX_SERVER_PAUSE))
            for event in events:
                run = event["openai_run"]
                logger.info("%s: run %s of thread %s is %s", SOURCE, run.get("id"), thread_id, run.get("status"))
                await queue.put(event)
        await sleep(pause)


async def main(queue: asyncio.Queue[Any], args: dict[str, Any], *, sleep: Sleep = asyncio.sleep) -> None:
    """Watch the runs of args["threads"] until cancelled; raise RunEventsError
    (one line) when the options are wrong or the server refuses the key or a thread."""
    try:
        options = watch_options(args)
        client = OpenAIClient(settings_from_args(args), report=lambda text: logger.warning("%s: %s", SOURCE, text))
    except InvalidInput as error:
        raise RunEventsError(f"{SOURCE}: {error}") from None
    for warning in client.warnings():
        logger.warning("%s: %s", SOURCE, warning)
    try:
        await watch(queue, RunWatcher(client, options), sleep)
    finally:
        client.session.close()


if __name__ == "__main__":
    # Try it by hand against a server: OPENAI_API_BASE=... OPENAI_API_KEY=... python run_events.py THREAD_ID...

    class MockQueue:
        async def put(self, event: dict[str, Any]) -> None:
            print(event, flush=True)

    logging.basicConfig(level=logging.INFO)
    try:
        asyncio.run(main(MockQueue(), {"threads": sys.argv[1:], "interval": 2, "include_existing": True}))  # type: ignore[arg-type]
    except (KeyboardInterrupt, RunEventsError) as stopped:
        sys.exit(str(stopped) or None)
