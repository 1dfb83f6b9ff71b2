# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every argument spec of the collection, in one place.

Each shared option group mirrors the doc fragment that documents it
(plugins/doc_fragments/<name>.py); MODULE_SPECS adds each module's own
options. The module shell (AnsibleModule) and the action plugin shell
(ArgumentSpecValidator) both validate with module_spec(name).
"""

from __future__ import annotations

from typing import Any

from ansible.module_utils.errors import AnsibleFallbackNotFound

from ._api.wire_api import API_CHOICES
from ._client import redact_url
from ._connection import ENTRA_SCOPE, ENV_FALLBACKS, first_env, header_from_env
from ._polling import RUN_STATUSES
from ._run_body import INCLUDE_FIELDS, REASONING_EFFORTS


def env_fallback(*names: str) -> str:
    """Ansible's env_fallback, but an empty variable counts as unset."""
    import os

    value = first_env(os.environ, names)
    if value is None:
        raise AnsibleFallbackNotFound
    return value


def header_fallback() -> dict[str, str]:
    """The header in OPENAI_EXTRA_HEADER ("Name: value"), as Ansible's fallbacks want it."""
    import os

    header = header_from_env(os.environ)
    if header is None:
        raise AnsibleFallbackNotFound
    return header


def _fallback(option: str) -> tuple[Any, list[str]]:
    return (env_fallback, list(ENV_FALLBACKS[option]))


# doc fragment seed.openai.connection
CONNECTION: dict[str, Any] = dict(
    api_base=dict(type="str", aliases=["base_url"], fallback=_fallback("api_base")),
    api_key=dict(type="str", no_log=True, fallback=_fallback("api_key")),
    organization=dict(type="str", aliases=["org_id"], fallback=_fallback("organization")),
    timeout=dict(type="float", default=600),
    max_retry_count=dict(type="int", default=0),
    auth_type=dict(
        type="str", default="bearer", choices=["bearer", "api_key", "entra"], fallback=_fallback("auth_type")
    ),
    entra_scope=dict(type="str", default=ENTRA_SCOPE),
    entra_token=dict(type="str", no_log=True),
    api_version=dict(type="str"),
    # Gateway keys travel in these; their values are masked in `invocation`
    # by the shells (no_log here would mask every equal substring of the result).
    headers=dict(type="dict", fallback=(header_fallback, [])),
    query=dict(type="dict"),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    creation_marker=dict(type="bool", default=True),
    api=dict(type="str", default="auto", choices=list(API_CHOICES), fallback=_fallback("api")),
)

# doc fragment seed.openai.wait
WAIT: dict[str, Any] = dict(
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="float", default=600),
    poll_interval=dict(type="float", default=1),
    status_for_wait=dict(type="list", elements="str", choices=RUN_STATUSES),
    status_for_exit=dict(type="list", elements="str", choices=RUN_STATUSES),
)

# doc fragment seed.openai.run_thread
RUN_THREAD: dict[str, Any] = {"thread": dict(type="raw", aliases=["thread_id"])}

# doc fragment seed.openai.run_options
RUN_OPTIONS: dict[str, Any] = dict(
    model=dict(type="str"),
    instructions=dict(type="str"),
    additional_instructions=dict(type="str"),
    additional_messages=dict(type="list", elements="dict"),
    tools=dict(type="list", elements="dict"),
    functions=dict(type="list", elements="dict"),
    use_code_interpreter=dict(type="bool"),
    use_retrieval=dict(type="bool", aliases=["use_file_search"]),
    metadata=dict(type="dict"),
    temperature=dict(type="float"),
    top_p=dict(type="float"),
    max_prompt_tokens=dict(type="int", no_log=False),
    max_completion_tokens=dict(type="int", no_log=False),
    truncation_strategy=dict(type="str", choices=["auto", "last_messages"]),
    last_messages=dict(type="int"),
    tool_choice=dict(type="str"),
    parallel_tool_calls=dict(type="bool"),
    response_format=dict(type="str", choices=["auto", "text", "json_object", "json_schema"]),
    json_schema=dict(type="dict"),
    reasoning_effort=dict(type="str", choices=REASONING_EFFORTS),
    include=dict(type="list", elements="str", choices=INCLUDE_FIELDS),
    thread_message=dict(type="str"),
    role=dict(type="str", choices=["user", "assistant"], default="user"),
    images=dict(type="list", elements="str"),
    image_detail=dict(type="str", choices=["auto", "low", "high"]),
    attachments=dict(type="list", elements="dict"),
    message_metadata=dict(type="dict"),
    tool_resources=dict(type="dict"),
    thread_metadata=dict(type="dict"),
    thread_tool_resources=dict(type="dict"),
    body=dict(type="dict"),
)

