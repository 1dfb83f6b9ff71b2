# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client for Assistants-compatible APIs.

Plain Python on requests and urllib3: it imports nothing from Ansible, so it
can be used and tested on its own. One client holds one requests Session, so
every call of a task reuses the same kept-alive connection.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import quote, urlsplit, urlunsplit

from ._backoff import MAX_RETRY_AFTER, parse_retry_after
from ._errors import SUNSET_NOTE, APIError, InvalidInput, TransportError, parse_error_body, retries_text
from ._version import COLLECTION_VERSION

DEFAULT_API_BASE = "https://api.openai.com/v1"
OPENAI_HOSTS = frozenset(["api.openai.com"])
LOOPBACK_HOSTS = frozenset(["localhost", "127.0.0.1", "::1"])
USER_AGENT = f"seed.openai/{COLLECTION_VERSION} (Ansible collection)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_OBJECT_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-f]+>:?\s*")

if TYPE_CHECKING:
    import requests

Reporter = Callable[[str], None]


def redact_url(url: str) -> str:
    """The URL without user:password@, safe to print."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_header_value(name: str, value: str, show: bool = True) -> None:
    if _CONTROL.search(value):
        shown = f" {value!r}" if show else ""
        raise InvalidInput(f"{name}{shown} contains a line break or control character; remove it")


def path_segment(value: str, what: str = "ID") -> str:
    """One percent-encoded path segment: an ID can never reach another endpoint."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{what} is empty; give the ID of an existing object")
    if value in (".", ".."):
        raise InvalidInput(f"{what} {value!r} is not a valid ID")
    return quote(value, safe="")


def _root_cause(exc: BaseException) -> str:
    seen = set()
    cause: BaseException | None = exc
    best = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        best = cause
        nested = getattr(cause, "reason", None)
        if not isinstance(nested, BaseException) and cause.args and isinstance(cause.args[0], BaseException):
            nested = cause.args[0]
        cause = nested if isinstance(nested, BaseException) else cause.__cause__
    text = _OBJECT_REPR.sub("", str(best)).strip() or type(best).__name__
    return text.splitlines()[0]


@dataclass
class Settings:
    """How to reach the API: the connection options, checked by check()."""

    api_key: str
    api_base: str | None = None
    organization: str | None = None
    timeout: float = 0
    max_retry_count: int = 0
    auth_type: str = "bearer"
    api_version: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    validate_certs: bool = True
    ca_path: str | None = None

    def check(self) -> None:
        base = self.api_base or DEFAULT_API_BASE
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(
                f"api_base {redact_url(base)!r} is not an http:// or https:// URL; "
                f"use a full URL such as {DEFAULT_API_BASE}"
            )
        if parts.username is not None or parts.password is not None:
            raise InvalidInput(
                f"api_base {redact_url(base)!r} has user:password@ in it; remove it, the API key is the credential"
            )
        if not self.api_key:
            raise InvalidInput("api_key is not set; pass api_key or set OPENAI_API_KEY")
        check_header_value("api_key", self.api_key, show=False)
        if self.organization:
            check_header_value("organization", self.organization)
        for name, value in self.headers.items():
            check_header_value(f"headers name {name!r}", str(name))
            check_header_value(f"headers value of {name!r}", str(value), show=False)
        if self.auth_type not in ("bearer", "api_key"):
            raise InvalidInput(f"auth_type must be bearer or api_key, got {self.auth_type!r}")
        if self.timeout < 0:
            raise InvalidInput(f"timeout must be 0 (no limit) or more seconds, got {self.timeout:g}")
        if not 0 <= self.max_retry_count <= 100:
            raise InvalidInput(f"max_retry_count must be between 0 and 100, got {self.max_retry_count}")
        if self.ca_path is not None and not os.path.exists(self.ca_path):
            raise InvalidInput(f"ca_path {self.ca_path!r} does not exist; give a CA bundle file or directory")


