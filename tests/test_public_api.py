"""The public surface: every public module's ``__all__`` is pinned here, in one place.

Adding or removing a public name is a visible decision: it changes ``PINNED``.

The rules these tests hold every public module (a module of ``omnicx`` whose
dotted path has no part starting with ``_``) to:

- its ``__all__`` is exactly its ``PINNED`` list, in the order ruff's RUF022
  keeps (CONSTANTS, Classes, functions);
- **one home per name**: a name is in the ``__all__`` of exactly one public
  module other than the top-level ``omnicx`` package. ``omnicx`` re-exports
  the few types most hosts touch; a name it exports must be the very object
  its home exports. Two packages never export one name with two meanings
  (``omnicx.sla.SlaClock`` is not ``omnicx.Clock``), nor one object twice;
- every exported name has a docstring: a class or function its own
  ``__doc__``, a constant an attribute docstring (the string literal right
  after its assignment) where it is assigned; dunder names are exempt;
- every public exception is an ``OmnicxError``: exported ones, and every
  exception class of any module whose name does not start with ``_``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import omnicx
from omnicx.errors import OmnicxError

PINNED = {
    "omnicx": [
        "Agent", "AgentStatus", "Attachment", "Author", "AuthorKind", "Channel",
        "Clock", "ConflictError", "Conversation", "Customer", "Direction", "Event",
        "FixedClock", "Identifier", "IdentifierKind", "InvalidTransition", "Message",
        "NotFoundError", "OmnicxError", "PayloadError", "PayloadReason", "Priority",
        "Problem", "Queue", "SignatureError", "Status", "SystemClock", "Team",
        "ThreadRefs", "ValidationError", "__version__",
    ],
    "omnicx.channels": [
        "CALL_EVENT_TYPES", "CHANNEL_EVENT_TYPES", "META_PRIVATE_REPLY_WINDOW", "SENDGRID_SIGNATURE_HEADER",
        "SENDGRID_TIMESTAMP_HEADER", "SHOPIFY_TOPICS", "STRIPE_EVENT_TYPES",
        "WEBCHAT_SIGNATURE_HEADER", "X_SIGNATURE_HEADER", "CallRecorded", "CallStatusChanged",
        "CallTranscribed", "CallUpdate", "Capabilities", "ChannelAdapter",
        "ChannelEvent", "DeliveryState", "DeliveryUpdate", "EmailAdapter", "Enrichment",
        "FacebookCommentsAdapter", "ForeignAccounts", "Headers", "IncomingCall", "InstagramAdapter",
        "InstagramCommentsAdapter", "Location", "LongText", "MailgunInboundAdapter", "MessageEcho",
        "MessageEdited", "MessageReceived", "MessageRemoved", "MessengerAdapter", "MetaDispatcher",
        "Moderation", "ModerationAction", "OutboundMessage", "OutboundRequest",
        "PostmarkInboundAdapter", "PrivateReply", "Reaction", "RenderRefused", "Reply",
        "ReplyKind", "SendCheck", "SendGridInboundAdapter", "SesInboundAdapter", "ShopifyWebhook",
        "StripeWebhook", "Template", "TwilioAdapter", "TwilioVoiceAdapter", "WebChatAdapter", "WebhookAnswer",
        "WebhookOutcome", "WebhookReceiver", "WebhookRequest", "WhatsAppAdapter", "XAdapter",
        "basic_authorization", "check_private_reply", "check_send", "handle_webhook",
        "html_to_text", "minor_to_decimal", "private_reply_channel", "reply_address", "reply_channel", "sign_hub_sha256", "sign_mailgun", "sign_shopify",
        "sign_stripe", "sign_twilio", "sign_webchat", "sign_x", "sns_string_to_sign", "split_text",
        "strip_reply", "verification_handshake", "verify_hub_sha256", "verify_shopify",
        "verify_stripe", "verify_twilio", "verify_x", "x_crc_response",
    ],
    "omnicx.cli": [
        "main",
    ],
    "omnicx.contrib": [],
    "omnicx.contrib.dask": [
        "compute_breakdowns", "compute_report", "merge_partials", "partition_partials",
    ],
    "omnicx.contrib.django": [],
    "omnicx.contrib.django.apps": [
        "OmnicxConfig",
    ],
    "omnicx.contrib.django.admin": [
        "AuditAdmin", "ConversationAdmin", "CustomerAdmin", "ReadOnlyAdmin",
    ],
    "omnicx.contrib.django.models": [],
    "omnicx.contrib.django.store": [
        "DjangoStore",
    ],
    "omnicx.contrib.django.async_urls": [],
    "omnicx.contrib.django.checks": [
        "SETTINGS_ERROR", "check_settings",
    ],
    "omnicx.contrib.django.conf": [
        "CHANNELS", "DEFAULT_STORE", "SETTING", "Channels", "OmnicxSettings", "import_path",
        "load_settings",
    ],
    "omnicx.contrib.django.desk": [
        "build_desk", "get_desk", "get_settings", "reset",
    ],
    "omnicx.contrib.django.outbox": [
        "dispatch", "mark_sent", "outbox_ready", "outgoing_data", "outgoing_from_data",
    ],
    "omnicx.contrib.django.urls": [],
    "omnicx.contrib.django.views": [
        "VIEWS", "async_email", "async_meta", "async_shopify", "async_stripe", "async_twilio",
        "async_voice", "async_webchat", "async_webhook", "async_whatsapp", "email", "meta",
        "respond", "shopify", "stripe", "twilio", "voice", "webchat", "webhook", "whatsapp",
    ],
    "omnicx.contrib.django.webhooks": [
        "EMAIL_SIGNATURE_HEADER", "Answer", "handle", "sign_email",
    ],
    "omnicx.clock": [
        "Clock", "FixedClock", "SystemClock",
    ],
    "omnicx.desk": [
        "LISTENING_CHANNEL", "AgentAtCapacityError", "AlertOutcome", "CallReceipt", "CollisionError",
        "ConversationErasedError", "Desk", "EmailIdentity", "ErasedCustomerError", "ErasedPolicy",
        "FieldSchema", "FieldSpec", "FieldType", "HandoffPolicy", "ListenReport", "Listening",
        "OfferNotOpenError", "OutboxKind", "Outgoing", "Receipt", "SlaLine", "TickReport",
        "UnknownAgentError", "UnthreadedOwnMailError", "Withheld", "WithheldReason",
        "outbound_email", "outbound_private_reply",
    ],
    "omnicx.errors": [
        "ConflictError", "ForeignAccountError", "IncompatiblePartialsError", "InvalidTransition", "NotFoundError", "OmnicxError",
        "PayloadError", "PayloadReason", "Problem", "SchemaVersionError", "SignatureError",
        "StoreBusyError", "StoreError",
        "ValidationError", "suggest",
    ],
    "omnicx.kb": [
        "NAMESPACES", "Article", "Audience", "BodyFormat", "Hit", "KnowledgeBase", "Macro",
        "Rendered", "Suggestion", "load_articles", "parse_article", "parse_articles",
        "parse_macros", "parse_markdown_article", "plain_text", "render_macro",
        "render_template", "template_problems",
    ],
    "omnicx.identity": [
        "DEFAULT_BLOCKED_VALUES", "DEFAULT_FUZZY", "DEFAULT_PERSON_MATCHER",
        "DEFAULT_POLICY", "DEFAULT_ROLE_MAILBOXES", "DEFAULT_RULES", "DEFAULT_STANDING",
        "Apart", "BatchPolicy", "BatchResult", "BlockingKey", "Candidate", "CandidateIndex",
        "ChangeSet", "Comparator", "Conflict", "ContactRecord", "DropReason", "Dropped", "FieldComparison",
        "FieldRule", "FieldScore", "FuzzyPolicy", "IdentityPolicy", "IdentityStore",
        "Link", "MatchDecision", "MatchMode", "MemoryIdentityStore", "MergeKind", "MergeRecord",
        "MergeRules", "NameKey", "Observation", "Outcome", "PersonMatch", "PersonMatcher",
        "PersonRecord", "Profile", "Reason", "ReasonKind", "ReconcileMode",
        "Reconciliation", "Refusal", "Resolution", "SharedReason", "SharedValue",
        "Standing", "Unmerged", "auto_merge", "canonical_email", "canonical_network",
        "canonical_phone", "count_people", "current_profile", "decide", "email_addresses",
        "email_identifier",
        "email_match_key", "external_identifier", "handle_identifier", "match_key",
        "merge", "merged_profiles", "name_key", "observation_ids_of", "observation_of",
        "phone_extension", "phone_identifier", "reconcile", "resolve", "resolve_batch",
        "same_person_name", "split", "undo_split", "unmerge",
    ],
    "omnicx.listening": [
        "STATE_FORMAT", "STATE_VERSION", "THRESHOLDS", "Alert", "AlertKind", "AlertRule",
        "AllOf", "AnyOf", "Atom", "Driver", "Knobs", "Listener", "ListeningState", "Mention",
        "Not", "Query", "ResponseReport", "Sensitivity", "Theme", "Threshold", "Topic",
        "TopicReport", "TopicSet", "load_topics", "merge_states", "parse_query", "report",
        "responses",
    ],
    "omnicx.metrics": [
        "DEFAULT_RELATIVE_ERROR", "DIMENSIONS", "DURATIONS", "EXACT_LIMIT", "KEEP_SOLVED", "NONE",
        "SELF_SERVICE_FORMAT", "ArticleFeedback", "BusinessTime", "CallAccumulator", "CallReport",
        "ContentGap", "ConversationFacts", "Distribution", "FactsBuilder", "GroupMetrics", "HandoffAccumulator",
        "HandoffReport", "MetricsAccumulator", "MetricsConfig", "MetricsReport", "MetricsStream",
        "Nps", "Rate", "SelfServiceAccumulator", "SelfServiceReport", "SlaOutcome", "SlaTally",
        "Summary", "Timing", "backlog_at", "call_metrics",
        "compute_metrics", "facts_by_conversation", "fold_conversation", "group_keys",
        "group_to_dict", "handoff_metrics", "report_table", "report_to_dict", "was_active",
    ],
    "omnicx.model": [
        "EVENT_TYPES", "LIFECYCLE", "ORDER_STATUSES", "WELL_KNOWN_CHANNELS", "Agent",
        "AgentStatus", "AnswerRated", "ArticlesOffered", "Assigned", "Attachment", "Author",
        "AuthorKind", "BotOwned", "BotOwner", "Call", "CallEvent", "CallStatus", "CallWrappedUp", "Channel", "Conversation",
        "ConversationCreated", "CustomEvent", "Customer", "DetailsChanged", "Direction", "Event",
        "FieldValue", "HandedOff", "HandoffReason", "Identifier", "IdentifierKind", "Message",
        "MessageEvent", "NoteEvent", "OfferedArticle", "Order", "OrderChange", "OrderEvent",
        "OrderRefund", "PaymentEvent", "PaymentKind", "Priority", "PriorityChanged", "Queue",
        "QueueChanged", "Status", "StatusChanged", "SubscriptionChange", "SubscriptionEvent",
        "SuggestionUsed", "SurveyKind", "SurveyResponse", "TagsChanged", "Team", "ThreadRefs",
        "Transcript", "TranscriptLine", "Visibility", "can_transition", "is_reopen", "transition",
    ],
    "omnicx.privacy": [
        "BUILTIN_ROLES", "DEFAULT_REDACTION", "EXPORT_FORMAT", "EXPORT_VERSION",
        "Action", "Actor", "CustomPattern", "CustomerExport", "ErasureReport",
        "Permission", "PermissionDenied", "Redacted", "RedactionPolicy", "Resource",
        "ResourceKind", "RetentionMode", "RetentionPolicy", "RetentionReport", "Role",
        "apply_retention", "can", "erase_customer", "export_customer",
        "export_document", "load_export", "load_roles", "redact", "require",
        "scrub_event", "tombstone_key",
    ],
    "omnicx.report": [
        "ACTIVE", "BREAKDOWNS", "BacklogPoint", "Dashboard", "DashboardCollector", "StatusTime",
        "build_dashboard", "dashboard_html",
    ],
    "omnicx.routing": [
        "PERSON_PHRASES", "RECENT_REFUNDS", "Actions", "AgentLoad", "ArticleOffer",
        "AssignOutcome", "Assignment", "AssignmentPolicy",
        "AssignmentRound", "AutoReply", "Case", "CaseResult", "Decision", "Failure",
        "JsonLogicError", "LanguageDetector", "Lexicon", "LexiconLanguage",
        "LexiconSentiment", "Mode", "OpenHours", "RoutingContext", "Rule", "RuleEngine",
        "RuleSet", "RuleTrace", "SentimentClassifier", "ShortTextLanguage", "Signals",
        "SocialSentiment", "Strategy", "Trace", "WorkItem", "apply_decision", "apply_fields",
        "asks_for_person", "assign", "check_case", "context_from_input", "jsonlogic_apply",
        "load_cases", "load_rules", "person_phrases", "raised_priority",
        "routed_fields", "rule_file_schema",
    ],
    "omnicx.serde": [
        "EVENT_TAGS", "converter", "event_from_dict", "event_to_dict", "from_dict",
        "from_json", "make_converter", "to_dict", "to_json",
    ],
    "omnicx.sla": [
        "ALWAYS_OPEN", "DEFAULT_PAUSES", "NO_PAUSES", "BusinessCalendar", "Calendar",
        "ClockEvent", "ClockEventKind", "ClockState", "Condition", "Effect", "Escalate",
        "Escalation", "Match", "Metric", "Policy", "PolicyApplied", "SlaClock",
        "SlaEngine", "SlaFacts", "SlaReport", "SlaState", "Target", "TargetStatus",
        "customer_facts", "load_calendar", "load_policies",
    ],
    "omnicx.storage": [
        "ANY_BOT", "MAX_LIMIT", "MIGRATIONS", "NO_BOT", "SCHEMA_VERSION", "UNASSIGNED",
        "ActionMark", "Activity", "AgentRecord", "AgentStore", "AuditAction", "AuditEntry",
        "BotOwnership", "Changes",
        "ConversationRecord", "DeskStore", "DueClaimStore", "Erasure", "InboxCounts",
        "InboxFilter", "InboxPage", "InboxSort", "ListeningRecord", "ListeningStore",
        "MemoryStore", "PostgresStore", "SqliteStore", "StagedIdentityStore", "Unassigned",
        "WaitingWork", "check_orders", "check_reads", "check_versions", "inbox_matches", "migrate",
        "order_key", "retry_on_conflict", "search_terms", "waiting_order",
    ],
    "omnicx.testing": [
        "AdapterContract", "ConversationOutcome", "FinalState", "Mutation",
        "StoreContract", "assert_routes", "call_status", "check_mutations", "final_state",
        "guest_order", "incoming_call", "mutations",
        "parse_or_refuse", "recording_status", "shopify_payloads", "shopify_request", "shopify_samples", "stripe_event", "stripe_objects", "stripe_request", "stripe_samples", "transcription", "verify_then_parse", "voice_request", "voice_samples",
    ],
    "omnicx.testing.pytest_plugin": [
        "assert_routes_fixture", "routing_context", "rule_engine",
    ],
    "omnicx.testing.strategies": [
        "agents", "attachments", "authors", "aware_datetimes", "bot_owners", "channels",
        "conversations", "customers", "events", "identifiers", "ids", "json_objects",
        "messages", "queues", "teams", "thread_refs", "transcripts",
    ],
    "omnicx.timeline": [
        "ALL_EVENTS", "DEFAULT_ORDER", "MAX_REFERENCES", "UNRANKED", "CombinedTimeline",
        "ConversationSummary", "DedupKey", "EventKey", "Page", "ThreadDecision",
        "ThreadIndex", "ThreadOutcome", "ThreadReason", "ThreadingPolicy",
        "TimelineOrder", "TimelineQuery", "best_copy", "build_timeline",
        "combine_timelines", "completeness", "decode_cursor", "dedup_key",
        "encode_cursor", "event_channel", "external_key", "fold_order", "lookup_keys",
        "mentioned_orders", "merge_keyed", "merge_streams", "message_id_key", "normalize_subject",
        "own_keys", "page", "post_thread",
        "referenced_keys", "reply_references", "reply_subject", "since_last_agent_reply", "split_timeline",
        "thread", "utc_micros",
    ],
}  # fmt: skip


def _modules() -> list[str]:
    found = ["omnicx"]
    for info in pkgutil.walk_packages(omnicx.__path__, "omnicx."):
        if info.name == "omnicx.__main__":  # running it runs the command line
            continue
        # Django finds management commands by file name; each holds one Command class.
        # Django migrations are the schema's history, not API (``0001_initial``
        # cannot even be named in an import statement): not walked.
        if info.name.startswith(
            ("omnicx.contrib.django.management", "omnicx.contrib.django.migrations")
        ):
            continue
        found.append(info.name)
    return found


ALL_MODULES = _modules()
PUBLIC = [m for m in ALL_MODULES if not any(part.startswith("_") for part in m.split("."))]


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    rank = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return rank, name


def test_every_public_module_is_pinned() -> None:
    """A new public module (or one made private) shows up here."""
    assert sorted(PUBLIC) == sorted(PINNED)


@pytest.mark.parametrize("module_name", sorted(PINNED))
def test_all_is_pinned_sorted_and_importable(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__, f"{module_name} has no docstring"
    exported = list(module.__all__)
    assert exported == PINNED[module_name]
    assert exported == sorted(exported, key=_isort_key)
    for name in exported:
        getattr(module, name)


def test_every_public_name_has_one_home() -> None:
    """No name is exported by two packages, except the top level re-exporting it."""
    homes: dict[str, list[str]] = {}
    for module_name in PUBLIC:
        if module_name != "omnicx":
            for name in importlib.import_module(module_name).__all__:
                homes.setdefault(name, []).append(module_name)
    twice = {name: where for name, where in homes.items() if len(where) > 1}
    assert twice == {}
    for name in omnicx.__all__:
        if name.startswith("__"):
            continue
        assert name in homes, f"omnicx.{name} has no home package"
        home = importlib.import_module(homes[name][0])
        assert getattr(omnicx, name) is getattr(home, name), name


def _assignment_documented(module_name: str, name: str) -> bool:
    """Whether ``name`` has an attribute docstring where it is assigned, following imports."""
    module = importlib.import_module(module_name)
    assert module.__file__ is not None
    body = ast.parse(Path(module.__file__).read_text(encoding="utf-8")).body
    for index, node in enumerate(body):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return _assignment_documented(node.module, alias.name)
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            after = body[index + 1] if index + 1 < len(body) else None
            return (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            )
    return False


def _documented(module: ModuleType, name: str) -> bool:
    value = getattr(module, name)
    if inspect.isclass(value):
        return bool(value.__dict__.get("__doc__"))
    if inspect.isroutine(value):
        return bool(value.__doc__)
    return _assignment_documented(module.__name__, name)


@pytest.mark.parametrize("module_name", sorted(PINNED))
def test_every_exported_name_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [
        name
        for name in module.__all__
        if not name.startswith("__") and not _documented(module, name)
    ]
    assert missing == []


def test_every_public_exception_is_an_omnicx_error() -> None:
    """A host catches ``OmnicxError`` and gets every error omnicx raises on purpose."""
    stray = []
    for module_name in ALL_MODULES:
        module = importlib.import_module(module_name)
        exported = set(getattr(module, "__all__", ())) if module_name in PINNED else set()
        for name in sorted(set(vars(module)) | exported):
            value = getattr(module, name)  # loads omnicx.testing's lazy names too
            if not (inspect.isclass(value) and issubclass(value, BaseException)):
                continue
            public = name in exported or (
                value.__module__ == module_name and not name.startswith("_")
            )
            if public and not issubclass(value, OmnicxError):
                stray.append(f"{module_name}.{name}")
    assert stray == []


def test_desk_move_conversation_is_pinned() -> None:
    """``Desk.move_conversation``'s parameters and its audit action are public API."""
    from omnicx.desk import Desk
    from omnicx.storage import AuditAction

    parameters = inspect.signature(Desk.move_conversation).parameters
    assert list(parameters) == ["self", "conversation_id", "customer_id", "actor_id", "reason",
                                "request_id", "seen_version"]  # fmt: skip
    keyword = [name for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY]
    assert keyword == ["actor_id", "reason", "request_id", "seen_version"]
    assert AuditAction("move_conversation") is AuditAction.MOVE_CONVERSATION
