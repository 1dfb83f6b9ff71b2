# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client for Assistants-compatible APIs.

Plain Python on requests and urllib3: it imports nothing from Ansible, so it
can be used and tested on its own. One client holds one requests Session, so
every call of a task reuses the same kept-alive connection.

Every call is bounded: answers are read within a size cap (counted after
decompression) and, when the caller gives one, a deadline for the whole
exchange; every resend of the task spends one retry of a single budget; and
every message is cleared of the task's secrets before it is cut or cleaned.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import quote, urlsplit, urlunsplit

from . import _backoff
from ._backoff import MAX_RETRY_AFTER, parse_retry_after
from ._bodies import (
    ACCEPT_ENCODING,
    JSON_LIMIT,
    STREAM_LIMIT,
    body_chunks,
    read_capped,
    read_prefix,
    size_text,
    split_lines,
)
from ._errors import (
    ERROR_BODY_LIMIT,
    SUNSET_NOTE,
    APIError,
    BadAnswer,
    DeadlineExceeded,
    InvalidInput,
    OpenAIError,
    TransportError,
    auth_hint,
    not_found_hint,
    parse_error_body,
    retries_text,
    root_cause,
    type_text,
)
from ._secrets import Secrets, proxy_credentials
from ._version import COLLECTION_VERSION
from ._watchdog import ConnectionWatch, watched_adapter

DEFAULT_API_BASE = "https://api.openai.com/v1"
OPENAI_HOSTS = frozenset(["api.openai.com"])
LOOPBACK_HOSTS = frozenset(["localhost", "127.0.0.1", "::1"])
USER_AGENT = f"seed.openai/{COLLECTION_VERSION} (Ansible collection)"
AUTH_TYPES = ("bearer", "api_key", "entra")
MAX_TIMEOUT = 86400.0
# A stream whose caller sets no limit still ends: an hour covers any run.
DEFAULT_STREAM_SECONDS = 3600.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

if TYPE_CHECKING:
    import requests

Reporter = Callable[[str], None]
TokenSource = Callable[[], str]


def redact_url(url: str) -> str:
    """The URL without user:password@, safe to print."""
    try:
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
        port = parts.port
    except ValueError:
        return url.rpartition("@")[2] if "@" in url else url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_no_control(name: str, value: str, show: bool = True) -> None:
    if _CONTROL.search(value):
        shown = f" {value!r}" if show else ""
        raise InvalidInput(f"{name}{shown} contains a line break or control character; remove it")


def check_header_value(name: str, value: str, show: bool = True) -> None:
    shown = f" {value!r}" if show else ""
    check_no_control(name, value, show)
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"{name}{shown} has characters outside Latin-1, which an HTTP header cannot carry; "
            f"check that it was copied whole and unchanged"
        ) from None


def check_secret(name: str, value: str) -> None:
    """A credential that cannot be sent as it is: refused without printing it."""
    check_header_value(name, value, show=False)
    if value != value.strip():
        raise InvalidInput(f"{name} has leading or trailing whitespace; remove it")


