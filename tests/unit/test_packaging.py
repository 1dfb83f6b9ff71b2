"""Facts that must agree across files."""

from __future__ import annotations

import hashlib
import os

import yaml
from support import API_KEY

from ansible_collections.seed.openai.plugins.module_utils import _module as module_utils
from ansible_collections.seed.openai.plugins.module_utils._version import COLLECTION_VERSION
from ansible_collections.seed.openai.plugins.modules.openai_thread_run import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, "..", "shared", "openai-openapi")
VENDORED = os.path.join(ROOT, "tools", "assistants_server", "openapi")


def test_version_constant_matches_galaxy_yml():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION


def test_every_module_is_in_the_action_group():
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        group = yaml.safe_load(handle)["action_groups"]["openai"]
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules")) if name.endswith(".py"))
    assert sorted(group) == modules


def _sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _recorded_digests() -> dict[str, str]:
    with open(os.path.join(VENDORED, "SHA256SUMS"), encoding="utf-8") as handle:
        return {name: digest for digest, name in (line.split() for line in handle if line.strip())}


def test_vendored_spec_has_the_digests_recorded_when_it_was_copied():
    recorded = _recorded_digests()
    assert sorted(recorded) == ["LICENSE", "assistants-threads-runs.yaml", "responses.yaml"]
    assert {name: _sha256(os.path.join(VENDORED, name)) for name in recorded} == recorded
    # CI clones the repo alone; where the reference copy is beside it, it must agree too.
    if os.path.isdir(SHARED):
        assert {name: _sha256(os.path.join(SHARED, name)) for name in recorded} == recorded


def test_every_vendored_file_is_recorded():
    on_disk = sorted(name for name in os.listdir(VENDORED) if name not in ("SHA256SUMS", "README.md"))
    assert on_disk == sorted(_recorded_digests())


def test_missing_requests_fails_with_missing_required_lib(run_module, monkeypatch):
    monkeypatch.setattr(module_utils, "MISSING_LIBS", ["requests"])
    result = run_module(main, {"thread": "t", "assistant": "a", "api_key": API_KEY})
    assert result["msg"].startswith("Failed to import the required Python library (requests)")
