"""A contract test suite any channel adapter can run: ours, and a host's own.

Subclass :class:`AdapterContract` in a pytest module (name it ``Test...``),
return the adapter and a few valid signed requests, and pytest runs every
promise of the ``ChannelAdapter`` protocol against it, including hypothesis
properties that feed it arbitrary bytes, JSON and form data, and every
mutation of its samples (``omnicx.testing.mutations``): a parse that lets a
``KeyError`` or ``OverflowError`` out for a dropped key or a huge number fails.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.channels import (
    CALL_EVENT_TYPES,
    CHANNEL_EVENT_TYPES,
    Capabilities,
    ChannelAdapter,
    ChannelEvent,
    MessageReceived,
    OutboundMessage,
    OutboundRequest,
    WebhookRequest,
)
from omnicx.errors import OmnicxError, PayloadError, SignatureError
from omnicx.model import Channel
from omnicx.testing._mutations import Mutation, mutations

__all__ = [
    "AdapterContract",
    "Mutation",
    "check_mutations",
    "mutations",
    "parse_or_refuse",
    "verify_then_parse",
]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
_FORM = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=20)), max_size=8)


def parse_or_refuse(
    adapter: ChannelAdapter, request: WebhookRequest
) -> Sequence[ChannelEvent] | None:
    """Parse ``request``; return None when the adapter refused it with ``PayloadError``.

    Any other exception propagates, failing the calling test: per the
    protocol it is a bug.
    """
    try:
        events = adapter.parse(request)
    except PayloadError:
        return None
    for event in events:
        assert isinstance(event, CHANNEL_EVENT_TYPES), f"parse returned {type(event).__name__}"
    return events


def verify_then_parse(adapter: ChannelAdapter, request: WebhookRequest) -> object:
    """Verify ``request`` and parse it even when verify refused it, as a contract check.

    ``now`` is the request's ``received_at``. A host stops at a refused
    signature; the contract parses anyway, because an authentic request can
    carry the same shape. Returns the events, or None when parse refused;
    ``SignatureError`` and ``PayloadError`` from verify are the typed
    refusals, anything else propagates.
    """
    with contextlib.suppress(PayloadError):  # SignatureError included
        adapter.verify(request, now=request.received_at)
    return parse_or_refuse(adapter, request)


def check_mutations(
    attempt: Callable[[WebhookRequest], object], samples: Iterable[WebhookRequest]
) -> list[object]:
    """Run ``attempt`` on every mutation of every sample; return what it returned.

    ``attempt`` verifies and parses one request (``verify_then_parse`` for a
    ``ChannelAdapter``; a host's own callable for webhooks of another shape)
    and may raise ``PayloadError`` or ``SignatureError``.

    Raises:
        AssertionError: naming the mutation and the exception, for any other
            exception (a ``KeyError`` for a dropped key is a bug).
    """
    results: list[object] = []
    for sample in samples:
        for mutation in mutations(sample):
            try:
                results.append(attempt(mutation.request))
            except PayloadError:
                continue
            except Exception as error:  # the point: anything untyped fails
                raise AssertionError(
                    f"{mutation.what}: {type(error).__name__} escaped ({error!s:.200})"
                ) from error
    return results


class AdapterContract:
    """Base class of an adapter's contract tests; override the three hooks.

    ``make_adapter`` returns the adapter under test; ``samples`` returns valid
    requests (``WebhookRequest`` values, each with the instant it was
    received), signed if the adapter checks signatures; ``outbound`` returns a
    message the adapter must be able to render (None to skip). Set
    ``signed = False`` for an adapter whose ``verify`` accepts everything,
    ``signs_body = False`` for a shared-token scheme that authenticates the
    sender but not the body (changed bodies then still verify),
    ``signature_header = False`` for a scheme whose signature travels in the
    body (Amazon SNS, Mailgun's form fields), and
    list in ``secrets`` the strings that must never appear in its ``repr``.
    Extra ``headers`` (a topic) are passed to every parse; arbitrary inputs
    are received at ``received_at``.
    """

    signed: bool = True
    signs_body: bool = True
    signature_header: bool = True
    secrets: Sequence[str] = ()
    headers: Mapping[str, str] = {}
    received_at: datetime = datetime(2026, 3, 2, 12, tzinfo=UTC)

    def make_adapter(self) -> ChannelAdapter:
        """Return the adapter under test."""
        raise NotImplementedError

    def samples(self) -> Sequence[WebhookRequest]:
        """Return valid requests the adapter must verify and parse into events."""
        raise NotImplementedError

    def outbound(self) -> OutboundMessage | None:
        """Return a message the adapter must render, or None."""
        return None

    def _headers(self, sample: WebhookRequest) -> dict[str, str]:
        return {**self.headers, **sample.headers}

    def _request(self, sample: WebhookRequest) -> WebhookRequest:
        # The host's extra headers join the sample's.
        return attrs.evolve(sample, headers=self._headers(sample))

    def _arbitrary(self, body: bytes) -> WebhookRequest:
        return WebhookRequest(body=body, headers=self.headers, received_at=self.received_at)

    def test_implements_the_protocol(self) -> None:
        """The adapter has every protocol member with the right kinds of values."""
        adapter = self.make_adapter()
        assert isinstance(adapter, ChannelAdapter)
        assert isinstance(adapter.channel, Channel)
        assert isinstance(adapter.capabilities, Capabilities)

    def test_secrets_stay_out_of_repr(self) -> None:
        """No configured secret shows in the adapter's repr (logs, tracebacks)."""
        text = repr(self.make_adapter())
        for secret in self.secrets:
            assert secret not in text

    def test_samples_verify_and_parse(self) -> None:
        """Every sample verifies and parses into at least one channel event."""
        adapter = self.make_adapter()
        assert self.samples(), "give at least one sample"
        for sample in self.samples():
            request = self._request(sample)
            adapter.verify(request, now=request.received_at)
            events = parse_or_refuse(adapter, request)
            assert events, "a sample must parse into events"

    def test_parse_is_deterministic(self) -> None:
        """Parsing the same request twice gives equal events (redeliveries de-duplicate)."""
        adapter = self.make_adapter()
        for sample in self.samples():
            first = adapter.parse(self._request(sample))
            assert first == adapter.parse(self._request(sample))

    def test_client_headers_cannot_set_times(self) -> None:
        """Headers a client can send (``Date``, a received-at header) change no parsed event.

        Instants come from the payload or from ``request.received_at``, the
        host's clock: a forged header must not move a message in time.
        """
        adapter = self.make_adapter()
        forged = {
            "Date": "Fri, 31 Dec 1999 23:59:59 GMT",
            "X-Omnicx-Received-At": "1999-12-31T23:59:59Z",
        }
        for sample in self.samples():
            request = self._request(sample)
            honest = adapter.parse(request)
            headers = {**forged, **request.headers}
            assert adapter.parse(attrs.evolve(request, headers=headers)) == honest

    def test_signature_fails_on_any_change(self) -> None:
        """Changing one byte of a signed body, or dropping the signature, fails verify."""
        if not self.signed:
            return
        adapter = self.make_adapter()
        for sample in self.samples():
            request = self._request(sample)
            headers = request.headers
            changes = range(
                0, len(sample.body) if self.signs_body else 0, max(1, len(sample.body) // 16)
            )
            for index in changes:
                changed = bytearray(sample.body)
                changed[index] ^= 0x01
                try:
                    adapter.verify(
                        attrs.evolve(request, body=bytes(changed)), now=request.received_at
                    )
                except SignatureError:
                    continue
                except PayloadError:
                    continue  # a body that no longer decodes is refused too
                raise AssertionError(f"verify accepted a body changed at byte {index}")
            if not self.signature_header:
                continue
            refused_by: list[str] = []
            for name in sample.headers:
                bare = {k: v for k, v in headers.items() if k != name}
                try:
                    adapter.verify(attrs.evolve(request, headers=bare), now=request.received_at)
                except SignatureError as error:
                    refused_by.append(error.header.lower())
            # Dropping the signature header fails, and the error names it.
            assert refused_by, "verify passed with every header dropped in turn"
            assert set(refused_by) <= {name.lower() for name in sample.headers}

    # Each property builds its hypothesis test per call: one shared decorated
    # method inherited by many classes would mix their executors.

    def test_arbitrary_bytes_parse_or_refuse(self) -> None:
        """Arbitrary bytes either parse or raise PayloadError, never anything else."""
        adapter = self.make_adapter()

        @given(body=st.binary(max_size=300))
        def check(body: bytes) -> None:
            parse_or_refuse(adapter, self._arbitrary(body))

        check()

    def test_arbitrary_json_parses_or_refuses(self) -> None:
        """Arbitrary JSON either parses or raises PayloadError."""
        adapter = self.make_adapter()

        @given(value=_JSON)
        def check(value: object) -> None:
            parse_or_refuse(adapter, self._arbitrary(json.dumps(value).encode()))

        check()

    def test_arbitrary_form_parses_or_refuses(self) -> None:
        """Arbitrary form data either parses or raises PayloadError."""
        adapter = self.make_adapter()

        @given(pairs=_FORM)
        def check(pairs: list[tuple[str, str]]) -> None:
            parse_or_refuse(adapter, self._arbitrary(urlencode(pairs).encode()))

        check()

    def test_damaged_samples_parse_or_refuse(self) -> None:
        """A sample with bytes cut or changed either parses or raises PayloadError."""
        adapter, samples = self.make_adapter(), list(self.samples())

        @given(data=st.data())
        def check(data: st.DataObject) -> None:
            sample = data.draw(st.sampled_from(samples))
            body = bytearray(sample.body)
            if body:
                start = data.draw(st.integers(0, len(body) - 1))
                end = data.draw(st.integers(start, len(body)))
                body[start:end] = data.draw(st.binary(max_size=8))
            parse_or_refuse(adapter, attrs.evolve(self._request(sample), body=bytes(body)))

        check()

    def _requests(self) -> list[WebhookRequest]:
        # The host's headers go in the request so they are mutated too.
        return [self._request(s) for s in self.samples()]

    def test_mutated_samples_parse_or_refuse_and_store(self) -> None:
        """Every mutation of every sample (a key dropped, a value's type changed, nulls,
        huge numbers and strings, deep nesting, invalid UTF-8, lone surrogates, edge
        dates, each header changed) verifies or raises ``SignatureError``, and parses
        or raises ``PayloadError``; never anything else. Every message the mutations
        parse into then goes through ``Desk.receive`` on SQLite (every call event
        through ``Desk.receive_call``): stored, or refused with an omnicx error (an
        instant out of range), never a builtin exception.
        """
        # The desk only for this test: adapters never import it.
        from omnicx import FixedClock
        from omnicx.desk import Desk
        from omnicx.storage import SqliteStore

        adapter = self.make_adapter()
        parsed = check_mutations(
            lambda request: verify_then_parse(adapter, request), self._requests()
        )
        received = [
            event
            for events in parsed
            if isinstance(events, tuple | list)
            for event in events
            if isinstance(event, (MessageReceived, *CALL_EVENT_TYPES))
        ]
        desk = Desk(store=SqliteStore(), clock=FixedClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))
        for event in received:
            try:
                if isinstance(event, MessageReceived):
                    desk.receive(event)
                elif isinstance(event, CALL_EVENT_TYPES):
                    desk.receive_call(event)
            except OmnicxError:
                continue

    def test_mutations_of_mutations_parse_or_refuse(self) -> None:
        """Two mutations at once (drawn by hypothesis, 30 examples) still parse or refuse."""
        adapter = self.make_adapter()
        firsts = [m for request in self._requests() for m in mutations(request)]

        @settings(max_examples=30, deadline=None)
        @given(first=st.sampled_from(firsts), index=st.integers(0, 1999))
        def check(first: Mutation, index: int) -> None:
            second = _nth(mutations(first.request, depth=1), index)
            with contextlib.suppress(PayloadError):
                verify_then_parse(adapter, second.request)

        check()

    def test_render_describes_requests(self) -> None:
        """``render`` returns at least one request with a method and a URL."""
        outbound = self.outbound()
        if outbound is None:
            return
        requests = self.make_adapter().render(outbound)
        assert requests
        for request in requests:
            assert isinstance(request, OutboundRequest)
            assert request.method
            assert request.url


def _nth(found: Iterable[Mutation], index: int) -> Mutation:
    # Mutations come lazily: stop at ``index`` (or the last one, if fewer).
    taken = list(itertools.islice(found, index + 1))
    assert taken, "every request has mutations (an empty body at least)"
    return taken[-1]
