"""Macros: canned replies with placeholders, and the conversation changes they make.

A placeholder is ``{{ customer.name }}``, or ``{{ customer.first_name | there }}``
with a fallback. Rendering is one pass of plain substitution: no expression,
attribute lookup or format spec ever runs, and a value that itself looks like
a placeholder is sent as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_seq, frozen_set
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import Status
from omnicx.model._checks import non_empty

__all__ = [
    "NAMESPACES",
    "Macro",
    "Rendered",
    "parse_macros",
    "render_macro",
    "render_template",
    "template_problems",
]

NAMESPACES = ("agent", "conversation", "customer", "order")
"""What a placeholder may name before its dot."""

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*(?:\|([^{}]*))?\}\}")
_KEYS = ("id", "title", "text", "public", "status", "add_tags", "remove_tags", "fields")


def _template(_instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    problems = template_problems(value)
    if problems:
        raise ValidationError(p.under(attribute.name) for p in problems)


@attrs.frozen(kw_only=True)
class Macro:
    """One canned reply and the changes that go with it, applied as one agent action.

    ``text`` is the reply (empty: the macro only changes the conversation);
    ``public=False`` makes it an internal note. ``status``, ``add_tags``,
    ``remove_tags`` and ``fields`` change the conversation in the same action.
    """

    id: str = attrs.field(validator=non_empty)
    title: str = ""
    text: str = attrs.field(default="", validator=_template)
    public: bool = True
    status: Status | None = None
    add_tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    remove_tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    fields: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every ``namespace.name`` the text uses, in order of first use."""
        seen = dict.fromkeys(f"{m[1]}.{m[2]}" for m in _PLACEHOLDER.finditer(self.text))
        return tuple(seen)


@attrs.frozen(kw_only=True)
class Rendered:
    """A macro's text with its values filled in, and the placeholders that had none.

    A missing value with no fallback leaves the placeholder in ``text`` as
    written, so a reply is never sent with a silent hole: check ``missing``.
    """

    text: str
    missing: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)

    @property
    def complete(self) -> bool:
        """True when every placeholder had a value or a fallback."""
        return not self.missing


def template_problems(text: str) -> list[Problem]:
    """Return what is wrong with a template's placeholders (an empty list when nothing)."""
    problems = []
    for match in _PLACEHOLDER.finditer(text):
        if match[1] not in NAMESPACES:
            hint = suggest(match[1], NAMESPACES)
            problems.append(
                Problem("", f"unknown placeholder {match[0]!r}{hint}; "
                            f"placeholders start with {', '.join(NAMESPACES)}")
            )  # fmt: skip
    rest = _PLACEHOLDER.sub("", text)
    if "{{" in rest or "}}" in rest:
        problems.append(
            Problem("", "a '{{' or '}}' that is no placeholder; write {{ customer.name }}")
        )
    return problems


def render_macro(macro: Macro, values: Mapping[str, Mapping[str, object]]) -> Rendered:
    """Fill ``macro.text`` from ``values`` (``{"customer": {"name": "Ana"}, ...}``).

    A value of None or "" counts as missing: the fallback is used, or the
    placeholder is reported in ``Rendered.missing``.
    """
    return render_template(macro.text, values)


def render_template(text: str, values: Mapping[str, Mapping[str, object]]) -> Rendered:
    """Fill a template's placeholders from ``values``, as ``render_macro`` does a macro's.

    ``text`` should have passed ``template_problems`` (a rule's auto-reply
    text does when its file loads); a malformed placeholder is left as written.
    """
    missing: dict[str, None] = {}

    def fill(match: re.Match[str]) -> str:
        value = values.get(match[1], {}).get(match[2])
        if value is not None and value != "":
            return str(value)
        if match[3] is not None:
            return match[3].strip()
        missing[f"{match[1]}.{match[2]}"] = None
        return match[0]

    return Rendered(text=_PLACEHOLDER.sub(fill, text), missing=tuple(missing))


def parse_macros(data: Any) -> tuple[Macro, ...]:
    """Validate plain data (``{"macros": [...]}`` or a list) into macros.

    Raises:
        ValidationError: with every problem found, each with its path
            (``macros[2].status: unknown status 'slved' (did you mean 'solved'?)``).
    """
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"macros"})
        if unknown:
            raise ValidationError.single(
                str(unknown[0]), "unknown key; a macro file has only 'macros'"
            )
        data = data.get("macros", [])
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        raise ValidationError.single("macros", "must be a list of macros")
    problems: list[Problem] = []
    macros: list[Macro] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        path = f"macros[{index}]"
        try:
            macro = _parse_macro(item)
        except ValidationError as error:
            problems.extend(error.under(path).problems)
            continue
        if macro.id in seen:
            problems.append(
                Problem(f"{path}.id", f"{macro.id!r} is already macros[{seen[macro.id]}]")
            )
            continue
        seen[macro.id] = index
        macros.append(macro)
    if problems:
        raise ValidationError(problems)
    return tuple(macros)


def _parse_macro(item: Any) -> Macro:
    if not isinstance(item, Mapping):
        raise ValidationError.single("", "a macro must be a mapping of its fields")
    problems = [
        Problem(str(key), f"unknown field{suggest(str(key), _KEYS)}")
        for key in item
        if key not in _KEYS
    ]
    values: dict[str, Any] = {}
    for name in ("id", "title", "text"):
        value = item.get(name, None if name == "id" else "")
        if not isinstance(value, str) or (name == "id" and not value.strip()):
            problems.append(
                Problem(name, "must be non-empty text" if name == "id" else "must be text")
            )
        else:
            values[name] = value
    if "text" in values:
        problems.extend(p.under("text") for p in template_problems(values["text"]))
    public = item.get("public", True)
    if not isinstance(public, bool):
        problems.append(Problem("public", "must be true or false"))
    values["public"] = public
    status = item.get("status")
    if status is not None:
        names = [s.value for s in Status]
        if status not in names:
            problems.append(
                Problem("status", f"unknown status {status!r}{suggest(str(status), names)}")
            )
        else:
            values["status"] = Status(status)
    for name in ("add_tags", "remove_tags"):
        tags = item.get(name, [])
        if (
            not isinstance(tags, Sequence)
            or isinstance(tags, str)
            or not all(isinstance(t, str) and t.strip() for t in tags)
        ):
            problems.append(Problem(name, "must be a list of tag names"))
        else:
            values[name] = tags
    fields = item.get("fields", {})
    if not isinstance(fields, Mapping):
        problems.append(Problem("fields", "must map field names to values"))
    else:
        values["fields"] = fields
    if problems:
        raise ValidationError(problems)
    return Macro(**values)
