# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction of the secrets a task holds (API key, header values, Entra
tokens, proxy credentials) from any text the client reports: plain Python."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, unquote, urlsplit

REDACTED = "********"
# A cut-off secret is still a leak: any prefix this long is redacted too.
MIN_PREFIX = 8
# Shorter values (a header such as X-Debug: 1) would blank out ordinary words.
MIN_SECRET = 6
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


class _Form:
    """One spelling of a secret, matched with any whitespace between its
    characters, in full or as a prefix of at least MIN_PREFIX characters."""

    def __init__(self, spelling: str) -> None:
        self.chars = [char for char in spelling if not char.isspace()]
        head = self.chars[: max(MIN_PREFIX, 1)]
        # Literal characters joined by \s*: no nested quantifier, no backtracking blow-up.
        self.head = re.compile(r"\s*".join(re.escape(char) for char in head))
        self.head_size = len(head)

    def redact(self, text: str) -> str:
        out: list[str] = []
        pos = 0
        for match in self.head.finditer(text):
            if match.start() < pos:
                continue
            end, matched = self._extend(text, match.end())
            if matched < len(self.chars) and matched < MIN_PREFIX:
                continue
            out.append(text[pos : match.start()])
            out.append(REDACTED)
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def _extend(self, text: str, end: int) -> tuple[int, int]:
        """Follow the secret past its head for as long as the text agrees."""
        matched = self.head_size
        while matched < len(self.chars):
            probe = end
            while probe < len(text) and text[probe].isspace():
                probe += 1
            if probe >= len(text) or text[probe] != self.chars[matched]:
                break
            end, matched = probe + 1, matched + 1
        return end, matched


class Secrets:
    """The set of values never to print, and redact() to blank them out."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._forms: dict[str, _Form] = {}
        for value in values:
            self.add(value)

    def add(self, secret: str | None) -> None:
        if not isinstance(secret, str) or len(secret.strip()) < MIN_SECRET:
            return
        for spelling in (secret, quote(secret, safe=""), quote(secret), quote_plus(secret)):
            if spelling not in self._forms:
                self._forms[spelling] = _Form(spelling)

    def __contains__(self, secret: object) -> bool:
        return secret in self._forms

    def redact(self, text: str) -> str:
        # Longest spellings first: a percent-encoded key is blanked whole.
        for spelling in sorted(self._forms, key=len, reverse=True):
            text = self._forms[spelling].redact(text)
        return text


def proxy_credentials(environ: Mapping[str, str]) -> list[str]:
    """The passwords, user:password pairs and their Basic-auth base64 form
    from the proxy variables: a proxy error may echo any of them."""
    found: list[str] = []
    for name in PROXY_VARIABLES:
        value = environ.get(name) or ""
        if "@" not in value:
            continue
        try:
            parts = urlsplit(value if "://" in value else f"http://{value}")
            user, password = parts.username, parts.password
        except ValueError:
            continue
        if not password:
            continue
        pair = f"{unquote(user or '')}:{unquote(password)}"
        found += [password, unquote(password), f"{user}:{password}", pair]
        found.append(base64.b64encode(pair.encode("utf-8")).decode("ascii"))
        found.append(base64.b64encode(pair.encode("latin-1", errors="replace")).decode("ascii"))
    return found
