# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin shell: run a module's core in-process, on the controller,
when that is the same as running the module on localhost; otherwise run the
module as usual.

In-process saves what dominates a task's cost (a new interpreter, the
AnsiballZ payload, the imports) and lets the items of a loop share one HTTP
session. It is used only when the task's connection is local, with no become
and no async, the module would run with the controller's own Python (the
interpreter decides which requests, certifi and CA bundle a task uses), and
the client's libraries import on the controller; the variable
seed_openai_execution (or the controller's environment variable
SEED_OPENAI_EXECUTION) set to `module` turns it off everywhere.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Callable, Optional

from ansible import constants
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
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
from ansible_collections.seed.openai.plugins.plugin_utils._interrupted import trace_on_interrupt
from ansible_collections.seed.openai.plugins.plugin_utils._parity import (
    alias_warnings,
    environment,
    is_controller_python,
    masked,
    no_log_values,
)

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
EXECUTION_CHOICES = ("auto", "module")
# Interpreter settings that leave the choice to discovery: the module would
# run with a Python found on the host, in-process with the controller's own.
DISCOVERY = ("", "auto", "auto_silent", "auto_legacy", "auto_legacy_silent")
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


class InvalidChoice(ValueError):
    """seed_openai_execution is neither auto nor module."""


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
        task_vars = task_vars or {}
        name = getattr(self._task, "resolved_action", None) or f"seed.openai.{self.MODULE}"
        try:
            reason = self.module_execution_reason(task_vars)
        except InvalidChoice as error:
            return merge_hash(result, dict(failed=True, msg=str(error)))
        if reason is None:
            return merge_hash(result, self.run_in_process(self.returns_invocation(task_vars)))
        self._display.vvv(f"{name} runs as a module: {reason}")
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
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
        if self.execution_choice(task_vars) == "module":
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
        interpreter = self.module_interpreter(task_vars)
        if interpreter is not None and not is_controller_python(interpreter):
            return f"its Python, {interpreter}, is not the controller's ({sys.executable})"
        return None

    def execution_choice(self, task_vars: Mapping[str, Any]) -> str:
        """seed_openai_execution, templated (it may be "{{ a_variable }}"), else
        SEED_OPENAI_EXECUTION, else auto."""
        chosen = self._templar.template(task_vars.get(EXECUTION_VAR))
        if chosen in (None, ""):
            chosen = os.environ.get(EXECUTION_ENV) or "auto"
        choice = str(chosen).strip().lower()
        if choice not in EXECUTION_CHOICES:
            raise InvalidChoice(f"{EXECUTION_VAR} must be auto or module, got {str(chosen)!r}")
        return choice

    def module_interpreter(self, task_vars: Mapping[str, Any]) -> Optional[str]:
        """The Python the module would run with, as ansible-core picks it
        (ansible_python_interpreter, else interpreter_python in the
        configuration or ANSIBLE_PYTHON_INTERPRETER), templated; None when that
        is left to interpreter discovery."""
        variables = task_vars
        if self._task.delegate_to:
            delegated = task_vars.get("ansible_delegated_vars") or {}
            variables = delegated.get(self._task.delegate_to, task_vars)
        configured = constants.config.get_config_value("INTERPRETER_PYTHON", variables=variables)
        interpreter = self._templar.template(configured)
        if not isinstance(interpreter, str) or interpreter.strip() in DISCOVERY:
            return None
        return interpreter.strip()

    def returns_invocation(self, task_vars: Mapping[str, Any]) -> bool:
        """Whether AnsibleModule would return `invocation`: always before
        ansible-core 2.21, since then only with inject_invocation set."""
        if not constants.config.get_configuration_definition("INJECT_INVOCATION"):
            return True
        return bool(constants.config.get_config_value("INJECT_INVOCATION", variables=task_vars))

    def run_in_process(self, with_invocation: bool = True) -> Result:
        task_environment: dict[str, Any] = {}
        self._compute_environment_string(task_environment)
        with environment(task_environment):
            spec = dict(module_spec(self.MODULE))
            del spec["supports_check_mode"]
            args = plain_data(self._task.args)
            api_base_from = api_base_origin(given_options(args), os.environ)
            validated = ArgumentSpecValidator(**spec).validate(args)
            params = validated.validated_parameters
            hidden = no_log_values(spec["argument_spec"], params) | set(secret_values(params))
            warnings = alias_warnings(spec["argument_spec"], args)
            if validated.error_messages:
                error = validated.errors[0]
                msg = validated.errors.msg
                if isinstance(error, UnsupportedError):
                    msg = f"Unsupported parameters for ({self._task.resolved_action}) module: {msg}"
                failed: Result = dict(failed=True, msg=msg)
                if with_invocation:
                    failed["invocation"] = invocation(params)
                if warnings:
                    failed["warnings"] = warnings
                return masked(failed, hidden)
            check_mode = bool(self._task.check_mode)
            task = Task(params, check_mode=check_mode, client_factory=cached_client, api_base_from=api_base_from)
            for warning in warnings:
                task.warn(warning)
            with trace_on_interrupt(task, self._task.resolved_action or f"seed.openai.{self.MODULE}"):
                result = run_core(self.CORE, task)
        if with_invocation:
            result["invocation"] = invocation(params)
        return masked(result, hidden)
