"""The tables of ``DjangoStore``: everything ``omnicx.storage.DeskStore`` stores.

Every table is ``omnicx_*`` (the app label). Values are stored as JSON text
written by ``omnicx.serde`` in a ``data`` column; the other columns are
copies of what queries filter, sort or join on, written with the value in
the same transaction. Primary keys and unique constraints enforce the
store's invariants (one row per idempotency key, identifier link, thread
reference, conversation and event id); ``version`` columns carry the
optimistic concurrency of conversations, profiles, agents and waiting work.

Instants are whole microseconds since the Unix epoch (UTC): integers order
alike on every backend, whatever offset an instant was written with.
Change these models only by adding a migration (``makemigrations omnicx``).
"""

from __future__ import annotations

from django.db import models

# The tables are the store's own: hosts read and write them through
# ``DjangoStore`` (and see them in the admin); the classes change with migrations.
__all__: list[str] = []

ID_LENGTH = 255
"""The longest id (profiles, conversations, events, agents...)."""

KEY_LENGTH = 768
"""The longest key (identifier match keys, thread references, idempotency keys).

768 characters is the most a MySQL utf8mb4 index takes; SQLite and
PostgreSQL take any.
"""


class Counter(models.Model):
    """The last id handed out per kind (``next_id``)."""

    kind: models.CharField[str, str] = models.CharField(primary_key=True, max_length=ID_LENGTH)
    value: models.BigIntegerField[int, int] = models.BigIntegerField()

    class Meta:
        db_table = "omnicx_counter"


class Profile(models.Model):
    """A customer profile, live or a merge tombstone."""

    id: models.CharField[str, str] = models.CharField(primary_key=True, max_length=ID_LENGTH)
    version: models.IntegerField[int, int] = models.IntegerField()
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_profile"

    def __str__(self) -> str:
        return self.id


class Link(models.Model):
    """An identifier's match key and the profiles holding it (one row per key)."""

    key: models.CharField[str, str] = models.CharField(primary_key=True, max_length=KEY_LENGTH)
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_link"

    def __str__(self) -> str:
        return self.key


class Merge(models.Model):
    """A merge record (its before-images allow an unmerge)."""

    id: models.CharField[str, str] = models.CharField(primary_key=True, max_length=ID_LENGTH)
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_merge"

    def __str__(self) -> str:
        return self.id


class Observation(models.Model):
    """A recorded observation and the profile it was attributed to."""

    id: models.CharField[str, str] = models.CharField(primary_key=True, max_length=ID_LENGTH)
    profile_id: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH)
    data: models.TextField[str, str] = models.TextField()
    # The order rows were first stored in (kept when one is re-attributed):
    # a profile's observations are its rows in this order.
    seq: models.BigIntegerField[int, int] = models.BigIntegerField()

    class Meta:
        db_table = "omnicx_observation"
        indexes = (models.Index(fields=["profile_id", "seq"], name="omnicx_observation_profile"),)


class Conversation(models.Model):
    """A conversation record, with the columns the inbox, ``due`` and admin read."""

    id: models.CharField[str, str] = models.CharField(primary_key=True, max_length=ID_LENGTH)
    customer_id: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH)
    version: models.IntegerField[int, int] = models.IntegerField()
    data: models.TextField[str, str] = models.TextField()
    created_us: models.BigIntegerField[int, int] = models.BigIntegerField()
    updated_us: models.BigIntegerField[int, int] = models.BigIntegerField()
    due_us: models.BigIntegerField[int | None, int | None] = models.BigIntegerField(null=True)
    queue: models.CharField[str | None, str | None] = models.CharField(
        max_length=ID_LENGTH, null=True
    )
    status: models.CharField[str, str] = models.CharField(max_length=32)
    assignee: models.CharField[str | None, str | None] = models.CharField(
        max_length=ID_LENGTH, null=True
    )
    urgency: models.SmallIntegerField[int, int] = models.SmallIntegerField()
    channel: models.CharField[str, str] = models.CharField(max_length=32)
    bot: models.CharField[str | None, str | None] = models.CharField(
        max_length=ID_LENGTH, null=True
    )

    class Meta:
        db_table = "omnicx_conversation"
        indexes = (
            models.Index(fields=["customer_id", "created_us", "id"], name="omnicx_conv_customer"),
            models.Index(
                fields=["due_us", "id"],
                name="omnicx_conv_due",
                condition=models.Q(due_us__isnull=False),
            ),
            models.Index(fields=["urgency", "created_us", "id"], name="omnicx_conv_priority"),
            models.Index(
                fields=["queue", "urgency", "created_us", "id"], name="omnicx_conv_queue_priority"
            ),
            models.Index(fields=["updated_us", "id"], name="omnicx_conv_updated"),
            models.Index(fields=["queue", "updated_us", "id"], name="omnicx_conv_queue_updated"),
            models.Index(
                fields=["assignee", "urgency", "created_us", "id"],
                name="omnicx_conv_assignee",
                condition=models.Q(assignee__isnull=False),
            ),
            models.Index(
                fields=["bot", "urgency", "created_us", "id"],
                name="omnicx_conv_bot",
                condition=models.Q(bot__isnull=False),
            ),
        )

    def __str__(self) -> str:
        return self.id


