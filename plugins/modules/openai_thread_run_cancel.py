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
  - A run that is already over (or already cancelling) fails the task, unless O(force) is set, which makes that a
    no-op with C(changed=false).
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
    description: Do not fail when the run is already over; report C(changed=false) instead.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Cancel the run started earlier and wait until it is cancelled
  seed.openai.openai_thread_run_cancel:
    run: "{{ openai_thread_run }}"
    wait: true
    force: true
"""

RETURN = r"""
run:
  description: The run after the cancel request (after the wait, with O(wait)).
  returned: success
  type: dict
  sample: {id: run_abc123, object: thread.run, status: cancelling}
"""

from ansible_collections.seed.openai.plugins.module_utils._errors import InvalidInput, OpenAIError
from ansible_collections.seed.openai.plugins.module_utils._module import OpenAIModule
from ansible_collections.seed.openai.plugins.module_utils._polling import WAIT_ARGSPEC, check_wait_options, wait_for_run
from ansible_collections.seed.openai.plugins.module_utils._resources import RUN_THREAD_ARGSPEC, run_url, thread_and_run

CANCELLABLE = ("queued", "in_progress", "requires_action")


def run_module() -> None:
    module = OpenAIModule(
        argument_spec=dict(
            **RUN_THREAD_ARGSPEC,
            run=dict(type="raw", required=True, aliases=["run_id"]),
            force=dict(type="bool", default=False),
            **WAIT_ARGSPEC,
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        check_wait_options(params)
        thread_id, run_id = thread_and_run(params)
        client = module.client()
        run = client.request("GET", run_url(client, thread_id, run_id))
        if run.get("status") not in CANCELLABLE:
            if not params["force"]:
                raise InvalidInput(
                    f"Run {run_id} is {run.get('status')} and cannot be cancelled; set force to accept that"
                )
            module.exit_json(changed=False, run=run)
        if module.check_mode:
            module.exit_json(changed=True, run=run)
        run = client.request("POST", run_url(client, thread_id, run_id, "cancel"))
        if params["wait"]:
            run = wait_for_run(client, run, params)
    except OpenAIError as error:
        module.fail_from(error)
    module.exit_with_run(run, True)


def main() -> None:
    run_module()


if __name__ == "__main__":
    main()
