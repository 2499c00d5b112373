"""Frozen means frozen: what omnicx returns can be shared because nothing can change it.

Every public frozen class holds only read-only mappings, tuples and
frozensets, however its constructor was called; each store and engine
returns values (or fresh copies) that no caller can use to change what the
next call returns.
"""

from __future__ import annotations

import collections.abc as abc
import copy
import importlib
import operator
import pickle
import pkgutil
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnicx
from omnicx import FixedClock, serde
from omnicx._frozen import (
    FrozenMap,
    freeze,
    frozen_json,
    frozen_map,
    frozen_seq,
    frozen_set,
    frozen_tree,
    thaw,
)
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.errors import ValidationError
from omnicx.identity import MemoryIdentityStore, Observation, email_identifier, resolve
from omnicx.metrics import ConversationFacts as MetricsFacts
from omnicx.metrics import MetricsAccumulator
from omnicx.model import (
    Agent,
    Author,
    AuthorKind,
    Channel,
    Customer,
    Direction,
    Message,
    MessageEvent,
    Priority,
)
from omnicx.routing import AutoReply, RoutingContext, RuleEngine, load_rules
from omnicx.sla import Metric, Policy, SlaEngine, SlaFacts, Target
from omnicx.storage import DeskStore, MemoryStore, SqliteStore
from omnicx.testing import strategies as oxs

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MUTABLE = (dict, list, set, bytearray)

# ---------------------------------------------------------------- helpers


def assert_deep_frozen(value: Any, path: str = "value") -> None:
    """Fail naming the path of any dict, list or set reachable from ``value``."""
    seen: set[int] = set()

    def walk(item: Any, where: str) -> None:
        if id(item) in seen or isinstance(item, str | bytes | int | float | type(None)):
            return
        seen.add(id(item))
        assert not isinstance(item, MUTABLE), f"{where} is a mutable {type(item).__name__}"
        if attrs.has(type(item)):
            for field in attrs.fields(type(item)):
                if field.eq:  # eq=False fields are memo caches, not part of the value
                    walk(getattr(item, field.name), f"{where}.{field.name}")
        elif isinstance(item, Mapping):
            for key, sub in item.items():
                walk(key, f"{where}[{key!r}] (key)")
                walk(sub, f"{where}[{key!r}]")
        elif isinstance(item, tuple | frozenset):
            for index, sub in enumerate(item):
                walk(sub, f"{where}[{index}]")

    walk(value, path)


Attempt = tuple[str, Callable[[], object], type[Exception]]


def mutation_attempts(value: Any) -> Iterator[Attempt]:
    """Every way a careless reader might change ``value`` in place, one level down.

    Each comes with the error it must raise: attrs' ``FrozenInstanceError``
    for an attribute write, the read-only types' own errors for the rest.
    """
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            inner = getattr(value, field.name)
            name = field.name
            yield (
                f"setattr {name}",
                lambda n=name, v=inner: setattr(value, n, v),
                attrs.exceptions.FrozenInstanceError,
            )
            for what, attempt, error in _container(inner):
                yield f"{name}: {what}", attempt, error
    else:
        yield from _container(value)


def _container(inner: Any) -> Iterator[Attempt]:
    if isinstance(inner, Mapping):
        yield "item assignment", lambda: operator.setitem(inner, "x", 1), TypeError
        yield "update", lambda: inner.update(x=1), AttributeError  # type: ignore[attr-defined]
        for key in list(inner)[:1]:
            yield "item deletion", lambda k=key: operator.delitem(inner, k), TypeError
    elif isinstance(inner, tuple):
        yield "append", lambda: inner.append(1), AttributeError  # type: ignore[attr-defined]
    elif isinstance(inner, frozenset):
        yield "add", lambda: inner.add(1), AttributeError  # type: ignore[attr-defined]


def assert_unchangeable(value: Any) -> None:
    """Deeply frozen, and every in-place change raises the read-only error it should."""
    assert_deep_frozen(value)
    for what, attempt, error in mutation_attempts(value):
        try:
            attempt()
        except error:
            continue
        pytest.fail(f"{type(value).__name__}: {what} did not raise {error.__name__}")


