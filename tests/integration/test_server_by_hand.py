"""The documented way to start the local server by hand (make server) works."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_server_starts_by_hand_answers_and_stops_on_sigterm(tmp_path):
    port_file = tmp_path / "port"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"))
    server = subprocess.Popen(
        [sys.executable, "-m", "assistants_server", "--port", "0", "--port-file", str(port_file)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert server.poll() is None, "the server exited before listening"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text().strip()}/v1"
        headers = {"Authorization": "Bearer sk-local-test", "OpenAI-Beta": "assistants=v2"}
        created = requests.post(f"{base}/threads", json={}, headers=headers, timeout=10)
        assert created.status_code == 200 and created.json()["object"] == "thread"
        refused = requests.post(
            f"{base}/threads", json={}, headers={**headers, "Authorization": "Bearer x"}, timeout=10
        )
        assert refused.status_code == 401
    finally:
        server.terminate()
    assert server.wait(timeout=10) == 0
    assert "Assistants-compatible server on http://127.0.0.1:" in server.stdout.read()
