# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn an option that names an object (an ID, or an object registered earlier)
into an ID: plain Python."""

from __future__ import annotations

import json
from typing import Any

from ._errors import InvalidInput

# For each kind: the key holding its ID in an object of that kind, and the key
# that holds it in a run object (a run names its thread and its assistant).
_KINDS = {
    "thread": ("thread", "thread_id"),
    "assistant": ("assistant", "assistant_id"),
    "run": ("thread.run", None),
}
MAX_ID_LENGTH = 256


def resolve_id(value: Any, option: str, kind: str) -> str:
    """The ID that `value` names, or InvalidInput saying how to name one."""
    own_object, run_key = _KINDS[kind]
    if value is None:
        raise InvalidInput(
            f"{option} has no value (a blank survey answer or an undefined variable); "
            f"give a {kind} ID or the {kind} object an earlier task registered"
        )
    value = from_json_text(value)
    found: Any = value
    if isinstance(value, dict):
        found = _id_from_object(value, kind, own_object, run_key)
        if found is None:
            keys = "'id'" + (f" or '{run_key}'" if run_key else "")
            raise InvalidInput(
                f"{option} got a dict without {keys}; pass a {kind} ID or the {kind} object an earlier task registered"
            )
    if not isinstance(found, str):
        raise InvalidInput(f"{option} must be a {kind} ID string or a {kind} object, got {type(found).__name__}")
    text: str = found.strip()
    if not text:
        raise InvalidInput(f"{option} is empty; give the ID of an existing {kind}")
    if text in (".", "..") or len(text) > MAX_ID_LENGTH or any(ord(c) < 0x20 for c in text):
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise InvalidInput(f"{option} {shown!r} is not a valid {kind} ID")
    return text


def from_json_text(value: Any) -> Any:
    """An object given as JSON text (AWX surveys and extra vars deliver text) as
    the object; any other value as it is."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, dict):
            return parsed
    return value


def _id_from_object(value: dict[str, Any], kind: str, own_object: str, run_key: str | None) -> Any:
    # A whole registered module result: look inside it.
    if kind in value and isinstance(value[kind], dict):
        return _id_from_object(value[kind], kind, own_object, run_key)
    if "run" in value and isinstance(value["run"], dict) and "object" not in value:
        return _id_from_object(value["run"], kind, own_object, run_key)
    obj_type = value.get("object")
    if run_key and (obj_type == "thread.run" or (obj_type is None and run_key in value)):
        return value.get(run_key)
    if obj_type in (None, own_object):
        return value.get("id")
    return value.get(run_key) if run_key else None
