"""The routing package's ``__all__`` is pinned and sorted."""

from __future__ import annotations

import omnicx.routing

PINNED = [
    "Actions", "AgentLoad", "AssignOutcome", "Assignment", "AssignmentPolicy", "AssignmentRound",
    "AutoReply", "Case", "CaseResult", "Decision", "Failure", "JsonLogicError", "LanguageDetector",
    "Lexicon", "LexiconLanguage", "LexiconSentiment", "Mode", "OpenHours", "RoutingContext", "Rule",
    "RuleEngine", "RuleSet", "RuleTrace", "SentimentClassifier", "Signals", "Strategy", "Trace",
    "WorkItem", "apply_decision", "assign", "check_case", "context_from_input", "jsonlogic_apply",
    "load_cases", "load_rules", "raised_priority", "rule_file_schema",
]  # fmt: skip


def test_all_is_pinned() -> None:
    """Adding or removing a public routing name is a visible decision."""
    assert omnicx.routing.__all__ == PINNED


def test_every_public_name_has_a_docstring() -> None:
    """Each exported name documents itself."""
    for name in PINNED:
        assert getattr(omnicx.routing, name).__doc__, name
