"""Checking an answer against the JSON schema we asked for, ourselves.

Structured output makes the model follow the schema, but a proxy behind `OPENAI_BASE_URL`, an
older model or a truncated answer may not: whatever comes back is checked again here, and any
problem means "no answer" (the caller falls back). Covers the subset strict mode accepts
(object/properties/required/additionalProperties, string, number, integer, boolean, array/items,
enum), plus `maxLength`/`maxItems`/`minimum`/`maximum`, which we check but never send (see `wire`).
"""

from __future__ import annotations

import copy
from typing import Any

# Keywords strict structured output may refuse; they stay in our copy and are checked here.
LOCAL_ONLY = frozenset({"maxLength", "minLength", "maxItems", "minItems", "minimum", "maximum"})


def wire(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as sent to the API: without the keywords only we check."""
    clean = copy.deepcopy(schema)

    def strip(node: Any) -> None:
        if isinstance(node, dict):
            for key in LOCAL_ONLY & node.keys():
                del node[key]
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    strip(clean)
    return clean


def problems(schema: dict[str, Any], value: Any, path: str = "$") -> list[str]:
    """What is wrong with `value` under `schema` (empty when it fits)."""
    found: list[str] = []
    kind = schema.get("type")
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} is not one of {schema['enum']!r}"]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{path}: missing {name!r}")
        if schema.get("additionalProperties") is False:
            for name in value.keys() - properties.keys():
                found.append(f"{path}: unexpected {name!r}")
        for name, sub in properties.items():
            if name in value:
                found.extend(problems(sub, value[name], f"{path}.{name}"))
    elif kind == "array":
        if not isinstance(value, list):
            return [f"{path}: expected an array"]
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{path}: more than {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            found.append(f"{path}: fewer than {schema['minItems']} items")
        for index, item in enumerate(value):
            found.extend(problems(schema.get("items", {}), item, f"{path}[{index}]"))
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string"]
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{path}: longer than {schema['maxLength']} characters")
        if "minLength" in schema and len(value.strip()) < schema["minLength"]:
            found.append(f"{path}: shorter than {schema['minLength']} characters")
    elif kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [f"{path}: expected a number"]
        if kind == "integer" and not float(value).is_integer():
            return [f"{path}: expected an integer"]
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{path}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{path}: above {schema['maximum']}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            return [f"{path}: expected true or false"]
    return found
