# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure AI Foundry's new agents as assistants: a named agent whose versions
hold a prompt definition (model, instructions, tools...). Creating one is
POST {project}/agents/{name}/versions; the same definition makes no new
version. Only the routes foundry-agents-v2.md marks confirmed are used.
Plain Python."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

from .._client import OpenAIClient, path_segment
from .._errors import APIError, BadAnswer, InvalidInput, expect_object
from .._once import MARKER_KEY, marked_lookup, send_once, with_marker
from .response_bodies import response_tool, text_format

# Starts and ends alphanumeric, hyphens inside, at most 63 characters.
AGENT_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_PROJECT = re.compile(r"^(.*?/api/projects/[^/]+)(/.*)?$")
# Fields of an agent version's prompt definition that an assistant's settings map to.
DEFINITION_FIELDS = ("model", "instructions", "tools", "temperature", "top_p")


def project_base(api_base: str) -> Optional[str]:
    """The project endpoint (…/api/projects/<project>) that api_base starts with."""
    parts = urlsplit(api_base)
    found = _PROJECT.match(parts.path.rstrip("/"))
    if found is None:
        return None
    return str(urlunsplit((parts.scheme, parts.netloc, found.group(1), "", "")))


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not AGENT_NAME.match(name):
        raise InvalidInput(
            f"name {name!r} is not a valid Foundry agent name: letters, digits and hyphens, "
            "starting and ending with a letter or digit, at most 63 characters"
        )
    return name


def definition(desired: dict[str, Any]) -> dict[str, Any]:
    """An assistant's settings as a prompt agent's definition."""
    found: dict[str, Any] = {"kind": "prompt"}
    for field in DEFINITION_FIELDS:
        if desired.get(field) is not None:
            found[field] = desired[field]
    if "tools" in found:
        found["tools"] = [response_tool(tool, desired.get("tool_resources")) for tool in found["tools"]]
    fmt = text_format(desired.get("response_format"), None)
    if fmt is not None:
        found["text"] = {"format": fmt}
    return found


def version_body(desired: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"definition": definition(desired)}
    if desired.get("description") is not None:
        body["description"] = desired["description"]
    if desired.get("metadata") is not None:
        body["metadata"] = dict(desired["metadata"])
    return body


def fingerprint(body: dict[str, Any]) -> str:
    """What makes two versions the same: the definition, description and metadata
    (without the creation marker), in a canonical form."""
    metadata = {k: v for k, v in (body.get("metadata") or {}).items() if k != MARKER_KEY}
    same = {"definition": body.get("definition") or {}, "description": body.get("description"), "metadata": metadata}
    return hashlib.sha256(json.dumps(same, sort_keys=True).encode()).hexdigest()


def assistant_tool(tool: Any) -> Any:
    """A prompt definition's tool in the Assistants shape the task describes
    (the inverse of response_tool), so that an unchanged definition compares equal."""
    if not isinstance(tool, dict):
        return tool
    kind = tool.get("type")
    if kind == "function" and isinstance(tool.get("name"), str):
        function = {key: tool[key] for key in ("name", "description", "parameters", "strict") if key in tool}
        return {"type": "function", "function": function}
    if kind == "code_interpreter":
        return {"type": "code_interpreter"}
    if kind == "file_search":
        options = {key: tool[key] for key in ("max_num_results", "ranking_options") if key in tool}
        return {"type": "file_search", "file_search": options} if options else {"type": "file_search"}
    return tool


def tool_resources(tools: list[Any]) -> dict[str, Any]:
    """The files and vector stores a definition's tools carry, as tool_resources."""
    resources: dict[str, Any] = {}
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        container = tool.get("container")
        if tool.get("type") == "code_interpreter" and isinstance(container, dict) and container.get("file_ids"):
            resources["code_interpreter"] = {"file_ids": list(container["file_ids"])}
        if tool.get("type") == "file_search" and tool.get("vector_store_ids"):
            resources["file_search"] = {"vector_store_ids": list(tool["vector_store_ids"])}
    return resources


def agent_as_assistant(version: dict[str, Any]) -> dict[str, Any]:
    """An agent version as an assistant: its id is name:version, its settings the definition's."""
    found: dict[str, Any] = version["definition"] if isinstance(version.get("definition"), dict) else {}
    tools: list[Any] = found["tools"] if isinstance(found.get("tools"), list) else []
    text: dict[str, Any] = found["text"] if isinstance(found.get("text"), dict) else {}
    fmt = text.get("format")
    return {
        "id": version.get("id") or f"{version.get('name')}:{version.get('version')}",
        "object": "assistant",
        "created_at": version.get("created_at"),
        "name": version.get("name"),
        "description": version.get("description"),
        "model": found.get("model"),
        "instructions": found.get("instructions"),
        "tools": [assistant_tool(tool) for tool in tools],
        "tool_resources": tool_resources(tools),
        "metadata": version.get("metadata") if isinstance(version.get("metadata"), dict) else {},
        "temperature": found.get("temperature"),
        "top_p": found.get("top_p"),
        "response_format": fmt.get("type") if isinstance(fmt, dict) else "auto",
        "version": version.get("version"),
    }


class FoundryAgents:
    """The agents of one Foundry project."""

    def __init__(self, client: OpenAIClient, base: str) -> None:
        self.client = client
        self.base = base

    def url(self, name: Optional[str] = None, *rest: str) -> str:
        parts = [self.base, "agents"]
        if name is not None:
            parts.append(path_segment(name, "agent name"))
        return "/".join([*parts, *rest])

    def latest(self, name: str) -> Optional[dict[str, Any]]:
        """The agent's latest version, or None when no agent has that name."""
        url = self.url(name)
        try:
            agent = expect_object(self.client.request("GET", url), f"GET {url}", "agent")
        except APIError as error:
            if error.status == 404:
                return None
            raise
        versions = agent.get("versions")
        latest = versions.get("latest") if isinstance(versions, dict) else None
        if not isinstance(latest, dict):
            raise BadAnswer(f"GET {url} answered an agent without versions.latest")
        return latest

    def create_version(
        self, name: str, body: dict[str, Any], marker: Optional[str], made: Optional[dict[str, Any]] = None
    ) -> dict[str, Any]:
        """A new version; after a lost answer, the agent's versions are the proof
        (the one that carries the marker), read to the end as _once.find_marked does."""
        body, marker = with_marker(body, marker)
        url = self.url(name, "versions")

        def send() -> dict[str, Any]:
            answer = self.client.request("POST", url, body, retry_server_errors=False)
            return expect_object(answer, f"POST {url}", "agent.version", ("name", "version"))

        lookup = marked_lookup(self.client, url, marker, "agent version")
        created: dict[str, Any] = send_once(self.client, send, f"a version of agent {name}", marker, lookup, made=made)
        return created

    def delete(self, name: str) -> None:
        self.client.request("DELETE", self.url(name))

    def describe_create(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.client.describe("POST", self.url(name, "versions"), body)
