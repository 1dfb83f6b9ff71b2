"""The README works as written: every command of its ```sh blocks runs, in the
order shown, in a fresh copy of the repository where the Quick start has set
things up, against the local server started the way the README says."""

from __future__ import annotations

import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")
# The lines not run here, exactly these: the Quick start itself (CI runs
# `make demo` and `make test` anyway, and this test is part of `make test`),
# and the install from Galaxy, which needs the internet.
SKIPPED = ["make demo", "make test", "ansible-galaxy collection install seed.openai"]
# What a fresh clone holds: everything but the clone-local and built things.
NOT_IN_A_CLONE = (".git", ".venv", ".build", ".cache", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")
# The README's local server: `make server` listens on this; the test's copy on a free port.
README_SERVER = "127.0.0.1:8080"
STEP_TIMEOUT = 120
SERVER_START_TIMEOUT = 60


def sh_lines(markdown: str) -> list[str]:
    """The command lines of every ```sh block, in order (blank and comment-only lines left out)."""
    lines: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, re.S | re.M):
        lines += [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return lines


def command_of(line: str) -> str:
    """The line as words, without its comment."""
    return " ".join(shlex.split(line, comments=True))


@dataclass
class Clone:
    """A copy of the repository as a user has it after the Quick start."""

    path: str
    env: dict[str, str]
    outputs: list[tuple[str, str]] = field(default_factory=list)

    def run(self, line: str) -> str:
        """Run one README line in bash as a user's shell would, keeping the shell's
        variables for the next line (set -a exports them; the environment is
        read back after the line). pipefail: a failing command inside a pipe fails the line."""
        env_file = os.path.join(os.path.dirname(self.path), "env-after-line")
        script = f"set -a -u -o pipefail\n{line}\nstatus=$?\nenv -0 > {shlex.quote(env_file)}\nexit $status\n"
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"README line failed (exit {done.returncode}):\n  {line}\n{output[-4000:]}"
        with open(env_file, encoding="utf-8", errors="replace") as handle:
            pairs = [entry.split("=", 1) for entry in handle.read().split("\0") if "=" in entry]
        self.env = {name: value for name, value in pairs if name.isidentifier()}
        self.outputs.append((line, output))
        print(f"README line ran (exit 0): {line}", flush=True)  # shown with -s, or when the test fails
        return output


def copy_repository(destination: str) -> None:
    def ignored(directory: str, names: list[str]) -> list[str]:
        del directory
        return [n for n in names if n in NOT_IN_A_CLONE or n.endswith(".tar.gz")]

    shutil.copytree(ROOT, destination, symlinks=True, ignore=ignored)
    shutil.rmtree(os.path.join(destination, "tests", "output"), ignore_errors=True)


def share_virtualenv(clone: str) -> None:
    """Give the copy a .venv as `make setup` leaves it, made of this test run's
    environment (nothing is installed): bin/ entries link to this venv's, the
    interpreter finds its packages through pyvenv.cfg and lib/, and the
    .installed stamp says setup is done, so make reinstalls nothing."""
    venv_bin = os.path.join(clone, ".venv", "bin")
    os.makedirs(venv_bin)
    ours = sys.prefix
    for name in ("pyvenv.cfg", "lib", "lib64"):
        if os.path.exists(os.path.join(ours, name)):
            os.symlink(os.path.join(ours, name), os.path.join(clone, ".venv", name))
    for name in os.listdir(os.path.join(ours, "bin")):
        if not name.startswith("."):
            os.symlink(os.path.join(ours, "bin", name), os.path.join(venv_bin, name))
    if not os.path.exists(os.path.join(venv_bin, "python")):
        os.symlink(sys.executable, os.path.join(venv_bin, "python"))
    open(os.path.join(venv_bin, ".installed"), "w").close()


def user_env(shims: str, venv_bin: str) -> dict[str, str]:
    """A user's shell: none of this test's OPENAI_/ANSIBLE_ settings, the venv not on
    PATH (the README calls .venv/bin/... by path), `pip` standing for the user's pip,
    which here is the venv's, offline: it may only find what is installed already."""
    ours = os.path.dirname(sys.executable)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "ANSIBLE_", "SEED_OPENAI_", "PIP_", "VIRTUAL_ENV", "PYTHON"))
        and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")
    }
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and os.path.abspath(p) != ours]
    env.update(
        PATH=os.pathsep.join([shims, *path]),
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        ANSIBLE_NOCOLOR="1",
    )
    with open(os.path.join(shims, "pip"), "w", encoding="utf-8") as handle:
        handle.write(f'#!/bin/sh\nexec {shlex.quote(os.path.join(venv_bin, "python"))} -m pip "$@"\n')
    os.chmod(os.path.join(shims, "pip"), 0o755)
    return env