def check_timeout(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput(f"timeout must be a finite number of seconds, got {value!r}")
    if value < 0:
        raise InvalidInput(f"timeout must be 0 (no limit) or more seconds, got {value:g}")
    if value > MAX_TIMEOUT:
        raise InvalidInput(f"timeout must be at most {MAX_TIMEOUT:g} seconds (a day), got {value:g}")


def check_api_base(base: str) -> None:
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise InvalidInput(f"api_base {redact_url(base)!r} is not a valid URL ({exc}); fix the host or port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"api_base {redact_url(base)!r} is not an http:// or https:// URL; "
            f"use a full URL such as {DEFAULT_API_BASE}"
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            f"api_base {redact_url(base)!r} has user:password@ in it; remove it, the API key is the credential"
        )
    if parts.query or parts.fragment or "?" in base or "#" in base:
        raise InvalidInput(
            f"api_base {redact_url(base)!r} has a query or fragment; give the base URL only "
            f"(put query parameters in the query option)"
        )


def path_segment(value: str, what: str = "ID") -> str:
    """One percent-encoded path segment: an ID can never reach another endpoint."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{what} is empty; give the ID of an existing object")
    if value in (".", ".."):
        raise InvalidInput(f"{what} {value!r} is not a valid ID")
    return quote(value, safe="")


_root_cause = root_cause


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
    # The wire API the task speaks (assistants or responses): the Assistants
    # API wants its beta header on every call, the Responses API none.
    wire_api: str = "assistants"
    # For auth_type entra: called at every send for the bearer token, so a
    # token renewed during a long wait is used by the later polls.
    token_source: Optional[TokenSource] = None
    # Where api_base came from, for messages: "the api_base option", "the
    # environment variable OPENAI_API_BASE"... (None: not known; an unset
    # api_base is the default).
    api_base_from: Optional[str] = None

    def check(self) -> None:
        check_api_base(self.api_base or DEFAULT_API_BASE)
        if self.auth_type not in AUTH_TYPES:
            raise InvalidInput(f"auth_type must be bearer, api_key or entra, got {self.auth_type!r}")
        if self.auth_type == "entra":
            if not callable(self.token_source):
                raise InvalidInput("auth_type entra needs a token source; none was set up")
            if self.api_key:
                check_secret("api_key", self.api_key)
        else:
            if not self.api_key:
                raise InvalidInput("api_key is not set; pass api_key or set OPENAI_API_KEY")
            check_secret("api_key", self.api_key)
        if self.organization:
            check_header_value("organization", self.organization)
        if self.api_version is not None:
            check_no_control("api_version", str(self.api_version))
        for name, value in self.headers.items():
            check_header_value(f"headers name {name!r}", str(name))
            if isinstance(value, (dict, list, tuple, set)):
                raise InvalidInput(
                    f"headers value of {name!r} is {type_text(value)}; a header carries one text value "
                    "(for structured data, pass it through the to_json filter)"
                )
            check_header_value(f"headers value of {name!r}", str(value), show=False)
        check_timeout(self.timeout)
        count = self.max_retry_count
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 100:
            raise InvalidInput(f"max_retry_count must be between 0 and 100, got {count!r}")
        if self.ca_path is not None and not os.path.exists(self.ca_path):
            raise InvalidInput(f"ca_path {self.ca_path!r} does not exist; give a CA bundle file or directory")

    def secrets(self) -> Secrets:
        """The values never to print: the key, every extra header and query value, proxy credentials."""
        found = Secrets([self.api_key or "", *(str(value) for value in self.headers.values())])
        for value in self.query.values():
            found.add(str(value))
        for credential in proxy_credentials(os.environ):
            found.add(credential)
        # An Entra token source knows its client secret and a token given to it.
        for secret in getattr(self.token_source, "secrets", lambda: [])():
            found.add(secret)
        return found


class OpenAIClient:
    def __init__(self, settings: Settings, report: Optional[Reporter] = None) -> None:
        settings.check()
        # Deferred to here: bad input and check mode never pay for these imports.
        import requests
        from requests.adapters import HTTPAdapter

        self._requests = requests
        self.api_base = (settings.api_base or DEFAULT_API_BASE).rstrip("/")
        self.api_base_from = settings.api_base_from or (None if settings.api_base else "the default")
        self.auth_type = settings.auth_type
        self.host = (urlsplit(self.api_base).hostname or "").lower()
        self.timeout = settings.timeout or None
        self.report = report
        self.max_retry_count = settings.max_retry_count
        self.retries_left = self.retries_done = 0
        self.reset_budget()
        self.secrets = settings.secrets()
        self._token_source = settings.token_source if settings.auth_type == "entra" else None
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": f"{USER_AGENT} python-requests/{requests.__version__}",
        }
        if settings.wire_api == "assistants":
            self.headers["OpenAI-Beta"] = "assistants=v2"
        if settings.organization:
            self.headers["OpenAI-Organization"] = settings.organization
        self.headers.update({str(k): str(v) for k, v in settings.headers.items()})
        # Set last, so an extra header can never replace the credential.
        if settings.auth_type == "api_key":
            self.headers["api-key"] = settings.api_key
        elif settings.auth_type == "bearer":
            self.headers["Authorization"] = f"Bearer {settings.api_key}"
        self.query = dict(settings.query)
        self._user_query = list(settings.query)
        if settings.api_version:
            self.query["api-version"] = settings.api_version
        self.session = requests.Session()
        # Passed with each request: a session-wide setting loses to REQUESTS_CA_BUNDLE.
        self.verify: bool | str = (settings.ca_path or True) if settings.validate_certs else False
        self._watch = ConnectionWatch(self._attempt_deadline)
        self._adapter = watched_adapter(HTTPAdapter, self._watch)
        self.session.mount("http://", self._adapter)
        self.session.mount("https://", self._adapter)
        self.verify_off = not settings.validate_certs
        self._deadline: float | None = None
        # Per attempt: the seconds it may take (timeout; none for a stream,
        # whose silences timeout bounds instead) and the moment it must end by.
        self._attempt_limit: float | None = None
        self._attempt_end: float | None = None

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
        # The task's own query values may be gateway keys: shown by name only.
        params = {name: "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" for name in self._user_query}
        params.update(query or {})
        if self.query.get("api-version"):
            params["api-version"] = self.query["api-version"]
        if params:
            request["query"] = params
        return request

    def url(self, *segments: str) -> str:
        return "/".join([self.api_base, *segments])

    # The task's one retry budget: urllib3's resends and the callers' own
    # resend loops all spend from it, so max_retry_count bounds them together.

    def reset_budget(self) -> None:
        """Start a task's budget: max_retry_count retries, none made."""
        self.retries_left = self.max_retry_count
        self.retries_done = 0

    def can_retry(self) -> bool:
        return self.retries_left > 0

    def spend_retry(self, cause: str, wait: float) -> None:
        """Spend one retry: tell the task (a warning in Ansible) and wait."""
        self._spend(cause, wait)
        _backoff.pause(wait)

    def _spend(self, cause: str, wait: float) -> None:
        if self._deadline is not None and wait > self._deadline - time.monotonic():
            raise DeadlineExceeded(f"the next retry (after {cause}) would wait past the deadline", "")
        self.retries_left -= 1
        self.retries_done += 1
        if self.report is not None:
            self.report(self.redact(f"retry {self.retries_done} after {cause}: waiting {wait:.1f} s"))

    def _on_retry(self, number: int, status: int | None, error: Exception | None, wait: float) -> None:
        cause = f"HTTP {status}" if status else self._cause(error) if error else "an error"
        self._spend(cause, wait)

    def _cause(self, error: Exception) -> str:
        """What went wrong. A cut by the watch surfaces as a closed connection; it is named as the time-out it is."""
        return "timed out" if self._watch.cut else root_cause(error)

    def redact(self, text: str) -> str:
        return self.secrets.redact(text)

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        retry_server_errors: bool = True,
        *,
        deadline: float | None = None,
        time_limit: float | None = None,
    ) -> Any:
        """Send one call (with retries) and return the decoded JSON answer.

        retry_server_errors=False retries only 429 and refused connections:
        for a creation that a repeat would make twice. deadline (a
        time.monotonic() value) or time_limit (seconds from now) bounds the
        whole exchange, retries and a slow body included."""
        return self.exchange(method, url, body, query, retry_server_errors, deadline=deadline, time_limit=time_limit)[0]

    def exchange(
        self,
        method: str,
        url: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        retry_server_errors: bool = True,
        *,
        deadline: float | None = None,
        time_limit: float | None = None,
    ) -> tuple[Any, Mapping[str, str]]:
        """Like request(), and the answer's headers too."""
        what = f"{method} {redact_url(url)}"
        try:
            self._deadline = _absolute(deadline, time_limit)
            response = self._send(method, url, body, query, False, retry_server_errors)
            try:
                try:
                    raw = read_capped(self._body(response, method, url, time_limit), JSON_LIMIT, what)
                finally:
                    response.close()
                return _decoded(raw, what, response.status_code), response.headers
            except OpenAIError as error:
                # The server answered 2xx: what the call asked for was done, whatever came of its body.
                error.answered = True
                raise
        except OpenAIError as error:
            raise self._cleaned(error) from None
        finally:
            self._deadline = None

    def stream_lines(
        self,
        method: str,
        url: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        retry_server_errors: bool = True,
        *,
        deadline: float | None = None,
        time_limit: float | None = None,
        total_limit: int = STREAM_LIMIT,
    ) -> Iterator[str]:
        """Send one call and yield the answer's lines as they come (server-sent
        events). The whole stream must end by the deadline (DEFAULT_STREAM_SECONDS
        when none is given; keep-alive comments do not extend it) and within
        total_limit bytes; each line is at most 1 MiB."""
        what = f"{method} {redact_url(url)}"
        if deadline is None and time_limit is None:
            time_limit = DEFAULT_STREAM_SECONDS
        end = _absolute(deadline, time_limit)
        try:
            self._deadline = end
            try:
                response = self._send(method, url, body, query, True, retry_server_errors)
            finally:
                self._deadline = None
            try:
                chunks = body_chunks(response, what, self.timeout, end, self._limit_text(time_limit))
                for line in split_lines(_capped(chunks, total_limit, what), what):
                    yield self.redact(line.decode("utf-8", errors="replace"))
            except OpenAIError as error:
                error.answered = True  # a 2xx came: the call was acted on
                if isinstance(error, TransportError) and not isinstance(error, DeadlineExceeded):
                    error.args = (f"the event stream from {redact_url(url)} broke: {error}",)
                raise
            finally:
                response.close()
        except OpenAIError as error:
            raise self._cleaned(error) from None

    def _limit_text(self, time_limit: float | None) -> str:
        return f" (limit {time_limit:g} s)" if time_limit is not None else ""

    def _body(self, response: Any, method: str, url: str, time_limit: float | None = None) -> Iterator[bytes]:
        """The answer's body, read by the end of its attempt. The call's own
        timeout ends it as a transport failure; a caller's deadline, as
        DeadlineExceeded, the caller's to report."""
        what = f"{method} {redact_url(url)}"
        by_timeout = self._attempt_end is not None and self._attempt_end != self._deadline
        try:
            yield from body_chunks(response, what, self.timeout, self._attempt_end, self._limit_text(time_limit))
        except DeadlineExceeded:
            if not by_timeout:
                raise
            raise TransportError(self._timed_out(what), redact_url(url), True) from None

    def _timed_out(self, what: str) -> str:
        """The message for a call cut at its timeout: socket timeouts bound each read, the watch the whole call."""
        retries = f" after {retries_text(self.retries_done)}" if self.retries_done else ""
        return f"{what} failed{retries}: timed out after {self.timeout or 0:g} s (the answer did not come in time)"

    def _cleaned(self, error: OpenAIError) -> OpenAIError:
        """The error with every secret blanked out of its message."""
        error.args = tuple(self.redact(arg) if isinstance(arg, str) else arg for arg in error.args)
        return error

    def _auth_headers(self) -> dict[str, str]:
        if self._token_source is None:
            return {}
        try:
            token = self._token_source()
        except OpenAIError:
            raise
        except Exception as exc:
            raise TransportError(f"getting an Entra ID token failed: {root_cause(exc)}", "") from None
        if not isinstance(token, str) or not token:
            raise TransportError("the Entra ID token source gave no token", "")
        self.secrets.add(token)
        check_secret("the Entra ID token", token)
        return {"Authorization": f"Bearer {token}"}

    def _attempt_deadline(self) -> float | None:
        """Called as an attempt takes its connection: when it must be done by."""
        ends = [self._deadline, None if self._attempt_limit is None else time.monotonic() + self._attempt_limit]
        self._attempt_end = min((end for end in ends if end is not None), default=None)
        return self._attempt_end

    def _socket_timeout(self) -> float | None:
        if self._deadline is None:
            return self.timeout
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded("the deadline passed before the call was sent", "")
        return remaining if self.timeout is None else min(self.timeout, remaining)

    def _send(
        self, method: str, url: str, body: Any, query: dict[str, Any] | None, stream: bool, retry_server_errors: bool
    ) -> requests.Response:
        from urllib3.exceptions import ProtocolError

        from ._retry import ReportingRetry

        requests = self._requests
        # For creations the server cannot recognise when sent twice: a 429 means
        # nothing was done, a 5xx may hide a success.
        statuses = {"statuses": [429]} if not retry_server_errors else {}
        retries_before = self.retries_done
        self._adapter.max_retries = ReportingRetry.for_count(
            max(self.retries_left, 0), self._on_retry, first_number=self.retries_done, **statuses
        )
        data = None if body is None else json.dumps(body)
        params = dict(self.query, **(query or {}))
        headers = dict(self.headers, **self._auth_headers())
        if stream:
            headers["Accept"] = "text/event-stream"
        self._attempt_limit = None if stream else self.timeout
        self._attempt_end = self._deadline
        self._watch.reset()
        try:
            response = self.session.request(
                method,
                url,
                data=data,
                params=params or None,
                headers=headers,
                timeout=self._socket_timeout(),
                allow_redirects=False,
                stream=True,
                verify=self.verify,
            )
        except requests.exceptions.RequestException as exc:
            maybe_sent = isinstance(exc, requests.exceptions.ReadTimeout) or (
                bool(exc.args) and isinstance(exc.args[0], ProtocolError)
            )
            if self._deadline is not None and self._deadline <= time.monotonic():
                raise DeadlineExceeded(
                    f"{method} {redact_url(url)} did not finish in time: {self._cause(exc)}",
                    redact_url(url),
                    maybe_sent,
                ) from None
            if self._watch.cut:
                raise TransportError(self._timed_out(f"{method} {redact_url(url)}"), redact_url(url), True) from None
            raise TransportError(self._transport_message(method, url, exc), redact_url(url), maybe_sent) from None
        finally:
            self._watch.stop()
        if response.status_code >= 300:
            try:
                raw = read_prefix(self._body(response, method, url), ERROR_BODY_LIMIT)
            except BadAnswer:
                raw = b""  # an error body in an encoding not asked for: the status still tells
            finally:
                response.close()
            raise self._api_error(response, raw, url, self.retries_done > retries_before, method)
        return response

    def _transport_message(self, method: str, url: str, exc: Exception) -> str:
        cause = root_cause(exc)
        if isinstance(exc, self._requests.exceptions.ProxyError):
            return f"{method} {redact_url(url)} failed: the proxy {self._proxy_for(url)} could not be reached ({cause})"
        if isinstance(exc, self._requests.exceptions.ReadTimeout):
            # The same time-out as the watch's cut (whichever fires first): one message for both.
            return self._timed_out(f"{method} {redact_url(url)}")
        if isinstance(exc, self._requests.exceptions.Timeout):
            cause = f"timed out after {self.timeout or 0:g} s ({cause})"
        elif isinstance(exc, self._requests.exceptions.SSLError):
            cause = f"TLS error ({cause}); set ca_path to trust a private CA"
        retries = f" after {retries_text(self.retries_done)}" if self.retries_done else ""
        message = f"{method} {redact_url(url)} failed{retries}: {cause}"
        if isinstance(exc, self._requests.exceptions.ConnectionError):
            if self.host in OPENAI_HOSTS:
                return f"{message}. {self._sunset_note()}"
            return f"{message}. {self._api_base_text()}; check its host and port, and that the server runs"
        return message

    def _api_base_text(self) -> str:
        """Which api_base the task uses, and where that value came from."""
        origin = f" (from {self.api_base_from})" if self.api_base_from else ""
        return f"api_base is {redact_url(self.api_base)}{origin}"

    def _sunset_note(self) -> str:
        return f"{self._api_base_text()}. {SUNSET_NOTE}"

    def _proxy_for(self, url: str) -> str:
        from requests.utils import get_environ_proxies, select_proxy

        proxy = select_proxy(url, dict(get_environ_proxies(url), **self.session.proxies))
        return redact_url(proxy) if proxy else "(from the environment)"

    def _api_error(
        self, response: requests.Response, raw: bytes, url: str, retried: bool, method: str = ""
    ) -> APIError:
        error = parse_error_body(raw, response.headers.get("Content-Type"), self.redact)
        notes = []
        if 300 <= response.status_code < 400:
            location = redact_url(response.headers.get("Location", "?"))
            notes.append(f"Redirect to {location} not followed; set api_base to the final URL")
        if response.status_code == 404:
            hint = not_found_hint(url, self.api_base, error["message"])
            if hint:
                notes.append(hint)
        if response.status_code in (401, 403):
            notes.append(auth_hint(self.auth_type))
        if self.host in OPENAI_HOSTS and 400 <= response.status_code < 500 and response.status_code != 429:
            notes.append(self._sunset_note())
        wait = parse_retry_after(response.headers)
        if wait is not None and wait > MAX_RETRY_AFTER:
            notes.append(
                f"The server asked to retry after {wait:.0f} s, "
                f"more than the {MAX_RETRY_AFTER:.0f} s this collection waits"
            )
        elif self.retries_done and (retried or not self.can_retry()):
            notes.append(f"Gave up after {retries_text(self.retries_done)}")
        return APIError(
            response.status_code,
            response.reason or "HTTP error",
            error,
            response.headers.get("x-request-id"),
            redact_url(url),
            note=". ".join(notes) or None,
            retry_after=wait,
            method=method or None,
        )


def _absolute(deadline: float | None, time_limit: float | None) -> float | None:
    """The earlier of an absolute deadline and one `time_limit` seconds from now."""
    ends = [end for end in (deadline, None if time_limit is None else time.monotonic() + time_limit) if end is not None]
    return min(ends) if ends else None


def _decoded(raw: bytes, what: str, status: int) -> Any:
    """The JSON of a 2xx body; BadAnswer when it is not JSON, not UTF-8, or nested beyond what Python parses."""
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        problem = "that is not UTF-8"
    except ValueError:
        problem = "that is not JSON"
    except RecursionError:
        problem = "nested too deep to read"
    raise BadAnswer(f"{what} answered {status} with a body {problem}")


def _capped(chunks: Iterator[bytes], limit: int, what: str) -> Iterator[bytes]:
    size = 0
    for piece in chunks:
        size += len(piece)
        if size > limit:
            raise BadAnswer(f"{what} streamed more than {size_text(limit)}; the stream was stopped")
        yield piece
