"""Run the collection as users do: built with ansible-galaxy, installed into a
temporary collections path, driven by real ansible-playbook and ansible
commands against the local server."""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from support import API_KEY

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")
# Every playbook the tests write; ansible-lint reads them all once the session ends
# (under pytest-xdist, in the controller, with the lists of every worker).
WRITTEN_PLAYBOOKS: list[str] = []
INSTALLED_AT: list[str] = []
# The harness's inventory, an extra source of every command: no hosts, so that
# `hosts: localhost` is ansible-core's implicit localhost, whose interpreter
# ansible-core itself sets to the controller's Python (what users of
# `hosts: localhost` get); and, for the hosts of a test's own inventory, the
# usual way to say "the controller's Python" for local hosts. Neither pins a
# path: the action plugin must resolve both to the controller's Python to run
# in-process, and the module runs with what they name.
HARNESS_INVENTORY = """\
[all:vars]
ansible_python_interpreter="{{ ansible_playbook_python }}"
"""


class _IndentedDumper(yaml.SafeDumper):
    """Indents lists under their key, as yamllint (inside ansible-lint) wants."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _name_first(task: dict[str, Any]) -> dict[str, Any]:
    """name, then the module (the one dotted key), then the rest: ansible-lint's key-order."""
    module = [key for key in task if "." in key]
    return {key: task[key] for key in ["name", *module, *task] if key in task}


def write_playbook(path, plays: list[dict[str, Any]]) -> None:
    plays = [dict(play, tasks=[_name_first(task) for task in play.get("tasks", [])]) for play in plays]
    path.write_text("---\n" + yaml.dump(plays, Dumper=_IndentedDumper, sort_keys=False))
    WRITTEN_PLAYBOOKS.append(str(path))


@dataclass
class BuiltCollection:
    tarball: str
    path: str


@pytest.fixture(scope="session")
def built_collection(tmp_path_factory) -> BuiltCollection:
    work = tmp_path_factory.mktemp("collection")
    dist, installed = work / "dist", work / "collections"
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(dist), ROOT],
        check=True,
        capture_output=True,
    )
    (tarball,) = glob.glob(str(dist / "seed-openai-*.tar.gz"))
    # --force: a copy elsewhere on the default paths (ansible-lint installs one) must not stop this one.
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", str(installed), tarball],
        check=True,
        capture_output=True,
    )
    INSTALLED_AT.append(str(installed))
    return BuiltCollection(tarball, str(installed))


@pytest.fixture(scope="session")
def collections_path(built_collection) -> str:
    return built_collection.path


@dataclass
class Outcome:
    rc: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]] = field(default_factory=list)

    def task(self, name: str) -> dict[str, Any]:
        """The result of the (last) task called `name`."""
        found = [entry for entry in self.results if entry["task"] == name]
        assert found, f"no result for task {name!r}; tasks: {[e['task'] for e in self.results]}\n{self.stdout}"
        return dict(found[-1]["result"], _status=found[-1]["status"])


# How the modules run: in-process through their action plugins (the default
# for a local connection), or forced to run as modules. Every test runs both.
MODES = ("in_process", "module")
# Normalised results per test and mode, compared once both modes ran.
OUTCOMES: dict[str, dict[str, list[Any]]] = {}
# The tests whose two modes were compared (the session's summary counts them).
COMPARED: list[str] = []
_IDS = re.compile(r"\b(thread|run|msg|asst|step|call|req|file|vs)_[A-Za-z0-9]+")
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_SECONDS = re.compile(r"\d+(\.\d+)? s\b")
_TMP = re.compile(r"/tmp/\S+")
_MARKER = re.compile(r"\b[0-9a-f]{32}\b")
# Keys that tell how a result travelled, not what it says: AnsibleModule's
# fail_json adds `exception` ("traceback unavailable") on ansible-core 2.19.
# failed_when then adds `failed_when_suppressed_exception` beside it.
_TRANSPORT_KEYS = ("exception", "failed_when_suppressed_exception")
# The controller runs as .venv/bin/python3, the modules as .venv/bin/python: one interpreter.
_PYTHON = re.compile(r"/bin/python3\b")


