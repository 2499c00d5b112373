"""Roles and permissions: the built-in matrix, custom roles, queue visibility."""

from __future__ import annotations

from typing import Any

import pytest

from omnicx.errors import OmnicxError, ValidationError
from omnicx.privacy import (
    BUILTIN_ROLES,
    Action,
    Actor,
    Permission,
    PermissionDenied,
    Resource,
    ResourceKind,
    Role,
    can,
    load_roles,
    require,
)
from omnicx.privacy._access import APPLICABLE

A = Action
# The role matrix docs/privacy.md shows: what each built-in role may do.
AGENT = {
    A.VIEW,
    A.REPLY,
    A.NOTE,
    A.ASSIGN,
    A.CHANGE_STATUS,
    A.CHANGE_PRIORITY,
    A.TAG,
    A.EDIT_FIELDS,
    A.EDIT_CUSTOMER,
}
MATRIX = {
    "read_only": {A.VIEW},
    "agent": AGENT,
    "lead": AGENT | {A.MERGE, A.UNMERGE, A.EXPORT},
    "admin": set(Action),
}


def _resource_for(action: Action) -> Resource:
    kind = next(k for k in ResourceKind if action in APPLICABLE[k])
    return Resource(
        kind=kind, id="r1", queue="billing" if kind is ResourceKind.CONVERSATION else None
    )


REFUSED = [
    (role, action) for role, allowed in MATRIX.items() for action in Action if action not in allowed
]
# In Action's order, not the sets': every test process collects the same list.
ALLOWED = [
    (role, action) for role, allowed in MATRIX.items() for action in Action if action in allowed
]


def test_builtin_roles_are_the_matrix() -> None:
    """The shipped roles hold exactly the matrix's actions."""
    assert {name: set(role.actions) for name, role in BUILTIN_ROLES.items()} == MATRIX


@pytest.mark.parametrize(("role", "action"), REFUSED)
def test_every_refused_action_in_the_matrix_is_refused(role: str, action: Action) -> None:
    """A role without an action gets ROLE_LACKS_ACTION, and require raises naming both."""
    actor = Actor(id="a1", role=BUILTIN_ROLES[role])
    resource = _resource_for(action)
    assert can(actor, action, resource) is Permission.ROLE_LACKS_ACTION
    with pytest.raises(PermissionDenied) as info:
        require(actor, action, resource)
    assert str(info.value) == (
        f"actor 'a1' may not {action.value} {resource.kind.value} 'r1': "
        f"role {role} does not allow {action.value}"
    )
    assert (info.value.actor, info.value.action, info.value.resource) == ("a1", action, resource)
    assert info.value.permission is Permission.ROLE_LACKS_ACTION


@pytest.mark.parametrize(("role", "action"), ALLOWED)
def test_every_allowed_action_in_the_matrix_is_allowed(role: str, action: Action) -> None:
    """A role with an action is allowed it, and require returns quietly."""
    actor = Actor(id="a1", role=BUILTIN_ROLES[role])
    assert can(actor, action, _resource_for(action)) is Permission.ALLOWED
    require(actor, action, _resource_for(action))


def test_permission_denied_is_an_omnicx_error() -> None:
    """Hosts catching OmnicxError also catch refusals."""
    assert issubclass(PermissionDenied, OmnicxError)


def test_actions_that_do_not_apply_to_a_resource_kind() -> None:
    """Replying to a customer profile or erasing a conversation does not apply, even for admins."""
    admin = Actor(id="root", role=BUILTIN_ROLES["admin"])
    assert can(admin, A.REPLY, Resource.customer("p1")) is Permission.NOT_APPLICABLE
    assert can(admin, A.ERASE, Resource.conversation("c1")) is Permission.NOT_APPLICABLE
    with pytest.raises(PermissionDenied) as info:
        require(admin, A.EDIT_RULES, Resource.customer("p1"))
    assert str(info.value) == (
        "actor 'root' may not edit_rules customer 'p1': edit_rules does not apply to a customer"
    )
    assert can(admin, A.EDIT_RULES, Resource.rules()) is Permission.ALLOWED


