# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The thread of the run a module works on (the run itself is each module's own option).
    DOCUMENTATION = r"""
options:
  thread:
    description:
      - The thread, as an ID or an object registered earlier.
      - May be omitted when O(run) is a run object, which names its thread.
    type: raw
    aliases: [thread_id]
"""
