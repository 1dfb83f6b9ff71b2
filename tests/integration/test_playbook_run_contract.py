"""The create-run contract end to end: wait, stream, thread and run in one
call, other endpoints (api-key auth, api-version, proxies, private TLS)."""

from __future__ import annotations

import subprocess

import pytest
from assistants_server import AssistantsServer
from proxy import ForwardProxy
from support import API_KEY, assert_answers_match_contract, warning_texts


def test_wait_then_use_the_answer_in_a_later_task(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [
            {
                "name": "Run",
                "seed.openai.openai_thread_run": {
                    "thread": thread["id"],
                    "assistant": assistant["id"],
                    "wait": True,
                    "poll_interval": 0.1,
                },
            },
            {"name": "Status", "ansible.builtin.set_fact": {"final": "{{ openai_thread_run.status }}"}},
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    assert outcome.task("Status")["ansible_facts"]["final"] == "completed"
    assert len({r["peer"] for r in server.requests}) == 1


def test_stream_and_thread_and_run_ad_hoc(ansible, server, objects):
    assistant = objects[0]
    outcome = ansible.adhoc(
        "seed.openai.openai_thread_run", f"assistant={assistant['id']} thread_message='Hello from ad hoc' stream=true"
    )

    assert outcome.rc == 0, outcome.stdout + outcome.stderr
    assert '"text": "You said: Hello from ad hoc"' in outcome.stdout
    assert server.requests[0]["path"] == "/v1/threads/runs"


def test_failed_run_fails_the_task_and_rescue_sees_the_run(ansible, server, objects):
    assistant, thread = objects
    server.store.next_outcomes.append("failed")
    outcome = ansible.playbook(
        [
            {
                "name": "Guarded",
                "block": [
                    {
                        "name": "Run",
                        "register": "attempt",
                        "seed.openai.openai_thread_run": {
                            "thread": thread["id"],
                            "assistant": assistant["id"],
                            "wait": True,
                            "poll_interval": 0.1,
                        },
                    }
                ],
                "rescue": [
                    {"name": "Report", "ansible.builtin.set_fact": {"why": "{{ attempt.run.last_error.code }}"}}
                ],
            }
        ]
    )

    assert outcome.rc == 0, outcome.stdout
    assert outcome.task("Run")["_status"] == "failed"
    assert outcome.task("Report")["ansible_facts"]["why"] == "server_error"


def test_requires_action_with_functions(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [
            {
                "name": "Run",
                "seed.openai.openai_thread_run": {
                    "thread": thread["id"],
                    "assistant": assistant["id"],
                    "functions": [{"name": "get_ticket"}],
                    "tool_choice": "get_ticket",
                    "wait": True,
                    "poll_interval": 0.1,
                },
            }
        ]
    )

    result = outcome.task("Run")
    assert result["run"]["status"] == "requires_action"
    assert result["tool_calls"][0]["function"]["name"] == "get_ticket"


def test_api_key_header_and_api_version_through_module_defaults(ansible, server, objects):
    assistant, thread = objects
    outcome = ansible.playbook(
        [{"name": "Run", "seed.openai.openai_thread_run": {"thread": thread["id"], "assistant": assistant["id"]}}],
        play={"module_defaults": {"group/seed.openai.openai": {"auth_type": "api_key", "api_version": "2025-01-01"}}},
    )

    assert outcome.rc == 0, outcome.stdout
    (sent,) = server.requests
    assert sent["headers"]["api-key"] == API_KEY and "authorization" not in sent["headers"]
    assert sent["query"] == {"api-version": "2025-01-01"}


def test_proxy_from_environment(ansible, server, objects):
    assistant, thread = objects
    with ForwardProxy() as proxy:
        outcome = ansible.playbook(
            [{"name": "Run", "seed.openai.openai_thread_run": {"thread": thread["id"], "assistant": assistant["id"]}}],
            env={"HTTP_PROXY": proxy.url, "http_proxy": proxy.url},
        )
    assert outcome.rc == 0, outcome.stdout
    assert proxy.seen == [("POST", f"{server.api_base}/threads/{thread['id']}/runs")]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def test_private_tls_fails_by_default_passes_with_ca_path_or_without_checks(ansible, certificate):
    with AssistantsServer(api_key=API_KEY, tls=certificate) as tls_server:
        assistant = tls_server.store.create_assistant({"model": "m"})
        thread = tls_server.store.create_thread({})
        base = {"thread": thread["id"], "assistant": assistant["id"], "api_base": tls_server.api_base}
        first = dict(base, metadata={"try": "ca_path"}, ca_path=certificate[0])
        outcome = ansible.playbook(
            [
                {
                    "name": "Default",
                    "seed.openai.openai_thread_run": base,
                    "ignore_errors": True,
                    "register": "refused",
                },
                {"name": "With ca_path", "seed.openai.openai_thread_run": dict(first, wait=True, poll_interval=0.1)},
                {"name": "Unchecked", "seed.openai.openai_thread_run": dict(base, validate_certs=False)},
            ]
        )
        assert_answers_match_contract(tls_server)

    default = outcome.task("Default")
    assert default["_status"] == "failed"
    assert default["msg"].startswith(f"POST {tls_server.api_base}/threads/{thread['id']}/runs failed: TLS error (")
    assert "CERTIFICATE_VERIFY_FAILED" in default["msg"] and "set ca_path" in default["msg"]
    assert outcome.task("With ca_path").get("run", {}).get("status") == "completed", outcome.task("With ca_path")
    unchecked = outcome.task("Unchecked")
    assert unchecked["run"]["status"] == "queued"
    assert any("validate_certs is off" in w for w in warning_texts(unchecked))
