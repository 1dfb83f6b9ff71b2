"""Helpers shared by the unit and integration tests."""

from __future__ import annotations

import re

from assistants_server import AssistantsServer, spec
from assistants_server.responses_api import FOUNDRY_GA, FOUNDRY_PREVIEW, request_schema

API_KEY = "sk-test-0123456789abcdefSECRET"


def assert_answers_match_contract(server: AssistantsServer) -> None:
    """Every answer the server gave validates against its contract's schema
    (Assistants answers and events, Responses answers and stream events)."""
    for record in server.requests:
        response = record.get("response") or {}
        if response.get("schema"):
            problems = spec.errors(response["schema"], response["body"])
            assert not problems, f"{record['method']} {record['path']}: {problems[:3]}"
        for event, data in response.get("events") or []:
            if isinstance(data, dict) and "sequence_number" in data:  # a Responses stream event
                problems = spec.event_errors(data)
                assert data.get("type") == event and not problems, f"{record['path']} {event}: {problems[:3]}"
                continue
            schema = {"thread.run": "RunObject", "thread.message": "MessageObject"}.get(data.get("object"))
            if schema:
                problems = spec.errors(schema, data)
                assert not problems, f"{record['path']} {event}: {problems[:3]}"


def assert_requests_match_contract(server: AssistantsServer) -> int:
    """Every Conversations/Responses request body the server received
    validates against responses.yaml (CreateResponse, CreateConversationBody,
    UpdateConversationBody, the items body) and names no field the schema
    lacks (but a Foundry response's agent_reference). Returns how many bodies
    were checked, so a caller can tell that some were."""
    checked = 0
    for record in server.requests:
        schema = request_schema(record["method"], record.get("route_path"))
        if schema is None:
            continue
        body = {} if record["body"] is None else record["body"]
        where = f"{record['method']} {record['path']}"
        assert isinstance(body, dict), f"{where}: the body is not a JSON object: {body!r}"
        foundry = record["route_path"].startswith((FOUNDRY_GA + "/", FOUNDRY_PREVIEW + "/"))
        fields = {key: value for key, value in body.items() if not (foundry and key == "agent_reference")}
        unknown = spec.first_unknown_field(schema, fields)
        assert unknown is None, f"{where}: {schema} has no field {unknown!r}"
        problems = spec.errors(schema, fields)
        assert not problems, f"{where}: {problems[:3]}"
        checked += 1
    return checked


def warning_texts(result: dict) -> list[str]:
    """The task's warnings as text (ansible-core 2.19 returns them as summaries)."""
    texts = []
    for warning in result.get("warnings", []):
        if isinstance(warning, dict):
            warning = (warning.get("event") or warning).get("msg", str(warning))
        texts.append(warning)
    return texts


def without_call(message: str) -> str:
    """An API error message without the call it names ("... to POST <url>: ..."),
    for tests about the rest of the message."""
    return re.sub(r" to (GET|POST|DELETE) \S+?: ", ": ", message, count=1)
