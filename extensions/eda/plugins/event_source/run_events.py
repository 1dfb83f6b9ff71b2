# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.openai.run_events: an Event-Driven Ansible source that watches the runs of
Assistants API threads and puts one event on the queue each time a run reaches
one of the watched statuses."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import Any, Callable, Optional, TypeVar

DOCUMENTATION = r"""
---
short_description: Events when runs of Assistants API threads need tool outputs or end
description:
  - Polls the runs of O(threads) and puts one event on the queue each time a run reaches one of O(statuses),
    including runs started after the source starts.
  - Each event is a dict with C(openai_run) (the run object), C(previous_status) (the status the source last saw
    the run in, null for a run it had not seen), C(tool_calls) (the function calls a run in C(requires_action)
    waits for, else an empty list) and C(latest_answer) (for a C(completed) run, the text of its newest assistant
    message, else null).
  - A run is reported once per transition; a run that stays in a status is not reported again. A run that moved
    through several statuses between two polls (during an outage, say) is reported once, in the status it has
    now, with the status it was last seen in as C(previous_status).
  - The state lives in memory, and in O(state_file) when given; without one, the first poll after a restart is a
    baseline again (see O(include_existing)).
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
      - Seconds between polls. A larger C(openai-poll-after-ms) from the server is honoured.
      - After an answer of 429 or 5xx, or a failed connection, the source tries again after the same interval (or
        the server's C(Retry-After) when longer, up to 600 seconds), so it is back at its normal pace within one
        interval of the server's return, which it logs.
    type: float
    default: 5
  state_file:
    description:
      - A file where the source keeps the status of each run it has seen, rewritten whole (C(0600)) after each
        poll that saw a change. After a restart the source resumes from it, so the runs that changed while it was
        down are reported, with C(previous_status). Threads not in the file start with a baseline.
      - Its directory must exist. One file per source; empty means none.
    type: str
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
        state_file: /var/lib/eda/run_events.json
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
WATCH_OPTIONS = ("threads", "statuses", "include_existing", "interval", "state_file")
STATE_FORMAT = 1
# A state file larger than this was not written by the source (it keeps at most
# MAX_RUN_PAGES * PAGE_SIZE runs a thread).
MAX_STATE_SIZE = 64 * 1024 * 1024

logger = logging.getLogger(SOURCE)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[Any]]
Clock = Callable[[], float]


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
        # The source watches threads and their runs: the Assistants API only,
        # whatever OPENAI_API says for the modules.
        api="assistants",
    )
    # The modules' own mapping, environment fallbacks and Entra ID included.
    return settings_from_options(options, os.environ)


@dataclass
class WatchOptions:
    threads: list[str]
    statuses: frozenset[str]
    include_existing: bool = False
    interval: float = 5.0
    state_file: Optional[str] = None


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
    state_file = args.get("state_file") or None
    if state_file is not None and not isinstance(state_file, str):
        raise RunEventsError(f"state_file must be a file path, got {type(state_file).__name__}")
    return WatchOptions(
        threads,
        frozenset(statuses),
        _as_bool("include_existing", args.get("include_existing", False)),
        interval,
        state_file,
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
        # Set when a poll saw a status differ from the last one: the state file is behind.
        self.changed = False

    def resume(self, saved: Mapping[str, Mapping[str, str]]) -> None:
        """Start from the statuses a state file kept: no baseline for those threads."""
        for thread_id, statuses in saved.items():
            if thread_id in self.threads:
                self.threads[thread_id] = ThreadState(dict(statuses), baseline_done=True)

    def saved_state(self) -> dict[str, dict[str, str]]:
        return {thread_id: dict(state.statuses) for thread_id, state in self.threads.items() if state.baseline_done}

    def poll_thread(self, thread_id: str) -> tuple[list[dict[str, Any]], float]:
        """The events of one thread since the last poll, and the pause the server
        asked for. Nothing is recorded until every event is built: a poll that
        fails half-way is repeated whole, so no event is lost or made twice."""
        state = self.threads[thread_id]
        seen: dict[str, str] = {}
        changed: list[tuple[dict[str, Any], Optional[str]]] = []
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
                    changed.append((run, before))
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
        events = [self.event(run, before) for run, before in reversed(changed)]  # oldest first
        # Only the runs of this walk are kept: memory stays bounded however long the source runs.
        self.changed = self.changed or not state.baseline_done or seen != state.statuses
        state.statuses = seen
        state.baseline_done = True
        return events, pause

    def event(self, run: dict[str, Any], previous_status: Optional[str] = None) -> dict[str, Any]:
        status = run.get("status")
        return {
            "openai_run": run,
            "previous_status": previous_status,
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


# -- the state file -------------------------------------------------------------


class StateFile:
    """The statuses the source has seen, in a JSON file the user names, so a
    restart resumes instead of starting from a baseline. Replaced whole by a
    rename: a crash leaves the old state or the new one, never half of one."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(os.path.expanduser(path))

    def _refuse(self, reason: str) -> RunEventsError:
        return RunEventsError(
            f"{SOURCE}: state_file {self.path} {reason}; delete it (or name another) to start from a baseline"
        )

    def load(self) -> dict[str, dict[str, str]]:
        """The saved statuses by thread, empty when the file does not exist yet."""
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            raise RunEventsError(f"{SOURCE}: the directory of state_file {self.path} does not exist; create it first")
        try:
            with open(self.path, "rb") as handle:
                text = handle.read(MAX_STATE_SIZE + 1)
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise self._refuse(f"cannot be read ({error.strerror or error})") from None
        if len(text) > MAX_STATE_SIZE:
            raise self._refuse(f"is larger than {MAX_STATE_SIZE // (1024 * 1024)} MiB")
        try:
            data = json.loads(text)
        except ValueError:
            raise self._refuse("is not JSON") from None
        ours = isinstance(data, dict) and data.get("source") == SOURCE and data.get("format") == STATE_FORMAT
        threads = data.get("threads") if ours else None
        if not isinstance(threads, dict):
            raise self._refuse(f"is not a state file of {SOURCE} (format {STATE_FORMAT})")
        for statuses in threads.values():
            if not isinstance(statuses, dict) or not all(
                isinstance(run_id, str) and isinstance(status, str) for run_id, status in statuses.items()
            ):
                raise self._refuse("has a thread whose runs are not a map of run IDs to statuses")
        return threads

    def save(self, threads: Mapping[str, Mapping[str, str]]) -> None:
        data = {"format": STATE_FORMAT, "source": SOURCE, "saved_at": int(time.time()), "threads": threads}
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(self.path)}.", dir=os.path.dirname(self.path)
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


