"""The action plugin shell's own decisions, without a playbook around them:
which Python counts as the controller's, what it hides and warns about (as
AnsibleModule does, without ansible-core's private attributes), the trace it
leaves when interrupted, and the traceback of an unexpected error."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys

import ansible
import pytest
from ansible.module_utils.common import arg_spec
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from support import API_KEY

from ansible_collections.seed.openai.plugins.module_utils._argspec import MODULE_SPECS, module_spec
from ansible_collections.seed.openai.plugins.module_utils._errors import OpenAIError
from ansible_collections.seed.openai.plugins.module_utils._module import OpenAIModule, secret_values
from ansible_collections.seed.openai.plugins.module_utils._task import Task, run_core

# Not _action: it imports ansible-core's controller code, after which AnsibleModule
# shows warnings instead of returning them, in this process (the module tests').
from ansible_collections.seed.openai.plugins.plugin_utils import _interrupted, _parity

PLUGIN_UTILS = os.path.dirname(os.path.abspath(_parity.__file__))

GATEWAY_KEY = "gw-secret-0123456789"


@pytest.fixture(scope="module")
def other_venv(tmp_path_factory) -> str:
    """A venv of the same interpreter file as this test's Python, without its packages."""
    venv = tmp_path_factory.mktemp("other-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return str(venv / "bin" / "python")


def test_the_controllers_python_by_other_names_is_the_controllers(monkeypatch):
    folder = os.path.dirname(sys.executable)
    versioned = os.path.join(folder, f"python{sys.version_info.major}.{sys.version_info.minor}")
    assert _parity.is_controller_python(sys.executable)
    assert _parity.is_controller_python(versioned)
    assert _parity.is_controller_python(os.path.join(folder, "..", os.path.basename(folder), "python"))
    monkeypatch.setenv("PATH", folder)
    assert _parity.is_controller_python(os.path.basename(versioned))


def test_another_python_is_not_the_controllers_even_on_the_same_file(other_venv, tmp_path):
    # A naive realpath comparison calls these the same: both are symlinks to one interpreter file.
    assert os.path.realpath(other_venv) == os.path.realpath(sys.executable)
    assert not _parity.is_controller_python(other_venv)
    # Outside its venv, the venv's python is the bare interpreter, without the venv's packages.
    link = tmp_path / "python"
    link.symlink_to(sys.executable)
    assert not _parity.is_controller_python(str(link))
    for other in ("/usr/bin/env python3", f"{sys.executable} -E", str(tmp_path / "missing"), "no-such-python", "'"):
        assert not _parity.is_controller_python(other), other


def validated(name: str, args: dict) -> dict:
    spec = dict(module_spec(name))
    del spec["supports_check_mode"]
    return ArgumentSpecValidator(**spec).validate(args).validated_parameters


def module_shell(name: str, run_module, monkeypatch, args: dict) -> tuple[set[str], list[str]]:
    """What the module shell (AnsibleModule) hides, and the warnings its
    argument validation gives, for `args`."""
    hidden: set[str] = set()
    warned: list[str] = []
    # Where AnsibleModule's validator sends them (with the controller's code
    # loaded, ansible-core 2.19 and later show them rather than return them).
    monkeypatch.setattr(arg_spec, "warn", warned.append)

    def main() -> None:
        module = OpenAIModule(name)
        hidden.update(module.no_log_values)
        module.exit_json(changed=False)

    run_module(main, args)
    return hidden, warned


REQUIRED = {
    "assistant": "asst_1",
    "run": "run_1",
    "thread": "thread_1",
    "content": "hi",
    "tool_outputs": [{"tool_call_id": "call_1", "output": "42"}],
}


@pytest.mark.parametrize("name", sorted(MODULE_SPECS))
def test_no_log_values_are_those_ansiblemodule_hides(name, monkeypatch, run_module):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)  # through the option's fallback
    spec = module_spec(name)["argument_spec"]
    args = {"entra_token": "entra-token-0123456789", "headers": {"X-Gateway-Key": GATEWAY_KEY}}
    args.update({key: value for key, value in REQUIRED.items() if spec.get(key, {}).get("required")})
    if name == "openai_thread_run_tool_outputs":  # one of its outputs options is required
        args["tool_outputs"] = REQUIRED["tool_outputs"]
    hidden, _warnings = module_shell(name, run_module, monkeypatch, args)
    params = validated(name, args)

    ours = _parity.no_log_values(spec, params) | set(secret_values(params))
    assert ours == hidden
    assert {API_KEY, "entra-token-0123456789"} <= ours


def test_no_log_suboptions_and_structures_are_hidden():
    spec = {
        "token": {"type": "dict", "no_log": True},
        "items": {"type": "list", "elements": "dict", "options": {"secret": {"type": "str", "no_log": True}}},
        "plain": {"type": "str"},
    }
    params = {"token": {"a": "one-secret", "b": [2, True]}, "items": [{"secret": "two-secret"}], "plain": "shown"}
    assert _parity.no_log_values(spec, params) == {"one-secret", "2", "two-secret"}


def test_alias_warnings_are_ansiblemodules(run_module, monkeypatch):
    args = {"thread": "t", "thread_id": "t", "assistant": "a", "assistant_id": "a", "api_key": API_KEY}
    _hidden, warnings = module_shell("openai_thread_run", run_module, monkeypatch, args)
    ours = _parity.alias_warnings(module_spec("openai_thread_run")["argument_spec"], args)

    assert sorted(ours) == [
        "Both option assistant and its alias assistant_id are set.",
        "Both option thread and its alias thread_id are set.",
    ]
    assert sorted(ours) == sorted(warnings)
    assert _parity.alias_warnings(module_spec("openai_thread_run")["argument_spec"], {"thread_id": "t"}) == []


