"""A JSON Schema (draft 2020-12) of the rule file, for editors to complete and check."""

from __future__ import annotations

from typing import Any

from omnicx.routing._auto_reply import MAX_OFFERED
from omnicx.routing._conditions import OPERATORS
from omnicx.routing._context import FIELDS, known_paths
from omnicx.routing._rules import PRIORITIES, Mode

__all__ = ["rule_file_schema"]

_DECLARATIONS = {
    "queues": "the queues rules may name; any other is an error",
    "calendars": "the business calendars rules may name",
    "sla_policies": "the SLA policies rules may name",
    "channels": "the host's own channels, allowed next to the well-known ones",
}
_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_SCALAR = {"type": ["string", "number", "boolean", "null"]}


def _condition_defs() -> dict[str, Any]:
    field_pattern = (
        "^(" + "|".join(p.replace(".", "\\.").replace("*", ".+") for p in known_paths()) + ")$"
    )
    field = {"type": "string", "pattern": field_pattern, "examples": sorted(FIELDS)}
    leaf_ops = [op for op in OPERATORS if op not in ("changed", "in_business_hours")]
    return {
        "condition": {
            "oneOf": [
                {"$ref": "#/$defs/all"},
                {"$ref": "#/$defs/any"},
                {"$ref": "#/$defs/not"},
                {"$ref": "#/$defs/jsonlogic"},
                {"$ref": "#/$defs/compare"},
                {"$ref": "#/$defs/changed"},
                {"$ref": "#/$defs/in_business_hours"},
            ]
        },
        "all": _group("all"),
        "any": _group("any"),
        "not": {
            "type": "object",
            "properties": {"not": {"$ref": "#/$defs/condition"}},
            "required": ["not"],
            "additionalProperties": False,
        },
        "jsonlogic": {
            "type": "object",
            "description": "A JsonLogic rule (jsonlogic.com); var paths are field paths.",
            "properties": {"jsonlogic": {}},
            "required": ["jsonlogic"],
            "additionalProperties": False,
        },
        "compare": {
            "type": "object",
            "properties": {"field": field, "op": {"enum": leaf_ops}, "value": {}},
            "required": ["field", "op"],
            "additionalProperties": False,
        },
        "changed": {
            "type": "object",
            "properties": {
                "field": field,
                "op": {"const": "changed"},
                "from": _SCALAR,
                "to": _SCALAR,
            },
            "required": ["field", "op"],
            "additionalProperties": False,
        },
        "in_business_hours": {
            "type": "object",
            "properties": {
                "op": {"const": "in_business_hours"},
                "calendar": {"type": "string", "minLength": 1},
            },
            "required": ["op", "calendar"],
            "additionalProperties": False,
        },
    }


def _group(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            kind: {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}
        },
        "required": [kind],
        "additionalProperties": False,
    }


def rule_file_schema() -> dict[str, Any]:
    """Return the JSON Schema of a rule file as a plain dict (``json.dumps`` it)."""
    offer = {
        "type": "object",
        "properties": {
            "min_confidence": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_OFFERED},
            "tags": _STRINGS,
            "product": {"type": "string", "minLength": 1},
            "link": {"type": "string", "pattern": "\\{id\\}"},
        },
        "required": ["min_confidence"],
        "additionalProperties": False,
    }
    shapes: list[dict[str, Any]] = [
        {"type": "object", "properties": {"macro": {"type": "string", "minLength": 1}},
         "required": ["macro"]},
        {"type": "object", "properties": {"text": {"type": "string", "minLength": 1}},
         "required": ["text"]},
        {
            "type": "object",
            "properties": {
                "template": {"type": "string", "minLength": 1},
                "variables": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["template"],
        },
    ]  # fmt: skip
    plain_keys = {"macro": True, "text": True, "template": True, "variables": True}
    otherwise = {"oneOf": shapes, "propertyNames": {"enum": list(plain_keys)}}
    reply = {
        "oneOf": [
            {"type": "string", "minLength": 1},
            {
                "oneOf": shapes,
                "properties": {"articles": offer, "otherwise": otherwise},
                "propertyNames": {"enum": [*plain_keys, "articles", "otherwise"]},
            },
        ]
    }
    name = {"type": "string", "minLength": 1}
    actions = {
        "type": "object",
        "minProperties": 1,
        "properties": {
            "queue": name,
            "priority": {"enum": list(PRIORITIES)},
            "add_tags": _STRINGS,
            "remove_tags": _STRINGS,
            "skills": _STRINGS,
            "language": name,
            "sla_policy": name,
            "auto_reply": reply,
            "escalate": name,
            "notify": {"oneOf": [name, _STRINGS]},
            "set_fields": {"type": "object", "additionalProperties": _SCALAR},
            "bot": name,
            "handoff": {"type": "boolean"},
        },
        "additionalProperties": False,
    }
    rule = {
        "type": "object",
        "properties": {
            "id": name,
            "description": {"type": "string"},
            "enabled": {"type": "boolean", "default": True},
            "when": {"$ref": "#/$defs/condition"},
            "then": actions,
            "stop": {"type": "boolean", "default": False},
        },
        "required": ["id", "then"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://omnicx.dev/schemas/rules.json",
        "title": "omnicx routing rules",
        "type": "object",
        "properties": {
            "mode": {"enum": [m.value for m in Mode], "default": Mode.FIRST_MATCH.value},
            "rules": {"type": "array", "items": rule},
            **{
                key: {"type": "array", "items": name, "description": description}
                for key, description in _DECLARATIONS.items()
            },
        },
        "required": ["rules"],
        "additionalProperties": False,
        "$defs": _condition_defs(),
    }
