# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openai_thread_run_cancel in-process when the task runs locally (plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_run_cancel
from ansible_collections.seed.openai.plugins.plugin_utils._action import OpenAIAction


class ActionModule(OpenAIAction):
    MODULE = "openai_thread_run_cancel"
    CORE = staticmethod(thread_run_cancel.run)
