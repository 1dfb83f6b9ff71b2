"""Secrets never reach a message, and input that cannot be sent is refused
before anything is sent."""

from __future__ import annotations

import base64
import socket
from urllib.parse import quote, quote_plus

import pytest
from hostile_server import HostileServer, answer
from support import without_call

from ansible_collections.seed.openai.plugins.module_utils._client import OpenAIClient, Settings
from ansible_collections.seed.openai.plugins.module_utils._errors import (
    APIError,
    InvalidInput,
    TransportError,
    not_found_hint,
)
from ansible_collections.seed.openai.plugins.module_utils._secrets import Secrets, proxy_credentials
from ansible_collections.seed.openai.plugins.module_utils._validation import check_number

KEY = "sk-proj-Abc123/def+456=XYZ789secretTAIL"


@pytest.mark.parametrize(
    "shown",
    [
        KEY,
        quote(KEY, safe=""),
        quote_plus(KEY),
        quote(KEY),
        " ".join(KEY),
        KEY[:20] + "\n   " + KEY[20:],
        KEY[:12] + "...",
        "Invalid key: " + KEY[:9],
    ],
    ids=["exact", "quote", "quote_plus", "quote-slash", "spaced", "wrapped", "cut", "cut-at-end"],
)
def test_every_form_of_the_key_is_redacted(shown):
    redacted = Secrets([KEY]).redact(f"Error: {shown} was refused")
    assert "********" in redacted
    assert KEY[:8] not in redacted.replace(" ", "").replace("\n", "")
    assert redacted.startswith("Error: ")


def test_short_prefixes_and_ordinary_text_are_left_alone():
    secrets = Secrets([KEY])
    # Seven characters are too few to be the key: "sk-proj" is ordinary text.
    assert secrets.redact("use sk-proj keys, not sk-pro") == "use sk-proj keys, not sk-pro"
    assert secrets.redact("cut at sk-proj-") == "cut at ********"


def test_proxy_credentials_and_their_basic_auth_form():
    found = proxy_credentials({"HTTPS_PROXY": "http://alice:s3cr%40t-pass@proxy:3128", "NO_PROXY": "x"})
    secrets = Secrets(found)
    basic = base64.b64encode(b"alice:s3cr@t-pass").decode()
    for shown in ("s3cr@t-pass", "alice:s3cr%40t-pass", f"Basic {basic}"):
        assert "s3cr" not in secrets.redact(shown) and basic not in secrets.redact(shown)


@pytest.mark.parametrize(
    "echo",
    [
        lambda key: key.encode(),
        lambda key: quote_plus(key).encode(),
        lambda key: ("<p>" + " ".join(key) + "</p>").encode(),
        lambda key: b'{"error": {"message": "bad key ' + key[:15].encode() + b'..."}}',
        lambda key: b'{"detail": [{"loc": ["header", "' + key.encode() + b'"], "msg": "bad"}]}',
    ],
    ids=["exact", "quote_plus", "spaced-html", "cut", "in-detail-loc"],
)
def test_a_server_that_echoes_the_key_never_gets_it_printed(echo):
    def script(request, connection):
        connection.sendall(answer(401, echo(KEY), reason="Unauthorized"))

    with HostileServer(script) as server:
        client = OpenAIClient(Settings(KEY, server.api_base, headers={"X-Gateway-Token": "gw-token-98765"}))
        with pytest.raises(APIError) as caught:
            client.request("GET", client.url("threads", "t"))
    text = str(caught.value) + repr(caught.value.as_result())
    assert KEY[:8] not in text.replace(" ", "")
    assert "********" in text


def test_header_values_and_entra_tokens_are_redacted_and_tokens_come_fresh():
    tokens = iter(["entra-token-one-AAAA", "entra-token-two-BBBB"])

    def script(request, connection):
        seen = request.headers["authorization"] + " " + request.headers["x-gateway-token"]
        connection.sendall(answer(500, seen.encode(), reason="Boom"))

    with HostileServer(script) as server:
        settings = Settings(
            "",
            server.api_base,
            auth_type="entra",
            token_source=lambda: next(tokens),
            headers={"X-Gateway-Token": "gw-98765"},
        )
        client = OpenAIClient(settings)
        messages = []
        for _call in range(2):
            with pytest.raises(APIError) as caught:
                client.request("GET", client.url("threads", "t"))
            messages.append(str(caught.value))
        sent = [request.headers["authorization"] for request in server.requests]
    assert sent == ["Bearer entra-token-one-AAAA", "Bearer entra-token-two-BBBB"]
    for message in messages:
        assert "entra-token" not in message and "gw-98765" not in message
        assert without_call(message).startswith("OpenAI API returned 500 (Boom): Bearer ********")


