"""What the guides say about the AWX credential type is what docs/awx/credential_type.yml does:
the variables a paragraph says are injected are all of them, and a snippet of the type
agrees with the file (fields, what is required, injectors)."""

from __future__ import annotations

import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPE = os.path.join(ROOT, "docs", "awx", "credential_type.yml")
# The documents that describe the credential type. event_driven.rst describes it too, for
# EDA Controller's activations; add it here once its credential section names all five.
DOCUMENTS = ["docs/awx/README.md", "docs/docsite/rst/awx.rst", "docs/docsite/rst/event_driven.rst"]
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}


def credential_type() -> dict:
    with open(CREDENTIAL_TYPE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def read(document: str) -> str:
    with open(os.path.join(ROOT, document), encoding="utf-8") as handle:
        return handle.read()


def yaml_snippets(text: str) -> list[str]:
    """The YAML code blocks of a Markdown or reStructuredText document (literalincludes
    show a file as it is and so cannot disagree with it)."""
    blocks = re.findall(r"^```ya?ml\n(.*?)^```", text, re.S | re.M)
    for body in re.findall(r"^\.\. code-block:: ya?ml\n\n((?:   .*\n|\n)+)", text, re.M):
        blocks.append("\n".join(line[3:] for line in body.splitlines()))
    return blocks


def prose(text: str) -> list[str]:
    """The paragraphs of running text: code blocks (fenced, or indented under a directive) left out."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return [p for p in re.split(r"\n\s*\n", text) if p.strip() and not p.startswith((" ", "\t", ".. "))]


def disagreements(snippet: dict, actual: dict) -> list[str]:
    found = []
    if "inputs" in snippet:
        fields = {field["id"]: field for field in actual["inputs"]["fields"]}
        for field in snippet["inputs"].get("fields", []):
            real = fields.get(field.get("id"))
            if real is None:
                found.append(f"field {field.get('id')!r} is not in the credential type")
                continue
            found += [
                f"field {field['id']}: {k}={v!r}, the file has {real.get(k)!r}"
                for k, v in field.items()
                if real.get(k) != v
            ]
        if snippet["inputs"].get("required") != actual["inputs"].get("required"):
            found.append(
                f"required: {snippet['inputs'].get('required')!r}, the file has {actual['inputs'].get('required')!r}"
            )
    for name, template in (snippet.get("injectors") or {}).get("env", {}).items():
        if actual["injectors"]["env"].get(name) != template:
            found.append(f"injector {name}: {template!r}, the file has {actual['injectors']['env'].get(name)!r}")
    return found


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_paragraph_on_what_is_injected_names_every_injected_variable(document):
    injected = set(credential_type()["injectors"]["env"])
    claims = [p for p in prose(read(document)) if re.search(r"\binject", p, re.I) and "OPENAI_" in p]
    assert claims, f"{document} does not say which variables the credential type injects"
    for paragraph in claims:
        named = set(re.findall(r"\bOPENAI_[A-Z_]+\b", paragraph))
        assert named == injected, (
            f"{document}: {paragraph!r} names {sorted(named)}, the type injects {sorted(injected)}"
        )
        for word in re.findall(r"\b(\w+) (?:variables|fields)\b", paragraph):
            if word.lower() in NUMBERS:
                assert NUMBERS[word.lower()] == len(injected), f"{document}: {paragraph!r} says {word}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_snippet_of_the_credential_type_agrees_with_the_file(document):
    actual = credential_type()
    for block in yaml_snippets(read(document)):
        snippet = yaml.safe_load(block)
        if isinstance(snippet, dict) and ("inputs" in snippet or "injectors" in snippet):
            assert disagreements(snippet, actual) == [], f"{document}:\n{block}"


def test_the_awx_guide_shows_the_whole_credential_type():
    guide = read("docs/docsite/rst/awx.rst")
    assert ".. literalinclude:: /../../../docs/awx/credential_type.yml\n" in guide


def test_nothing_is_required_so_entra_can_leave_the_key_empty():
    actual = credential_type()
    assert "required" not in actual["inputs"]
    (key,) = [field for field in actual["inputs"]["fields"] if field["id"] == "api_key"]
    assert "entra" in key["help_text"]