def test_queue_restricted_actor_can_neither_view_nor_act_elsewhere() -> None:
    """An actor limited to some queues is refused every action on other queues' conversations."""
    actor = Actor(id="a2", role=BUILTIN_ROLES["lead"], queues=frozenset({"billing"}))
    for action in APPLICABLE[ResourceKind.CONVERSATION]:
        assert can(actor, action, Resource.conversation("c1", "billing")) is Permission.ALLOWED
        assert (
            can(actor, action, Resource.conversation("c2", "vip")) is Permission.QUEUE_NOT_VISIBLE
        )
    with pytest.raises(PermissionDenied) as info:
        require(actor, A.VIEW, Resource.conversation("c2", "vip"))
    assert (
        str(info.value)
        == "actor 'a2' may not view conversation 'c2': queue 'vip' is not visible to them"
    )


def test_queue_restrictions_leave_unqueued_resources_alone() -> None:
    """A conversation in no queue, and customers, are not limited by queue visibility."""
    actor = Actor(id="a2", role=BUILTIN_ROLES["lead"], queues=frozenset())
    assert can(actor, A.VIEW, Resource.conversation("c3")) is Permission.ALLOWED
    assert can(actor, A.EXPORT, Resource.customer("p1")) is Permission.ALLOWED


def test_the_role_is_checked_before_the_queue() -> None:
    """When both refuse, the role's refusal is the reason given."""
    actor = Actor(id="a3", role=BUILTIN_ROLES["read_only"], queues=frozenset({"billing"}))
    assert can(actor, A.REPLY, Resource.conversation("c2", "vip")) is Permission.ROLE_LACKS_ACTION


def test_custom_roles_extend_allow_and_deny() -> None:
    """A custom role starts from a built-in one, adds and removes actions, and is enforced."""
    roles = load_roles(
        {
            "billing": {"extends": "agent", "allow": ["export"], "deny": ["assign"]},
            "auditor": {"allow": ["view", "export"]},
        }
    )
    assert roles["billing"] == Role(
        name="billing", actions=frozenset((AGENT - {A.ASSIGN}) | {A.EXPORT})
    )
    assert roles["auditor"].actions == {A.VIEW, A.EXPORT}
    assert roles["admin"] is BUILTIN_ROLES["admin"]
    billing = Actor(id="b1", role=roles["billing"])
    assert can(billing, A.EXPORT, Resource.customer("p1")) is Permission.ALLOWED
    assert can(billing, A.ASSIGN, Resource.conversation("c1")) is Permission.ROLE_LACKS_ACTION
    with pytest.raises(PermissionDenied) as info:
        require(billing, A.ASSIGN, Resource.conversation("c1"))
    assert (
        str(info.value)
        == "actor 'b1' may not assign conversation 'c1': role billing does not allow assign"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must map role names to role definitions"),
        ({"agent": {}}, "agent: 'agent' is a built-in role"),
        ({"x": ["view"]}, "x: must be a mapping"),
        ({"x": {"extend": "agent"}}, "x.extend: unknown key (did you mean 'extends'?)"),
        ({"x": {"extends": "agnet"}}, "x.extends: unknown role 'agnet' (did you mean 'agent'?)"),
        ({"x": {"allow": "view"}}, "x.allow: must be a list of actions"),
        ({"x": {"deny": ["view", "exprot"]}}, "x.deny[1]: unknown action 'exprot' (did you mean 'export'?)"),
    ],
)  # fmt: skip
def test_bad_custom_roles_are_reported_with_their_path(data: Any, message: str) -> None:
    """Each mistake in a custom role names its path and what is wrong."""
    with pytest.raises(ValidationError) as info:
        load_roles(data)
    assert str(info.value) == message


def test_every_role_problem_is_reported_at_once() -> None:
    """Problems across several roles come back together."""
    with pytest.raises(ValidationError) as info:
        load_roles({"x": {"allow": ["fly"]}, "y": {"extends": "boss"}, "lead": {}})
    assert info.value.paths == ("x.allow[0]", "y.extends", "lead")
