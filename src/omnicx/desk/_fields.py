"""Custom conversation fields: a declared schema, and the checks values must pass.

A schema names each field and its type (string, int, float, bool, or a
choice among allowed strings). Rules' ``set_fields`` are checked against it
when the desk is built, agents' ``Desk.set_fields`` on every call. Without a
schema any JSON scalar is allowed.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from omnicx._frozen import frozen_map, frozen_set
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import FieldValue
from omnicx.model._checks import non_empty
from omnicx.routing._loader import parse_document

_SPEC_KEYS = ("type", "choices", "description")


class FieldType(enum.Enum):
    """What a custom field holds."""

    STRING = "string"
    """Any text."""
    INT = "int"
    """A whole number (not a boolean)."""
    FLOAT = "float"
    """A finite number; a whole number is accepted as it is."""
    BOOL = "bool"
    """True or false."""
    CHOICE = "choice"
    """One of the spec's ``choices``."""


_TYPES = [t.value for t in FieldType]


def _scalar_problem(value: object) -> str | None:
    # What every field value must be, with or without a schema.
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if value is None or isinstance(value, str | int | float | bool):
        return None
    return f"expected a string, number, boolean or null, got {type(value).__name__}"


@attrs.frozen(kw_only=True)
class FieldSpec:
    """One declared custom field: its name, type and, for a choice, the allowed values."""

    name: str = attrs.field(validator=non_empty)
    type: FieldType
    choices: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if self.type is FieldType.CHOICE and not self.choices:
            raise ValidationError.single(
                "choices", "a choice field needs choices: list its allowed values"
            )
        if self.type is not FieldType.CHOICE and self.choices:
            raise ValidationError.single(
                "choices",
                f"a {self.type.value} field takes no choices: drop them or use type 'choice'",
            )

    def problem(self, value: object) -> str | None:
        """Why ``value`` does not fit this field, or None when it does (None always fits)."""
        if value is None:
            return None
        kind, got = self.type, type(value).__name__
        if kind is FieldType.STRING and not isinstance(value, str):
            return f"expected a string, got {got}"
        if kind is FieldType.INT and (isinstance(value, bool) or not isinstance(value, int)):
            return f"expected a whole number, got {got}"
        if kind is FieldType.FLOAT:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"expected a number, got {got}"
            if not math.isfinite(value):
                return f"{value!r} is not a finite number"
        if kind is FieldType.BOOL and not isinstance(value, bool):
            return f"expected true or false, got {got}"
        if kind is FieldType.CHOICE and value not in self.choices:
            allowed = sorted(self.choices)
            hint = suggest(value, allowed) if isinstance(value, str) else ""
            return f"{value!r} is not one of {', '.join(allowed)}{hint}"
        return None


