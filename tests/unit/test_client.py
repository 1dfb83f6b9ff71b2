"""The client on its own: plain Python, no Ansible in the way."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
import requests
import urllib3
from support import without_call

from ansible_collections.seed.openai.plugins.module_utils._backoff import backoff_delay, parse_retry_after
from ansible_collections.seed.openai.plugins.module_utils._client import (
    OpenAIClient,
    Settings,
    path_segment,
    redact_url,
)
from ansible_collections.seed.openai.plugins.module_utils._errors import APIError, InvalidInput, parse_error_body

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fake_answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {404: "Not Found", 302: "Found", 401: "Unauthorized"}.get(status, "Error")
    # The client reads the body from the raw stream, within its size cap.
    response.raw = urllib3.HTTPResponse(body=io.BytesIO(body), preload_content=False)
    response.headers.update(headers or {})
    return response


@pytest.mark.parametrize(
    "value, encoded",
    [
        ("thread_abc", "thread_abc"),
        ("../assistants/x", "..%2Fassistants%2Fx"),
        ("a?b#c d", "a%3Fb%23c%20d"),
        ("ünï", "%C3%BCn%C3%AF"),
        ("x\r\ny", "x%0D%0Ay"),
    ],
)
def test_path_segment_encodes_everything_that_could_leave_the_segment(value, encoded):
    assert path_segment(value) == encoded


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_path_segment_refuses_empty_and_dot_segments(value):
    with pytest.raises(InvalidInput):
        path_segment(value)


def test_redact_url_drops_credentials_only():
    assert redact_url("https://u:secret@host:8443/v1?q=1") == "https://host:8443/v1?q=1"
    assert redact_url("http://127.0.0.1/v1") == "http://127.0.0.1/v1"


def test_sunset_is_explained_for_openai_hosted_api(monkeypatch):
    client = OpenAIClient(Settings("sk-x"))
    body = b'{"error": {"message": "Invalid URL (POST /v1/threads/t/runs)", "type": "invalid_request_error"}}'
    monkeypatch.setattr(client.session, "request", lambda *a, **k: fake_answer(404, body))
    with pytest.raises(APIError) as caught:
        client.request("POST", client.url("threads", "t", "runs"), {})
    message = str(caught.value)
    assert without_call(message).startswith(
        "OpenAI API returned 404 (Not Found): Invalid URL (POST /v1/threads/t/runs). "
    )
    assert "sunset its hosted Assistants API on 2026-08-26" in message
    assert "api_base" in message


def test_no_sunset_note_for_other_servers(monkeypatch):
    client = OpenAIClient(Settings("sk-x", "http://127.0.0.1:9/v1"))
    monkeypatch.setattr(client.session, "request", lambda *a, **k: fake_answer(404, b"{}"))
    with pytest.raises(APIError) as caught:
        client.request("GET", client.url("threads", "t"))
    assert "sunset" not in str(caught.value)


def test_redirects_are_not_followed_and_say_so(monkeypatch):
    client = OpenAIClient(Settings("sk-x", "http://127.0.0.1:9/v1"))
    seen = {}

    def answer(*args, **kwargs):
        seen.update(kwargs)
        return fake_answer(302, b"", {"Location": "https://u:p@elsewhere.example/v1"})

    monkeypatch.setattr(client.session, "request", answer)
    with pytest.raises(APIError) as caught:
        client.request("GET", client.url("threads", "t"))
    assert seen["allow_redirects"] is False
    assert "Redirect to https://elsewhere.example/v1 not followed" in str(caught.value)


def test_plain_http_to_a_remote_host_warns():
    assert OpenAIClient(Settings("k", "http://127.0.0.1:1/v1")).warnings() == []
    assert OpenAIClient(Settings("k", "http://localhost:1/v1")).warnings() == []
    (warning,) = OpenAIClient(Settings("k", "http://gateway.internal/v1")).warnings()
    assert "unencrypted" in warning


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"error": {"message": "Bad thing", "type": "x", "code": "c", "param": "p"}}', "Bad thing"),
        (b'{"message": "flat shape"}', "flat shape"),
        (b"<html><body><h1>502</h1>\n<p>Bad   gateway</p></body></html>", "502 Bad gateway"),
        (b"", "the answer had no error details (empty body)"),
        (b"[1, 2]", "[1, 2]"),
        (b"\xff\xfe garbage", "\ufffd\ufffd garbage"),
    ],
)
def test_error_body_of_any_shape_becomes_one_line(body, message):
    assert parse_error_body(body)["message"] == message


def test_huge_error_body_is_cut():
    error = parse_error_body(b"x" * 1_000_000)
    assert len(error["message"]) == 300 and error["message"].endswith("...")


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"Retry-After": "4"}, 4.0),
        ({"retry-after-ms": "20"}, 0.02),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
    ],
)
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers) == expected


@pytest.mark.parametrize("number, base", [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (8, 60), (30, 60)])
def test_backoff_grows_and_is_capped(number, base):
    for _round in range(20):
        assert base <= backoff_delay(number) <= base * 1.1


def test_client_imports_nothing_from_ansible():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import ansible_collections.seed.openai.plugins.module_utils._client as c;"
        "print(sorted(m for m in sys.modules if m == 'ansible' or m.startswith('ansible.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, os.path.join(ROOT, ".build", "ns")], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_user_agent_names_collection_version():
    user_agent = OpenAIClient(Settings("k")).headers["User-Agent"]
    assert user_agent == f"seed.openai/1.0.0 (Ansible collection) python-requests/{requests.__version__}"
