# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module shell: a thin AnsibleModule subclass that validates a task's
options with the collection's argument spec, runs the module's core and
prints its result. The action plugin shell (plugins/plugin_utils/_action.py)
runs the same core in-process."""

from __future__ import annotations

import importlib.util
import os
from typing import Any, Callable, NoReturn
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._argspec import invocation, module_spec
from ._connection import api_base_origin, given_options
from ._task import Result, Task, run_core

# Looked up, not imported: the client imports them only when a request is due.
MISSING_LIBS = [name for name in ("requests", "urllib3") if importlib.util.find_spec(name) is None]


def secret_values(params: dict[str, Any]) -> list[str]:
    """Values to mask that no_log does not cover: a password in api_base is
    refused, but Ansible would echo it in the task's arguments."""
    try:
        password = urlsplit(params.get("api_base") or "").password
    except ValueError:
        return []  # not a URL: the client refuses it in one line naming api_base
    return [password] if password else []


class OpenAIModule(AnsibleModule):
    """AnsibleModule with the collection's argument spec for module `name`."""

    def __init__(self, name: str) -> None:
        self.given: set[str] = set()
        super().__init__(**module_spec(name))
        self.no_log_values.update(secret_values(self.params))

    def _load_params(self) -> None:
        super()._load_params()  # type: ignore[no-untyped-call]
        # The options as the task gave them, before the environment fallbacks apply.
        self.given = given_options(self.params)

    def log(self, msg: str, log_args: dict[str, Any] | None = None) -> None:
        # Python 3.12's syslog refuses a NUL, and AnsibleModule fails the task over its own
        # invocation log before the options are checked: logged escaped, a NUL in an option
        # reaches the option's own check (or the request), as it does in-process.
        def escaped(text: Any) -> Any:
            return text.replace("\x00", "\\x00") if isinstance(text, str) else text

        args = {name: escaped(value) for name, value in (log_args or {}).items()}
        super().log(escaped(msg), args)  # type: ignore[no-untyped-call]

    def exit_json(self, **kwargs: Any) -> NoReturn:  # type: ignore[override,misc]
        kwargs.setdefault("invocation", invocation(self.params))
        super().exit_json(**kwargs)

    def fail_json(self, msg: str, **kwargs: Any) -> NoReturn:  # type: ignore[override,misc]
        # Also for the failures AnsibleModule itself reports (bad options),
        # which would otherwise echo headers and query values.
        kwargs.setdefault("invocation", invocation(getattr(self, "params", None) or {}))
        super().fail_json(msg, **kwargs)

    def finish(self, result: Result) -> None:
        for warning in result.pop("warnings", []):
            self.warn(warning)
        if result.pop("failed", False):
            self.fail_json(**result)
        self.exit_json(**result)


def run_task_module(name: str, core: Callable[[Task], Result]) -> None:
    """What each module's run_module() does."""
    module = OpenAIModule(name)
    if MISSING_LIBS:
        module.fail_json(msg=missing_required_lib(MISSING_LIBS[0]))
    task = Task(module.params, check_mode=module.check_mode, api_base_from=api_base_origin(module.given, os.environ))
    module.finish(run_core(core, task))
