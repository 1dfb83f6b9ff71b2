# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openai_assistant in-process when the task runs locally (plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.seed.openai.plugins.module_utils._tasks import assistant
from ansible_collections.seed.openai.plugins.plugin_utils._action import OpenAIAction


class ActionModule(OpenAIAction):
    MODULE = "openai_assistant"
    CORE = staticmethod(assistant.run)
