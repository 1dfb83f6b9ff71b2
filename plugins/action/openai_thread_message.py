# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openai_thread_message in-process when the task runs locally (plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_message
from ansible_collections.seed.openai.plugins.plugin_utils._action import OpenAIAction


class ActionModule(OpenAIAction):
    MODULE = "openai_thread_message"
    CORE = staticmethod(thread_message.run)
