# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options as plain data: which environment variables stand in
for unset options, and the client Settings they make. Plain Python, so the
modules, the action plugins and the event source share one mapping."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

from ._api.wire_api import resolve_api
from ._client import DEFAULT_API_BASE, Settings

if TYPE_CHECKING:
    from ._entra import EntraTokenSource

# Option -> environment variables tried in order when the option is unset.
ENV_FALLBACKS: dict[str, tuple[str, ...]] = {
    "api_base": ("OPENAI_API_BASE", "OPENAI_BASE_URL"),
    "api_key": ("OPENAI_API_KEY",),
    "organization": ("OPENAI_ORGANIZATION",),
    "auth_type": ("OPENAI_AUTH_TYPE",),
    "api": ("OPENAI_API",),
}
# One extra header, "Name: value", for a gateway in front of the API (AWX injects it).
HEADER_VARIABLE = "OPENAI_EXTRA_HEADER"
# The scope of Azure AI Foundry's Entra ID tokens (option entra_scope).
ENTRA_SCOPE = "https://ai.azure.com/.default"
# Entra ID token sources by (scope, given token): the items of a loop in one
# worker process share one, so a token is fetched once and renewed in time;
# the worker processes of a run share the token through _token_cache.
_token_sources: dict[tuple[str, Optional[str]], EntraTokenSource] = {}
# The api-version Azure AI Foundry project endpoints require when none is given.
FOUNDRY_API_VERSION = "v1"


def first_env(environ: Mapping[str, str], names: tuple[str, ...]) -> Optional[str]:
    """The first of `names` set to a non-empty value: AWX injects empty optional
    credential fields as empty strings, which must count as unset."""
    for name in names:
        value = environ.get(name)
        if value:
            return value
    return None


def header_from_env(environ: Mapping[str, str]) -> Optional[dict[str, str]]:
    """The extra header in OPENAI_EXTRA_HEADER, or None when it is unset or
    has no name (an AWX credential with the optional fields left empty)."""
    name, _colon, value = (environ.get(HEADER_VARIABLE) or "").partition(":")
    return {name.strip(): value.strip()} if name.strip() else None


def api_base_origin(given: Collection[str], environ: Mapping[str, str]) -> str:
    """Where a task's api_base comes from, for messages: `given` holds the
    options the task itself set (module_defaults included), before Ansible
    applied the environment fallbacks."""
    if "api_base" in given or "base_url" in given:
        return "the api_base option"
    name = next((name for name in ENV_FALLBACKS["api_base"] if environ.get(name)), None)
    if name is not None:
        return f"the environment variable {name}"
    return "the default: neither the api_base option nor " + " nor ".join(ENV_FALLBACKS["api_base"]) + " is set"


def given_options(args: Mapping[str, Any]) -> set[str]:
    """The options a task sets to something (an empty value counts as unset)."""
    return {name for name, value in args.items() if value not in (None, "")}


def is_foundry_endpoint(api_base: Optional[str]) -> bool:
    """An Azure AI Foundry project endpoint (https://<resource>.services.ai.azure.com/api/projects/<project>)."""
    try:
        parts = urlsplit(api_base or "")
    except ValueError:
        return False  # not a URL: the client refuses it, naming api_base
    host = (parts.hostname or "").lower()
    return host.endswith(".services.ai.azure.com") or "/api/projects/" in parts.path + "/"


def settings_from_options(
    options: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None, api_base_from: Optional[str] = None
) -> Settings:
    """Client settings from the connection options, applying the environment
    fallbacks for options that are unset (None or empty). `api_base_from` says
    where api_base came from when the caller applied the fallbacks itself."""

    def value(name: str) -> Any:
        given = options.get(name)
        if given in (None, "") and name in ENV_FALLBACKS and environ is not None:
            return first_env(environ, ENV_FALLBACKS[name])
        return given

    api_base = value("api_base") or None
    api_version = options.get("api_version") or None
    if api_version is None and is_foundry_endpoint(api_base):
        api_version = FOUNDRY_API_VERSION
    settings = Settings(
        api_key=value("api_key") or "",
        api_base=api_base,
        organization=value("organization") or None,
        timeout=options.get("timeout") or 0,
        max_retry_count=options.get("max_retry_count") or 0,
        auth_type=value("auth_type") or "bearer",
        api_version=api_version,
        headers=dict(options.get("headers") or (header_from_env(environ) if environ is not None else None) or {}),
        query=dict(options.get("query") or {}),
        validate_certs=options.get("validate_certs", True) is not False,
        ca_path=options.get("ca_path") or None,
        wire_api=resolve_api(value("api"), api_base, DEFAULT_API_BASE),
        api_base_from=api_base_from if environ is None else api_base_origin(given_options(options), environ),
    )
    if settings.auth_type == "entra":
        # Imported here: only Entra tasks pay for it.
        from ._entra import EntraTokenSource
        from ._token_cache import TokenCache

        key = (options.get("entra_scope") or ENTRA_SCOPE, options.get("entra_token") or None)
        if key not in _token_sources:
            # Each task runs in a new process: the tokens of a credential are kept in
            # the user's cache between them, so a playbook run signs in once.
            cache = None if key[1] else TokenCache.from_environ(os.environ)
            _token_sources[key] = EntraTokenSource(scope=key[0], token=key[1], cache=cache)
        settings.token_source = _token_sources[key]
    return settings