def scribble(value: Any) -> None:
    """Try to change a returned value; a fresh copy (a list) may change, harmlessly."""
    if isinstance(value, list):
        for item in value:
            assert_unchangeable(item)
        value.clear()
    elif value is not None:
        assert_unchangeable(value)


# ---------------------------------------------------------- the containers


@given(oxs.json_objects())
def test_freeze_thaw_round_trip_and_frozen_json_hashes(data: dict[str, Any]) -> None:
    """JSON-like data freezes all the way down, hashes, thaws back, and pickles."""
    frozen = frozen_json(data)
    assert_deep_frozen(frozen)
    assert thaw(frozen) == data
    assert hash(frozen) == hash(frozen_json(data))
    assert freeze(frozen) is frozen  # already frozen: not copied again
    assert pickle.loads(pickle.dumps(frozen)) == frozen
    assert copy.deepcopy(frozen) == frozen


def test_frozen_map_refuses_every_change() -> None:
    """Item assignment, deletion and attribute writes all raise."""
    frozen = FrozenMap({"a": 1})
    with pytest.raises(TypeError):
        frozen["b"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        del frozen["a"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        frozen._data = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        frozen.update(b=2)  # type: ignore[attr-defined]
    plain = {"a": 1}
    assert frozen == plain
    assert plain == frozen  # dict.__eq__ defers to FrozenMap's reflected comparison
    assert frozen != {"a": 2}


def test_frozen_map_copies_pickles_and_builds_from_pairs() -> None:
    """Copies of a deep-frozen map are the map; a shallow one deep-copies its values."""
    deep = frozen_json({"a": [1, {"b": 2}]})
    assert copy.copy(deep) is deep
    assert copy.deepcopy(deep) is deep
    inner: list[int] = [1]
    shallow = FrozenMap({"a": inner})
    copied = copy.deepcopy(shallow)
    inner.append(2)
    assert copied == {"a": [1]}
    assert pickle.loads(pickle.dumps(shallow)) == shallow
    assert frozen_map([("a", 1)]) == {"a": 1}
    assert repr(FrozenMap({"a": 1})) == "FrozenMap({'a': 1})"
    with pytest.raises(AttributeError):
        del deep._data  # type: ignore[attr-defined]


def test_bad_items_are_refused_with_validation_errors() -> None:
    """Unhashable set members, non-pairs and non-iterables are ValidationErrors."""
    with pytest.raises(ValidationError, match="expected a set or list of hashable values"):
        frozen_set([[1]])
    with pytest.raises(ValidationError, match="expected a mapping"):
        frozen_map([1, 2])
    with pytest.raises(ValidationError, match="expected a list or tuple, got int"):
        frozen_seq(5)  # type: ignore[arg-type]
    assert frozen_tree(iter([["a", "b"]])) == (("a", "b"),)


def test_thaw_gives_plain_json_ready_data() -> None:
    """Thawed data is dicts and lists again; sets come back sorted when they can be."""
    assert thaw(freeze({"s": {"b", "a"}, "t": ("x",), "m": {"k": [1]}})) == {
        "s": ["a", "b"],
        "t": ["x"],
        "m": {"k": [1]},
    }
    assert sorted(thaw(frozenset({1, "a"})), key=str) == [1, "a"]


def test_the_caller_s_dict_is_copied_not_kept() -> None:
    """Changing the dict a value was built from afterwards changes nothing."""
    attributes: dict[str, Any] = {"tier": "gold", "orders": [1, 2]}
    customer = Customer(id="c1", attributes=attributes)
    attributes["tier"] = "silver"
    attributes["orders"].append(3)
    assert customer.attributes == {"tier": "gold", "orders": (1, 2)}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Agent(id="a1", skills="billing"),
            "expected a set or list of values, got a single str; wrap one value in a list "
            "(e.g. ['vip'])",
        ),
        (
            lambda: Customer(id="c1", identifiers="ada@example.com"),
            "expected a list or tuple of values, got a single str; wrap one value in a list "
            "(e.g. ['vip'])",
        ),
        (lambda: Customer(id="c1", attributes=5), "expected a mapping (a dict), got int"),
        (lambda: Agent(id="a1", skills=5), "expected a set or list of hashable values, got int"),
        (lambda: AutoReply(template="t", variables=[1]), "expected a mapping (a dict), got list"),
    ],
)
def test_wrong_containers_are_refused_not_silently_split(
    build: Callable[[], object], message: str
) -> None:
    """A single string for a collection, or a non-mapping, is a ValidationError, not a surprise."""
    with pytest.raises(ValidationError) as caught:
        build()
    assert str(caught.value) == message


