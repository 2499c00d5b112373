"""Listening: topics over public mentions, seasonal baselines, spike and dip alerts, reports.

The host feeds ``Mention`` values it fetched or received from any network;
a ``Listener`` matches them against a ``TopicSet`` (loaded and validated by
``load_topics``), counts them into fixed buckets per topic, and returns an
``Alert`` when a volume spike or sentiment dip stands out from the topic's
hour-of-week baseline. ``Listener.snapshot`` gives the state as a value to
store; ``Listener.resume`` carries on from it. See docs/listening.md.
"""

from omnicx.listening._alerts import THRESHOLDS, Alert, Driver, Threshold
from omnicx.listening._baseline import Knobs
from omnicx.listening._listener import Listener, merge_states
from omnicx.listening._mention import Mention
from omnicx.listening._query import AllOf, AnyOf, Atom, Not, Query, parse_query
from omnicx.listening._report import Theme, TopicReport, report
from omnicx.listening._responses import ResponseReport, responses
from omnicx.listening._state import STATE_FORMAT, STATE_VERSION, ListeningState
from omnicx.listening._topics import AlertKind, AlertRule, Sensitivity, Topic, TopicSet, load_topics

__all__ = [
    "STATE_FORMAT",
    "STATE_VERSION",
    "THRESHOLDS",
    "Alert",
    "AlertKind",
    "AlertRule",
    "AllOf",
    "AnyOf",
    "Atom",
    "Driver",
    "Knobs",
    "Listener",
    "ListeningState",
    "Mention",
    "Not",
    "Query",
    "ResponseReport",
    "Sensitivity",
    "Theme",
    "Threshold",
    "Topic",
    "TopicReport",
    "TopicSet",
    "load_topics",
    "merge_states",
    "parse_query",
    "report",
    "responses",
]
