"""Conversations + Responses (and, in Foundry mode, the new agents) in the
server's route table: the paths each mode serves them under, the request
checks, and which contract schema each request body must match."""

from __future__ import annotations

import functools
import re
from typing import Any

from . import spec
from .conversations import Checker, Conversations
from .foundry_agents import Agents
from .responses import Responses
from .routes import Handler, Routes, check_body
from .store import Store

# Foundry: the OpenAI-compatible routes, GA (api-version optional) and preview (required).
FOUNDRY_GA, FOUNDRY_PREVIEW = "/openai/v1", "/openai"
NEW_AGENTS_API_VERSIONS = ("v1", "2025-11-15-preview")
Entry = tuple[str, "re.Pattern[str]", Handler, "str | None"]
_SEG = r"([^/]+)"
_BODY_SCHEMAS = (
    ("POST", "/conversations", "CreateConversationBody"),
    ("POST", f"/conversations/{_SEG}", "UpdateConversationBody"),
    ("POST", f"/conversations/{_SEG}/items", spec.ITEMS_BODY),
    ("POST", "/responses", "CreateResponse"),
)


def below_openai(path: str) -> str:
    """A Foundry path without its /openai/v1 or /openai root (others as they are)."""
    for root in (FOUNDRY_GA, FOUNDRY_PREVIEW):
        if path.startswith(root + "/"):
            return path[len(root) :]
    return path


def is_responses_path(path: str | None) -> bool:
    """Whether a path below the prefix is one of the Conversations/Responses routes' (any mode)."""
    if path is None:
        return False
    return re.match(r"/(conversations|responses)(/|$)", below_openai(path)) is not None


def foundry_api_versions(path: str | None) -> tuple[tuple[str, ...], bool] | None:
    """Foundry's new surface: (the api-versions it takes, whether one is required); None for classic paths."""
    if path is None:
        return None
    if path.startswith(FOUNDRY_GA + "/"):
        return NEW_AGENTS_API_VERSIONS, False
    if path.startswith(FOUNDRY_PREVIEW + "/") or re.match(r"/agents(/|$)", path):
        return NEW_AGENTS_API_VERSIONS, True
    return None


def request_schema(method: str, path: str | None) -> str | None:
    """The contract schema (qualified) a Responses request body must match, or None."""
    if path is None:
        return None
    below = below_openai(path)
    return next(
        (spec.qualified(name) for m, pattern, name in _BODY_SCHEMAS if m == method and re.fullmatch(pattern, below)),
        None,
    )


@functools.cache
def tool_types() -> frozenset[str]:
    """The tool types the contract's Tool union knows (function, mcp, file_search...)."""
    known = spec.schemas(spec.RESPONSES)
    found: set[str] = set()
    for part in known["Tool"]["anyOf"]:
        found.update(known[part["$ref"].rsplit("/", 1)[-1]]["properties"]["type"].get("enum", []))
    return frozenset(found)


def foundry_check(schema: str, body: Any) -> dict[str, Any]:
    """check_body, except that a response's agent_reference (checked when it
    is resolved) and Foundry's own tool types are not held against it."""
    if schema != spec.qualified("CreateResponse") or not isinstance(body, dict):
        return check_body(schema, body)
    trimmed = {key: value for key, value in body.items() if key != "agent_reference"}
    if isinstance(body.get("tools"), list):
        trimmed["tools"] = [t for t in body["tools"] if not isinstance(t, dict) or t.get("type") in tool_types()]
    check_body(schema, trimmed)
    return body


class ResponsesApi:
    """The state and the routes; `table()` is added to the server's Routes."""

    def __init__(self, store: Store, routes: Routes, mode: str) -> None:
        self.foundry = mode == "foundry"
        check: Checker = foundry_check if self.foundry else check_body
        self.conversations = Conversations(store, check)
        self.responses = Responses(store, routes, self.conversations, check)
        self.agents = Agents(store, tool_types())
        if self.foundry:
            self.responses.resolve_agent = self.agents.resolve

    def table(self) -> list[Entry]:
        roots = (FOUNDRY_GA, FOUNDRY_PREVIEW) if self.foundry else ("",)
        entries = [entry for root in roots for entry in self._openai_routes(root)]
        if self.foundry:
            entries += self._foundry_routes()
        return entries

    def _openai_routes(self, root: str) -> list[Entry]:
        conv, resp, q = self.conversations, self.responses, spec.qualified
        routes: list[tuple[str, str, Handler, str | None]] = [
            ("POST", "/conversations", conv.create, q("ConversationResource")),
            ("GET", f"/conversations/{_SEG}", conv.get, q("ConversationResource")),
            ("POST", f"/conversations/{_SEG}", conv.update, q("ConversationResource")),
            ("DELETE", f"/conversations/{_SEG}", conv.delete, q("DeletedConversationResource")),
            ("POST", f"/conversations/{_SEG}/items", conv.create_items, q("ConversationItemList")),
            ("GET", f"/conversations/{_SEG}/items", conv.list_items, q("ConversationItemList")),
            ("GET", f"/conversations/{_SEG}/items/{_SEG}", conv.get_item, q("ConversationItem")),
            ("DELETE", f"/conversations/{_SEG}/items/{_SEG}", conv.delete_item, q("ConversationResource")),
            ("POST", "/responses", resp.create, q("Response")),
            ("GET", f"/responses/{_SEG}", resp.get, q("Response")),
            # The contract gives the deletion's answer no schema.
            ("DELETE", f"/responses/{_SEG}", resp.delete, None),
            ("POST", f"/responses/{_SEG}/cancel", resp.cancel, q("Response")),
            ("GET", f"/responses/{_SEG}/input_items", resp.input_items, q("ResponseItemList")),
        ]
        if self.foundry:  # Foundry's own lists (not in the OpenAI contract)
            routes += [
                ("GET", "/conversations", conv.list_conversations, None),
                ("GET", "/responses", resp.list_responses, None),
            ]
        return [(method, re.compile(root + path), handler, schema) for method, path, handler, schema in routes]

    def _foundry_routes(self) -> list[Entry]:
        agents = self.agents
        routes: list[tuple[str, str, Handler]] = [
            ("POST", f"/agents/{_SEG}/versions", agents.create_version),
            ("GET", "/agents", agents.list_agents),
            ("GET", f"/agents/{_SEG}", agents.get),
            ("DELETE", f"/agents/{_SEG}", agents.delete),
            ("GET", f"/agents/{_SEG}/versions", agents.list_versions),
            ("GET", f"/agents/{_SEG}/versions/{_SEG}", agents.get_version),
            ("DELETE", f"/agents/{_SEG}/versions/{_SEG}", agents.delete_version),
        ]
        return [(method, re.compile(path), handler, None) for method, path, handler in routes]
