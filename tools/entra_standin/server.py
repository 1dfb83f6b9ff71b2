"""Local stand-ins for the token services azure-identity talks to:

* managed identity over plain http on 127.0.0.1, both the App Service protocol
  (IDENTITY_ENDPOINT + IDENTITY_HEADER: GET ?api-version=2019-08-01&resource=...,
  header X-IDENTITY-HEADER, answer {access_token, expires_on, resource, token_type})
  and the IMDS one (AZURE_POD_IDENTITY_AUTHORITY_HOST + /metadata/identity/oauth2/token,
  header Metadata: true, answer with expires_in);
* optionally an Entra authority over https (self-signed CA given to clients through
  REQUESTS_CA_BUNDLE), serving OIDC discovery and the client-credentials token
  endpoint, so ClientSecretCredential and WorkloadIdentityCredential run for real.
"""

from __future__ import annotations

import json
import secrets
import shutil
import ssl
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, urlsplit

from .tls import write_certificates
from .tokens import Issue, TokenMint, resource_of

APP_SERVICE_PATH = "/msi/token"
IMDS_PATH = "/metadata/identity/oauth2/token"
_HIDDEN_FIELDS = {"client_secret", "client_assertion"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    standin: EntraStandin
    role: str

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET", {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        form = {key: values[0] for key, values in parse_qs(raw).items()}
        self._handle("POST", form)

    def _handle(self, method: str, form: dict[str, str]) -> None:
        standin = self.server.standin
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        standin.record(
            {
                "server": self.server.role,
                "method": method,
                "path": url.path,
                "query": query,
                "headers": {key.lower(): value for key, value in self.headers.items()},
                "form": {key: ("********" if key in _HIDDEN_FIELDS else value) for key, value in form.items()},
            }
        )
        if self.server.role == "identity":
            status, body = standin.answer_identity(url.path, query, self.headers)
        else:
            status, body = standin.answer_authority(method, url.path, form)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class EntraStandin:
    """Token services on 127.0.0.1 for tests; a context manager.

    `lifetime` (seconds, whole) is what every token issued from now on lives;
    `issued` lists every token handed out, `requests` every exchange;
    `check(token)` is None for a valid token this stand-in issued.
    """

    def __init__(
        self,
        lifetime: float = 3600.0,
        identity_header: Optional[str] = None,
        authority: bool = False,
        imds_identity: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lifetime = lifetime
        self.identity_header = identity_header or secrets.token_urlsafe(16)
        # False: IMDS answers as a VM without an assigned identity does (400).
        self.imds_identity = imds_identity
        # True: error answers quote what the client sent (secret, assertion), as a
        # careless service might, to test that callers never pass them on.
        self.leaky_errors = False
        self.mint = TokenMint(clock)
        self.requests: list[dict[str, Any]] = []
        self._apps: dict[tuple[str, str], dict[str, Optional[str]]] = {}
        self._failures = 0
        self._lock = threading.Lock()
        self._servers: list[_Server] = [self._make_server("identity", None)]
        self._tempdir: Optional[str] = None
        self.ca_bundle: Optional[str] = None
        if authority:
            self._tempdir = tempfile.mkdtemp(prefix="entra-standin-")
            self.ca_bundle, certificate, key = write_certificates(self._tempdir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate, key)
            self._servers.append(self._make_server("authority", context))
        self._threads: list[threading.Thread] = []

    def _make_server(self, role: str, context: Optional[ssl.SSLContext]) -> _Server:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.standin = self
        server.role = role
        if context is not None:
            server.socket = context.wrap_socket(server.socket, server_side=True)
        return server

    # -- what a test gives the code under test ---------------------------------

    @property
    def identity_endpoint(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}{APP_SERVICE_PATH}"

    @property
    def imds_host(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}"

    @property
    def authority_host(self) -> str:
        if len(self._servers) < 2:
            raise RuntimeError("start the stand-in with authority=True for an Entra authority")
        return f"https://127.0.0.1:{self._servers[1].server_address[1]}"

    def environ(self) -> dict[str, str]:
        """The variables App Service sets for its managed identity."""
        return {"IDENTITY_ENDPOINT": self.identity_endpoint, "IDENTITY_HEADER": self.identity_header}

    def imds_environ(self) -> dict[str, str]:
        """Point azure-identity's IMDS credential here instead of 169.254.169.254."""
        return {"AZURE_POD_IDENTITY_AUTHORITY_HOST": self.imds_host}

    def add_app(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: Optional[str] = None,
        federated_token: Optional[str] = None,
    ) -> None:
        """Register an app (service principal) the authority knows, with a secret
        and/or the federated (workload identity) token it accepts as an assertion."""
        self._apps[(tenant_id, client_id)] = {"secret": client_secret, "federated": federated_token}

    def fail_next(self, count: int = 1) -> None:
        """The next `count` token requests get a 400 error, as when the service refuses."""
        with self._lock:
            self._failures = count

    # -- checks a server under test makes ---------------------------------------

    def check(self, token: str, audience: Optional[str] = None) -> Optional[str]:
        """None when `token` is valid (issued here, unexpired); "expired" or "invalid"."""
        return self.mint.check(token, audience)

    @property
    def issued(self) -> list[Issue]:
        return list(self.mint.issued)

    def record(self, record: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(record)

    def _take_failure(self) -> bool:
        with self._lock:
            if self._failures > 0:
                self._failures -= 1
                return True
            return False

    # -- protocols -------------------------------------------------------------------

    def answer_identity(self, path: str, query: dict[str, str], headers: Any) -> tuple[int, dict[str, Any]]:
        resource = query.get("resource", "")
        if path == APP_SERVICE_PATH:
            if headers.get("X-IDENTITY-HEADER") != self.identity_header:
                return 401, {"statusCode": 401, "message": "The X-IDENTITY-HEADER is missing or wrong."}
            if query.get("api-version") != "2019-08-01" or not resource:
                return 400, {"statusCode": 400, "message": "api-version 2019-08-01 and resource are required."}
            if self._take_failure():
                return 400, {"statusCode": 400, "message": "The identity service refused (fault injected)."}
            issue = self.mint.issue(
                "app_service", resource_of(resource), query.get("client_id", "system"), self.lifetime
            )
            return 200, {
                "access_token": issue.token,
                "expires_on": str(issue.expires_on),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": query.get("client_id", "00000000-0000-0000-0000-000000000000"),
            }
        if path == IMDS_PATH:
            if headers.get("Metadata") != "true":
                return 400, {"error": "invalid_request", "error_description": "Required metadata header not specified"}
            if not self.imds_identity or self._take_failure():
                return 400, {"error": "invalid_request", "error_description": "Identity not found"}
            issue = self.mint.issue("imds", resource_of(resource), query.get("client_id", "system"), self.lifetime)
            lifetime = issue.expires_on - issue.issued_at
            return 200, {
                "access_token": issue.token,
                "refresh_token": "",
                "expires_in": str(lifetime),
                "expires_on": str(issue.expires_on),
                "not_before": str(issue.issued_at),
                "resource": resource,
                "token_type": "Bearer",
            }
        return 404, {"statusCode": 404, "message": f"no such endpoint {path}"}

    def answer_authority(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        tenant = parts[0] if parts else ""
        known_tenant = any(key[0] == tenant for key in self._apps)
        if not known_tenant:
            return 400, {
                "error": "invalid_tenant",
                "error_description": f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have "
                "the correct tenant ID and are signing into the correct cloud.\r\nTrace ID: 0\r\nCorrelation ID: 0",
                "error_codes": [90002],
            }
        if method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            base = f"{self.authority_host}/{tenant}"
            return 200, {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "issuer": f"{base}/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            }
        if method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._client_credentials(tenant, form)
        return 404, {"error": "not_found", "error_description": f"no such endpoint {path}"}

    def _client_credentials(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        client_id = form.get("client_id", "")
        app = self._apps.get((tenant, client_id))
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003: unsupported grant"}
        if app is None:
            return 400, {
                "error": "unauthorized_client",
                "error_description": f"AADSTS700016: Application with identifier '{client_id}' was not found "
                f"in the directory '{tenant}'.\r\nTrace ID: 0\r\nCorrelation ID: 0",
                "error_codes": [700016],
            }
        assertion = form.get("client_assertion")
        if assertion is not None:
            if app["federated"] is None or assertion != app["federated"]:
                return 401, {
                    "error": "invalid_client",
                    "error_description": "AADSTS700211: No matching federated identity record found for "
                    "presented assertion.\r\nTrace ID: 0",
                    "error_codes": [700211],
                }
        elif app["secret"] is None or form.get("client_secret") != app["secret"]:
            quoted = f" (got {form.get('client_secret')!r})" if self.leaky_errors else ""
            return 401, {
                "error": "invalid_client",
                "error_description": f"AADSTS7000215: Invalid client secret provided{quoted}. Ensure the secret "
                "being sent in the request is the client secret value, not the client secret ID.\r\nTrace ID: 0",
                "error_codes": [7000215],
            }
        if self._take_failure():
            return 400, {"error": "temporarily_unavailable", "error_description": "AADSTS90000: fault injected"}
        scope = form.get("scope", "").split()
        audience = resource_of(next((s for s in scope if s.endswith("/.default")), scope[0] if scope else ""))
        issue = self.mint.issue("client_credentials", audience, client_id, self.lifetime)
        lifetime = issue.expires_on - issue.issued_at
        return 200, {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": issue.token,
        }

    # -- life cycle -------------------------------------------------------------

    def start(self) -> EntraStandin:
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="entra-standin", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)

    def __enter__(self) -> EntraStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
