# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting out a thread's active run before adding to the thread. Plain Python.

OpenAI refuses a message while a run of its thread is active (400 "while a
run ... is active"), but some compatible servers accept it, and the message
then lands in the middle of the run. So the thread's newest runs are read
before posting, and an active one is waited for. The look is one page of the
newest runs: a run can still start between the look and the post (the 400
path covers servers that refuse it), and a server that ignores `order` may
list older runs first and hide the active one from the look.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Optional

from .._client import OpenAIClient, redact_url
from .._errors import BadAnswer, expect_object
from .._polling import RunNotFinished, wait_for_run
from .._resources import thread_url
from .assistant_runs import run_reader

ACTIVE_STATUSES = ("queued", "in_progress", "requires_action", "cancelling")
LOOK_LIMIT = 20
# A new run may start while we wait for the last: give up after this many.
MAX_WAITS = 5


def active_run(client: OpenAIClient, thread_id: str, time_limit: float) -> Optional[dict[str, Any]]:
    """The thread's active run among its LOOK_LIMIT newest, or None."""
    url = thread_url(client, thread_id, "runs")
    page = client.request("GET", url, query={"limit": LOOK_LIMIT, "order": "desc"}, time_limit=time_limit)
    runs = expect_object(page, f"GET {redact_url(url)}", "list").get("data")
    if not isinstance(runs, list):
        raise BadAnswer(f"GET {redact_url(url)} answered a list without a data array")
    for run in runs:
        if isinstance(run, dict) and run.get("status") in ACTIVE_STATUSES and isinstance(run.get("id"), str):
            return dict(run, thread_id=run.get("thread_id") or thread_id)
    return None


def wait_out_active_run(client: OpenAIClient, thread_id: str, params: Mapping[str, Any]) -> float:
    """Wait until the thread has no active run, within wait_timeout; return
    the seconds of wait_timeout left for what follows. A run waiting for tool
    outputs or approvals would wait for ever: that fails at once."""
    limit = float(params["wait_timeout"])
    deadline = time.monotonic() + limit
    last: dict[str, Any] = {}
    for _attempt in range(MAX_WAITS):
        run = active_run(client, thread_id, max(deadline - time.monotonic(), 0.001))
        if run is None:
            return max(deadline - time.monotonic(), 0.001)
        if run.get("status") != "requires_action":
            left = max(deadline - time.monotonic(), 0.001)
            try:
                run = wait_for_run(run_reader(client), run, dict(params, wait_timeout=left, status_for_wait=None))
            except RunNotFinished as error:
                raise RunNotFinished(
                    f"Run {error.run.get('id')} of {thread_id} is still {error.run.get('status')} after {limit:g} s "
                    "(wait_timeout); the message was not added",
                    error.run,
                ) from None
        if run.get("status") == "requires_action":
            raise RunNotFinished(
                f"Run {run['id']} waits for tool outputs; answer them with openai_thread_run_tool_outputs "
                "or cancel the run, then add the message",
                run,
            )
        last = run
    raise RunNotFinished(f"Runs of {thread_id} kept starting; the message was not added", last)
