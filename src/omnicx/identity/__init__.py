"""Identity resolution: canonical identifiers, the identity graph and matching.

- canonical identifiers: ``canonical_email``, ``canonical_phone``,
  ``handle_identifier``, ``external_identifier`` and their match keys;
- the incremental graph: ``resolve`` one ``Observation`` at a time through an
  ``IdentityStore``, with merge protection, per-identifier limits, recorded
  merges and ``unmerge``, splits (made when evidence withdraws a link, or by
  ``split``) and ``undo_split``; why a value never links or a link was refused
  comes back as ``SharedReason`` and ``Refusal`` (the rules behind them are
  private, shared by the graph and batch resolution);
- fuzzy candidates: ``CandidateIndex`` with scored, explained candidates;
- person-record matching: ``PersonMatcher`` (weighted field comparisons
  over blocking keys, for imports with names, dates of birth, addresses);
- batch resolution of imports: ``resolve_batch`` (values left out come
  back as ``Dropped``);
- people's names as written: ``name_key``, ``same_person_name`` and
  ``count_people``, the relation the names guard counts people by.

See ``docs/identity.md``.
"""

from omnicx.identity._attributed import observation_ids_of
from omnicx.identity._batch import (
    BatchPolicy,
    BatchResult,
    ContactRecord,
    Dropped,
    DropReason,
    SharedValue,
    resolve_batch,
)
from omnicx.identity._email import (
    canonical_email,
    email_addresses,
    email_identifier,
    email_match_key,
)
from omnicx.identity._fold import DEFAULT_RULES, FieldRule, MergeRules
from omnicx.identity._fuzzy import (
    DEFAULT_FUZZY,
    Candidate,
    CandidateIndex,
    FuzzyPolicy,
    MatchDecision,
    MatchMode,
    Reason,
    ReasonKind,
    auto_merge,
    decide,
)
from omnicx.identity._graph import current_profile, merged_profiles, resolve
from omnicx.identity._guards import (
    DEFAULT_BLOCKED_VALUES,
    DEFAULT_POLICY,
    DEFAULT_ROLE_MAILBOXES,
    IdentityPolicy,
    SharedReason,
    match_key,
)
from omnicx.identity._handles import canonical_network, external_identifier, handle_identifier
from omnicx.identity._names import NameKey, count_people, name_key, same_person_name
from omnicx.identity._person import (
    DEFAULT_PERSON_MATCHER,
    BlockingKey,
    Comparator,
    FieldComparison,
    FieldScore,
    PersonMatch,
    PersonMatcher,
    PersonRecord,
)
from omnicx.identity._phone import (
    canonical_phone,
    phone_extension,
    phone_identifier,
)
from omnicx.identity._protection import Refusal
from omnicx.identity._reconcile import (
    ReconcileMode,
    Reconciliation,
    observation_of,
    reconcile,
)
from omnicx.identity._records import (
    Apart,
    ChangeSet,
    Conflict,
    Link,
    MergeKind,
    MergeRecord,
    Observation,
    Outcome,
    Profile,
    Resolution,
)
from omnicx.identity._split import split, undo_split
from omnicx.identity._standing import DEFAULT_STANDING, Standing
from omnicx.identity._store import IdentityStore, MemoryIdentityStore
from omnicx.identity._unmerge import Unmerged, merge, unmerge

__all__ = [
    "DEFAULT_BLOCKED_VALUES",
    "DEFAULT_FUZZY",
    "DEFAULT_PERSON_MATCHER",
    "DEFAULT_POLICY",
    "DEFAULT_ROLE_MAILBOXES",
    "DEFAULT_RULES",
    "DEFAULT_STANDING",
    "Apart",
    "BatchPolicy",
    "BatchResult",
    "BlockingKey",
    "Candidate",
    "CandidateIndex",
    "ChangeSet",
    "Comparator",
    "Conflict",
    "ContactRecord",
    "DropReason",
    "Dropped",
    "FieldComparison",
    "FieldRule",
    "FieldScore",
    "FuzzyPolicy",
    "IdentityPolicy",
    "IdentityStore",
    "Link",
    "MatchDecision",
    "MatchMode",
    "MemoryIdentityStore",
    "MergeKind",
    "MergeRecord",
    "MergeRules",
    "NameKey",
    "Observation",
    "Outcome",
    "PersonMatch",
    "PersonMatcher",
    "PersonRecord",
    "Profile",
    "Reason",
    "ReasonKind",
    "ReconcileMode",
    "Reconciliation",
    "Refusal",
    "Resolution",
    "SharedReason",
    "SharedValue",
    "Standing",
    "Unmerged",
    "auto_merge",
    "canonical_email",
    "canonical_network",
    "canonical_phone",
    "count_people",
    "current_profile",
    "decide",
    "email_addresses",
    "email_identifier",
    "email_match_key",
    "external_identifier",
    "handle_identifier",
    "match_key",
    "merge",
    "merged_profiles",
    "name_key",
    "observation_ids_of",
    "observation_of",
    "phone_extension",
    "phone_identifier",
    "reconcile",
    "resolve",
    "resolve_batch",
    "same_person_name",
    "split",
    "undo_split",
    "unmerge",
]
