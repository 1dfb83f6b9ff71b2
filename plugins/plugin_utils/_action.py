# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin shell: run a module's core in-process, on the controller,
when that is the same as running the module on localhost; otherwise run the
module as usual.

In-process saves what dominates a task's cost (a new interpreter, the
AnsiballZ payload, the imports) and lets the items of a loop share one HTTP
session. It is used only when the task's connection is local, with no become
and no async, and the client's libraries import on the controller; the
variable seed_openai_execution (or the controller's environment variable
SEED_OPENAI_EXECUTION) set to `module` turns it off everywhere.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields
from typing import Any, Callable, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.seed.openai.plugins.module_utils._argspec import invocation, module_spec
from ansible_collections.seed.openai.plugins.module_utils._client import OpenAIClient
from ansible_collections.seed.openai.plugins.module_utils._connection import (
    api_base_origin,
    given_options,
    settings_from_options,
)
from ansible_collections.seed.openai.plugins.module_utils._module import secret_values
from ansible_collections.seed.openai.plugins.module_utils._task import Result, Task, run_core

# Imported once in the controller, before Ansible forks a worker per task, so
# that each task's worker does not import (and compile) them again.
try:
    import requests.adapters
    import urllib3

    from ansible_collections.seed.openai.plugins.module_utils import _retry

    PRELOADED: tuple[Any, ...] = (requests.adapters, urllib3, _retry)
except ImportError:  # the module then runs on the target: module_execution_reason() says why
    PRELOADED = ()

EXECUTION_VAR = "seed_openai_execution"
EXECUTION_ENV = "SEED_OPENAI_EXECUTION"
CLIENT_LIBRARIES = ("requests", "urllib3")
# Clients kept per worker process: the items of a loop with the same
# connection settings reuse one session (one TCP connection).
MAX_CACHED_CLIENTS = 8
PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)
_clients: OrderedDict[str, OpenAIClient] = OrderedDict()


@contextmanager
def environment(overrides: Mapping[str, Any]) -> Iterator[None]:
    """os.environ as the module would see it: the controller's, with the task's
    `environment:` on top (for fallbacks, proxies and CA bundles)."""
    saved = dict(os.environ)
    os.environ.update({str(k): str(v) for k, v in overrides.items()})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def plain_data(args: Mapping[str, Any]) -> dict[str, Any]:
    """The task's arguments as the module receives them, through JSON: plain
    types rather than the templating engine's own (ansible-core 2.19 tags them)."""
    loaded: dict[str, Any] = json.loads(json.dumps(dict(args), default=str))
    return loaded


def cached_client(task: Task) -> OpenAIClient:
    settings = settings_from_options(task.params, api_base_from=task.api_base_from)
    # Not asdict(): it deep-copies the Entra token source, which holds a lock.
    key_fields = {f.name: getattr(settings, f.name) for f in fields(settings)}
    # The proxy (and its credentials, which the client redacts) come from the environment.
    key_fields["proxies"] = {name: os.environ.get(name) for name in PROXY_VARIABLES}
    key = json.dumps(key_fields, sort_keys=True, default=repr)
    client = _clients.pop(key, None) or OpenAIClient(settings)
    _clients[key] = client
    while len(_clients) > MAX_CACHED_CLIENTS:
        _clients.popitem(last=False)[1].session.close()
    return client


class OpenAIAction(ActionBase):
    """Base of the collection's action plugins; a subclass names its module and core."""

    MODULE: str = ""
    # A staticmethod in each subclass: the module's core function.
    CORE: Callable[[Task], Result]
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: Any = None, task_vars: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        if self.module_execution_reason(task_vars or {}) is None:
            return merge_hash(result, self.run_in_process())
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        name = getattr(self._task, "resolved_action", None) or f"seed.openai.{self.MODULE}"
        result = merge_hash(
            result,
            self._execute_module(
                module_name=name, module_args=self._task.args, task_vars=task_vars, wrap_async=wrap_async
            ),
        )
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def module_execution_reason(self, task_vars: Mapping[str, Any]) -> Optional[str]:
        """Why the module must run as a module (None: in-process is the same thing)."""
        chosen = task_vars.get(EXECUTION_VAR) or os.environ.get(EXECUTION_ENV) or "auto"
        if str(chosen).lower() == "module":
            return f"{EXECUTION_VAR} is module"
        if getattr(self._connection, "transport", None) != "local":
            return "the connection is not local"
        if self._play_context.become or self._task.become:
            return "become is set"
        if self._task.async_val:
            return "the task is async"
        missing = [name for name in CLIENT_LIBRARIES if importlib.util.find_spec(name) is None]
        if missing:
            return f"{missing[0]} is not installed on the controller"
        return None

    def run_in_process(self) -> Result:
        task_environment: dict[str, Any] = {}
        self._compute_environment_string(task_environment)
        with environment(task_environment):
            spec = dict(module_spec(self.MODULE))
            del spec["supports_check_mode"]
            args = plain_data(self._task.args)
            api_base_from = api_base_origin(given_options(args), os.environ)
            validated = ArgumentSpecValidator(**spec).validate(args)
            params = validated.validated_parameters
            hidden = set(validated._no_log_values) | set(secret_values(params))
            if validated.error_messages:
                error = validated.errors[0]
                msg = validated.errors.msg
                if isinstance(error, UnsupportedError):
                    msg = f"Unsupported parameters for ({self._task.resolved_action}) module: {msg}"
                return remove_values(dict(failed=True, msg=msg, invocation=invocation(params)), hidden)
            for warning in validated._warnings:
                self._display.warning(f"Both option {warning['option']} and its alias {warning['alias']} are set.")
            check_mode = bool(self._task.check_mode)
            task = Task(params, check_mode=check_mode, client_factory=cached_client, api_base_from=api_base_from)
            result = run_core(self.CORE, task)
        result["invocation"] = invocation(params)
        return remove_values(result, hidden)
