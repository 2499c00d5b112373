"""Routing rules as data: load, validate, compile, decide, explain, assign.

Support leads write rules in JSON, TOML or YAML; ``load_rules`` validates a
file reporting every problem with its path; ``RuleEngine.compile`` turns it
into indexed predicates; ``decide`` routes one context and ``explain`` says
why. ``assign`` offers routed work to agents. See docs/rules.md.
"""

from omnicx.routing._apply import apply_decision, apply_fields, raised_priority, routed_fields
from omnicx.routing._assign import (
    AgentLoad,
    Assignment,
    AssignmentPolicy,
    AssignmentRound,
    AssignOutcome,
    Strategy,
    WorkItem,
    assign,
)
from omnicx.routing._auto_reply import ArticleOffer, AutoReply
from omnicx.routing._cases import Case, CaseResult, check_case, context_from_input, load_cases
from omnicx.routing._commerce import RECENT_REFUNDS
from omnicx.routing._compile import Failure, OpenHours
from omnicx.routing._context import RoutingContext, Signals
from omnicx.routing._engine import Decision, RuleEngine, RuleTrace, Trace
from omnicx.routing._jsonlogic import JsonLogicError
from omnicx.routing._jsonlogic import apply as jsonlogic_apply
from omnicx.routing._language import ShortTextLanguage
from omnicx.routing._loader import load_rules
from omnicx.routing._person import PERSON_PHRASES, asks_for_person, person_phrases
from omnicx.routing._rules import Actions, Mode, Rule, RuleSet
from omnicx.routing._schema import rule_file_schema
from omnicx.routing._signals import (
    LanguageDetector,
    Lexicon,
    LexiconLanguage,
    LexiconSentiment,
    SentimentClassifier,
)
from omnicx.routing._social import SocialSentiment

__all__ = [
    "PERSON_PHRASES",
    "RECENT_REFUNDS",
    "Actions",
    "AgentLoad",
    "ArticleOffer",
    "AssignOutcome",
    "Assignment",
    "AssignmentPolicy",
    "AssignmentRound",
    "AutoReply",
    "Case",
    "CaseResult",
    "Decision",
    "Failure",
    "JsonLogicError",
    "LanguageDetector",
    "Lexicon",
    "LexiconLanguage",
    "LexiconSentiment",
    "Mode",
    "OpenHours",
    "RoutingContext",
    "Rule",
    "RuleEngine",
    "RuleSet",
    "RuleTrace",
    "SentimentClassifier",
    "ShortTextLanguage",
    "Signals",
    "SocialSentiment",
    "Strategy",
    "Trace",
    "WorkItem",
    "apply_decision",
    "apply_fields",
    "asks_for_person",
    "assign",
    "check_case",
    "context_from_input",
    "jsonlogic_apply",
    "load_cases",
    "load_rules",
    "person_phrases",
    "raised_priority",
    "routed_fields",
    "rule_file_schema",
]