# ------------------------------------------------ every public frozen class


def _public_attrs_classes() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for info in pkgutil.walk_packages(omnicx.__path__, "omnicx."):
        leaf = info.name.rsplit(".", 1)[1]
        if leaf.startswith("_") or (not info.ispkg and info.name.count(".") > 1):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if isinstance(obj, type) and attrs.has(obj):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def _is_frozen(cls: type[Any]) -> bool:
    return getattr(cls.__setattr__, "__name__", "") == "_frozen_setattrs"


FROZEN = [cls for cls in _public_attrs_classes() if _is_frozen(cls)]
# Converters that check their items (money, dates): a generic sample is refused.
_TYPED_ITEMS = {"BusinessCalendar.special", "EmailIdentity.own_addresses", "MetaDispatcher.adapters",
                "Standing.tiers"}  # fmt: skip


def _container_kind(annotation: Any) -> Any:
    # The container a field's type asks for, looking through ``X | None``;
    # abstract sequences and sets count as tuples, abstract mappings as Mapping.
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = [_container_kind(a) for a in typing.get_args(annotation) if a is not type(None)]
        return next((k for k in kinds if k is not None), None)
    origin = origin or annotation
    if origin in (dict, list, set, tuple, frozenset):
        return origin
    if origin in (abc.Mapping, abc.MutableMapping):
        return Mapping
    if origin in (abc.Sequence, abc.Collection, abc.Iterable, abc.Set):
        return tuple
    return None


def test_there_are_public_frozen_classes_to_check() -> None:
    """The walk finds the value types (guards against an empty, vacuous walk)."""
    names = {cls.__name__ for cls in FROZEN}
    assert {"Decision", "Receipt", "Profile", "ConversationRecord", "MetricsReport"} <= names
    assert len(FROZEN) > 80


@pytest.mark.parametrize("cls", FROZEN, ids=lambda c: c.__name__)
def test_no_public_frozen_class_keeps_a_mutable_container(cls: type[Any]) -> None:
    """No field is typed dict/list/set, and every container field has a freezing converter.

    The converter is called with a dict, a list or a set, as a caller would
    pass, and must give back immutable data.
    """
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        if not field.eq:  # memo caches excluded from the value
            continue
        kind = _container_kind(hints[field.name])
        if kind is None:
            continue
        where = f"{cls.__name__}.{field.name}"
        assert kind not in (dict, list, set), f"{where} is typed {kind.__name__}"
        assert field.converter is not None, f"{where} keeps whatever it is given"
        convert = typing.cast(Callable[[Any], Any], field.converter)
        sample: Any = {"k": {"nested": ["v"]}} if kind is Mapping else ["a", ["b"]]
        if kind is frozenset:
            sample = {"a", "b"}
        try:
            frozen = convert(sample)
        except (TypeError, ValueError):  # a converter of pairs: give it pairs
            if where in _TYPED_ITEMS:
                continue
            frozen = convert([["a", "b"], ["c", "d"]])
        assert not isinstance(frozen, MUTABLE), f"{where} converted to {type(frozen).__name__}"
        if attrs.has(type(frozen)) or not isinstance(frozen, Mapping | tuple):
            continue
        if "Any" in str(field.type) or "Collection" in str(field.type):
            assert_deep_frozen(frozen, where)


