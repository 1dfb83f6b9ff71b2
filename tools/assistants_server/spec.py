"""Validate JSON against the OpenAPI contract's schemas.

OpenAPI 3.0 marks optional nulls with ``nullable: true``, which JSON Schema
does not know; the schemas are rewritten to ``anyOf [..., null]`` first.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import jsonschema
import yaml

SPEC_PATH = os.path.join(os.path.dirname(__file__), "openapi", "assistants-threads-runs.yaml")


def _is_nullable_marker(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == {"nullable"} and node["nullable"] is True


def to_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: to_json_schema(value) for key, value in node.items() if not key.startswith("x-")}
    nullable = node.pop("nullable", False) is True
    if "allOf" in node and any(_is_nullable_marker(part) for part in node["allOf"]):
        node["allOf"] = [part for part in node["allOf"] if not _is_nullable_marker(part)]
        nullable = True
    if nullable:
        return {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _components() -> dict[str, Any]:
    with open(SPEC_PATH, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    return to_json_schema(spec["components"])


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": _components()}
    return jsonschema.Draft202012Validator(schema)


def errors(name: str, instance: Any) -> list[str]:
    """Every way `instance` breaks schema `name`, as readable lines (empty: valid)."""
    found = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]


def first_unknown_field(name: str, body: dict[str, Any]) -> str | None:
    properties = _components()["schemas"][name].get("properties", {})
    return next((key for key in body if key not in properties), None)