class OpenAIClient:
    def __init__(self, settings: Settings, report: Optional[Reporter] = None) -> None:
        settings.check()
        # Deferred to here: bad input and check mode never pay for these imports.
        import requests
        from requests.adapters import HTTPAdapter

        from ._retry import ReportingRetry

        self._requests = requests
        self.api_base = (settings.api_base or DEFAULT_API_BASE).rstrip("/")
        self.host = (urlsplit(self.api_base).hostname or "").lower()
        self.timeout = settings.timeout or None
        self.report = report
        self.retries_done = 0
        self.max_retry_count = settings.max_retry_count
        self._secret = settings.api_key
        self.headers = {
            "OpenAI-Beta": "assistants=v2",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"{USER_AGENT} python-requests/{requests.__version__}",
        }
        if settings.organization:
            self.headers["OpenAI-Organization"] = settings.organization
        self.headers.update({str(k): str(v) for k, v in settings.headers.items()})
        # Set last, so an extra header can never replace the credential.
        if settings.auth_type == "api_key":
            self.headers["api-key"] = settings.api_key
        else:
            self.headers["Authorization"] = f"Bearer {settings.api_key}"
        self.query = dict(settings.query)
        if settings.api_version:
            self.query["api-version"] = settings.api_version
        self.session = requests.Session()
        # Passed with each request: a session-wide setting loses to REQUESTS_CA_BUNDLE.
        self.verify: bool | str = (settings.ca_path or True) if settings.validate_certs else False
        self._retry_any = ReportingRetry.for_count(settings.max_retry_count, self._on_retry)
        # For creations the server cannot recognise when sent twice: a 429 means
        # nothing was done, a 5xx may hide a success.
        self._retry_429 = ReportingRetry.for_count(settings.max_retry_count, self._on_retry, statuses=[429])
        self._adapter = HTTPAdapter(max_retries=self._retry_any)
        self.session.mount("http://", self._adapter)
        self.session.mount("https://", self._adapter)
        self.verify_off = not settings.validate_certs

    def warnings(self) -> list[str]:
        found = []
        if urlsplit(self.api_base).scheme == "http" and self.host not in LOOPBACK_HOSTS:
            found.append(f"api_base {redact_url(self.api_base)} is plain http: the API key travels unencrypted")
        if self.verify_off and urlsplit(self.api_base).scheme == "https":
            found.append(
                "validate_certs is off: the server's certificate is not checked, anyone on the path can read the key"
            )
        return found

    def describe(self, method: str, url: str, body: Any = None, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """What a call would send, without credentials: for check mode."""
        request: dict[str, Any] = {"method": method, "url": url}
        if body is not None:
            request["body"] = body
        params = dict(self.query, **(query or {}))
        if params:
            request["query"] = params
        return request

    def url(self, *segments: str) -> str:
        return "/".join([self.api_base, *segments])

    def _on_retry(self, number: int, status: int | None, error: Exception | None, wait: float) -> None:
        self.retries_done = number
        self.note_retry(number, f"HTTP {status}" if status else _root_cause(error) if error else "an error", wait)

    def note_retry(self, number: int, cause: str, wait: float) -> None:
        """Tell the task about a retry (a warning in Ansible)."""
        if self.report is not None:
            self.report(f"retry {number} after {cause}: waiting {wait:.1f} s")

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        retry_server_errors: bool = True,
    ) -> Any:
        """Send one call (with retries) and return the decoded JSON answer.

        retry_server_errors=False retries only 429 and refused connections:
        for a creation that a repeat would make twice."""
        return self.exchange(method, url, body, query, retry_server_errors)[0]

    def exchange(
        self,
        method: str,
        url: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        retry_server_errors: bool = True,
    ) -> tuple[Any, Mapping[str, str]]:
        """Like request(), and the answer's headers too."""
        response = self._send(method, url, body, query, False, retry_server_errors)
        try:
            return response.json(), response.headers
        except ValueError:
            raise APIError(
                response.status_code,
                response.reason or "OK",
                {"type": "invalid_response", "code": None, "param": None, "message": "the answer is not JSON"},
                response.headers.get("x-request-id"),
                redact_url(url),
            ) from None

    def stream_lines(
        self,
        method: str,
        url: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        retry_server_errors: bool = True,
    ) -> Iterator[str]:
        """Send one call and yield the answer's lines as they come (server-sent events)."""
        response = self._send(method, url, body, query, True, retry_server_errors)
        try:
            for line in response.iter_lines(decode_unicode=False):
                yield line.decode("utf-8", errors="replace")
        except self._requests.exceptions.RequestException as exc:
            raise TransportError(
                f"the event stream from {redact_url(url)} broke: {_root_cause(exc)}", redact_url(url), True
            ) from None
        finally:
            response.close()

    def _send(
        self, method: str, url: str, body: Any, query: dict[str, Any] | None, stream: bool, retry_server_errors: bool
    ) -> requests.Response:
        from urllib3.exceptions import ProtocolError

        requests = self._requests
        self.retries_done = 0
        self._adapter.max_retries = self._retry_any if retry_server_errors else self._retry_429
        data = None if body is None else json.dumps(body)
        params = dict(self.query, **(query or {}))
        headers = dict(self.headers, Accept="text/event-stream") if stream else self.headers
        try:
            response = self.session.request(
                method,
                url,
                data=data,
                params=params or None,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=stream,
                verify=self.verify,
            )
        except requests.exceptions.RequestException as exc:
            maybe_sent = isinstance(exc, requests.exceptions.ReadTimeout) or (
                bool(exc.args) and isinstance(exc.args[0], ProtocolError)
            )
            raise TransportError(self._transport_message(method, url, exc), redact_url(url), maybe_sent) from None
        if response.status_code >= 300:
            raise self._api_error(response, url)
        return response

    def _transport_message(self, method: str, url: str, exc: Exception) -> str:
        cause = _root_cause(exc)
        if isinstance(exc, self._requests.exceptions.Timeout):
            cause = f"timed out after {self.timeout:g} s ({cause})"
        elif isinstance(exc, self._requests.exceptions.SSLError):
            cause = f"TLS error ({cause}); set ca_path to trust a private CA"
        retries = f" after {retries_text(self.retries_done)}" if self.retries_done else ""
        return f"{method} {redact_url(url)} failed{retries}: {cause}"

    def _api_error(self, response: requests.Response, url: str) -> APIError:
        error = parse_error_body(response.content)
        for key, value in error.items():
            if isinstance(value, str) and self._secret in value:
                error[key] = value.replace(self._secret, "********")
        notes = []
        if 300 <= response.status_code < 400:
            location = redact_url(response.headers.get("Location", "?"))
            notes.append(f"Redirect to {location} not followed; set api_base to the final URL")
        if response.status_code in (404, 410) and self.host in OPENAI_HOSTS:
            notes.append(SUNSET_NOTE)
        wait = parse_retry_after(response.headers)
        if wait is not None and wait > MAX_RETRY_AFTER:
            notes.append(
                f"The server asked to retry after {wait:.0f} s, "
                f"more than the {MAX_RETRY_AFTER:.0f} s this collection waits"
            )
        elif self.retries_done:
            notes.append(f"Gave up after {retries_text(self.retries_done)}")
        return APIError(
            response.status_code,
            response.reason or "HTTP error",
            error,
            response.headers.get("x-request-id"),
            redact_url(url),
            note=". ".join(notes) or None,
            retry_after=wait,
        )