def test_every_public_frozen_class_hashes_by_value() -> None:
    """Frozen and compared by value, so hashed by value: none falls back to identity."""
    for cls in FROZEN:
        assert cls.__hash__ is not None, f"{cls.__name__} is unhashable"
        assert cls.__hash__ is not object.__hash__, f"{cls.__name__} hashes by identity"


def test_every_frozen_default_is_immutable() -> None:
    """No default is a shared dict or list, nor a factory of one."""
    for cls in FROZEN:
        for field in attrs.fields(cls):
            if not field.eq:  # memo caches, built per instance
                continue
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                assert default.factory not in (dict, list, set), f"{cls.__name__}.{field.name}"
            else:
                assert not isinstance(default, MUTABLE), f"{cls.__name__}.{field.name}"


VALUES = {
    "agents": oxs.agents(),
    "attachments": oxs.attachments(),
    "authors": oxs.authors(),
    "conversations": oxs.conversations(),
    "customers": oxs.customers(),
    "events": oxs.events(),
    "identifiers": oxs.identifiers(),
    "messages": oxs.messages(),
    "queues": oxs.queues(),
    "teams": oxs.teams(),
    "thread_refs": oxs.thread_refs(),
}


@pytest.mark.parametrize("strategy", VALUES.values(), ids=list(VALUES))
@given(data=st.data())
def test_generated_values_are_frozen_all_the_way_down_and_hash(
    strategy: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    """Model values from the shipped strategies: immutable, hashable, and still round-trip."""
    value = data.draw(strategy)
    assert_unchangeable(value)
    assert hash(value) == hash(copy.copy(value))
    assert serde.from_json(type(value), serde.to_json(value)) == value


@given(oxs.json_objects(), oxs.json_objects())
def test_values_built_from_dicts_and_lists_hold_frozen_copies(
    attributes: dict[str, Any], metadata: dict[str, Any]
) -> None:
    """JSON-like attributes given as dicts and lists come back read-only, equal and hashable."""
    customer = Customer(id="c1", attributes=attributes)
    message = Message(
        id="m1",
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER),
        sent_at=T0,
        attachments=[],  # type: ignore[arg-type]
        metadata=metadata,
    )
    for value in (customer, message):
        assert_unchangeable(value)
        hash(value)
    assert thaw(customer.attributes) == attributes
    assert serde.from_json(Message, serde.to_json(message)) == message


@given(oxs.json_objects(), st.frozensets(st.sampled_from(["vip", "refund", "late"])))
def test_sla_conversation_facts_hash_by_value(customer: dict[str, Any], tags: Any) -> None:
    """SlaFacts hashes; equal facts hash equal, so they can key a cache."""
    one = SlaFacts(tags=set(tags), customer=customer)
    two = SlaFacts(tags=list(tags), customer=dict(customer))
    assert one == two
    assert hash(one) == hash(two)
    assert {one: "cached"}[two] == "cached"
    assert_unchangeable(one)
    metrics = MetricsFacts(
        conversation_id="c1",
        customer_id="u1",
        channel="email",
        created_at=T0,
        tags=set(tags),
        attributes={"tier": "gold"},
    )
    assert hash(metrics) == hash(attrs.evolve(metrics))


# ------------------------------------------------------------- the engines

_RULES = {
    "rules": [
        {
            "id": "refund",
            "when": {"field": "message.text", "op": "contains_any", "value": ["refund"]},
            "then": {
                "queue": "billing",
                "priority": "high",
                "add_tags": ["refund"],
                "skills": ["billing"],
                "notify": ["lead"],
                "auto_reply": {"template": "ack", "variables": {"team": "billing"}},
                "set_fields": {"route": "refunds", "score": 3},
            },
        },
        {"id": "rest", "then": {"queue": "general"}},
    ]
}
_SLA_POLICY = Policy(
    name="std",
    targets={Metric.FIRST_REPLY: {p: Target(seconds=3600, business=False) for p in Priority}},
)
texts = st.sampled_from(["I want a refund", "hello", "refund please, order 123456"])


