"""OpenAI's Conversations API over the store: conversations (metadata) and
their items, with cursor pages in the order the items were added."""

from __future__ import annotations

from typing import Any, Callable

from . import spec
from .items import as_items, stored
from .routes import ApiError, check_body, page
from .store import NotFound, Store, public

MAX_ITEMS_PER_CALL = 20
Checker = Callable[[str, Any], dict[str, Any]]


def check_item_count(items: Any) -> None:
    if isinstance(items, list) and len(items) > MAX_ITEMS_PER_CALL:
        raise ApiError(
            400,
            f"Invalid 'items': array too long. Expected an array with maximum length {MAX_ITEMS_PER_CALL}, "
            f"but got an array with length {len(items)} instead.",
            "items",
            "array_above_max_length",
        )


class Conversations:
    """Conversations and their items; every item also indexed by ID."""

    def __init__(self, store: Store, check: Checker = check_body) -> None:
        self.store = store
        self.check = check
        self.conversations: dict[str, dict[str, Any]] = {}
        self.items: dict[str, list[dict[str, Any]]] = {}
        # Every item the server made (conversation, input and output items), by ID.
        self.known: dict[str, dict[str, Any]] = {}

    def new_id(self, prefix: str) -> str:
        return self.store.new_id(prefix)

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        if conversation_id not in self.conversations:
            raise NotFound("conversation", conversation_id)
        return self.conversations[conversation_id]

    def remember(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            self.known[item["id"]] = item

    def append(self, conversation_id: str, items: list[dict[str, Any]]) -> None:
        self.items[conversation_id].extend(items)
        self.remember(items)

    def add_input(self, conversation_id: str, given: Any) -> list[dict[str, Any]]:
        added = [stored(item, self.new_id) for item in as_items(given)]
        self.append(conversation_id, added)
        return added

    # -- routes ------------------------------------------------------------
    def create(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        body = {} if body is None else body
        check_item_count(body.get("items") if isinstance(body, dict) else None)
        body = self.check(spec.qualified("CreateConversationBody"), body)
        conversation_id = self.new_id("conv")
        conversation: dict[str, Any] = {
            "id": conversation_id,
            "object": "conversation",
            "created_at": self.store.now(),
            "metadata": body.get("metadata") or {},
        }
        self.conversations[conversation_id] = conversation
        self.items[conversation_id] = []
        self.add_input(conversation_id, body.get("items"))
        return public(conversation)

    def list_conversations(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        """Foundry's list, filtered by agent_name or agent_id (name:version) of the responses made on it."""
        found = [
            c
            for c in self.conversations.values()
            if query.get("agent_name") in (None, *(a["name"] for a in c.get("_agents", [])))
            and query.get("agent_id") in (None, *(f"{a['name']}:{a['version']}" for a in c.get("_agents", [])))
        ]
        return page(found, query, before=True)

    def get(self, conversation_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return public(self.conversation(conversation_id))

    def update(self, conversation_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        body = self.check(spec.qualified("UpdateConversationBody"), body)
        conversation = self.conversation(conversation_id)
        conversation["metadata"] = body["metadata"]
        return public(conversation)

    def delete(self, conversation_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.conversation(conversation_id)
        del self.conversations[conversation_id]
        del self.items[conversation_id]
        return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}

    def create_items(self, conversation_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        check_item_count(body.get("items") if isinstance(body, dict) else None)
        body = self.check(spec.qualified(spec.ITEMS_BODY), body)
        self.conversation(conversation_id)
        added = self.add_input(conversation_id, body["items"])
        return page(added, {"order": "asc", "limit": str(MAX_ITEMS_PER_CALL)})

    def list_items(self, conversation_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.conversation(conversation_id)
        return page(self.items[conversation_id], query)

    def item(self, conversation_id: str, item_id: str) -> dict[str, Any]:
        self.conversation(conversation_id)
        found = next((item for item in self.items[conversation_id] if item["id"] == item_id), None)
        if found is None:
            raise NotFound("item", item_id)
        return found

    def get_item(self, conversation_id: str, item_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        return public(self.item(conversation_id, item_id))

    def delete_item(self, conversation_id: str, item_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.items[conversation_id].remove(self.item(conversation_id, item_id))
        return public(self.conversation(conversation_id))
