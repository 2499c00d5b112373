"""One chronological timeline per customer, and conversation threading.

Merging: ``TimelineOrder`` defines the total order (instant, source rank,
source sequence, event id); ``merge_streams`` merges sorted per-source
streams lazily; ``build_timeline`` sorts and de-duplicates events arriving in
any order; ``combine_timelines``/``split_timeline`` follow customer merges.
Views: ``TimelineQuery`` and ``page`` with opaque cursors,
``since_last_agent_reply``. Threading: ``thread`` over a ``ThreadIndex`` of
``ConversationSummary`` values, configured by a ``ThreadingPolicy``.
"""

from omnicx.timeline._customers import CombinedTimeline, combine_timelines, split_timeline
from omnicx.timeline._dedup import DedupKey, best_copy, completeness, dedup_key
from omnicx.timeline._merge import build_timeline, merge_keyed, merge_streams
from omnicx.timeline._order import (
    DEFAULT_ORDER,
    UNRANKED,
    EventKey,
    TimelineOrder,
    event_channel,
    utc_micros,
)
from omnicx.timeline._orders import fold_order, mentioned_orders
from omnicx.timeline._policy import ThreadingPolicy
from omnicx.timeline._refs import (
    MAX_REFERENCES,
    external_key,
    lookup_keys,
    message_id_key,
    own_keys,
    post_thread,
    referenced_keys,
    reply_references,
)
from omnicx.timeline._state import ConversationSummary, ThreadIndex
from omnicx.timeline._subject import normalize_subject, reply_subject
from omnicx.timeline._thread import ThreadDecision, ThreadOutcome, ThreadReason, thread
from omnicx.timeline._view import (
    ALL_EVENTS,
    Page,
    TimelineQuery,
    decode_cursor,
    encode_cursor,
    page,
    since_last_agent_reply,
)

__all__ = [
    "ALL_EVENTS",
    "DEFAULT_ORDER",
    "MAX_REFERENCES",
    "UNRANKED",
    "CombinedTimeline",
    "ConversationSummary",
    "DedupKey",
    "EventKey",
    "Page",
    "ThreadDecision",
    "ThreadIndex",
    "ThreadOutcome",
    "ThreadReason",
    "ThreadingPolicy",
    "TimelineOrder",
    "TimelineQuery",
    "best_copy",
    "build_timeline",
    "combine_timelines",
    "completeness",
    "decode_cursor",
    "dedup_key",
    "encode_cursor",
    "event_channel",
    "external_key",
    "fold_order",
    "lookup_keys",
    "mentioned_orders",
    "merge_keyed",
    "merge_streams",
    "message_id_key",
    "normalize_subject",
    "own_keys",
    "page",
    "post_thread",
    "referenced_keys",
    "reply_references",
    "reply_subject",
    "since_last_agent_reply",
    "split_timeline",
    "thread",
    "utc_micros",
]
