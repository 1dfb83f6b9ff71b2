"""How the server looks from outside, per mode: the URL prefix, what a request
must carry, the error shape and how objects are written on the wire.

- ``openai``: OpenAI's Assistants API under ``/v1`` (the contract's shapes).
- ``compat``: third-party Assistants-compatible servers (FastAPI-style errors,
  millisecond timestamps, text content as a list of parts...) under a prefix.
- ``foundry``: Azure AI Foundry Agent Service "classic" agents under
  ``/api/projects/<project>``, with ``api-version`` and Entra bearer tokens.
"""

from __future__ import annotations

from typing import Any, Callable

from .responses_api import foundry_api_versions, is_responses_path
from .routes import ApiError, Routes
from .store import Store

MODES = ("openai", "compat", "foundry")
# Foundry's versions: "v1" (azure-ai-agents 1.2+, _configuration.py) and the
# dated preview earlier SDKs default to (azure-ai-agents 1.0/1.1).
FOUNDRY_API_VERSIONS = ("v1", "2025-05-15-preview")
# Compat servers report a resolved model snapshot for the name asked for.
COMPAT_MODEL_SUFFIX = "-2024-08-06"
TIMESTAMP_KEYS = (
    "created_at",
    "started_at",
    "completed_at",
    "expires_at",
    "expired_at",
    "cancelled_at",
    "failed_at",
    "incomplete_at",
)

TokenCheck = Callable[[str], "str | None"]


def bearer(headers: dict[str, str]) -> str | None:
    given = headers.get("authorization", "")
    return given[7:] if given.startswith("Bearer ") and given[7:] else None


class OpenAIMode:
    """The reference: OpenAI's API as the vendored contract describes it."""

    name = "openai"
    # Whether answers follow the vendored contract (and are checked against it).
    follows_contract = True

    def __init__(self, api_key: str, prefix: str = "/v1") -> None:
        self.api_key = api_key
        self.prefix = prefix.rstrip("/")

    def configure(self, routes: Routes, store: Store) -> None:
        """Set the routes' and store's mode switches (OpenAI: their defaults)."""

    def route_path(self, path: str) -> str | None:
        """The path below the prefix, or None when the request is outside it."""
        if path == self.prefix or path.startswith(self.prefix + "/"):
            return path[len(self.prefix) :]
        return None

    def outside(self, method: str, path: str) -> tuple[int, Any]:
        return self.render_error(ApiError(404, f"Invalid URL ({method} {path})", subject="url"))

    def check_request(self, headers: dict[str, str], query: dict[str, str], path: str | None = None) -> None:
        """Refuse what the mode refuses; `path` is below the prefix (None: outside it or unknown)."""
        key = bearer(headers) or headers.get("api-key")
        if not key:
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if key != self.api_key:
            raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        if headers.get("openai-beta") != "assistants=v2" and not is_responses_path(path):
            raise ApiError(
                400,
                "You must provide the 'OpenAI-Beta' header to access the Assistants API. "
                "Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
            )

    def render_error(self, error: ApiError) -> tuple[int, Any]:
        return error.status, error.payload

    def error_body(self, status: int, message: str) -> Any:
        """A scripted fault's error in this mode's shape."""
        error_type = "server_error" if status >= 500 else "invalid_request_error"
        return {"error": {"message": message, "type": error_type, "param": None, "code": None}}

    def present(self, payload: Any) -> Any:
        """An answer as this mode writes it (OpenAI: as stored)."""
        return payload


class CompatMode(OpenAIMode):
    """A third-party Assistants-compatible server (FastAPI style)."""

    name = "compat"
    follows_contract = False

    def configure(self, routes: Routes, store: Store) -> None:
        routes.run_id_params = ()
        routes.streams = False
        routes.modify_requires_model = True
        store.model_alias = lambda model: model + COMPAT_MODEL_SUFFIX

    def outside(self, method: str, path: str) -> tuple[int, Any]:
        return 404, {"detail": "Not Found"}

    def check_request(self, headers: dict[str, str], query: dict[str, str], path: str | None = None) -> None:
        key = bearer(headers)
        if key is None:
            raise ApiError(401, "Not authenticated")
        if key != self.api_key:
            raise ApiError(401, "Invalid API key")

    def render_error(self, error: ApiError) -> tuple[int, Any]:
        if error.code == "missing_required_parameter" and error.param:
            loc = ["body", *error.param.split(".")]
            return 422, {"detail": [{"loc": loc, "msg": "field required", "type": "value_error.missing"}]}
        if error.subject == "url":
            return 404, {"detail": "Not Found"}
        if error.status == 404 and error.subject:
            return 404, {"detail": f"{error.subject.capitalize()} not found"}
        return error.status, {"detail": error.message}

    def error_body(self, status: int, message: str) -> Any:
        return {"detail": message}

    def present(self, payload: Any) -> Any:
        return _compat(payload)


