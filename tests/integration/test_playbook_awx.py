"""The AWX credential type: the environment its injector produces drives the modules."""

from __future__ import annotations

import json
import os

import jinja2
import pytest
import yaml
from support import API_KEY

CREDENTIAL_TYPE = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "awx", "credential_type.yml")


def injected_env(inputs: dict[str, str]) -> dict[str, str]:
    """The environment AWX gives a job: each injector template rendered with the
    credential's inputs, an unset optional field rendering as an empty string."""
    with open(CREDENTIAL_TYPE, encoding="utf-8") as handle:
        credential_type = yaml.safe_load(handle)
    fields = {field["id"]: "" for field in credential_type["inputs"]["fields"]}
    fields.update(inputs)
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {
        name: environment.from_string(template).render(**fields)
        for name, template in credential_type["injectors"]["env"].items()
    }


def test_credential_type_shape():
    with open(CREDENTIAL_TYPE, encoding="utf-8") as handle:
        credential_type = yaml.safe_load(handle)
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    assert set(fields) == {"api_key", "api_base", "organization", "auth_type", "header_name", "header_value"}
    assert fields["api_key"]["secret"] is True and fields["header_value"]["secret"] is True
    assert fields["auth_type"]["choices"] == ["bearer", "api_key", "entra"]
    # Nothing is required: with entra the key stays empty.
    assert "required" not in credential_type["inputs"]
    assert set(credential_type["injectors"]["env"]) == {
        "OPENAI_API_KEY",
        "OPENAI_API_BASE",
        "OPENAI_ORGANIZATION",
        "OPENAI_AUTH_TYPE",
        "OPENAI_EXTRA_HEADER",
    }
    assert not any(name.startswith("ANSIBLE_") for name in credential_type["injectors"]["env"])


def test_the_sign_in_type_and_a_gateway_header_come_from_the_credential(ansible, server, objects):
    assistant, thread = objects
    inputs = {"api_key": API_KEY, "api_base": server.api_base, "auth_type": "api_key"}
    env = injected_env(dict(inputs, header_name="X-Gateway-Key", header_value="gw-secret-0123456789"))
    outcome = ansible.playbook(
        [{"name": "Run", "seed.openai.openai_thread_run": {"thread": thread["id"], "assistant": assistant["id"]}}],
        "-vvv",
        env=env,
        connection=False,
    )

    assert outcome.rc == 0, outcome.stdout[-2000:] + outcome.stderr[-2000:]
    (sent,) = server.requests
    assert sent["headers"]["api-key"] == API_KEY and "authorization" not in sent["headers"]
    assert sent["headers"]["x-gateway-key"] == "gw-secret-0123456789"
    assert "gw-secret-0123456789" not in outcome.stdout + outcome.stderr + json.dumps(outcome.results)


def test_empty_optional_fields_change_nothing(ansible, server, objects):
    assistant, thread = objects
    env = injected_env({"api_key": API_KEY, "api_base": server.api_base})
    assert env["OPENAI_EXTRA_HEADER"] == ": " and env["OPENAI_AUTH_TYPE"] == ""
    outcome = ansible.playbook(
        [{"name": "Run", "seed.openai.openai_thread_run": {"thread": thread["id"], "assistant": assistant["id"]}}],
        env=env,
        connection=False,
    )

    assert outcome.rc == 0, outcome.stdout[-2000:]
    (sent,) = server.requests
    assert sent["headers"]["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("organization", ["", "org-awx"])
def test_module_runs_with_exactly_the_injected_environment(ansible, server, objects, organization):
    assistant, thread = objects
    env = injected_env({"api_key": API_KEY, "api_base": server.api_base, "organization": organization})
    assert env["OPENAI_ORGANIZATION"] == organization
    outcome = ansible.playbook(
        [{"name": "Run", "seed.openai.openai_thread_run": {"thread": thread["id"], "assistant": assistant["id"]}}],
        "-vvvv",
        env=env,
        connection=False,
    )

    assert outcome.rc == 0, outcome.stdout[-2000:] + outcome.stderr[-2000:]
    (sent,) = server.requests
    assert sent["headers"].get("openai-organization") == (organization or None)
    assert API_KEY not in outcome.stdout + outcome.stderr


def test_an_empty_api_base_means_the_default_endpoint(ansible, server):
    # The Assistants API asked of the default endpoint (api: auto would speak the Responses API there).
    env = dict(injected_env({"api_key": API_KEY}), OPENAI_API="assistants")
    assert env["OPENAI_API_BASE"] == ""
    outcome = ansible.playbook(
        [{"name": "Run", "seed.openai.openai_thread_run": {"thread": "thread_1", "assistant": "asst_1"}}],
        "--check",
        env=env,
        connection=False,
    )

    assert outcome.rc == 0, outcome.stdout[-2000:] + outcome.stderr[-2000:]
    assert outcome.task("Run")["request"]["url"] == "https://api.openai.com/v1/threads/thread_1/runs"