def private_attributes(path: str) -> list[str]:
    """`x._name` where x is not the plugin itself: another object's private attribute."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_") or node.attr.startswith("__"):
            continue
        if isinstance(node.value, ast.Name) and node.value.id == "self":
            continue  # ActionBase's own members, its interface to action plugins
        found.append(f"{ast.unparse(node)} (line {node.lineno})")
    return found


def test_the_action_shell_reads_no_private_attribute_of_ansible_core():
    # `self._connection._shell`: the one exception, and ansible-core's own
    # `normal` action plugin reads it the same way (the test below pins it).
    for shell in ("_action.py", "_interrupted.py", "_parity.py"):
        path = os.path.join(PLUGIN_UTILS, shell)
        found = [name for name in private_attributes(path) if "self._connection._shell" not in name]
        assert found == [], shell


def test_ansible_cores_own_action_plugin_reads_the_connections_shell():
    normal = os.path.join(os.path.dirname(ansible.__file__), "plugins", "action", "normal.py")
    with open(normal, encoding="utf-8") as handle:
        assert "self._connection._shell.tmpdir" in handle.read()


def test_an_interrupted_task_names_what_it_made_and_its_marker():
    task = Task({"creation_marker": True})
    assert task.interrupted("seed.openai.openai_thread_run") is None
    task.made["run"] = {"id": "run_1", "thread_id": "thread_2", "status": "queued"}
    line = task.interrupted("seed.openai.openai_thread_run")
    assert line == (
        "seed.openai.openai_thread_run: interrupted after it made or changed run run_1 on thread thread_2 "
        f"(creation marker {task.marker}); it goes on without this task: look it up by its ID, or cancel it"
    )
    unmarked = Task({"creation_marker": False})
    unmarked.made["message"] = {"id": "msg_1", "thread_id": "thread_2"}
    assert "message msg_1 on thread thread_2 (no creation marker" in unmarked.interrupted("x")


def test_a_signal_while_the_task_runs_leaves_the_line_then_reaches_ansible(monkeypatch):
    reader, writer = os.pipe()
    monkeypatch.setattr(_interrupted, "CONTROLLER_STDERR", writer)
    monkeypatch.setattr(_interrupted, "end_with_controller", lambda: None)
    received = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: received.append(signum))
    try:
        task = Task({"creation_marker": True})
        task.made["run"] = {"id": "run_1", "thread_id": "thread_2"}
        with _interrupted.trace_on_interrupt(task, "seed.openai.openai_thread_run"):
            assert signal.getsignal(signal.SIGTERM) is not previous
            os.kill(os.getpid(), signal.SIGTERM)
        after = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.close(writer)
    written = os.read(reader, 4096).decode()
    os.close(reader)

    assert received == [signal.SIGTERM]
    assert written.count("\n") == 1 and "run run_1 on thread thread_2" in written and task.marker in written
    assert after is not None and after(signal.SIGTERM, None) is None and received == [signal.SIGTERM] * 2


def test_an_unexpected_error_returns_its_traceback_without_secrets():
    params = {"api_key": API_KEY, "headers": {"X-Gateway-Key": GATEWAY_KEY}, "query": None}

    def broken(task):
        raise KeyError(f"no such thing as {API_KEY} or {GATEWAY_KEY}")

    result = run_core(broken, Task(params))

    assert result["failed"] is True and result["changed"] is False
    assert "\n" not in result["msg"]
    assert result["msg"].startswith("unexpected KeyError at test_action_shell.py:")
    assert "please report it with the traceback" in result["msg"]
    assert result["exception"].startswith("Traceback (most recent call last):")
    assert "in broken" in result["exception"] and "KeyError: " in result["exception"]
    assert API_KEY not in result["exception"] and GATEWAY_KEY not in result["exception"]
    assert "********" in result["exception"]


def test_an_expected_error_carries_no_traceback():
    def refused(task):
        raise OpenAIError("thread must be set")

    result = run_core(refused, Task({}))
    assert result["msg"] == "thread must be set" and "exception" not in result


@pytest.mark.parametrize(
    "secret",
    [API_KEY, 'sk-with"quote0123456789', "sk-with\\backslash0123", "sk-ünïcödé-0123456789"],
    ids=["plain", "quote", "backslash", "non-ascii"],
)
def test_a_secret_anywhere_in_a_result_is_masked(secret):
    result = {"msg": f"echoed {secret}", "run": {"metadata": {"note": [f"x{secret}y"]}}, "changed": False}

    shown = _parity.masked(result, {secret})

    assert secret not in str(shown)
    assert shown["run"]["metadata"]["note"][0] == "x********y"


def test_a_result_without_a_secret_is_returned_as_it_is():
    result = {"msg": "nothing to hide", "run": {"id": "run_1"}}

    assert _parity.masked(result, {API_KEY}) is result


def test_the_task_environment_is_laid_over_and_taken_back(monkeypatch):
    monkeypatch.setenv("SEED_OPENAI_KEPT", "controller")
    monkeypatch.delenv("SEED_OPENAI_ADDED", raising=False)

    with _parity.environment({"SEED_OPENAI_KEPT": "task", "SEED_OPENAI_ADDED": 1}):
        inside = (os.environ["SEED_OPENAI_KEPT"], os.environ["SEED_OPENAI_ADDED"])

    assert inside == ("task", "1")
    assert os.environ["SEED_OPENAI_KEPT"] == "controller"
    assert "SEED_OPENAI_ADDED" not in os.environ
