# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Waiting for a run to end, as the cmdlet Wait-ThreadRun does.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait for the run to end and return the final run.
      - A run that needs tool outputs (C(requires_action)) ends the wait without failing; the result's C(tool_calls)
        lists the calls to answer.
      - A run that ends C(failed), C(expired) or C(incomplete) fails the task, with the run's C(last_error)
        or C(incomplete_details) in the message and the run in the result.
      - A wait longer than O(wait_timeout) fails the task with the last run seen; the run goes on on the server.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the run to end.
    type: float
    default: 600
  poll_interval:
    description:
      - Seconds between two reads of the run. A server's C(openai-poll-after-ms) header overrides it.
      - All reads of one run go over one kept-alive connection.
    type: float
    default: 1
  status_for_wait:
    description: Statuses to keep waiting on. Default C(queued), C(in_progress) and C(cancelling).
    type: list
    elements: str
    choices: [queued, in_progress, requires_action, cancelling, cancelled, failed, completed, incomplete, expired]
  status_for_exit:
    description: Statuses that end the wait even when O(status_for_wait) lists them.
    type: list
    elements: str
    choices: [queued, in_progress, requires_action, cancelling, cancelled, failed, completed, incomplete, expired]
"""
