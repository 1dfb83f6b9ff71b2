# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of openai_thread_messages_info: read a thread's messages. Plain Python."""

from __future__ import annotations

from .._errors import InvalidInput
from .._ids import resolve_id
from .._shapes import message_text
from .._task import Result, Task
from ._shape import is_placeholder


def run(task: Task) -> Result:
    params = task.params
    thread_id = resolve_id(params["thread"], "thread", "thread")
    if not 1 <= params["limit"] <= 100:
        raise InvalidInput(f"limit must be between 1 and 100, got {params['limit']}")
    run_id = None if params["run"] is None else resolve_id(params["run"], "run", "run")
    api = task.api()
    if task.check_mode and is_placeholder(thread_id):
        # A thread an earlier task would have created: it has no messages to read.
        return dict(changed=False, messages=[], latest_answer=None)
    messages = api.list_messages(thread_id, params["limit"], params["all"], run_id)
    answers = [message_text(m) for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]
    return dict(changed=False, messages=messages, latest_answer=answers[0] if answers else None)
