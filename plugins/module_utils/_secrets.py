# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction of the secrets a task holds (API key, header and query values,
Entra tokens, proxy credentials) from any text the client reports: plain Python.

A secret is found in every form a server or proxy may echo it: whole, cut
anywhere, with whitespace between its characters, percent-encoded, and in
base64 at each of the three alignments it can have inside a longer encoded
text (so "Bearer <key>" and "user:password" in a Basic header are covered).
Any run of MIN_RUN or more consecutive characters of a form is blanked out,
except a run that lies wholly inside a key format's public prefix (sk-proj-
and the like), which would otherwise be blanked everywhere. Values shorter
than MIN_SECRET are never masked: masking "1" everywhere would help no one.

The cost is linear in the text: one lookup every STRIDE characters in a set
of short pieces of the secrets, and a few more around each hit (see _spans).
"""

from __future__ import annotations

import base64
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import Any, Callable
from urllib.parse import quote, quote_plus, unquote, urlsplit

REDACTED = "********"
# Any run this long of a secret's characters is redacted, wherever it is cut.
MIN_RUN = 8
# Shorter values (a header such as X-Debug: 1) would blank out ordinary words;
# values from MIN_SECRET to MIN_RUN characters are redacted whole only.
MIN_SECRET = 6
# The scan looks up PROBE characters every STRIDE characters: any run of
# MIN_SECRET characters holds one such piece whole (PROBE + STRIDE - 1 <= MIN_SECRET).
PROBE, STRIDE = 4, 3
# Key formats' public starts: a run inside one says nothing about the key.
PUBLIC_PREFIXES = (
    "sk-ant-admin01-",
    "sk-ant-api03-",
    "sk-svcacct-",
    "sk-admin-",
    "sk-proj-",
    "sk-None-",
    "sk-or-v1-",
    "sk-",
)
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")


def _public_length(secret: str) -> int:
    """How many leading characters of `secret` are a key format's public prefix."""
    for prefix in PUBLIC_PREFIXES:
        if secret.startswith(prefix) and len(secret) > len(prefix):
            return len(prefix)
    return 0


def _base64_cores(raw: bytes, public: int) -> list[tuple[str, int]]:
    """The base64 characters that encode `raw` the same wherever it starts in
    a longer text, for each of the three alignments (standard and URL-safe
    alphabets), each with how many of its leading characters encode only the
    first `public` bytes."""
    cores = []
    for align in range(3):
        padded = b"\0" * align + raw
        encoded = base64.b64encode(padded).decode("ascii").rstrip("=")
        chars, shown = [], 0
        for index, char in enumerate(encoded):
            first, last = (6 * index) // 8, (6 * index + 5) // 8
            if first < align:
                continue  # holds bits of whatever precedes the secret
            if last >= len(padded):
                break  # holds bits of whatever follows it
            chars.append(char)
            if last < align + public:
                shown += 1
        core = "".join(chars)
        cores.append((core, shown))
        urlsafe = core.replace("+", "-").replace("/", "_")
        if urlsafe != core:
            cores.append((urlsafe, shown))
    return cores


def spellings(secret: str) -> list[tuple[str, int]]:
    """Each form of `secret` (without whitespace), with the length of its public start."""
    compact = _SPACE.sub("", secret)
    public = _public_length(compact)
    prefix = compact[:public]
    forms = [(compact, public)]
    for encode in (lambda text: quote(text, safe=""), quote, quote_plus):
        forms.append((_SPACE.sub("", encode(secret)), len(encode(prefix))))
    forms += _base64_cores(secret.encode("utf-8"), len(prefix.encode("utf-8")))
    return forms


class Secrets:
    """The set of values never to print, and redact() to blank them out."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        # Each run to find (MIN_RUN characters of a form, or a short form
        # whole) -> True while it lies wholly in a public prefix.
        self._runs: dict[str, bool] = {}
        self._sizes: set[int] = set()
        # Every PROBE characters of every run: the scan's first test.
        self._probes: set[str] = set()
        for value in values:
            self.add(value)

    def add(self, secret: str | None) -> None:
        if not isinstance(secret, str) or len(secret.strip()) < MIN_SECRET or secret in self._values:
            return
        self._values.add(secret)
        for form, public in spellings(secret):
            if len(form) < MIN_SECRET:
                continue
            size = min(len(form), MIN_RUN)
            self._sizes.add(size)
            for start in range(len(form) - size + 1):
                run = form[start : start + size]
                self._runs[run] = self._runs.get(run, True) and start + size <= public
                self._probes.update(run[i : i + PROBE] for i in range(size - PROBE + 1))

    def __contains__(self, secret: object) -> bool:
        return secret in self._values

    def redact(self, text: str) -> str:
        if not self._runs or not text:
            return text
        compact = _SPACE.sub("", text)
        spans = self._spans(compact)
        if not spans:
            return text
        where = _positions(text) if len(compact) != len(text) else None
        out: list[str] = []
        done = 0
        for start, end in spans:
            first, last = (start, end - 1) if where is None else (where(start), where(end - 1))
            out += [text[done:first], REDACTED]
            done = last + 1
        out.append(text[done:])
        return "".join(out)

    def _spans(self, compact: str) -> list[tuple[int, int]]:
        """The runs to blank out in `compact` (text without whitespace), as
        (start, end), merged where they touch, without those that lie wholly
        in a public prefix.

        Every run has at least MIN_SECRET characters, so it holds a whole
        PROBE-character piece at some multiple of STRIDE: only those pieces
        are looked up, and only around a hit are runs tried, so the cost is
        len(compact) / STRIDE lookups plus a few per hit."""
        probes, runs, sizes = self._probes, self._runs, self._sizes
        hits = [at for at in range(0, len(compact) - PROBE + 1, STRIDE) if compact[at : at + PROBE] in probes]
        found: dict[int, tuple[int, bool]] = {}  # start -> (end, public)
        for at in hits:
            for start in range(max(at - MIN_RUN + PROBE, 0), at + 1):
                for size in sizes:
                    public = runs.get(compact[start : start + size])
                    if public is not None and start + size > found.get(start, (0, True))[0]:
                        found[start] = (start + size, public)
        merged: list[list[Any]] = []  # [start, end, secret]
        for start in sorted(found):
            end, public = found[start]
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
                merged[-1][2] = merged[-1][2] or not public
            else:
                merged.append([start, end, not public])
        return [(start, end) for start, end, secret in merged if secret]


def _positions(text: str) -> Callable[[int], int]:
    """Index in `text` of the n-th character that is not whitespace."""
    starts: list[int] = []  # where each word starts, counted without whitespace
    origins: list[int] = []  # and where it starts in text
    count = 0
    for word in _WORD.finditer(text):
        starts.append(count)
        origins.append(word.start())
        count += word.end() - word.start()

    def where(index: int) -> int:
        word = bisect_right(starts, index) - 1
        return origins[word] + index - starts[word]

    return where


def proxy_credentials(environ: Mapping[str, str]) -> list[str]:
    """The passwords and user:password pairs (as given and decoded) from the
    proxy variables: a proxy error may echo any of them, also in the base64
    of a Basic header, which every secret's spellings cover."""
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
        # A Basic header of a pair that is not UTF-8 on the wire.
        found.append(base64.b64encode(pair.encode("latin-1", errors="replace")).decode("ascii"))
    return found
