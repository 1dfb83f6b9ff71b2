# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Entra ID bearer tokens for auth_type entra (Azure AI Foundry Agent
Service): plain Python. azure-identity does every sign-in; it is imported only
when a token is first asked for, so the collection works without it otherwise."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from ._connection import ENTRA_SCOPE
from ._errors import InvalidInput, OpenAIError, one_line
from ._token_cache import CachedToken, TokenCache, cache_key

DEFAULT_SCOPE = ENTRA_SCOPE
# Renew this long before expiry, or at half the lifetime for shorter tokens,
# so a request never leaves with a token about to lapse (azure-core's own offset).
RENEW_MARGIN = 300.0
# A token the task gives is refused this close to its expiry: it cannot be renewed;
# one another process kept is not used this close to it either.
DIRECT_TOKEN_SKEW = 5.0
MASK = "********"

# AWX's "Microsoft Azure Resource Manager" credential names, beside azure-identity's.
CLIENT_ID_VARS = ("AZURE_CLIENT_ID",)
CLIENT_SECRET_VARS = ("AZURE_CLIENT_SECRET", "AZURE_SECRET")
TENANT_VARS = ("AZURE_TENANT_ID", "AZURE_TENANT")
# What azure-identity's managed identity reads from the process environment:
# part of the credential a cached token belongs to.
MANAGED_IDENTITY_VARS = (
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "IMDS_ENDPOINT",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
)
# The Azure CLI keeps its own token cache, and whoever `az login` signs in as
# must take effect at once: its tokens are not kept in ours.
NOT_CACHED_SOURCES = ("Azure CLI",)
# AWX's AZURE_CLOUD_ENVIRONMENT, as the sign-in host of that cloud.
CLOUD_AUTHORITY_HOSTS = {
    "azurecloud": None,
    "azurepubliccloud": None,
    "azurechinacloud": "login.chinacloudapi.cn",
    "azureusgovernment": "login.microsoftonline.us",
}
# MSAL's sample authority formats, which crowd out the line that matters.
_AUTHORITY_FORMAT_HINT = re.compile(r"Authority would typically be in a format of .*?/policy\.\s*")
_NOISE_PREFIXES = ("trace id", "correlation id", "timestamp", "to mitigate", "visit ", "attempted credentials")


class EntraError(OpenAIError):
    """No Entra ID token: every source failed or the one configured refused."""


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> Optional[str]:
    for name in names:
        value = environ.get(name)
        if value:
            return value
    return None


