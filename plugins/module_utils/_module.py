# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible side of the collection: the shared connection options and a thin
AnsibleModule subclass that builds the client and reports its errors."""

from __future__ import annotations

import importlib.util
import os
from typing import Any, NoReturn
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.seed.openai.plugins.module_utils._client import OpenAIClient, Settings
from ansible_collections.seed.openai.plugins.module_utils._errors import APIError, OpenAIError
from ansible_collections.seed.openai.plugins.module_utils._polling import check_outcome, tool_calls

# Looked up, not imported: the client imports them only when a request is due.
MISSING_LIBS = [name for name in ("requests", "urllib3") if importlib.util.find_spec(name) is None]


def first_env(*names: str) -> str:
    """Like env_fallback, but an empty variable counts as unset (AWX injects
    empty optional credential fields as empty strings)."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def connection_argspec() -> dict[str, Any]:
    """The connection options every module of the collection takes; documented
    once, in the doc fragment seed.openai.connection."""
    return dict(
        api_base=dict(type="str", aliases=["base_url"], fallback=(first_env, ["OPENAI_API_BASE", "OPENAI_BASE_URL"])),
        api_key=dict(type="str", no_log=True, fallback=(first_env, ["OPENAI_API_KEY"])),
        organization=dict(type="str", aliases=["org_id"], fallback=(first_env, ["OPENAI_ORGANIZATION"])),
        timeout=dict(type="float", default=0),
        max_retry_count=dict(type="int", default=0),
        auth_type=dict(type="str", default="bearer", choices=["bearer", "api_key"]),
        api_version=dict(type="str"),
        headers=dict(type="dict"),
        query=dict(type="dict"),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
    )


class OpenAIModule(AnsibleModule):
    """AnsibleModule with the connection options added and the client at hand."""

    def __init__(self, argument_spec: dict[str, Any], **kwargs: Any) -> None:
        spec = connection_argspec()
        spec.update(argument_spec)
        super().__init__(argument_spec=spec, **kwargs)
        # A password in api_base is refused, but Ansible echoes the task's
        # arguments in the result: keep them out of it like the key.
        userinfo = urlsplit(self.params.get("api_base") or "")
        if userinfo.password:
            self.no_log_values.add(userinfo.password)
        if MISSING_LIBS:
            self.fail_json(msg=missing_required_lib(MISSING_LIBS[0]))

    def client(self) -> OpenAIClient:
        """A client for this task's connection options (raises InvalidInput)."""
        params = self.params
        settings = Settings(
            api_key=params["api_key"] or "",
            api_base=params["api_base"] or None,
            organization=params["organization"] or None,
            timeout=params["timeout"],
            max_retry_count=params["max_retry_count"],
            auth_type=params["auth_type"],
            api_version=params["api_version"] or None,
            headers=params["headers"] or {},
            query=params["query"] or {},
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
        )
        client = OpenAIClient(settings, report=self.warn)
        for warning in client.warnings():
            self.warn(warning)
        return client

    def fail_from(self, error: OpenAIError, **result: Any) -> NoReturn:
        """Fail the task with the error's one-line message and its details
        (the API's error, or the last run seen)."""
        if isinstance(error, APIError):
            result.update(error.as_result())
        if getattr(error, "run", None) is not None:
            result["run"] = error.run  # type: ignore[attr-defined]
        self.fail_json(msg=str(error), **result)
        raise AssertionError("fail_json returns only under test doubles")

    def exit_with_run(
        self, run: dict[str, Any], changed: bool, fact: str | None = None, ended: bool = False, **result: Any
    ) -> NoReturn:
        """Exit with `run` (and `tool_calls` when it needs tool outputs). A run
        that was followed to its end fails the task if it failed."""
        if ended:
            try:
                check_outcome(run)
            except OpenAIError as error:
                self.fail_from(error, changed=changed)
        if run.get("status") == "requires_action":
            result["tool_calls"] = tool_calls(run)
        if fact:
            result["ansible_facts"] = {fact: run}
        self.exit_json(changed=changed, run=run, **result)
        raise AssertionError("exit_json returns only under test doubles")