class ConversationTag(models.Model):
    """One tag of a conversation (``InboxFilter.tag``)."""

    conversation: models.ForeignKey[Conversation, Conversation] = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="+"
    )
    tag: models.CharField[str, str] = models.CharField(max_length=KEY_LENGTH)

    class Meta:
        db_table = "omnicx_conversation_tag"
        constraints = (
            models.UniqueConstraint(fields=["conversation", "tag"], name="omnicx_tag_once"),
        )
        indexes = (models.Index(fields=["tag"], name="omnicx_tag"),)


class ConversationField(models.Model):
    """One custom field of a conversation that is not null (``InboxFilter.fields``).

    ``kind`` is the JSON kind (``bool``, ``number``, ``text``): booleans are
    ``number`` 0 or 1 of kind ``bool``, so ``True`` never equals ``1``.
    """

    conversation: models.ForeignKey[Conversation, Conversation] = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="+"
    )
    name: models.CharField[str, str] = models.CharField(max_length=KEY_LENGTH)
    kind: models.CharField[str, str] = models.CharField(max_length=8)
    number: models.FloatField[float | None, float | None] = models.FloatField(null=True)
    text: models.TextField[str | None, str | None] = models.TextField(null=True)

    class Meta:
        db_table = "omnicx_conversation_field"
        constraints = (
            models.UniqueConstraint(fields=["conversation", "name"], name="omnicx_field_once"),
        )


class ThreadRef(models.Model):
    """A thread reference key (a Message-ID, a channel thread id) and its conversation."""

    ref: models.CharField[str, str] = models.CharField(primary_key=True, max_length=KEY_LENGTH)
    conversation_id: models.CharField[str, str] = models.CharField(
        max_length=ID_LENGTH, db_index=True
    )

    class Meta:
        db_table = "omnicx_thread_ref"


class Event(models.Model):
    """A timeline event; ``seq`` is the append order."""

    seq: models.BigAutoField[int, int] = models.BigAutoField(primary_key=True)
    id: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH, unique=True)
    customer_id: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH)
    conversation_id: models.CharField[str | None, str | None] = models.CharField(
        max_length=ID_LENGTH, null=True
    )
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_event"
        indexes = (
            models.Index(fields=["customer_id", "seq"], name="omnicx_event_customer"),
            models.Index(fields=["conversation_id", "seq"], name="omnicx_event_conversation"),
        )

    def __str__(self) -> str:
        return self.id


class SearchTerm(models.Model):
    """One word of a message (``omnicx.storage.search_terms``), for ``search``.

    Written with the message's event, rewritten or deleted with it. A word
    longer than the column keeps a prefix and a digest of the whole word.
    """

    event: models.ForeignKey[Event, Event] = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="+"
    )
    conversation_id: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH)
    term: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH)

    class Meta:
        db_table = "omnicx_search_term"
        constraints = (models.UniqueConstraint(fields=["event", "term"], name="omnicx_term_once"),)
        indexes = (
            models.Index(fields=["term", "conversation_id", "event"], name="omnicx_term_lookup"),
        )


class Receipt(models.Model):
    """The receipt of a desk call, under its idempotency key (written once)."""

    key: models.CharField[str, str] = models.CharField(primary_key=True, max_length=KEY_LENGTH)
    customer_id: models.CharField[str | None, str | None] = models.CharField(
        max_length=ID_LENGTH, null=True, db_index=True
    )
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_receipt"


class Order(models.Model):
    """One order as support sees it (``omnicx.model.Order`` as JSON), by ``system:order id``."""

    key: models.CharField[str, str] = models.CharField(primary_key=True, max_length=KEY_LENGTH)
    customer_id: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH, db_index=True)
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_order"


class Audit(models.Model):
    """An audit log entry; append-only, ``seq`` is the append order."""

    seq: models.BigAutoField[int, int] = models.BigAutoField(primary_key=True)
    id: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH, unique=True)
    actor: models.CharField[str, str] = models.CharField(max_length=ID_LENGTH)
    customer_id: models.CharField[str | None, str | None] = models.CharField(
        max_length=ID_LENGTH, null=True
    )
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_audit"
        indexes = (
            models.Index(fields=["customer_id", "seq"], name="omnicx_audit_customer"),
            models.Index(fields=["actor", "seq"], name="omnicx_audit_actor"),
        )


class Agent(models.Model):
    """An agent's presence and the work it carries."""

    id: models.CharField[str, str] = models.CharField(primary_key=True, max_length=ID_LENGTH)
    version: models.IntegerField[int, int] = models.IntegerField()
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_agent"


class Waiting(models.Model):
    """A conversation waiting for an agent, served by rank then original age."""

    id: models.CharField[str, str] = models.CharField(primary_key=True, max_length=ID_LENGTH)
    version: models.IntegerField[int, int] = models.IntegerField()
    rank: models.SmallIntegerField[int, int] = models.SmallIntegerField()
    arrived_us: models.BigIntegerField[int, int] = models.BigIntegerField()
    offered: models.BooleanField[bool, bool] = models.BooleanField()
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_waiting"
        indexes = (models.Index(fields=["-rank", "arrived_us", "id"], name="omnicx_waiting_order"),)


class Listening(models.Model):
    """One listener's state (``Desk.listen``), by listener name."""

    id: models.CharField[str, str] = models.CharField(primary_key=True, max_length=ID_LENGTH)
    version: models.IntegerField[int, int] = models.IntegerField()
    data: models.TextField[str, str] = models.TextField()

    class Meta:
        db_table = "omnicx_listening"