class BackgroundServer:
    """`make server` as the README starts it, on a free port (PORT=0), in its own
    process group so that stopping it stops make and the server under it."""

    def __init__(self, line: str, clone: Clone, switches: tuple[str, ...] = ()) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.process = subprocess.Popen(
            [*shlex.split(line, comments=True), "PORT=0", *switches],
            cwd=clone.path,
            env=clone.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def api_base(self) -> str:
        """Wait for the server's `api_base:` line (or its end) and return the URL."""
        while True:
            try:
                line = self.lines.get(timeout=SERVER_START_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"make server printed no api_base line in {SERVER_START_TIMEOUT} s:\n{''.join(self.seen)}")
            if line is None:
                pytest.fail(f"make server ended before listening:\n{''.join(self.seen)}")
            self.seen.append(line)
            if line.startswith("api_base: "):
                return line.split(" ", 1)[1].strip()

    def stop(self) -> bool:
        """Ctrl-C, as the README says: SIGINT to make and the server. True once
        both have ended (the output pipe closes when the last of them exits)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=30)
        while True:
            try:
                line = self.lines.get(timeout=30)
            except queue.Empty:
                os.killpg(self.process.pid, signal.SIGKILL)
                return False
            if line is None:
                return True
            self.seen.append(line)


@pytest.fixture
def clone(tmp_path) -> Iterator[Clone]:
    path = str(tmp_path / "seed.openai")
    copy_repository(path)
    share_virtualenv(path)
    shims = tmp_path / "shims"
    shims.mkdir()
    made = Clone(path, user_env(str(shims), os.path.join(path, ".venv", "bin")))
    # The Quick start's `make demo` leaves the collection built and installed in
    # .build/collections; `make collection` is that part of it.
    stale = subprocess.run(["make", "-q", ".venv/bin/.installed"], cwd=path, env=made.env, check=False)
    assert stale.returncode == 0, "make would reinstall the shared .venv: the copy's setup stamp is not up to date"
    made.run("make collection")
    assert os.path.isdir(os.path.join(path, ".build", "collections", "ansible_collections", "seed", "openai"))
    yield made


# The walk-through as written, and against a server as some third-party ones are:
# no POST /threads/runs (the one-call form answers 404 "thread not found") and
# messages accepted while a run is active.
THIRD_PARTY = ("NO_THREAD_AND_RUN=1", "MESSAGES_DURING_RUN=1")


@pytest.mark.parametrize("switches", [(), THIRD_PARTY], ids=["as-written", "third-party-server"])
def test_every_readme_command_runs_in_order_after_the_quick_start(clone, switches):
    with open(README, encoding="utf-8") as handle:
        lines = sh_lines(handle.read())
    skipped = [command_of(line) for line in lines if command_of(line) in SKIPPED]
    assert skipped == SKIPPED, f"the README's skipped lines changed: {skipped}"

    server: BackgroundServer | None = None
    api_base = ""
    try:
        for line in lines:
            if command_of(line) in SKIPPED:
                continue
            if command_of(line).startswith("make server"):
                assert server is None, "the README starts the server twice"
                server = BackgroundServer(line, clone, switches)
                api_base = server.api_base()
                continue
            if server is not None:
                port = api_base.split("://", 1)[1].split("/", 1)[0]
                line = line.replace(README_SERVER, port)
            clone.run(line)
    finally:
        stopped = server.stop() if server is not None else None

    assert server is not None, "the README never starts the local server"
    assert stopped, f"the server did not stop on Ctrl-C (SIGINT):\n{''.join(server.seen)}"
    # The api_base the README exports is the one the server printed, prefix included.
    exported = [v for line, _output in clone.outputs for v in re.findall(r"OPENAI_API_BASE=(\S+)", line)]
    assert exported and set(exported) == {api_base}, (exported, api_base)
    # The flows end in real answers from the local model, not just exit code 0.
    everything = "\n".join(output for _line, output in clone.outputs)
    assert re.search(r'"latest_answer": "You said: \S', everything), everything[-3000:]
    assert re.search(r'"text": "You said: \S', everything), everything[-3000:]
    assert re.search(r"Answer: You said: \S", everything), everything[-3000:]
    # Against the third-party server the one-call form was refused, and the thread then the run were made.
    two_calls = "this server has no one-call thread and run" in " ".join(everything.split())  # warnings wrap
    assert two_calls == bool(switches), everything[-3000:]
