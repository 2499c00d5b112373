"""Support metrics from timeline events: definitions, mergeable accumulators, breakdowns.

Fold each conversation's events into ``ConversationFacts``, accumulate facts
per group with a ``MetricsAccumulator`` (mergeable across shards), and read a
``MetricsReport``; or let ``FactsBuilder.add_to`` count each conversation
straight into accumulators (what ``compute_metrics`` does). docs/metrics.md
defines every metric and its edge cases. Self-service figures (deflection,
article helpfulness, searches with no result) have their own mergeable
``SelfServiceAccumulator``, defined in docs/self-service.md.
"""

from omnicx.metrics._accumulator import MetricsAccumulator, compute_metrics
from omnicx.metrics._backlog import backlog_at, was_active
from omnicx.metrics._by_conversation import facts_by_conversation, fold_conversation
from omnicx.metrics._calls import CallAccumulator, CallReport, call_metrics
from omnicx.metrics._config import BusinessTime, MetricsConfig
from omnicx.metrics._dimensions import DIMENSIONS, NONE, group_keys
from omnicx.metrics._distribution import EXACT_LIMIT, Distribution, Summary
from omnicx.metrics._facts import ConversationFacts
from omnicx.metrics._fold import FactsBuilder
from omnicx.metrics._handoff import HandoffAccumulator, HandoffReport, handoff_metrics
from omnicx.metrics._output import group_to_dict, report_table, report_to_dict
from omnicx.metrics._self_service import (
    SELF_SERVICE_FORMAT,
    ArticleFeedback,
    ContentGap,
    SelfServiceAccumulator,
    SelfServiceReport,
)
from omnicx.metrics._sketch import DEFAULT_RELATIVE_ERROR
from omnicx.metrics._stream import KEEP_SOLVED, MetricsStream
from omnicx.metrics._timing import Timing
from omnicx.metrics._values import (
    DURATIONS,
    GroupMetrics,
    MetricsReport,
    Nps,
    Rate,
    SlaOutcome,
    SlaTally,
)

__all__ = [
    "DEFAULT_RELATIVE_ERROR",
    "DIMENSIONS",
    "DURATIONS",
    "EXACT_LIMIT",
    "KEEP_SOLVED",
    "NONE",
    "SELF_SERVICE_FORMAT",
    "ArticleFeedback",
    "BusinessTime",
    "CallAccumulator",
    "CallReport",
    "ContentGap",
    "ConversationFacts",
    "Distribution",
    "FactsBuilder",
    "GroupMetrics",
    "HandoffAccumulator",
    "HandoffReport",
    "MetricsAccumulator",
    "MetricsConfig",
    "MetricsReport",
    "MetricsStream",
    "Nps",
    "Rate",
    "SelfServiceAccumulator",
    "SelfServiceReport",
    "SlaOutcome",
    "SlaTally",
    "Summary",
    "Timing",
    "backlog_at",
    "call_metrics",
    "compute_metrics",
    "facts_by_conversation",
    "fold_conversation",
    "group_keys",
    "group_to_dict",
    "handoff_metrics",
    "report_table",
    "report_to_dict",
    "was_active",
]
