# Test-only callback: append every task result, as JSON lines, to the file
# named by SEED_OPENAI_RESULTS, so tests read results instead of parsing output.
from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: record_results
type: aggregate
short_description: Record task results as JSON lines (tests only)
description: Appends each task result to the file named by SEED_OPENAI_RESULTS.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        path = os.environ.get("SEED_OPENAI_RESULTS")
        if not path:
            return
        data = getattr(result, "result", None)
        if data is None:
            data = result._result
        entry = {"task": result._task.get_name(), "status": status, "result": data}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "changed" if result.is_changed() else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