def test_an_unreachable_proxy_is_named_as_the_proxy_without_its_password(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://bob:hunter2-proxy@127.0.0.1:{port}")
    client = OpenAIClient(Settings(KEY, "http://api.invalid/v1"))
    with pytest.raises(TransportError) as caught:
        client.request("GET", client.url("threads", "t"))
    message = str(caught.value)
    assert message.startswith(
        f"GET http://api.invalid/v1/threads/t failed: the proxy http://127.0.0.1:{port} could not"
    )
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"api_key": KEY + " "}, "api_key has leading or trailing whitespace; remove it"),
        ({"api_key": "\tsk-abc"}, "api_key contains a line break or control character; remove it"),
        ({"api_key": "sk-ключ-12345"}, "api_key has characters outside Latin-1"),
        ({"headers": {"X-Token": "☃-secret-value"}}, "headers value of 'X-Token' has characters outside Latin-1"),
        ({"api_base": "http://127.0.0.1:1/v1?x=1"}, "has a query or fragment"),
        ({"api_base": "http://127.0.0.1:1/v1#frag"}, "has a query or fragment"),
        ({"api_base": "http://127.0.0.1:1/v1/threads/t/runs?"}, "has a query or fragment"),
        ({"api_base": "http://[::1"}, "is not a valid URL"),
        ({"api_base": "http://127.0.0.1:99999/v1"}, "is not a valid URL"),
        ({"timeout": float("nan")}, "timeout must be a finite number of seconds, got nan"),
        ({"timeout": float("inf")}, "timeout must be a finite number of seconds, got inf"),
        ({"timeout": -1}, "timeout must be 0 (no limit) or more seconds, got -1"),
        ({"timeout": 86401}, "timeout must be at most 86400 seconds (a day), got 86401"),
        ({"auth_type": "entra"}, "auth_type entra needs a token source"),
    ],
)
def test_settings_that_cannot_be_sent_are_refused_in_one_line(settings, message):
    fields = {"api_key": "sk-fine-123456", "api_base": "http://127.0.0.1:1/v1", **settings}
    with pytest.raises(InvalidInput) as caught:
        OpenAIClient(Settings(**fields))
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert "ключ" not in text and "☃" not in text and KEY not in text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1, "3", True])
def test_check_number_refuses_what_is_not_a_finite_number_in_range(value):
    with pytest.raises(InvalidInput, match=r"^poll_interval must be"):
        check_number("poll_interval", value, 0, 3600)


def test_check_number_returns_a_good_value():
    assert check_number("wait_timeout", 2.5, 0, 10) == 2.5


def test_a_404_from_a_bare_base_suggests_the_path_prefix():
    def script(request, connection):
        connection.sendall(answer(404, b'{"detail": "Not Found"}', reason="Not Found"))

    with HostileServer(script) as server:
        client = OpenAIClient(Settings(KEY, server.origin))
        with pytest.raises(APIError) as caught:
            client.request("GET", client.url("threads", "t"))
    base = server.origin
    assert str(caught.value) == (
        f"OpenAI API returned 404 (Not Found) to GET {base}/threads/t: Not Found. "
        f"api_base {base} has no path; "
        f"if the server serves the API below a prefix, add it (e.g. {base}/v1, {base}/api/v1 or {base}/openai/v1)"
    )


def test_not_found_hint_is_empty_when_there_is_nothing_to_add():
    # A 404 that names the object: the route exists, the object does not.
    assert not_found_hint("http://h/v1/threads/t", "http://h/v1", "No thread found with id 't'.") == ""
    assert not_found_hint("http://h/threads/t", "http://h", "Thread not found") == ""
    # Not below api_base, or not a route the collection calls.
    assert not_found_hint("http://other/threads/t", "http://h") == ""
    assert not_found_hint("http://h/v1/files/f", "http://h/v1") == ""
    assert not_found_hint("http://h/threads/t", "http://h/").startswith("api_base http://h has no path")


@pytest.mark.parametrize("body", [b'{"detail": "Not Found"}', b"", b"<h1>404 page not found</h1>"])
def test_a_bare_404_below_a_path_says_the_path_may_be_wrong(body):
    """A server whose prefix is /api/v1, given /v1 as the last hint suggested:
    a bare 404 names the prefix as the likely fault and the common ones."""

    def script(request, connection):
        connection.sendall(answer(404, body, reason="Not Found"))

    with HostileServer(script) as server:
        client = OpenAIClient(Settings(KEY, server.origin + "/v1"))
        with pytest.raises(APIError) as caught:
            client.request("POST", client.url("threads", "runs"), {})
    assert str(caught.value).endswith(
        f"The path may be wrong: the server has no threads route below api_base {server.origin}/v1; "
        "check its path prefix (common ones: /v1, /api/v1, /openai/v1)"
    )
