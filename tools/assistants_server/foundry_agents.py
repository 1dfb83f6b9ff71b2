"""Azure AI Foundry Agent Service (new): versioned prompt agents under
/api/projects/<project>/agents, as foundry-agents-v2.md confirms them, and the
agent_reference a response names one by."""

from __future__ import annotations

import re
from typing import Any

from . import spec
from .routes import ApiError, check_body, check_metadata, page
from .store import NotFound, Store

NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# A prompt definition's fields (agents-models): each checked against this contract schema (None: its own check).
DEFINITION_FIELDS: dict[str, str | None] = {
    "kind": None,
    "model": None,
    "instructions": None,
    "temperature": None,
    "top_p": None,
    "tools": None,
    "text": "ResponseTextParam",
    "reasoning": "Reasoning",
    "structured_inputs": None,
    "rai_config": None,
}
MAX_DESCRIPTION = 512


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(400, f"Invalid '{field}': {message}", field, "invalid_value")


def check_definition(definition: Any, tool_types: frozenset[str]) -> dict[str, Any]:
    """A prompt agent's definition: kind "prompt", a model, OpenAI tools
    (checked against the contract; Foundry's own tool types pass), ranges."""
    if not isinstance(definition, dict):
        raise ApiError(400, "Missing required parameter: 'definition'.", "definition", "missing_required_parameter")
    unknown = next((key for key in definition if key not in DEFINITION_FIELDS), None)
    if unknown is not None:
        raise ApiError(400, f"Unknown parameter: 'definition.{unknown}'.", f"definition.{unknown}", "unknown_parameter")
    if definition.get("kind") != "prompt":
        raise _invalid("definition.kind", "the local server makes prompt agents only (kind: prompt).")
    if not isinstance(definition.get("model"), str) or not definition["model"]:
        raise ApiError(
            400, "Missing required parameter: 'definition.model'.", "definition.model", "missing_required_parameter"
        )
    if not isinstance(definition.get("instructions", ""), (str, type(None))):
        raise _invalid("definition.instructions", "expected a string.")
    for field, top in (("temperature", 2), ("top_p", 1)):
        value = definition.get(field)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= top
        ):
            raise _invalid(f"definition.{field}", f"expected a number between 0 and {top}.")
    tools = definition.get("tools", [])
    if not isinstance(tools, list) or not all(isinstance(tool, dict) for tool in tools):
        raise _invalid("definition.tools", "expected a list of tool objects.")
    for index, tool in enumerate(tools):
        problems = spec.errors(spec.qualified("Tool"), tool) if tool.get("type") in tool_types else []
        if problems:
            raise _invalid(f"definition.tools.{index}", problems[0][:200])
    for field, schema in DEFINITION_FIELDS.items():
        if schema is not None and definition.get(field) is not None:
            problems = spec.errors(spec.qualified(schema), definition[field])
            if problems:
                raise _invalid(f"definition.{field}", problems[0][:200])
    return definition


class Agents:
    """Agents by name, each a list of immutable versions ("1", "2"...)."""

    def __init__(self, store: Store, tool_types: frozenset[str]) -> None:
        self.store = store
        self.tool_types = tool_types
        self.agents: dict[str, list[dict[str, Any]]] = {}
        # Version numbers are never reused, even after a version is deleted.
        self.counters: dict[str, int] = {}

    def versions(self, name: str) -> list[dict[str, Any]]:
        if name not in self.agents:
            raise NotFound("agent", name)
        return self.agents[name]

    def version(self, name: str, version: str) -> dict[str, Any]:
        found = next((v for v in self.versions(name) if v["version"] == version), None)
        if found is None:
            raise NotFound("agent version", f"{name}:{version}")
        return found

    def agent(self, name: str) -> dict[str, Any]:
        versions = self.versions(name)
        return {"object": "agent", "id": name, "name": name, "versions": {"latest": versions[-1]}}

    def resolve(self, reference: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """agent_reference {type, name, version?} -> (the Response's agent field, the definition)."""
        if not (
            isinstance(reference, dict)
            and reference.get("type") == "agent_reference"
            and isinstance(reference.get("name"), str)
            and isinstance(reference.get("version", ""), str)
            and set(reference) <= {"type", "name", "version"}
        ):
            raise _invalid("agent_reference", "expected {type: agent_reference, name: string, version?: string}.")
        name = reference["name"]
        chosen = self.version(name, reference["version"]) if "version" in reference else self.versions(name)[-1]
        return {"type": "agent_id", "name": name, "version": chosen["version"]}, chosen["definition"]

    # -- routes ------------------------------------------------------------
    def create_version(self, name: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        if not NAME.fullmatch(name):
            raise _invalid(
                "agent_name",
                "an agent name starts and ends with a letter or digit, has hyphens only inside, "
                "and is at most 63 characters.",
            )
        body = check_body(None, body, ["definition", "description", "metadata"])
        check_metadata(body.get("metadata"))
        description = body.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
            raise _invalid("description", f"expected a string of at most {MAX_DESCRIPTION} characters.")
        definition = check_definition(body.get("definition"), self.tool_types)
        self.counters[name] = self.counters.get(name, 0) + 1
        version = str(self.counters[name])
        created = {
            "object": "agent.version",
            "id": f"{name}:{version}",
            "name": name,
            "version": version,
            "description": description,
            "metadata": body.get("metadata") or {},
            "created_at": self.store.now(),
            "definition": definition,
        }
        self.agents.setdefault(name, []).append(created)
        return created

    def get(self, name: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return self.agent(name)

    def list_agents(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        return page([self.agent(name) for name in self.agents], query, before=True)

    def delete(self, name: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.versions(name)
        del self.agents[name]
        self.counters.pop(name, None)
        return {"object": "agent.deleted", "name": name, "deleted": True}

    def list_versions(self, name: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return page(self.versions(name), query, before=True)

    def get_version(self, name: str, version: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return self.version(name, version)

    def delete_version(self, name: str, version: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.versions(name).remove(self.version(name, version))
        if not self.agents[name]:  # its last version gone, the agent is gone too
            del self.agents[name]
            self.counters.pop(name, None)
        return {"object": "agent.version.deleted", "name": name, "version": version, "deleted": True}