def _message(n: int, text: str, metadata: Mapping[str, Any] | None = None) -> Message:
    return Message(
        id=f"email:{n}",
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER),
        sent_at=T0 + timedelta(minutes=n),
        text=text,
        external_id=str(n),
        metadata=metadata or {},
    )


@given(texts, oxs.json_objects())
def test_rule_decisions_cannot_be_changed_by_their_readers(
    text: str, attributes: dict[str, Any]
) -> None:
    """A Decision is frozen through and through; the next decide is as on a fresh engine."""
    engine = RuleEngine.compile(load_rules(_RULES))
    context = RoutingContext(
        now=T0, message=_message(1, text), customer=Customer(id="c1", attributes=attributes)
    )
    decision = engine.decide(context)
    assert_unchangeable(decision)
    for reply in decision.auto_replies:
        assert_unchangeable(reply)
    fresh = RuleEngine.compile(load_rules(_RULES)).decide(context)
    assert engine.decide(context) == fresh == decision
    assert hash(decision) == hash(fresh)


def test_loaded_rules_policies_and_traces_are_frozen_all_the_way_down() -> None:
    """A rule set from plain data, an SLA policy from dicts and an explain trace hold no list."""
    rules = load_rules(_RULES)
    assert_deep_frozen(rules)
    assert_unchangeable(rules.rules[0].when)
    assert_deep_frozen(_SLA_POLICY)
    assert_unchangeable(_SLA_POLICY.targets[Metric.FIRST_REPLY])
    trace = RuleEngine.compile(rules).explain(RoutingContext(now=T0, message=_message(1, "hi")))
    assert_deep_frozen(trace)
    # Messages still show values as the rule file wrote them.
    assert str(trace.rules[0]) == (
        "- refund: no match: rules[0].when: expected message.text contains_any ['refund'], "
        "saw ['hi']"
    )


def test_desk_copies_the_host_s_configuration_mappings() -> None:
    """Changing the dicts a Desk was built from afterwards changes nothing in it."""
    actors: dict[str, Any] = {}
    redaction: dict[str, Any] = {}
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0), actors=actors, redaction=redaction)
    actors["intruder"] = object()
    redaction["email"] = object()
    assert desk.actors == {}
    assert desk.redaction == {}


@given(st.integers(min_value=0, max_value=180))
def test_sla_state_and_report_cannot_be_changed(minutes: int) -> None:
    """SLA state, effects and report are frozen; reporting again equals a fresh engine."""
    engine = SlaEngine(policies=[_SLA_POLICY])
    events = [MessageEvent(id="e1", at=T0, customer_id="u1", message=_message(0, "hi"))]
    now = T0 + timedelta(minutes=minutes)
    state, effects = engine.replay(events, now, {"tier": {"name": "gold", "tags": ["a"]}})
    report = engine.report(state, now)
    for value in (state, state.facts, report, *effects, *report.targets):
        assert_unchangeable(value)
    hash(state)
    fresh = SlaEngine(policies=[_SLA_POLICY])
    fresh_state, _ = fresh.replay(events, now, {"tier": {"name": "gold", "tags": ["a"]}})
    assert engine.report(state, now) == fresh.report(fresh_state, now) == report


@given(oxs.json_objects())
def test_identity_results_and_profiles_cannot_be_changed(attributes: dict[str, Any]) -> None:
    """Resolutions and stored profiles are frozen; resolving again matches a fresh store."""

    def run(store: MemoryIdentityStore) -> list[Any]:
        out: list[Any] = []
        for n in range(2):
            observation = Observation(
                id=f"o{n}",
                at=T0 + timedelta(hours=n),
                identifiers=[email_identifier("ada@example.com")],  # type: ignore[arg-type]
                attributes=attributes,
            )
            out.append(resolve(store, observation))
            scribble(out[-1])
            profile = store.profile(out[-1].customer_id)
            scribble(profile)
            scribble(store.live_profiles())
            out.append(profile)
        return out

    assert run(MemoryIdentityStore()) == run(MemoryIdentityStore())