_RUN = {"run": dict(type="raw", required=True, aliases=["run_id"])}

# Each module's own options (documented in the module) and AnsibleModule's other arguments.
MODULE_SPECS: dict[str, dict[str, Any]] = {
    "openai_thread_run": dict(
        argument_spec=dict(
            thread=dict(type="raw", aliases=["thread_id", "input_object"]),
            assistant=dict(type="raw", required=True, aliases=["assistant_id"]),
            stream=dict(type="bool", default=False),
            **RUN_OPTIONS,
            **WAIT,
        ),
    ),
    "openai_assistant": dict(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            id=dict(type="raw"),
            name=dict(type="str"),
            model=dict(type="str"),
            instructions=dict(type="str"),
            description=dict(type="str"),
            tools=dict(type="list", elements="dict"),
            tool_resources=dict(type="dict"),
            metadata=dict(type="dict"),
            temperature=dict(type="float"),
            top_p=dict(type="float"),
            response_format=dict(type="raw"),
        ),
    ),
    "openai_thread": dict(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            thread=dict(type="raw", aliases=["thread_id"]),
            messages=dict(type="list", elements="dict"),
            tool_resources=dict(type="dict"),
            metadata=dict(type="dict"),
        ),
        required_if=[("state", "absent", ["thread"])],
    ),
    "openai_thread_message": dict(
        argument_spec=dict(
            thread=dict(type="raw", required=True, aliases=["thread_id"]),
            role=dict(type="str", default="user", choices=["user", "assistant"]),
            content=dict(type="raw", required=True),
            attachments=dict(type="list", elements="dict"),
            metadata=dict(type="dict"),
            wait_for_active_run=dict(type="bool", default=False),
            wait_timeout=dict(type="float", default=600),
            poll_interval=dict(type="float", default=1),
        ),
    ),
    "openai_thread_messages_info": dict(
        argument_spec=dict(
            thread=dict(type="raw", required=True, aliases=["thread_id"]),
            run=dict(type="raw", aliases=["run_id"]),
            limit=dict(type="int", default=20),
            all=dict(type="bool", default=False),
        ),
    ),
    "openai_thread_run_info": dict(
        argument_spec=dict(
            **RUN_THREAD,
            run=dict(type="raw", aliases=["run_id"]),
            runs=dict(type="raw"),
            steps=dict(type="bool", default=False),
            limit=dict(type="int", default=20),
            order=dict(type="str", default="desc", choices=["asc", "desc"]),
            all=dict(type="bool", default=False),
            **WAIT,
        ),
    ),
    "openai_thread_run_cancel": dict(
        argument_spec=dict(**RUN_THREAD, **_RUN, force=dict(type="bool", default=False), **WAIT),
    ),
    "openai_thread_run_tool_outputs": dict(
        argument_spec=dict(
            **RUN_THREAD,
            **_RUN,
            tool_outputs=dict(type="list", elements="dict"),
            outputs_by_function=dict(type="dict"),
            tool_approvals=dict(
                type="list",
                elements="dict",
                options=dict(tool_call_id=dict(type="str", required=True), approve=dict(type="bool", required=True)),
            ),
            approve_tools=dict(type="list", elements="str"),
            deny_tools=dict(type="list", elements="str"),
            stream=dict(type="bool", default=False),
            **WAIT,
        ),
        # Outputs and approvals together are refused by the core, in one line naming both groups.
        required_one_of=[("tool_outputs", "outputs_by_function", "tool_approvals", "approve_tools", "deny_tools")],
        mutually_exclusive=[("tool_outputs", "outputs_by_function")],
    ),
}


SECRET_VALUED = ("headers", "query")
MASKED = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def invocation(params: dict[str, Any]) -> dict[str, Any]:
    """`invocation` as both shells report it: the options, with the values of
    headers and query masked (their names stay, to show what was sent)."""
    shown = dict(params)
    if isinstance(shown.get("api_base"), str):
        # A password in api_base is refused, but must not be echoed either.
        shown["api_base"] = redact_url(shown["api_base"])
    for option in SECRET_VALUED:
        if isinstance(shown.get(option), dict):
            shown[option] = {name: MASKED for name in shown[option]}
    return {"module_args": shown}


def module_spec(name: str) -> dict[str, Any]:
    """AnsibleModule's keyword arguments for a module: its options plus the
    connection options, and check mode supported."""
    spec = MODULE_SPECS[name]
    argument_spec = dict(CONNECTION, **spec["argument_spec"])
    return dict(spec, argument_spec=argument_spec, supports_check_mode=True)