def normalise(value: Any, ids: dict[str, str], key: str = "") -> Any:
    """A result with what differs between two runs of one test replaced:
    IDs (numbered in order of appearance), ports, times, temporary paths."""
    if isinstance(value, dict):
        return {k: normalise(v, ids, k) for k, v in sorted(value.items()) if k not in _TRANSPORT_KEYS}
    if isinstance(value, list):
        return [normalise(v, ids, key) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key.endswith("_at"):
        return "<time>"
    if key in ("ansible_job_id", "results_file"):  # an async task's own job
        return "<job>"
    if isinstance(value, str):
        value = _IDS.sub(lambda m: ids.setdefault(m.group(0), f"<{m.group(1)}{len(ids)}>"), value)
        value = _PYTHON.sub("/bin/python", _MARKER.sub("<marker>", value))
        return _TMP.sub("<tmp>", _SECONDS.sub("<n> s", _PORT.sub("127.0.0.1:<port>", value)))
    return value


class Ansible:
    def __init__(self, collections: str, api_base: str, tmp_path, mode: str = "in_process", test: str = "") -> None:
        self.collections = collections
        self.api_base = api_base
        self.tmp_path = tmp_path
        self.count = 0
        self.mode = mode
        self.test = test

    def env(self, connection: bool, extra: dict[str, str] | None) -> dict[str, str]:
        proxies = ("http_proxy", "https_proxy", "no_proxy", "all_proxy")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "ANSIBLE_")) and k.lower() not in proxies
        }
        env.update(
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
            ANSIBLE_CALLBACKS_ENABLED="record_results",
            ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_INVENTORY=self.inventory(),
        )
        if connection:
            env.update(OPENAI_API_BASE=self.api_base, OPENAI_API_KEY=API_KEY)
        if self.mode == "module":
            env["SEED_OPENAI_EXECUTION"] = "module"
        # The Entra token cache of this test only, never the user's.
        env["XDG_CACHE_HOME"] = str(self.tmp_path / "xdg-cache")
        env.update(extra or {})
        return env

    def inventory(self) -> str:
        path = self.tmp_path / "harness-inventory.ini"
        if not path.exists():
            path.write_text(HARNESS_INVENTORY)
        return str(path)

    def command(self, command: list[str]) -> list[str]:
        """A command with the harness's inventory added where the command names
        its own (ANSIBLE_INVENTORY covers the others)."""
        if "-i" not in command[1:]:
            return list(command)
        return [command[0], "-i", self.inventory(), *command[1:]]

    def _run(self, command: list[str], env: dict[str, str]) -> Outcome:
        self.count += 1
        results_file = self.tmp_path / f"results-{self.count}.jsonl"
        env["SEED_OPENAI_RESULTS"] = str(results_file)
        done = subprocess.run(
            self.command(command), env=env, capture_output=True, text=True, timeout=300, cwd=self.tmp_path, check=False
        )
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines()]
        ids: dict[str, str] = {}
        seen = [normalise([r["task"], r["status"], r["result"]], ids) for r in results]
        OUTCOMES.setdefault(self.test, {}).setdefault(self.mode, []).append([done.returncode, seen])
        return Outcome(done.returncode, done.stdout, done.stderr, results)

    def playbook(
        self,
        tasks: list[dict[str, Any]],
        *args: str,
        env: dict[str, str] | None = None,
        connection: bool = True,
        play: dict[str, Any] | None = None,
    ) -> Outcome:
        """Run one localhost play with `tasks` (connection from the environment
        unless connection=False)."""
        return self._run(self.playbook_command(tasks, args, play), self.env(connection, env))

    def playbook_command(
        self, tasks: list[dict[str, Any]], args: tuple[str, ...] = (), play: dict[str, Any] | None = None
    ) -> list[str]:
        self.count += 1
        path = self.tmp_path / f"playbook-{self.count}.yml"
        body = dict(name="Test", hosts="localhost", connection="local", gather_facts=False, tasks=tasks)
        body.update(play or {})
        write_playbook(path, [body])
        return [os.path.join(BIN, "ansible-playbook"), str(path), *args]

    def start_playbook(self, tasks: list[dict[str, Any]], *args: str, output: str) -> subprocess.Popen:
        """Start one localhost play and return at once, its standard output and
        error in the files `output`.out and `output`.err, in a session of its
        own (a signal to its process group is what a terminal's Ctrl-C sends)."""
        command = self.command(self.playbook_command(tasks, args))
        with open(f"{output}.out", "w") as stdout, open(f"{output}.err", "w") as stderr:
            return subprocess.Popen(
                command,
                env=self.env(True, None),
                stdout=stdout,
                stderr=stderr,
                cwd=self.tmp_path,
                start_new_session=True,
            )

    def run_plays(self, plays: list[dict[str, Any]], *args: str, env: dict[str, str] | None = None) -> Outcome:
        """Run whole plays, with the connection from the environment."""
        self.count += 1
        path = self.tmp_path / f"playbook-{self.count}.yml"
        write_playbook(path, plays)
        return self._run([os.path.join(BIN, "ansible-playbook"), str(path), *args], self.env(True, env))

    def adhoc(
        self, module: str, module_args: str, *args: str, env: dict[str, str] | None = None, connection: bool = True
    ) -> Outcome:
        command = [
            os.path.join(BIN, "ansible"),
            "localhost",
            "-c",
            "local",
            "-m",
            module,
            "-a",
            module_args,
            *args,
        ]
        return self._run(command, self.env(connection, env))


def parity_key(item) -> str:
    """One test with its parameters other than the mode: what compare_modes() compares across modes."""
    others = {k: v for k, v in item.callspec.params.items() if k != "ansible"}
    return f"{item.nodeid.rsplit('[', 1)[0]} {others or ''}"