@attrs.frozen
class FieldSchema:
    """The custom fields a desk's conversations may carry, by name.

    Build one from ``FieldSpec`` values, or from data with ``from_data`` /
    ``load`` (``{"plan": {"type": "choice", "choices": ["free", "pro"]},
    "order_total": "float"}``).
    """

    specs: Mapping[str, FieldSpec] = attrs.field(converter=frozen_map)

    def __attrs_post_init__(self) -> None:
        wrong = [
            Problem(str(key), f"keyed {key!r} but named {spec.name!r}; key each spec by its name")
            for key, spec in self.specs.items()
            if key != spec.name
        ]
        if wrong:
            raise ValidationError(wrong)

    @classmethod
    def of(cls, *specs: FieldSpec) -> FieldSchema:
        """A schema of these specs; a name given twice is refused."""
        seen: dict[str, FieldSpec] = {}
        problems = []
        for i, spec in enumerate(specs):
            if spec.name in seen:
                problems.append(Problem(f"[{i}].name", f"field {spec.name!r} is declared twice"))
            seen.setdefault(spec.name, spec)
        if problems:
            raise ValidationError(problems)
        return cls(seen)

    @classmethod
    def from_data(cls, raw: Any) -> FieldSchema:
        """A schema from plain data: field name -> type name, or ``{type, choices, description}``.

        Raises:
            ValidationError: every problem, each with its path (``plan.choices``).
        """
        if not isinstance(raw, Mapping):
            raise ValidationError.single("", "expected an object mapping field names to types")
        problems: list[Problem] = []
        specs = [spec for name, item in raw.items() if (spec := _spec(name, item, problems))]
        if problems:
            raise ValidationError(problems)
        return cls({spec.name: spec for spec in specs})

    @classmethod
    def load(
        cls, source: Mapping[str, Any] | str | Path, *, format: str | None = None
    ) -> FieldSchema:
        """``from_data`` over a mapping, JSON/TOML/YAML text (``format``, default JSON) or a file."""
        if isinstance(source, Path):
            suffix = source.suffix.lower().lstrip(".")
            fmt = format or ("yaml" if suffix == "yml" else suffix)
            return cls.from_data(parse_document(source.read_text(encoding="utf-8"), fmt))
        if isinstance(source, str):
            return cls.from_data(parse_document(source, format or "json"))
        return cls.from_data(source)

    def problems(self, values: Mapping[str, Any], where: str = "") -> list[Problem]:
        """Every problem with ``values`` (name -> value), each at ``<where>.<name>``."""
        found = []
        for name, value in values.items():
            path = f"{where}.{name}" if where else str(name)
            spec = self.specs.get(name)
            if spec is None:
                found.append(
                    Problem(path, f"unknown field {name!r}{suggest(str(name), sorted(self.specs))}; "
                            "declare it in the desk's field schema")
                )  # fmt: skip
            elif (why := spec.problem(value)) is not None:
                found.append(Problem(path, why))
        return found


def field_problems(
    values: Mapping[str, Any], schema: FieldSchema | None, where: str = "fields"
) -> list[Problem]:
    """Every problem with ``values``: each must fit ``schema`` or, without one, be a JSON scalar."""
    problems = [
        Problem(f"{where}.{name}" if isinstance(name, str) and name else where,
                why or "field names must be non-empty strings")
        for name, value in values.items()
        if (why := _scalar_problem(value)) is not None or not isinstance(name, str) or not name
    ]  # fmt: skip
    if not problems and schema is not None:
        problems = schema.problems(values, where)
    return problems


def checked_fields(
    values: Mapping[str, Any], schema: FieldSchema | None, where: str = "fields"
) -> dict[str, FieldValue]:
    """``values`` as a plain dict once every one fits ``schema`` (or, without one, is a scalar).

    Raises:
        ValidationError: every problem, each at ``<where>.<name>``.
    """
    if not isinstance(values, Mapping):
        raise ValidationError.single(where, "expected an object of field name -> value")
    problems = field_problems(values, schema, where)
    if problems:
        raise ValidationError(problems)
    return dict(values)


def _spec(name: Any, item: Any, problems: list[Problem]) -> FieldSpec | None:
    path = str(name)
    if not isinstance(name, str) or not name:
        problems.append(Problem(path, "field names must be non-empty strings"))
        return None
    if isinstance(item, str):
        item = {"type": item}
    if not isinstance(item, Mapping):
        problems.append(Problem(path, f"expected a type name ({', '.join(_TYPES)}) or an object"))
        return None
    before = len(problems)
    problems.extend(
        Problem(f"{path}.{k}", f"unknown key{suggest(str(k), _SPEC_KEYS)}")
        for k in item
        if k not in _SPEC_KEYS
    )
    kind = item.get("type")
    if kind not in _TYPES:
        hint = suggest(str(kind), _TYPES) if isinstance(kind, str) else ""
        problems.append(
            Problem(f"{path}.type", f"unknown type {kind!r}{hint}; use one of {', '.join(_TYPES)}")
        )
    choices = item.get("choices", [])
    if not isinstance(choices, list) or not all(isinstance(c, str) and c for c in choices):
        problems.append(Problem(f"{path}.choices", "expected a list of non-empty strings"))
        choices = []
    description = item.get("description", "")
    if not isinstance(description, str):
        problems.append(Problem(f"{path}.description", "expected a string"))
    if len(problems) > before:
        return None
    try:
        return FieldSpec(name=name, type=FieldType(kind), choices=choices, description=description)
    except ValidationError as error:
        problems.extend(error.under(path).problems)
        return None
