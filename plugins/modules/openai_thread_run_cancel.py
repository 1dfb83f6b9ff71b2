#!/usr/bin/python
# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread_run_cancel
short_description: Cancel a run of an Assistants API thread
version_added: 1.0.0
description:
  - Cancels O(run), as the PSOpenAI cmdlet C(Stop-ThreadRun) does. The run moves to C(cancelling), then C(cancelled).
  - Idempotent, it describes a state - a run that is not going on. A run that is already C(cancelling) or over
    (C(cancelled), C(completed), C(failed), C(expired), C(incomplete)) is left as it is, with C(changed=false), and
    RV(msg) says which state it was in.
  - After an answer that is lost (a 5xx, a timeout), the run is read again; when it has moved on, the cancel was
    done, and the task succeeds with C(changed=true) instead of sending it twice.
  - With O(wait), waits for the run to leave C(cancelling); a run can still end C(completed) if it finished first.
author:
  - seed.openai contributors (@seed-openai)
extends_documentation_fragment:
  - seed.openai.attributes
  - seed.openai.run_thread
  - seed.openai.connection
  - seed.openai.wait
attributes:
  check_mode:
    support: full
    details: Reads the run to tell whether it would be cancelled, and sends no change.
  diff_mode:
    support: none
options:
  run:
    description: The run to cancel, as an ID or a run object.
    type: raw
    required: true
    aliases: [run_id]
  force:
    description:
      - Kept for playbooks written for 1.0.0, where a run that was already over failed the task unless this was set.
        It changes nothing now - such a run is always left alone with C(changed=false).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Cancel the run started earlier and wait until it is cancelled
  seed.openai.openai_thread_run_cancel:
    run: "{{ openai_thread_run }}"
    wait: true
"""

RETURN = r"""
msg:
  description: Which state the run was already in, when it was left alone.
  returned: when the run was already cancelling or over
  type: str
  sample: Run run_abc123 is already completed
run:
  description: The run after the cancel request (after the wait, with O(wait)).
  returned: success
  type: dict
  sample: {id: run_abc123, object: thread.run, status: cancelling}
response:
  description: The response the run stands for, as the Responses API returned it.
  returned: with O(api=responses), when the response was read
  type: dict
"""

from ansible_collections.seed.openai.plugins.module_utils._module import run_task_module
from ansible_collections.seed.openai.plugins.module_utils._tasks import thread_run_cancel


def run_module() -> None:
    run_task_module("openai_thread_run_cancel", thread_run_cancel.run)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
