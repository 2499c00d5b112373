"""Field rules: how observations fold into a profile and how two profiles merge."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.identity._records import Observation, Profile
from omnicx.model import Identifier


class FieldRule(enum.Enum):
    """How a profile attribute is combined when two profiles merge."""

    UNION = "union"
    """Lists: the survivor's items, then the absorbed one's new items."""
    SUM = "sum"
    """Counts and amounts: added."""
    MIN = "min"
    """The earliest / smallest (``first_order_at``)."""
    MAX = "max"
    """The latest / largest (``last_order_at``)."""
    SURVIVOR = "survivor"
    """The survivor's value; the absorbed one's only where the survivor has none."""


@attrs.frozen(kw_only=True)
class MergeRules:
    """The merge field rules for profile attributes.

    Fixed rules: ``created_at`` is the earliest, ``last_seen_at`` the latest,
    identifiers, names, addresses and observation ids are unioned. For
    attributes, ``fields`` names a rule per attribute; an attribute not named
    is unioned when both values are lists, summed when both are numbers and
    its name ends in ``_count``, the earliest for ``first_*`` and the latest
    for ``last_*`` (when both values compare), and otherwise the survivor
    wins.

    Example: ``MergeRules(fields={"order_count": FieldRule.SUM,
    "last_order_at": FieldRule.MAX})``.
    """

    fields: Mapping[str, FieldRule] = attrs.field(default=EMPTY_MAP, converter=frozen_map)

    def rule_for(self, name: str, left: Any, right: Any) -> FieldRule:
        """Return the rule that combines ``left`` (survivor) and ``right``."""
        rule = self.fields.get(name)
        if rule is not None:
            return rule
        if isinstance(left, list | tuple) and isinstance(right, list | tuple):
            return FieldRule.UNION
        numbers = _is_number(left) and _is_number(right)
        # Naming conventions as the big helpdesks apply them: counters sum,
        # first_* keeps the earliest, last_* the latest.
        if numbers and name.endswith("_count"):
            return FieldRule.SUM
        if _comparable(left, right) and name.startswith("first_"):
            return FieldRule.MIN
        if _comparable(left, right) and name.startswith("last_"):
            return FieldRule.MAX
        return FieldRule.SURVIVOR


DEFAULT_RULES = MergeRules()
"""Merge rules with no per-attribute rule: the naming conventions of ``MergeRules`` apply."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _comparable(left: Any, right: Any) -> bool:
    return type(left) is type(right) and isinstance(left, int | float | str)


def union_identifiers(*groups: Iterable[Identifier]) -> tuple[Identifier, ...]:
    """Union identifiers by key; an identifier verified anywhere stays verified."""
    by_key: dict[str, Identifier] = {}
    for group in groups:
        for identifier in group:
            seen = by_key.get(identifier.key)
            if seen is None or (identifier.verified and not seen.verified):
                by_key[identifier.key] = identifier
    return tuple(by_key[key] for key in sorted(by_key))


def _union(left: Iterable[Any], right: Iterable[Any]) -> tuple[Any, ...]:
    out = list(left)
    for item in right:
        if item not in out:
            out.append(item)
    return tuple(out)


def new_profile(
    profile_id: str,
    observation: Observation,
    *,
    identifiers: tuple[Identifier, ...] | None = None,
) -> Profile:
    """Return a profile made from its first observation.

    ``identifiers``, if given, is ``union_identifiers(observation.identifiers)``
    already computed by the caller.
    """
    # What folding the observation into an empty profile gives, built at once.
    return Profile(
        id=profile_id,
        created_at=observation.at,
        last_seen_at=observation.at,
        identifiers=union_identifiers(observation.identifiers)
        if identifiers is None
        else identifiers,
        names=_with((), observation.name),
        addresses=_with((), observation.address),
        attributes=dict(observation.attributes),
        observed=1,
    )


def fold_observation(profile: Profile, observation: Observation) -> Profile:
    """Return ``profile`` with ``observation`` folded in.

    Identifiers, names and addresses are unioned; list attributes are
    unioned; any other attribute takes the observation's value unless the
    profile already saw a later observation (an attribute is a snapshot of
    its source, so folding the same observation twice changes nothing but
    ``observed``). ``observed`` counts one more: the caller attributes the
    observation to the profile (``resolve`` never folds an id it has seen).
    """
    identifiers = union_identifiers(profile.identifiers, observation.identifiers)
    return _folded(profile, observation, identifiers)


def fold_held(profile: Profile, observation: Observation) -> Profile:
    """:func:`fold_observation` when the profile already holds every identifier.

    "Holds" means the same key, verified if the observation's is: the
    identifiers then stay as they are, and are not unioned again when they
    are already in canonical order (sorted by key, one per key).
    """
    held = profile.identifiers
    if not _canonical(held):
        held = union_identifiers(held, observation.identifiers)
    return _folded(profile, observation, held)


def _canonical(identifiers: tuple[Identifier, ...]) -> bool:
    # What union_identifiers returns: strictly increasing keys.
    previous = ""
    for identifier in identifiers:
        key = identifier.key
        if key <= previous:
            return False
        previous = key
    return True


def _folded(
    profile: Profile, observation: Observation, identifiers: tuple[Identifier, ...]
) -> Profile:
    attributes = dict(profile.attributes)
    latest = observation.at >= profile.last_seen_at
    for name, value in observation.attributes.items():
        current = attributes.get(name)
        if isinstance(value, list | tuple) and isinstance(current, list | tuple):
            attributes[name] = list(_union(current, value))
        elif latest or name not in attributes:
            attributes[name] = value
    # Every Profile field, built directly: attrs.evolve costs more than the fold.
    return Profile(
        id=profile.id,
        created_at=min(profile.created_at, observation.at),
        last_seen_at=max(profile.last_seen_at, observation.at),
        identifiers=identifiers,
        names=_with(profile.names, observation.name),
        addresses=_with(profile.addresses, observation.address),
        attributes=attributes,
        observed=profile.observed + 1,
        merge_ids=profile.merge_ids,
        merged_into=profile.merged_into,
    )


def _with(items: tuple[str, ...], item: str | None) -> tuple[str, ...]:
    """``items`` with ``item`` appended if given and new (``_union`` of one item)."""
    items = tuple(items)
    return (*items, item) if item and item not in items else items


def merge_profiles(
    survivor: Profile, absorbed: Profile, rules: MergeRules = DEFAULT_RULES
) -> Profile:
    """Return the survivor with ``absorbed`` merged in by ``rules``."""
    attributes = dict(survivor.attributes)
    for name, value in absorbed.attributes.items():
        if name not in attributes:
            attributes[name] = value
            continue
        current = attributes[name]
        rule = rules.rule_for(name, current, value)
        if rule is FieldRule.UNION:
            attributes[name] = list(_union(_as_list(current), _as_list(value)))
        elif rule is FieldRule.SUM:
            attributes[name] = current + value
        elif rule is FieldRule.MIN:
            attributes[name] = min(current, value)
        elif rule is FieldRule.MAX:
            attributes[name] = max(current, value)
        elif current is None:
            attributes[name] = value
    return attrs.evolve(
        survivor,
        created_at=min(survivor.created_at, absorbed.created_at),
        last_seen_at=max(survivor.last_seen_at, absorbed.last_seen_at),
        identifiers=union_identifiers(survivor.identifiers, absorbed.identifiers),
        names=_union(survivor.names, absorbed.names),
        addresses=_union(survivor.addresses, absorbed.addresses),
        attributes=attributes,
    )


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]