# A test's mode in its node ID: "test_x[in_process]", "test_x[module-retry-after-date]".
_MODE_ID = re.compile(r"(?<=[\[-])(?:in_process|module)(?=[\]-])")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist: the two modes of a test go to one worker, in order, where
    compare_modes() sees both; the other tests (and the tests of one file)
    spread over the workers one by one."""
    from xdist.scheduler import LoadScopeScheduling

    class ModesTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _MODE_ID.sub("", nodeid)

    return ModesTogether(config, log)


@pytest.fixture(params=MODES)
def ansible(request, collections_path, server, tmp_path) -> Iterator[Ansible]:
    test = parity_key(request.node)
    yield Ansible(collections_path, server.api_base, tmp_path, request.param, test)
    if request.param == MODES[-1] and request.node.get_closest_marker("modes_may_differ") is None:
        compare_modes(test)


def first_difference(one: Any, other: Any, path: str = "") -> str | None:
    """Where two normalised results first differ, with both values, or None."""
    if isinstance(one, dict) and isinstance(other, dict):
        for key in sorted(set(one) | set(other)):
            if key not in one or key not in other:
                return f"{path}.{key}: only {'in process' if key in one else 'as a module'}"
            found = first_difference(one[key], other[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(one, list) and isinstance(other, list) and len(one) == len(other):
        for index, (a, b) in enumerate(zip(one, other)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if one == other else f"{path}: {one!r:.300} in process, {other!r:.300} as a module"


def compare_modes(test: str) -> None:
    """Both shells give the same results for the same playbooks, key by key."""
    runs = OUTCOMES.get(test, {})
    if set(runs) != set(MODES):
        return
    COMPARED.append(test)
    first, second = (runs[mode] for mode in MODES)
    assert len(first) == len(second), f"{test}: {len(first)} runs in process, {len(second)} as modules"
    for index, (one, other) in enumerate(zip(first, second)):
        assert one[0] == other[0], f"{test} run {index}: exit code {one[0]} in process, {other[0]} as modules"
        for task_one, task_other in zip(one[1], other[1]):
            where = first_difference(task_one, task_other)
            assert where is None, f"{test} run {index}, task {task_one[0]!r}: results differ between modes at {where}"
        assert len(one[1]) == len(other[1]), f"{test} run {index}: task counts differ between modes"


@pytest.fixture
def objects(server):
    """An assistant and a thread with a question, made directly in the store."""
    assistant = server.store.create_assistant({"model": "local-echo", "tools": [{"type": "code_interpreter"}]})
    thread = server.store.create_thread({"messages": [{"role": "user", "content": "What is 6 x 7?"}]})
    return assistant, thread


def lint_bin() -> str:
    """Where ansible-lint is: beside this Python, else in the dev venv (`make
    setup`), as the ansible-core venvs of `make pytest-cores` do not install it."""
    for folder in (BIN, os.path.join(ROOT, ".venv", "bin")):
        if os.path.exists(os.path.join(folder, "ansible-lint")):
            return folder
    raise FileNotFoundError("ansible-lint is in neither this venv nor .venv: run `make setup`")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: a worker is done; the controller lints what it wrote."""
    output = getattr(node, "workeroutput", {})
    WRITTEN_PLAYBOOKS.extend(output.get("written_playbooks", []))
    INSTALLED_AT.extend(output.get("installed_at", []))
    COMPARED.extend(output.get("compared", []))


def pytest_sessionfinish(session, exitstatus) -> None:
    """The playbooks the tests wrote are test playbooks too: hold them to
    ansible-lint's production profile, as the role and the demo are.
    SEED_OPENAI_LINT_PLAYBOOKS=0 leaves that to another run of the same tests
    (`make pytest-cores` lints in one ansible-core's run: the playbooks are the same)."""
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: the controller lints
        session.config.workeroutput["written_playbooks"] = list(WRITTEN_PLAYBOOKS)
        session.config.workeroutput["installed_at"] = list(INSTALLED_AT)
        session.config.workeroutput["compared"] = list(COMPARED)
        return
    if COMPARED:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(f"results compared between the two execution modes in {len(COMPARED)} tests")
    if not WRITTEN_PLAYBOOKS or exitstatus != 0 or os.environ.get("SEED_OPENAI_LINT_PLAYBOOKS") == "0":
        return
    lint = lint_bin()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=INSTALLED_AT[0], PATH=f"{lint}{os.pathsep}{env.get('PATH', '')}", NO_COLOR="1")
    work = os.path.dirname(os.path.dirname(WRITTEN_PLAYBOOKS[0]))  # outside the repo: no project config applies
    command = [os.path.join(lint, "ansible-lint"), "--offline", "--nocolor", "--profile", "production"]
    done = subprocess.run(
        [*command, *WRITTEN_PLAYBOOKS], env=env, cwd=work, capture_output=True, text=True, check=False
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    verdict = "passed" if done.returncode == 0 else "FAILED"
    reporter.write_line(f"ansible-lint on the {len(WRITTEN_PLAYBOOKS)} playbooks the tests wrote: {verdict}")
    if done.returncode != 0:
        reporter.write_line(done.stdout + done.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
