# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Result shapes the cores share. Plain Python."""

from __future__ import annotations

from typing import Any, Optional

from .._once import MARKER_KEY
from .._polling import tool_calls
from .._task import Result


def run_result(run: dict[str, Any], changed: bool, fact: Optional[str] = None) -> Result:
    """`run`, with `tool_calls` when it waits for tool outputs, and the fact."""
    result: Result = dict(changed=changed, run=run)
    if run.get("status") == "requires_action":
        result["tool_calls"] = tool_calls(run)
    if fact:
        result["ansible_facts"] = {fact: run}
    return result


CHECK_MODE_ID = "check_mode_{kind}_not_created"


def placeholder(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """What check mode returns where a real run would create an object: the same
    shape, with an ID that is visibly not a real one."""
    obj: dict[str, Any] = dict(fields, id=CHECK_MODE_ID.format(kind=kind), object=kind, created_at=0)
    obj.setdefault("metadata", {})
    return obj


def is_placeholder(value: Any) -> bool:
    """An ID (or an object with one) that check mode made up in an earlier task."""
    text = value.get("id") if isinstance(value, dict) else value
    return isinstance(text, str) and text.startswith("check_mode_") and text.endswith("_not_created")


def placeholder_run(thread_id: Optional[str], assistant_id: str, status: str = "queued") -> dict[str, Any]:
    run = placeholder("thread.run", {"assistant_id": assistant_id, "status": status})
    run["thread_id"] = thread_id or CHECK_MODE_ID.format(kind="thread")
    return run


def comparable(value: Any, key: str) -> Any:
    """A current value as the task's wanted value is compared with it: the
    creation marker is not part of the metadata a task describes."""
    if key == "metadata" and isinstance(value, dict):
        return {k: v for k, v in value.items() if k != MARKER_KEY}
    return value


def _covers(current: Any, wanted: Any) -> bool:
    """True when `current` has every value `wanted` sets (the server may add more)."""
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(_covers(current.get(k), v) for k, v in wanted.items())
    return bool(current == wanted)


def same_tools(current: Any, wanted: Any) -> bool:
    """Tools as a set, each matched by what the task sets: order and fields a
    server fills in (file_search.ranking_options, function.strict) do not count."""
    if not isinstance(current, list) or not isinstance(wanted, list) or len(current) != len(wanted):
        return False
    remaining = list(current)
    for tool in wanted:
        match = next((i for i, have in enumerate(remaining) if _covers(have, tool)), None)
        if match is None:
            return False
        remaining.pop(match)
    return True
