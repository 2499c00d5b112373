"""The access check: may this actor do this action to this resource, and if not, why."""

from __future__ import annotations

import enum

import attrs

from omnicx._frozen import frozen_set_or_none
from omnicx.errors import OmnicxError
from omnicx.privacy._roles import CONVERSATION_ACTIONS, Action, Role


class ResourceKind(enum.Enum):
    """What an action is done to."""

    CONVERSATION = "conversation"
    CUSTOMER = "customer"
    RULES = "rules"


# Which actions make sense on which kind of resource.
APPLICABLE: dict[ResourceKind, frozenset[Action]] = {
    ResourceKind.CONVERSATION: CONVERSATION_ACTIONS,
    ResourceKind.CUSTOMER: frozenset(
        {
            Action.VIEW,
            Action.EXPORT,
            Action.ERASE,
            Action.MERGE,
            Action.UNMERGE,
            Action.EDIT_CUSTOMER,
        }
    ),
    ResourceKind.RULES: frozenset({Action.VIEW, Action.EDIT_RULES}),
}


@attrs.frozen(kw_only=True)
class Resource:
    """The thing acted on: its kind, its id and, for a conversation, its queue.

    A resource with a ``queue`` is only visible to actors who see that queue.
    """

    kind: ResourceKind
    id: str
    queue: str | None = None

    @classmethod
    def conversation(cls, id: str, queue: str | None = None) -> Resource:
        """A conversation, in ``queue`` if it is routed to one."""
        return cls(kind=ResourceKind.CONVERSATION, id=id, queue=queue)

    @classmethod
    def customer(cls, id: str) -> Resource:
        """A customer profile."""
        return cls(kind=ResourceKind.CUSTOMER, id=id)

    @classmethod
    def rules(cls, id: str = "rules") -> Resource:
        """A rule set."""
        return cls(kind=ResourceKind.RULES, id=id)


@attrs.frozen(kw_only=True)
class Actor:
    """Who acts: an id, a role and, if limited, the queues they can see.

    ``queues=None`` sees every queue; a set limits the actor to those queues.
    """

    id: str
    role: Role
    queues: frozenset[str] | None = attrs.field(default=None, converter=frozen_set_or_none)


class Permission(enum.Enum):
    """The outcome of :func:`can`: allowed, or why not."""

    ALLOWED = "allowed"
    NOT_APPLICABLE = "not_applicable"
    """The action does not apply to this kind of resource (reply to a customer)."""
    ROLE_LACKS_ACTION = "role_lacks_action"
    """The actor's role does not include the action."""
    QUEUE_NOT_VISIBLE = "queue_not_visible"
    """The resource sits in a queue the actor cannot see."""

    @property
    def allowed(self) -> bool:
        """Whether this outcome permits the action."""
        return self is Permission.ALLOWED


def can(actor: Actor, action: Action, resource: Resource) -> Permission:
    """Whether ``actor`` may do ``action`` to ``resource``, or the first reason not.

    Checked in this order: the action applies to the resource's kind, the
    role includes it, the resource's queue is visible to the actor. A queue
    the actor cannot see refuses every action, viewing included.
    """
    if action not in APPLICABLE[resource.kind]:
        return Permission.NOT_APPLICABLE
    if not actor.role.allows(action):
        return Permission.ROLE_LACKS_ACTION
    hidden = actor.queues is not None and resource.queue is not None
    if hidden and resource.queue not in (actor.queues or ()):
        return Permission.QUEUE_NOT_VISIBLE
    return Permission.ALLOWED


class PermissionDenied(OmnicxError):
    """An actor tried an action their role or queue visibility does not allow.

    Attributes:
        actor: the actor's id.
        action: what was tried.
        resource: what it was tried on.
        permission: why it was refused.
    """

    actor: str
    action: Action
    resource: Resource
    permission: Permission

    def __init__(self, actor: Actor, action: Action, resource: Resource, permission: Permission):
        self.actor = actor.id
        self.action = action
        self.resource = resource
        self.permission = permission
        reasons = {
            Permission.NOT_APPLICABLE: f"{action.value} does not apply to a {resource.kind.value}",
            Permission.ROLE_LACKS_ACTION: f"role {actor.role.name} does not allow {action.value}",
            Permission.QUEUE_NOT_VISIBLE: f"queue {resource.queue!r} is not visible to them",
        }
        super().__init__(
            f"actor {actor.id!r} may not {action.value} {resource.kind.value} "
            f"{resource.id!r}: {reasons[permission]}"
        )


def require(actor: Actor, action: Action, resource: Resource) -> None:
    """Like :func:`can`, but raise :class:`PermissionDenied` unless allowed."""
    permission = can(actor, action, resource)
    if not permission.allowed:
        raise PermissionDenied(actor, action, resource, permission)
