"""The built collection: what the tarball holds, and that Ansible's own tools read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile

import yaml

BIN = os.path.dirname(sys.executable)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORBIDDEN = (".venv/", ".build/", "tests/output/", "__pycache__/", ".pytest_cache/", ".ci/", "tools/", ".git/")


def modules():
    return sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules")) if name.endswith(".py"))


def test_tarball_holds_the_collection_and_no_build_junk(built_collection):
    with tarfile.open(built_collection.tarball) as tarball:
        names = tarball.getnames()
    assert not [n for n in names if any(part in n + "/" for part in FORBIDDEN) or n.endswith((".pyc", ".tar.gz"))]
    for needed in (
        "MANIFEST.json",
        "meta/runtime.yml",
        "requirements.txt",
        "bindep.txt",
        "roles/assistant_run/meta/argument_specs.yml",
        "CHANGELOG.rst",
    ):
        assert needed in names, needed
    assert {f"plugins/modules/{m}.py" for m in modules()} <= set(names)


def ansible_doc(collections_path, *args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1")
    done = subprocess.run(
        [os.path.join(BIN, "ansible-doc"), *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    # ansible-core 2.21's ansible-doc warns about a collection of its own (ansible._protomatter, no MANIFEST.json).
    ours = [line for line in done.stderr.splitlines() if "/ansible/_internal/ansible_collections/" not in line]
    assert "[WARNING]" not in "\n".join(ours), done.stderr
    return done.stdout


def test_ansible_doc_renders_every_module_and_the_role(collections_path):
    listed = json.loads(ansible_doc(collections_path, "--list", "--json", "seed.openai"))
    assert sorted(name.split(".")[-1] for name in listed) == modules()
    for module in modules():
        text = ansible_doc(collections_path, f"seed.openai.{module}")
        assert "api_key" in text and "EXAMPLES" in text and "RETURN VALUES" in text, module
    role = ansible_doc(collections_path, "-t", "role", "seed.openai.assistant_run")
    assert "assistant_run_assistant" in role and "assistant_run_tool_outputs" in role


def test_execution_environment_dependencies(collections_path):
    done = subprocess.run(
        [os.path.join(BIN, "ansible-builder"), "introspect", "--sanitize", collections_path],
        capture_output=True,
        text=True,
        check=True,
    )
    found = yaml.safe_load(done.stdout.split("\n", 1)[1])
    assert [line.split("#")[0].strip() for line in found["python"]] == ["requests>=2.31", "urllib3>=1.26"]
    assert any("ca-certificates" in line for line in found["system"])
