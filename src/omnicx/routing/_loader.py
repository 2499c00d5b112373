"""Load rule files from JSON, TOML or YAML text; nothing in a rule file executes code."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from omnicx.errors import ValidationError
from omnicx.routing._conditions import Known
from omnicx.routing._rules import RuleSet, parse_rule_set

__all__ = ["load_rules", "parse_document"]

FORMATS = ("json", "toml", "yaml")


def parse_document(text: str, format: str) -> Any:
    """Parse ``text`` as ``format`` ("json", "toml" or "yaml") into plain data.

    YAML uses ``yaml.safe_load``, which builds only plain values, never objects.

    Raises:
        ValidationError: if the text does not parse, nests too deeply for the
            parser, or YAML is asked for without PyYAML installed.
    """
    try:
        return _parse(text, format)
    except RecursionError:
        raise ValidationError.single(
            "", f"invalid {format.upper()}: nested too deeply to read; flatten the document"
        ) from None


def _parse(text: str, format: str) -> Any:
    if format == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError.single(
                "", f"invalid JSON: {error.msg} at line {error.lineno}"
            ) from None
    if format == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValidationError.single("", f"invalid TOML: {error}") from None
    if format == "yaml":
        try:
            import yaml
        except ImportError:  # pragma: no cover - PyYAML is in the test environment
            raise ValidationError.single(
                "", "YAML rule files need PyYAML: install omnicx[yaml]"
            ) from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ValidationError.single("", f"invalid YAML{where}") from None
    raise ValidationError.single("", f"unknown format {format!r}; use one of {', '.join(FORMATS)}")


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return "yaml" if suffix == "yml" else suffix


def load_rules(
    source: Mapping[str, Any] | str | Path,
    *,
    format: str | None = None,
    calendars: Iterable[str] | None = None,
    queues: Iterable[str] | None = None,
    sla_policies: Iterable[str] | None = None,
    channels: Iterable[str] = (),
) -> RuleSet:
    """Load and validate a rule set from a mapping, a file path, or text.

    A ``str`` is text in ``format``; a ``Path`` is read and its format taken
    from the suffix (.json, .toml, .yaml/.yml) unless ``format`` is given.
    Names passed in ``calendars``, ``queues`` and ``sla_policies`` are checked:
    a rule naming anything else is an error. The file may declare the same
    lists itself (top-level ``queues``, ``calendars``, ``sla_policies``); its
    names must then be among the host's, and its rules among its own.
    ``channels`` (here or in the file) names the host's own channels, allowed
    next to the well-known ones in channel conditions.

    Raises:
        ValidationError: with every problem found, each with its path.
    """
    if isinstance(source, Path):
        data = parse_document(source.read_text(encoding="utf-8"), format or _format_of(source))
    elif isinstance(source, str):
        data = parse_document(source, format or "json")
    else:
        data = source
    known = Known(
        calendars=None if calendars is None else frozenset(calendars),
        queues=None if queues is None else frozenset(queues),
        sla_policies=None if sla_policies is None else frozenset(sla_policies),
        channels=frozenset(channels),
    )
    return parse_rule_set(data, known)