def _jwt_expiry(token: str) -> Optional[float]:
    """The exp claim of a JWT (Entra access tokens are JWTs), unverified: only to
    know when it lapses. None for a token that is not a JWT or has no exp."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _import_identity() -> Any:
    try:
        from azure import identity
    except ImportError as exc:
        raise InvalidInput(
            f"auth_type entra needs the Python library azure-identity, which {sys.executable} cannot import "
            f"({one_line(str(exc), 120)}); install it on the host that runs the module: pip install azure-identity"
        ) from None
    # azure-identity logs each failed attempt as a warning; with no handler Python
    # prints those to stderr, where they would land in the task's output twice.
    logging.getLogger("azure").addHandler(logging.NullHandler())
    return identity


class _Attempt:
    """One azure-identity credential in the chain, under a name users know; it
    remembers why it failed, reduced to a line, for the error message."""

    def __init__(self, name: str, credential: Any, fix: str) -> None:
        self.name = name
        self.credential = credential
        self.fix = fix
        self.failure: Optional[str] = None
        self.unavailable = False

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.identity import CredentialUnavailableError

        try:
            return self.credential.get_token_info(*scopes, options=options)
        except Exception as exc:
            self.failure = str(exc) or type(exc).__name__
            self.unavailable = isinstance(exc, CredentialUnavailableError)
            raise

    def close(self) -> None:
        close = getattr(self.credential, "close", None)
        if close is not None:
            close()


class EntraTokenSource:
    """A callable giving a valid Entra ID access token for `scope`, renewed before it lapses.

    Sources, first configured wins: the `token` given; a service principal from
    the environment (AZURE_CLIENT_ID with AZURE_CLIENT_SECRET/AZURE_TENANT_ID, or
    AWX's AZURE_SECRET/AZURE_TENANT); workload identity (AZURE_FEDERATED_TOKEN_FILE);
    managed identity (IDENTITY_ENDPOINT/IDENTITY_HEADER, or IMDS); `az login`.
    `environ` chooses among them and supplies their values (os.environ when None;
    never modified). Managed identity and the Azure CLI read the process
    environment themselves: azure-identity takes no endpoint argument for them.
    `clock` gives epoch seconds, as token expiry times are. With a `cache`, a
    token signed in for this credential by another process (an earlier task) is
    used while it is fresh, and a new one is kept there for the next; a given
    `token` is never kept.
    """

    def __init__(
        self,
        scope: str = DEFAULT_SCOPE,
        token: Optional[str] = None,
        environ: Optional[Mapping[str, str]] = None,
        clock: Callable[[], float] = time.time,
        token_expires_on: Optional[float] = None,
        cache: Optional[TokenCache] = None,
    ) -> None:
        if not isinstance(scope, str) or not scope.strip() or any(c.isspace() for c in scope):
            raise InvalidInput(f"the Entra scope must be one scope such as {DEFAULT_SCOPE}, without spaces")
        if token is not None and (not isinstance(token, str) or not token or any(c.isspace() for c in token)):
            raise InvalidInput("the Entra access token given is empty or has spaces in it; give the token alone")
        self.scope = scope
        self._environ = dict(os.environ if environ is None else environ)
        self._clock = clock
        self._direct = token
        self._cache = cache if token is None else None
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self._expires_on = 0.0
        self._renew_at = 0.0
        self._chain: Optional[list[_Attempt]] = None
        self._chosen: Optional[_Attempt] = None
        self.source_name: Optional[str] = None
        if token is not None:
            self.source_name = "token"
            self._token = token
            self._expires_on = token_expires_on if token_expires_on is not None else (_jwt_expiry(token) or 0.0)

    def __repr__(self) -> str:
        return f"EntraTokenSource(scope={self.scope!r}, source={self.source_name!r})"

    def secrets(self) -> list[str]:
        """Values to redact from any output: the client secret and every token known."""
        found = [self._direct, self._token, _first(self._environ, CLIENT_SECRET_VARS)]
        return [value for value in dict.fromkeys(found) if value]

    def expires_on(self) -> Optional[float]:
        """Epoch seconds when the current token lapses (None before the first or when unknown)."""
        return self._expires_on or None

    def __call__(self) -> str:
        with self._lock:
            if self._direct is not None:
                return self._check_direct()
            now = self._clock()
            if self._token is not None and now < self._renew_at:
                return self._token
            if self._cache is None:
                return self._sign_in(now)
            key = self._cache_key()
            kept = self._adopt(self._cache.load(key, now), now)
            if kept is not None:
                return kept
            with self._cache.locked(key):
                # Another worker may have signed in while this one waited for the lock.
                kept = self._adopt(self._cache.load(key, now), now)
                if kept is not None:
                    return kept
                token = self._sign_in(now)
                if self._renew_at > now and self.source_name not in NOT_CACHED_SOURCES:
                    entry = CachedToken(token, self._expires_on, self._renew_at, self.source_name or "")
                    self._cache.store(key, entry)
                return token

    def _sign_in(self, now: float) -> str:
        try:
            self._renew(now)
        except OpenAIError:
            # Renewal failed inside the renewal window: a token with a good
            # part of its margin left still serves this request.
            if self._token is not None and now < self._expires_on - (self._expires_on - self._renew_at) / 2:
                return self._token
            raise
        if self._token is None:
            raise EntraError("the Entra ID token source gave no token")
        return self._token

    def _adopt(self, entry: Optional[CachedToken], now: float) -> Optional[str]:
        """Take a token another process kept if it is newer than ours (it still
        serves if a renewal fails); the token when it needs no renewal yet."""
        if entry is not None and entry.expires_on > self._expires_on:
            self._token = entry.token
            self._expires_on = entry.expires_on
            # Never later than the signer's choice, nor within a request's time of expiry.
            self._renew_at = min(entry.use_until, entry.expires_on - DIRECT_TOKEN_SKEW)
            self.source_name = entry.source_name or self.source_name
        return self._token if now < self._renew_at else None

    def _cache_key(self) -> str:
        """The cache file name of the credential this environment signs in with:
        the service principal's, or the chain's (workload identity, managed identity)."""
        env = self._environ
        parts: dict[str, Optional[str]] = {
            "scope": self.scope,
            "authority": env.get("AZURE_AUTHORITY_HOST") or env.get("AZURE_CLOUD_ENVIRONMENT", "").lower(),
            "tenant": _first(env, TENANT_VARS),
            "client_id": _first(env, CLIENT_ID_VARS),
        }
        secret = _first(env, CLIENT_SECRET_VARS)
        if secret:
            parts.update(kind="service principal", secret=secret)
        else:
            parts.update(kind="chain", federated_token_file=env.get("AZURE_FEDERATED_TOKEN_FILE"))
            parts.update({name: os.environ.get(name) for name in MANAGED_IDENTITY_VARS})
        return cache_key(parts)

    def close(self) -> None:
        for attempt in self._chain or []:
            attempt.close()

    # -- the token the task gave ------------------------------------------------

    def _check_direct(self) -> str:
        if self._direct is None:
            raise EntraError("the Entra ID token source gave no token")
        if self._expires_on:
            left = self._expires_on - self._clock()
            if left <= DIRECT_TOKEN_SKEW:
                when = "expired" if left <= 0 else "expires"
                raise InvalidInput(
                    f"the Entra access token given {when} at {_utc(self._expires_on)} and cannot be renewed: "
                    "get a fresh one (e.g. azure.azcollection.azure_rm_accesstoken_info) right before this task, "
                    "or give no token and let the module sign in (service principal, managed identity or az login)"
                )
        return self._direct

    # -- signing in through azure-identity ---------------------------------------

    def _renew(self, now: float) -> None:
        identity = _import_identity()
        if self._chain is None:
            self._chain = self._build_chain(identity)
        if not self._chain:
            raise EntraError(self._nothing_worked([]))
        attempts = [self._chosen] if self._chosen is not None else self._chain
        for attempt in attempts:
            attempt.failure = None
        from azure.core.exceptions import AzureError

        try:
            if len(attempts) == 1:
                info = attempts[0].get_token_info(self.scope)
            else:
                info = identity.ChainedTokenCredential(*attempts).get_token_info(self.scope)
        except (AzureError, ValueError, OSError) as exc:
            raise EntraError(self._failure_message(attempts, exc)) from None
        winner = next((a for a in attempts if a.failure is None), attempts[-1])
        if info.expires_on <= now:
            raise EntraError(
                f"{winner.name} gave an Entra token that expired at {_utc(info.expires_on)}, before it was used: "
                "check this host's clock"
            )
        margin = min(RENEW_MARGIN, (info.expires_on - now) / 2)
        renew_at = info.expires_on - margin
        if info.refresh_on:
            renew_at = min(renew_at, max(float(info.refresh_on), now))
        self._chosen = winner
        self.source_name = winner.name
        self._token = info.token
        self._expires_on = float(info.expires_on)
        self._renew_at = renew_at

    def _build_chain(self, identity: Any) -> list[_Attempt]:
        env = self._environ
        client_id = _first(env, CLIENT_ID_VARS)
        secret = _first(env, CLIENT_SECRET_VARS)
        tenant = _first(env, TENANT_VARS)
        extra: dict[str, Any] = {}
        authority = env.get("AZURE_AUTHORITY_HOST") or CLOUD_AUTHORITY_HOSTS.get(
            env.get("AZURE_CLOUD_ENVIRONMENT", "").lower()
        )
        if authority:
            # Set explicitly by whoever set up this host: a sovereign cloud or Azure
            # Stack, which Microsoft's instance discovery does not know.
            extra = {"authority": authority, "disable_instance_discovery": True}
        chain: list[_Attempt] = []
        try:
            if secret:
                missing = [
                    "/".join(names)
                    for names, value in ((CLIENT_ID_VARS, client_id), (TENANT_VARS, tenant))
                    if not value
                ]
                if missing:
                    verb = "are" if len(missing) > 1 else "is"
                    raise InvalidInput(
                        f"a client secret is set in the environment but {' and '.join(missing)} {verb} not: "
                        "set them all (AWX's Microsoft Azure Resource Manager credential sets all three)"
                    )
                credential = identity.ClientSecretCredential(tenant, client_id, secret, **extra)
                fix = (
                    "check AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (or AZURE_SECRET) and AZURE_TENANT_ID (or AZURE_TENANT)"
                )
                return [_Attempt("environment (service principal)", credential, fix)]
            token_file = env.get("AZURE_FEDERATED_TOKEN_FILE")
            if token_file and client_id and tenant:
                credential = identity.WorkloadIdentityCredential(
                    tenant_id=tenant, client_id=client_id, token_file_path=token_file, **extra
                )
                fix = "check the federated credential of AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE"
                chain.append(_Attempt("workload identity", credential, fix))
            # A user-assigned identity is named by AZURE_CLIENT_ID, as DefaultAzureCredential does.
            credential = identity.ManagedIdentityCredential(client_id=client_id)
            fix = "check the identity assigned to this resource and its role on the Foundry project"
            chain.append(_Attempt("managed identity", credential, fix))
            chain.append(
                _Attempt("Azure CLI", identity.AzureCliCredential(), "run `az login` as the user of the module")
            )
        except ValueError as exc:
            raise InvalidInput(f"Entra sign-in settings are not valid: {self._reduce(str(exc))}") from None
        return chain

    # -- one-line messages, without secrets ------------------------------------------

    def _reduce(self, text: str) -> str:
        kept = []
        for line in text.replace("\r", "\n").split("\n"):
            line = line.strip().lstrip("\t")
            if line and not line.lower().startswith(_NOISE_PREFIXES) and "aka.ms/" not in line:
                kept.append(line)
        reduced = _AUTHORITY_FORMAT_HINT.sub("", " ".join(kept)).replace("Authentication failed: ", "")
        for secret in self.secrets():
            reduced = reduced.replace(secret, MASK)
        return one_line(reduced, 240).rstrip(". ")

    def _failure_message(self, attempts: list[_Attempt], exc: Exception) -> str:
        refused = next((a for a in attempts if a.failure is not None and not a.unavailable), None)
        if refused is not None:
            reason = self._reduce(refused.failure or "")
            return f"Entra sign-in with {refused.name} failed for {self.scope}: {reason}. To fix: {refused.fix}"
        if not any(a.failure is not None for a in attempts):
            return f"Entra sign-in failed for {self.scope}: {self._reduce(str(exc))}"
        return self._nothing_worked(attempts)

    def _nothing_worked(self, attempts: list[_Attempt]) -> str:
        tried = []
        if not _first(self._environ, CLIENT_SECRET_VARS):
            tried.append("environment (no AZURE_CLIENT_SECRET/AZURE_SECRET)")
        if not any(a.name == "workload identity" for a in attempts):
            tried.append("workload identity (no AZURE_FEDERATED_TOKEN_FILE with client and tenant)")
        tried.extend(f"{a.name} ({self._reduce(a.failure or 'not tried')})" for a in attempts)
        return (
            f"no Entra ID token for {self.scope}; tried: {'; '.join(tried)}. To fix: give a token "
            "(e.g. from azure.azcollection.azure_rm_accesstoken_info), set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and "
            "AZURE_TENANT_ID (or attach AWX's Microsoft Azure Resource Manager credential), use a managed identity, "
            "or run `az login` on the host that runs the module"
        )
