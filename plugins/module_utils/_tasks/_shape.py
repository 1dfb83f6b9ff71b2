# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Result shapes the cores share. Plain Python."""

from __future__ import annotations

from typing import Any, Optional

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
