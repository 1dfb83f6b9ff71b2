# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which wire API a task speaks. The wire APIs sit behind the cores, one
module each: assistants.py (threads, messages and runs) and responses.py
(conversations, items and responses); both give the cores the calls base.py
lists and return the same shapes. The option `api` picks one per task.
Plain Python."""

from __future__ import annotations

from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from .._client import DEFAULT_API_BASE, OpenAIClient
from .._errors import InvalidInput
from .base import WireAPI

API_CHOICES = ("auto", "assistants", "responses")
# Where the Assistants API is gone, `auto` means its successor.
ASSISTANTS_GONE_HOSTS = ("api.openai.com",)
ASSISTANTS_GONE_SUFFIXES = (".openai.azure.com",)


def resolve_api(choice: Optional[str], api_base: Optional[str], default_base: str) -> str:
    """The wire API a task speaks: `assistants` or `responses`."""
    choice = choice or "auto"
    if choice not in API_CHOICES:
        raise InvalidInput(f"api must be auto, assistants or responses, got {choice!r}")
    if choice != "auto":
        return choice
    try:
        host = (urlsplit(api_base or default_base).hostname or "").lower()
    except ValueError:
        return "assistants"  # the client refuses the URL in one line, naming api_base
    if host in ASSISTANTS_GONE_HOSTS or host.endswith(ASSISTANTS_GONE_SUFFIXES):
        return "responses"
    return "assistants"


def wire_api(
    choice: Optional[str],
    api_base: Optional[str],
    client: Callable[[], OpenAIClient],
    warn: Callable[[str], None],
    made: dict[str, Any],
) -> WireAPI:
    """The wire API module for a task, imported only when chosen."""
    if resolve_api(choice, api_base, DEFAULT_API_BASE) == "responses":
        from .responses import ResponsesAPI

        return ResponsesAPI(client, warn, made, api_base or DEFAULT_API_BASE)
    from .assistants import AssistantsAPI

    return AssistantsAPI(client, warn, made)