def _facts(n: int, channel: str) -> MetricsFacts:
    return MetricsFacts(
        conversation_id=f"c{n}",
        customer_id="u1",
        channel=channel,
        created_at=T0 + timedelta(minutes=n),
        attributes={"tier": "gold"},
    )


@given(st.lists(st.sampled_from(["email", "chat", "sms"]), min_size=1, max_size=6))
def test_metrics_reports_cannot_be_changed(channels: list[str]) -> None:
    """A MetricsReport and its groups are frozen; reporting again equals a fresh accumulator."""
    facts = [_facts(n, c) for n, c in enumerate(channels)]
    accumulator = MetricsAccumulator(by=["channel"])
    accumulator.add_all(facts)
    report = accumulator.report()
    assert_unchangeable(report)
    for group in report.groups.values():
        assert_unchangeable(group)
    fresh = MetricsAccumulator(by=["channel"])
    fresh.add_all(facts)
    assert accumulator.report() == fresh.report() == report


# ------------------------------------------------------ the desk and stores


def _stores(tmp: Any) -> dict[str, Callable[[], DeskStore]]:
    counter = iter(range(10**9))
    return {
        "memory": MemoryStore,
        "sqlite": lambda: SqliteStore(tmp.mktemp("db") / f"s{next(counter)}.sqlite"),
    }


def _desk(store: DeskStore) -> Desk:
    return Desk(
        store=store,
        clock=FixedClock(T0),
        rules=RuleEngine.compile(load_rules(_RULES)),
        sla=SlaEngine(policies=[_SLA_POLICY]),
    )


def _reads(desk: Desk, store: DeskStore, receipts: list[Any]) -> list[Any]:
    """Everything a host reads back; each read is scribbled on before the next."""
    out: list[Any] = []
    customer_id = receipts[0].customer_id
    conversation_id = receipts[0].conversation_id
    for read in (
        lambda: desk.customer(customer_id),
        lambda: desk.timeline(customer_id),
        lambda: desk.conversation(conversation_id),
        lambda: desk.conversations(customer_id),
        lambda: desk.sla_report(conversation_id),
        lambda: store.conversation(conversation_id),
        lambda: store.conversations_of([customer_id]),
        lambda: store.events(customer_ids=[customer_id]),
        lambda: store.events(conversation_id=conversation_id),
        lambda: store.receipt("in:email:1"),
        lambda: store.audit(customer_id=customer_id),
        lambda: store.profile(customer_id),
    ):
        value = read()
        out.append(value if not isinstance(value, list) else list(value))
        if isinstance(value, tuple):
            for item in value:
                assert_unchangeable(item)
        scribble(value)
    return out


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@settings(max_examples=15)
@given(st.lists(texts, min_size=1, max_size=3), oxs.json_objects())
def test_desk_results_and_store_reads_cannot_be_changed(
    tmp_path_factory: pytest.TempPathFactory, kind: str, texts: list[str], meta: dict[str, Any]
) -> None:
    """Receipts and every read are frozen (or fresh copies); reads match a fresh desk's."""
    make = _stores(tmp_path_factory)[kind]

    def run() -> list[Any]:
        store = make()
        desk = _desk(store)
        receipts = []
        for n, text in enumerate(texts, start=1):
            event = MessageReceived(
                message=_message(n, text, meta),
                sender=(email_identifier("ada@example.com"),),
                sender_name="Ada",
            )
            receipt = desk.receive(event)
            assert_unchangeable(receipt)
            for outgoing in receipt.outbox:
                assert_unchangeable(outgoing)
            receipts.append(receipt)
        first = _reads(desk, store, receipts)
        again = _reads(desk, store, receipts)
        assert first == again
        return [*receipts, *again]

    assert run() == run()
