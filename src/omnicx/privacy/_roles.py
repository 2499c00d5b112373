"""Roles: named sets of actions, the four built-in ones and custom roles from data."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from omnicx._frozen import frozen_set
from omnicx.errors import Problem, ValidationError, suggest


class Action(enum.Enum):
    """Something an actor does to a conversation, a customer or the rules."""

    VIEW = "view"
    REPLY = "reply"
    NOTE = "note"
    ASSIGN = "assign"
    CHANGE_STATUS = "change_status"
    CHANGE_PRIORITY = "change_priority"
    TAG = "tag"
    EDIT_FIELDS = "edit_fields"
    """Set a conversation's custom fields (``Desk.set_fields``)."""
    EDIT_CUSTOMER = "edit_customer"
    EXPORT = "export"
    ERASE = "erase"
    EDIT_RULES = "edit_rules"
    MERGE = "merge"
    UNMERGE = "unmerge"


@attrs.frozen(kw_only=True)
class Role:
    """A named set of allowed actions; anything not listed is refused."""

    name: str
    actions: frozenset[Action] = attrs.field(default=frozenset(), converter=frozen_set)

    def allows(self, action: Action) -> bool:
        """Whether this role includes ``action``."""
        return action in self.actions


CONVERSATION_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.REPLY,
        Action.NOTE,
        Action.ASSIGN,
        Action.CHANGE_STATUS,
        Action.CHANGE_PRIORITY,
        Action.TAG,
        Action.EDIT_FIELDS,
    }
)
"""Everything done to a conversation; agents may do all of it."""

_AGENT = CONVERSATION_ACTIONS | {Action.EDIT_CUSTOMER}
# As the big helpdesks ship them: a light/read-only seat sees but never writes
# to the customer; agents work conversations; leads also merge, unmerge and
# export; only admins erase people and change the rules.
BUILTIN_ROLES: Mapping[str, Role] = {
    "read_only": Role(name="read_only", actions=frozenset({Action.VIEW})),
    "agent": Role(name="agent", actions=_AGENT),
    "lead": Role(name="lead", actions=_AGENT | {Action.MERGE, Action.UNMERGE, Action.EXPORT}),
    "admin": Role(name="admin", actions=frozenset(Action)),
}
"""The built-in roles by name: read_only, agent, lead, admin."""

_ACTIONS = [a.value for a in Action]
_ROLE_KEYS = ("extends", "allow", "deny")


def load_roles(data: Mapping[str, Any]) -> dict[str, Role]:
    """Load custom roles from data, next to the built-in ones.

    Shape: ``{"billing": {"extends": "agent", "allow": ["export"], "deny":
    ["assign"]}}``. ``extends`` names a built-in role (default: no actions);
    ``allow`` adds actions, ``deny`` removes them. A custom role may not reuse
    a built-in name. Every problem is reported with its path.

    Returns:
        Every role by name: the built-in ones and the custom ones.
    """
    if not isinstance(data, Mapping):
        raise ValidationError.single("", "must map role names to role definitions")
    roles = dict(BUILTIN_ROLES)
    problems: list[Problem] = []
    for name, spec in data.items():
        path = str(name)
        if name in BUILTIN_ROLES:
            problems.append(Problem(path, f"{name!r} is a built-in role"))
            continue
        if not isinstance(spec, Mapping):
            problems.append(Problem(path, "must be a mapping"))
            continue
        try:
            roles[name] = _load_role(str(name), spec)
        except ValidationError as error:
            problems += error.under(path).problems
    if problems:
        raise ValidationError(problems)
    return roles


def _load_role(name: str, spec: Mapping[str, Any]) -> Role:
    problems = [
        Problem(str(k), f"unknown key{suggest(str(k), _ROLE_KEYS)}")
        for k in spec
        if k not in _ROLE_KEYS
    ]
    base: frozenset[Action] = frozenset()
    extends = spec.get("extends")
    if extends is not None:
        if extends in BUILTIN_ROLES:
            base = BUILTIN_ROLES[extends].actions
        else:
            hint = suggest(str(extends), list(BUILTIN_ROLES))
            problems.append(Problem("extends", f"unknown role {extends!r}{hint}"))
    allow = _actions(spec.get("allow", []), "allow", problems)
    deny = _actions(spec.get("deny", []), "deny", problems)
    if problems:
        raise ValidationError(problems)
    return Role(name=name, actions=(base | allow) - deny)


def _actions(raw: Any, key: str, problems: list[Problem]) -> frozenset[Action]:
    if not isinstance(raw, list):
        problems.append(Problem(key, "must be a list of actions"))
        return frozenset()
    found = set()
    for index, value in enumerate(raw):
        if value in _ACTIONS:
            found.add(Action(value))
        else:
            hint = suggest(str(value), _ACTIONS)
            problems.append(Problem(f"{key}[{index}]", f"unknown action {value!r}{hint}"))
    return frozenset(found)