# -- the asyncio side ---------------------------------------------------------


class Worker:
    """The one thread that makes the source's blocking calls, one after another,
    so the event loop stays free. A daemon: a cancelled source neither waits for
    a request in flight nor holds the process at exit (the default executor's
    threads are joined at shutdown)."""

    def __init__(self) -> None:
        self._jobs: SimpleQueue[Optional[tuple[Any, ...]]] = SimpleQueue()
        self._thread: Optional[threading.Thread] = None

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=f"{SOURCE} worker", daemon=True)
            self._thread.start()
        self._jobs.put((loop, future, function, args))
        return await future

    def stop(self) -> None:
        """The thread ends once the call it is making, if any, returns."""
        self._jobs.put(None)

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            loop, future, function, args = job
            error: Optional[BaseException] = None
            result: Any = None
            try:
                result = function(*args)
            except BaseException as exc:  # handed to the awaiting coroutine
                error = exc
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for the answer any more
                loop.call_soon_threadsafe(_deliver, future, error, result)


def _deliver(future: asyncio.Future[Any], error: Optional[BaseException], result: Any) -> None:
    if future.done():  # cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _fatal(thread_id: str, error: APIError) -> RunEventsError:
    if error.status in (401, 403):
        return RunEventsError(f"{SOURCE}: the server refused the API key ({error}); check api_key or OPENAI_API_KEY")
    if error.status == 404:
        return RunEventsError(f"{SOURCE}: thread {thread_id} was not found ({error}); check threads and api_base")
    return RunEventsError(f"{SOURCE}: thread {thread_id}: {error}")


