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
    # The key format's public prefix alone says nothing about the key...
    assert secrets.redact("cut at sk-proj-") == "cut at sk-proj-"
    # ...but a run that goes on into the key is blanked whole, prefix included.
    assert secrets.redact("cut at sk-proj-A") == "cut at ********"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def core_windows(secret):
    """Every 8 characters that only `secret` decides: of it, and of its base64 at each alignment."""
    forms = [secret] + [base64.b64encode(b"\0" * a + secret.encode()).decode()[2:-4] for a in range(3)]
    return {form[i : i + 8] for form in forms for i in range(len(form) - 7)}


@pytest.mark.parametrize(
    "shown",
    [
        KEY[4:],
        KEY[9:17],
        KEY[20:],
        KEY[-8:],
        b64(KEY),
        b64("x" + KEY),
        b64("xy" + KEY),
        b64(f"Bearer {KEY}"),
        b64(f"alice:{KEY}"),
        base64.urlsafe_b64encode(f"Bearer {KEY}".encode()).decode(),
        quote(KEY[5:], safe=""),
        " ".join(KEY[3:20]),
    ],
    ids=[
        "first-4-dropped",
        "any-8-in-the-middle",
        "a-tail",
        "the-last-8",
        "base64",
        "base64-aligned-1",
        "base64-aligned-2",
        "bearer-base64",
        "basic-user-password",
        "bearer-base64-urlsafe",
        "cut-and-quoted",
        "cut-and-spaced",
    ],
)
def test_any_run_of_eight_characters_of_the_key_is_redacted_in_every_form(shown):
    redacted = Secrets([KEY]).redact(f"Error: {shown} was refused")
    assert "********" in redacted and redacted.startswith("Error: ") and redacted.endswith(" was refused")
    compact = "".join(redacted.split())
    assert [window for window in core_windows(KEY) if window in compact] == []


def test_seven_characters_are_too_few_and_public_prefixes_stay():
    secrets = Secrets([KEY, "sk-svcacct-0123456789abcdefXYZ"])
    assert secrets.redact(f"see {KEY[9:16]} and {KEY[20:27]}") == f"see {KEY[9:16]} and {KEY[20:27]}"
    text = "keys look like sk-proj-..., sk-svcacct-... or sk-..."
    assert secrets.redact(text) == text


@pytest.mark.parametrize("value", ["12345", "  1234  ", "x"])
def test_values_below_the_minimum_length_are_never_masked(value):
    assert Secrets([value]).redact(f"error 12345 at {value}") == f"error 12345 at {value}"


def test_values_of_six_or_seven_characters_are_masked_whole_only():
    secrets = Secrets(["abc123", "q1w2e3r"])
    assert secrets.redact("abc123 abc12 q1w2e3r q1w2e3") == "******** abc12 ******** q1w2e3"


def test_redaction_keeps_the_text_around_every_secret():
    secrets = Secrets([KEY, "gw-token-98765-zzz"])
    text = f"a {KEY[10:30]} b\n c gw-token-98765-zzz d {b64('Bearer ' + KEY)} e"
    # The base64 of "Bearer " and the padding after the key say nothing about it.
    assert secrets.redact(text) == "a ******** b\n c ******** d QmVhcmVyIH********A== e"


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
