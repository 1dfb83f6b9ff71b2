"""Helpers shared by the unit and integration tests."""

from __future__ import annotations

import re

from assistants_server import AssistantsServer, spec

API_KEY = "sk-test-0123456789abcdefSECRET"


def assert_answers_match_contract(server: AssistantsServer) -> None:
    """Every answer the server gave validates against the contract's schema."""
    for record in server.requests:
        response = record.get("response") or {}
        if response.get("schema"):
            problems = spec.errors(response["schema"], response["body"])
            assert not problems, f"{record['method']} {record['path']}: {problems[:3]}"
        for event, data in response.get("events") or []:
            schema = {"thread.run": "RunObject", "thread.message": "MessageObject"}.get(data.get("object"))
            if schema:
                problems = spec.errors(schema, data)
                assert not problems, f"{record['path']} {event}: {problems[:3]}"


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
