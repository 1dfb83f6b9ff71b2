"""The guide "Moving off the Assistants API" names every option and return key
of every module, each as same, mapped or refused on the Responses API."""

from __future__ import annotations

import importlib
import os
import re

import pytest
import yaml

from ansible_collections.seed.openai.plugins.module_utils._argspec import CONNECTION, MODULE_SPECS, WAIT

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE = os.path.join(ROOT, "docs", "docsite", "rst", "moving_off_assistants.rst")
VERDICTS = ("same", "mapped", "refused")
SHARED = set(CONNECTION) | set(WAIT)


def tables() -> dict[str, dict[str, str]]:
    """Section title -> {row name: verdict}; returned keys are named "key (returned)"."""
    with open(GUIDE, encoding="utf-8") as handle:
        text = handle.read()
    found: dict[str, dict[str, str]] = {}
    for title, body in re.findall(r"^(\S[^\n]*)\n~+\n(.*?)(?=^\S[^\n]*\n~+\n|\Z)", text, re.S | re.M):
        rows = re.findall(r"^   \* - ``([a-z_]+)``( \(returned\))?\n     - (\w+)", body, re.M)
        found[title] = {name + (returned and " (returned)"): verdict for name, returned, verdict in rows}
    return found


def returned_keys(module: str) -> list[str]:
    found = importlib.import_module(f"ansible_collections.seed.openai.plugins.modules.{module}")
    return list(yaml.safe_load(found.RETURN) or {})


def test_every_shared_option_is_in_the_table_for_all_modules():
    rows = tables()["All modules"]
    assert set(rows) == SHARED
    assert set(rows.values()) <= set(VERDICTS)


@pytest.mark.parametrize("module", sorted(MODULE_SPECS))
def test_every_option_and_return_key_of_a_module_is_in_its_table(module):
    rows = tables()[module]
    options = set(MODULE_SPECS[module]["argument_spec"]) - SHARED
    wanted = options | {f"{key} (returned)" for key in returned_keys(module)}
    assert sorted(wanted - set(rows)) == [], f"{module}: missing from the guide's table"
    assert sorted(set(rows) - wanted - SHARED) == [], f"{module}: in the guide's table but not an option or return key"
    assert set(rows.values()) <= set(VERDICTS)