class Outage:
    """Failed polls in a row: logged at the first, the 2nd, 4th, 8th... and when
    the error changes (not once per poll for hours), and the return once."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.failures = 0
        self.since = 0.0
        self._last = ""

    def failed(self, error: Exception, wait: float) -> None:
        if self.failures == 0:
            self.since = self.clock()
        self.failures += 1
        text = str(error).rstrip(".")
        if text != self._last or self.failures & (self.failures - 1) == 0:
            repeated = f" (failed poll {self.failures} in a row)" if self.failures > 1 else ""
            logger.warning("%s: %s%s; trying again in %.1f s", SOURCE, text, repeated, wait)
        self._last = text

    def ended(self, interval: float) -> None:
        if self.failures:
            logger.warning(
                "%s: the server answers again, after %d failed poll%s over %.1f s; polling every %g s",
                SOURCE,
                self.failures,
                "" if self.failures == 1 else "s",
                self.clock() - self.since,
                interval,
            )
        self.failures = 0
        self._last = ""


async def watch(
    queue: Any,
    watcher: RunWatcher,
    sleep: Sleep,
    worker: Worker,
    state: Optional[StateFile] = None,
    clock: Clock = time.monotonic,
) -> None:
    """Poll every thread, put the events on the queue, save the state, wait, again.
    On 429, 5xx or a failed connection wait one interval (or the server's
    Retry-After) and try again: a server that is back is polled within one interval."""
    options = watcher.options
    outage = Outage(clock)
    save_failed = False
    while True:
        pause = options.interval
        for thread_id in options.threads:
            try:
                events, asked = await worker.call(watcher.poll_thread, thread_id)
            except APIError as error:
                if error.status not in RETRIED_STATUSES:
                    raise _fatal(thread_id, error) from None
                pause = max(pause, min(error.retry_after or 0.0, MAX_SERVER_PAUSE))
                outage.failed(error, pause)
                break
            except TransportError as error:
                outage.failed(error, pause)
                break
            outage.ended(options.interval)
            pause = max(pause, min(asked, MAX_SERVER_PAUSE))
            for event in events:
                run = event["openai_run"]
                logger.info(
                    "%s: run %s of thread %s is %s (was %s)",
                    SOURCE,
                    run.get("id"),
                    thread_id,
                    run.get("status"),
                    event["previous_status"] or "not seen",
                )
                await queue.put(event)
        if state is not None and watcher.changed:
            # Saved after the events are queued: a crash in between reports them again, never loses them.
            try:
                await worker.call(state.save, watcher.saved_state())
                watcher.changed = False
                if save_failed:
                    logger.warning("%s: state_file %s is saved again", SOURCE, state.path)
                save_failed = False
            except OSError as error:
                if not save_failed:
                    logger.warning("%s: state_file %s cannot be saved: %s", SOURCE, state.path, error)
                save_failed = True
        await sleep(pause)


async def main(
    queue: asyncio.Queue[Any], args: dict[str, Any], *, sleep: Sleep = asyncio.sleep, clock: Clock = time.monotonic
) -> None:
    """Watch the runs of args["threads"] until cancelled; raise RunEventsError
    (one line) when the options are wrong or the server refuses the key or a thread."""
    try:
        options = watch_options(args)
        state = StateFile(options.state_file) if options.state_file else None
        saved = state.load() if state is not None else {}
        client = OpenAIClient(settings_from_args(args), report=lambda text: logger.warning("%s: %s", SOURCE, text))
    except InvalidInput as error:
        raise RunEventsError(f"{SOURCE}: {error}") from None
    for warning in client.warnings():
        logger.warning("%s: %s", SOURCE, warning)
    watcher = RunWatcher(client, options)
    watcher.resume(saved)
    if state is not None:
        try:  # now, so a file that cannot be written stops the source before it sends anything
            state.save(watcher.saved_state())
        except OSError as error:
            client.session.close()
            raise RunEventsError(f"{SOURCE}: state_file {state.path} cannot be written: {error}") from None
        resumed = len(set(saved) & set(options.threads))
        logger.info(
            "%s: resuming %d of %d threads from state_file %s", SOURCE, resumed, len(options.threads), state.path
        )
    worker = Worker()
    try:
        await watch(queue, watcher, sleep, worker, state, clock)
    finally:
        worker.stop()
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
