"""Tokens the stand-in issues: JWT-shaped, signed with a per-run HMAC key, so a
server can tell one it issued (and whether it has expired) from anything else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def resource_of(scope: str) -> str:
    """The audience a scope asks for: https://ai.azure.com/.default -> https://ai.azure.com."""
    return scope[: -len("/.default")] if scope.endswith("/.default") else scope


@dataclass(frozen=True)
class Issue:
    """One token the stand-in handed out."""

    token: str
    flow: str  # "app_service", "imds" or "client_credentials"
    audience: str
    subject: str
    issued_at: int
    expires_on: int


class TokenMint:
    """Issues and checks tokens; every issue is recorded in `issued`."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._key = secrets.token_bytes(32)
        self._clock = clock
        self._lock = threading.Lock()
        self.issued: list[Issue] = []

    def issue(self, flow: str, audience: str, subject: str, lifetime: float) -> Issue:
        # Whole seconds, as the token services send expires_on. MSAL turns expires_on
        # into expires_in against time.time() and azure-identity back again, so the
        # expiry a test's clock sets is the one the token source sees.
        now = int(self._clock())
        expires_on = now + max(1, round(lifetime))
        claims = {
            "aud": audience,
            "iss": "https://sts.entra-standin.invalid/",
            "sub": subject,
            "oid": subject,
            "iat": now,
            "nbf": now,
            "exp": expires_on,
            "jti": secrets.token_hex(8),
        }
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256).digest())
        issue = Issue(f"{header}.{body}.{signature}", flow, audience, subject, now, expires_on)
        with self._lock:
            self.issued.append(issue)
        return issue

    def claims(self, token: str) -> Optional[dict[str, Any]]:
        """The claims of a token this mint signed, or None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64(parts[2]), expected):
                return None
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None

    def check(self, token: str, audience: Optional[str] = None) -> Optional[str]:
        """None when `token` is one this mint issued, unexpired (and for `audience`
        when given); "expired" or "invalid" otherwise."""
        claims = self.claims(token)
        if claims is None or (audience is not None and claims.get("aud") != resource_of(audience)):
            return "invalid"
        if self._clock() >= float(claims.get("exp", 0)):
            return "expired"
        return None
