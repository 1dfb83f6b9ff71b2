# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of option values against the limits the API states, made before any
request: plain Python."""

from __future__ import annotations

import math
from typing import Any, Optional

from ._errors import InvalidInput

MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
MAX_TOOLS = 20
BUILTIN_TOOLS = ("code_interpreter", "file_search")


def check_number(name: str, value: Any, minimum: Optional[float] = 0, maximum: Optional[float] = None) -> float:
    """A finite number within [minimum, maximum]; nan, inf and (by default)
    negatives are refused with one line that names the option."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidInput(f"{name} must be at least {minimum:g}, got {value:g}")
    if maximum is not None and value > maximum:
        raise InvalidInput(f"{name} must be at most {maximum:g}, got {value:g}")
    return value


def check_metadata(metadata: Any, option: str = "metadata") -> dict[str, str]:
    if not isinstance(metadata, dict):
        raise InvalidInput(f"{option} must be a dict of strings, got {type(metadata).__name__}")
    if len(metadata) > MAX_METADATA_PAIRS:
        raise InvalidInput(f"{option} has {len(metadata)} pairs; the API allows at most {MAX_METADATA_PAIRS}")
    scalars = {}
    for key, value in metadata.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (int, float)) and math.isfinite(value):
            # Templates deliver numbers as numbers; the API stores strings.
            value = str(value)
        scalars[key] = value
        if not isinstance(key, str) or not key:
            raise InvalidInput(f"{option} keys must be non-empty strings, got {key!r}")
        if len(key) > MAX_METADATA_KEY:
            raise InvalidInput(
                f"{option} key {key[:20]!r}... is {len(key)} characters; the API allows at most {MAX_METADATA_KEY}"
            )
        if not isinstance(value, str):
            raise InvalidInput(
                f"{option} value of {key!r} is a {type(value).__name__}; give a string, number or boolean "
                f"(for a list or dict, pass it through the to_json filter)"
            )
        if len(value) > MAX_METADATA_VALUE:
            raise InvalidInput(
                f"{option} value of {key!r} is {len(value)} characters; the API allows at most {MAX_METADATA_VALUE}"
            )
    return scalars


def check_tool(tool: Any, where: str) -> dict[str, Any]:
    if not isinstance(tool, dict):
        raise InvalidInput(f"{where} must be a dict such as {{type: code_interpreter}}, got {type(tool).__name__}")
    kind = tool.get("type")
    if not isinstance(kind, str) or not kind:
        raise InvalidInput(f"{where} has no 'type'; use code_interpreter, file_search or function")
    if kind == "function":
        function = tool.get("function")
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
            raise InvalidInput(f"{where} is a function tool without function.name")
    return tool


def merge_tools(
    tools: list[Any],
    flags: dict[str, bool | None],
    option: str = "tools",
) -> list[dict[str, Any]]:
    """The union of `tools` and the built-in tool flags, without duplicates.

    A flag set to true adds that built-in tool, set to false removes it, and
    left unset (None) changes nothing.
    """
    merged: list[dict[str, Any]] = []
    for index, tool in enumerate(tools):
        tool = check_tool(tool, f"{option}[{index}]")
        if tool in merged:
            continue
        if tool["type"] in BUILTIN_TOOLS and any(t["type"] == tool["type"] for t in merged):
            continue
        merged.append(tool)
    for kind, enabled in flags.items():
        if enabled is False:
            merged = [t for t in merged if t["type"] != kind]
        elif enabled and not any(t["type"] == kind for t in merged):
            merged.append({"type": kind})
    if len(merged) > MAX_TOOLS:
        raise InvalidInput(f"{option} holds {len(merged)} tools; the API allows at most {MAX_TOOLS}")
    return merged
