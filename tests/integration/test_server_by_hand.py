"""The documented way to start the local server by hand (make server) works."""

from __future__ import annotations

import os
import re
import socket
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


def test_switches_by_hand_answer_as_servers_without_the_one_call_form_and_with_messages_during_runs(tmp_path):
    port_file = tmp_path / "port"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"))
    command = [sys.executable, "-m", "assistants_server", "--port", "0", "--port-file", str(port_file)]
    server = subprocess.Popen(
        [*command, "--no-thread-and-run", "--messages-during-run"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text().strip()}/v1"
        headers = {"Authorization": "Bearer sk-local-test", "OpenAI-Beta": "assistants=v2"}
        assistant = requests.post(f"{base}/assistants", json={"model": "m"}, headers=headers, timeout=10).json()
        one_call = requests.post(f"{base}/threads/runs", json={"assistant_id": assistant["id"]}, headers=headers)
        assert one_call.status_code == 404 and "thread" in one_call.json()["error"]["message"]
        thread = requests.post(f"{base}/threads", json={}, headers=headers, timeout=10).json()
        run = requests.post(
            f"{base}/threads/{thread['id']}/runs", json={"assistant_id": assistant["id"]}, headers=headers
        )
        assert run.json()["status"] == "queued"
        during = requests.post(
            f"{base}/threads/{thread['id']}/messages", json={"role": "user", "content": "hi"}, headers=headers
        )
        assert during.status_code == 200
    finally:
        server.terminate()
    assert server.wait(timeout=10) == 0
    assert (
        "switches: no POST /threads/runs (404 thread not found); messages accepted during runs" in server.stdout.read()
    )


def test_make_server_on_a_busy_port_says_so_in_one_line_naming_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            ["make", "--no-print-directory", "server", f"PORT={port}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    # The server's one line, then make's own note that the recipe failed.
    ours = [line for line in done.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", line)]
    assert ours == [
        f"assistants_server: port {port} on 127.0.0.1 is already in use; "
        "start it on another port: make server PORT=9000 (or --port 9000)"
    ]
