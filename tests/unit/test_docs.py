"""Every message the modules can fail (or warn) with is explained in the troubleshooting guide."""

from __future__ import annotations

import ast
import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE = os.path.join(ROOT, "docs", "docsite", "rst", "troubleshooting.rst")
RAISED = {"InvalidInput", "RunNotFinished", "RunFailed", "StreamFailed", "TransportError"}


def literal_parts(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [part.value for part in node.values if isinstance(part, ast.Constant)]
    if isinstance(node, ast.BinOp):
        return literal_parts(node.left) + literal_parts(node.right)
    return []


def messages():
    found = []
    for path in glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True):
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in RAISED or (name in ("warn", "append") and path.endswith(("_client.py", "assistant_runs.py"))):
                # The value a message quotes follows ", got"; the guide shows a placeholder.
                parts = [re.sub(r",? got$", "", p.strip(" ;,.()'")) for p in literal_parts(node.args[0])]
                longest = max(parts, key=len, default="")
                if len(longest) >= 12:
                    found.append((os.path.relpath(path, ROOT), longest))
    return sorted(set(found))


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("``", ""))


@pytest.mark.parametrize("source, text", messages())
def test_message_is_in_the_troubleshooting_guide(source, text):
    with open(GUIDE, encoding="utf-8") as handle:
        guide = normalized(handle.read())
    assert normalized(text) in guide, f"{source}: {text!r} is not explained in docs/docsite/rst/troubleshooting.rst"


def test_the_scan_finds_the_messages():
    assert len(messages()) > 40


def test_every_test_that_reliability_md_cites_exists():
    with open(os.path.join(ROOT, "docs", "reliability.md"), encoding="utf-8") as handle:
        cited = set(re.findall(r"`(test_[a-z0-9_]+)`", handle.read()))
    defined = set()
    for path in glob.glob(os.path.join(ROOT, "tests", "**", "test_*.py"), recursive=True):
        with open(path, encoding="utf-8") as handle:
            defined.update(re.findall(r"^def (test_[a-z0-9_]+)", handle.read(), re.M))
    assert len(cited) > 20
    assert cited <= defined, sorted(cited - defined)


def test_the_foundry_guide_shows_the_playbook_its_tests_run():
    with open(os.path.join(ROOT, "docs", "docsite", "rst", "foundry.rst"), encoding="utf-8") as handle:
        page = handle.read()
    assert ".. literalinclude:: /../../../docs/docsite/rst/examples/foundry.yml\n" in page
    assert os.path.isfile(os.path.join(ROOT, "docs", "docsite", "rst", "examples", "foundry.yml"))
