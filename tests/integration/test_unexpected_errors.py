"""A bug (any exception a core does not expect) fails the task in one line
and returns the traceback under `exception`, as AnsibleModule does, with the
task's secrets blanked out: -vvv shows it (ANSIBLE_DISPLAY_TRACEBACK=error on
ansible-core 2.19 and later), in both execution modes."""

from __future__ import annotations

import re

from support import API_KEY

GATEWAY_KEY = "gw-secret-0123456789"
QUERY_SECRET = "q-secret-9876543210"
# Injected into the controller and the module's Python alike (the module inherits
# PYTHONPATH): requests' Session.request fails with what it was given, the
# secrets included, as a bug that formats its arguments into a message would.
SITECUSTOMIZE = """\
import requests.sessions


def _broken(self, method, url, **kwargs):
    raise RuntimeError(f"injected bug: {method} {url} {kwargs.get('params')} {kwargs.get('headers')}")


requests.sessions.Session.request = _broken
"""


def test_a_bug_returns_its_redacted_traceback(ansible, server, objects, tmp_path):
    assistant, thread = objects
    injected = tmp_path / "injected"
    injected.mkdir()
    (injected / "sitecustomize.py").write_text(SITECUSTOMIZE)
    task = {
        "name": "Start",
        "seed.openai.openai_thread_run": {
            "thread": thread["id"],
            "assistant": assistant["id"],
            "headers": {"X-Gateway-Key": GATEWAY_KEY},
            "query": {"code": QUERY_SECRET},
        },
        "register": "started",
        "ignore_errors": True,
    }
    outcome = ansible.playbook([task], "-vvv", env={"PYTHONPATH": str(injected), "ANSIBLE_DISPLAY_TRACEBACK": "error"})

    result = outcome.task("Start")
    assert result["_status"] == "failed"
    assert re.fullmatch(
        r"unexpected RuntimeError at sitecustomize\.py:5; please report it with the traceback \(.*\)", result["msg"]
    ), result["msg"]
    traceback = result["exception"]
    assert traceback.startswith("Traceback (most recent call last):"), traceback
    assert 'sitecustomize.py", line 5, in _broken' in traceback
    assert "RuntimeError: injected bug: POST http://127.0.0.1:" in traceback
    shown = outcome.stdout + outcome.stderr
    assert 'sitecustomize.py", line 5, in _broken' in shown and "RuntimeError: injected bug" in shown
    everything = shown + str(outcome.results)
    for secret in (API_KEY, GATEWAY_KEY, QUERY_SECRET):
        assert secret not in everything
    assert "********" in traceback or "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in traceback
    assert server.store.all_runs() == []