def _compat(value: Any) -> Any:
    """Milliseconds for timestamps, text parts as lists, no usage on runs."""
    if isinstance(value, list):
        return [_compat(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in TIMESTAMP_KEYS and isinstance(item, int) and not isinstance(item, bool):
            out[key] = item * 1000
        elif key == "usage" and value.get("object") == "thread.run":
            continue
        elif key == "content" and value.get("object") == "thread.message" and isinstance(item, list):
            out[key] = [_compat_part(part) for part in item]
        else:
            out[key] = _compat(item)
    return out


def _compat_part(part: Any) -> Any:
    if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), dict):
        return {"type": "text", "text": [{"type": "output_text", "text": part["text"].get("value", "")}]}
    return _compat(part)


class FoundryMode(OpenAIMode):
    """Azure AI Foundry Agent Service, classic agents (azure-ai-agents)."""

    name = "foundry"
    follows_contract = False

    def __init__(self, api_key: str, project: str = "demo", token_check: TokenCheck | None = None) -> None:
        super().__init__(api_key, f"/api/projects/{project}")
        self.token_check = token_check

    def configure(self, routes: Routes, store: Store) -> None:
        # azure-ai-agents sends run_id (v1) or runId (2025-05-15-preview).
        routes.run_id_params = ("run_id", "runId")
        routes.foreign_tools = True
        store.tool_approvals = True
        store.incomplete_status = False

    def outside(self, method: str, path: str) -> tuple[int, Any]:
        return 404, {"error": {"code": "404", "message": "Resource not found"}}

    def check_request(self, headers: dict[str, str], query: dict[str, str], path: str | None = None) -> None:
        token = bearer(headers)
        if token is None:
            raise ApiError(
                401,
                "Unauthorized. Access token is missing, invalid, audience is incorrect "
                "(https://ai.azure.com), or have expired.",
                code="PermissionDenied",
            )
        reason = self.token_check(token) if self.token_check is not None else self._static(token)
        if reason is not None:
            raise ApiError(
                401,
                f"Unauthorized. Access token is {reason} (audience https://ai.azure.com).",
                code="PermissionDenied",
            )
        # The new agents and their OpenAI-compatible routes take other versions
        # (and on /openai/v1 none is needed).
        versions, required = foundry_api_versions(path) or (FOUNDRY_API_VERSIONS, True)
        version = query.get("api-version")
        if version is None and not required:
            return
        if version is None:
            raise ApiError(
                400,
                "The api-version query parameter (?api-version=) is required for all requests.",
                code="MissingApiVersionParameter",
            )
        if version not in versions:
            raise ApiError(
                400,
                f"The api-version '{version}' is invalid. The supported versions are '{', '.join(versions)}'.",
                code="InvalidApiVersionParameter",
            )

    def _static(self, token: str) -> str | None:
        return None if token == self.api_key else "invalid"

    def render_error(self, error: ApiError) -> tuple[int, Any]:
        if error.subject == "url":
            return self.outside("", "")
        code = error.code or {400: "BadRequest", 401: "PermissionDenied", 404: "NotFound"}.get(
            error.status, "InternalServerError"
        )
        return error.status, {"error": {"code": code, "message": error.message}}

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"code": str(status), "message": message}}


def make_mode(
    mode: str,
    api_key: str,
    prefix: str | None = None,
    project: str = "demo",
    token_check: TokenCheck | None = None,
) -> OpenAIMode:
    if mode == "openai":
        return OpenAIMode(api_key, prefix or "/v1")
    if mode == "compat":
        return CompatMode(api_key, prefix or "/api/v2")
    if mode == "foundry":
        if prefix is not None:
            raise ValueError("foundry mode serves under /api/projects/<project>: give project, not prefix")
        return FoundryMode(api_key, project, token_check)
    raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
