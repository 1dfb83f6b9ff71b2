# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every wire API module shares: the task's client (built on first use,
so options are checked before any HTTP library is loaded), its warnings, and
the raw objects to carry beside the collection's shapes. Plain Python."""

from __future__ import annotations

from typing import Any, Callable

from .._client import OpenAIClient


class WireAPI:
    name = ""
    # Whether the server keeps assistants (else the task keeps a definition).
    keeps_assistants = True

    def __init__(self, client: Callable[[], OpenAIClient], warn: Callable[[str], None]) -> None:
        self._client = client
        self.warn = warn
        # The successor's objects behind the shapes returned, by result key
        # (conversation, item, items, response, agent); empty on the Assistants API.
        self.raw: dict[str, Any] = {}

    @property
    def client(self) -> OpenAIClient:
        return self._client()
