"""Make the repository importable as ansible_collections.seed.openai and the
local server as assistants_server, for every test."""

from __future__ import annotations

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACE_ROOT = os.path.join(ROOT, ".build", "ns")
_LINK = os.path.join(NAMESPACE_ROOT, "ansible_collections", "seed", "openai")

if not os.path.islink(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink(ROOT, _LINK)
# tests/unit too: ansible-test's pytest does not put a test's own folder on the path.
for path in (
    NAMESPACE_ROOT,
    os.path.join(ROOT, "tools"),
    os.path.join(ROOT, "tests"),
    os.path.join(ROOT, "tests", "unit"),
):
    if path not in sys.path:
        sys.path.insert(0, path)

from assistants_server import AssistantsServer
from hypothesis import HealthCheck, settings
from support import API_KEY, assert_answers_match_contract

# Property tests check correctness, not speed: no deadline, and the same
# examples on every run, so a loaded 2-core machine cannot fail them.
settings.register_profile(
    "deterministic", deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("deterministic")


@pytest.fixture
def server():
    with AssistantsServer(api_key=API_KEY) as running:
        yield running
        assert_answers_match_contract(running)
