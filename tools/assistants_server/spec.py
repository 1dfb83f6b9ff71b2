"""Validate JSON against the OpenAPI contracts' schemas.

Two contracts: ``assistants-threads-runs.yaml`` (a bare schema name, e.g.
``RunObject``) and ``responses.yaml`` (a name qualified with the file, e.g.
``responses.yaml:Response``).

OpenAPI 3.0 marks optional nulls with ``nullable: true``, which JSON Schema
does not know; the schemas are rewritten to ``anyOf [..., null]`` first.
``responses.yaml`` has defects of its own, repaired here (and only here, the
copy stays as published): see ``_repair_responses``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import Any

import jsonschema
import yaml

OPENAPI_DIR = os.path.join(os.path.dirname(__file__), "openapi")
ASSISTANTS = "assistants-threads-runs.yaml"
RESPONSES = "responses.yaml"
SPEC_PATH = os.path.join(OPENAPI_DIR, ASSISTANTS)
# The POST /conversations/{id}/items body is inline in the path; it gets this name.
ITEMS_BODY = "CreateConversationItemsBody"


def qualified(name: str) -> str:
    """A responses.yaml schema's name as validator() and errors() take it."""
    return f"{RESPONSES}:{name}"


def _split(name: str) -> tuple[str, str]:
    source, _colon, schema = name.rpartition(":")
    return source or ASSISTANTS, schema


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


def _discriminated_as_any_of(node: Any) -> Any:
    """OpenAPI picks a oneOf alternative by its discriminator; JSON Schema
    counts matches, and the alternatives overlap (an input message with
    content parts is an EasyInputMessage and an InputMessage), so a correct
    body would fail. Such a oneOf is validated as anyOf."""
    if isinstance(node, list):
        return [_discriminated_as_any_of(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _discriminated_as_any_of(value) for key, value in node.items()}
    if node.pop("discriminator", None) is not None and "oneOf" in node:
        node["anyOf"] = node.pop("oneOf")
    return node


def _repair_responses(spec: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The published responses.yaml's known defects, worked around."""
    components = _discriminated_as_any_of(components)
    schemas = components["schemas"]
    # required lists request_id, a property neither schema has.
    for name in ("MCPApprovalResponse", "MCPApprovalResponseResource"):
        schemas[name]["required"] = [field for field in schemas[name]["required"] if field != "request_id"]
    # $recursiveAnchor/$recursiveRef are draft 2019-09; in 2020-12 the nested
    # filter would go unchecked. It names CompoundFilter itself.
    compound = schemas["CompoundFilter"]
    compound.pop("$recursiveAnchor", None)
    alternatives = compound["properties"]["filters"]["items"]["anyOf"]
    compound["properties"]["filters"]["items"]["anyOf"] = [
        {"$ref": "#/components/schemas/CompoundFilter"} if part.get("$recursiveRef") == "#" else part
        for part in alternatives
    ]
    body = spec["paths"]["/conversations/{conversation_id}/items"]["post"]["requestBody"]
    schemas[ITEMS_BODY] = dict(to_json_schema(body["content"]["application/json"]["schema"]), type="object")
    return components


@functools.cache
def _components(source: str = ASSISTANTS) -> dict[str, Any]:
    with open(os.path.join(OPENAPI_DIR, source), encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    components = to_json_schema(spec["components"])
    return _repair_responses(spec, components) if source == RESPONSES else components


def schemas(source: str = ASSISTANTS) -> dict[str, Any]:
    """A contract's component schemas (as validated: rewritten and repaired)."""
    return _components(source)["schemas"]  # type: ignore[no-any-return]


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    source, schema = _split(name)
    document = {"$ref": f"#/components/schemas/{schema}", "components": _components(source)}
    return jsonschema.Draft202012Validator(document)


def errors(name: str, instance: Any) -> list[str]:
    """Every way `instance` breaks schema `name`, as readable lines (empty: valid)."""
    found = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]


def _misfit(error: jsonschema.ValidationError) -> bool:
    """Whether an alternative's error says it is for another kind of thing
    (another `type` value, another JSON type)."""
    path = list(error.relative_path)
    return path == ["type"] or (not path and error.validator == "type")


def _closest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For "not valid under any of the given schemas": the error of the
    alternative the body was meant as (the one its `type` fits), deepest first."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        groups: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            groups.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [group for group in groups.values() if not any(_misfit(sub) for sub in group)]
        if not fitting:
            break
        group = max(fitting, key=lambda found: max(len(sub.relative_path) for sub in found))
        error = max(group, key=lambda sub: len(sub.relative_path))
    return error


def reported_errors(name: str, instance: Any) -> Iterator[jsonschema.ValidationError]:
    """The errors in the order a server reports them (the first one, for
    responses.yaml, narrowed to the alternative the body was meant as)."""
    found = validator(name).iter_errors(instance)
    if _split(name)[0] != RESPONSES:
        yield from found
        return
    first = next(iter(found), None)
    if first is not None:
        yield _closest(first)


def properties(name: str) -> set[str]:
    """The top-level properties schema `name` knows, through allOf and $ref."""
    source, schema = _split(name)
    known = schemas(source)

    def collect(node: dict[str, Any]) -> set[str]:
        found = set(node.get("properties", {}))
        if "$ref" in node:
            found |= collect(known[node["$ref"].rsplit("/", 1)[-1]])
        for part in node.get("allOf", []):
            found |= collect(part)
        return found

    return collect(known[schema])


def first_unknown_field(name: str, body: dict[str, Any]) -> str | None:
    known = properties(name)
    return next((key for key in body if key not in known), None)


@functools.cache
def event_schemas() -> dict[str, str]:
    """Each Responses stream event type ("response.created"...) -> its schema's qualified name."""
    known = schemas(RESPONSES)
    found = {}
    for part in known["ResponseStreamEvent"]["anyOf"]:
        name = part["$ref"].rsplit("/", 1)[-1]
        for event_type in known[name]["properties"]["type"]["enum"]:
            found[event_type] = qualified(name)
    return found


def event_errors(event: Any) -> list[str]:
    """Every way a Responses stream event's data breaks its event schema."""
    name = event_schemas().get(event.get("type", "")) if isinstance(event, dict) else None
    return errors(name or qualified("ResponseStreamEvent"), event)
