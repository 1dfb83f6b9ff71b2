"""Facts that must agree across files."""

from __future__ import annotations

import filecmp
import os

import pytest
import yaml
from support import API_KEY

from ansible_collections.seed.openai.plugins.module_utils import module as module_utils
from ansible_collections.seed.openai.plugins.module_utils.version import COLLECTION_VERSION
from ansible_collections.seed.openai.plugins.modules.openai_thread_run import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_SPEC = os.path.join(ROOT, "..", "shared", "openai-openapi", "assistants-threads-runs.yaml")


def test_version_constant_matches_galaxy_yml():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION


def test_every_module_is_in_the_action_group():
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        group = yaml.safe_load(handle)["action_groups"]["openai"]
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules")) if name.endswith(".py"))
    assert sorted(group) == modules


@pytest.mark.skipif(
    not os.path.exists(SHARED_SPEC), reason="the project's reference copy of the spec is not beside the repo"
)
def test_vendored_spec_is_the_reference_copy():
    vendored = os.path.join(ROOT, "tools", "assistants_server", "openapi", "assistants-threads-runs.yaml")
    assert filecmp.cmp(vendored, SHARED_SPEC, shallow=False)


def test_missing_requests_fails_with_missing_required_lib(run_module, monkeypatch):
    monkeypatch.setattr(module_utils, "MISSING_LIBS", ["requests"])
    result = run_module(main, {"thread": "t", "assistant": "a", "api_key": API_KEY})
    assert result["msg"].startswith("Failed to import the required Python library (requests)")
