# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openai_thread_run_info with `runs`: many runs read, or waited for, in one
task over its one HTTP session, so that waiting on N runs costs about one run's
time, not N. Plain Python."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import InvalidInput, OpenAIError, one_line
from .._ids import from_json_text
from .._polling import FAILED_STATUSES, check_outcome, wait_for_runs
from .._task import Result, Task
from ._shape import approvals_pending, function_calls, is_placeholder

# More than this in one task is refused: a batch that large belongs in several tasks.
MAX_RUNS = 100


class RunsNotFinished(OpenAIError):
    """Some of the runs failed, or did not end in time; `result` has every run."""

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result


def _label(item: Mapping[str, Any], index: int) -> str:
    shown = item.get("item")
    return f"runs[{index}]" + (f" (item {one_line(str(shown), 60)})" if shown is not None else "")


def collect(value: Any, task: Task) -> list[dict[str, Any]]:
    """The runs to follow: run objects, or registered results of openai_thread_run
    (a loop's `results`, or the registered loop itself). Loop items that failed
    or were skipped are left out, each named in a warning; anything else that is
    not a run fails in one line naming it, before anything is sent."""
    value = from_json_text(value)
    if isinstance(value, dict) and isinstance(value.get("results"), list):
        value = value["results"]
    if not isinstance(value, list):
        raise InvalidInput("runs must be a list of runs, or the registered results of openai_thread_run in a loop")
    if len(value) > MAX_RUNS:
        raise InvalidInput(f"runs holds {len(value)} runs; at most {MAX_RUNS} are followed in one task: split the list")
    api = task.api()
    runs: list[dict[str, Any]] = []
    left_out: list[str] = []
    for index, entry in enumerate(value):
        entry = from_json_text(entry)
        if isinstance(entry, dict) and (entry.get("skipped") is True or entry.get("failed") is True):
            left_out.append(f"{_label(entry, index)} {'was skipped' if entry.get('skipped') else 'failed'}")
            continue
        run = entry.get("run") if isinstance(entry, dict) and isinstance(entry.get("run"), dict) else entry
        if not isinstance(run, dict) or run.get("object", "thread.run") != "thread.run" or "id" not in run:
            raise InvalidInput(
                f"{_label(entry if isinstance(entry, dict) else {}, index)} is not a run: give run objects "
                "or the registered results of openai_thread_run"
            )
        try:
            thread_id, run_id = api.run_ids({"run": run, "thread": None})
        except InvalidInput as error:
            raise InvalidInput(f"{_label(entry, index)}: {error}") from None
        runs.append(dict(run, id=run_id, thread_id=thread_id))
    if left_out:
        task.warn(f"left out of the wait: {'; '.join(left_out)}")
    return runs


def _shown(run: dict[str, Any]) -> dict[str, Any]:
    """The run, with its function calls and approvals to answer when it waits for them."""
    if run.get("status") != "requires_action":
        return run
    return dict(run, tool_calls=function_calls(run), tool_approvals_pending=approvals_pending(run))


def run(task: Task) -> Result:
    params = task.params
    for option in ("run", "thread"):
        if params[option] is not None:
            raise InvalidInput(f"runs names its runs; leave {option} out")
    if params["steps"]:
        raise InvalidInput("steps needs one run: give run, not runs")
    runs = collect(params["runs"], task)
    api = task.api()
    real = [index for index, run in enumerate(runs) if not is_placeholder(run["id"])]
    latest = list(runs)
    problems: dict[int, str] = {}
    if params["wait"]:
        found, problems = wait_for_runs(api.poll_run, [runs[i] for i in real], params)
        for at, index in enumerate(real):
            latest[index] = found[at]
        problems = {real[at]: problem for at, problem in problems.items()}
    else:
        for index in real:
            try:
                latest[index] = api.read_run(runs[index]["thread_id"], runs[index]["id"])
            except OpenAIError as error:
                problems[index] = str(error)
    if params["wait"]:
        for index in real:
            if index not in problems and latest[index].get("status") in FAILED_STATUSES:
                try:
                    check_outcome(latest[index])
                except OpenAIError as error:
                    problems[index] = str(error)
    result: Result = dict(changed=False, runs=[_shown(run) for run in latest])
    if problems:
        named = "; ".join(
            f"{one_line(str(latest[i].get('id')), 80)}: {one_line(problems[i], 200)}" for i in sorted(problems)
        )
        raise RunsNotFinished(f"{len(problems)} of {len(runs)} runs did not end well: {named}", result)
    return result
